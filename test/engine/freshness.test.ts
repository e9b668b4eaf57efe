/** Evidence freshness: a result older than its maxAge is STALE in the one reducer, at the clock it is given. */
import { describe, expect, it } from 'vitest';
import type { Checklist } from '../../src/checklist/model.js';
import type { JournalEvent } from '../../src/engine/events.js';
import { freshness, nextTimeChange, reverifyPlan } from '../../src/engine/freshness.js';
import { initialState, reduce, refresh, type SessionState } from '../../src/engine/session-state.js';
import { cmd, makeChecklist } from './helpers/checklist.js';
import { signedBy } from '../support/session-fixtures.js';

const H = 3_600_000;
const T0 = Date.parse('2026-11-27T22:00:00Z');
const at = (ms: number) => new Date(T0 + ms);

function checklist(): Checklist {
  return makeChecklist('/tmp/rt-fresh', [
    { id: 'a', check: cmd('true'), maxAgeMs: 2 * H },
    { id: 'b', check: cmd('true'), maxAgeMs: 4 * H },
    { id: 'm', check: { ...cmd('drill'), mutating: true }, maxAgeMs: 2 * H },
    { id: 'n', check: cmd('true'), maxAgeMs: H, blocking: false },
    { id: 'forever', check: cmd('true') },
    { id: 'human', check: { kind: 'manual', params: {} }, signoff: 'required', approvals: 1, maxAgeMs: H },
  ]);
}

function play(c: Checklist, events: [number, Ev][]): SessionState {
  let s = initialState(c);
  events.forEach(([ms, e], seq) => {
    s = reduce(s, { ...e, ts: at(ms).toISOString(), actor: 'alice' } as JournalEvent, seq, c);
  });
  return s;
}
type Ev = Omit<JournalEvent, 'ts' | 'actor'>;
const pass = (item: string, sha = 'ab'): Ev => ({
  type: 'item.result',
  data: { item, attempt: 1, verdict: 'pass', summary: 'ok', durationMs: 5, evidence: [{ path: `evidence/${item}/1.log`, sha256: sha.repeat(32), bytes: 1 }] },
});

/** every item passed at T0 (the manual one approved) */
function allPassed(c: Checklist): SessionState {
  return play(c, [
    ...['a', 'b', 'm', 'n', 'forever'].map((id) => [0, pass(id)] as [number, Ev]),
    [0, { type: 'signoff', data: { item: 'human', decision: 'approve', comment: '', by: 'bob', evidence: [], ...signedBy('bob') } }],
  ]);
}

