/**
 * Waivers are signed statements (real ssh-keygen keys, a real ssh-agent, the real CLI): signed by the waiver's own
 * key, bound to the evidence they accept, checked against the team file or trust on first use, and — for a blocking
 * item whose checklist says `waiverApprovals: 1` — counted only once another person, with another key, approved.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ItemResultData, JournalRecord, WaiverApprovalData, WaiverData } from '../../src/engine/events.js';
import { readJournal } from '../../src/engine/journal.js';
import { openSessionDir } from '../../src/engine/session.js';
import { mkdirShared, sharePath } from '../../src/engine/shared-files.js';
import { SIGNOFF_NAMESPACE } from '../../src/signing/sign.js';
import { cli, ensureBuilt } from '../support/cli-run.js';
import { cliSession } from '../support/cli-session.js';
import { tempDir, type ItemSpec } from '../support/session-fixtures.js';
import { allowedLine, genKey, sshVerify, startAgent, type TestAgent, type TestKey } from '../report/helpers/ssh.js';

let tmp: { dir: string; cleanup: () => Promise<void> };
let n = 0;
const agents: TestAgent[] = [];
const baseEnv = () => ({ PATH: process.env.PATH, HOME: tmp.dir, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', LANG: 'C.UTF-8' });

beforeAll(async () => {
  ensureBuilt();
  tmp = await tempDir('rt-waive-signed-');
});
afterAll(async () => {
  for (const a of agents) await a.stop();
  await tmp.cleanup();
});

/** a result of the item with a real evidence file (the report copies it and checks its digest) */
function result(dir: string, item: string, verdict: 'pass' | 'fail', text: string, attempt = 1): ItemResultData {
  const rel = `evidence/${item}/${attempt}.log`;
  // written the way the runner writes evidence: usable by the state dir's group
  mkdirShared(path.join(dir, 'evidence', item));
  writeFileSync(path.join(dir, rel), text);
  sharePath(path.join(dir, rel), 'file');
  const sha256 = createHash('sha256').update(text).digest('hex');
  const summary = verdict === 'pass' ? 'exit 0' : '1 critical CVE (CVE-2026-0001)';
  return { item, attempt, verdict, summary, durationMs: 5, evidence: [{ path: rel, sha256, bytes: Buffer.byteLength(text) }] };
}
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** item "cve" (blocking, waivers need one approval by someone else) failed; "ok" passed */
const ITEMS: ItemSpec[] = [{ id: 'ok' }, { id: 'cve', waiverApprovals: 1 }, { id: 'minor', blocking: false, waiverApprovals: 1 }];
const CVE_SHA = sha('CVE-2026-0001 critical\n');

async function setup() {
  const s = await cliSession(path.join(tmp.dir, `s${n++}`), ITEMS, { name: 'waivers', run: [] });
  const open = await openSessionDir(s.dir, { operator: 'runner@example.com' });
  await open.record({ type: 'item.result', data: result(s.dir, 'ok', 'pass', 'ok\n') });
  await open.record({ type: 'item.result', data: result(s.dir, 'minor', 'pass', 'minor\n') });
  await open.record({ type: 'item.result', data: result(s.dir, 'cve', 'fail', 'CVE-2026-0001 critical\n') });
  await open.close();
  const kdir = path.join(s.cwd, 'keys');
  mkdirSync(kdir);
  const keys = { alice: genKey(kdir, 'alice'), bob: genKey(kdir, 'bob'), carol: genKey(kdir, 'carol') };
  // each person's own agent, holding their own key only
  const envOf: Record<string, NodeJS.ProcessEnv> = {};
  for (const [who, k] of Object.entries(keys)) {
    const a = await startAgent(kdir);
    agents.push(a);
    a.add(k);
    envOf[who] = { ...baseEnv(), SSH_AUTH_SOCK: a.sock };
  }
  return { s, keys, envOf };
}

