/**
 * `readiness-tui diff SESSION_A SESSION_B`: two sessions side by side (a rehearsal and the real run), item by item.
 * Each argument is a session directory or a session id in --state-dir. Reads only. Exit 0, 2 for a bad argument.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { formatProblems, JOURNAL_FILE } from '../engine/journal.js';
import { replaySession, SESSIONS_DIR } from '../engine/session.js';
import { diffSessions, diffText } from '../report/diff.js';
import { EXIT, UsageError } from './exit.js';

export interface DiffOptions {
  stateDir?: string;
  json?: boolean;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

/** a session directory, else a session id under <state dir>/sessions */
export function sessionDirOf(arg: string, stateDir: string): string {
  const asDir = path.resolve(arg);
  if (existsSync(path.join(asDir, JOURNAL_FILE))) return asDir;
  const byId = path.resolve(stateDir, SESSIONS_DIR, arg);
  if (!arg.includes('/') && existsSync(path.join(byId, JOURNAL_FILE))) return byId;
  throw new UsageError(
    `no session "${arg}": neither a session directory (${asDir}) nor a session id in ${path.resolve(stateDir, SESSIONS_DIR)}. ` +
      '`readiness-tui info` lists the sessions of a state directory.',
  );
}

export async function diffCommand(a: string, b: string, opts: DiffOptions = {}): Promise<number> {
  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  const stateDir = opts.stateDir ?? '.readiness';
  const dirs = [sessionDirOf(a, stateDir), sessionDirOf(b, stateDir)] as const;
  const [ra, rb] = await Promise.all(dirs.map((d) => replaySession(d)));
  for (const [dir, r] of [[dirs[0], ra!], [dirs[1], rb!]] as const) {
    if (r.problems.length) stderr.write(`warning: session ${dir} fails its integrity check:\n${formatProblems(path.join(dir, JOURNAL_FILE), r.problems)}\n`);
  }
  const d = diffSessions({ dir: dirs[0], replay: ra! }, { dir: dirs[1], replay: rb! });
  stdout.write(opts.json ? JSON.stringify(d, null, 2) + '\n' : diffText(d));
  return EXIT.OK;
}
