/** Run the BUILT CLI (bin/readiness-tui.js) as a real child process. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { distStaleness } from './build.js';
import { repoRoot } from './session-fixtures.js';

export const BIN = path.join(repoRoot, 'bin', 'readiness-tui.js');

/**
 * The bundle in dist/ is built from the sources as they are: the vitest global setup rebuilt it before any test
 * file started (test/support/build.ts). Throws when a source changed since — the run would test an old bundle.
 */
export function ensureBuilt(): void {
  const why = distStaleness();
  if (why) throw new Error(`dist/ is stale (${why}): a source changed during the test run; run the tests again (the global setup rebuilds)`);
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * libfaketime's variables (LD_PRELOAD and FAKETIME*) of this process: a child given an environment of its own keeps
 * the test's clock with them, so that a suite run under `faketime -f '+400d'` compares times of one clock only.
 */
export function clockEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => k === 'LD_PRELOAD' || k.startsWith('FAKETIME')));
}

/** The same variables removed: for a child that sets its own clock with `faketime` (faketime within faketime warns). */
export function withoutClockEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const k of Object.keys(clockEnv(env))) delete out[k];
  return out;
}

export function cli(args: string[], o: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: o.cwd, env: o.env && { ...clockEnv(), ...o.env }, timeout: o.timeoutMs ?? 20_000, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
