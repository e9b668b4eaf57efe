/**
 * Waivers are signed statements (real ssh-keygen keys, a real ssh-agent, the real CLI): signed by the waiver's own
 * key, bound to the evidence they accept, checked against the team file or trust on first use, and — for a blocking
 * item whose checklist says `waiverApprovals: 1` — counted only once another person, with another key, approved.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ItemResultData, JournalRecord, WaiverApprovalData, WaiverData } from '../../src/engine/events.js';
import { readJournal } from '../../src/engine/journal.js';
import { openSessionDir } from '../../src/engine/session.js';
import { SIGNOFF_NAMESPACE } from '../../src/report/sign.js';
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

const failed = (item: string, sha: string, attempt = 2): ItemResultData => ({
  item,
  attempt,
  verdict: 'fail',
  summary: '1 critical CVE (CVE-2026-0001)',
  durationMs: 5,
  evidence: [{ path: `evidence/${item}/${attempt}.log`, sha256: sha, bytes: 4 }],
});

/** item "cve" (blocking, waivers need one approval by someone else) failed; "ok" passed */
const ITEMS: ItemSpec[] = [{ id: 'ok' }, { id: 'cve', waiverApprovals: 1 }, { id: 'minor', blocking: false, waiverApprovals: 1 }];
const CVE_SHA = 'c'.repeat(64);

