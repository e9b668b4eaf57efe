/**
 * `run --ci` end to end through the built CLI (dist/, built by `npm test`): real checklist files, real child
 * processes, real session directory and report bundle.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadChecklist } from '../../src/checklist/load.js';
import { KINDS } from '../../src/checks/index.js';
import { openSession } from '../../src/engine/session.js';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/cli-run.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(repo, 'bin', 'readiness-tui.js');

let dir: string;
beforeAll(ensureBuilt);
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rt-run-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], o: { env?: NodeJS.ProcessEnv; onStdout?: (all: string, kill: (s: NodeJS.Signals) => void) => void } = {}): Promise<Ran> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir, SSH_AUTH_SOCK: '', NO_COLOR: '1', ...o.env };
    delete env.VITEST;
    const child = spawn(process.execPath, [bin, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      o.onStdout?.(stdout, (s) => child.kill(s));
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const header = `apiVersion: readiness/v1
name: run-test
title: Run test
`;

async function checklist(body: string, name = 'c.yaml'): Promise<string> {
  const f = path.join(dir, name);
  await writeFile(f, header + body);
  return f;
}

async function journalOf(sessionDir: string): Promise<{ type: string; data: Record<string, unknown> }[]> {
  return (await readFile(path.join(sessionDir, 'journal.jsonl'), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

function sessionDirOf(out: string): string {
  const m = /^session: (.+)$/m.exec(out);
  if (!m) throw new Error(`no session line in:\n${out}`);
  return m[1]!.trim();
}

describe('run --ci', () => {
  it('GO: exit 0, one line per event with item ids, report written, session closed', async () => {
    const f = await checklist(`blocks:
  - id: "1"
    title: B
    items:
      - id: "1.1"
        title: first
        blocking: true
        check: { kind: command, run: "echo alpha; echo beta >&2" }
      - id: "1.2"
        title: second
        blocking: true
        dependsOn: ["1.1"]
        check: { kind: command, run: "echo 42", capture: { n: '(\\d+)' }, expect: "captures.n = 42" }
`);
    const r = await cli(['run', f, '--ci']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1\.1 RUNNING attempt 1: echo alpha/);
    expect(r.stdout).toMatch(/1\.1 \| alpha/);
    expect(r.stdout).toMatch(/1\.1 ! beta/);
    expect(r.stdout).toMatch(/1\.2 PASS/);
    expect(r.stdout).toMatch(/DECISION GO/);
    expect(r.stdout).not.toContain('\x1b');
    const lines = r.stdout.trim().split('\n');
    expect(lines[lines.length - 2]).toMatch(/^report: .*readiness/);
    expect(lines[lines.length - 1]).toBe('GO — all 2 blocking items passed or are waived');
    const sdir = sessionDirOf(r.stdout);
    const types = (await journalOf(sdir)).map((e) => e.type);
    expect(types.slice(-2)).toEqual(['report.generated', 'session.close']);
    expect(types).toContain('decision');
    const reportDir = /^report: (\S+)/m.exec(r.stdout)![1]!;
    expect(existsSync(reportDir)).toBe(true);
    expect(readdirSync(reportDir).length).toBeGreaterThan(0);
  });

  it('never watches: an item with watch: runs once and run --ci ends (the regression watch is the TUI driver\'s)', async () => {
    const f = await checklist(`watch: 1ms
blocks:
  - id: "1"
    title: B
    items:
      - id: "1.1"
        title: probe
        watch: 1ms
        check: { kind: command, run: "echo probe" }
`);
    const r = await cli(['run', f, '--ci']);
    expect(r.code).toBe(0);
    const starts = (await journalOf(sessionDirOf(r.stdout))).filter((x) => x.type === 'item.start');
    expect(starts).toHaveLength(1);
    expect(starts[0]!.data.trigger).toBeUndefined();
  });

  it('NO-GO exits 1; INCOMPLETE exits 3 and keeps the session open; a second run resumes and keeps passes', async () => {
    const nogo = await checklist(
      `blocks:
  - id: "1"
    title: B
    items:
      - id: "1.1"
        title: broken
        blocking: true
        check: { kind: command, run: "exit 5" }
`,
      'nogo.yaml',
    );
    expect((await cli(['run', nogo, '--ci', '--state-dir', 'nogo-state'])).code).toBe(1);

    const counter = path.join(dir, 'count');
    const inc = await checklist(
      `blocks:
  - id: "1"
    title: B
    items:
      - id: "1.1"
        title: automated
        blocking: true
        check: { kind: command, run: "echo run >> ${counter}" }
      - id: "1.2"
        title: human
        blocking: true
        check: { kind: manual }
`,
      'inc.yaml',
    );
    const first = await cli(['run', inc, '--ci']);
    expect(first.code).toBe(3);
    expect(first.stdout).toMatch(/DECISION INCOMPLETE — 1\.2/);
    const sdir = sessionDirOf(first.stdout);
    expect((await journalOf(sdir)).map((e) => e.type)).not.toContain('session.close');
    const second = await cli(['run', inc, '--ci']);
    expect(second.code).toBe(3);
    expect(sessionDirOf(second.stdout)).toBe(sdir);
    expect(second.stdout).toMatch(/kept from the earlier run of this session: 1\.1/);
    expect((await readFile(counter, 'utf8')).trim().split('\n')).toHaveLength(1);
  });

  it('could-not-run is not failed: error / timeout / inconclusive decide INCOMPLETE (exit 3), a measured failure NO-GO (exit 1)', async () => {
    // a port nothing listens on: the health check cannot reach its target at all (error, not fail)
    const srv = (await import('node:net')).createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const items = `blocks:
  - id: "3"
    title: B
    items:
      - id: "3.1"
        title: passes
        check: { kind: command, run: "true" }
      - id: "3.3"
        title: scanner
        check:
          kind: http.health
          samples: 1
          requestTimeoutMs: 500
          targets: [{ name: scanner, url: "http://127.0.0.1:${port}/healthz" }]
      - id: "3.4"
        title: slow
        timeout: 1s
        check: { kind: command, run: "sleep 20" }
`;
    const inc = await cli(['run', await checklist(items, 'inc.yaml'), '--ci', '--state-dir', 'inc-state']);
    expect(inc.code).toBe(3);
    const last = inc.stdout.trim().split('\n').at(-1)!;
    expect(last).toMatch(/^INCOMPLETE — 3\.3 could not run: .+; 3\.4 could not run: timed out after 1s$/);
    expect(inc.stdout).toMatch(/3\.3 ERROR/);

    const nogo = await cli(['run', await checklist(items + `      - id: "3.5"
        title: measured bad
        check: { kind: command, run: "echo 3 critical CVEs; exit 1" }
`, 'nogo.yaml'), '--ci', '--state-dir', 'nogo-state']);
    expect(nogo.code).toBe(1);
    expect(nogo.stdout.trim().split('\n').at(-1)).toMatch(/^NO-GO — 3\.5 failed: /);
  });

  it('the report is signed as the operator (--as), so verify accepts it for that principal', async () => {
    const f = await checklist(`blocks:
  - id: "1"
    title: B
    items:
      - id: "1.1"
        title: ok
        check: { kind: command, run: "true" }
`);
    const key = path.join(dir, 'captain');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'c', '-f', key]);
    const r = await cli(['run', f, '--ci', '--as', 'captain@example.com', '--sign-key', key]);
    expect(r.code, r.stderr).toBe(0);
    const bundle = /^report: (\S+) \(signed\)$/m.exec(r.stdout)![1]!;
    const pub = (await readFile(key + '.pub', 'utf8')).split(' ').slice(0, 2).join(' ');
    await writeFile(path.join(dir, 'allowed'), `captain@example.com ${pub}\n`);
    const v = await cli(['verify', bundle, '--allowed-signers', path.join(dir, 'allowed')]);
    expect(v.stdout).toMatch(/SHA256SUMS\.sig: good .*captain@example\.com/);
    expect(v.code, v.stdout).toBe(0);
  });

  it('an invalid checklist prints every problem with file:line:col and exits 2 without running anything', async () => {
    const f = await checklist(`blocks:
  - id: "1"
    title: B
    items:
      - id: "1.1"
        title: x
        check: { kind: command, run: "touch ran" }
        dependsOn: ["9.9"]
`);
    const r = await cli(['run', f, '--ci']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/c\.yaml:\d+:\d+/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(path.join(dir, 'ran'))).toBe(false);
  });

  it('--only with an unknown id exits 2 listing the valid ids; --only runs just those', async () => {
    const f = await checklist(`blocks:
  - id: "1"
    title: B
    items:
      - id: "1.1"
        title: a
        check: { kind: command, run: "echo a" }
      - id: "1.2"
        title: b
        check: { kind: command, run: "echo b" }
`);
    const bad = await cli(['run', f, '--ci', '--only', '1.1,7.7']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"7.7"');
    expect(bad.stderr).toContain('1.1, 1.2');
    const good = await cli(['run', f, '--ci', '--only', '1.2', '--json']);
    const events = good.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; data?: { item?: string } });
    const started = events.filter((e) => e.type === 'item.start').map((e) => e.data!.item);
    expect(started).toEqual(['1.2']);
    expect(events.some((e) => e.type === 'output')).toBe(true);
    expect(events.some((e) => e.type === 'decision')).toBe(true);
  });

  it('checks the deliverables after the items: printed, journaled, in the bundle, never changing the exit code', async () => {
    await mkdir(path.join(dir, 'repo', 'docs'), { recursive: true });
    await mkdir(path.join(dir, 'repo', 'dashboards'), { recursive: true });
    await writeFile(path.join(dir, 'repo', 'docs', 'runbook.md'), '# runbook\n');
    await writeFile(path.join(dir, 'repo', 'dashboards', 'slo.json'), '{"panels": [}\n');
    const f = await checklist(`vars:
  repoDir: {default: ./repo}
blocks:
  - id: "1"
    title: B
    items:
      - id: "1.1"
        title: a
        blocking: true
        check: { kind: command, run: "echo item" }
deliverables:
  - path: docs/runbook.md
    description: Operations guide
    check: {kind: file, cwd: "\${vars.repoDir}", path: docs/runbook.md, type: file}
  - path: docs/missing.md
    check: {kind: file, cwd: "\${vars.repoDir}", path: docs/missing.md}
  - path: dashboards/slo.json
    check: {kind: file, cwd: "\${vars.repoDir}", path: dashboards/slo.json, parse: json}
  - path: reports/final.html
    description: written at the end
`);
    const r = await cli(['run', f, '--ci']);
    // two deliverables failed, the only blocking item passed: GO, exit 0
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\d\d:\d\d:\d\d deliverable docs\/runbook\.md: running — test -e repo\/docs\/runbook\.md$/m);
    expect(r.stdout).toMatch(/^\d\d:\d\d:\d\d deliverable docs\/runbook\.md: pass — found docs\/runbook\.md \(measured 1 match\) \d+ms$/m);
    expect(r.stdout).toMatch(/^\d\d:\d\d:\d\d deliverables\[0\] :   evidence: evidence\/_deliverable-0\/1\.log \(\d+ bytes, sha256 [0-9a-f]{12}…\)$/m);
    expect(r.stdout).toMatch(/^\d\d:\d\d:\d\d deliverable docs\/missing\.md: fail — not found: docs\/missing\.md/m);
    expect(r.stdout).toMatch(/^\d\d:\d\d:\d\d deliverables\[1\] :   expected: exists and parseError = null$/m);
    expect(r.stdout).toMatch(/^\d\d:\d\d:\d\d deliverable dashboards\/slo\.json: fail — found dashboards\/slo\.json, but dashboards\/slo\.json: Unexpected token/m);
    expect(r.stdout).toMatch(/^deliverable reports\/final\.html: not checked — the checklist gives it no check$/m);
    // after the items, before the decision
    const at = (re: RegExp) => r.stdout.search(re);
    expect(at(/1\.1 PASS/)).toBeLessThan(at(/deliverable docs\/runbook\.md: running/));
    expect(at(/deliverable reports\/final\.html: not checked/)).toBeLessThan(at(/DECISION GO/));
    const sdir = sessionDirOf(r.stdout);
    const j = await journalOf(sdir);
    expect(j.filter((e) => e.type === 'deliverable.result').map((e) => [e.data.index, e.data.verdict])).toEqual([
      [0, 'pass'],
      [1, 'fail'],
      [2, 'fail'],
    ]);
    expect(j.find((e) => e.type === 'decision')?.data).toMatchObject({ decision: 'GO', deciding: [] });
    const reportDir = /^report: (\S+)/m.exec(r.stdout)![1]!;
    const sums = await readFile(path.join(reportDir, 'SHA256SUMS'), 'utf8');
    for (const n of [0, 1, 2]) expect(sums).toContain(`  evidence/_deliverable-${n}/1.log`);
    const report = JSON.parse(await readFile(path.join(reportDir, 'report.json'), 'utf8')) as { deliverables: { status: string }[] };
    expect(report.deliverables.map((d) => d.status)).toEqual(['pass', 'fail', 'fail', 'unchecked']);

    // --json: the events as NDJSON, the not-checked one as a message
    const js = await cli(['run', f, '--ci', '--json', '--new', '--state-dir', 'json-state']);
    expect(js.code).toBe(0);
    const events = js.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; data?: Record<string, unknown>; status?: string; path?: string; deliverable?: number });
    expect(events.filter((e) => e.type === 'deliverable.start').map((e) => e.data!.index)).toEqual([0, 1, 2]);
    const res = events.filter((e) => e.type === 'deliverable.result');
    expect(res.map((e) => [e.data!.path, e.data!.verdict])).toEqual([
      ['docs/runbook.md', 'pass'],
      ['docs/missing.md', 'fail'],
      ['dashboards/slo.json', 'fail'],
    ]);
    expect((res[0]!.data!.evidence as { path: string; sha256: string }[])[0]).toMatchObject({ path: 'evidence/_deliverable-0/1.log', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(events).toContainEqual(expect.objectContaining({ type: 'message', deliverable: 3, path: 'reports/final.html', status: 'unchecked' }));
    expect(events.some((e) => e.type === 'output' && (e as { item?: string }).item === 'deliverables[0]')).toBe(true);

    // --only runs exactly the items named: no deliverables
    const only = await cli(['run', f, '--ci', '--only', '1.1', '--new', '--state-dir', 'only-state']);
    expect(only.code).toBe(0);
    expect(only.stdout).not.toMatch(/deliverable/);
    expect((await journalOf(sessionDirOf(only.stdout))).some((e) => e.type.startsWith('deliverable.'))).toBe(false);
  });

  it('a waiver that has expired since it was recorded does not count: the item runs again, NO-GO, and the report says so', async () => {
    const f = await checklist(`blocks:
  - id: "1"
    title: B
    items:
      - id: "1.1"
        title: broken
        blocking: true
        check: { kind: command, run: "exit 5" }
      - id: "1.2"
        title: fine
        blocking: true
        check: { kind: command, run: "true" }
`);
    // a session of this checklist in which 1.1 was waived (in force when recorded, expired long since): the same
    // journal the waive command writes, with the waiver's time set in the past
    const waived = async (stateDir: string, ts: string, expires: string) => {
      const s = await openSession({ checklist: await loadChecklist(f, KINDS), stateDir: path.join(dir, stateDir), mode: 'ci', vars: {}, secretVars: [], operator: 'carol@example.com', owner: true });
      await s.record({ type: 'waiver', ts, data: { item: '1.1', reason: 'accepted until the fix', expires, by: 'carol@example.com' } });
      await s.close();
    };
    await waived('expired', '2020-01-01T08:00:00.000Z', '2020-01-02');
    const r = await cli(['run', f, '--ci', '--state-dir', 'expired']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).not.toMatch(/kept from the earlier run/);
    expect(r.stdout).toMatch(/^\d\d:\d\d:\d\d 1\.1 FAIL/m);
    expect(r.stdout).toMatch(/DECISION NO-GO — 1\.1/);
    const j = await journalOf(sessionDirOf(r.stdout));
    expect(j.find((e) => e.type === 'decision')?.data).toMatchObject({ decision: 'NO-GO', deciding: [{ item: '1.1', status: 'fail' }], final: true });
    const reportDir = /^report: (\S+)/m.exec(r.stdout)![1]!;
    const report = JSON.parse(await readFile(path.join(reportDir, 'report.json'), 'utf8')) as {
      decision: { decision: string };
      blocks: { items: { id: string; status: string; waiver?: { validAtDecision: boolean } }[] }[];
    };
    expect(report.decision.decision).toBe('NO-GO');
    expect(report.blocks[0]!.items.find((i) => i.id === '1.1')).toMatchObject({ status: 'fail', waiver: { expires: '2020-01-02', validAtDecision: false } });

    // the same waiver still in force: 1.1 is kept as waived, GO
    await waived('in-force', '2020-01-01T08:00:00.000Z', '2999-01-01');
    const ok = await cli(['run', f, '--ci', '--state-dir', 'in-force']);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/kept from the earlier run of this session: 1\.1/);
    expect(ok.stdout).toMatch(/DECISION GO/);
  });

  it('still prints the decision and exits with its code when the report cannot be written', async () => {
    const f = await checklist(`blocks:
  - id: "1"
    title: B
    items:
      - id: "1.1"
        title: a
        blocking: true
        check: { kind: command, run: "true" }
`);
    await writeFile(path.join(dir, 'not-a-dir'), 'x');
    const r = await cli(['run', f, '--ci', '--out', 'not-a-dir/reports']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/DECISION GO/);
    expect(r.stdout).toMatch(/report: could not be written/);
  });

  it('SIGINT cancels running checks (no orphans), journals it and exits 130', async () => {
    const marker = `rt-run-sigint-${process.pid}-${Date.now()}`;
    const f = await checklist(`blocks:
  - id: "1"
    title: B
    items:
      - id: "1.1"
        title: long
        blocking: true
        check: { kind: command, run: 'echo going; sh -c "sleep 300; : ${marker}"' }
`);
    const r = await runUntilGoing(['run', f, '--ci'], 'SIGINT');
    expect(r.code).toBe(130);
    const sdir = /session \S+ started in (\S+)/.exec(r.stdout)![1]!;
    const j = await journalOf(sdir);
    const skip = j.find((e) => e.type === 'item.skip');
    expect(skip?.data).toMatchObject({ item: '1.1', status: 'cancelled', attempt: 1 });
    expect(String(skip?.data.reason)).toMatch(/^cancelled by .+ \(Ctrl-C \/ SIGINT to run --ci\)$/);
    expect(j.some((e) => e.type === 'note')).toBe(true);
    const ps = execFileSync('ps', ['-eo', 'stat=,args='], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.includes(marker) && !l.trim().startsWith('Z'));
    expect(ps).toEqual([]);
  });

  it('SIGHUP (the SSH connection dropped) is handled like SIGTERM: checks cancelled, no orphans, journaled, exit 129', async () => {
    const marker = `rt-run-sighup-${process.pid}-${Date.now()}`;
    const f = await checklist(`blocks:
  - id: "1"
    title: B
    items:
      - id: "1.1"
        title: long
        check: { kind: command, run: 'echo going; sh -c "sleep 300; : ${marker}" & sh -c "sleep 301; : ${marker}"; wait' }
`);
    const r = await runUntilGoing(['run', f, '--ci'], 'SIGHUP');
    expect(r.code, r.stderr).toBe(129);
    const sdir = /session \S+ started in (\S+)/.exec(r.stdout)![1]!;
    const j = await journalOf(sdir);
    expect(String(j.find((e) => e.type === 'item.skip')?.data.reason)).toContain('SIGHUP');
    expect(j.some((e) => e.type === 'note' && String(e.data.text).includes('SIGHUP'))).toBe(true);
    expect(marked(marker)).toEqual([]);
    // the group's record is gone with the group
    expect(readdirSync(path.join(sdir, 'process-groups'))).toEqual([]);
  });

  it('after a SIGKILL of the runner, the next start reports, journals and terminates the check groups it left', async () => {
    const marker = `rt-run-orphan-${process.pid}-${Date.now()}`;
    const f = await checklist(`blocks:
  - id: "1"
    title: B
    items:
      - id: "1.1"
        title: long
        check: { kind: command, run: 'echo going; sh -c "sleep 302; : ${marker}"; echo never' }
      - id: "1.2"
        title: quick
        check: { kind: command, run: 'echo quick' }
`);
    const first = await runUntilGoing(['run', f, '--ci', '--only', '1.1'], 'SIGKILL');
    expect(first.signal).toBe('SIGKILL');
    const left = marked(marker);
    expect(left.length).toBeGreaterThan(0); // nothing reaped them: the runner had no chance
    const second = await cli(['run', f, '--ci', '--only', '1.2']);
    expect(second.stdout).toMatch(/warning: process group \d+ of a check \(\/bin\/sh -c echo going; sh -c "sleep 302.*\) started \S+ by readiness-tui pid \d+, which is gone, was still running: \d+ process(es)? \(pids [\d, ]+\); terminated/);
    expect(marked(marker)).toEqual([]);
    const sdir = /session \S+ (?:started|resumed) in (\S+)/.exec(second.stdout)![1]!;
    expect((await journalOf(sdir)).some((e) => e.type === 'note' && /process group \d+ of a check .* terminated/.test(String(e.data.text)))).toBe(true);
  });

  it('a check whose process escaped its group with setsid says so in its result', async () => {
    const marker = `rt-run-setsid-${process.pid}-${Date.now()}`;
    const f = await checklist(`blocks:
  - id: "1"
    title: B
    items:
      - id: "1.1"
        title: daemon
        check: { kind: command, run: 'setsid sh -c "sleep 303; : ${marker}" </dev/null >/dev/null 2>&1 & setsid sh -c "sleep 304; : ${marker}" </dev/null >/dev/null 2>&1 & sleep 0.2; echo started' }
`);
    try {
      const r = await cli(['run', f, '--ci']);
      const pids = marked(marker).map((l) => l.split(/\s+/)[0]);
      expect(pids.length).toBeGreaterThanOrEqual(2);
      // each escaped shell and its sleep
      const m = /1\.1 PASS exit 0; 4 processes left their process group: pids ([\d, ]+)/.exec(r.stdout);
      expect(m, r.stdout).not.toBeNull();
      expect(m![1]!.split(', ')).toEqual(expect.arrayContaining(pids));
    } finally {
      // each escaped shell leads its own session and group: kill the group, so its sleep (whose command line does
      // not carry the marker) goes too
      for (const l of marked(marker)) {
        const pid = Number(l.split(/\s+/)[0]);
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          process.kill(pid, 'SIGKILL');
        }
      }
    }
  });
});

/** run the CLI and send `sig` once item 1.1 has printed "going" (its long check is then running) */
function runUntilGoing(args: string[], sig: NodeJS.Signals): ReturnType<typeof cli> {
  let sent = false;
  return cli(args, {
    onStdout: (all, kill) => {
      if (!sent && all.includes('1.1 | going')) {
        sent = true;
        kill(sig);
      }
    },
  });
}

/** live processes (pid and args, zombies left out) whose command line carries `marker` */
function marked(marker: string): string[] {
  return execFileSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.includes(marker) && !/^\d+ Z/.test(l) && !l.includes(' -c echo going'))
    .map((l) => l.replace(/^(\d+) \S+ /, '$1 '));
}

