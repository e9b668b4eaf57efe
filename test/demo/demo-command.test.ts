/**
 * `readiness-tui demo --ci`: the BUILT CLI as a real child process, in a temporary root that is its cwd, HOME and
 * TMPDIR (no CI, no ssh-agent, no ~/.ssh key). go → exit 0 with every automated item passing; no-go → exit 1 for
 * the scenario's reasons; nothing the sandbox started outlives the command, also when it is interrupted.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt } from '../support/cli-run.js';
import { cleanEnv, cleanupRoot, pathWithout, processesUnder, runWatched, tempRoot, waitFor, type RunResult } from '../support/demo-procs.js';
import { findPrometheus } from '../../src/demo/servers/prometheus.js';
import { withoutTool } from '../support/tools.js';

const AUTOMATED = ['0.1', '0.2', '1.1', '1.2', '1.3', '2.1', '2.2', '2.3', '3.1', '3.2', '3.3', '4.1', '4.2'];

/** the final status line of each item in the plain `run --ci` output: `HH:MM:SS <id> <STATUS> …` */
function finalStatuses(out: string): Record<string, string> {
  const st: Record<string, string> = {};
  for (const m of out.matchAll(/^\d\d:\d\d:\d\d (\d+\.\d+) (PASS|FAIL|ERROR|TIMEOUT|BLOCKED|SKIPPED|CANCELLED|INCONCLUSIVE)\b(.*)$/gm)) {
    st[m[1]!] = `${m[2]}${m[3]}`;
  }
  return st;
}

function sandboxDir(root: string): string {
  const d = readdirSync(root).filter((n) => n.startsWith('readiness-demo-'));
  expect(d, `one sandbox directory under ${root}`).toHaveLength(1);
  return path.join(root, d[0]!);
}

