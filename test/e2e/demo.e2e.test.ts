/**
 * The demo end to end in a real pseudo-terminal (node-pty + @xterm/headless, test/support/pty.ts): the BUILT CLI
 * runs `demo --scenario no-go`; the test runs everything (A), watches the DR drill (4.2) stream, signs off 3.3,
 * waives 2.2, reaches NO-GO with the rollback plan on the decision screen, writes a report signed through a real
 * ssh-agent holding a key generated here, then checks it with `readiness-tui verify` and with plain
 * `ssh-keygen -Y verify`. HOME and TMPDIR are a temporary root: the machine's ~/.ssh and agent are never used.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI, launchTui, type Tui } from '../support/pty.js';
import { ensureBuilt } from '../support/cli-run.js';
import { cleanupRoot, processesUnder, tempRoot, waitFor } from '../support/demo-procs.js';
import { findPrometheus } from '../../src/demo/servers/prometheus.js';
import { withoutTool } from '../support/tools.js';

const exec = promisify(execFile);
const PRINCIPAL = 'captain@example.com';
/** the header's title: whole, or cut when the badge names the sandbox's Prometheus stand-in (100 columns) */
const TITLE = /^detektor — Production (Readiness Checklist|…) /m;

describe('demo --scenario no-go in a real pty', () => {
  let root: string;
  let sock: string;
  let agent: ChildProcess | undefined;
  let pubKey: string;
  let promInstalled = false;
  let tuis: Tui[] = [];

  beforeAll(async () => {
    ensureBuilt();
    root = await tempRoot('rt-demo-e2e-');
    // without it 3.3 is an error and its sign-off is not tried: said on stderr, and not allowed in CI
    promInstalled = !withoutTool('prometheus/promtool', Boolean(await findPrometheus()), 'apt-get install -y prometheus');
    const key = path.join(root, 'captain_ed25519');
    await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', PRINCIPAL, '-f', key]);
    pubKey = readFileSync(key + '.pub', 'utf8').trim();
    sock = path.join(root, 'agent.sock');
    agent = spawn('ssh-agent', ['-a', sock, '-D'], { stdio: 'ignore' });
    expect(await waitFor(() => existsSync(sock), 10_000)).toBe(true);
    await exec('ssh-add', [key], { env: { ...process.env, SSH_AUTH_SOCK: sock } });
  }, 30_000);

  afterEach(() => {
    for (const t of tuis) t.kill('SIGKILL');
    tuis = [];
  });

  afterAll(async () => {
    if (agent?.pid) {
      try {
        process.kill(agent.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
    if (root) await cleanupRoot(root);
  });

  async function demo(args: string[]): Promise<Tui> {
    const t = await launchTui({
      args: ['demo', ...args],
      cwd: root,
      cols: 100,
      rows: 30,
      env: { HOME: root, TMPDIR: root, SSH_AUTH_SOCK: sock, KUBECONFIG: undefined, NODE_OPTIONS: undefined, PAGER: 'cat' },
      waitReady: false,
    });
    tuis.push(t);
    await t.waitForReady(1, 60_000); // the sandbox starts first (Prometheus backfill: a few seconds)
    return t;
  }

  /** back to the overview from wherever we are */
  async function overview(t: Tui): Promise<void> {
    for (let i = 0; i < 5 && !/Blocks · \d+\/14 items done/.test(t.screen()); i++) await t.press('escape');
    await t.waitForScreen(/Blocks · \d+\/14 items done/);
  }

  /** open item `id` from the overview: block row, then item row (both counted from the top) */
  async function openItem(t: Tui, blockRow: number, itemRow: number, title: string): Promise<string> {
    await overview(t);
    await t.press('g'); // first row
    for (let i = 0; i < blockRow; i++) await t.press('j');
    await t.press('enter');
    await t.waitForScreen(/Status.*ID.*Title/);
    await t.press('g');
    for (let i = 0; i < itemRow; i++) await t.press('j');
    await t.press('enter');
    return t.waitForScreen(title);
  }

  it('runs all, streams the DR drill, signs off, waives, reaches NO-GO with the rollback plan, signs and verifies the report', async () => {
    const t = await demo(['--scenario', 'no-go', '--as', PRINCIPAL, '--signer', PRINCIPAL]);
    await t.waitForScreen(TITLE);

    // watch the DR drill from its own screen, then run everything (it changes the environment: confirm)
    await openItem(t, 4, 1, '4.2 Disaster recovery testing');
    await t.press('A');
    await t.waitForScreen(/This changes the environment\. Run 13 items\?/);
    await t.press('y');
    // streaming: drill lines on screen while 4.2 is still RUNNING and before its last line
    const during = await t.waitForScreen(
      (s) => /restore phase/.test(s) && /RUNNING/.test(s) && !/Total recovery time/.test(s),
      90_000,
    );
    expect(during).toMatch(/output · following/);
    const done = await t.waitForScreen(/Total recovery time: 512 seconds/, 60_000);
    expect(done).toMatch(/restore phase: Completed/);
    await t.waitForScreen(/4\.2 Disaster recovery testing\s+✓ PASS/, 30_000);
    expect(t.screen()).toMatch(/evidence\/4\.2\/1\.log/);

    // the scenario's failures, once everything has run
    await t.press('d');
    await t.waitForScreen((s) => /✗ FAIL\s+1\.1/.test(s) && /✗ FAIL\s+2\.2/.test(s) && /✗ FAIL\s+3\.1/.test(s) && !/running/.test(s), 90_000);

    // sign off 3.3 (alert history: passes, needs a sign-off) — from the real Prometheus or the sandbox's stand-in
    {
      const s33 = await openItem(t, 3, 2, '3.3 Alert fatigue reduction');
      expect(s33).toMatch(/SIGN-?OFF|needs|needed/i);
      await t.press('s');
      await t.waitForScreen('Sign off 3.3');
      await t.press('tab', 'tab'); // decision → role → comment
      await t.type('alert history reviewed with on-call');
      await t.press('enter');
      await t.waitForScreen(/saved: approved 3\.3/, 20_000);
      await t.press('x');
      await t.waitForScreen(/3\.3 Alert fatigue reduction\s+✓ PASS/);
    }

    // sign off 1.3 (secrets: all four checks pass; the item's one role, security, is the default)
    await openItem(t, 1, 2, '1.3 Secrets management');
    await t.press('s');
    await t.waitForScreen('Sign off 1.3');
    await t.press('tab', 'tab');
    await t.type('no hardcoded secrets, vault healthy, rotation verified');
    await t.press('enter');
    await t.waitForScreen(/saved: approved 1\.3/, 20_000);
    await t.press('x');
    await t.waitForScreen(/1\.3 Secrets management\s+✓ PASS/);

    // the release captain rejects 4.3 ("100% checklist items passed") with the reason: it cannot be approved today
    await openItem(t, 4, 2, '4.3 Production checklist validation');
    await t.press('s');
    await t.waitForScreen('Sign off 4.3');
    await t.press('x'); // decision: reject
    await t.waitForScreen(/‹ reject ›/);
    await t.press('tab', 'tab');
    await t.type('1.1 and 3.1 fail: critical CVEs and unstructured logs');
    await t.press('enter');
    await t.waitForScreen(/saved: rejected 4\.3/, 20_000);
    await t.press('x');
    await t.waitForScreen(/4\.3 Production checklist validation\s+✗ FAIL/);

    // waive 2.2: the route without retries
    await openItem(t, 2, 1, '2.2 Retry and timeout policies');
    await t.press('w');
    await t.waitForScreen('Waive 2.2');
    await t.type('alert-dispatcher retries in its client until the VirtualService fix ships');
    await t.press('enter'); // Enter saves from any field
    await t.waitForScreen(/saved: waived 2\.2 until \d{4}-\d{2}-\d{2}/, 20_000);
    await t.press('x');
    await t.waitForScreen(/≈ WAIVED/);

    // NO-GO with the rollback plan on the decision screen
    await t.press('d');
    const decision = await t.waitForScreen(/Rollback plan/); // the header says NO-GO already: wait for the screen itself
    expect(decision).toMatch(/✗ FAIL\s+1\.1 Security scanning and fixes/);
    expect(decision).toMatch(/✗ FAIL\s+3\.1 Structured logging implementation/);
    expect(decision).not.toMatch(/FAIL\s+2\.2/);
    expect(decision).not.toMatch(/! ERROR/); // every check could run against the sandbox
    expect(decision).toMatch(/Rollback plan/);
    expect(decision).toMatch(/1\. Activate incident response/);
    expect(decision).toMatch(/4\. Post-mortem analysis/);

    // the signed report
    // g shows what the decision rests on, y records it
    await t.press('g');
    await t.waitForScreen(/Record the final decision NO-GO and write the signed report\?/);
    await t.press('y');
    await t.waitForScreen(/signed report \(SHA256:[A-Za-z0-9+/]+\)/, 60_000);
    const reportsDir = (() => {
      const sb = readdirSync(root).find((n) => n.startsWith('readiness-demo-'))!;
      return path.join(root, sb, 'reports', 'readiness');
    })();
    const bundles = readdirSync(reportsDir).map((n) => path.join(reportsDir, n)).filter((p) => statSync(p).isDirectory());
    expect(bundles).toHaveLength(1);
    const bundle = bundles[0]!;
    expect(existsSync(path.join(bundle, 'SHA256SUMS.sig'))).toBe(true);
    const report = JSON.parse(readFileSync(path.join(bundle, 'report.json'), 'utf8')) as Record<string, unknown>;
    expect(JSON.stringify(report)).toMatch(/NO-GO/);
    expect(JSON.stringify(report)).toMatch(/sandbox/i); // the report says it was not production

    // quit: the sandbox goes down with the TUI
    await t.press('q');
    await Promise.race([t.exited, new Promise((_r, rej) => setTimeout(() => rej(new Error(`q did not quit; screen:\n${t.screen()}`)), 20_000))]);
    expect(await waitFor(() => processesUnder(root).filter((p) => !/ssh-agent/.test(p.cmdline)).length === 0, 10_000)).toBe(true);

    // verify: readiness-tui verify and plain ssh-keygen
    const allowed = path.join(root, 'allowed_signers');
    writeFileSync(allowed, `${PRINCIPAL} namespaces="report@readiness-tui,signoff@readiness-tui" ${pubKey.split(' ').slice(0, 2).join(' ')}\n`);
    const sums = readFileSync(path.join(bundle, 'SHA256SUMS'));
    const plain = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const c = spawn('ssh-keygen', ['-Y', 'verify', '-f', allowed, '-I', PRINCIPAL, '-n', 'report@readiness-tui', '-s', path.join(bundle, 'SHA256SUMS.sig')], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      c.stdout.on('data', (d: Buffer) => (out += d.toString()));
      c.stderr.on('data', (d: Buffer) => (out += d.toString()));
      c.on('close', (code) => resolve({ code, out }));
      c.stdin.end(sums);
    });
    expect(plain.code, plain.out).toBe(0);
    expect(plain.out).toMatch(/Good "report@readiness-tui" signature for captain@example\.com/);
    // and the files match the manifest
    const check = await exec('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: bundle }).catch((e: { code: number; stdout: string; stderr: string }) => e);
    expect((check as { code?: number }).code ?? 0, `${check.stdout}${check.stderr}`).toBe(0);
    // and readiness-tui verify: signature, manifest, hash chain, replay, sign-offs and the sign-off policy
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: root };
    for (const k of Object.keys(env)) if (k.startsWith('VITEST')) delete env[k];
    const v = await exec(process.execPath, [CLI, 'verify', bundle, '--allowed-signers', allowed], { env }).catch((e: { code: number; stdout: string; stderr: string }) => e);
    expect((v as { code?: number }).code ?? 0, `${v.stdout}\n${v.stderr}`).toBe(0);
    expect(v.stdout).toMatch(/good "signoff@readiness-tui" signature by captain@example\.com \(approve 3\.3\)/);
    expect(v.stdout).toMatch(/good "signoff@readiness-tui" signature by captain@example\.com \(reject 4\.3\)/);
    expect(v.stdout).toMatch(/good "signoff@readiness-tui" signature by captain@example\.com \(approve 1\.3\)/);
  }, 300_000);

  it('the checks get the sandbox\'s secret variables in the TUI too (3.2 Grafana with its token passes)', async () => {
    const t = await demo(['--scenario', 'no-go']);
    await openItem(t, 3, 1, '3.2 SLI/SLO dashboard');
    await t.press('r');
    const s = await t.waitForScreen(/3\.2 SLI\/SLO dashboard\s+(✓ PASS|! ERROR|✗ FAIL)/, 30_000);
    expect(s).toMatch(/3\.2 SLI\/SLO dashboard\s+✓ PASS/);
    expect(s).toMatch(/5 SLO panel\(s\)/);
  }, 90_000);

  it('the terminal goes away (SIGHUP, ssh dropped) during the DR drill: the drill runs to its end and is journaled, then no process of the sandbox survives', async () => {
    const t = await demo(['--scenario', 'go']);
    await openItem(t, 4, 1, '4.2 Disaster recovery testing');
    await t.press('A');
    await t.waitForScreen(/This changes the environment/);
    await t.press('y');
    await t.waitForScreen((s) => /restore phase/.test(s) && /RUNNING/.test(s), 90_000);
    const before = processesUnder(root).map((p) => p.cmdline);
    expect(before.some((c) => /disaster_recovery_test\.sh/.test(c)), before.join('\n')).toBe(true);
    if (promInstalled) expect(before.some((c) => /prometheus .*--storage\.tsdb\.path=/.test(c)), before.join('\n')).toBe(true);
    t.kill('SIGHUP');
    // the runs started from the TUI finish headless (a namespace deleted is restored), then the process exits
    const e = await Promise.race([t.exited, new Promise<never>((_r, rej) => setTimeout(() => rej(new Error('no exit within 150 s of SIGHUP')), 150_000))]);
    expect(e.exitCode === 129 || e.signal === 1, JSON.stringify(e)).toBe(true);
    // this test's journal is the one written last (the sandboxes' names are random: their order says nothing)
    const journals = execFileSync('find', [root, '-name', 'journal.jsonl', '-printf', '%T@ %p\\n'], { encoding: 'utf8' }).trim().split('\n');
    const newest = journals.map((l) => l.split(' ')).sort((a, b) => Number(a[0]) - Number(b[0])).pop()![1]!;
    const records = readFileSync(newest, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; data: { item?: string; verdict?: string } });
    expect(records.find((r) => r.type === 'item.result' && r.data.item === '4.2')?.data.verdict).toBe('pass');
    const left = () => processesUnder(root).filter((p) => !/ssh-agent/.test(p.cmdline));
    // (a leftover is listed with its state and whether a SIGKILL is pending)
    expect(await waitFor(() => left().length === 0, 10_000), JSON.stringify(left())).toBe(true);
  }, 240_000);

  it('labels the sandbox in the header', async () => {
    const t = await demo(['--scenario', 'go']);
    const s = await t.waitForScreen(TITLE);
    // the badge names the stand-in when the sandbox serves the alert history itself (the title is cut to make room)
    const header = s.split('\n')[0]!;
    if (promInstalled) expect(header).toMatch(/^detektor — Production Readiness Checklist .* SANDBOX (?!\(stand-in)/);
    else expect(header).toMatch(/^detektor — Production … .* SANDBOX \(stand-in: Prometheus\) /);
    await t.press('q');
    await Promise.race([t.exited, new Promise((r) => setTimeout(r, 15_000))]);
  }, 90_000);
});
