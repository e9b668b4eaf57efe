/**
 * The cutover clock against the plan, on a real store fed with journal events at fixed times and an injected `now`
 * (no timers, no sleeping): per-block time ran vs estimate, and a projected finish planned from a rehearsal's
 * durations when there is one, else from the estimates at the pace so far; idle time moves the finish out.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionStore } from '../../src/engine/store.js';
import { clock, projectionText, rehearsalPlan } from '../../src/ui/clock.js';
import { newLive, testChecklist, type EventFeed } from '../support/ui-fixture.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
let lives: SessionStore[] = [];
afterEach(() => {
  for (const l of lives) l.dispose();
  lives = [];
});

/** a session started at T0 (fixed), item results of a given duration */
const T0 = Date.parse('2026-03-01T22:00:00.000Z');
function session(): { live: SessionStore; feed: EventFeed; at: (ms: number) => string } {
  const { live, feed } = newLive(testChecklist());
  lives.push(live);
  const at = (ms: number) => new Date(T0 + ms).toISOString();
  feed.apply({ ...startEvent(), ts: at(0) } as never);
  return { live, feed, at };
}
function startEvent() {
  return {
    type: 'session.start',
    data: {
      sessionId: 's-real',
      checklist: { name: 'shop', title: 'Shop', path: '/tmp/test.yaml', sha256: '0'.repeat(64) },
      vars: {},
      secretVars: [],
      host: 'test',
      tool: { name: 'readiness-tui', version: '0.1.0', node: process.version },
      mode: 'tui',
    },
  };
}
function ran(feed: EventFeed, item: string, durationMs: number, ts: string, verdict = 'pass'): void {
  feed.apply({ type: 'item.start', data: { item, attempt: 1, describe: item }, ts } as never);
  feed.apply({ type: 'item.result', data: { item, attempt: 1, verdict, summary: verdict, durationMs, evidence: [] }, ts } as never);
}

