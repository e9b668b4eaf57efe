/**
 * Without a terminal, `readiness-tui FILE` is the headless runner (`run --ci`): plain lines, no escape sequences,
 * the CLI contract's exit codes. Needs `npm run build` first.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, cleanEnv } from '../support/pty.js';
import { ensureBuilt } from '../support/cli-run.js';

let dir: string;

describe('readiness-tui FILE without a TTY', () => {
  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(path.join(tmpdir(), 'rt-nontty-'));
    writeFileSync(
      path.join(dir, 'ci.yaml'),
      `apiVersion: readiness/v1
name: ci
title: CI checklist
blocks:
  - id: "C"
    title: Headless
    successMetrics: [runs]
    items:
      - id: "c1"
        title: Passes
        estimate: 1m
        check: { kind: command, run: 'echo all-good' }
      - id: "c2"
        title: Fails
        estimate: 1m
        check: { kind: command, run: 'echo broken; exit 4' }
`,
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs like `run --ci`: plain lines, no escape sequences, exit 1 on NO-GO', () => {
    const env = cleanEnv();
    delete env.READINESS_TEST_READY;
    const r = spawnSync(process.execPath, [CLI, 'ci.yaml', '--state-dir', path.join(dir, 'state'), '--out', path.join(dir, 'reports'), '--as', 'ci@example.com'], {
      cwd: dir,
      env,
      encoding: 'utf8',
      timeout: 60_000,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/c1/);
    expect(r.stdout).toMatch(/c2/);
    expect(r.stdout).toMatch(/NO-GO/);
    expect(r.stdout + r.stderr).not.toContain('\x1b');
  });

  it('without a FILE and without a TTY it says what to do (exit 2)', () => {
    const r = spawnSync(process.execPath, [CLI], { cwd: dir, env: cleanEnv(), encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no checklist given/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