async function setup() {
  const s = await cliSession(path.join(tmp.dir, `s${n++}`), ITEMS, { name: 'waivers' });
  const open = await openSessionDir(s.dir, { operator: 'runner@example.com' });
  await open.record({ type: 'item.result', data: failed('cve', CVE_SHA) });
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
    expect(r.stdout).toMatch(new RegExp(`^recorded waiver #5 on ok by alice@example.com, valid until 2999-01-31, signed with ${rx(fp(keys.alice))} \\(signoffs/4-alice@example.com.json\\) — item is now waived, decision NO-GO\\n$`));
    const rec = (await records(s.dir))[5]!;
    const d = rec.data as WaiverData;
    expect(rec.type).toBe('waiver');
    expect(d.evidence).toEqual([`ok${'a'.repeat(62)}`]);
    expect(d.statement).toMatchObject({ path: 'signoffs/4-alice@example.com.json', sigPath: 'signoffs/4-alice@example.com.json.sig', keyFingerprint: fp(keys.alice) });
    const file = path.join(s.dir, d.statement!.path);
    const statement = JSON.parse(readFileSync(file, 'utf8'));
    expect(statement).toMatchObject({
      kind: 'waiver',
      item: 'ok',
      decision: 'approve',
      principal: 'alice@example.com',
      comment: 'no exploit path: the service is not reachable from outside',
      evidence: d.evidence,
      waiver: { expires: '2999-01-31' },
      journal: { seq: 4 },
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
    expect(tofu.stderr).toMatch(/signed as alice@example\.com earlier in this session \(journal line 6\), so it cannot sign as bob@example\.com/);
    expect((await records(s.dir)).filter((x) => x.type === 'waiver')).toHaveLength(1);
  });

  it('without a key it is recorded unsigned and says so; --no-sign records unsigned quietly', async () => {
    const { s } = await setup();
    const r = await waive(s, 'ok', 'carol@example.com', baseEnv());
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^warning: recorded UNSIGNED \(no SSH signature\): /);
    expect(r.stdout).toMatch(/^recorded waiver #5 on ok by carol@example.com, valid until 2999-01-31, unsigned — item is now waived/);
    const quiet = await waive(s, 'ok', 'carol@example.com', baseEnv(), ['--no-sign']);
    expect(quiet.stderr).toBe('');
  });

  it('turns stale when the item is re-run and its evidence changes: the item is FAIL again', async () => {
    const { s, envOf } = await setup();
    expect((await waive(s, 'minor', 'alice@example.com', envOf.alice!)).stdout).toMatch(/item is now waived/);
    const open = await openSessionDir(s.dir, { operator: 'runner@example.com' });
    await open.record({ type: 'item.result', data: failed('minor', 'd'.repeat(64), 3) });
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
    expect(w.stdout).toMatch(/^recorded waiver #5 on cve by alice@example.com, .* — item is now fail, decision NO-GO\n$/);

    const self = await approve(s, 'cve', 5, 'alice@example.com', envOf.alice!);
    expect(self.code).toBe(2);
    expect(self.stderr).toBe('error: alice@example.com wrote waiver #5 on cve: someone else must approve it (four-eyes)\n');
    // bob with alice's key: one key is one person (trust on first use)
    const borrowed = await approve(s, 'cve', 5, 'bob@example.com', envOf.alice!);
    expect(borrowed.code).toBe(2);
    expect(borrowed.stderr).toMatch(/key SHA256:\S+ signed as alice@example\.com earlier in this session \(journal line 6\), so it cannot sign as bob@example\.com/);
    const wrong = await approve(s, 'cve', 4, 'bob@example.com', envOf.bob!);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe('error: #4 is not the current waiver of item cve (that is #5, by alice@example.com): nothing to approve\n');

    const ok = await approve(s, 'cve', '#5', 'bob@example.com', envOf.bob!);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`^recorded approval #6 of waiver #5 on cve by bob@example.com, signed with ${rx(fp(keys.bob))} \\(signoffs/5-bob@example.com.json\\) — item is now waived, decision GO\\n$`));
    const rec = (await records(s.dir))[6]!;
    expect(rec).toMatchObject({ type: 'waiver.approval', actor: 'bob@example.com', data: { item: 'cve', waiver: 5, comment: 'checked the network policy', by: 'bob@example.com', evidence: [CVE_SHA] } });
    const st = JSON.parse(readFileSync(path.join(s.dir, (rec.data as WaiverApprovalData).statement!.path), 'utf8'));
    expect(st).toMatchObject({ kind: 'waiver-approval', item: 'cve', principal: 'bob@example.com', evidence: [CVE_SHA], waiver: { approves: 5 } });

    const again = await approve(s, 'cve', 5, 'carol@example.com', envOf.carol!);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe('error: waiver #5 on cve already has its 1 approval: nothing to do\n');
  });

  it('a non-blocking item needs no approval; --approve with --reason is a usage error; a bad seq too', async () => {
    const { s, envOf } = await setup();
    expect((await waive(s, 'minor', 'alice@example.com', envOf.alice!)).stdout).toMatch(/item is now waived/);
    const none = await approve(s, 'minor', 5, 'bob@example.com', envOf.bob!);
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
    const s2 = await cliSession(path.join(tmp.dir, `s${n++}`), [{ id: 'ok' }, { id: 'cve', waiverApprovals: 2 }], { name: 'waivers' });
    const open = await openSessionDir(s2.dir, { operator: 'runner@example.com' });
    await open.record({ type: 'item.result', data: failed('cve', CVE_SHA) });
    await open.close();
    const w = await waive(s2, 'cve', 'alice@example.com', envOf.alice!);
    expect(w.code, w.stderr).toBe(0);
    const seq = Number(/waiver #(\d+)/.exec(w.stdout)![1]);
    const [a, b] = await Promise.all([approve(s2, 'cve', seq, 'bob@example.com', envOf.bob!), approve(s2, 'cve', seq, 'bob@example.com', envOf.bob!)]);
    expect([a.code, b.code].sort()).toEqual([0, 2]);
    expect([a, b].find((x) => x.code === 2)!.stderr).toMatch(/^error: bob@example\.com already approved waiver #\d+ on cve \(journal line \d+\): nothing to do — nothing was recorded\n$/);
    expect((await records(s2.dir)).filter((x) => x.type === 'waiver.approval')).toHaveLength(1);
    // the refused one left no statement behind: the waiver's and one approval's (+ .sig)
    expect(readdirSync(path.join(s2.dir, 'signoffs'))).toHaveLength(4);
  });
});