describe('cutover clock', () => {
  // estimates of testChecklist: 0.1 30m, 0.2 2h, 0.3 15m (manual), 1.1 2h, 1.2 10m = 4h55m
  it('without a rehearsal: the estimates left, then scaled by the pace of what is done; per block ran vs estimate', () => {
    const { live, feed, at } = session();
    const c = live.checklist;
    let ck = clock(c, live.store.getState(), T0 + 5 * MIN);
    expect(ck).toMatchObject({ elapsedMs: 5 * MIN, estimateMs: 295 * MIN, basis: 'estimates', projectedMs: 300 * MIN, fromEstimates: 5, fromRehearsal: 0 });
    expect(projectionText(ck, T0)).toMatch(/^finish \d\d:\d\d: 5 items left by estimate \(no rehearsal\)$/);

    // 0.1 (30m estimated) took 60m: twice as slow, so what is left takes twice its estimate
    ran(feed, '0.1', 60 * MIN, at(60 * MIN));
    ck = clock(c, live.store.getState(), T0 + 60 * MIN);
    expect(ck.basis).toBe('pace');
    expect(ck.projectedMs).toBe(60 * MIN + 2 * (120 + 15 + 120 + 10) * MIN);
    expect(ck.blocks[0]).toMatchObject({ id: 'b0', actualMs: 60 * MIN, estimateMs: 165 * MIN, over: false });
    expect(ck.blocks[1]).toMatchObject({ id: 'b1', actualMs: 0, estimateMs: 130 * MIN, over: false });
    expect(ck.blocks[0]!.rehearsalMs).toBeUndefined();

    // nothing runs for 30 minutes: the clock moves on and the finish with it
    const later = clock(c, live.store.getState(), T0 + 90 * MIN);
    expect(later.elapsedMs).toBe(90 * MIN);
    expect(later.projectedMs! - ck.projectedMs!).toBe(30 * MIN);

    // a block whose checks ran longer than its estimate is over
    ran(feed, '1.2', 20 * MIN, at(100 * MIN));
    expect(clock(c, live.store.getState(), T0 + 100 * MIN).blocks[1]).toMatchObject({ actualMs: 20 * MIN, over: false });
    ran(feed, '1.1', 3 * HOUR, at(300 * MIN));
    expect(clock(c, live.store.getState(), T0 + 300 * MIN).blocks[1]).toMatchObject({ actualMs: 200 * MIN, estimateMs: 130 * MIN, over: true });
  });

  it("with a rehearsal: what is left takes what it took in the rehearsal; items it did not run keep their estimate (at the pace so far)", () => {
    // the rehearsal: a real store fed the same way, 0.1 took 10m, 0.2 40m, 1.1 50m (0.3 manual and 1.2 never ran)
    const reh = session();
    ran(reh.feed, '0.1', 10 * MIN, reh.at(10 * MIN));
    ran(reh.feed, '0.2', 40 * MIN, reh.at(50 * MIN));
    ran(reh.feed, '1.1', 50 * MIN, reh.at(100 * MIN), 'fail');
    const plan = rehearsalPlan('s-rehearsal', reh.live.store.getState());
    expect(plan.durations).toEqual({ '0.1': 10 * MIN, '0.2': 40 * MIN, '1.1': 50 * MIN });

    const { live, feed, at } = session();
    const c = live.checklist;
    let ck = clock(c, live.store.getState(), T0 + 2 * MIN, plan);
    expect(ck).toMatchObject({ basis: 'rehearsal', fromRehearsal: 3, fromEstimates: 2 });
    expect(ck.projectedMs).toBe(2 * MIN + (10 + 40 + 50) * MIN + (15 + 10) * MIN);
    expect(ck.blocks.map((b) => b.rehearsalMs)).toEqual([50 * MIN, 50 * MIN]);
    expect(projectionText(ck, T0, plan)).toMatch(/^finish \d\d:\d\d: 3 items as in rehearsal s-rehearsal, 2 by estimate$/);

    // 0.1 took 3m of its 30m estimate (pace 0.1: the items the rehearsal did not run get a tenth of their estimate);
    // 0.2 is running since minute 5: at minute 25 it has 20 of its 40 rehearsed minutes left
    ran(feed, '0.1', 3 * MIN, at(5 * MIN));
    feed.apply({ type: 'item.start', data: { item: '0.2', attempt: 1, describe: '0.2' }, ts: at(5 * MIN) } as never);
    ck = clock(c, live.store.getState(), T0 + 25 * MIN, plan);
    expect(ck.projectedMs).toBe(25 * MIN + 20 * MIN + 50 * MIN + (15 + 10) * MIN * 0.1);
    // idle: the same state ten minutes later finishes ten minutes later, except the running item eats into its share
    expect(clock(c, live.store.getState(), T0 + 35 * MIN, plan).projectedMs).toBe(ck.projectedMs);
  });

  it('a closed session\'s clock stops at its final decision; a checklist without estimates has no projection', () => {
    const { live, feed, at } = session();
    for (const id of ['0.1', '0.2', '1.1', '1.2']) ran(feed, id, MIN, at(MIN));
    feed.apply({ type: 'waiver', data: { item: '0.3', reason: 'r', expires: '2099-01-01', by: 'bob' }, ts: at(2 * MIN) } as never);
    const c = live.checklist;
    const ck = clock(c, live.store.getState(), T0 + 10 * MIN);
    // 0.2 needs a sign-off: it is not done and keeps its estimate at the pace so far
    expect(ck.fromEstimates).toBe(1);
    // the final decision at minute 20 and the session closed: its clock stopped there
    feed.apply({ type: 'decision', data: { decision: 'INCOMPLETE', deciding: [], final: true }, ts: at(20 * MIN) } as never);
    expect(clock(c, live.store.getState(), T0 + 50 * MIN).elapsedMs).toBe(50 * MIN);
    feed.apply({ type: 'session.close', data: { decision: 'INCOMPLETE' }, ts: at(21 * MIN) } as never);
    expect(clock(c, live.store.getState(), T0 + 50 * MIN).elapsedMs).toBe(20 * MIN);
    expect(clock(c, live.store.getState(), T0 + 500 * MIN).elapsedMs).toBe(20 * MIN);
    const bare = { ...c, blocks: c.blocks.map((b) => ({ ...b, items: b.items.map((i) => ({ ...i, estimateMs: undefined })) })) };
    const none = clock(bare, live.store.getState(), T0 + 10 * MIN);
    expect(none.projectedMs).toBeUndefined();
    expect(projectionText(none, T0)).toBe('no projected finish: the checklist gives no estimates');
  });
});
