/** Run the BUILT CLI (bin/readiness-tui.js) as a real child process; builds it once if dist/ is missing. */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './session-fixtures.js';

export const BIN = path.join(repoRoot, 'bin', 'readiness-tui.js');

export function ensureBuilt(): void {
  if (!existsSync(path.join(repoRoot, 'dist', 'cli.js'))) execFileSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'ignore' });
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
