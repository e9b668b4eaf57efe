/**
 * Scheduling and dependencies: which items of one run() call run, in what order, how many at once, and cancel.
 *
 * For each item asked for (in checklist order): a manual item is not run (it waits for a sign-off); otherwise wait
 * for its dependencies that run in the same call; if it was cancelled meanwhile → `item.skip` skipped; a dependency
 * that is not pass/waived (prerequisiteProblem) → `item.skip` blocked (never run); then take a concurrency slot
 * (one semaphore per call) and hand the job to `runItem` (the attempts of the item: item-attempts.ts).
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
  run(itemIds: string[]): Promise<void>;
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

  const cancelledSkip = (job: Job) =>
    d.record({ type: 'item.skip', data: { item: job.item.id, status: 'skipped', reason: job.cancelled ?? 'cancelled' } });

  return {
    cancelledSkip,
    async run(itemIds) {
      const wanted = new Set(itemIds);
      const order = allItems(d.checklist)
        .map((i) => i.id)
        .filter((id) => wanted.has(id));
      for (const id of itemIds) if (!items.has(id)) throw new Error(`unknown item id "${id}"`);
      const sem = semaphore(d.concurrency ?? DEFAULT_CONCURRENCY);
      const finished = new Map<string, { promise: Promise<void>; resolve: () => void }>();
      for (const id of order) {
        let resolve!: () => void;
        const promise = new Promise<void>((r) => (resolve = r));
        finished.set(id, { promise, resolve });
        jobs.set(id, { item: items.get(id)!, state: 'queued' });
      }
      const task = async (id: string): Promise<void> => {
        const job = jobs.get(id)!;
        const item = job.item;
        try {
          if (isManual(item)) return;
          const deps = item.dependsOn.filter((dep) => finished.has(dep) && dep !== id);
          await Promise.all(deps.map((dep) => finished.get(dep)!.promise));
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
          finished.get(id)!.resolve();
        }
      };
      const results = await Promise.allSettled(order.map(task));
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
    running() {
      return [...jobs.values()].filter((j) => j.state === 'running').map((j) => j.item.id);
    },
  };
}
