/**
 * Which session a plain-shell command (`signoff`, `waive`, `note`, `decide`) acts on: `--session DIR`, else the
 * unfinished session in `--state-dir` (refusing to guess when unfinished sessions of several checklists exist).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resolveOperator } from '../engine/identity.js';
import { JOURNAL_FILE } from '../engine/journal.js';
import { teamFile } from '../engine/decide.js';
import { describeSession, listSessions, openSessionDir } from '../engine/session.js';
import type { Session } from '../engine/session-api.js';
import { UsageError } from './exit.js';

export { findItem } from '../engine/decide.js';

export interface TargetOptions {
  session?: string;
  stateDir?: string;
}

export async function resolveSessionDir(o: TargetOptions): Promise<string> {
  if (o.session) {
    const dir = resolve(o.session);
    if (!existsSync(join(dir, JOURNAL_FILE))) {
      throw new UsageError(
        `no session at ${dir} (no ${JOURNAL_FILE} there). \`readiness-tui info --state-dir DIR\` lists the sessions of a state directory.`,
      );
    }
    return dir;
  }
  const stateDir = resolve(o.stateDir ?? '.readiness');
  const open = (await listSessions(stateDir, { verify: false })).filter((s) => !s.closed);
  if (!open.length) {
    throw new UsageError(
      `no unfinished session in ${join(stateDir, 'sessions')}. Start one with \`readiness-tui run FILE\` (or the TUI), ` +
        `or name one with --session DIR (see \`readiness-tui info\`).`,
    );
  }
  if (open.length > 1) {
    // never pick one of several silently (even of the same checklist: a second session made with --new)
    throw new UsageError(
      `${open.length} unfinished sessions in ${join(stateDir, 'sessions')} — say which one with --session DIR:\n` +
        open.map((s) => `  ${describeSession(s)}`).join('\n'),
    );
  }
  return open[open.length - 1]!.dir;
}

/**
 * Who acts, bound to a key: the key acts are signed with (--sign-key, else the agent's) and the principal — --as when
 * given (checked against the team file when the act is recorded), else the principal the team file gives that key,
 * else git user.email. `allowedSigners` is the team file (teamFile / teamFileIn).
 */
export async function identify(o: {
  as?: string;
  signKey?: string;
  sign?: boolean;
  allowedSigners?: string;
  env?: NodeJS.ProcessEnv;
  /** the driver (TUI, run): with a team file, a key it does not allow for the principal opens nothing (exit 2) */
  driver?: boolean;
}): Promise<{ principal: string; keyFingerprint?: string }> {
  if (o.as !== undefined && !o.as.trim()) throw new UsageError('--as needs a non-empty name');
  const { operatorKey } = await import('../engine/signoff-sign.js');
  const k = o.sign === false ? {} : await operatorKey({ signKey: o.signKey, env: o.env, allowedSigners: o.allowedSigners });
  const principal = o.as !== undefined ? resolveOperator({ as: o.as, env: o.env }) : (k.teamPrincipal ?? resolveOperator({ env: o.env }));
  const refused = o.driver ? k.notAllowedFor?.(principal) : undefined;
  if (refused) throw new UsageError(`${refused} — nothing was opened. Drive as the principal your key is allowed for (--as), or with your own key (--sign-key)`);
  return { principal, ...(k.keyFingerprint ? { keyFingerprint: k.keyFingerprint } : {}) };
}

/**
 * The session a signed act from a plain shell acts on (`signoff`, `note`, `decide`, `waive`), opened as the person acting:
 * the session (resolveSessionDir), its team file (--allowed-signers, the checklist's, the state dir's), who acts
 * (identify: --as, else the principal the team file gives the key) — with the session's warnings printed.
 */
export async function openAsActor(o: TargetOptions & { as?: string; signKey?: string; sign?: boolean; allowedSigners?: string }): Promise<{
  session: Session;
  operator: string;
  allowedSigners?: string;
}> {
  if (o.sign === false && o.signKey) throw new UsageError('--no-sign and --sign-key contradict each other');
  const dir = await resolveSessionDir(o);
  const allowedSigners = await teamFile(dir, o.allowedSigners);
  const who = await identify({ as: o.as, signKey: o.signKey, sign: o.sign, allowedSigners });
  const session = await openSessionDir(dir, { operator: who.principal, operatorKey: who.keyFingerprint });
  printWarnings(session.warnings);
  return { session, operator: who.principal, allowedSigners };
}

export function printWarnings(warnings: string[]): void {
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
}
