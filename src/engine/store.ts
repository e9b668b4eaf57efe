/**
 * The live session store: a zustand *vanilla* store (no React) reduced from engine events.
 * The UI subscribes with selectors; the engine, the journal follower and the CLI dispatch into it.
 * Output lines live in per-item ring buffers outside the reduced state; `outputVersion` bumps at most every
 * FLUSH_MS so a fast stream costs a handful of renders per second.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Checklist } from '../checklist/model.js';
import type { EngineEvent, JournalEvent } from './events.js';
import type { PresenceEntry } from './presence.js';
import { RingBuffer } from './ring-buffer.js';
import { initialState, reduce, refresh, type SessionState } from './session-state.js';

export const OUTPUT_LINES_KEPT = 5000;
export const FLUSH_MS = 100;

export interface OutputStats {
  lines: number;
  dropped: number;
}

export interface LiveState extends SessionState {
  /** bumps when any item's output buffer changed (flushed at most every FLUSH_MS) */
  outputVersion: number;
  /** transient messages for the status line: warnings, external sign-offs arriving, errors */
  messages: { ts: string; level: 'info' | 'warn' | 'error'; text: string }[];
  /** who is attached to the session now (presence.ts; not journaled) */
  presence: PresenceEntry[];
}

export interface SessionStore {
  store: StoreApi<LiveState>;
  checklist: Checklist;
  /** apply an engine event (journal events must already be durably recorded, with their seq) */
  apply(e: EngineEvent, seq?: number): void;
  output(item: string): RingBuffer;
  outputStats(item: string): OutputStats;
  message(level: 'info' | 'warn' | 'error', text: string): void;
  /** re-evaluate time-dependent state (waiver expiry) */
  tick(now?: Date): void;
  dispose(): void;
}

export function createSessionStore(checklist: Checklist): SessionStore {
  const store = createStore<LiveState>(() => ({ ...initialState(checklist), outputVersion: 0, messages: [], presence: [] }));
  const buffers = new Map<string, RingBuffer>();
  const stats = new Map<string, OutputStats>();
  let flushTimer: NodeJS.Timeout | undefined;

  const output = (item: string) => {
    let b = buffers.get(item);
    if (!b) buffers.set(item, (b = new RingBuffer(OUTPUT_LINES_KEPT)));
    return b;
  };
  const statsOf = (item: string) => {
    let s = stats.get(item);
    if (!s) stats.set(item, (s = { lines: 0, dropped: 0 }));
    return s;
  };
  const scheduleFlush = () => {
    if (flushTimer) return;
    flushTimer = setTimeout(() => {
      flushTimer = undefined;
      store.setState((s) => ({ outputVersion: s.outputVersion + 1 }));
    }, FLUSH_MS);
  };

  return {
    store,
    checklist,
    apply(e, seq) {
      if (e.type === 'output') {
        const b = output(e.item);
        for (const l of e.lines) b.push(l);
        const st = statsOf(e.item);
        st.lines += e.lines.length + e.dropped;
        st.dropped += e.dropped;
        scheduleFlush();
        return;
      }
      if (e.type === 'item.start') {
        output(e.data.item).clear();
        stats.set(e.data.item, { lines: 0, dropped: 0 });
      }
      const s = store.getState();
      const next = reduce(s, e as JournalEvent, seq ?? s.seq, checklist);
      store.setState(next);
    },
    output,
    outputStats: statsOf,
    message(level, text) {
      store.setState((s) => ({ messages: [...s.messages.slice(-49), { ts: new Date().toISOString(), level, text }] }));
    },
    tick(now = new Date()) {
      store.setState((s) => refresh(s, checklist, now) as LiveState);
    },
    dispose() {
      if (flushTimer) clearTimeout(flushTimer);
      flushTimer = undefined;
    },
  };
}
