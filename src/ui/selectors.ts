/**
 * Pure views over the checklist, the session state and the UI state: which rows a screen lists and which one is
 * selected. Screens render these rows and the key dispatcher acts on the same rows, so they cannot disagree.
 */
import type { Block, Checklist, Item } from '../checklist/model.js';
import { allItems } from '../checklist/model.js';
import type { ItemState, SessionState } from '../engine/session-state.js';
import type { Status } from '../engine/status.js';
import { STATUS_LABEL } from '../engine/status.js';
import { currentScreen, selKey, type Screen, type UiState } from './ui-store.js';

export { isAutomated } from '../checklist/model.js';

function matches(item: Item, st: ItemState | undefined, filter: string): boolean {
  if (!filter) return true;
  const f = filter.toLowerCase();
  const word = st ? STATUS_LABEL[st.status].word.toLowerCase() : '';
  return (
    item.id.toLowerCase().includes(f) ||
    item.title.toLowerCase().includes(f) ||
    word.includes(f) ||
    (st?.status ?? '').includes(f)
  );
}

export function blockItems(c: Checklist, blockId: string, s: SessionState, filter: string): Item[] {
  const b = c.blocks.find((x) => x.id === blockId);
  return (b?.items ?? []).filter((i) => matches(i, s.items[i.id], filter));
}

export function overviewBlocks(c: Checklist, s: SessionState, filter: string): Block[] {
  if (!filter) return c.blocks;
  const f = filter.toLowerCase();
  return c.blocks.filter(
    (b) => b.title.toLowerCase().includes(f) || b.id.toLowerCase().includes(f) || b.items.some((i) => matches(i, s.items[i.id], filter)),
  );
}

export function decisionRows(s: SessionState): { item: string; status: Status; stale?: true }[] {
  return s.deciding;
}

export function rowCount(c: Checklist, s: SessionState, ui: UiState, screen: Screen = currentScreen(ui)): number {
  switch (screen.name) {
    case 'overview':
      return overviewBlocks(c, s, ui.filter).length;
    case 'block':
      return blockItems(c, screen.blockId, s, ui.filter).length;
    case 'decision':
      return decisionRows(s).length;
    default:
      return 0;
  }
}

export function selectedIndex(c: Checklist, s: SessionState, ui: UiState, screen: Screen = currentScreen(ui)): number {
  const n = rowCount(c, s, ui, screen);
  const i = ui.sel[selKey(screen)] ?? 0;
  return Math.max(0, Math.min(i, n - 1));
}

export function findItem(c: Checklist, id: string): Item | undefined {
  return allItems(c).find((i) => i.id === id);
}

export function blockOf(c: Checklist, itemId: string): Block | undefined {
  return c.blocks.find((b) => b.items.some((i) => i.id === itemId));
}

/** The item the operator is pointing at: the selected row of a block or decision list, or the open item. */
export function targetItem(c: Checklist, s: SessionState, ui: UiState): Item | undefined {
  const screen = currentScreen(ui);
  if (screen.name === 'item') return findItem(c, screen.itemId);
  if (screen.name === 'block') return blockItems(c, screen.blockId, s, ui.filter)[selectedIndex(c, s, ui)];
  if (screen.name === 'decision') {
    const r = decisionRows(s)[selectedIndex(c, s, ui)];
    return r ? findItem(c, r.item) : undefined;
  }
  return undefined;
}

/** The block the operator is pointing at. */
export function targetBlock(c: Checklist, s: SessionState, ui: UiState): Block | undefined {
  const screen = currentScreen(ui);
  if (screen.name === 'overview') return overviewBlocks(c, s, ui.filter)[selectedIndex(c, s, ui)];
  if (screen.name === 'block') return c.blocks.find((b) => b.id === screen.blockId);
  const it = targetItem(c, s, ui);
  return it ? blockOf(c, it.id) : undefined;
}

export function statusCounts(items: Item[], s: SessionState): Partial<Record<Status, number>> {
  const out: Partial<Record<Status, number>> = {};
  for (const i of items) {
    const st = s.items[i.id]?.status ?? 'pending';
    out[st] = (out[st] ?? 0) + 1;
  }
  return out;
}

/** Finished = nothing more happens without a human: pass, waived, fail … (not pending/running/needs-signoff). */
export function isDone(status: Status): boolean {
  return !['pending', 'running', 'needs-signoff'].includes(status);
}
