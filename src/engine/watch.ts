/**
 * Regression watch: while the driver's TUI is open, passed non-mutating automated items are re-checked in the
 * background on a schedule — an item's `watch:` (or its block's, or the checklist's), or, with the session-wide
 * watch on (W), every such item that needs no sign-off at DEFAULT_WATCH_MS. A watch run goes through the runner like
 * any run, journaled with `trigger: watch` on its item.start; a result that no longer passes flips the item, the
 * reducer marks the regression (session-state.ts) and the decision follows.
 *
 * The schedule is a pure function of the state and a clock (watchSchedule): an item's next run is its last result
 * plus its interval, so an operator's run moves it too. createWatch arms one timer for the earliest next run (the
 * clock is injected: tests use a fake one), re-arms on every change of the items, and starts the due items in one
 * runner call. An item busy in the runner (an operator's run of it, queued or running) is left to that run; the
 * runner never runs one item twice at once either. Nothing is watched once the session is closed or a final decision
 * stands for the journal as it is (the watch is "until the decision").
 */
import { allItems, isAutomated, type Checklist, type Item } from '../checklist/model.js';
import type { SessionState } from './session-state.js';

export const DEFAULT_WATCH_MS = 10 * 60_000;

export interface WatchEntry {
  item: string;
  /** how often it is re-checked (ms) */
  everyMs: number;
  /** when its next watch run is due (epoch ms) */
  nextAt: number;
  /** it was put on the schedule by its own (or its block's / checklist's) `watch:`, not by the session-wide W */
  own: boolean;
}

export interface ScheduleOptions {
  /** the session-wide watch (W): every passed non-mutating automated item that needs no sign-off */
  all: boolean;
  /** the interval under W for items without their own `watch:` (default DEFAULT_WATCH_MS) */
  defaultMs?: number;
  /** true when the item changes the environment: never watched */
  isMutating(item: Item): boolean;
  /** when the watch last started each item (epoch ms): a run that brought no result is not retried at once */
  lastStarted?: ReadonlyMap<string, number>;
}

/** The final decision stands for the journal as it is (recorded after the last change): nothing is watched. */
export function decided(s: SessionState): boolean {
  return !!s.finalDecision && s.finalDecision.seq > s.lastChange;
}

/**
 * The items the watch re-checks and when each runs next, in checklist order. Watched: an automated, non-mutating item
 * whose status is PASS (from its check: a result that passed), with its own `watch:` interval or — under W — the
 * default one when it needs no sign-off (a re-check replaces the evidence its approvals were bound to).
 */
export function watchSchedule(s: SessionState, checklist: Checklist, o: ScheduleOptions): WatchEntry[] {
  if (s.closed || decided(s)) return [];
  const out: WatchEntry[] = [];
  for (const it of allItems(checklist)) {
    const st = s.items[it.id];
    const own = it.watchMs !== undefined;
    const everyMs = it.watchMs ?? (o.all && it.signoff !== 'required' ? (o.defaultMs ?? DEFAULT_WATCH_MS) : undefined);
    if (!st || everyMs === undefined || !isAutomated(it) || st.status !== 'pass' || st.result?.verdict !== 'pass') continue;
    const checked = st.checkedAt ? Date.parse(st.checkedAt) : NaN;
    if (!Number.isFinite(checked) || o.isMutating(it)) continue;
    const tried = o.lastStarted?.get(it.id);
    const nextAt = Math.max(checked, tried ?? -Infinity) + everyMs;
    out.push({ item: it.id, everyMs, nextAt, own });
  }
  return out;
}

/** The clock the watch runs on (tests pass a fake one). */
export interface WatchClock {
  now(): number;
  /** call fn after ms; returns the function that cancels it */
  setTimer(fn: () => void, ms: number): () => void;
}

export const systemClock: WatchClock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.min(Math.max(0, ms), 2 ** 31 - 1));
    t.unref();
    return () => clearTimeout(t);
  },
};

export interface WatchDeps {
  checklist: Checklist;
  /** the live session state and its changes (the session store's zustand store) */
  state(): SessionState;
  subscribe(listener: (s: SessionState, prev: SessionState) => void): () => void;
  clock?: WatchClock;
  isMutating(item: Item): boolean;
  /** the item is queued or running in the runner (an operator's run): the watch leaves it to that run */
  busy(itemId: string): boolean;
  /** run these items as watch runs (runner.run(ids, { trigger: 'watch' })) */
  run(itemIds: string[]): Promise<void>;
  /** the interval under W (default DEFAULT_WATCH_MS) */
  defaultMs?: number;
  /** a watch run that failed to start (the runner could not load …) */
  onError?(err: unknown): void;
}

export interface Watch {
  /** the schedule now (what the screens show as "next run at …") */
  schedule(): WatchEntry[];
  /** stop watching (no timer left, no new run; runs under way finish) */
  stop(): void;
}

export function createWatch(d: WatchDeps): Watch {
  const clock = d.clock ?? systemClock;
  let stopped = false;
  let cancelTimer: (() => void) | undefined;
  let armedFor = Infinity;
  const lastStarted = new Map<string, number>();
  const inFlight = new Set<string>();

  // whether an item changes the environment does not change during a session: asked once per item
  const mutating = new Map<string, boolean>();
  const isMutating = (it: Item) => {
    let m = mutating.get(it.id);
    if (m === undefined) mutating.set(it.id, (m = d.isMutating(it)));
    return m;
  };
  // the session-wide watch (W) is the state's: the driver turns it on or off by journaling it (a note with `watch`)
  const schedule = () => {
    const s = d.state();
    return watchSchedule(s, d.checklist, { all: s.watchAll, defaultMs: d.defaultMs, isMutating, lastStarted });
  };

  const arm = (): void => {
    if (stopped) return;
    const now = clock.now();
    const waiting = schedule().filter((e) => !inFlight.has(e.item));
    const due = waiting.filter((e) => e.nextAt <= now && !d.busy(e.item)).map((e) => e.item);
    if (due.length) start(due, now);
    // the next instant something is due (an item busy in an operator's run re-arms when its result arrives)
    const next = Math.min(...waiting.filter((e) => !due.includes(e.item) && e.nextAt > now).map((e) => e.nextAt));
    if (next === armedFor) return;
    cancelTimer?.();
    cancelTimer = undefined;
    armedFor = next;
    if (next !== Infinity) {
      cancelTimer = clock.setTimer(() => {
        cancelTimer = undefined;
        armedFor = Infinity;
        arm();
      }, next - now);
    }
  };

  const start = (ids: string[], now: number): void => {
    for (const id of ids) {
      inFlight.add(id);
      lastStarted.set(id, now);
    }
    void d
      .run(ids)
      .catch((err: unknown) => d.onError?.(err))
      .finally(() => {
        for (const id of ids) inFlight.delete(id);
        arm();
      });
  };

  const unsubscribe = d.subscribe((s, prev) => {
    if (s.items !== prev.items || s.watchAll !== prev.watchAll || s.finalDecision !== prev.finalDecision || s.closed !== prev.closed) arm();
  });
  arm();

  return {
    schedule,
    stop() {
      stopped = true;
      unsubscribe();
      cancelTimer?.();
      cancelTimer = undefined;
    },
  };
}
