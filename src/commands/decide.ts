/**
 * `readiness-tui decide [--session DIR] [--state-dir DIR] [--as NAME] [--sign-key K] [--allowed-signers FILE] [--no-sign]
 * [--yes]` — the final decision from a shell, the
 * counterpart of `g` in the TUI. Prints what the decision rests on and what is missing (pending and stale sign-offs,
 * waivers and their expiry, items that could not run), asks for confirmation (`--yes` when there is no terminal) and
 * records it under the rules of `run --ci` (engine/decide.ts settleDecision): no final GO with a required sign-off
 * missing, one final decision per state of the journal. The decision is the operator's signed statement, like `g`'s
 * and `run --ci`'s (engine/signed-act.ts), checked against the team file live. Exit 0 GO, 1 NO-GO, 3 INCOMPLETE (nothing final recorded),
 * 2 usage error or not confirmed. The report is written by `readiness-tui report` (or `run`) afterwards.
 */
import { createInterface } from 'node:readline/promises';
import { settleDecision } from '../engine/decide.js';
import { decisionBasis } from '../engine/session-state.js';
import type { Decision } from '../engine/status.js';
import type { StatementRef } from '../engine/events.js';
import { EXIT, UsageError } from './exit.js';
import { openAsActor } from './session-target.js';

export interface DecideOptions {
  session?: string;
  stateDir?: string;
  as?: string;
  signKey?: string;
  allowedSigners?: string;
  /** false with --no-sign */
  sign?: boolean;
  yes?: boolean;
  /** tests: where the summary goes, and the answer source (default: process streams) */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout?: NodeJS.WritableStream;
}

const DECISION_EXIT: Record<Decision, number> = { GO: EXIT.GO, 'NO-GO': EXIT.NO_GO, INCOMPLETE: EXIT.INCOMPLETE };

async function confirm(question: string, stdin: NodeJS.ReadableStream, stdout: NodeJS.WritableStream): Promise<boolean> {
  const rl = createInterface({ input: stdin, output: stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export async function decideCommand(opts: DecideOptions): Promise<number> {
  const stdin = opts.stdin ?? process.stdin;
  const out = opts.stdout ?? process.stdout;
  const { session, operator, allowedSigners } = await openAsActor(opts);
  try {
    session.store.tick();
    const state = session.store.store.getState();
    const basis = decisionBasis(session.checklist, state, new Date());
    out.write(`session ${session.dir}\n`);
    out.write(`decision: ${basis.decision}\n`);
    out.write(basis.lines.length ? `what it rests on:\n${basis.lines.map((l) => `  ${l}\n`).join('')}` : 'nothing is missing: every blocking item passed or is waived\n');
    const already = basis.alreadyDecided?.decision === basis.decision ? basis.alreadyDecided : undefined;
    // INCOMPLETE, or a GO withheld for missing sign-offs, or a final decision that stands: nothing to confirm
    if (basis.decision !== 'INCOMPLETE' && !already && !(basis.decision === 'GO' && basis.missing.length)) {
      const question = `record the final decision ${basis.decision} as ${operator}? [y/N] `;
      if (!opts.yes) {
        if (!stdin.isTTY) throw new UsageError(`decide records the final decision ${basis.decision}: confirm with --yes (nothing was recorded)`);
        if (!(await confirm(question, stdin, out))) {
          out.write('not confirmed: nothing was recorded\n');
          return EXIT.USAGE;
        }
      }
    }
    const expect = already ? undefined : basis.decision === 'GO' && basis.missing.length ? 'INCOMPLETE' : basis.decision;
    const sign = { sign: opts.sign !== false, signKey: opts.signKey, allowedSigners };
    const settled = await settleDecision(session, { expect, recordInterim: false, sign });
    if (settled.already) {
      out.write(`the final decision ${settled.already.decision} is already recorded (journal #${settled.already.seq}) and nothing changed since: not recorded again\n`);
    } else if (settled.final && settled.record) {
      const st = (settled.record.data as { statement?: StatementRef }).statement;
      const how = st ? `signed with ${st.keyFingerprint} (${st.path})` : 'UNSIGNED (no SSH key to sign with, or --no-sign)';
      out.write(`recorded the final decision ${settled.decision} (journal #${settled.record.seq}), ${how} — write the report: readiness-tui report --session ${session.dir}\n`);
    } else {
      out.write(`no final decision recorded: the session stays open for sign-offs (readiness-tui signoff ITEM --session ${session.dir} …)\n`);
    }
    out.write(`${settled.line}\n`);
    return DECISION_EXIT[settled.decision];
  } finally {
    await session.close();
  }
}
