/**
 * Waivers are signed statements like sign-offs (signed-act.ts): a waiver accepts the risk of an item's latest result
 * (bound to the digests of its evidence) until an expiry. A checklist may ask that a waiver of a blocking item be
 * approved by someone else (`waiverApprovals: N`): it counts only once N other people, with other keys, approved it
 * (`readiness-tui waive ITEM --approve SEQ`). Every rule is checked again inside the journal lock.
 */
import type { Item } from '../checklist/model.js';
import type { WaiverApprovalData, WaiverData } from './events.js';
import type { Session } from './session-api.js';
import { waiverApprovalsNeeded, waiverApprovalsOf, waiverValid, type ItemState, type SessionState } from './session-state.js';
import { DecisionRefused, recordSignedAct, type RecordedAct, type SignedActOptions } from './signed-act.js';
import { findItem, planWaiver, type WaiverRequest } from './decide.js';

const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();
const digests = (st: ItemState) => (st.result?.evidence ?? []).map((e) => e.sha256);

/** Why the item cannot be waived now (it is running), else undefined. */
function waiverRuleBroken(item: Item, st: ItemState, evidence: string[]): string | undefined {
  // a background watch re-check does not count as running (the screen shows the result it re-checks)
  if (st.running && st.trigger !== 'watch')
    return `item ${item.id} is running now: waive it once its result is in (a waiver accepts a result you have seen)`;
  if (digests(st).join(',') !== evidence.join(','))
    return `item ${item.id} got a new result while you were waiving it: look at it and waive again if the risk is still accepted`;
  return undefined;
}

/** The planned waiver, bound to the evidence of the item's latest result, and what to tell the person waiving. */
export function planBoundWaiver(session: Session, r: WaiverRequest, now = new Date()): { data: WaiverData; item: Item; notes: string[] } {
  const data = planWaiver(session.checklist, r, now);
  const item = findItem(session.checklist, data.item);
  const st = session.store.store.getState().items[item.id]!;
  const broken = waiverRuleBroken(item, st, digests(st));
  if (broken) throw new DecisionRefused(broken);
  const notes: string[] = [];
  const need = waiverApprovalsNeeded(item);
  if (need)
    notes.push(
      `item ${item.id} is blocking and its waivers need ${need} approval${need === 1 ? '' : 's'} by someone else before they count: ` +
        `ask them to run \`readiness-tui waive ${item.id} --approve <seq>\` with the seq printed here (or to press a on the item in their TUI)`,
    );
  if (!st.result) notes.push(`item ${item.id} has not run yet: the waiver accepts no result, and turns stale when the item runs`);
  return { data: { ...data, evidence: digests(st) }, item, notes };
}

/** Sign and journal a planned waiver. */
export async function recordWaiver(session: Session, plan: { data: WaiverData; item: Item }, o: SignedActOptions): Promise<RecordedAct> {
  const w = plan.data;
  const evidence = w.evidence ?? [];
  return recordSignedAct(
    session,
    { type: 'waiver', data: { ...w, evidence } },
    { ...o, check: (state) => waiverRuleBroken(plan.item, state.items[plan.item.id]!, evidence) },
  );
}

export interface WaiverApprovalRequest {
  item: string;
  /** the journal seq of the waiver approved (printed when it was recorded, shown on the decision screen) */
  waiver: number;
  comment?: string;
  by: string;
}

/**
 * Why `by` may not approve waiver `seq` of the item now: it is not the item's current waiver, it expired or went
 * stale, they wrote it (or signed it with the same key), they approved it already, or it needs no more approvals.
 */
export function waiverApprovalBroken(item: Item, st: ItemState, seq: number, by: string, key: string | undefined, now: Date): string | undefined {
  const w = st.waiver;
  if (!w || w.seq !== seq)
    return `#${seq} is not the current waiver of item ${item.id}${w ? ` (that is #${w.seq}, by ${w.by})` : ' (it has none)'}: nothing to approve`;
  if (!waiverValid(w, now)) return `waiver #${seq} on ${item.id} expired (${w.expires}): it cannot be approved; ask for a new waiver`;
  if (w.stale) return `waiver #${seq} on ${item.id} is stale: the item was re-run after it and its evidence changed; ask for a new waiver`;
  if (same(w.by, by)) return `${by} wrote waiver #${seq} on ${item.id}: someone else must approve it (four-eyes)`;
  if (key && w.statement?.keyFingerprint === key)
    return `key ${key} signed waiver #${seq} on ${item.id} itself: its approval must come from another person's key`;
  const mine = w.approvals.find((a) => same(a.by, by));
  if (mine) return `${by} already approved waiver #${seq} on ${item.id} (journal #${mine.seq}): nothing to do`;
  const need = waiverApprovalsNeeded(item);
  const have = waiverApprovalsOf(w).length;
  if (have >= need)
    return need
      ? `waiver #${seq} on ${item.id} already has its ${need} approval${need === 1 ? '' : 's'}: nothing to do`
      : `item ${item.id} needs no approval of its waivers (waiverApprovals is 0${item.blocking ? '' : '; the item is not blocking'}): nothing to do`;
  return undefined;
}

/**
 * The item's waiver `by` may approve now (its seq), or why not in the words `waive --approve` uses: what the TUI's
 * approve key offers, or says when pressed. `key`: the key `by` is known to sign with, if any (checked again in the lock).
 */
export function waiverToApprove(item: Item, st: ItemState, by: string, now: Date, key?: string): { seq: number } | { refused: string } {
  const w = st.waiver;
  if (!w) return { refused: `item ${item.id} has no waiver to approve` };
  const broken = waiverApprovalBroken(item, st, w.seq, by, key, now);
  return broken ? { refused: broken } : { seq: w.seq };
}

/** Check an approval against the session now (quick answer; checked again inside the lock) and build its data. */
export function planWaiverApproval(session: Session, r: WaiverApprovalRequest): { item: Item; data: WaiverApprovalData } {
  const item = findItem(session.checklist, r.item);
  const st = session.store.store.getState().items[item.id]!;
  const broken = waiverApprovalBroken(item, st, r.waiver, r.by, undefined, new Date());
  if (broken) throw new DecisionRefused(broken);
  const data: WaiverApprovalData = { item: item.id, waiver: r.waiver, comment: (r.comment ?? '').trim(), by: r.by, evidence: st.waiver!.evidence ?? [] };
  return { item, data };
}

/** Sign and journal a planned approval of a waiver. */
export async function recordWaiverApproval(
  session: Session,
  plan: { item: Item; data: WaiverApprovalData },
  o: SignedActOptions,
): Promise<RecordedAct> {
  const a = plan.data;
  return recordSignedAct(
    session,
    { type: 'waiver.approval', data: a },
    {
      ...o,
      check: (state: SessionState, statement) =>
        waiverApprovalBroken(plan.item, state.items[plan.item.id]!, a.waiver, a.by, statement?.keyFingerprint, new Date()),
    },
  );
}
