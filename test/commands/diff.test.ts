/**
 * `readiness-tui diff` through the built CLI on two real sessions of checklist/detektor.yaml (the demo's go and no-go
 * scenarios against its loopback sandbox), and `--rehearsal` recorded in session.start and kept on resume.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(repo, 'bin', 'readiness-tui.js');

let dir: string;
beforeAll(async () => {
  if (!existsSync(path.join(repo, 'dist', 'cli.js'))) execFileSync('npm', ['run', 'build'], { cwd: repo, stdio: 'ignore' });
  dir = await mkdtemp(path.join(os.tmpdir(), 'rt-diff-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // TMPDIR: the demo's sandbox directories go under this test's directory
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir, TMPDIR: dir, SSH_AUTH_SOCK: '', NO_COLOR: '1' };
    delete env.VITEST;
    const child = spawn(process.execPath, [bin, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const sessionOf = (out: string) => /^session: (.+)$/m.exec(out)![1]!.trim();

describe('diff', () => {
  it('two real detektor sessions (demo go vs no-go): item by item, side by side, pointing at what changed', async () => {
    const [go, nogo] = await Promise.all([cli(['demo', '--ci', '--scenario', 'go']), cli(['demo', '--ci', '--scenario', 'no-go'])]);
    expect(go.code, go.stderr).toBe(0);
    expect(nogo.code, nogo.stderr).toBe(1);
    const a = sessionOf(go.stdout);
    const b = sessionOf(nogo.stdout);

    const r = await cli(['diff', a, b]);
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/^A: \S+ \(sandbox, GO\)/m);
    expect(out).toMatch(/^B: \S+ \(sandbox, NO-GO\)/m);
    expect(out).toContain('Variables and target that differ:');
    expect(out).toMatch(/^ {2}repoDir +A \S+\/detektor {2}→ {2}B \S+\/detektor$/m);
    expect(out).toMatch(/^Items: 14, \d+ differ: .*1\.1.*2\.2.*3\.1.*4\.3/m);
    // the failed scan: status and measured marked, side by side
    expect(out).toMatch(/^≠ 1\.1 Security scanning and fixes\n {4}status {2}<- +PASS +FAIL\n {4}measured \/ threshold {2}<- +0 CRITICAL \(0 unique\) \/ 0 CRITICAL +2 CRITICAL \(2 unique\) \/ 0 CRITICAL\n {4}duration \/ estimate +\S+\/2h30m +\S+\/2h30m$/m);
    // a node NotReady: still a pass, the measured value differs
    expect(out).toMatch(/^≠ 0\.2 Production environment ready\n {4}status +PASS +PASS\n {4}measured \/ threshold {2}<- +6\/6 Ready \/ >= 5 +5\/6 Ready \/ >= 5$/m);
    // an item the same on both sides: status and measured not marked (its duration may differ on a loaded machine:
    // more than 1 s and half the longer one apart is a change, shown as such)
    expect(out).toMatch(/^[ ≠] 1\.3 Secrets management\n {4}status +PASS +PASS\n {4}measured \/ threshold +4\/4 checks passed \/ all checks pass +4\/4 checks passed \/ all checks pass$/m);
    expect(out).toMatch(/^What changed: .*1\.1 PASS → FAIL;.* 2\.2 PASS → FAIL;.* 3\.1 PASS → FAIL;.* 4\.3 PASS → BLOCKED$/m);

    // by id in the state dir, and as JSON
    const j = await cli(['diff', path.basename(a), b, '--state-dir', path.dirname(path.dirname(a)), '--json']);
    expect(j.code, j.stderr).toBe(0);
    const d = JSON.parse(j.stdout) as { a: { decision: string }; b: { decision: string }; items: { id: string; changed: string[]; a: { status: string }; b: { status: string } }[] };
    expect([d.a.decision, d.b.decision]).toEqual(['GO', 'NO-GO']);
    expect(d.items.find((i) => i.id === '1.1')).toMatchObject({ changed: ['status', 'measured'], a: { status: 'pass' }, b: { status: 'fail' } });
    expect(d.items.find((i) => i.id === '1.3')!.changed).toEqual([]);

    const bad = await cli(['diff', a, 'no-such-session']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('no session "no-such-session": neither a session directory');
  }, 180_000);

  it('--rehearsal is recorded in session.start, shown by diff, and a rehearsal is not continued as the real run', async () => {
    const f = path.join(dir, 'r.yaml');
    await writeFile(
      f,
      `apiVersion: readiness/v1
name: rehearse
title: Rehearse
blocks:
  - id: "1"
    title: B
    items:
      - id: "1.1"
        title: probe
        check: { kind: command, run: "true" }
      - id: "1.2"
        title: look
        check: { kind: manual }
        signoff: required
`,
    );
    const reh = await cli(['run', f, '--ci', '--rehearsal', '--state-dir', 'st']);
    expect(reh.code, reh.stderr).toBe(3);
    const rdir = sessionOf(reh.stdout);
    const start = JSON.parse((await readFile(path.join(rdir, 'journal.jsonl'), 'utf8')).split('\n')[0]!) as { data: { rehearsal?: boolean } };
    expect(start.data.rehearsal).toBe(true);

    const mixed = await cli(['run', f, '--ci', '--state-dir', 'st']);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain(`the unfinished session ${path.basename(rdir)} was started as a rehearsal: pass --rehearsal to continue it, or start another with --new`);

    const real = await cli(['run', f, '--ci', '--new', '--state-dir', 'st']);
    expect(real.code, real.stderr).toBe(3);
    const diff = await cli(['diff', rdir, sessionOf(real.stdout)]);
    expect(diff.stdout).toMatch(/^A: \S+ \(rehearsal, no final decision, INCOMPLETE\)/m);
    expect(diff.stdout).toMatch(/^B: \S+ \(real run, no final decision, INCOMPLETE\)/m);
    expect(diff.stdout).toContain('Variables and target: the same');
    expect(diff.stdout).toContain('What changed: no item differs');
  });
});
