/**
 * Scheduling and dependencies (src/engine/scheduler.ts) on their own: a real session journals what the scheduler
 * records and gives the statuses it reads; each item's "attempt" is a runItem that journals its start and its
 * verdict when the test releases it — so order, concurrency, blocked dependents and cancel are seen without checks.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JournalEvent } from '../../src/engine/events.js';
import { RunAbort } from '../../src/engine/check-run.js';
import { createScheduler, isManual, semaphore, type Job, type Scheduler } from '../../src/engine/scheduler.js';
import { openSession } from '../../src/engine/session.js';
import { JOURNAL_FILE, readJournal } from '../../src/engine/journal.js';
import type { Session } from '../../src/engine/session-api.js';
import type { CheckVerdict } from '../../src/engine/status.js';
import { cmd, makeChecklist, type ItemInput } from './helpers/checklist.js';

let dir: string;
let session: Session;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rt-scheduler-'));
});
afterEach(async () => {
  await session?.close().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

/** a deferred verdict per item: the item's attempt ends when the test settles it */
interface Gate {
  started: Promise<Job>;
  settle(v: CheckVerdict): void;
}

async function setup(items: ItemInput[], concurrency?: number) {
  const checklist = makeChecklist(dir, items);
  session = await openSession({ checklist, stateDir: path.join(dir, 'state'), mode: 'ci', vars: {}, secretVars: [], operator: 'alice@example.com', owner: true });
  const record = async (e: Omit<JournalEvent, 'ts' | 'actor'>) => {
    await session.record(e as JournalEvent);
  };
  const gates = new Map<string, Gate>();
  const started = new Map<string, (j: Job) => void>();
  const verdict = new Map<string, Promise<CheckVerdict>>();
  for (const i of items) {
    let settle!: (v: CheckVerdict) => void;
    verdict.set(i.id, new Promise((r) => (settle = r)));
    gates.set(i.id, { started: new Promise((r) => started.set(i.id, r)), settle });
  }
  let settledCalls = 0;
  const scheduler: Scheduler = createScheduler({
    checklist,
    concurrency,
    statusOf: (id) => session.store.store.getState().items[id]?.status,
    record,
    onSettled: () => settledCalls++,
    async runItem(job) {
      const id = job.item.id;
      const controller = new AbortController();
      job.controller = controller;
      await record({ type: 'item.start', data: { item: id, attempt: 1, describe: 'test' } });
      const cancelled = new Promise<'cancelled'>((r) => controller.signal.addEventListener('abort', () => r('cancelled'), { once: true }));
      started.get(id)!(job);
      const out = await Promise.race([verdict.get(id)!, cancelled]);
      job.controller = undefined;
      if (out === 'cancelled') {
        const reason = controller.signal.reason as RunAbort;
        await record({ type: 'item.skip', data: { item: id, status: 'cancelled', reason: reason.detail, attempt: 1, durationMs: 0, evidence: [] } });
        return;
      }
      await record({ type: 'item.result', data: { item: id, attempt: 1, verdict: out, summary: out, durationMs: 0, evidence: [] } });
    },
  });
  return { scheduler, gates, settledCalls: () => settledCalls };
}
const statusOf = (id: string) => session.store.store.getState().items[id]?.status;

describe('semaphore', () => {
  it('lets n holders in at once and the next waiter in on each release, in order', async () => {
    const sem = semaphore(2);
    const order: number[] = [];
    await sem.acquire();
    await sem.acquire();
    const third = sem.acquire().then(() => order.push(3));
    const fourth = sem.acquire().then(() => order.push(4));
    await Promise.resolve();
    expect(order).toEqual([]);
    sem.release();
    await third;
    expect(order).toEqual([3]);
    sem.release();
    await fourth;
    expect(order).toEqual([3, 4]);
  });
});

describe('isManual', () => {
  it('an item without a check, or with a manual one, is manual; named checks are not', async () => {
    const cl = makeChecklist('/tmp', [{ id: 'a' }, { id: 'b', check: { kind: 'manual' } }, { id: 'c', check: cmd('true') }, { id: 'd', checks: { x: cmd('true') } }]);
    expect(cl.blocks[0]!.items.map(isManual)).toEqual([true, true, false, false]);
  });
});

