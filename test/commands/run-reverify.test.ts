/**
 * `run --ci --reverify` through the built CLI: real child processes, real session; the clock is set per process with
 * faketime (absolute times, so the test passes on any date) — no sleeping for evidence to age.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withoutClockEnv } from '../support/cli-run.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(repo, 'bin', 'readiness-tui.js');

let dir: string;
beforeAll(() => {
  if (!existsSync(path.join(repo, 'dist', 'cli.js'))) execFileSync('npm', ['run', 'build'], { cwd: repo, stdio: 'ignore' });
});
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rt-reverify-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** the CLI with its clock starting at `at` (UTC) */
function cliAt(at: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // the clock is this faketime's alone, even when the whole suite runs under another faketime
    const env: NodeJS.ProcessEnv = { ...withoutClockEnv(process.env), HOME: dir, SSH_AUTH_SOCK: '', NO_COLOR: '1', TZ: 'UTC' };
    delete env.VITEST;
    const child = spawn('faketime', [at, process.execPath, bin, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const CHECKLIST = `apiVersion: readiness/v1
name: fresh
title: Freshness
maxAge: 2h
blocks:
  - id: "1"
    title: B
    items:
      - id: "1.1"
        title: probe
        check: { kind: command, run: "echo probe >> runs.log" }
      - id: "1.2"
        title: drill
        check: { kind: command, run: "echo drill >> runs.log", mutating: true }
      - id: "1.3"
        title: static
        maxAge: 1d
        check: { kind: command, run: "echo static >> runs.log" }
      - id: "1.4"
        title: human
        check: { kind: manual, instructions: "look" }
        signoff: required
`;

async function started(sessionDir: string): Promise<string[]> {
  return (await readFile(path.join(sessionDir, 'journal.jsonl'), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; data: { item?: string } })
    .filter((e) => e.type === 'item.start')
    .map((e) => e.data.item!);
}

describe('run --ci --reverify', () => {
  it('re-runs exactly the stale automated items (or stale within N), mutating ones only with --reverify-mutating; no GO on stale evidence', async () => {
    const f = path.join(dir, 'fresh.yaml');
    await writeFile(f, CHECKLIST);
    // what ran, as a count per check: items of one run go up to four at a time, so runs.log has no fixed order
    const runs = async () => (await readFile(path.join(dir, 'runs.log'), 'utf8')).trim().split('\n').sort();

    const first = await cliAt('2026-11-27 22:00:00', ['run', f, '--ci']);
    expect(first.code, first.stderr).toBe(3); // 1.4 waits for a sign-off
    const sdir = /^session: (.+)$/m.exec(first.stdout)![1]!.trim();
    expect(await runs()).toEqual(['drill', 'probe', 'static']);

    // 23:30: nothing is stale yet; within 45 minutes 1.1 and 1.2 are (at 00:00) — 1.2 mutates, so it waits
    const soon = await cliAt('2026-11-27 23:30:00', ['run', f, '--ci', '--reverify', '--within', '45']);
    expect(soon.code, soon.stderr).toBe(3);
    // (faketime's clock runs on from its start, so the age is 1h30m give or take the seconds the runs took)
    const age = '1h(29m5\\ds|30m(\\d+s)?)';
    expect(soon.stdout).toMatch(new RegExp(`re-verify: 1\\.1 \\(checked ${age} ago, maxAge 2h\\), 1\\.2 \\(checked ${age} ago, maxAge 2h\\)`));
    expect(soon.stdout).toContain('not re-running mutating item 1.2 without confirmation (--reverify-mutating)');
    expect(await runs()).toEqual(['drill', 'probe', 'probe', 'static']);

    // 00:10: 1.4 approved; 1.2 is 2h10m old — a plain run keeps the passes and refuses the GO on stale evidence
    // bob's own key: only a signed approval counts
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'bob-key')]);
    const so = await cliAt('2026-11-28 00:10:00', ['signoff', '1.4', '--decision', 'approve', '--as', 'bob', '--sign-key', path.join(dir, 'bob-key'), '--session', sdir]);
    expect(so.code, so.stderr + so.stdout).toBe(0);
    const plain = await cliAt('2026-11-28 00:10:00', ['run', f, '--ci']);
    expect(plain.code, plain.stderr).toBe(3);
    expect(plain.stdout).toContain('no GO on stale evidence: 1.2 passed longer ago than their maxAge');
    expect(plain.stdout).toMatch(/DECISION INCOMPLETE — 1\.2 pass \(stale\)/);
    expect(await runs()).toHaveLength(4);

    // confirmed: exactly 1.2 runs (1.1 was re-verified at 23:30, 1.3 may be a day old) and the decision is GO
    const go = await cliAt('2026-11-28 00:10:00', ['run', f, '--ci', '--reverify', '--reverify-mutating']);
    expect(go.code, go.stdout + go.stderr).toBe(0);
    expect(go.stdout).toMatch(/DECISION GO/);
    expect(await runs()).toEqual(['drill', 'drill', 'probe', 'probe', 'static']);
    expect(await started(sdir)).toEqual(['1.1', '1.2', '1.3', '1.1', '1.2']);
  });

  it('usage errors: --within without --reverify, --reverify with --only, a bad --within', async () => {
    const f = path.join(dir, 'fresh.yaml');
    await writeFile(f, CHECKLIST);
    const a = await cliAt('2026-11-27 22:00:00', ['run', f, '--ci', '--within', '30']);
    expect([a.code, a.stderr.trim()]).toEqual([2, 'error: --within goes with --reverify: re-verify what is stale or will be within that time']);
    const b = await cliAt('2026-11-27 22:00:00', ['run', f, '--ci', '--reverify', '--only', '1.1']);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('--reverify re-runs exactly the stale items: it does not take --only');
    const c = await cliAt('2026-11-27 22:00:00', ['run', f, '--ci', '--reverify', '--within', 'soon']);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('--within must be minutes (e.g. 30) or a duration such as 30m');
  });
});