describe('demo --ci (built CLI, real child process)', () => {
  const roots: string[] = [];
  let promInstalled = false;
  beforeAll(async () => {
    ensureBuilt();
    // without it 3.3 is an error and its sign-off is not tried: said on stderr, and not allowed in CI
    promInstalled = !withoutTool('prometheus/promtool', Boolean(await findPrometheus()), 'apt-get install -y prometheus');
  });
  afterAll(async () => {
    for (const r of roots) await cleanupRoot(r);
  });

  async function demo(scenario: string, env?: (root: string) => NodeJS.ProcessEnv): Promise<{ root: string; r: RunResult }> {
    const root = await tempRoot('rt-demo-ci-');
    roots.push(root);
    const run = runWatched(process.execPath, [BIN, 'demo', '--ci', '--scenario', scenario], { root, env: env?.(root), timeoutMs: 150_000 });
    const r = await run.done;
    return { root, r };
  }

  /** the two kinds of machine the README promises the demo on: with Debian's prometheus, and without it */
  const machines = [
    ['with prometheus installed', () => promInstalled, undefined],
    ['without prometheus (hidden by PATH: the stand-in)', () => true, (root: string) => cleanEnv(root, { PATH: pathWithout(root, ['prometheus', 'promtool']) })],
  ] as const;

  describe.each(machines)('%s', (machine, available, env) => {
    const prometheusSeen = (r: RunResult) => r.seen.some((c) => /prometheus .*--storage\.tsdb\.path=/.test(c));
    const real = machine.startsWith('with ');

    it('go: every automated item passes, the sandbox approves the sign-offs, exit 0, nothing survives', async (t) => {
      if (!available()) return t.skip(`SKIPPED (missing tool: prometheus): ${machine} needs Debian's prometheus package (apt-get install -y prometheus)`);
      const { root, r } = await demo('go', env);
      const out = r.stdout + r.stderr;
      expect(r.code, out).toBe(0);
      const st = finalStatuses(r.stdout);
      for (const id of AUTOMATED) expect(st[id], `item ${id}\n${out}`).toMatch(/^PASS/);
      expect(st['3.3']).toMatch(/^PASS 14 episodes in 7 d = 2\/day; false positives 0 \(0%\); actionable 14 \(100%\)/);
      expect(r.stdout).toMatch(/^\d\d:\d\d:\d\d DECISION GO\b/m);
      // detektor's deliverables are checked against the sandbox's repository; the final report has no check
      for (const p of ['docs/production-runbook.md', 'scripts/remediation/', 'dashboards/slo-tracking.json', 'configs/security/'])
        expect(r.stdout).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d deliverable ${p.replace(/[./]/g, '\\$&')}: pass — found `, 'm'));
      expect(r.stdout).toMatch(/^deliverable reports\/production-readiness\.html: not checked/m);
      // headless, the approvals are the sandbox's, and say so
      expect(r.stdout).toMatch(/4\.3 SIGNOFF approve by \S*sandbox\S*/);
      // signed with the sandbox's own key (made in the sandbox), so they count: an unsigned approval never does
      const journal = readdirSync(sandboxDir(root), { recursive: true, encoding: 'utf8' }).find((f) => f.endsWith('journal.jsonl') && f.includes('sessions'))!;
      const signoffs = readFileSync(path.join(sandboxDir(root), journal), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((x) => x.type === 'signoff');
      expect(signoffs.length).toBeGreaterThan(0);
      for (const so of signoffs) expect(so.data).toMatchObject({ by: 'sandbox-approver@demo.invalid', statement: { keyFingerprint: expect.stringMatching(/^SHA256:/) } });
      // the report is written, unsigned (no agent, no ~/.ssh here) and says why
      expect(r.stdout).toMatch(/report: .* \(unsigned: no SSH key to sign with/);
      const sb = sandboxDir(root);
      const reports = path.join(sb, 'reports');
      expect(existsSync(reports)).toBe(true);
      expect(r.stderr).toContain(`kept in ${sb}`);
      // the sandbox really ran: the fake trivy, the seed scripts, and the real Prometheus or the stand-in, said so
      expect(r.seen.some((c) => /disaster_recovery_test\.sh/.test(c)), r.seen.join('\n')).toBe(true);
      expect(prometheusSeen(r), r.seen.join('\n')).toBe(real);
      if (real) expect(r.stderr).toMatch(/^ {2}Prometheus {6}http:\/\/127\.0\.0\.1:\d+ \(7 days of alert history\)$/m);
      else expect(r.stderr).toMatch(/^ {2}Prometheus {6}http:\/\/127\.0\.0\.1:\d+ \(the sandbox's stand-in, 7 days of alert history; apt-get install prometheus for the real one\)$/m);
      // the report names the stand-in (and only then)
      const md = readdirSync(reports, { recursive: true, encoding: 'utf8' }).find((f) => f.endsWith('.md'));
      expect(md, 'a Markdown report').toBeDefined();
      const banner = readFileSync(path.join(reports, md!), 'utf8').split('\n').find((l) => l.includes('**SANDBOX**'))!;
      if (real) expect(banner).toBe('> **SANDBOX** — ran against a local demo sandbox, not a real environment.');
      else expect(banner).toBe("> **SANDBOX** — ran against a local demo sandbox, not a real environment. Stand-ins of the sandbox's own (not installed here): Prometheus.");
      expect(processesUnder(root), 'processes left behind').toEqual([]);
      // secrets of the sandbox (its Grafana/Vault tokens) never reach the output
      const vars = readFileSync(path.join(sb, 'sandbox-vars.yaml'), 'utf8');
      const token = /vaultToken: (\S+)/.exec(vars)![1]!;
      expect(out).not.toContain(token);
      // nothing but our own messages on stderr: no runtime warnings (they also tear the TUI's frame)
      expect(r.stderr).not.toMatch(/Warning|trace-warnings/);
    }, 180_000);

    it("no-go: fails for the scenario's reasons, exit 1, nothing survives", async (t) => {
      if (!available()) return t.skip(`SKIPPED (missing tool: prometheus): ${machine} needs Debian's prometheus package (apt-get install -y prometheus)`);
      const { root, r } = await demo('no-go', env);
      const out = r.stdout + r.stderr;
      expect(r.code, out).toBe(1);
      const st = finalStatuses(r.stdout);
      // the NotReady node is shown (0.2 still passes: 5 of 6 Ready ≥ min 5, so its dependents run)
      expect(r.stdout).toMatch(/0\.2 : NotReady\s+prod-worker-4/);
      expect(st['0.2']).toMatch(/^PASS 5\/6 nodes Ready/);
      expect(st['1.1']).toMatch(/^FAIL .*2 CRITICAL/);
      expect(st['2.2']).toMatch(/^FAIL .*1 of 3 routes with problems: /);
      expect(st['3.1']).toMatch(/^FAIL .*% of \d+ lines are JSON/);
      expect(r.stdout).toMatch(/3\.1 .*alert-dispatcher/);
      // the flapping warning of the no-go history is the 15th episode, a false positive within the thresholds
      expect(st['3.3']).toMatch(/^PASS 15 episodes in 7 d = 2\.14\/day; false positives 1 \(6\.7%\); actionable 14 \(93\.3%\)/);
      for (const id of AUTOMATED.filter((i) => !['1.1', '2.2', '3.1'].includes(i))) expect(st[id], `item ${id}\n${out}`).toMatch(/^PASS/);
      expect(prometheusSeen(r), r.seen.join('\n')).toBe(real);
      expect(r.stdout).toMatch(/DECISION NO-GO — 1\.1 fail, 2\.2 fail, 3\.1 fail/);
      // the sandbox's automatic approvals never cover a failed item
      for (const id of ['1.1', '2.2', '3.1']) expect(r.stdout).not.toMatch(new RegExp(`${id.replace('.', '\\.')} SIGNOFF`));
      expect(processesUnder(root), 'processes left behind').toEqual([]);
    }, 180_000);
  });

  it('without a terminal and with CI=true it runs headless; a passphrase-protected ~/.ssh/id_ed25519 → unsigned report, exit 0, no prompt', async () => {
    const root = await tempRoot('rt-demo-key-');
    roots.push(root);
    mkdirSync(path.join(root, '.ssh'), { mode: 0o700 });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'a passphrase nobody types', '-f', path.join(root, '.ssh', 'id_ed25519')]);
    // no --ci: stdin/stdout are pipes, so the demo must not try to open the TUI
    const run = runWatched(process.execPath, [BIN, 'demo', '--scenario', 'go'], { root, env: cleanEnv(root, { CI: 'true' }), timeoutMs: 150_000 });
    const r = await run.done;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/DECISION GO/);
    expect(r.stdout).toMatch(/report: .* \(unsigned: .*passphrase-protected and no agent holds it/);
    expect(processesUnder(root)).toEqual([]);
  }, 180_000);

  it('SIGTERM during the DR drill: exit 143, the sandbox (Prometheus, scripts) is shut down', async () => {
    const root = await tempRoot('rt-demo-int-');
    roots.push(root);
    const run = runWatched(process.execPath, [BIN, 'demo', '--ci', '--scenario', 'go'], { root, timeoutMs: 120_000 });
    const started = await waitFor(() => /4\.2 RUNNING/.test(run.output()), 90_000);
    expect(started, run.output()).toBe(true);
    // "4.2 RUNNING" is journaled just before the script is spawned: wait until it really runs
    expect(await waitFor(() => processesUnder(root).some((p) => /disaster_recovery_test\.sh/.test(p.cmdline)), 15_000)).toBe(true);
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.code, r.stdout + r.stderr).toBe(143);
    expect(r.stderr).toMatch(/SIGTERM: cancelling running checks/);
    expect(r.stderr).toMatch(/sandbox stopped/);
    expect(processesUnder(root), 'processes left behind').toEqual([]);
  }, 150_000);
});
