/**
 * `readiness-tui report --session DIR [--state-dir DIR] [--out DIR] [--sign-key K] [--signer P] [--no-sign]`
 * Writes the evidence bundle of a session (interim unless the session has a final decision) and prints the bundle
 * path on the LAST line of stdout. An unsigned bundle is still written; the reason goes to stderr.
 */
import path from 'node:path';
import { writeReportBundle } from '../report/bundle.js';
import { findSession } from '../engine/session.js';
import { resolveOperator } from '../engine/identity.js';
import { EXIT, UsageError } from './exit.js';

export interface ReportCommandOptions {
  session?: string;
  stateDir?: string;
  out?: string;
  signKey?: string;
  signer?: string;
  /** commander: --no-sign sets sign=false */
  sign?: boolean;
}

export async function reportCommand(opts: ReportCommandOptions): Promise<number> {
  const stateDir = opts.stateDir ?? '.readiness';
  let sessionDir = opts.session;
  if (!sessionDir) {
    sessionDir = await findSession(stateDir);
    if (!sessionDir)
      throw new UsageError(`no session found in ${path.resolve(stateDir, 'sessions')}; pass --session DIR (or --state-dir DIR)`);
  }
  const r = await writeReportBundle({
    sessionDir,
    outDir: opts.out ?? 'reports',
    signKey: opts.signKey,
    signer: opts.signer,
    sign: opts.sign !== false,
    interim: false,
    operator: resolveOperator({}),
  });
  for (const w of r.warnings ?? []) process.stderr.write(`warning: ${w}\n`);
  if (r.signed) process.stdout.write(`signed by ${r.signer ?? 'unknown principal'} with ${r.keyFingerprint}\n`);
  else process.stderr.write(`warning: the bundle is UNSIGNED: ${r.unsignedReason ?? 'no signature'}\n`);
  process.stdout.write(`report: ${path.join(r.dir, 'report.html')}\n`);
  process.stdout.write(`${r.dir}\n`);
  return EXIT.OK;
}