describe('createScheduler', () => {
  it('runs at most `concurrency` items at once, in checklist order, and skips manual items', async () => {
    const { scheduler, gates } = await setup([{ id: 'a', check: cmd('x') }, { id: 'm' }, { id: 'b', check: cmd('x') }, { id: 'c', check: cmd('x') }], 2);
    const done = scheduler.run(['c', 'm', 'b', 'a']);
    await gates.get('a')!.started;
    await gates.get('b')!.started;
    expect(scheduler.running()).toEqual(['a', 'b']);
    gates.get('b')!.settle('pass');
    await gates.get('c')!.started;
    expect(scheduler.running().sort()).toEqual(['a', 'c']);
    gates.get('a')!.settle('fail');
    gates.get('c')!.settle('pass');
    await done;
    expect(scheduler.running()).toEqual([]);
    expect([statusOf('a'), statusOf('b'), statusOf('c')]).toEqual(['fail', 'pass', 'pass']);
    expect(statusOf('m')).toBe('needs-signoff');
    expect(session.store.store.getState().items['m']?.attempt ?? 0).toBe(0);
  });

  it('waits for dependencies in the same call; a dependent of an item that did not pass is blocked, never run', async () => {
    const { scheduler, gates, settledCalls } = await setup(
      [{ id: 'a', check: cmd('x') }, { id: 'b', check: cmd('x'), dependsOn: ['a'] }, { id: 'c', check: cmd('x'), dependsOn: ['b'] }],
      4,
    );
    const done = scheduler.run(['a', 'b', 'c']);
    await gates.get('a')!.started;
    expect(scheduler.running()).toEqual(['a']);
    gates.get('a')!.settle('pass');
    await gates.get('b')!.started;
    gates.get('b')!.settle('fail');
    await done;
    expect(settledCalls()).toBe(1);
    expect(statusOf('c')).toBe('blocked');
    const c = session.store.store.getState().items['c']!;
    expect(c.attempt ?? 0).toBe(0);
  });

  it('cancel() aborts the running attempt and skips a queued item; a later cancel of a finished item does nothing', async () => {
    const { scheduler, gates } = await setup([{ id: 'a', check: cmd('x') }, { id: 'b', check: cmd('x') }, { id: 'z', check: cmd('x') }], 1);
    const first = scheduler.run(['z']);
    await gates.get('z')!.started;
    gates.get('z')!.settle('pass');
    await first;
    const done = scheduler.run(['a', 'b']);
    await gates.get('a')!.started;
    scheduler.cancel(undefined, 'cancelled by alice@example.com');
    await done;
    expect(statusOf('a')).toBe('cancelled');
    expect(statusOf('b')).toBe('skipped');
    expect(statusOf('z')).toBe('pass');
    const items = session.store.store.getState().items;
    expect(items['b']?.skip?.reason).toBe('cancelled by alice@example.com');
  });

  it('cancel(id) touches only that item', async () => {
    const { scheduler, gates } = await setup([{ id: 'a', check: cmd('x') }, { id: 'b', check: cmd('x') }], 2);
    const done = scheduler.run(['a', 'b']);
    await gates.get('a')!.started;
    await gates.get('b')!.started;
    scheduler.cancel('b', 'cancelled by bob');
    gates.get('a')!.settle('pass');
    await done;
    expect([statusOf('a'), statusOf('b')]).toEqual(['pass', 'cancelled']);
  });

  it('an item runs at most once at a time: a second call (a watch run) leaves a busy item to the run under way, its dependents wait for it', async () => {
    const { scheduler, gates } = await setup([{ id: 'a', check: cmd('x') }, { id: 'b', check: cmd('x'), dependsOn: ['a'] }], 4);
    const operator = scheduler.run(['a']);
    const job = await gates.get('a')!.started;
    expect(job.trigger).toBeUndefined();
    expect(scheduler.busy('a')).toBe(true);
    const watch = scheduler.run(['a', 'b'], { trigger: 'watch' });
    await Promise.resolve();
    expect(scheduler.running()).toEqual(['a']); // b waits for the operator's run of a
    gates.get('a')!.settle('pass');
    const bJob = await gates.get('b')!.started;
    expect(bJob.trigger).toBe('watch');
    gates.get('b')!.settle('pass');
    await Promise.all([operator, watch]);
    expect(scheduler.busy('a')).toBe(false);
    const starts = (await readJournal(path.join(session.dir, JOURNAL_FILE))).records.filter((r) => r.type === 'item.start').map((r) => (r.data as { item: string }).item);
    expect(starts).toEqual(['a', 'b']);
  });

  it('an unknown id is an error before anything runs', async () => {
    const { scheduler, settledCalls } = await setup([{ id: 'a', check: cmd('x') }]);
    await expect(scheduler.run(['a', 'nope'])).rejects.toThrow('unknown item id "nope"');
    expect(scheduler.running()).toEqual([]);
    expect(settledCalls()).toBe(0);
    expect(session.store.store.getState().items['a']?.attempt ?? 0).toBe(0);
  });
});
