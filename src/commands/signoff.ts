/**
 * `readiness-tui signoff ITEM --decision approve|reject --comment TEXT [--role R] [--as NAME] [--sign-key K] [--no-sign]`
 *
 * Records a human decision on an item of a session from any shell (a second operator over SSH while the TUI runs).
 * The sign-off is journaled (fsynced) before this prints anything; when a key is available the statement is signed
 * with the signer's own SSH key first. Never loses a sign-off: without a usable key (and no --sign-key) it is
 * recorded unsigned, with a warning saying so.
 */
import type { SignoffData } from '../engine/events.js';
import type { JournalRecord } from '../engine/events.js';
import { readJournal, JOURNAL_FILE } from '../engine/journal.js';
import { openSessionDir } from '../engine/session.js';
import { join } from 'node:path';
import { UsageError, EXIT } from './exit.js';
import { findItem, operatorFrom, printWarnings, resolveSessionDir } from './session-target.js';

export interface SignoffOptions {
  session?: string;
  stateDir?: string;
  decision: 'approve' | 'reject';
  comment?: string;
  role?: string;
  as?: string;
  signKey?: string;
  /** false with --no-sign */
  sign?: boolean;
}

const same = (a: string | undefined, b: string | undefined) =>
  Boolean(a && b && a.trim().toLowerCase() === b.trim().toLowerCase());

export async function signoffCommand(itemId: string, opts: SignoffOptions): Promise<number> {
  const decision = opts.decision;
  if (decision !== 'approve' && decision !== 'reject') {
    throw new UsageError(`--decision must be approve or reject (got "${String(decision)}")`);
  }
  const comment = (opts.comment ?? '').trim();
  if (decision === 'reject' && !comment) {
    throw new UsageError('a rejection needs a reason: --comment "what is wrong and what must change"');
  }
  if (opts.sign === false && opts.signKey) throw new UsageError('--no-sign and --sign-key contradict each other');

  const dir = await resolveSessionDir(opts);
  const operator = operatorFrom(opts.as);
  const session = await openSessionDir(dir, { operator });
  try {
    printWarnings(session.warnings);
    const item = findItem(session.checklist, itemId);

    let role = opts.role?.trim() || undefined;
    if (item.signoffRoles.length) {
      if (!role && item.signoffRoles.length === 1) role = item.signoffRoles[0];
      if (!role) {
        throw new UsageError(`item ${item.id} is signed off in one of the roles ${item.signoffRoles.join(', ')}: pass --role`);
      }
      if (!item.signoffRoles.includes(role)) {
        throw new UsageError(
          `role "${role}" may not sign off item ${item.id}; allowed roles: ${item.signoffRoles.join(', ')}`,
        );
      }
    }

    const state = session.store.store.getState();
    const st = state.items[item.id]!;
    if (decision === 'approve') {
      if (item.noSelfApproval) {
        const j = await readJournal(join(session.dir, JOURNAL_FILE));
        const lastRun = [...j.records]
          .reverse()
          .find((r: JournalRecord) => r.type === 'item.result' && (r.data as { item?: string }).item === item.id);
        if (lastRun && same(lastRun.actor, operator)) {
          throw new UsageError(
            `item ${item.id} requires four-eyes approval (noSelfApproval) and ${operator} ran it (journal line ${lastRun.seq + 1}): someone else must approve it`,
          );
        }
        if (same(item.owner, operator)) {
          throw new UsageError(`item ${item.id} requires four-eyes approval (noSelfApproval) and ${operator} owns it: someone else must approve it`);
        }
      }
      const mine = st.signoffs.find((s) => !s.stale && s.decision === 'approve' && same(s.by, operator));
      if (mine) {
        throw new UsageError(
          `${operator} already approved item ${item.id} (journal line ${mine.seq + 1}); ` +
            (item.approvals > 1 ? `its ${item.approvals} approvals must come from different people` : 'nothing to do'),
        );
      }
    }
    if (item.signoff === 'none') {
      process.stderr.write(`warning: item ${item.id} does not ask for a sign-off (signoff: none); recording it anyway\n`);
    }
    if (!st.result && item.check && item.check.kind !== 'manual') {
      process.stderr.write(
        `warning: item ${item.id} has not run yet in this session: the sign-off covers no evidence and turns stale when it runs\n`,
      );
    }
    const evidence = (st.result?.evidence ?? []).map((e) => e.sha256);

    let statement: SignoffData['statement'];
    let unsignedWhy: string | undefined;
    if (opts.sign !== false) {
      try {
        const { signSignoff } = await import('../report/signoff-sign.js');
        statement = await signSignoff({
          session,
          item: item.id,
          decision,
          comment,
          role,
          principal: operator,
          evidence,
          signKey: opts.signKey,
        });
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        if (opts.signKey) throw new UsageError(`could not sign with ${opts.signKey}: ${msg} — nothing was recorded`);
        unsignedWhy = msg;
      }
    }

    const data: SignoffData = { item: item.id, decision, comment, role, by: operator, evidence, statement };
    const rec = await session.record({ type: 'signoff', data });
    if (unsignedWhy) {
      process.stderr.write(
        `warning: the sign-off was recorded UNSIGNED (no SSH signature): ${unsignedWhy}. ` +
          `Pass --sign-key to sign, or --no-sign to record unsigned on purpose.\n`,
      );
    }
    const after = session.store.store.getState().items[item.id]!;
    process.stdout.write(
      `recorded sign-off #${rec.seq} on ${item.id}: ${decision.toUpperCase()} by ${operator}` +
        `${role ? ` (role ${role})` : ''}, ` +
        (statement ? `signed with ${statement.keyFingerprint} (${statement.path})` : 'unsigned') +
        ` — item is now ${after.status}\n`,
    );
    return EXIT.OK;
  } finally {
    await session.close();
  }
}
