/**
 * The one reducer: deliverables (listed from the checklist, updated by deliverable events, never deciding) and waivers
 * (counted only while in force, in the live store as in a replay).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Checklist } from '../../src/checklist/model.js';
import type { JournalEvent } from '../../src/engine/events.js';
import { createSessionStore } from '../../src/engine/store.js';
import { approvalRefusal, bindKey, decidingReason, decisionBasis, decisionLine, initialState, keyBindingBroken, reduce, refresh, type SessionState } from '../../src/engine/session-state.js';
import { cmd, makeChecklist } from './helpers/checklist.js';

const fileCheck = (p: string) => ({ kind: 'file', params: { path: p, type: 'any' as const }, mutating: false });

function checklist(): Checklist {
  const c = makeChecklist('/tmp/rt-reducer', [{ id: '1', check: cmd('true') }]);
  c.deliverables = [
    { path: 'docs/runbook.md', description: 'Operations guide', check: fileCheck('docs/runbook.md') },
    { path: 'dashboards/slo.json', check: fileCheck('dashboards/slo.json') },
    { path: 'reports/final.html', description: 'the report' },
  ];
  return c;
}

let seq = 0;
beforeEach(() => {
  seq = 0;
});
const ts = () => new Date(Date.parse('2026-11-27T10:00:00Z') + seq * 1000).toISOString();
function apply(s: SessionState, c: Checklist, e: Omit<JournalEvent, 'ts' | 'actor'>): SessionState {
  return reduce(s, { ...e, ts: ts(), actor: 'alice' } as JournalEvent, seq++, c);
}
const ev = (i: number, a: number) => [{ path: `evidence/_deliverable-${i}/${a}.log`, sha256: 'ab'.repeat(32), bytes: 10 }];

describe('reducer: deliverables', () => {
  it('lists every deliverable from the checklist: pending with a check, unchecked without', () => {
    const s = initialState(checklist());
    expect(s.deliverables).toEqual([
      { index: 0, path: 'docs/runbook.md', description: 'Operations guide', hasCheck: true, status: 'pending', attempt: 0 },
      { index: 1, path: 'dashboards/slo.json', hasCheck: true, status: 'pending', attempt: 0 },
      { index: 2, path: 'reports/final.html', description: 'the report', hasCheck: false, status: 'unchecked', attempt: 0 },
    ]);
  });

  it('start → running, result → its verdict with evidence and time; the decision only follows items', () => {
    const c = checklist();
    let s = initialState(c);
    s = apply(s, c, { type: 'item.start', data: { item: '1', attempt: 1, describe: 'true' } });
    s = apply(s, c, { type: 'item.result', data: { item: '1', attempt: 1, verdict: 'pass', summary: 'ok', durationMs: 5, evidence: [] } });
    s = apply(s, c, { type: 'deliverable.start', data: { index: 1, path: 'dashboards/slo.json', attempt: 1, describe: 'test -e dashboards/slo.json' } });
    expect(s.deliverables[1]).toMatchObject({ status: 'running', attempt: 1, describe: 'test -e dashboards/slo.json' });
    s = apply(s, c, {
      type: 'deliverable.result',
      data: { index: 1, path: 'dashboards/slo.json', attempt: 1, verdict: 'fail', summary: 'not found: dashboards/slo.json', durationMs: 3, evidence: ev(1, 1) },
    });
    const d = s.deliverables[1]!;
    expect(d).toMatchObject({ status: 'fail', attempt: 1, checkedAt: '2026-11-27T10:00:03.000Z' });
    expect(d.result?.summary).toBe('not found: dashboards/slo.json');
    expect(d.result?.evidence).toEqual(ev(1, 1));
    expect(s.decision).toBe('GO');
    expect(s.deciding).toEqual([]);
    expect(s.deliverables[0]!.status).toBe('pending');
  });

  it('a cancelled check is skipped, or keeps the verdict before it; a resume clears a check that was running', () => {
    const c = checklist();
    let s = initialState(c);
    s = apply(s, c, { type: 'deliverable.start', data: { index: 0, path: 'docs/runbook.md', attempt: 1, describe: 'x' } });
    s = apply(s, c, { type: 'deliverable.skip', data: { index: 0, path: 'docs/runbook.md', reason: 'cancelled by alice' } });
    expect(s.deliverables[0]).toMatchObject({ status: 'skipped', skip: { reason: 'cancelled by alice' } });
    s = apply(s, c, { type: 'deliverable.start', data: { index: 0, path: 'docs/runbook.md', attempt: 2, describe: 'x' } });
    expect(s.deliverables[0]!.skip).toBeUndefined();
    s = apply(s, c, { type: 'deliverable.result', data: { index: 0, path: 'docs/runbook.md', attempt: 2, verdict: 'pass', summary: 'found', durationMs: 1, evidence: ev(0, 2) } });
    s = apply(s, c, { type: 'deliverable.start', data: { index: 0, path: 'docs/runbook.md', attempt: 3, describe: 'x' } });
    s = apply(s, c, { type: 'deliverable.skip', data: { index: 0, path: 'docs/runbook.md', reason: 'cancelled by alice' } });
    expect(s.deliverables[0]).toMatchObject({ status: 'pass', attempt: 3 });
    s = apply(s, c, { type: 'deliverable.start', data: { index: 1, path: 'dashboards/slo.json', attempt: 1, describe: 'x' } });
    s = apply(s, c, { type: 'session.resume', data: { pid: 1, mode: 'ci' } });
    expect(s.deliverables[1]).toMatchObject({ status: 'pending', attempt: 1 });
  });

  it('ignores an event whose index and path do not name a checked deliverable of this checklist', () => {
    const c = checklist();
    let s = initialState(c);
    const before = s.deliverables;
    s = apply(s, c, { type: 'deliverable.result', data: { index: 0, path: 'docs/other.md', attempt: 1, verdict: 'pass', summary: 'x', durationMs: 1, evidence: [] } });
    s = apply(s, c, { type: 'deliverable.result', data: { index: 7, path: 'docs/runbook.md', attempt: 1, verdict: 'pass', summary: 'x', durationMs: 1, evidence: [] } });
    s = apply(s, c, { type: 'deliverable.result', data: { index: 2, path: 'reports/final.html', attempt: 1, verdict: 'pass', summary: 'x', durationMs: 1, evidence: [] } });
    expect(s.deliverables).toEqual(before);
  });
});

describe('waivers count only while in force', () => {
  // item 1 fails its check (blocking), item 2 passes: GO only while 1 is waived
  const c = () => makeChecklist('/tmp/rt-reducer', [{ id: '1', check: cmd('false') }, { id: '2', check: cmd('true') }]);
  const failed = (s: SessionState, cl: Checklist) => {
    s = apply(s, cl, { type: 'item.result', data: { item: '1', attempt: 1, verdict: 'fail', summary: 'exit 1', durationMs: 1, evidence: [] } });
    return apply(s, cl, { type: 'item.result', data: { item: '2', attempt: 1, verdict: 'pass', summary: 'ok', durationMs: 1, evidence: [] } });
  };
  // the events are at 2026-11-27T10:00:00Z + seq seconds
  const waiver = (expires: string) => ({ type: 'waiver' as const, data: { item: '1', reason: 'accepted', expires, by: 'carol' } });

  it('a waiver in force makes the item waived and the decision GO; once it expires, the item is its verdict again and NO-GO', () => {
    const cl = c();
    let s = apply(failed(initialState(cl), cl), cl, waiver('2026-11-27T11:00:00.000Z'));
    expect(s.items['1']!.status).toBe('waived');
    expect(s.decision).toBe('GO');
    expect(refresh(s, cl, new Date('2026-11-27T11:00:00.000Z')).items['1']!.status).toBe('waived');
    const later = refresh(s, cl, new Date('2026-11-27T11:00:00.001Z'));
    expect(later.items['1']!.status).toBe('fail');
    expect(later.decision).toBe('NO-GO');
    expect(later.deciding).toEqual([{ item: '1', status: 'fail' }]);
  });

  it('an event recomputes the item it names and the waived ones; the other items stay the same objects', () => {
    const cl = c();
    const s = failed(initialState(cl), cl);
    const next = apply(s, cl, { type: 'item.start', data: { item: '2', attempt: 2, describe: 'true' } });
    expect(next.items['1']).toBe(s.items['1']);
    expect(next.items['2']!.status).toBe('running');
    expect(next.decision).toBe('NO-GO');
  });

  it('an expiry given as a date lasts through the end of that day (UTC)', () => {
    const cl = c();
    const s = apply(failed(initialState(cl), cl), cl, waiver('2026-11-27'));
    expect(refresh(s, cl, new Date('2026-11-27T23:59:59.999Z')).decision).toBe('GO');
    expect(refresh(s, cl, new Date('2026-11-28T00:00:00.000Z'))).toMatchObject({ decision: 'NO-GO', items: { '1': { status: 'fail' } } });
  });

  it('a waiver already expired when it was recorded never counts; nor does one that expired before a resume', () => {
    const cl = c();
    const dead = apply(failed(initialState(cl), cl), cl, waiver('2026-11-26'));
    expect(dead.items['1']!.status).toBe('fail');
    expect(dead.decision).toBe('NO-GO');
    // recorded in force, then the session is resumed (replayed) after it ran out: the resume event's time decides
    let s = apply(failed(initialState(cl), cl), cl, waiver('2026-11-27T10:00:05.000Z'));
    expect(s.decision).toBe('GO');
    seq = 100;
    s = apply(s, cl, { type: 'session.resume', data: { pid: 1, mode: 'ci' } });
    expect(s.items['1']!.status).toBe('fail');
    expect(s.decision).toBe('NO-GO');
  });

  // a result with two evidence files, and a waiver bound to the digests it was given on
  const twoFiles = (a: string, b: string, attempt = 1) => ({
    type: 'item.result' as const,
    data: { item: '1', attempt, verdict: 'fail' as const, summary: 'exit 1', durationMs: 1, evidence: [a, b].map((sha, i) => ({ path: `evidence/1/${attempt}-${i}.log`, sha256: sha, bytes: 1 })) },
  });
  const bound = (by: string, evidence: string[]) => ({
    type: 'waiver' as const,
    data: { item: '1', reason: 'accepted', expires: '2999-01-01', by, evidence, statement: { path: `signoffs/${by}.json`, sha256: 'x', sigPath: `signoffs/${by}.json.sig`, sigSha256: 'y', keyFingerprint: `SHA256:${by}` } },
  });

  it('a waiver given on evidence other than the latest result is stale at once; on the same files, in order, it counts', () => {
    const cl = c();
    const ran = (s: SessionState) => apply(apply(s, cl, twoFiles('e1', 'e2')), cl, { type: 'item.result', data: { item: '2', attempt: 1, verdict: 'pass', summary: 'ok', durationMs: 1, evidence: [] } });
    const same = apply(ran(initialState(cl)), cl, bound('carol', ['e1', 'e2']));
    expect(same.items['1']).toMatchObject({ status: 'waived', waiver: { stale: false } });
    // the waiver was shown another run (one file of the two, or another second file): it accepts nothing now
    for (const other of [['e1'], ['e1', 'e3']]) {
      const s = apply(ran(initialState(cl)), cl, bound('carol', other));
      expect(s.items['1']).toMatchObject({ status: 'fail', waiver: { stale: true } });
      expect(s.decision).toBe('NO-GO');
    }
  });

  it('an approval counts for the waiver it names only while that waiver is the current one', () => {
    const cl = makeChecklist('/tmp/rt-reducer', [{ id: '1', check: cmd('false'), waiverApprovals: 1 }]);
    const approval = (by: string, waiver: number) => ({
      type: 'waiver.approval' as const,
      data: { item: '1', waiver, comment: '', by, evidence: ['e1', 'e2'], statement: { path: `signoffs/${by}.json`, sha256: 'x', sigPath: `signoffs/${by}.json.sig`, sigSha256: 'y', keyFingerprint: `SHA256:${by}` } },
    });
    let s = apply(initialState(cl), cl, twoFiles('e1', 'e2')); // #0
    // an approval on an item that has no waiver changes nothing
    const none = apply(s, cl, approval('bob', 0)); // #1
    expect(none.items['1']).toMatchObject({ status: 'fail', waiver: undefined });
    s = apply(none, cl, bound('alice', ['e1', 'e2'])); // #2
    s = apply(s, cl, bound('carol', ['e1', 'e2'])); // #3 replaces #2
    // bob approves #2 after carol's #3 replaced it: not carol's waiver's approval
    s = apply(s, cl, approval('bob', 2)); // #4
    expect(s.items['1']).toMatchObject({ status: 'fail', waiver: { seq: 3, by: 'carol', approvals: [] } });
    s = apply(s, cl, approval('dave', 3)); // #5
    expect(s.items['1']).toMatchObject({ status: 'waived', waiver: { seq: 3, approvals: [{ by: 'dave', seq: 5 }] } });
  });

  it('the live store (what the TUI shows) turns an expired waiver back into NO-GO on tick', () => {
    const cl = c();
    const live = createSessionStore(cl);
    const at = (i: number) => new Date(Date.parse('2026-11-27T10:00:00Z') + i * 1000).toISOString();
    live.apply({ type: 'item.result', ts: at(0), actor: 'a', data: { item: '1', attempt: 1, verdict: 'fail', summary: 'exit 1', durationMs: 1, evidence: [] } }, 0);
    live.apply({ type: 'item.result', ts: at(1), actor: 'a', data: { item: '2', attempt: 1, verdict: 'pass', summary: 'ok', durationMs: 1, evidence: [] } }, 1);
    live.apply({ type: 'waiver', ts: at(2), actor: 'carol', data: { item: '1', reason: 'accepted', expires: at(60), by: 'carol' } }, 2);
    expect(live.store.getState()).toMatchObject({ decision: 'GO', items: { '1': { status: 'waived' } } });
    live.tick(new Date(Date.parse(at(60)) + 1));
    expect(live.store.getState()).toMatchObject({ decision: 'NO-GO', items: { '1': { status: 'fail' } } });
    live.dispose();
  });
});

describe('reducer: items, sign-offs and the decision', () => {
  // a: a blocking command check; m: a manual item (2 approvals); r: a check that also requires a sign-off;
  // n: non-blocking; x: a check with signoff none
  const c = () => {
    const cl = makeChecklist('/tmp/rt-reducer', [
      { id: 'a', check: cmd('true') },
      { id: 'm', approvals: 2 },
      { id: 'r', check: cmd('true'), signoff: 'required' },
      { id: 'n', check: cmd('true'), blocking: false },
      { id: 'x', check: cmd('true'), signoff: 'none' },
    ]);
    return cl;
  };
  const ev = (sha: string) => [{ path: 'evidence/a/1.log', sha256: sha, bytes: 1 }];
  const result = (item: string, verdict: 'pass' | 'fail' | 'error' | 'timeout' | 'inconclusive', sha = 'aa', attempt = 1) =>
    ({ type: 'item.result' as const, data: { item, attempt, verdict, summary: verdict, durationMs: 1, evidence: ev(sha) } });
  // a signed sign-off: only signed approvals count (the statement names the signer's key)
  const statement = (by: string) => ({ path: `signoffs/${by}.json`, sha256: 'x', sigPath: `signoffs/${by}.json.sig`, sigSha256: 'y', keyFingerprint: `SHA256:key-of-${by}` });
  const signoff = (item: string, by: string, decision: 'approve' | 'reject' = 'approve', evidence = ['aa']) =>
    ({ type: 'signoff' as const, data: { item, decision, comment: 'c', by, evidence, statement: statement(by) } });
  const statuses = (s: SessionState) => Object.fromEntries(s.order.map((id) => [id, s.items[id]!.status]));

  it('statuses follow verdicts, sign-offs and skips; the decision names what decides it', () => {
    const cl = c();
    let s = initialState(cl);
    expect(statuses(s)).toEqual({ a: 'pending', m: 'needs-signoff', r: 'pending', n: 'pending', x: 'pending' });
    expect(s).toMatchObject({ decision: 'INCOMPLETE', deciding: [{ item: 'a', status: 'pending' }, { item: 'm', status: 'needs-signoff' }, { item: 'r', status: 'pending' }, { item: 'x', status: 'pending' }] });
    s = apply(s, cl, { type: 'item.start', data: { item: 'a', attempt: 1, describe: 'true' } });
    expect(s.items['a']).toMatchObject({ status: 'running', running: true, attempt: 1, describe: 'true', startedAt: expect.any(String) });
    s = apply(s, cl, result('a', 'pass'));
    s = apply(s, cl, result('r', 'pass'));
    s = apply(s, cl, result('n', 'fail'));
    s = apply(s, cl, result('x', 'pass'));
    expect(statuses(s)).toEqual({ a: 'pass', m: 'needs-signoff', r: 'needs-signoff', n: 'fail', x: 'pass' });
    // a non-blocking failure never decides
    // a manual item has no evidence: its approvals are given on none
    s = apply(s, cl, signoff('m', 'bob', 'approve', []));
    expect(s.items['m']!.status).toBe('needs-signoff');
    s = apply(s, cl, signoff('m', 'carol', 'approve', []));
    s = apply(s, cl, signoff('r', 'bob'));
    expect(statuses(s)).toEqual({ a: 'pass', m: 'pass', r: 'pass', n: 'fail', x: 'pass' });
    expect(s).toMatchObject({ decision: 'GO', deciding: [] });
    // a rejection fails the item even with approvals; an error, a timeout and an inconclusive are theirs
    s = apply(s, cl, signoff('m', 'dave', 'reject', []));
    expect(s.items['m']!.status).toBe('fail');
    expect(s).toMatchObject({ decision: 'NO-GO', deciding: [{ item: 'm', status: 'fail' }] });
    s = apply(s, cl, result('a', 'error', 'aa', 2));
    s = apply(s, cl, result('x', 'timeout', 'aa', 2));
    s = apply(s, cl, result('r', 'inconclusive', 'aa', 2));
    expect(statuses(s)).toMatchObject({ a: 'error', x: 'timeout', r: 'inconclusive' });
    // NO-GO rests on what was measured to fail or rejected; what could not run is not part of it (INCOMPLETE)
    expect(s).toMatchObject({ decision: 'NO-GO', deciding: [{ item: 'm', status: 'fail' }] });
    expect(s.items['a']!.attempts.map((x) => x.verdict)).toEqual(['pass', 'error']);
    expect(s.seq).toBe(12);
  });

  it('a result with other evidence makes earlier sign-offs stale; one given on other evidence is stale at once', () => {
    const cl = c();
    let s = initialState(cl);
    s = apply(s, cl, result('r', 'pass', 'aa'));
    s = apply(s, cl, signoff('r', 'bob'));
    expect(s.items['r']).toMatchObject({ status: 'pass', signoffs: [{ by: 'bob', stale: false, seq: 1 }] });
    s = apply(s, cl, result('r', 'pass', 'aa', 2)); // same evidence: still counts
    expect(s.items['r']!.signoffs[0]!.stale).toBe(false);
    s = apply(s, cl, result('r', 'pass', 'bb', 3)); // new evidence: the approval no longer counts
    expect(s.items['r']).toMatchObject({ status: 'needs-signoff', signoffs: [{ stale: true }] });
    s = apply(s, cl, signoff('r', 'carol', 'approve', ['aa']));
    expect(s.items['r']).toMatchObject({ status: 'needs-signoff', signoffs: [{ stale: true }, { by: 'carol', stale: true }] });
    s = apply(s, cl, signoff('r', 'carol', 'reject', ['aa'])); // a stale rejection does not fail it either
    expect(s.items['r']!.status).toBe('needs-signoff');
    s = apply(s, cl, signoff('r', 'dave', 'approve', ['bb']));
    expect(s.items['r']!.status).toBe('pass');
  });

  it('a sign-off binds the digests of every evidence file: the same files count, one of them alone is stale', () => {
    const cl = c();
    const two = { type: 'item.result' as const, data: { item: 'r', attempt: 1, verdict: 'pass' as const, summary: 'ok', durationMs: 1, evidence: [...ev('aa'), ...ev('bb')] } };
    const s = apply(apply(initialState(cl), cl, two), cl, signoff('r', 'bob', 'approve', ['aa', 'bb']));
    expect(s.items['r']).toMatchObject({ status: 'pass', signoffs: [{ by: 'bob', stale: false }] });
    const part = apply(apply(initialState(cl), cl, two), cl, signoff('r', 'bob', 'approve', ['aa']));
    expect(part.items['r']).toMatchObject({ status: 'needs-signoff', signoffs: [{ by: 'bob', stale: true }] });
  });

  it('skips, resumes, notes, decisions, reports and close', () => {
    const cl = c();
    let s = initialState(cl);
    s = apply(s, cl, { type: 'item.skip', data: { item: 'a', status: 'blocked', reason: 'depends on z (fail)' } });
    expect(s.items['a']).toMatchObject({ status: 'blocked', skip: { status: 'blocked', reason: 'depends on z (fail)' }, running: false });
    s = apply(s, cl, { type: 'item.start', data: { item: 'a', attempt: 1, describe: 'd' } });
    expect(s.items['a']!.skip).toBeUndefined();
    s = apply(s, cl, { type: 'item.skip', data: { item: 'a', status: 'skipped', reason: 'cancelled' } });
    expect(s.items['a']!.status).toBe('skipped');
    s = apply(s, cl, result('a', 'fail'));
    s = apply(s, cl, { type: 'item.start', data: { item: 'a', attempt: 2, describe: 'd' } });
    s = apply(s, cl, { type: 'item.skip', data: { item: 'a', status: 'skipped', reason: 'cancelled' } });
    expect(s.items['a']!.status).toBe('fail'); // a cancelled re-run keeps the verdict before it
    s = apply(s, cl, { type: 'item.start', data: { item: 'x', attempt: 1, describe: 'd' } });
    s = apply(s, cl, { type: 'session.resume', data: { pid: 2, mode: 'tui' } });
    expect(s.items['x']).toMatchObject({ running: false, status: 'pending' });
    expect(s.resumes).toBe(1);
    s = apply(s, cl, { type: 'note', data: { text: 'general', by: 'bob' } });
    s = apply(s, cl, { type: 'note', data: { text: 'on a', by: 'bob', item: 'a' } });
    expect(s.notes).toEqual([{ text: 'general', by: 'bob', seq: 8, ts: expect.any(String) }]);
    expect(s.items['a']!.notes).toEqual([{ text: 'on a', by: 'bob', item: 'a', seq: 9, ts: expect.any(String) }]);
    s = apply(s, cl, { type: 'decision', data: { decision: 'NO-GO', deciding: [], final: false } });
    expect(s.finalDecision).toBeUndefined();
    s = apply(s, cl, { type: 'decision', data: { decision: 'NO-GO', deciding: [], final: true } });
    expect(s.finalDecision).toEqual({ decision: 'NO-GO', seq: 11, ts: expect.any(String) });
    s = apply(s, cl, { type: 'report.generated', data: { path: 'reports/x', signed: true, interim: false } });
    expect(s.reports).toEqual([{ path: 'reports/x', signed: true, interim: false, ts: expect.any(String) }]);
    expect(s.closed).toBe(false);
    s = apply(s, cl, { type: 'session.close', data: { decision: 'NO-GO' } });
    expect(s.closed).toBe(true);
    // events about items the checklist does not have change nothing
    const before = s.items;
    s = apply(s, cl, result('zz', 'pass'));
    s = apply(s, cl, signoff('zz', 'bob'));
    expect(s.items).toEqual(before);
  });
});

describe('reducer: watch runs (trigger watch)', () => {
  const c = makeChecklist('/tmp/rt-reducer-watch', [{ id: '1', check: cmd('true') }]);
  type Ev = Omit<JournalEvent, 'ts' | 'actor'>;
  const result = (verdict: 'pass' | 'fail', attempt: number): Ev => ({ type: 'item.result', data: { item: '1', attempt, verdict, summary: verdict, durationMs: 1, evidence: [] } });
  const start = (attempt: number, trigger?: 'watch'): Ev => ({ type: 'item.start', data: { item: '1', attempt, describe: 'x', ...(trigger ? { trigger } : {}) } });

  it('a watch run leaves the item PASS while it runs; one stopped part-way changes nothing; one that fails is a regression until a pass', () => {
    let s = apply(initialState(c), c, start(1));
    expect(s.items['1']!.status).toBe('running'); // an operator's run
    s = apply(s, c, result('pass', 1));
    s = apply(s, c, start(2, 'watch'));
    expect(s.items['1']).toMatchObject({ status: 'pass', running: true, trigger: 'watch' });
    expect(s.decision).toBe('GO');
    s = apply(s, c, { type: 'item.skip', data: { item: '1', status: 'cancelled', reason: 'cancelled by alice (quit the TUI while it ran)', attempt: 2, durationMs: 1, evidence: [] } });
    expect(s.items['1']).toMatchObject({ status: 'pass', running: false });
    expect(s.items['1']!.cancelled).toHaveLength(1);
    s = apply(s, c, start(3, 'watch'));
    s = apply(s, c, result('fail', 3));
    expect(s.items['1']!.status).toBe('fail');
    expect(s.items['1']!.regression).toMatchObject({ verdict: 'fail', summary: 'fail', seq: seq - 1 });
    expect(s.decision).toBe('NO-GO');
    // an operator's re-run that fails again keeps it; one that passes clears it
    s = apply(s, c, start(4));
    s = apply(s, c, result('fail', 4));
    expect(s.items['1']!.regression?.seq).toBe(seq - 3);
    s = apply(s, c, start(5));
    s = apply(s, c, result('pass', 5));
    expect(s.items['1']!.regression).toBeUndefined();
    expect(s.decision).toBe('GO');
  });
});

describe('why an item decides, and whether it may be approved (decidingReason, decisionLine, approvalRefusal)', () => {
  // a, b, e: command checks; m: manual, after a (blocked until a passes); one: a checklist of one blocking item
  const cl = () =>
    makeChecklist('/tmp/rt-reducer', [
      { id: 'a', check: cmd('true') },
      { id: 'b', check: cmd('true') },
      { id: 'e', check: cmd('true') },
      { id: 'm', dependsOn: ['a'] },
      { id: 'o', check: cmd('true'), blocking: false },
    ]);
  const result = (item: string, verdict: 'pass' | 'fail' | 'error' | 'timeout' | 'inconclusive', summary: string, extra: object = {}) =>
    ({ type: 'item.result' as const, data: { item, attempt: 1, verdict, summary, durationMs: 1, evidence: [], ...extra } });
  const reason = (s: SessionState, id: string) => decidingReason(s.items[id]!);

  it('names each status with its own words, the measured summary or error, one line, at most 200 characters', () => {
    const c = cl();
    let s = initialState(c);
    expect(reason(s, 'a')).toBe('a has not run');
    expect(reason(s, 'm')).toBe('m blocked: depends on a (pending), which did not pass');
    s = apply(s, c, { type: 'item.start', data: { item: 'a', attempt: 1, describe: 'true' } });
    expect(reason(s, 'a')).toBe('a is still running');
    s = apply(s, c, result('a', 'fail', '  2 of 3\n   nodes   NotReady '));
    expect(reason(s, 'a')).toBe('a failed: 2 of 3 nodes NotReady');
    s = apply(s, c, result('b', 'error', 'summary only', { error: { message: 'connect ECONNREFUSED\n127.0.0.1:6443' } }));
    expect(reason(s, 'b')).toBe('b could not run: connect ECONNREFUSED 127.0.0.1:6443');
    s = apply(s, c, result('e', 'timeout', 'no answer in 5s'));
    expect(reason(s, 'e')).toBe('e could not run: no answer in 5s');
    s = apply(s, c, result('o', 'inconclusive', 'x'.repeat(300)));
    expect(reason(s, 'o')).toBe(`o could not run to a verdict (inconclusive): ${'x'.repeat(200)}`);
    s = apply(s, c, { type: 'item.skip', data: { item: 'e', status: 'skipped', reason: 'not today' } }); // after a result: the result stays
    s = apply(s, c, { type: 'item.start', data: { item: 'b', attempt: 2, describe: 'true' } });
    s = apply(s, c, { type: 'item.skip', data: { item: 'b', status: 'cancelled', reason: 'cancelled by alice' } });
    expect(reason(s, 'b')).toBe('b cancelled (attempt 2): cancelled by alice');
    // the decision line joins the deciding items' reasons; a GO counts the blocking items
    expect(decisionLine(c, s)).toBe(`${s.decision} — ${s.deciding.map((d) => reason(s, d.item)).join('; ')}`);
    expect(decisionLine(c, s)).toBe('NO-GO — a failed: 2 of 3 nodes NotReady');
    const two = { decision: 'INCOMPLETE' as const, deciding: [{ item: 'b', status: 'cancelled' as const }, { item: 'e', status: 'skipped' as const }], items: s.items };
    expect(decisionLine(c, two)).toBe('INCOMPLETE — b cancelled (attempt 2): cancelled by alice; e could not run: no answer in 5s');
    const go = { decision: 'GO' as const, deciding: [], items: s.items };
    expect(decisionLine(c, go)).toBe('GO — all 4 blocking items passed or are waived');
    const single = makeChecklist('/tmp/rt-reducer', [{ id: 'z', check: cmd('true') }]);
    expect(decisionLine(single, go)).toBe('GO — all 1 blocking item passed or are waived');
  });

  it('a rejection of a passed item names who rejected it and why; a skipped one its reason; a manual one its sign-off', () => {
    const c = makeChecklist('/tmp/rt-reducer', [{ id: 'r', check: cmd('true'), signoff: 'required' }, { id: 'k', check: cmd('true') }, { id: 'm' }]);
    let s = initialState(c);
    expect(reason(s, 'm')).toBe('m needs a sign-off');
    s = apply(s, c, { type: 'item.skip', data: { item: 'k', status: 'skipped', reason: 'out of\nscope' } });
    expect(reason(s, 'k')).toBe('k skipped: out of scope');
    s = apply(s, c, result('r', 'pass', 'ok'));
    const statement = { path: 'signoffs/bob.json', sha256: 'x', sigPath: 'signoffs/bob.json.sig', sigSha256: 'y', keyFingerprint: 'SHA256:key-of-bob' };
    s = apply(s, c, { type: 'signoff', data: { item: 'r', decision: 'reject', comment: 'rollback   untested', by: 'bob', evidence: [], statement } });
    expect(s.items['r']!.status).toBe('fail');
    expect(reason(s, 'r')).toBe('r rejected by bob: rollback untested');
  });

  it('refuses an approval while running, cancelled, blocked or over a result that is not a pass, and says what to do', () => {
    const c = cl();
    const item = (id: string) => c.blocks[0]!.items.find((i) => i.id === id)!;
    let s = initialState(c);
    expect(approvalRefusal(item('a'), s.items['a']!)).toBeUndefined();
    expect(approvalRefusal(item('m'), s.items['m']!)).toBe(
      'item m is BLOCKED (depends on a (pending), which did not pass): it cannot be approved until its prerequisites pass or are waived. ' +
        'Fix and re-run them first. A rejection is always allowed.',
    );
    s = apply(s, c, { type: 'item.start', data: { item: 'a', attempt: 1, describe: 'true' } });
    expect(approvalRefusal(item('a'), s.items['a']!)).toBe('item a is running now: approve it once its result is in. A rejection is always allowed.');
    s = apply(s, c, { type: 'item.skip', data: { item: 'a', status: 'cancelled', reason: 'cancelled by alice' } });
    expect(approvalRefusal(item('a'), s.items['a']!)).toMatch(/^item a cannot be approved: its latest attempt \(1\) was CANCELLED \(cancelled by alice\), so there is no result/);
    s = apply(s, c, { type: 'item.skip', data: { item: 'e', status: 'blocked', reason: 'depends on z (fail)' } });
    expect(approvalRefusal(item('e'), s.items['e']!)).toMatch(/^item e is BLOCKED \(depends on z \(fail\)\)/);
    s = apply(s, c, result('b', 'error', 'cannot reach', { error: { message: 'm', hint: 'is the VPN up?' } }));
    expect(approvalRefusal(item('b'), s.items['b']!)).toMatch(/^item b cannot be approved: its latest result \(attempt 1\) is \S+ — the check could not run: cannot reach \(is the VPN up\?\)\. Fix it and run the item again .*--only b`\)/);
    s = apply(s, c, result('o', 'fail', 'found 2'));
    expect(approvalRefusal(item('o'), s.items['o']!)).toMatch(/the check found a problem: found 2\. Fix it/);
    s = apply(s, c, result('o', 'inconclusive', 'no series'));
    expect(approvalRefusal(item('o'), s.items['o']!)).toMatch(/the check had nothing to judge: no series\. Fix it/);
    s = apply(s, c, result('o', 'pass', 'fine'));
    expect(approvalRefusal(item('o'), s.items['o']!)).toBeUndefined();
  });
});

describe('trust on first use: one key per person, one person per key (bindKey, keyBindingBroken)', () => {
  it('the operator of session.start and the first signer of a key are bound; another name or key is refused, saying which', () => {
    const c = makeChecklist('/tmp/rt-reducer', [{ id: 'a', check: cmd('true'), signoff: 'required' }]);
    let s = initialState(c);
    s = apply(s, c, { type: 'session.start', data: { pid: 1, mode: 'ci', vars: {}, operator: { principal: 'Alice', keyFingerprint: 'SHA256:a' } } } as never);
    const statement = (k: string) => ({ path: 'signoffs/x.json', sha256: 'x', sigPath: 'signoffs/x.json.sig', sigSha256: 'y', keyFingerprint: k });
    s = apply(s, c, { type: 'note', data: { text: 'n', by: 'bob', statement: statement('SHA256:b') } });
    // a later act by the same people with other keys does not move the binding
    s = apply(s, c, { type: 'note', data: { text: 'n', by: 'bob', statement: statement('SHA256:c') } });
    s = apply(s, c, { type: 'signoff', data: { item: 'a', decision: 'approve', comment: '', by: 'carol', evidence: [], statement: statement('SHA256:a') } });
    expect(s.keys).toEqual({
      byKey: { 'SHA256:a': { principal: 'Alice', seq: 0 }, 'SHA256:b': { principal: 'bob', seq: 1 }, 'SHA256:c': { principal: 'bob', seq: 2 } },
      byPrincipal: { alice: { key: 'SHA256:a', seq: 0 }, bob: { key: 'SHA256:b', seq: 1 }, carol: { key: 'SHA256:a', seq: 3 } },
    });
    expect(keyBindingBroken(s.keys, ' alice ', 'SHA256:a')).toBeUndefined();
    expect(keyBindingBroken(s.keys, 'dave', 'SHA256:d')).toBeUndefined();
    expect(keyBindingBroken(s.keys, 'dave', 'SHA256:a')).toBe(
      'key SHA256:a acted as Alice earlier in this session (journal #0), so it cannot sign as dave: one key is one person ' +
        "(trust on first use). Sign with dave's own key, or name the team in an allowed_signers file (--allowed-signers)",
    );
    expect(keyBindingBroken(s.keys, 'BOB', 'SHA256:d')).toBe(
      'BOB used key SHA256:b earlier in this session (journal #1); this key is SHA256:d: one person signs with one key ' +
        '(trust on first use). Use that key, or name the team in an allowed_signers file (--allowed-signers)',
    );
    // an unsigned act binds nothing
    expect(bindKey(s.keys, 'erin', undefined, 9)).toBe(s.keys);
  });
});

describe('what a final decision rests on (decisionBasis)', () => {
  const statement = (by: string) => ({ path: `signoffs/${by}.json`, sha256: 'x', sigPath: `signoffs/${by}.json.sig`, sigSha256: 'y', keyFingerprint: `SHA256:${by}` });
  const NOW = new Date('2026-11-27T12:00:00Z');

  it('lists waiting and stale sign-offs, waivers with their state, and what could not run; refuses a GO missing a sign-off', () => {
    const c = makeChecklist('/tmp/rt-reducer', [
      { id: 'r', check: cmd('true'), signoff: 'required' },
      { id: 'm', approvals: 2 },
      { id: 'o', check: cmd('true'), signoff: 'required', blocking: false },
      { id: 'w', check: cmd('true'), waiverApprovals: 1 },
      { id: 'p', check: cmd('true') },
      { id: 'q', check: cmd('true'), blocking: false },
    ]);
    const res = (item: string, verdict: 'pass' | 'fail', sha: string) =>
      ({ type: 'item.result' as const, data: { item, attempt: 1, verdict, summary: `${verdict} ${item}`, durationMs: 1, evidence: [{ path: `evidence/${item}/1.log`, sha256: sha, bytes: 1 }] } });
    let s = initialState(c);
    s = apply(s, c, res('r', 'pass', 'aa'));
    s = apply(s, c, { type: 'signoff', data: { item: 'r', decision: 'approve', comment: '', by: 'bob', evidence: ['aa'], statement: statement('bob') } });
    s = apply(s, c, res('r', 'pass', 'bb')); // bob's approval is now stale
    s = apply(s, c, { type: 'signoff', data: { item: 'm', decision: 'approve', comment: '', by: 'bob', evidence: [], statement: statement('bob') } });
    s = apply(s, c, res('o', 'pass', 'aa'));
    s = apply(s, c, res('w', 'fail', 'cc'));
    s = apply(s, c, { type: 'waiver', data: { item: 'w', reason: 'known CVE, patched Monday', expires: '2026-12-01', by: 'alice', evidence: ['cc'], statement: statement('alice') } });
    s = apply(s, c, res('q', 'fail', 'dd'));
    const b = decisionBasis(c, s, NOW);
    expect(b.lines).toEqual([
      'r waits for a sign-off',
      'r: the approve by bob (journal #1) is STALE: the item was re-run after it',
      'm waits for a sign-off (1 of 2 approvals)',
      'o waits for a sign-off (non-blocking)',
      'w waived by alice until 2026-12-01 (waiver #6) — awaits 1 more approval by someone else (0 of 1): known CVE, patched Monday',
      'w failed: fail w',
      'p has not run',
    ]);
    expect(b).toMatchObject({ decision: 'NO-GO', missing: ['r', 'm', 'o'] });
    expect(b.refusal).toBeUndefined();
    expect(b.alreadyDecided).toBeUndefined();

    // once everything passes or is waived: a GO still refused for the missing sign-offs; a plain waiver in one line
    const c0 = makeChecklist('/tmp/rt-reducer', [{ id: 'w', check: cmd('true') }, { id: 'r', check: cmd('true'), signoff: 'required', blocking: false }]);
    let g = initialState(c0);
    g = apply(g, c0, res('w', 'fail', 'cc'));
    g = apply(g, c0, { type: 'waiver', data: { item: 'w', reason: 'accepted', expires: '2026-12-01', by: 'alice', statement: statement('alice') } });
    g = apply(g, c0, res('r', 'pass', 'aa'));
    const gb = decisionBasis(c0, g, NOW);
    expect(gb.lines).toEqual(['w waived by alice until 2026-12-01: accepted', 'r waits for a sign-off (non-blocking)']);
    expect(gb).toMatchObject({ decision: 'GO', missing: ['r'], refusal: 'a final GO needs every required sign-off; missing: r' });
    // after the sign-off: recordable; once recorded with nothing changed since, already decided
    g = apply(g, c0, { type: 'signoff', data: { item: 'r', decision: 'approve', comment: '', by: 'bob', evidence: ['aa'], statement: statement('bob') } });
    expect(decisionBasis(c0, g, NOW)).toEqual({ decision: 'GO', lines: ['w waived by alice until 2026-12-01: accepted'], missing: [] });
    g = apply(g, c0, { type: 'decision', data: { decision: 'GO', deciding: [], final: true } });
    expect(decisionBasis(c0, g, NOW).alreadyDecided).toEqual({ decision: 'GO', seq: 12 }); // journal #12: the global counter of apply()
    // the waiver expired: its state is said, and the decision is NO-GO again
    const late = refresh(g, c0, new Date('2026-12-02T00:00:01Z'));
    expect(decisionBasis(c0, late, new Date('2026-12-02T00:00:01Z')).lines[0]).toBe('w waived by alice until 2026-12-01 (waiver #9) — EXPIRED: accepted');
  });

  it('INCOMPLETE is refused as final: only an interim report', () => {
    const c = makeChecklist('/tmp/rt-reducer', [{ id: 'a', check: cmd('true') }]);
    const b = decisionBasis(c, initialState(c), NOW);
    expect(b).toEqual({ decision: 'INCOMPLETE', lines: ['a has not run'], missing: [], refusal: 'the decision is INCOMPLETE: only an interim report can be written' });
  });
});
