/**
 * Scheduling and dependencies: which items of one run() call run, in what order, how many at once, and cancel.
 *
 * For each item asked for (in checklist order): a manual item is not run (it waits for a sign-off); otherwise wait
 * for its dependencies that run in the same call; if it was cancelled meanwhile → `item.skip` skipped; a dependency
 * that is not pass/waived (prerequisiteProblem) → `item.skip` blocked (never run); then take a concurrency slot
 * (one semaphore per call) and hand the job to `runItem` (the attempts of the item: item-attempts.ts).
 *
 * One item runs at most once at a time: an item already queued or running from another call (an operator's run, a
 * background watch run) is not run again by this one — this call's dependents wait for that run instead.
 *
 * Cancel marks a queued or running job with who cancelled it and aborts its current attempt's controller (set by
 * runItem while an attempt runs) with RunAbort('cancel'). Jobs stay known after their call ends (state 'done'), so a
 * late cancel of a finished item does nothing.
 */
import { allItems, type Checklist, type Item } from '../checklist/model.js';
import type { JournalEvent } from './events.js';
import { RunAbort } from './check-run.js';
import { prerequisiteProblem } from './session-state.js';
import type { Status } from './status.js';

export const DEFAULT_CONCURRENCY = 4;

/** one item of a run() call */
export interface Job {
  item: Item;
  state: 'queued' | 'running' | 'done';
  /** who cancelled it ("cancelled by alice …"), once cancelled */
  cancelled?: string;
  /** the controller of the attempt under way (set by runItem) */
  controller?: AbortController;
  /** what started it when not an operator (journaled on item.start): a background watch re-check */
  trigger?: 'watch';
}

export interface RunOptions {
  /** journaled on each item.start of the call: `watch` = a background re-check (regression watch) */
  trigger?: 'watch';
}

export interface SchedulerDeps {
  checklist: Checklist;
  /** checks run at once (default DEFAULT_CONCURRENCY) */
  concurrency?: number;
  /** the item's status in the store now */
  statusOf(id: string): Status | undefined;
  /** journal an event (item.skip) */
  record(e: Omit<JournalEvent, 'ts' | 'actor'>): Promise<void>;
  /** run the attempts of a job that holds a slot; journals its own outcome (a cancel during it too) */
  runItem(job: Job): Promise<void>;
  /** called once every job of a run() call has settled, before run() resolves or rejects */
  onSettled?(): void;
}

export interface Scheduler {
  run(itemIds: string[], o?: RunOptions): Promise<void>;
  /** the item is queued or running (from any call) */
  busy(itemId: string): boolean;
  /** cancel one queued/running item, or all of them when no id is given */
  cancel(itemId: string | undefined, who: string): void;
  /** ids of the jobs running now */
  running(): string[];
  /** journal that a cancelled job was skipped before (another of) its attempts started */
  cancelledSkip(job: Job): Promise<void>;
}

type Semaphore = { acquire(): Promise<void>; release(): void };

export function semaphore(n: number): Semaphore {
  let free = Math.max(1, n);
  const waiting: (() => void)[] = [];
  return {
    acquire: () =>
      new Promise<void>((resolve) => {
        if (free > 0) {
          free--;
          resolve();
        } else waiting.push(resolve);
      }),
    release: () => {
      const next = waiting.shift();
      if (next) next();
      else free++;
    },
  };
}

/** a manual item (no check, or kind manual) is never run: it waits for a sign-off */
export function isManual(item: Item): boolean {
  if (item.checks && Object.keys(item.checks).length) return false;
  return !item.check || item.check.kind === 'manual';
}

export function createScheduler(d: SchedulerDeps): Scheduler {
  const items = new Map(allItems(d.checklist).map((i) => [i.id, i]));
  const jobs = new Map<string, Job>();
  /** settles when the item's latest job is done */
  const doneOf = new Map<string, Promise<void>>();

  const cancelledSkip = (job: Job) =>
    d.record({ type: 'item.skip', data: { item: job.item.id, status: 'skipped', reason: job.cancelled ?? 'cancelled' } });

  return {
    cancelledSkip,
    async run(itemIds, o = {}) {
      const wanted = new Set(itemIds);
      const order = allItems(d.checklist)
        .map((i) => i.id)
        .filter((id) => wanted.has(id));
      for (const id of itemIds) if (!items.has(id)) throw new Error(`unknown item id "${id}"`);
      const sem = semaphore(d.concurrency ?? DEFAULT_CONCURRENCY);
      // the jobs of this call; an item another call is running keeps its job (dependents here wait for it)
      const finished = new Map<string, Promise<void>>();
      const resolvers = new Map<string, () => void>();
      const mine = new Map<string, Job>();
      for (const id of order) {
        const other = jobs.get(id);
        if (other && other.state !== 'done') {
          finished.set(id, doneOf.get(id)!);
          continue;
        }
        let resolve!: () => void;
        const done = new Promise<void>((r) => (resolve = r));
        finished.set(id, done);
        resolvers.set(id, resolve);
        doneOf.set(id, done);
        const job: Job = { item: items.get(id)!, state: 'queued', ...(o.trigger ? { trigger: o.trigger } : {}) };
        mine.set(id, job);
        jobs.set(id, job);
      }
      const task = async (id: string): Promise<void> => {
        const job = mine.get(id)!;
        const item = job.item;
        try {
          if (isManual(item)) return;
          const deps = item.dependsOn.filter((dep) => finished.has(dep) && dep !== id);
          await Promise.all(deps.map((dep) => finished.get(dep)!));
          if (job.cancelled) {
            await cancelledSkip(job);
            return;
          }
          const blockedBy = prerequisiteProblem(item, d.statusOf);
          if (blockedBy) {
            await d.record({ type: 'item.skip', data: { item: id, status: 'blocked', reason: blockedBy } });
            return;
          }
          await sem.acquire();
          try {
            if (job.cancelled) {
              await cancelledSkip(job);
              return;
            }
            job.state = 'running';
            await d.runItem(job);
          } finally {
            sem.release();
          }
        } finally {
          job.state = 'done';
          resolvers.get(id)!();
        }
      };
      const results = await Promise.allSettled([...mine.keys()].map(task));
      d.onSettled?.();
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
    cancel(itemId, who) {
      for (const [id, job] of jobs) {
        if (itemId && id !== itemId) continue;
        if (job.state === 'done' || job.cancelled) continue;
        job.cancelled = who;
        job.controller?.abort(new RunAbort('cancel', who));
      }
    },
    busy: (itemId) => {
      const job = jobs.get(itemId);
      return !!job && job.state !== 'done';
    },
    running() {
      return [...jobs.values()].filter((j) => j.state === 'running').map((j) => j.item.id);
    },
  };
}
