/**
 * Regression watch (src/engine/watch.ts): the schedule as a pure function, and the watch itself on a fake clock
 * (no sleeping) over the real session store and reducer. Its "runner" journals into the store what a watch run
 * journals (item.start with trigger watch, then the verdict the test gives), at the fake clock's time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Checklist, Item } from '../../src/checklist/model.js';
import type { CheckVerdict } from '../../src/engine/status.js';
import type { JournalEvent } from '../../src/engine/events.js';
import { createSessionStore, type SessionStore } from '../../src/engine/store.js';
import { createWatch, DEFAULT_WATCH_MS, watchSchedule, type WatchClock } from '../../src/engine/watch.js';
import { mutatingItem } from '../../src/engine/freshness.js';
import { cmd, makeChecklist } from './helpers/checklist.js';
import { startKubeApiServer, type KubeApiServer, type KubeObject } from '../../src/demo/servers/kube-api.js';
import { openSession } from '../../src/engine/session.js';
import { createRunner } from '../../src/engine/runner.js';
import { JOURNAL_FILE, readJournal } from '../../src/engine/journal.js';
import { loadFixtureObjects } from '../support/check-context.js';
import { signedBy } from '../support/session-fixtures.js';

const M = 60_000;
const T0 = Date.parse('2026-11-27T22:00:00Z');
const iso = (t: number) => new Date(t).toISOString();

function checklist(): Checklist {
  return makeChecklist('/tmp/rt-watch', [
    { id: 'own', check: cmd('true'), watchMs: 10 * M },
    { id: 'plain', check: cmd('true') },
    { id: 'mut', check: { ...cmd('drill'), mutating: true }, watchMs: 10 * M },
    { id: 'signed', check: cmd('true'), signoff: 'required', approvals: 1 },
    { id: 'signedOwn', check: cmd('true'), signoff: 'required', approvals: 1, watchMs: 5 * M },
    { id: 'human', check: { kind: 'manual', params: {} }, signoff: 'required', approvals: 1, watchMs: M },
  ]);
}

/** a clock the test moves: timers fire in time order as it advances */
function fakeClock(start: number): WatchClock & { advance(ms: number): Promise<void>; timers(): number[] } {
  let now = start;
  let timers: { at: number; fn: () => void }[] = [];
  return {
    now: () => now,
    setTimer(fn, ms) {
      const t = { at: now + ms, fn };
      timers.push(t);
      return () => (timers = timers.filter((x) => x !== t));
    },
    async advance(ms) {
      const end = now + ms;
      for (;;) {
        const t = timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
        if (!t) break;
        timers = timers.filter((x) => x !== t);
        now = t.at;
        t.fn();
        await flush();
      }
      now = end;
      await flush();
    },
    timers: () => timers.map((t) => t.at),
  };
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

let seq = 0;
function apply(store: SessionStore, e: Omit<JournalEvent, 'actor'>): void {
  store.apply({ actor: 'alice@example.com', ...e } as JournalEvent, seq++);
}
function result(store: SessionStore, item: string, verdict: CheckVerdict, t: number, attempt = 1): void {
  apply(store, {
    type: 'item.result',
    ts: iso(t),
    data: { item, attempt, verdict, summary: verdict === 'pass' ? '3/3 nodes Ready' : '2/3 nodes Ready (node-b NotReady)', durationMs: 5, evidence: [{ path: `evidence/${item}/${attempt}.log`, sha256: String(attempt).repeat(64), bytes: 1 }] },
  });
}

function setup(verdicts: CheckVerdict[] = []) {
  seq = 0;
  const c = checklist();
  const store = createSessionStore(c);
  const clock = fakeClock(T0);
  for (const id of ['own', 'plain', 'mut', 'signed', 'signedOwn']) result(store, id, 'pass', T0);
  for (const id of ['signed', 'signedOwn', 'human'])
    apply(store, { type: 'signoff', ts: iso(T0), data: { item: id, decision: 'approve', comment: '', by: 'bob@example.com', evidence: id === 'human' ? [] : ['1'.repeat(64)], ...signedBy('bob@example.com') } });
  const runs: { ids: string[]; at: number }[] = [];
  const busy = new Set<string>();
  let attempt = 1;
  const watch = createWatch({
    checklist: c,
    state: () => store.store.getState(),
    subscribe: (fn) => store.store.subscribe(fn),
    clock,
    isMutating: mutatingItem,
    busy: (id) => busy.has(id),
    async run(ids) {
      runs.push({ ids, at: clock.now() });
      attempt++;
      for (const id of ids) apply(store, { type: 'item.start', ts: iso(clock.now()), data: { item: id, attempt, describe: 'x', trigger: 'watch' } });
      await flush();
      for (const id of ids) result(store, id, verdicts.shift() ?? 'pass', clock.now(), attempt);
    },
  });
  return { c, store, clock, watch, runs, busy };
}

describe('watchSchedule', () => {
  it('passed non-mutating automated items with their own watch; under W the others that need no sign-off, at the default interval', () => {
    const { c, store, watch } = setup();
    watch.stop();
    const s = store.store.getState();
    const own = watchSchedule(s, c, { all: false, isMutating: mutatingItem });
    expect(own).toEqual([
      { item: 'own', everyMs: 10 * M, nextAt: T0 + 10 * M, own: true },
      { item: 'signedOwn', everyMs: 5 * M, nextAt: T0 + 5 * M, own: true },
    ]);
    const all = watchSchedule(s, c, { all: true, isMutating: mutatingItem });
    expect(all.map((e) => [e.item, e.everyMs])).toEqual([
      ['own', 10 * M],
      ['plain', DEFAULT_WATCH_MS],
      ['signedOwn', 5 * M],
    ]);
    // a run the watch started that brought no result is not retried before its interval has passed again
    const later = watchSchedule(s, c, { all: false, isMutating: mutatingItem, lastStarted: new Map([['own', T0 + 10 * M]]) });
    expect(later[0]!.nextAt).toBe(T0 + 20 * M);
  });

  it('nothing is watched once the session is closed, or while a final decision stands for the journal as it is', () => {
    const { c, store, watch } = setup();
    watch.stop();
    const s = store.store.getState();
    const isMutating = (i: Item) => mutatingItem(i);
    expect(watchSchedule({ ...s, closed: true }, c, { all: true, isMutating })).toEqual([]);
    expect(watchSchedule({ ...s, finalDecision: { decision: 'GO', ts: iso(T0), seq: s.lastChange + 1 } }, c, { all: true, isMutating })).toEqual([]);
    // a change after the final decision (it must be taken again): watched again
    expect(watchSchedule({ ...s, finalDecision: { decision: 'GO', ts: iso(T0), seq: s.lastChange - 1 } }, c, { all: false, isMutating })).toHaveLength(2);
  });
});

describe('createWatch (fake clock)', () => {
  it('re-checks a passed item every interval from its last result; a re-check that fails flips it, marks the regression and the decision follows', async () => {
    const { store, clock, watch, runs } = setup(['pass', 'fail']);
    expect(store.store.getState().decision).toBe('GO');
    expect(clock.timers()).toEqual([T0 + 5 * M]); // signedOwn first
    await clock.advance(5 * M - 1);
    expect(runs).toEqual([]);
    await clock.advance(1);
    expect(runs).toEqual([{ ids: ['signedOwn'], at: T0 + 5 * M }]); // passes again (verdict 1)
    const st = store.store.getState().items['signedOwn']!;
    expect(st).toMatchObject({ status: 'needs-signoff', trigger: 'watch' }); // its approval was on the evidence replaced
    expect(st.regression).toBeUndefined();
    // signedOwn no longer passes (it needs a new approval): not watched; own is due at T0+10m and fails
    await clock.advance(5 * M);
    expect(runs.map((r) => [r.ids, r.at - T0])).toEqual([
      [['signedOwn'], 5 * M],
      [['own'], 10 * M],
    ]);
    const own = store.store.getState().items['own']!;
    expect(own.status).toBe('fail');
    expect(own.regression).toMatchObject({ ts: iso(T0 + 10 * M), verdict: 'fail', summary: '2/3 nodes Ready (node-b NotReady)' });
    expect(store.store.getState().decision).toBe('NO-GO');
    expect(watch.schedule()).toEqual([]);
    expect(clock.timers()).toEqual([]);
    watch.stop();
  });

  it('while a watch run is under way the item stays PASS (the decision does not flicker); an operator run that passes clears the regression', async () => {
    const { store, clock, watch } = setup(['pass', 'fail']);
    let during: string | undefined;
    const unsub = store.store.subscribe((s) => {
      if (s.items['own']!.running) during ??= `${s.items['own']!.status} ${s.decision}`;
    });
    await clock.advance(10 * M);
    unsub();
    expect(during).toBe('pass INCOMPLETE'); // signedOwn lost its approval at 5m; own itself still PASS while re-checked
    expect(store.store.getState().items['own']!.regression?.verdict).toBe('fail');
    apply(store, { type: 'item.start', ts: iso(clock.now()), data: { item: 'own', attempt: 9, describe: 'x' } });
    expect(store.store.getState().items['own']!.status).toBe('running');
    result(store, 'own', 'pass', clock.now(), 9);
    expect(store.store.getState().items['own']!.regression).toBeUndefined();
    watch.stop();
  });

  it('never overlaps an operator run: a due item busy in the runner is left to that run, and rescheduled from its result', async () => {
    const { store, clock, watch, runs, busy } = setup();
    busy.add('own');
    apply(store, { type: 'item.start', ts: iso(T0 + 9 * M), data: { item: 'own', attempt: 5, describe: 'x' } }); // operator
    await clock.advance(10 * M);
    expect(runs.filter((r) => r.ids.includes('own'))).toEqual([]);
    busy.delete('own');
    result(store, 'own', 'pass', T0 + 11 * M, 5);
    expect(watch.schedule().find((e) => e.item === 'own')!.nextAt).toBe(T0 + 21 * M);
    await clock.advance(11 * M);
    expect(runs.filter((r) => r.ids.includes('own')).map((r) => r.at - T0)).toEqual([21 * M]);
    watch.stop();
  });

  it('W watches the other passed items at the default interval; off again, only the items with their own watch', async () => {
    const { store, clock, watch, runs } = setup();
    await clock.advance(DEFAULT_WATCH_MS - 1);
    // W is journaled (a note with `watch`): the watch follows the state, as every TUI of the session does
    const w = (on: boolean) => apply(store, { type: 'note', ts: iso(T0), data: { text: `watch ${on ? 'on' : 'off'}`, by: 'alice@example.com', watch: on ? 'on' : 'off' } });
    w(true);
    expect(store.store.getState().watchAll).toBe(true);
    expect(watch.schedule().map((e) => e.item)).toContain('plain');
    await clock.advance(1);
    expect(runs.map((r) => r.ids).flat()).toEqual(['signedOwn', 'own', 'plain']);
    w(false);
    expect(store.store.getState().watchAll).toBe(false);
    await clock.advance(DEFAULT_WATCH_MS);
    expect(runs.map((r) => r.ids).flat()).toEqual(['signedOwn', 'own', 'plain', 'own']);
    expect(watch.schedule().map((e) => e.item)).toEqual(['own']);
    watch.stop();
    expect(clock.timers()).toEqual([]);
  });

  it('stops watching once a final decision is recorded', async () => {
    const { store, clock, watch, runs } = setup();
    apply(store, { type: 'decision', ts: iso(T0 + M), data: { decision: 'GO', deciding: [], final: true } });
    await clock.advance(30 * M);
    expect(runs).toEqual([]);
    expect(watch.schedule()).toEqual([]);
    watch.stop();
  });
});

describe('a watched item regresses against the loopback kube API (real runner, real journal)', () => {
  type Node = KubeObject & { metadata: { name: string }; status: { conditions: { type: string; status: string; reason?: string }[] } };
  // the real sonobuoy capture: kind-control-plane and kind-worker2 Ready, kind-worker NotReady (KubeletNotReady)
  const captured = (loadFixtureObjects('kubernetes-nodes/sonobuoy-kind-3nodes-1notready.json')[0] as { items: Node[] }).items;
  const node = (name: string) => structuredClone(captured.find((n) => n.metadata.name === name)!);
  let server: KubeApiServer;
  let dir: string;
  beforeAll(async () => {
    server = await startKubeApiServer({ objects: [node('kind-control-plane'), node('kind-worker2')] });
    dir = await mkdtemp(path.join(os.tmpdir(), 'rt-watch-kube-'));
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('nodes ready passes, kind-worker2 goes NotReady, the next watch run (trigger watch) fails it and the decision flips GO → NO-GO', async () => {
    const kubeconfig = server.writeKubeconfig(dir, 'kind-kind');
    const c = makeChecklist(dir, [{ id: '1.1', title: 'Nodes ready', check: { kind: 'kubernetes.nodes-ready', params: { min: 2 } }, watchMs: 10 * M }]);
    const session = await openSession({ checklist: c, stateDir: path.join(dir, 'state'), mode: 'tui', vars: {}, secretVars: [], operator: 'alice@example.com', owner: true });
    try {
      const runner = createRunner({ session, env: { ...process.env, KUBECONFIG: kubeconfig } });
      await runner.run(['1.1']); // the operator's run
      const live = session.store.store;
      expect(live.getState().items['1.1']!.result?.summary).toBe('2/2 nodes Ready (min 2)');
      expect(live.getState().decision).toBe('GO');

      const clock = fakeClock(Date.now());
      const watchRuns: Promise<void>[] = [];
      const watch = createWatch({
        checklist: c,
        state: () => live.getState(),
        subscribe: (fn) => live.subscribe(fn),
        clock,
        isMutating: (it) => runner.isMutating(it.id),
        busy: (id) => runner.busy(id),
        run: (ids) => {
          const p = runner.run(ids, { trigger: 'watch' });
          watchRuns.push(p);
          return p;
        },
      });
      const checked = Date.parse(live.getState().items['1.1']!.checkedAt!);
      expect(watch.schedule()).toEqual([{ item: '1.1', everyMs: 10 * M, nextAt: checked + 10 * M, own: true }]);

      // the node goes NotReady (its Ready condition as the capture has it for kind-worker)
      const worker2 = node('kind-worker2');
      worker2.status.conditions = worker2.status.conditions.map((cond) => (cond.type === 'Ready' ? node('kind-worker').status.conditions.find((x) => x.type === 'Ready')! : cond));
      server.put(worker2);
      await clock.advance(10 * M - 1 - (clock.now() - checked));
      expect(watchRuns).toHaveLength(0);
      await clock.advance(1);
      expect(watchRuns).toHaveLength(1);
      await watchRuns[0];

      const s = live.getState();
      expect(s.items['1.1']!.status).toBe('fail');
      expect(s.items['1.1']!.regression).toMatchObject({ verdict: 'fail', summary: '1/2 nodes Ready (min 2)' });
      expect(s.decision).toBe('NO-GO');
      expect(s.deciding).toEqual([{ item: '1.1', status: 'fail' }]);
      expect(watch.schedule()).toEqual([]); // a failed item is not watched: it needs a person
      watch.stop();

      // the journal says it as a watcher replaying it would read it: the second start was the watch's
      const recs = (await readJournal(path.join(session.dir, JOURNAL_FILE))).records.filter((r) => r.type.startsWith('item.'));
      expect(recs.map((r) => [r.type, (r.data as { trigger?: string; verdict?: string }).trigger ?? (r.data as { verdict?: string }).verdict ?? ''])).toEqual([
        ['item.start', ''],
        ['item.result', 'pass'],
        ['item.start', 'watch'],
        ['item.result', 'fail'],
      ]);
      expect(JSON.stringify(recs[3]!.data)).toContain('kind-worker2');
    } finally {
      await session.close();
    }
  });
});
