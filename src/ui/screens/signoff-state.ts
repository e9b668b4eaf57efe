/** One short phrase for an item's sign-off state (tables) and the full list (item view). */
import type { Item } from '../../checklist/model.js';
import type { ItemState } from '../../engine/session-state.js';
import { isAutomated } from '../selectors.js';

export function signoffSummary(item: Item, st: ItemState | undefined): string {
  const live = (st?.signoffs ?? []).filter((s) => !s.stale);
  const rejected = live.find((s) => s.decision === 'reject');
  if (rejected) return `rejected ${rejected.by}`;
  const approvals = live.filter((s) => s.decision === 'approve');
  const need = item.signoff === 'required' || !isAutomated(item) ? Math.max(1, item.approvals) : 0;
  const stale = (st?.signoffs ?? []).some((s) => s.stale);
  if (approvals.length) {
    const who = approvals.map((a) => a.by.split('@')[0]).join(',');
    return need > 1 ? `${approvals.length}/${need} ${who}` : `ok ${who}`;
  }
  if (stale) return 'stale: re-sign';
  if (need) return need > 1 ? `0/${need} needed` : 'needed';
  if (item.signoff === 'optional') return 'optional';
  return '-';
}
