/** bin/readiness-tui.js in a checkout that was never built: one line that says what to do, exit 2, no stack trace. */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { repoRoot } from '../support/fixtures.js';

const run = promisify(execFile);

it('without dist/ the bin says the checkout was not built and how to build it', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rt-bin-'));
  try {
    cpSync(path.join(repoRoot, 'bin'), path.join(dir, 'bin'), { recursive: true });
    cpSync(path.join(repoRoot, 'package.json'), path.join(dir, 'package.json'));
    const r = await run(process.execPath, [path.join(dir, 'bin', 'readiness-tui.js'), '--version']).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('readiness-tui: dist/cli.js is missing: this checkout was not built. Run `npm ci` (or `npm run build`) in it first.\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