describe('freshness', () => {
  it('fresh until maxAge, STALE one instant after; a GO becomes INCOMPLETE listing the stale blocking items', () => {
    const c = checklist();
    const s = allPassed(c);
    expect(s.decision).toBe('GO');
    expect(s.items.a).toMatchObject({ checkedAt: at(0).toISOString(), stale: false });

    const edge = refresh(s, c, at(H));
    expect(edge.items.n!.stale).toBe(false); // exactly maxAge old is still fresh
    expect(edge.decision).toBe('GO');

    const late = refresh(s, c, at(2 * H + 1));
    expect(Object.values(late.items).filter((i) => i.stale).map((i) => i.id)).toEqual(['a', 'm', 'n']);
    expect(late.items.a!.status).toBe('pass'); // the verdict stands; its evidence is old
    expect(late.decision).toBe('INCOMPLETE');
    // the non-blocking item is stale but does not decide
    expect(late.deciding).toEqual([
      { item: 'a', status: 'pass', stale: true },
      { item: 'm', status: 'pass', stale: true },
    ]);
    expect(freshness(c.blocks[0]!.items[0]!, late.items.a!, at(2 * H + 1))).toEqual({ ageMs: 2 * H + 1, maxAgeMs: 2 * H, staleAt: T0 + 2 * H, stale: true });
  });

  it('a re-run makes the item fresh again; a failure decides NO-GO whatever its age', () => {
    const c = checklist();
    let s = allPassed(c);
    s = reduce(s, { ...pass('a'), ts: at(3 * H).toISOString(), actor: 'alice' } as JournalEvent, 10, c);
    s = reduce(s, { ...pass('m'), ts: at(3 * H).toISOString(), actor: 'alice' } as JournalEvent, 11, c);
    expect(s.items.a).toMatchObject({ stale: false, checkedAt: at(3 * H).toISOString() });
    expect(s.decision).toBe('GO');
    const failed: Ev = { type: 'item.result', data: { item: 'b', attempt: 2, verdict: 'fail', summary: 'bad', durationMs: 1, evidence: [] } };
    s = reduce(s, { ...failed, ts: at(3 * H).toISOString(), actor: 'alice' } as JournalEvent, 12, c);
    expect(refresh(s, c, at(9 * H)).decision).toBe('NO-GO');
  });

  it('replay decides at each event\'s own time: a decision recorded late sees the stale evidence', () => {
    const c = checklist();
    const s = play(c, [
      ...['a', 'b', 'm', 'n', 'forever'].map((id) => [0, pass(id)] as [number, Ev]),
      [0, { type: 'signoff', data: { item: 'human', decision: 'approve', comment: '', by: 'bob', evidence: [], ...signedBy('bob') } }],
      [5 * H, { type: 'note', data: { text: 'coffee', by: 'alice' } }],
    ]);
    expect(s.decision).toBe('INCOMPLETE');
    expect(s.deciding.map((d) => d.item)).toEqual(['a', 'b', 'm']);
  });

  it('manual, waived and never-run items do not go stale; items without maxAge never do', () => {
    const c = checklist();
    let s = allPassed(c);
    s = reduce(s, { type: 'waiver', data: { item: 'a', reason: 'r', expires: at(30 * H).toISOString(), by: 'bob' }, ts: at(1).toISOString(), actor: 'bob' }, 20, c);
    const late = refresh(s, c, at(24 * H));
    expect(late.items.human!.stale).toBe(false);
    expect(late.items.forever!.stale).toBe(false);
    expect(late.items.a).toMatchObject({ status: 'waived', stale: false });
    expect(refresh(initialState(c), c, at(24 * H)).items.a!.stale).toBe(false);
  });

  it('nextTimeChange: the earliest stale or waiver expiry after now, Infinity when none', () => {
    const c = checklist();
    const s = allPassed(c);
    expect(nextTimeChange(s, c, at(0))).toBe(T0 + H + 1);
    expect(nextTimeChange(s, c, at(H + 1))).toBe(T0 + 2 * H + 1);
    expect(nextTimeChange(s, c, at(4 * H + 1))).toBe(Infinity);
    const w = reduce(s, { type: 'waiver', data: { item: 'forever', reason: 'r', expires: at(30 * H).toISOString(), by: 'bob' }, ts: at(1).toISOString(), actor: 'bob' }, 20, c);
    expect(nextTimeChange(w, c, at(5 * H))).toBe(T0 + 30 * H + 1);
  });

  it('reverifyPlan: exactly the stale items (or stale within N), non-mutating apart from mutating', () => {
    const c = checklist();
    const s = allPassed(c);
    expect(reverifyPlan(s, c, at(30 * 60_000))).toEqual({ safe: [], mutating: [] });
    expect(reverifyPlan(s, c, at(H + 1))).toEqual({ safe: ['n'], mutating: [] });
    expect(reverifyPlan(s, c, at(H + 1), 60 * 60_000)).toEqual({ safe: ['a', 'n'], mutating: ['m'] });
    expect(reverifyPlan(s, c, at(3 * H + 1), 60 * 60_000)).toEqual({ safe: ['a', 'b', 'n'], mutating: ['m'] });
    // an item being re-run is not planned twice
    const running = reduce(s, { type: 'item.start', data: { item: 'a', attempt: 2, describe: 'true' }, ts: at(3 * H).toISOString(), actor: 'alice' }, 30, c);
    expect(reverifyPlan(running, c, at(3 * H + 1)).safe).toEqual(['n']);
  });
});
