import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReportBundle } from '../../src/report/bundle.js';
import { listFiles } from '../../src/report/sums.js';
import { verifyBundle } from '../../src/report/verify.js';
import type { ReportModel } from '../../src/report/model.js';
import type { ReportResult } from '../../src/report/bundle-api.js';
import type { Session } from '../../src/engine/session-api.js';
import { readJournal } from '../../src/engine/journal.js';
import { sshVerify, startAgent, type TestAgent, type TestKey } from './helpers/ssh.js';
import { CAPTAIN, runShopSession } from './helpers/session.js';
import { CANARY, isolatedEnv, makeSignedBundle } from './helpers/bundle.js';
import { allowedLine, genKey } from './helpers/ssh.js';
import { loadChecklist } from '../../src/checklist/load.js';
import { KINDS } from '../../src/checks/index.js';
import { openSession } from '../../src/engine/session.js';
import { createRunner } from '../../src/engine/runner.js';
import { mkdirSync, writeFileSync } from 'node:fs';

let root: string;
let captain: TestKey;
let allowed: string;
let session: Session;
let result: ReportResult;
let env: (extra?: NodeJS.ProcessEnv) => NodeJS.ProcessEnv;
const agents: TestAgent[] = [];

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'rt-bundle-'));
  ({ captain, allowed, session, result, env } = await makeSignedBundle(root));
}, 120_000);

afterAll(async () => {
  for (const a of agents) await a.stop();
  await session?.close();
  rmSync(root, { recursive: true, force: true });
});

const report = (dir = result.dir) => JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as ReportModel;

