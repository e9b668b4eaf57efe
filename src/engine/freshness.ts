/**
 * Evidence freshness (`maxAge` on an item, its block or the checklist): how old an automated item's latest result
 * is, when it turns stale, and which items a re-verify runs. Pure functions of the state and a clock; the reducer
 * (session-state.ts) marks stale items with them so the screen, `run --ci` and the report agree.
 */
import { allItems, isAutomated, type Checklist, type Item } from '../checklist/model.js';
import type { WaiverData } from './events.js';
import type { ItemState, SessionState } from './session-state.js';

/** When a waiver stops being in force (epoch ms of the first instant it is invalid), NaN for a bad expiry. */
export function waiverEnd(w: WaiverData): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(w.expires) ? Date.parse(w.expires + 'T23:59:59.999Z') + 1 : Date.parse(w.expires) + 1;
}

export interface Freshness {
  /** age of the latest result at `now` (undefined: no result) */
  ageMs?: number;
  /** the item's maxAge (undefined: its evidence never goes stale) */
  maxAgeMs?: number;
  /** when the result turns (or turned) stale, epoch ms */
  staleAt?: number;
  stale: boolean;
}

/**
 * How old an automated item's latest result is at `now`, against its maxAge. Manual items (their evidence is the
 * sign-off) and waived items never go stale.
 */
export function freshness(item: Item, st: ItemState, now: Date): Freshness {
  const t = st.checkedAt ? Date.parse(st.checkedAt) : NaN;
  if (!Number.isFinite(t) || !isAutomated(item)) return { stale: false, maxAgeMs: item.maxAgeMs };
  const ageMs = Math.max(0, now.getTime() - t);
  if (item.maxAgeMs === undefined || st.status === 'waived') return { ageMs, maxAgeMs: item.maxAgeMs, stale: false };
  const staleAt = t + item.maxAgeMs;
  return { ageMs, maxAgeMs: item.maxAgeMs, staleAt, stale: now.getTime() > staleAt };
}

/**
 * The next instant after `now` when time alone changes the derived state (a waiver runs out, a result turns
 * stale), epoch ms; Infinity when nothing will. The live store ticks then (no periodic timer).
 */
export function nextTimeChange(s: SessionState, checklist: Checklist, now: Date): number {
  let next = Infinity;
  const consider = (t: number | undefined) => {
    if (t !== undefined && Number.isFinite(t) && t > now.getTime() && t < next) next = t;
  };
  for (const it of allItems(checklist)) {
    const st = s.items[it.id];
    if (!st) continue;
    if (st.waiver) consider(waiverEnd(st.waiver));
    const f = freshness(it, st, now);
    if (f.staleAt !== undefined) consider(f.staleAt + 1);
  }
  return next;
}

export interface ReverifyPlan {
  /** non-mutating items to re-run first, in checklist order */
  safe: string[];
  /** mutating items: re-run only after a confirmation */
  mutating: string[];
}

/**
 * The automated items a re-verify re-runs: those whose result is stale at `now`, or will be within `withinMs`.
 * Items that never ran, are running or are waived are not re-verified (a run, not a re-verify, is what they need).
 */
export function reverifyPlan(
  s: SessionState,
  checklist: Checklist,
  now: Date,
  withinMs = 0,
  isMutating: (item: Item) => boolean = mutatingItem,
): ReverifyPlan {
  const plan: ReverifyPlan = { safe: [], mutating: [] };
  for (const it of allItems(checklist)) {
    const st = s.items[it.id];
    if (!st || st.running) continue;
    const f = freshness(it, st, now);
    if (f.staleAt === undefined || f.staleAt > now.getTime() + withinMs) continue;
    (isMutating(it) ? plan.mutating : plan.safe).push(it.id);
  }
  return plan;
}

/** an item with any mutating check */
export function mutatingItem(item: Item): boolean {
  return [item.check, ...Object.values(item.checks ?? {})].some((c) => c?.mutating === true);
}
