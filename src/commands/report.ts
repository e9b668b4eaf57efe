/**
 * `readiness-tui report [--session DIR | --state-dir DIR] [--out DIR] [--sign-key K] [--signer P] [--no-sign] [--rehearsal S | --no-rehearsal]`
 * Writes the evidence bundle of a session (interim unless the session has a final decision) and prints the bundle
 * path on the LAST line of stdout. The rehearsal of the session (the newest before it, or --rehearsal) is named in the
 * report with its summary and bundle digest. An unsigned bundle is still written; the reason goes to stderr.
 */
import path from 'node:path';
import { writeReportBundle } from '../report/bundle.js';
import { describeSession, listSessions } from '../engine/session.js';
import { stateDirOf } from '../report/rehearsal.js';
import { sessionDirOf } from './diff.js';
import { teamFile } from '../engine/decide.js';
import { identify } from './session-target.js';
import { EXIT, UsageError } from './exit.js';

export interface ReportCommandOptions {
  session?: string;
  stateDir?: string;
  out?: string;
  signKey?: string;
  signer?: string;
  /** the team's allowed_signers (default: allowed_signers in the state dir): the default signer is the principal it gives your key */
  allowedSigners?: string;
  /** commander: --no-sign sets sign=false */
  sign?: boolean;
  /** --rehearsal SESSION (dir or id in the state dir); --no-rehearsal sets false; absent = the newest one before it */
  rehearsal?: string | boolean;
}

/**
 * Without --session: the one unfinished session, else the latest finished one — named on stderr, never silently;
 * with several unfinished sessions it refuses to guess (like `signoff`, `waive`, `note`) and lists them.
 */
async function pickSession(stateDir: string): Promise<string> {
  const all = await listSessions(stateDir, { verify: false });
  const open = all.filter((s) => !s.closed);
  if (open.length > 1) {
    throw new UsageError(
      `${open.length} unfinished sessions in ${path.resolve(stateDir, 'sessions')} — say which one with --session DIR:\n` +
        open.map((s) => `  ${describeSession(s)}`).join('\n'),
    );
  }
  const pick = open[0] ?? all.at(-1);
  if (!pick) throw new UsageError(`no session found in ${path.resolve(stateDir, 'sessions')}; pass --session DIR (or --state-dir DIR)`);
  process.stderr.write(`report of ${pick.closed ? 'the latest session' : 'the unfinished session'} ${describeSession(pick)}\n`);
  return pick.dir;
}

export async function reportCommand(opts: ReportCommandOptions): Promise<number> {
  const sessionDir = opts.session ?? (await pickSession(opts.stateDir ?? '.readiness'));
  const r = await writeReportBundle({
    sessionDir,
    outDir: opts.out ?? 'reports',
    signKey: opts.signKey,
    signer: opts.signer,
    sign: opts.sign !== false,
    interim: false,
    // the signer defaults to the operator: the principal the team file gives the key, else git
    operator: (await identify({ signKey: opts.signKey, sign: opts.sign, allowedSigners: await teamFile(sessionDir, opts.allowedSigners) })).principal,
    // a rehearsal named by id is looked up beside the session (in its state dir)
    ...(opts.rehearsal === false
      ? { rehearsal: false }
      : typeof opts.rehearsal === 'string'
        ? { rehearsal: sessionDirOf(opts.rehearsal, stateDirOf(sessionDir) ?? opts.stateDir ?? '.readiness') }
        : {}),
  });
  for (const w of r.warnings ?? []) process.stderr.write(`warning: ${w}\n`);
  if (r.signed) process.stdout.write(`signed by ${r.signer ?? 'unknown principal'} with ${r.keyFingerprint}\n`);
  else process.stderr.write(`warning: the bundle is UNSIGNED: ${r.unsignedReason ?? 'no signature'}\n`);
  process.stdout.write(`report: ${path.join(r.dir, 'report.html')}\n`);
  process.stdout.write(`${r.dir}\n`);
  return EXIT.OK;
}