describe('the signed bundle', () => {
  it('has the documented layout and a copy of report.html at the deliverable path', async () => {
    expect(result.signed).toBe(true);
    expect(path.basename(result.dir)).toMatch(new RegExp(`^\\d{8}T\\d{6}Z-shop-${session.id}$`));
    expect(path.dirname(result.dir)).toBe(path.join(root, 'reports', 'readiness'));
    const files = await listFiles(result.dir);
    for (const f of ['SHA256SUMS', 'SHA256SUMS.sig', 'checklist.yaml', 'journal.jsonl', 'report.json', 'report.html', 'junit.xml', 'summary.md'])
      expect(files).toContain(f);
    // 2.1 is manual; the deliverables' evidence sits in its own directories
    expect(files.filter((f) => f.startsWith('evidence/'))).toEqual([
      'evidence/1.1/1.log',
      'evidence/1.2/1.log',
      'evidence/2.2/1.log',
      'evidence/2.3/1.log',
      'evidence/_deliverable-0/1.log',
      'evidence/_deliverable-1/1.log',
    ]);
    const sums = readFileSync(path.join(result.dir, 'SHA256SUMS'), 'utf8');
    expect(sums).toMatch(/^[0-9a-f]{64} {2}evidence\/_deliverable-0\/1\.log$/m);
    expect(sums).toMatch(/^[0-9a-f]{64} {2}evidence\/_deliverable-1\/1\.log$/m);
    // two sign-offs, the waiver and the final decision, each a statement and its signature
    expect(files.filter((f) => f.startsWith('signoffs/'))).toHaveLength(8);
    expect(readFileSync(path.join(result.dir, 'checklist.yaml'))).toEqual(readFileSync(path.join(session.dir, 'checklist.yaml')));
    expect(readFileSync(path.join(root, 'reports', 'production-readiness.html'))).toEqual(readFileSync(path.join(result.dir, 'report.html')));
  });

  it('verifies with plain ssh-keygen and sha256sum, sign-offs included', () => {
    const v = sshVerify(allowed, CAPTAIN, 'report@readiness-tui', path.join(result.dir, 'SHA256SUMS.sig'), path.join(result.dir, 'SHA256SUMS'));
    expect(v.status, v.stderr).toBe(0);
    const sums = spawnSync('sha256sum', ['--strict', '-c', 'SHA256SUMS'], { cwd: result.dir, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
    expect(sums.status, sums.stdout + sums.stderr).toBe(0);
    expect(sums.stdout).toContain('report.json: OK');
    // SHA256SUMS is in LC_ALL=C order
    const names = readFileSync(path.join(result.dir, 'SHA256SUMS'), 'utf8').trim().split('\n').map((l) => l.slice(66));
    expect(spawnSync('sort', ['-c'], { input: names.join('\n') + '\n', env: { ...process.env, LC_ALL: 'C' } }).status).toBe(0);
    const statements = names.filter((n) => n.startsWith('signoffs/') && n.endsWith('.json'));
    expect(statements).toHaveLength(4); // the waiver and the final decision are signed statements too
    for (const s of statements) {
      const principal = JSON.parse(readFileSync(path.join(result.dir, s), 'utf8')).principal;
      const r = sshVerify(allowed, principal, 'signoff@readiness-tui', path.join(result.dir, s + '.sig'), path.join(result.dir, s));
      expect(r.status, r.stderr).toBe(0);
    }
  });

  it('verifies with readiness-tui verify', async () => {
    const r = await verifyBundle(result.dir, { allowedSigners: allowed });
    const fails = r.findings.filter((f) => f.level !== 'ok');
    expect(fails).toEqual([]);
    expect(r).toMatchObject({ valid: true, signer: CAPTAIN, decision: 'GO', interim: false });
  });

  it('report.json is the canonical record of the session', () => {
    const m = report();
    expect(m.decision).toMatchObject({ decision: 'GO', final: true });
    expect(m.bundle).toMatchObject({ interim: false, signature: { status: 'signed', signer: CAPTAIN, namespace: 'report@readiness-tui' } });
    expect(m.bundle.signature.keyFingerprint).toBe(result.keyFingerprint);
    expect(m.vars).toEqual({ greeting: 'hello' });
    expect(m.secretVars).toEqual(['apiToken']);
    const items = Object.fromEntries(m.blocks.flatMap((b) => b.items).map((i) => [i.id, i]));
    expect(items['1.1']!.status).toBe('pass');
    expect(items['1.2']!.status).toBe('pass');
    expect(items['1.2']!.signoffs[0]).toMatchObject({ by: 'bob@example.com', decision: 'approve', stale: false });
    expect(items['1.2']!.signoffs[0]!.statement!.keyFingerprint).toMatch(/^SHA256:/);
    expect(items['2.2']!.status).toBe('fail');
    expect(items['2.3']).toMatchObject({ status: 'waived', waiver: { reason: 'known issue, fix in next sprint', validAtDecision: true } });
    expect(items['1.1']!.evidence[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(items['1.1']!.attempts).toHaveLength(1);
    expect(items['1.1']!.estimateMs).toBe(60_000);
    expect(m.journal.count).toBe(readFileSync(path.join(result.dir, 'journal.jsonl'), 'utf8').trim().split('\n').length);
    expect(m.risks[0]).toMatchObject({ risk: 'Data loss' });
    expect(readFileSync(path.join(result.dir, 'report.json'), 'utf8')).toMatch(/^\{"_type":"readiness-tui\/report\/v1",/);
  });

  it('says who ran each attempt, who signed, who waived and who decided, in every format', () => {
    const m = report();
    const fp = (k: TestKey) => spawnSync('ssh-keygen', ['-lf', k.pub], { encoding: 'utf8' }).stdout.split(' ')[1]!;
    const items = m.blocks.flatMap((b) => b.items);
    const ran = items.find((i) => i.id === '1.1')!;
    // the runner's item.start records no key yet: the principal, and "key not recorded" in the views
    expect(ran.attempts[0]!.ranBy).toEqual({ principal: CAPTAIN });
    const waived = items.find((i) => i.id === '2.3')!;
    expect(waived.waiver).toMatchObject({ by: CAPTAIN, keyFingerprint: fp(captain), approvalsNeeded: 0, approvals: [], inForceAtDecision: true, stale: false });
    expect(m.decision.decidedBy).toEqual({ principal: CAPTAIN, keyFingerprint: fp(captain) });
    const md = readFileSync(path.join(result.dir, 'summary.md'), 'utf8');
    expect(md).toMatch(/^Final decision recorded by captain@example\.com \\\(key SHA256:\S+\\\) at \S+Z\.$/m);
    expect(md).toMatch(/^\| 1\.1 \| 1 \| PASS \| captain@example\.com \\\(key not recorded\\\) \|/m);
    expect(md).toContain(`- 2.3: waiver #`);
    // (markdown escapes the fingerprint's punctuation)
    expect(md).toMatch(/- 2\.3: waiver #\d+ by captain@example\.com \\\(key SHA256:\S+\\\) until 2099-01-01 \(in force\) — known issue/);
    const html = readFileSync(path.join(result.dir, 'report.html'), 'utf8');
    expect(html).toContain(`<dt>Decided by</dt><dd>${CAPTAIN} (key ${fp(captain)})</dd>`);
    expect(html).toMatch(new RegExp(`Waiver #\\d+ by ${CAPTAIN.replace('.', '\\.')} \\(key ${fp(captain).replace(/[+/]/g, '\\$&')}\\) <a href="signoffs/`));
    const junit = readFileSync(path.join(result.dir, 'junit.xml'), 'utf8');
    expect(junit).toContain(`<property name="decidedBy" value="${CAPTAIN} (key ${fp(captain)})"/>`);
    expect(junit).toMatch(/<property name="attempt\.1" value="PASS run by captain@example\.com \(key not recorded\): /);
    expect(junit).toMatch(new RegExp(`<property name="waiver" value="#\\d+ by ${CAPTAIN.replace('.', '\\.')} \\(key SHA256:\\S+\\) until 2099-01-01 \\(in force\\): known issue`));
  });

  it('records report.generated in the session journal', async () => {
    const j = await readJournal(path.join(session.dir, 'journal.jsonl'));
    const last = j.records[j.records.length - 1]!;
    expect(last).toMatchObject({ type: 'report.generated', data: { path: result.dir, signed: true, interim: false } });
  });

  it('never contains the secret canary, in any file or encoding', async () => {
    // the check really printed it (it reached the runner, which redacted it)
    const ev = readFileSync(path.join(result.dir, report().blocks[0]!.items[0]!.evidence[0]!.path), 'utf8');
    expect(ev).toContain('token=[REDACTED:apiToken]');
    const b64 = Buffer.from(CANARY).toString('base64').replace(/=+$/, '');
    for (const f of await listFiles(result.dir)) {
      const bytes = readFileSync(path.join(result.dir, f));
      expect(bytes.includes(Buffer.from(CANARY)), f).toBe(false);
      expect(bytes.includes(Buffer.from(b64)), f).toBe(false);
    }
  });
});

describe('report.html', () => {
  it('is self-contained with a strict CSP first in <head>, and hostile check output is inert', () => {
    const html = readFileSync(path.join(result.dir, 'report.html'), 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>\n<html lang="en"><head>\n<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:/);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<[a-z][^>]*\son\w+=/i); // no tag carries an event handler
    expect(html).toContain('&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x9b\x9d]/);
    expect(html).not.toContain('pwned-title');
    expect(html).not.toContain('https://evil.example');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).toContain('Shop | readiness &lt;b&gt;test&lt;/b&gt;');
    expect(html).toMatch(/banner GO">Decision: GO/);
    expect(html).not.toContain('INTERIM report');
    expect(html).toContain('bob@example.com');
    expect(html).toMatch(/<code>SHA256:[A-Za-z0-9+/]{43}<\/code>/);
    expect(html).toMatch(/<a href="evidence\/1\.1\/1\.log">/);
    expect(html).toContain('Restore last known good');
    expect(html).toContain('@media print');
  });
});

describe('junit.xml and summary.md', () => {
  it('maps statuses to JUnit outcomes and is well-formed', () => {
    const xml = readFileSync(path.join(result.dir, 'junit.xml'), 'utf8');
    // five items, then the three deliverables in a suite of their own
    expect(xml.match(/<testcase /g)).toHaveLength(8);
    expect(xml).toMatch(/<testsuites name="shop" tests="8" failures="2" errors="0" skipped="2"/);
    expect(xml).toMatch(/<testsuite name="deliverables" tests="3" failures="1" errors="0" skipped="1"/);
    expect(xml).toMatch(/<testcase name="docs\/runbook\.md" classname="shop\.deliverables" time="[\d.]+">\s*<properties>[^]*?<\/properties>\s*<system-out>evidence: evidence\/_deliverable-0\/1\.log<\/system-out>/);
    expect(xml).toMatch(/<testcase name="dashboards\/slo\.json"[^]*?<failure message="found dashboards\/slo\.json, but dashboards\/slo\.json: [^"]+" type="fail">/);
    expect(xml).toMatch(/<testcase name="reports\/final\.html"[^]*?<skipped message="not checked: the checklist gives this deliverable no check"\/>/);
    expect(xml).toMatch(/name="2\.2 Flaky non-blocking"[^]*?<failure message=/);
    expect(xml).toMatch(/<skipped message="waived by captain@example.com until 2099-01-01: known issue/);
    expect(xml).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f]/);
    const lint = spawnSync('xmllint', ['--noout', '-'], { input: xml, encoding: 'utf8' });
    if (!lint.error) expect(lint.status, lint.stderr).toBe(0);
  });

  it('is safe to paste into a PR comment', () => {
    const md = readFileSync(path.join(result.dir, 'summary.md'), 'utf8');
    expect(md).toContain('Shop \\| readiness \\<b\\>test\\</b\\> @\u200dhere');
    expect(md).not.toMatch(/(^|\s)@here/);
    expect(md).toContain('**GO**');
    expect(md).toMatch(/\| 2\.2 \| Flaky non-blocking _\(non-blocking\)_ \| FAIL \|/);
    expect(md).toContain('ssh-keygen -Y verify -f allowed_signers -I captain@example.com -n report@readiness-tui');
    expect(md.length).toBeLessThan(65_536);
  });

  it('summary.md lists the deliverables with status and evidence, escaped', () => {
    const md = readFileSync(path.join(result.dir, 'summary.md'), 'utf8');
    expect(md).toContain('### Deliverables (PASS 1 · FAIL 1 · NOT CHECKED 1; they do not change the decision)');
    expect(md).toContain('| docs/runbook.md — Operations guide | PASS | found docs/runbook.md | evidence/\\_deliverable-0/1.log |');
    expect(md).toContain('| dashboards/slo.json — SLO \\<b\\>dashboard\\</b\\> \\| @\u200dhere | FAIL | found dashboards/slo.json, but ');
    expect(md).toContain('| reports/final.html — written at the end | NOT CHECKED | no check in the checklist |  |');
  });
});

describe('deliverables in report.json and report.html', () => {
  it('report.json records each deliverable with its status, result and evidence digests', () => {
    const m = report();
    expect(m.deliverables.map((d) => [d.index, d.path, d.kind ?? null, d.status, d.attempts])).toEqual([
      [0, 'docs/runbook.md', 'file', 'pass', 1],
      [1, 'dashboards/slo.json', 'file', 'fail', 1],
      [2, 'reports/final.html', null, 'unchecked', 0],
    ]);
    expect(m.deliverables[0]).toMatchObject({ summary: 'found docs/runbook.md', measured: '1 match', description: 'Operations guide' });
    expect(m.deliverables[0]!.evidence).toEqual([{ path: 'evidence/_deliverable-0/1.log', sha256: expect.stringMatching(/^[0-9a-f]{64}$/), bytes: expect.any(Number) }]);
    expect(m.deliverables[1]!.summary).toMatch(/^found dashboards\/slo\.json, but dashboards\/slo\.json: /);
    expect(m.deliverables[1]!.expect).toBe('exists and parseError = null');
    expect(Date.parse(m.deliverables[1]!.checkedAt!)).toBeGreaterThan(0);
    expect(m.deliverables[2]!.evidence).toEqual([]);
    // a failed deliverable does not change the decision
    expect(m.decision.decision).toBe('GO');
  });

  it('report.html has a deliverables table with status words, evidence links, and the tail of a failed one', () => {
    const html = readFileSync(path.join(result.dir, 'report.html'), 'utf8');
    expect(html).toMatch(/<dt>Deliverables<\/dt><dd><a href="#deliverables">3<\/a> \(PASS 1 · FAIL 1 · NOT CHECKED 1\)<\/dd>/);
    expect(html).toMatch(/<tr id="deliverable-0"><td><code>docs\/runbook\.md<\/code> — Operations guide<\/td><td><span class="st ok">PASS<\/span><\/td><td>found docs\/runbook\.md/);
    expect(html).toContain('<a href="evidence/_deliverable-0/1.log">evidence/_deliverable-0/1.log</a>');
    expect(html).toContain('SLO &lt;b&gt;dashboard&lt;/b&gt; | @here');
    expect(html).toMatch(/<tr id="deliverable-1">[^\n]*<span class="st bad">FAIL<\/span>[^\n]*expected <code>exists and parseError = null<\/code>/);
    expect(html).toMatch(/<tr id="deliverable-2">[^\n]*<span class="st muted">NOT CHECKED<\/span><\/td><td>the checklist gives it no check<\/td><td><\/td><\/tr>/);
    expect(html).toMatch(/<p class="meta">dashboards\/slo\.json — evidence\/_deliverable-1\/1\.log:<\/p><pre>file dashboards\/slo\.json \(\d+ bytes\)\nparse error: /);
  });
});

describe('signing choices', () => {
  it('signs through the agent when no key is given', async () => {
    const agent = await startAgent(root);
    agents.push(agent);
    agent.add(captain);
    const r = await writeReportBundle({ sessionDir: session.dir, outDir: path.join(root, 'reports-agent'), signer: CAPTAIN, sign: true, interim: false, env: env({ SSH_AUTH_SOCK: agent.sock }) });
    expect(r.signed).toBe(true);
    expect(r.keyFingerprint).toBe(result.keyFingerprint);
    const v = await verifyBundle(r.dir, { allowedSigners: allowed });
    expect(v.valid, JSON.stringify(v.findings.filter((f) => f.level !== 'ok'))).toBe(true);
  });

  it('writes an UNSIGNED bundle with the reason when no key is available', async () => {
    const r = await writeReportBundle({ sessionDir: session.dir, outDir: path.join(root, 'reports-unsigned'), signer: CAPTAIN, sign: true, interim: false, env: env() });
    expect(r.signed).toBe(false);
    expect(r.unsignedReason).toMatch(/no SSH key to sign with/);
    expect(existsSync(path.join(r.dir, 'SHA256SUMS.sig'))).toBe(false);
    expect(report(r.dir).bundle.signature).toMatchObject({ status: 'unsigned', reason: r.unsignedReason });
    expect(readFileSync(path.join(r.dir, 'report.html'), 'utf8')).toContain('UNSIGNED');
    expect(readFileSync(path.join(r.dir, 'summary.md'), 'utf8')).toContain('**UNSIGNED**');
    const sums = spawnSync('sha256sum', ['--strict', '-c', 'SHA256SUMS'], { cwd: r.dir, encoding: 'utf8' });
    expect(sums.status).toBe(0);
    const v = await verifyBundle(r.dir, { allowedSigners: allowed });
    expect(v.valid).toBe(false);
    expect(v.findings).toContainEqual(expect.objectContaining({ level: 'fail', file: 'SHA256SUMS.sig', message: expect.stringContaining('UNSIGNED') }));
  });
});

describe('sandbox sessions', () => {
  it('say SANDBOX in every report format', async () => {
    const s = await runShopSession(path.join(root, 'sandbox'), 'sandbox-secret', { only: ['1.2'], sandbox: true });
    try {
      const r = await writeReportBundle({ sessionDir: s.dir, outDir: path.join(root, 'reports-sandbox'), sign: false, interim: true, env: env(), session: s });
      expect(report(r.dir)).toMatchObject({ session: { sandbox: true }, bundle: { interim: true, signature: { status: 'unsigned' } } });
      const html = readFileSync(path.join(r.dir, 'report.html'), 'utf8');
      expect(html).toContain('<div class="banner sandbox">SANDBOX');
      expect(html).toContain('<div class="banner interim">INTERIM report');
      expect(readFileSync(path.join(r.dir, 'summary.md'), 'utf8')).toContain('> **SANDBOX**');
      expect(readFileSync(path.join(r.dir, 'junit.xml'), 'utf8')).toContain('<property name="sandbox" value="true"/>');
    } finally {
      await s.close();
    }
  });
});

describe('secret defence in depth', () => {
  it('refuses to write a bundle when a secret value reached the journal, and leaves nothing behind', async () => {
    const s = await runShopSession(path.join(root, 'leak'), 'leaky-secret-value', { only: ['1.2'] });
    try {
      await s.record({ type: 'note', data: { text: 'pasted by mistake: leaky-secret-value', by: CAPTAIN } });
      const out = path.join(root, 'reports-leak');
      const err = await writeReportBundle({ sessionDir: s.dir, outDir: out, sign: false, interim: true, env: env(), session: s, secrets: [{ name: 'apiToken', value: 'leaky-secret-value' }] }).catch((e) => e);
      expect(err).toBeInstanceOf(Error);
      expect(err.message).toMatch(/the value of secret variable "apiToken" was found in journal\.jsonl; the bundle was not written/);
      expect(readdirSync(path.join(out, 'readiness'))).toEqual([]);
      expect(existsSync(path.join(out, 'production-readiness.html'))).toBe(false);
    } finally {
      await s.close();
    }
  });

  it('does not search for (or mask) values too short to tell from chance, and says so', async () => {
    const r = await writeReportBundle({ sessionDir: session.dir, outDir: path.join(root, 'reports-short'), sign: false, interim: false, env: env(), secrets: [{ name: 'pin', value: '1' }] });
    expect(r.warnings).toContainEqual(expect.stringMatching(/secret variable pin is shorter than 8 characters/));
    expect(spawnSync('sha256sum', ['--strict', '-c', 'SHA256SUMS'], { cwd: r.dir }).status).toBe(0);
    expect(report(r.dir).journal.head).toMatch(/^sha256:[0-9a-f]{64}$/); // digests were not "redacted"
  });
});

describe('evidence that grew after its result was recorded', () => {
  it('the bundle holds the recorded bytes, verifies, and says how much more the file has', async () => {
    const s = await runShopSession(path.join(root, 'grown'), 'grown-secret-value', { only: ['1.2'] });
    try {
      const rec = (await readJournal(path.join(s.dir, 'journal.jsonl'))).records.find((r) => r.type === 'item.result');
      const ev = (rec!.data as { evidence: { path: string; bytes: number; sha256: string }[] }).evidence[0]!;
      // what a process that escaped its check's group, still holding the check's stdout, would do
      appendFileSync(path.join(s.dir, ev.path), 'written after the verdict\n');
      const r = await writeReportBundle({ sessionDir: s.dir, outDir: path.join(root, 'reports-grown'), sign: false, interim: true, env: env(), session: s });
      expect(r.warnings).toContainEqual(
        `evidence file ${ev.path} has 26 bytes more than were recorded with its result (a process that outlived its check kept writing to it); the bundle holds the ${ev.bytes} recorded bytes`,
      );
      const copied = readFileSync(path.join(r.dir, ev.path));
      expect(copied.length).toBe(ev.bytes);
      expect(createHash('sha256').update(copied).digest('hex')).toBe(ev.sha256);
      expect(spawnSync('sha256sum', ['--strict', '-c', 'SHA256SUMS'], { cwd: r.dir }).status).toBe(0);
    } finally {
      await s.close();
    }
  });
});

describe('a cancelled attempt in the bundle', () => {
  it('is reported as CANCELLED with its reason and partial evidence (never the earlier PASS); both verifiers accept the bundle', async () => {
    const dir = path.join(root, 'cancelled');
    mkdirSync(path.join(dir, 'home'), { recursive: true });
    const flag = path.join(dir, 'second-run');
    const file = path.join(dir, 'dr.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: readiness/v1',
        'name: dr',
        'title: DR drill',
        'blocks:',
        '  - id: "1"',
        '    title: Drill',
        '    items:',
        '      - id: "1.1"',
        '        title: Delete and restore the namespace',
        '        check:',
        '          kind: command',
        '          mutating: true',
        `          run: "if [ -e ${flag} ]; then echo deleted namespace; touch ${flag}.started; sleep 300; fi; echo restored"`,
        '',
      ].join('\n'),
    );
    const checklist = await loadChecklist(file, KINDS);
    const s = await openSession({ checklist, stateDir: path.join(dir, '.readiness'), mode: 'ci', vars: {}, secretVars: [], operator: CAPTAIN, owner: true, fresh: true });
    try {
      const runner = createRunner({ session: s, killGraceMs: 300 });
      await runner.run(['1.1']);
      writeFileSync(flag, '');
      const second = runner.run(['1.1']);
      while (!existsSync(`${flag}.started`)) await new Promise((r) => setTimeout(r, 20));
      runner.cancel('1.1', `cancelled by ${CAPTAIN} (key c in the TUI)`);
      await second;
      const keys = path.join(dir, 'keys');
      mkdirSync(keys);
      const key = genKey(keys, 'captain');
      const allowedFile = path.join(dir, 'allowed_signers');
      writeFileSync(allowedFile, allowedLine(CAPTAIN, key, 'report@readiness-tui') + '\n');
      const r = await writeReportBundle({ sessionDir: s.dir, outDir: path.join(dir, 'reports'), signKey: key.priv, signer: CAPTAIN, sign: true, interim: true, env: isolatedEnv(dir), session: s });
      const m = report(r.dir);
      const it = m.blocks[0]!.items[0]!;
      expect(it.status).toBe('cancelled');
      expect(it.attempts.map((a) => a.verdict)).toEqual(['pass']);
      expect(it.cancelled).toMatchObject([{ attempt: 2, reason: `cancelled by ${CAPTAIN} (key c in the TUI)` }]);
      expect(it.cancelled[0]!.halfChanged).toMatch(/the environment may be half-changed/);
      // the partial evidence is in the bundle, covered by SHA256SUMS
      const ev = it.cancelled[0]!.evidence[0]!;
      expect(readFileSync(path.join(r.dir, ev.path), 'utf8')).toContain('deleted namespace');
      expect(readFileSync(path.join(r.dir, 'SHA256SUMS'), 'utf8')).toContain(ev.path);
      const html = readFileSync(path.join(r.dir, 'report.html'), 'utf8');
      expect(html).toMatch(/CANCELLED/);
      expect(html).toContain('the environment may be half-changed');
      const md = readFileSync(path.join(r.dir, 'summary.md'), 'utf8');
      expect(md).toMatch(/1\.1 Delete and restore the namespace\*\* — CANCELLED: cancelled by captain@example\.com \\\(key c in the TUI\\\) — 1\.1 changes the environment/);
      // the item is CANCELLED, never the earlier PASS; the attempts list both, and who ran each
      expect(md).toMatch(/^\| 1\.1 \| Delete and restore the namespace \| CANCELLED \|/m);
      expect(md).toMatch(/^\| 1\.1 \| 1 \| PASS \| captain@example\.com \\\(key not recorded\\\) \| exit 0 \|$/m);
      expect(md).toMatch(/^\| 1\.1 \| 2 \| CANCELLED \| captain@example\.com \\\(key not recorded\\\) \| cancelled by captain@example\.com/m);
      expect(it.attempts[0]!.ranBy).toEqual({ principal: CAPTAIN });
      expect(it.cancelled[0]!.ranBy).toEqual({ principal: CAPTAIN });
      expect(html).toMatch(/<td>2<\/td><td><span[^>]*>CANCELLED<\/span><\/td><td>captain@example\.com \(key not recorded\)<\/td>/);
      const junit = readFileSync(path.join(r.dir, 'junit.xml'), 'utf8');
      expect(junit).toMatch(/<property name="attempt\.2" value="CANCELLED run by captain@example\.com \(key not recorded\): cancelled by captain@example\.com \(key c in the TUI\)/);
      expect(m.decision.decision).toBe('INCOMPLETE');
      const v = await verifyBundle(r.dir, { allowedSigners: allowedFile });
      expect(v.findings.filter((f) => f.level !== 'ok')).toEqual([]);
      const ssh = sshVerify(allowedFile, CAPTAIN, 'report@readiness-tui', path.join(r.dir, 'SHA256SUMS.sig'), path.join(r.dir, 'SHA256SUMS'));
      expect(ssh.status).toBe(0);
    } finally {
      await s.close();
    }
  }, 60_000);
});
