/**
 * Rehearsal vs production on two real sessions of checklist/detektor.yaml in one state dir: the demo's go scenario
 * run as a rehearsal (`--rehearsal`), then its no-go scenario as the real run, both headless and signed with a real
 * SSH key. The real run's report names its rehearsal (summary and the digest of its bundle) and still verifies; in a
 * real pty at 80×24, `D` shows the rehearsal against the real run item by item and `]` walks the differences.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cli, ensureBuilt } from '../support/cli-run.js';
import { launchTui, type Tui } from '../support/pty.js';
import { isolatedEnv } from '../report/helpers/bundle.js';
import { allowedLine, genKey } from '../report/helpers/ssh.js';

const CAPTAIN = 'captain@example.com';
let dir: string;
let key: string;
let allowed: string;
let tuis: Tui[] = [];
const run: Record<'rehearsal' | 'real', { session: string; bundle: string }> = {} as never;

const env = () => isolatedEnv(dir, { TMPDIR: dir, NO_COLOR: '1' });

async function demo(scenario: 'go' | 'no-go', extra: string[]): Promise<{ session: string; bundle: string }> {
  const args = ['demo', '--ci', '--scenario', scenario, '--state-dir', 'st', '--as', CAPTAIN, '--sign-key', key, '--signer', CAPTAIN, ...extra];
  const r = await cli(args, { cwd: dir, env: env(), timeoutMs: 120_000 });
  expect(r.code, r.stderr).toBe(scenario === 'go' ? 0 : 1);
  return { session: /^session: (.+)$/m.exec(r.stdout)![1]!.trim(), bundle: /^report: (\S+)/m.exec(r.stdout)![1]! };
}

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(path.join(tmpdir(), 'rt-rehearsal-'));
  mkdirSync(path.join(dir, 'home'), { recursive: true });
  const k = genKey(dir, 'captain');
  key = k.priv;
  allowed = path.join(dir, 'allowed_signers');
  writeFileSync(allowed, allowedLine(CAPTAIN, k, 'report@readiness-tui,signoff@readiness-tui') + '\n');
  // one after the other: the real run starts after its rehearsal
  run.rehearsal = await demo('go', ['--rehearsal']);
  run.real = await demo('no-go', []);
}, 300_000);

afterEach(() => {
  for (const t of tuis) t.kill();
  tuis = [];
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const TINY = `apiVersion: readiness/v1
name: tiny
title: Tiny cutover
blocks:
  - id: "1"
    title: Checks
    items:
      - id: "1.1"
        title: probe
        estimate: 30m
        check: { kind: command, run: "true" }
      - id: "1.2"
        title: look
        estimate: 15m
        check: { kind: manual }
        signoff: required
`;

describe('rehearsal vs production (demo go rehearsal, no-go real run)', () => {
  it('the clock of a new run plans from its rehearsal and ticks while nothing runs', async () => {
    writeFileSync(path.join(dir, 'tiny.yaml'), TINY);
    const reh = await cli(['run', 'tiny.yaml', '--ci', '--rehearsal', '--state-dir', 'st2'], { cwd: dir, env: env() });
    expect(reh.code, reh.stderr).toBe(3);
    const rehId = path.basename(/^session: (.+)$/m.exec(reh.stdout)![1]!.trim());
    const t = await launchTui({
      args: ['tiny.yaml', '--state-dir', 'st2', '--new', '--as', CAPTAIN],
      cwd: dir,
      cols: 80,
      rows: 24,
      env: { HOME: path.join(dir, 'home'), TMPDIR: dir, SSH_AUTH_SOCK: undefined },
    });
    tuis.push(t);
    // 1.1 as long as it took in the rehearsal, 1.2 (the rehearsal has no result for it) from its estimate
    await t.waitForScreen(new RegExp(`^finish \\d\\d:\\d\\d: 1 item as in rehearsal ${rehId}, 1 by estimate$`, 'm'));
    expect(t.lines()[0]).toMatch(/ \d\d:\d\d:\d\d \/ est 45m → \d\d:\d\d \(reh\) /);
    // nothing runs, the clock moves on
    const clockOf = (l: string) => /(\d\d:\d\d:\d\d) \/ est/.exec(l)?.[1];
    const first = clockOf(t.lines()[0]!);
    await t.waitForScreen(() => clockOf(t.lines()[0]!) !== first, 5000);
    expect(t.screen()).not.toMatch(/running/);
  }, 60_000);


  it("the real run's report names its rehearsal with its summary and bundle digest, and verifies", async () => {
    const report = JSON.parse(readFileSync(path.join(run.real.bundle, 'report.json'), 'utf8')) as {
      bundle: { rehearsal?: Record<string, unknown> & { bundle: Record<string, unknown> } };
    };
    const sums = createHash('sha256').update(readFileSync(path.join(run.rehearsal.bundle, 'SHA256SUMS'))).digest('hex');
    expect(report.bundle.rehearsal).toMatchObject({
      sessionId: path.basename(run.rehearsal.session),
      decision: 'GO',
      final: true,
      sameChecklist: true,
      byStatus: { pass: 14 },
      bundle: { path: run.rehearsal.bundle, sha256: sums, signed: true, interim: false },
      changed: ['1.1 PASS → FAIL', '2.2 PASS → FAIL', '3.1 PASS → FAIL', '4.3 PASS → BLOCKED'],
    });
    const md = readFileSync(path.join(run.real.bundle, 'summary.md'), 'utf8');
    expect(md).toContain(`- **Rehearsal bundle:** ${run.rehearsal.bundle}, SHA256SUMS sha256 ${sums} \\(signed\\)`);
    expect(md).toContain('- **Changed since the rehearsal:** 1.1 PASS → FAIL; 2.2 PASS → FAIL; 3.1 PASS → FAIL; 4.3 PASS → BLOCKED');
    expect(readFileSync(path.join(run.real.bundle, 'report.html'), 'utf8')).toContain(`<h3>Rehearsal</h3>`);
    // the rehearsal's own report names none (it is the rehearsal)
    expect(JSON.parse(readFileSync(path.join(run.rehearsal.bundle, 'report.json'), 'utf8')).bundle.rehearsal).toBeUndefined();

    // verify: the signature covers the rehearsal's summary, report.json is the journal's replay plus how the bundle was
    // made, the pages are what report.json renders to. (The demo's automatic sandbox approvals are signed with the
    // sandbox's own key, which the auditor's allowed_signers does not trust: the only failures, of every demo bundle.)
    const v = await cli(['verify', run.real.bundle, '--allowed-signers', allowed], { cwd: dir, env: env() });
    expect(v.stdout).toMatch(/^OK +SHA256SUMS\.sig: good "report@readiness-tui" signature by captain@example\.com/m);
    expect(v.stdout).toMatch(/^OK +report\.json: equals the journal replay \(decision NO-GO\)/m);
    expect(v.stdout).toMatch(/^OK +report\.html, junit\.xml, summary\.md are exactly what report\.json renders to/m);
    const fails = v.stdout.split('\n').filter((l) => l.startsWith('FAIL'));
    expect(fails.length).toBeGreaterThan(0);
    for (const f of fails)
      expect(f).toMatch(
        /^FAIL (journal\.jsonl: item \d\.\d requires 1 valid signed approval\(s\), found 0 \(sandbox-approver@demo\.invalid's approval is not validly signed\)|signoffs\/\d+-sandbox-approver@demo\.invalid\.json\.sig: signature not accepted for sandbox-approver@demo\.invalid: key SHA256:\S+ is not in allowed_signers)/,
      );

    // report again: --no-rehearsal leaves it out, --rehearsal names one explicitly (by id in the state dir)
    const none = await cli(['report', '--session', run.real.session, '--state-dir', 'st', '--out', 'again', '--no-sign', '--no-rehearsal'], { cwd: dir, env: env() });
    expect(none.code, none.stderr).toBe(0);
    const noneDir = none.stdout.trim().split('\n').pop()!;
    expect(JSON.parse(readFileSync(path.join(noneDir, 'report.json'), 'utf8')).bundle.rehearsal).toBeUndefined();
    const named = await cli(['report', '--session', run.real.session, '--state-dir', 'st', '--out', 'again', '--no-sign', '--rehearsal', path.basename(run.rehearsal.session)], { cwd: dir, env: env() });
    expect(named.code, named.stderr).toBe(0);
    expect(JSON.parse(readFileSync(path.join(named.stdout.trim().split('\n').pop()!, 'report.json'), 'utf8')).bundle.rehearsal.sessionId).toBe(path.basename(run.rehearsal.session));
    const bad = await cli(['report', '--session', run.real.session, '--state-dir', 'st', '--no-sign', '--rehearsal', 'no-such'], { cwd: dir, env: env() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('no session "no-such"');
  }, 120_000);

  it('D in the TUI (80×24): the rehearsal against the real run, item by item; ] walks the items that differ', async () => {
    const t = await launchTui({
      args: ['watch', '--session', run.real.session, '--as', 'reviewer@example.com'],
      cwd: dir,
      cols: 80,
      rows: 24,
      env: { HOME: path.join(dir, 'home'), TMPDIR: dir, SSH_AUTH_SOCK: undefined },
    });
    tuis.push(t);
    await t.waitForScreen('Blocks');
    await t.press('D');
    let s = await t.waitForScreen(/items differ/);
    const lines = t.lines();
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    expect(lines[at(/^A rehearsal/)]).toMatch(new RegExp(`^A rehearsal ${path.basename(run.rehearsal.session)} GO \\(final\\)`));
    expect(lines[at(/^B this run/)]).toMatch(new RegExp(`^B this run ${path.basename(run.real.session)} NO-GO \\(final\\)`));
    expect(s).toMatch(/^\d+ of 14 items differ: .*1\.1 PASS→FAIL/m);
    expect(s).toMatch(/^ +A +B +rows 1-14 of \d+$/m);
    // the sandboxes differ: the variable pointing at them is marked
    expect(s).toMatch(/^ {2}repoDir +◀ \S+ +\S+/m);
    // every line fits, the frame is shorter than the terminal, the scrollback is never wiped
    expect(lines.every((l) => l.length <= 79)).toBe(true);
    expect(lines[23]).toBe('');
    expect(t.raw()).not.toContain('\x1b[3J');
    expect(s).toMatch(/\] next change/);

    // ] twice (0.2 differs in its measured value, then 1.1): the failed scan is the first row under the head, its
    // status and measured value pointed at, side by side
    await t.press(']');
    await t.waitForScreen(() => /^≠ 0\.2 /.test(t.lines()[7] ?? ''));
    await t.press(']');
    await t.waitForScreen(() => /^≠ 1\.1 /.test(t.lines()[7] ?? ''));
    s = t.screen();
    expect(t.lines()[7]).toMatch(/^≠ 1\.1 Security scann\S* \S* +◀ PASS +FAIL$/);
    expect(t.lines()[8]).toMatch(/^ {4}measured \/ threshold +◀ 0 CRITICAL \(0 unique\) \S* +2 CRITICAL/);
    expect(t.lines()[9]).toMatch(/^ {4}duration \/ estimate +\S+ \/ 2h30m +\S+ \/ 2h30m$/);
    // an item the same on both sides is not marked
    expect(s).toMatch(/^ {2}1\.3 Secrets management +PASS +PASS$/m);

    // one rehearsal only: ← / → say so; Esc goes back to the overview
    await t.press('right');
    await t.waitForScreen(/only one rehearsal to compare with/);
    await t.press('escape');
    await t.waitForScreen(/^Blocks ·/m);
  }, 60_000);
});
