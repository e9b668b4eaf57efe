/**
 * The TUI's actions against a real session and runner: sign-offs are journaled (fsync'd) before the dialog may say
 * "saved", and a sign-off is never lost because signing failed — it is recorded unsigned, and the message says so.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunner } from '../../src/engine/runner.js';
import { openSession } from '../../src/engine/session.js';
import type { Session } from '../../src/engine/session-api.js';
import { createController } from '../../src/ui/controller.js';
import { testChecklist } from '../support/ui-fixture.js';
import { genKey } from '../report/helpers/ssh.js';

let dir: string;
let session: Session | undefined;

afterEach(async () => {
  await session?.close().catch(() => undefined);
  session = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function setup(o: Parameters<typeof testChecklist>[0] = {}, withKey = false) {
  dir = mkdtempSync(path.join(tmpdir(), 'rt-ctl-'));
  const checklist = testChecklist(o);
  checklist.source = { ...checklist.source, path: path.join(dir, 'test.yaml'), bytes: Buffer.from('apiVersion: readiness/v1\n') };
  session = await openSession({ checklist, stateDir: path.join(dir, 'state'), mode: 'tui', vars: {}, secretVars: [], operator: 'alice@example.com', owner: true });
  // no SSH key anywhere: signing must fail
  const env = { PATH: process.env.PATH, HOME: dir, SSH_AUTH_SOCK: '' } as NodeJS.ProcessEnv;
  const runner = createRunner({ session, env });
  const quit: string[] = [];
  // withKey: alice's own SSH key (--sign-key), so her acts are signed
  const signKey = withKey ? genKey(dir, 'alice').priv : undefined;
  const ctl = createController({ session, runner, operator: 'alice@example.com', readonly: false, outDir: path.join(dir, 'reports'), env, signKey, openPager: () => undefined, quit: () => quit.push('quit') });
  return { session, ctl, runner };
}

function journalTypes(s: Session): { type: string; data: Record<string, unknown> }[] {
  return readFileSync(path.join(s.dir, 'journal.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe('controller', () => {
  it('records a sign-off unsigned when no SSH key is available, and says so', async () => {
    const { session: s, ctl } = await setup();
    const r = await ctl.signoff({ item: '0.3', decision: 'approve', comment: 'read it', role: 'sre' });
    expect(r.message).toMatch(/approved 0\.3 UNSIGNED \(.+\)/);
    const rec = journalTypes(s).find((x) => x.type === 'signoff');
    expect(rec?.data).toMatchObject({ item: '0.3', decision: 'approve', comment: 'read it', role: 'sre', by: 'alice@example.com' });
    expect(rec?.data.statement).toBeUndefined();
    // the store shows it because it was recorded; unsigned, it does not count toward the item's approvals
    expect(s.store.store.getState().items['0.3']!.signoffs).toHaveLength(1);
    expect(s.store.store.getState().items['0.3']!.status).toBe('needs-signoff');
  });

  it('records waivers and notes in the journal', async () => {
    const { session: s, ctl } = await setup();
    await ctl.waive({ item: '0.2', reason: 'patched tomorrow', expires: '2099-01-01', compensatingControl: 'WAF' });
    await ctl.note({ text: 'cutover started' });
    const j = journalTypes(s);
    expect(j.find((x) => x.type === 'waiver')?.data).toMatchObject({ item: '0.2', reason: 'patched tomorrow', expires: '2099-01-01', compensatingControl: 'WAF', by: 'alice@example.com' });
    expect(j.find((x) => x.type === 'note')?.data).toMatchObject({ text: 'cutover started' });
    expect(s.store.store.getState().items['0.2']!.status).toBe('waived');
  });

  it('run with deliverables checks them after the items through the real runner; "cancel all" before that skips them', async () => {
    const deliverables = {
      deliverables: [
        { path: 'runbook.md', check: { kind: 'file', params: { path: 'runbook.md' }, mutating: false } },
        { path: 'later.html', description: 'no check' },
      ],
    };
    const { session: s, ctl } = await setup(deliverables);
    writeFileSync(path.join(dir, 'runbook.md'), '# runbook\n');
    ctl.run(['1.2'], { deliverables: true });
    await ctl.settled();
    let j = journalTypes(s);
    const types = j.map((x) => x.type).filter((t) => t !== 'session.start');
    expect(types).toEqual(['item.start', 'item.result', 'deliverable.start', 'deliverable.result']);
    expect(j.find((x) => x.type === 'deliverable.result')?.data).toMatchObject({ index: 0, path: 'runbook.md', verdict: 'pass' });
    expect(s.store.store.getState().deliverables.map((d) => d.status)).toEqual(['pass', 'unchecked']);
    // without the option (r, R) no deliverable is checked; cancelling everything meanwhile stops the chain
    ctl.run(['1.2']);
    await ctl.settled();
    ctl.run(['1.2'], { deliverables: true });
    ctl.cancel();
    await ctl.settled();
    j = journalTypes(s);
    expect(j.filter((x) => x.type === 'deliverable.start')).toHaveLength(1);
  });

  it('describes the exact command and flags mutating checks', async () => {
    const { ctl } = await setup();
    expect(ctl.describe('1.1').join('\n')).toContain('./dr.sh --really');
    expect(ctl.isMutating('1.1')).toBe(true);
    expect(ctl.isMutating('0.1')).toBe(false);
  });

  it('applies the same rules as the signoff/waive commands: roles, one approval per person, a future expiry', async () => {
    const { session: s, ctl } = await setup({}, true);
    await expect(ctl.signoff({ item: '0.2', decision: 'approve', comment: 'ok', role: 'sre' })).rejects.toThrow(/role "sre" may not sign off item 0\.2; allowed roles: security/);
    await ctl.signoff({ item: '0.3', decision: 'approve', comment: 'read it', role: 'sre' });
    await expect(ctl.signoff({ item: '0.3', decision: 'approve', comment: 'again', role: 'sre' })).rejects.toThrow(/already approved item 0\.3/);
    await expect(ctl.waive({ item: '0.2', reason: 'later', expires: '2001-01-01' })).rejects.toThrow(/in the past/);
    // refused decisions are not journaled
    const j = journalTypes(s);
    expect(j.filter((x) => x.type === 'signoff')).toHaveLength(1);
    expect(j.filter((x) => x.type === 'waiver')).toHaveLength(0);
    // a note is alice's signed statement too
    expect((await ctl.note({ text: 'cutover started' })).message).toMatch(/^note added to the session, signed with SHA256:\S+$/);
    expect(journalTypes(s).find((x) => x.type === 'note')?.data).toMatchObject({ text: 'cutover started', by: 'alice@example.com', statement: { path: expect.stringMatching(/^signoffs\/\d+-note-alice@example\.com\.json$/) } });
  });
});

describe('controller: approving a waiver (a)', () => {
  it('records bob’s approval of alice’s waiver as `waive --approve` does — signed with his key, refused to alice and to bob twice', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rt-ctl-'));
    const checklist = testChecklist();
    checklist.blocks[0]!.items[1]!.waiverApprovals = 1; // 0.2: blocking, its waivers need 1 approval by someone else
    checklist.source = { ...checklist.source, path: path.join(dir, 'test.yaml'), bytes: Buffer.from('apiVersion: readiness/v1\n') };
    session = await openSession({ checklist, stateDir: path.join(dir, 'state'), mode: 'tui', vars: {}, secretVars: [], operator: 'alice@example.com', owner: true });
    const s = session;
    const env = { PATH: process.env.PATH, HOME: dir, SSH_AUTH_SOCK: '' } as NodeJS.ProcessEnv;
    const as = (operator: string, readonly: boolean) =>
      createController({ session: s, operator, readonly, outDir: path.join(dir, 'reports'), env, signKey: genKey(dir, operator.split('@')[0]!).priv, openPager: () => undefined, quit: () => undefined });
    const alice = as('alice@example.com', false);
    const bob = as('bob@example.com', true); // a watcher approves too
    await s.record({ type: 'item.result', data: { item: '0.2', attempt: 1, verdict: 'fail', summary: '1 critical', durationMs: 1, evidence: [] } } as never);
    const waived = await alice.waive({ item: '0.2', reason: 'patched in 1.1', expires: '2999-12-31' });
    const seq = Number(/waiver #(\d+)/.exec(waived.message)![1]);
    expect(s.store.store.getState().items['0.2']!.status).toBe('fail');

    await expect(alice.approveWaiver({ item: '0.2', waiver: seq, comment: '' })).rejects.toThrow(`alice@example.com wrote waiver #${seq} on 0.2: someone else must approve it (four-eyes)`);
    const r = await bob.approveWaiver({ item: '0.2', waiver: seq, comment: 'checked the WAF rule' });
    expect(r.message).toMatch(new RegExp(`^approved waiver #${seq} on 0\\.2 \\(journal #\\d+\\), signed with SHA256:\\S+ — the waiver is in force, approved by bob@example\\.com$`));
    expect(s.store.store.getState().items['0.2']!.status).toBe('waived');
    await expect(bob.approveWaiver({ item: '0.2', waiver: seq, comment: '' })).rejects.toThrow(/bob@example\.com already approved waiver/);
    const approvals = journalTypes(s).filter((x) => x.type === 'waiver.approval');
    expect(approvals).toHaveLength(1);
    expect(approvals[0]!.data).toMatchObject({ item: '0.2', waiver: seq, comment: 'checked the WAF rule', by: 'bob@example.com', statement: { keyFingerprint: expect.stringMatching(/^SHA256:/) } });
  });
});

describe('controller: the regression watch', () => {
  it('W (toggleWatch) is journaled and puts the passed non-mutating items that need no sign-off on the schedule, for the driver, every watcher and the next driver; a watcher cannot toggle it', async () => {
    const { session: s, ctl } = await setup();
    for (const item of ['0.1', '0.2', '1.1'])
      await s.record({ type: 'item.result', data: { item, attempt: 1, verdict: 'pass', summary: 'ok', durationMs: 1, evidence: [] } } as never);
    ctl.startWatch();
    expect([...ctl.watchSchedule().keys()]).toEqual([]); // no item has its own watch:
    expect(await ctl.toggleWatch!()).toBe(true);
    const checked = Date.parse(s.store.store.getState().items['0.1']!.checkedAt!);
    // 0.2 needs a sign-off, 1.1 changes the environment: never under W
    expect([...ctl.watchSchedule()]).toEqual([['0.1', { everyMs: 600_000, nextAt: checked + 600_000 }]]);
    expect(await ctl.toggleWatch!()).toBe(false);
    expect(ctl.watchSchedule().size).toBe(0);
    const notes = journalTypes(s).filter((x) => x.type === 'note').map((x) => x.data.text as string);
    expect(notes).toEqual([
      expect.stringMatching(/^alice@example\.com turned the regression watch on: every passed non-mutating automated item .* every 10m /),
      'alice@example.com turned the session-wide regression watch off (items with their own watch: are still re-checked)',
    ]);
    ctl.stopWatch();

    const watcher = createController({ session: s, operator: 'bob@example.com', readonly: true, outDir: dir, env: {}, openPager: () => undefined, quit: () => undefined });
    watcher.startWatch();
    await expect(watcher.toggleWatch!()).rejects.toThrow('only the driver');
    expect(watcher.watchSchedule().size).toBe(0);

    // W is in the journal: a watcher shows the driver's schedule, and the next driver keeps the watch on
    expect(await ctl.toggleWatch!()).toBe(true);
    expect(journalTypes(s).filter((x) => x.type === 'note').map((x) => x.data.watch)).toEqual(['on', 'off', 'on']);
    expect([...watcher.watchSchedule()]).toEqual([['0.1', { everyMs: 600_000, nextAt: checked + 600_000 }]]);
    const next = createController({ session: s, operator: 'alice@example.com', readonly: false, outDir: dir, env: {}, openPager: () => undefined, quit: () => undefined });
    next.startWatch();
    expect([...next.watchSchedule()]).toEqual([['0.1', { everyMs: 600_000, nextAt: checked + 600_000 }]]);
    next.stopWatch();
  });
});
