/**
 * The cutover clock: elapsed time against the plan. Per block, the time its checks ran against its estimate; for the
 * whole session, a projected finish. What is left is planned from the rehearsal's durations when a rehearsal of the
 * checklist exists (the real run of an item took about what its rehearsal took), else from the estimates scaled by
 * the pace so far (actual / estimated of the items already done). Pure: the caller passes `now`, so the projection
 * moves on while nothing runs (idle time pushes the finish out) and tests use any clock they like.
 */
import type { Checklist } from '../checklist/model.js';
import { allItems } from '../checklist/model.js';
import type { SessionState } from '../engine/session-state.js';
import { fmtTimeOfDay } from './format.js';
import { isDone } from './selectors.js';

/** The durations of a rehearsal of this checklist, by item id (latest attempt of each item it ran). */
export interface RehearsalPlan {
  id: string;
  durations: Record<string, number>;
}

export interface BlockClock {
  id: string;
  title: string;
  /** time the block's checks ran so far (every attempt) */
  actualMs: number;
  /** sum of the block's item estimates */
  estimateMs: number;
  /** what the rehearsal's checks of this block took (undefined without a rehearsal) */
  rehearsalMs?: number;
  /** took longer than its estimate */
  over: boolean;
}

export interface Clock {
  elapsedMs: number;
  estimateMs: number;
  /** projected total duration of the session (undefined while there is no basis: no rehearsal, no estimate) */
  projectedMs?: number;
  /** what the time still to come is planned from */
  basis: 'rehearsal' | 'pace' | 'estimates';
  /** items planned from the rehearsal / from estimates (the rest of the remaining items) */
  fromRehearsal: number;
  fromEstimates: number;
  blocks: BlockClock[];
}

const ran = (s: SessionState, id: string) => s.items[id]?.attempts.reduce((a, r) => a + r.durationMs, 0) ?? 0;

function blockClocks(c: Checklist, s: SessionState, plan?: RehearsalPlan): BlockClock[] {
  return c.blocks.map((b) => {
    const actualMs = b.items.reduce((a, i) => a + ran(s, i.id), 0);
    const estimateMs = b.items.reduce((a, i) => a + (i.estimateMs ?? 0), 0);
    const reh = plan ? b.items.reduce((a, i) => a + (plan.durations[i.id] ?? 0), 0) : undefined;
    return { id: b.id, title: b.title, actualMs, estimateMs, ...(reh !== undefined ? { rehearsalMs: reh } : {}), over: estimateMs > 0 && actualMs > estimateMs };
  });
}

export function clock(c: Checklist, s: SessionState, now: number, plan?: RehearsalPlan): Clock {
  const started = s.start ? Date.parse(s.start.ts) : now;
  const items = allItems(c);
  const estimateMs = items.reduce((a, i) => a + (i.estimateMs ?? 0), 0);
  let doneEst = 0;
  let doneActual = 0;
  for (const i of items) {
    const st = s.items[i.id];
    const r = ran(s, i.id);
    if (st && isDone(st.status) && r > 0 && i.estimateMs) {
      doneEst += i.estimateMs;
      doneActual += r;
    }
  }
  const pace = doneEst > 0 ? doneActual / doneEst : undefined;
  let remaining = 0;
  let fromRehearsal = 0;
  let fromEstimates = 0;
  for (const i of items) {
    const st = s.items[i.id];
    if (st && isDone(st.status)) continue;
    const reh = plan?.durations[i.id];
    let expected: number;
    if (reh !== undefined) {
      expected = reh;
      fromRehearsal++;
    } else {
      expected = (i.estimateMs ?? 0) * (pace ?? 1);
      fromEstimates++;
    }
    // a running item has already used part of what it is expected to take
    const running = st?.running && st.startedAt ? Math.max(0, now - Date.parse(st.startedAt)) : 0;
    remaining += Math.max(0, expected - running);
  }
  // a closed session's clock stopped at its final decision
  const end = s.closed && s.finalDecision ? Date.parse(s.finalDecision.ts) : now;
  const elapsedMs = Math.max(0, end - started);
  const basis = plan && fromRehearsal > 0 ? 'rehearsal' : pace !== undefined ? 'pace' : 'estimates';
  const known = basis !== 'estimates' || estimateMs > 0;
  return {
    elapsedMs,
    estimateMs,
    ...(known ? { projectedMs: elapsedMs + remaining } : {}),
    basis,
    fromRehearsal,
    fromEstimates,
    blocks: blockClocks(c, s, plan),
  };
}

/** The rehearsal's durations: the latest attempt of every item it ran. */
export function rehearsalPlan(id: string, s: SessionState): RehearsalPlan {
  const durations: Record<string, number> = {};
  for (const [itemId, st] of Object.entries(s.items)) if (st.result) durations[itemId] = st.result.durationMs;
  return { id, durations };
}

/** One line on what the projected finish rests on (the overview shows it under the header's clock; fits 80 columns). */
export function projectionText(ck: Clock, startMs: number, plan?: RehearsalPlan): string {
  if (ck.projectedMs === undefined) return 'no projected finish: the checklist gives no estimates';
  const at = `finish ${fmtTimeOfDay(startMs + ck.projectedMs)}`;
  const items = (n: number) => `${n} ${n === 1 ? 'item' : 'items'}`;
  if (!ck.fromRehearsal && !ck.fromEstimates) return `${at}: every item is done`;
  if (ck.basis === 'rehearsal')
    return `${at}: ${items(ck.fromRehearsal)} as in rehearsal ${plan?.id ?? ''}${ck.fromEstimates ? `, ${ck.fromEstimates} by estimate` : ''}`;
  return `${at}: ${items(ck.fromEstimates)} left by estimate${ck.basis === 'pace' ? ' at the pace so far' : ''}${plan ? '' : ' (no rehearsal)'}`;
}
