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

export function cli(args: string[], o: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: o.cwd, env: o.env, timeout: o.timeoutMs ?? 20_000, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