const fp = (k: TestKey) => execFileSync('ssh-keygen', ['-lf', k.pub]).toString().split(' ')[1]!;
const rx = (t: string) => t.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const records = async (dir: string): Promise<JournalRecord[]> => {
  const j = await readJournal(path.join(dir, 'journal.jsonl'));
  expect(j.problems).toEqual([]);
  return j.records;
};
const waive = (s: { cwd: string; dir: string }, item: string, as: string, env: NodeJS.ProcessEnv, extra: string[] = []) =>
  cli(['waive', item, '--reason', 'no exploit path: the service is not reachable from outside', '--expires', '2999-01-31', '--as', as, '--session', s.dir, ...extra], { cwd: s.cwd, env });
const approve = (s: { cwd: string; dir: string }, item: string, seq: number | string, as: string, env: NodeJS.ProcessEnv, extra: string[] = []) =>
  cli(['waive', item, '--approve', String(seq), '--comment', 'checked the network policy', '--as', as, '--session', s.dir, ...extra], { cwd: s.cwd, env });

describe('waive: a signed statement', () => {
  it('is signed with the waiver’s own key, bound to the evidence it accepts, and plain ssh-keygen -Y verify accepts it', async () => {
    const { s, keys, envOf } = await setup();
    const r = await waive(s, 'ok', 'alice@example.com', envOf.alice!);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^recorded waiver #4 on ok by alice@example.com, valid until 2999-01-31, signed with ${rx(fp(keys.alice))} \\(signoffs/3-waiver-alice@example.com.json\\) — item is now waived, decision NO-GO\\n$`));
    const rec = (await records(s.dir))[4]!;
    const d = rec.data as WaiverData;
    expect(rec.type).toBe('waiver');
    expect(d.evidence).toEqual([sha('ok\n')]);
    expect(d.statement).toMatchObject({ path: 'signoffs/3-waiver-alice@example.com.json', sigPath: 'signoffs/3-waiver-alice@example.com.json.sig', keyFingerprint: fp(keys.alice) });
    const file = path.join(s.dir, d.statement!.path);
    const statement = JSON.parse(readFileSync(file, 'utf8'));
    // the statement carries the waiver event's own fields, and says what it is
    expect(statement).toMatchObject({
      _type: 'readiness-tui/waiver/v1',
      item: 'ok',
      principal: 'alice@example.com',
      reason: 'no exploit path: the service is not reachable from outside',
      evidence: d.evidence,
      expires: '2999-01-31',
      journal: { seq: 3 },
    });
    const team = path.join(s.cwd, 'team');
    writeFileSync(team, allowedLine('alice@example.com', keys.alice, SIGNOFF_NAMESPACE) + '\n');
    const v = sshVerify(team, 'alice@example.com', SIGNOFF_NAMESPACE, file + '.sig', file);
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/Good "signoff@readiness-tui" signature for alice@example.com/);
  });

  it("with a team file, waive --as bob with alice's key is refused before it is recorded; without one, trust on first use refuses it", async () => {
    const { s, keys, envOf } = await setup();
    writeFileSync(path.join(s.cwd, 'team'), [allowedLine('alice@example.com', keys.alice), allowedLine('bob@example.com', keys.bob)].join('\n') + '\n');
    const refused = await waive(s, 'ok', 'bob@example.com', envOf.alice!, ['--allowed-signers', path.join(s.cwd, 'team')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(new RegExp(`^error: key ${rx(fp(keys.alice))} is not allowed for principal bob@example\\.com \\(team file .*team: .*\\) — nothing was recorded\\n$`));
    expect(existsSync(path.join(s.dir, 'signoffs')) ? readdirSync(path.join(s.dir, 'signoffs')) : []).toEqual([]);
    // trust on first use: alice's key waived as alice; the same key cannot then sign as bob
    expect((await waive(s, 'ok', 'alice@example.com', envOf.alice!)).code).toBe(0);
    const tofu = await waive(s, 'minor', 'bob@example.com', envOf.alice!);
    expect(tofu.code).toBe(2);
    expect(tofu.stderr).toMatch(/acted as alice@example\.com earlier in this session \(journal #4\), so it cannot sign as bob@example\.com/);
    expect((await records(s.dir)).filter((x) => x.type === 'waiver')).toHaveLength(1);
  });

  it('without --as, the waiver and its approval are by the principal the team file gives the key, not by git', async () => {
    const { s, keys, envOf } = await setup();
    const team = path.join(s.cwd, 'team');
    writeFileSync(team, [allowedLine('alice@example.com', keys.alice), allowedLine('bob@example.com', keys.bob)].join('\n') + '\n');
    // git names someone else: the key decides
    const env = (who: 'alice' | 'bob') => ({ ...envOf[who]!, GIT_AUTHOR_EMAIL: 'git-user@example.com', EMAIL: 'git-user@example.com' });
    const w = await cli(['waive', 'cve', '--reason', 'not reachable', '--expires', '2999-01-31', '--session', s.dir, '--allowed-signers', team], { cwd: s.cwd, env: env('alice') });
    expect(w.code, w.stderr).toBe(0);
    expect(w.stdout).toMatch(new RegExp(`^recorded waiver #4 on cve by alice@example\\.com, valid until 2999-01-31, signed with ${rx(fp(keys.alice))} `));
    const a = await cli(['waive', 'cve', '--approve', '4', '--comment', 'checked', '--session', s.dir, '--allowed-signers', team], { cwd: s.cwd, env: env('bob') });
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toMatch(new RegExp(`^recorded approval #5 of waiver #4 on cve by bob@example\\.com, signed with ${rx(fp(keys.bob))} .* — item is now waived`));
    const recs = await records(s.dir);
    expect(recs.slice(4).map((r) => [r.type, (r.data as { by: string }).by])).toEqual([
      ['waiver', 'alice@example.com'],
      ['waiver.approval', 'bob@example.com'],
    ]);
  });

  it('without a key it is recorded unsigned and says so; --no-sign records unsigned quietly', async () => {
    const { s } = await setup();
    const r = await waive(s, 'ok', 'carol@example.com', baseEnv());
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^warning: recorded UNSIGNED \(no SSH signature\): /);
    expect(r.stdout).toMatch(/^recorded waiver #4 on ok by carol@example.com, valid until 2999-01-31, unsigned — item is now waived/);
    const quiet = await waive(s, 'ok', 'carol@example.com', baseEnv(), ['--no-sign']);
    expect(quiet.stderr).toBe('');
  });

  it('turns stale when the item is re-run and its evidence changes: the item is FAIL again', async () => {
    const { s, envOf } = await setup();
    expect((await waive(s, 'minor', 'alice@example.com', envOf.alice!)).stdout).toMatch(/item is now waived/);
    const open = await openSessionDir(s.dir, { operator: 'runner@example.com' });
    await open.record({ type: 'item.result', data: result(s.dir, 'minor', 'fail', 'a new finding\n', 2) });
    const st = open.store.store.getState().items.minor!;
    expect(st.status).toBe('fail');
    expect(st.waiver?.stale).toBe(true);
    await open.close();
  });
});

describe('waive: a second approver (waiverApprovals: 1)', () => {
  it('a waiver of a blocking item counts only once another person with another key approves it', async () => {
    const { s, keys, envOf } = await setup();
    const w = await waive(s, 'cve', 'alice@example.com', envOf.alice!);
    expect(w.code, w.stderr).toBe(0);
    expect(w.stderr).toMatch(/^warning: item cve is blocking and its waivers need 1 approval by someone else before they count: ask them to run `readiness-tui waive cve --approve <seq>`/);
    expect(w.stdout).toMatch(/^recorded waiver #4 on cve by alice@example.com, .* — item is now fail, decision NO-GO\n$/);

    const self = await approve(s, 'cve', 4, 'alice@example.com', envOf.alice!);
    expect(self.code).toBe(2);
    expect(self.stderr).toBe('error: alice@example.com wrote waiver #4 on cve: someone else must approve it (four-eyes)\n');
    // bob with alice's key: one key is one person (trust on first use)
    const borrowed = await approve(s, 'cve', 4, 'bob@example.com', envOf.alice!);
    expect(borrowed.code).toBe(2);
    expect(borrowed.stderr).toMatch(/key SHA256:\S+ acted as alice@example\.com earlier in this session \(journal #4\), so it cannot sign as bob@example\.com/);
    const wrong = await approve(s, 'cve', 3, 'bob@example.com', envOf.bob!);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe('error: #3 is not the current waiver of item cve (that is #4, by alice@example.com): nothing to approve\n');

    const ok = await approve(s, 'cve', '#4', 'bob@example.com', envOf.bob!);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`^recorded approval #5 of waiver #4 on cve by bob@example.com, signed with ${rx(fp(keys.bob))} \\(signoffs/4-waiver.approval-bob@example.com.json\\) — item is now waived, decision GO\\n$`));
    const rec = (await records(s.dir))[5]!;
    expect(rec).toMatchObject({ type: 'waiver.approval', actor: 'bob@example.com', data: { item: 'cve', waiver: 4, comment: 'checked the network policy', by: 'bob@example.com', evidence: [CVE_SHA] } });
    const st = JSON.parse(readFileSync(path.join(s.dir, (rec.data as WaiverApprovalData).statement!.path), 'utf8'));
    expect(st).toMatchObject({ _type: 'readiness-tui/waiver.approval/v1', item: 'cve', principal: 'bob@example.com', evidence: [CVE_SHA], waiver: 4 });

    const again = await approve(s, 'cve', 4, 'carol@example.com', envOf.carol!);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe('error: waiver #4 on cve already has its 1 approval: nothing to do\n');
  });

  it('a non-blocking item needs no approval; --approve with --reason is a usage error; a bad seq too', async () => {
    const { s, envOf } = await setup();
    expect((await waive(s, 'minor', 'alice@example.com', envOf.alice!)).stdout).toMatch(/item is now waived/);
    const none = await approve(s, 'minor', 4, 'bob@example.com', envOf.bob!);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('error: item minor needs no approval of its waivers (waiverApprovals is 0; the item is not blocking): nothing to do\n');
    const mixed = await cli(['waive', 'cve', '--approve', '5', '--reason', 'x', '--session', s.dir], { cwd: s.cwd, env: baseEnv() });
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toBe('error: --approve approves an existing waiver as it stands: --reason cannot go with it\n');
    const junk = await cli(['waive', 'cve', '--approve', 'latest', '--session', s.dir], { cwd: s.cwd, env: baseEnv() });
    expect(junk.code).toBe(2);
    expect(junk.stderr).toMatch(/--approve takes the number of the waiver to approve/);
  });

  it('two approvals by one person at the same instant: one is recorded, the other refused inside the journal lock', async () => {
    const { envOf } = await setup();
    // two approvals needed, so bob's second one is refused only because it is his second
    const s2 = await cliSession(path.join(tmp.dir, `s${n++}`), [{ id: 'ok' }, { id: 'cve', waiverApprovals: 2 }], { name: 'waivers', run: ['ok'] });
    const open = await openSessionDir(s2.dir, { operator: 'runner@example.com' });
    await open.record({ type: 'item.result', data: result(s2.dir, 'cve', 'fail', 'CVE-2026-0001 critical\n') });
    await open.close();
    const w = await waive(s2, 'cve', 'alice@example.com', envOf.alice!);
    expect(w.code, w.stderr).toBe(0);
    const seq = Number(/waiver #(\d+)/.exec(w.stdout)![1]);
    const [a, b] = await Promise.all([approve(s2, 'cve', seq, 'bob@example.com', envOf.bob!), approve(s2, 'cve', seq, 'bob@example.com', envOf.bob!)]);
    expect([a.code, b.code].sort()).toEqual([0, 2]);
    // refused before signing when the other was already recorded, else inside the journal lock ("nothing was recorded")
    expect([a, b].find((x) => x.code === 2)!.stderr).toMatch(/^error: bob@example\.com already approved waiver #\d+ on cve \(journal #\d+\): nothing to do( — nothing was recorded)?\n$/);
    expect((await records(s2.dir)).filter((x) => x.type === 'waiver.approval')).toHaveLength(1);
    // the refused one left no statement behind: the waiver's and one approval's (+ .sig)
    expect(readdirSync(path.join(s2.dir, 'signoffs'))).toHaveLength(4);
  });
});

describe('waivers in the bundle', () => {
  it('verify checks the waiver and its approval as signed statements; the report says who waived and who approved', async () => {
    const { s, keys, envOf } = await setup();
    expect((await waive(s, 'cve', 'alice@example.com', envOf.alice!)).code).toBe(0);
    expect((await approve(s, 'cve', 4, 'bob@example.com', envOf.bob!)).code).toBe(0);
    const rep = await cli(['report', '--session', s.dir, '--out', path.join(s.cwd, 'reports'), '--signer', 'alice@example.com'], { cwd: s.cwd, env: envOf.alice! });
    expect(rep.code, rep.stderr).toBe(0);
    const bundle = rep.stdout.trim().split('\n').pop()!;
    const team = path.join(s.cwd, 'team');
    writeFileSync(team, [allowedLine('alice@example.com', keys.alice), allowedLine('bob@example.com', keys.bob)].join('\n') + '\n');
    const v = await cli(['verify', bundle, '--allowed-signers', team], { cwd: s.cwd, env: baseEnv() });
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toMatch(/OK {3}signoffs\/3-waiver-alice@example\.com\.json: good "signoff@readiness-tui" signature by alice@example\.com \(waiver on cve until 2999-01-31\): waiver #4, bound to journal #3/);
    expect(v.stdout).toMatch(/OK {3}signoffs\/4-waiver\.approval-bob@example\.com\.json: good "signoff@readiness-tui" signature by bob@example\.com \(approval of waiver #4 on cve\): waiver approval #5, bound to journal #4/);
    // plain OpenSSH accepts the approval statement in the bundle too
    const f = path.join(bundle, 'signoffs/4-waiver.approval-bob@example.com.json');
    expect(sshVerify(team, 'bob@example.com', SIGNOFF_NAMESPACE, f + '.sig', f).status).toBe(0);
    const report = JSON.parse(readFileSync(path.join(bundle, 'report.json'), 'utf8'));
    const cve = report.blocks[0].items.find((i: { id: string }) => i.id === 'cve');
    expect(cve.status).toBe('waived');
    expect(cve.waiver).toMatchObject({ seq: 4, by: 'alice@example.com', keyFingerprint: fp(keys.alice), approvalsNeeded: 1, approvals: [{ seq: 5, by: 'bob@example.com', keyFingerprint: fp(keys.bob) }] });

    // an approval that is not validly signed does not count at verify: bob's key is not in this team file
    writeFileSync(team, allowedLine('alice@example.com', keys.alice) + '\n');
    const lenient = await cli(['verify', bundle, '--allowed-signers', team], { cwd: s.cwd, env: baseEnv() });
    expect(lenient.code).toBe(1);
    expect(lenient.stdout).toMatch(/FAIL signoffs\/4-waiver\.approval-bob@example\.com\.json\.sig: signature not accepted for bob@example\.com/);
    expect(lenient.stdout).toMatch(/waiver on cve by alice@example\.com needs 1 validly signed approval\(s\) by someone else, found 0 — interim report/);
  });
});
