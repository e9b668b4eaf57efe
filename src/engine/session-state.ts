/**
 * The session state as a pure reduction of journal events. The live store (store.ts), the report (replay of
 * journal.jsonl) and `verify` all use this one reducer, so the screen and the signed report cannot disagree.
 *
 * Over 400 lines: the one reducer and the rules read from the same state (an item's status, approval refusals, the
 * decision and its basis) stay with the state types, so the screen, the report and `verify` read one definition of
 * each.
 */
import type { Checklist, Item } from '../checklist/model.js';
import { allItems, isAutomated } from '../checklist/model.js';
import { freshness, waiverEnd } from './freshness.js';
import type { RunVars } from './run-vars.js';
import type {
  DeliverableResultData,
  EvidenceRef,
  ItemResultData,
  JournalEvent,
  NoteData,
  SessionStartData,
  SignoffData,
  WaiverApprovalData,
  WaiverData,
} from './events.js';
import type { CheckVerdict, Decision, DeliverableStatus, Status } from './status.js';
import { NO_GO, STATUS_LABEL } from './status.js';

export interface SignoffEntry extends SignoffData {
  seq: number;
  ts: string;
  /** the item was re-run after this sign-off and its evidence changed */
  stale: boolean;
}

export interface CancelledAttempt {
  attempt: number;
  reason: string;
  ts: string;
  durationMs: number;
  evidence: EvidenceRef[];
  halfChanged?: string;
}

export interface WaiverApprovalEntry extends WaiverApprovalData {
  seq: number;
  ts: string;
}

export interface WaiverEntry extends WaiverData {
  seq: number;
  ts: string;
  /** approvals of this waiver by other people (checklist `waiverApprovals`), in journal order */
  approvals: WaiverApprovalEntry[];
  /** the item was re-run after the waiver and its evidence changed: the waiver accepted something else */
  stale: boolean;
}

export interface ItemState {
  id: string;
  blockId: string;
  status: Status;
  running: boolean;
  attempt: number;
  describe?: string;
  startedAt?: string;
  /** what started the latest attempt when not an operator: `watch` = a background re-check (regression watch) */
  trigger?: 'watch';
  /**
   * a background watch re-check of this passed item no longer passed (the banner every screen shows): when, its
   * verdict and summary, and the seq of that result. Cleared by the next result that passes.
   */
  regression?: { ts: string; seq: number; verdict: CheckVerdict; summary: string };
  /** latest check outcome (all attempts are kept in `attempts`) */
  result?: ItemResultData;
  /**
   * who ran the latest result: the journal actor of its item.result and that record's seq, and the driver's key named
   * by the attempt's item.start (absent in journals written before keys were recorded)
   */
  ranBy?: { by: string; seq: number; key?: string };
  /** the key named by the latest item.start (the driver's) */
  startKey?: string;
  /** when the latest result was recorded (its journal timestamp): the age of the evidence counts from here */
  checkedAt?: string;
  /** the latest result is older than the item's maxAge at the reducer's clock (see freshness()) */
  stale: boolean;
  attempts: ItemResultData[];
  /** a manual item whose prerequisites (dependsOn) did not pass: why it is blocked (derived, not journaled) */
  blockedBy?: string;
  skip?: { status: 'blocked' | 'skipped' | 'cancelled'; reason: string; halfChanged?: string };
  /** attempts stopped while they ran, in order (their partial evidence is kept and reported) */
  cancelled: CancelledAttempt[];
  signoffs: SignoffEntry[];
  waiver?: WaiverEntry;
  notes: (NoteData & { seq: number; ts: string })[];
}

/** A deliverable of the checklist and the outcome of its latest check (deliverables never change the decision). */
export interface DeliverableState {
  /** 0-based position in the checklist's `deliverables` */
  index: number;
  path: string;
  description?: string;
  /** the checklist gives it a `check`; without one it is listed as "not checked" */
  hasCheck: boolean;
  status: DeliverableStatus;
  /** number of the latest check started (numbers its evidence files) */
  attempt: number;
  describe?: string;
  /** latest check outcome, and when it was recorded */
  result?: DeliverableResultData;
  checkedAt?: string;
  /** the latest check was cancelled */
  skip?: { reason: string };
}

export interface SessionState {
  start?: SessionStartData & { ts: string };
  /** the variables of the latest run (session.start, then each session.resume that records them) */
  runVars?: RunVars;
  resumes: number;
  items: Record<string, ItemState>;
  /** item ids in checklist order */
  order: string[];
  notes: (NoteData & { seq: number; ts: string })[];
  /** the session-wide regression watch (W), as the driver last turned it (a note with `watch`): every TUI shows it */
  watchAll: boolean;
  /** the checklist's deliverables, in checklist order */
  deliverables: DeliverableState[];
  decision: Decision;
  deciding: { item: string; status: Status; stale?: true }[];
  finalDecision?: { decision: Decision; ts: string; seq: number };
  /** seq of the last record that can change the decision (not a decision, report or note): "the state of the journal" */
  lastChange: number;
  reports: { path: string; signed: boolean; interim: boolean; ts: string }[];
  /**
   * Who signed with which key in this session (trust on first use when there is no team file): the first signed
   * sign-off of a principal binds that principal and that key fingerprint to each other. Principals in lower case.
   */
  keys: { byKey: Record<string, { principal: string; seq: number }>; byPrincipal: Record<string, { key: string; seq: number }> };
  closed: boolean;
  /** number of journal records applied */
  seq: number;
}

export function initialState(checklist: Checklist): SessionState {
  const items: Record<string, ItemState> = {};
  for (const it of allItems(checklist)) {
    items[it.id] = {
      id: it.id,
      blockId: it.blockId,
      status: 'pending',
      running: false,
      attempt: 0,
      attempts: [],
      cancelled: [],
      stale: false,
      signoffs: [],
      notes: [],
    };
  }
  const s: SessionState = {
    resumes: 0,
    items,
    order: allItems(checklist).map((i) => i.id),
    notes: [],
    watchAll: false,
    deliverables: checklist.deliverables.map((d, index) => ({
      index,
      path: d.path,
      ...(d.description !== undefined ? { description: d.description } : {}),
      hasCheck: Boolean(d.check),
      status: d.check ? 'pending' : 'unchecked',
      attempt: 0,
    })),
    decision: 'INCOMPLETE',
    deciding: [],
    lastChange: -1,
    reports: [],
    keys: { byKey: {}, byPrincipal: {} },
    closed: false,
    seq: 0,
  };
  return refresh(s, checklist, new Date());
}

function evidenceKey(r?: ItemResultData): string {
  return (r?.evidence ?? []).map((e) => e.sha256).join(',');
}

/** Is a waiver in force at `now`? An expiry given as a date means "through the end of that day (UTC)". */
export function waiverValid(w: WaiverData | undefined, now: Date): boolean {
  if (!w) return false;
  const end = waiverEnd(w);
  return Number.isFinite(end) && end > now.getTime();
}

/** How many approvals by other people a waiver of this item needs before it counts (only a blocking item's). */
export function waiverApprovalsNeeded(item: Item): number {
  return item.blocking ? item.waiverApprovals : 0;
}

/**
 * The approvals of a waiver that count: signed (an unsigned approval is recorded but never counts), each by another
 * principal AND another key than the waiver's author, one per person and per key (one key allowed for two principals
 * still counts once).
 */
export function waiverApprovalsOf(w: WaiverEntry): WaiverApprovalEntry[] {
  const people = new Set<string>([w.by.trim().toLowerCase()]);
  const keys = new Set<string>(w.statement ? [w.statement.keyFingerprint] : []);
  return w.approvals.filter((a) => {
    const p = a.by.trim().toLowerCase();
    const k = a.statement?.keyFingerprint;
    if (!k || people.has(p) || keys.has(k)) return false;
    people.add(p);
    if (k) keys.add(k);
    return true;
  });
}

/** Does the waiver make the item WAIVED at `now`: not expired, not stale, and approved by as many others as needed. */
export function waiverInForce(item: Item, w: WaiverEntry | undefined, now: Date): boolean {
  return Boolean(w && waiverValid(w, now) && !w.stale && waiverApprovalsOf(w).length >= waiverApprovalsNeeded(item));
}

/** The waiver's state for people: "in force", "awaits 1 more approval (0 of 1)", "STALE: …", "EXPIRED". */
export function waiverStateText(item: Item, w: WaiverEntry, now: Date): string {
  if (!waiverValid(w, now)) return 'EXPIRED';
  if (w.stale) return 'STALE: the item was re-run and its evidence changed after it; waive again if the risk is still accepted';
  const need = waiverApprovalsNeeded(item);
  const have = waiverApprovalsOf(w);
  if (have.length < need) return `awaits ${need - have.length} more approval${need - have.length === 1 ? '' : 's'} by someone else (${have.length} of ${need})`;
  return `in force${need ? `, approved by ${have.map((a) => a.by).join(', ')}` : ''}`;
}

/**
 * The approvals that count toward `approvals: N`: signed (an unsigned approval is recorded but never counts), not
 * stale, by distinct people AND distinct keys (one key allowed for two principals still counts once).
 */
export function approvalsOf(st: ItemState): SignoffEntry[] {
  const people = new Set<string>();
  const keys = new Set<string>();
  return st.signoffs.filter((s) => {
    if (s.stale || s.decision !== 'approve' || !s.statement) return false;
    const p = s.by.trim().toLowerCase();
    const k = s.statement?.keyFingerprint;
    if (people.has(p) || (k && keys.has(k))) return false;
    people.add(p);
    if (k) keys.add(k);
    return true;
  });
}

/** The first key a principal signs with, and the first principal a key signs as, are kept (see SessionState.keys). */
export function bindKey(keys: SessionState['keys'], by: string, key: string | undefined, seq: number): SessionState['keys'] {
  if (!key) return keys;
  const p = by.trim().toLowerCase();
  return {
    byKey: keys.byKey[key] ? keys.byKey : { ...keys.byKey, [key]: { principal: by, seq } },
    byPrincipal: keys.byPrincipal[p] ? keys.byPrincipal : { ...keys.byPrincipal, [p]: { key, seq } },
  };
}

/**
 * Trust on first use (no team file): a principal signs with one key and a key signs as one principal for the whole
 * session (the operator's key from session.start / session.resume, signed sign-offs, notes, decisions, waivers).
 * Why an act by `by` with `key` breaks that, or undefined.
 */
export function keyBindingBroken(keys: SessionState['keys'], by: string, key: string): string | undefined {
  const k = keys.byKey[key];
  if (k && k.principal.trim().toLowerCase() !== by.trim().toLowerCase()) {
    return (
      `key ${key} acted as ${k.principal} earlier in this session (journal #${k.seq}), so it cannot sign as ${by}: ` +
      `one key is one person (trust on first use). Sign with ${by}'s own key, or name the team in an allowed_signers file (--allowed-signers)`
    );
  }
  const p = keys.byPrincipal[by.trim().toLowerCase()];
  if (p && p.key !== key) {
    return (
      `${by} used key ${p.key} earlier in this session (journal #${p.seq}); this key is ${key}: one person signs ` +
      `with one key (trust on first use). Use that key, or name the team in an allowed_signers file (--allowed-signers)`
    );
  }
  return undefined;
}

/** Statuses a prerequisite must have before an item that depends on it may run or be approved. */
export const PREREQ_OK: ReadonlySet<Status> = new Set<Status>(['pass', 'waived']);

/** "depends on 2.2 (fail), 3.1 (pending), which did not pass", or undefined when every prerequisite passed. */
export function prerequisiteProblem(item: Item, statusOf: (id: string) => Status | undefined): string | undefined {
  const bad = item.dependsOn.map((d) => ({ d, s: statusOf(d) })).filter((x) => !x.s || !PREREQ_OK.has(x.s));
  if (!bad.length) return undefined;
  return `depends on ${bad.map((x) => `${x.d} (${x.s ?? 'unknown'})`).join(', ')}, which did not pass`;
}

/** The item's status from its check verdict, sign-offs, waiver and skip (and, for a manual item, its prerequisites). */
export function deriveStatus(item: Item, st: ItemState, now: Date): Status {
  // a background watch re-check leaves the item as it was until its result is in (the decision does not flicker)
  if (st.running && st.trigger !== 'watch') return 'running';
  if (waiverInForce(item, st.waiver, now)) return 'waived';
  // the latest attempt was stopped: never fall back to an earlier attempt's verdict
  if (st.skip?.status === 'cancelled') return 'cancelled';
  const hasCheck = isAutomated(item);
  const verdict: CheckVerdict | undefined = st.result?.verdict;
  const live = st.signoffs.filter((s) => !s.stale);
  const rejected = live.some((s) => s.decision === 'reject');
  if (st.skip && !st.result) return st.skip.status;
  if (hasCheck) {
    if (!verdict) return st.skip ? st.skip.status : 'pending';
    if (verdict !== 'pass') return verdict;
  }
  if (rejected) return 'fail';
  if (!hasCheck && st.blockedBy) return 'blocked';
  const need = item.signoff === 'required' || !hasCheck ? Math.max(1, item.approvals) : 0;
  if (item.signoff === 'none' && hasCheck) return 'pass';
  if (approvalsOf(st).length >= need) return 'pass';
  return 'needs-signoff';
}

/** Results that say the item is not ready: approving over them would sign off a known problem. */
const NOT_APPROVABLE: ReadonlySet<Status> = new Set<Status>(['fail', 'error', 'timeout', 'inconclusive', 'blocked']);

/**
 * Why an item cannot be approved now (its latest result is fail, error, timeout or inconclusive, it is blocked by
 * its prerequisites, or it is running), with what to do instead; undefined when an approval may be recorded.
 * A rejection is always allowed.
 */
export function approvalRefusal(item: Item, st: ItemState): string | undefined {
  const instead = 'A rejection is always allowed.';
  if (st.running) return `item ${item.id} is running now: approve it once its result is in. ${instead}`;
  if (st.skip?.status === 'cancelled') {
    return (
      `item ${item.id} cannot be approved: its latest attempt (${st.attempt}) was CANCELLED (${st.skip.reason}), so there is no ` +
      `result to approve. Run it again to the end, or accept the risk with a waiver. ${instead}`
    );
  }
  if (st.blockedBy || st.skip?.status === 'blocked') {
    const why = st.blockedBy ?? st.skip!.reason;
    return (
      `item ${item.id} is BLOCKED (${why}): it cannot be approved until its prerequisites pass or are waived. ` +
      `Fix and re-run them first. ${instead}`
    );
  }
  const verdict = st.result?.verdict;
  if (!verdict || !NOT_APPROVABLE.has(verdict)) return undefined;
  const word = STATUS_LABEL[verdict].word;
  const what = verdict === 'fail' ? 'the check found a problem' : verdict === 'inconclusive' ? 'the check had nothing to judge' : 'the check could not run';
  const hint = st.result!.error?.hint ? ` (${st.result!.error.hint})` : '';
  return (
    `item ${item.id} cannot be approved: its latest result (attempt ${st.result!.attempt}) is ${word} — ${what}: ${st.result!.summary}${hint}. ` +
    `Fix it and run the item again (r in the TUI, or \`readiness-tui run FILE --only ${item.id}\`), or accept the risk with a ` +
    `waiver (w in the TUI, or \`readiness-tui waive ${item.id} --reason … --expires …\`). ${instead}`
  );
}

/**
 * GO / NO-GO / INCOMPLETE and the blocking items that decide it. A blocking item that passed on stale evidence
 * keeps a GO from being decided (INCOMPLETE, listed with `stale: true`) until it is re-verified.
 */
export function deriveDecision(checklist: Checklist, items: Record<string, ItemState>): {
  decision: Decision;
  deciding: { item: string; status: Status; stale?: true }[];
} {
  const blocking = allItems(checklist).filter((i) => i.blocking);
  const bad = blocking.filter((i) => NO_GO.has(items[i.id]!.status));
  if (bad.length) return { decision: 'NO-GO', deciding: bad.map((i) => ({ item: i.id, status: items[i.id]!.status })) };
  const open = blocking.filter((i) => !['pass', 'waived'].includes(items[i.id]!.status) || items[i.id]!.stale);
  if (open.length) {
    const entry = (st: ItemState) => ({ item: st.id, status: st.status, ...(st.stale ? { stale: true as const } : {}) });
    return { decision: 'INCOMPLETE', deciding: open.map((i) => entry(items[i.id]!)) };
  }
  return { decision: 'GO', deciding: [] };
}

/** Why one deciding item holds the decision where it is, for humans: "3.3 could not run: scanner unreachable". */
export function decidingReason(st: ItemState): string {
  const r = st.result;
  const one = (t: string | undefined) => (t ?? '').replace(/\s+/g, ' ').trim().slice(0, 200);
  const rejection = st.signoffs.find((s) => !s.stale && s.decision === 'reject');
  switch (st.status) {
    case 'fail':
      if (rejection && r?.verdict !== 'fail') return `${st.id} rejected by ${rejection.by}: ${one(rejection.comment)}`;
      return `${st.id} failed: ${one(r?.summary)}`;
    case 'error':
    case 'timeout':
      return `${st.id} could not run: ${one(r?.error?.message ?? r?.summary)}`;
    case 'inconclusive':
      return `${st.id} could not run to a verdict (inconclusive): ${one(r?.summary)}`;
    case 'blocked':
      return `${st.id} blocked: ${one(st.blockedBy ?? st.skip?.reason)}`;
    case 'skipped':
      return `${st.id} skipped: ${one(st.skip?.reason)}`;
    case 'cancelled':
      return `${st.id} cancelled (attempt ${st.attempt}): ${one(st.skip?.reason)}`;
    case 'needs-signoff':
      return `${st.id} needs a sign-off`;
    case 'running':
      return `${st.id} is still running`;
    default:
      return `${st.id} ${st.status === 'pending' ? 'has not run' : st.status}`;
  }
}

/** The decision in one line: "INCOMPLETE — 3.3 could not run: …; 4.3 needs a sign-off", "GO — all 12 blocking items passed or are waived". */
export function decisionLine(checklist: Checklist, s: Pick<SessionState, 'decision' | 'deciding' | 'items'>): string {
  if (s.decision === 'GO') {
    const n = allItems(checklist).filter((i) => i.blocking).length;
    return `GO — all ${n} blocking item${n === 1 ? '' : 's'} passed or are waived`;
  }
  return `${s.decision} — ${s.deciding.map((d) => decidingReason(s.items[d.item]!)).join('; ')}`;
}

/** What a final decision rests on, what is missing, and whether it may be recorded now (the `g` confirmation). */
export interface DecisionBasis {
  decision: Decision;
  /** one line each: pending and stale sign-offs, waivers and their expiry, items that could not run, failures */
  lines: string[];
  /** why a final decision cannot be recorded now; undefined when it can */
  refusal?: string;
  /** items whose required sign-off is still missing (what refuses a final GO) */
  missing: string[];
  /** a final decision was already recorded and nothing changed since: recording another would say nothing new */
  alreadyDecided?: { decision: Decision; seq: number };
}

export function decisionBasis(checklist: Checklist, s: SessionState, now: Date): DecisionBasis {
  const lines: string[] = [];
  const missing: string[] = [];
  for (const it of allItems(checklist)) {
    const st = s.items[it.id]!;
    const needed = it.signoff === 'required' || !isAutomated(it);
    if (st.status === 'needs-signoff') {
      lines.push(`${it.id} waits for a sign-off${it.approvals > 1 ? ` (${approvalsOf(st).length} of ${it.approvals} approvals)` : ''}${it.blocking ? '' : ' (non-blocking)'}`);
      if (needed) missing.push(it.id);
    }
    for (const so of st.signoffs.filter((x) => x.stale))
      lines.push(`${it.id}: the ${so.decision} by ${so.by} (journal #${so.seq}) is STALE: the item was re-run after it`);
    if (st.waiver) {
      const w = st.waiver;
      const plain = waiverInForce(it, w, now) && !waiverApprovalsNeeded(it);
      lines.push(`${it.id} waived by ${w.by} until ${w.expires}${plain ? '' : ` (waiver #${w.seq}) — ${waiverStateText(it, w, now)}`}: ${w.reason}`);
    }
    if (['error', 'timeout', 'inconclusive', 'cancelled', 'blocked', 'skipped', 'pending', 'fail'].includes(st.status) && it.blocking)
      lines.push(decidingReason(st));
  }
  const basis: DecisionBasis = { decision: s.decision, lines, missing };
  if (s.decision === 'GO' && missing.length) basis.refusal = `a final GO needs every required sign-off; missing: ${missing.join(', ')}`;
  if (s.decision === 'INCOMPLETE') basis.refusal = 'the decision is INCOMPLETE: only an interim report can be written';
  if (s.finalDecision && s.finalDecision.seq > s.lastChange) basis.alreadyDecided = { decision: s.finalDecision.decision, seq: s.finalDecision.seq };
  return basis;
}

/**
 * Recompute derived fields (statuses, freshness, decision). `now` decides waiver expiry and stale evidence. Prerequisites are settled first
 * (dependsOn has no cycles: the checklist validator refuses them), so a manual item sees their current status.
 */
export function refresh(s: SessionState, checklist: Checklist, now: Date): SessionState {
  const items = { ...s.items };
  const byId = new Map(allItems(checklist).map((i) => [i.id, i]));
  const done = new Set<string>();
  const settle = (id: string): Status | undefined => {
    const it = byId.get(id);
    const st = items[id];
    if (!it || !st) return undefined;
    if (done.has(id)) return st.status;
    done.add(id);
    const blockedBy = isAutomated(it) ? undefined : prerequisiteProblem(it, settle);
    const next = st.blockedBy === blockedBy ? st : { ...st, blockedBy };
    const status = deriveStatus(it, next, now);
    const stale = freshness(it, { ...next, status }, now).stale;
    items[id] = status === next.status && stale === next.stale ? next : { ...next, status, stale };
    return status;
  };
  for (const it of byId.values()) settle(it.id);
  const d = deriveDecision(checklist, items);
  return { ...s, items, decision: d.decision, deciding: d.deciding };
}

/** Apply one journaled event. `seq` is the journal sequence number of the record. */
export function reduce(s: SessionState, e: JournalEvent, seq: number, checklist: Checklist): SessionState {
  const next: SessionState = { ...s, seq: Math.max(s.seq, seq + 1) };
  if (!['decision', 'report.generated', 'note', 'session.resume', 'session.close'].includes(e.type)) next.lastChange = seq;
  let copied = false;
  const upd = (id: string, f: (st: ItemState) => ItemState) => {
    const st = next.items[id];
    if (!st) return;
    if (!copied) next.items = { ...next.items }; // one copy per event, not one per change
    copied = true;
    next.items[id] = f(st);
  };
  // a deliverable event names its index; one that does not match the checklist (index and path) is ignored
  const updDeliverable = (index: number, path: string, f: (d: DeliverableState) => DeliverableState) => {
    const d = next.deliverables[index];
    if (d && d.path === path && d.hasCheck) next.deliverables = next.deliverables.map((x) => (x === d ? f(d) : x));
  };
  switch (e.type) {
    case 'session.start':
      next.start = { ...e.data, ts: e.ts };
      next.runVars = { vars: e.data.vars, secrets: e.data.secrets ?? {} };
      if (e.data.operator) next.keys = bindKey(next.keys, e.data.operator.principal, e.data.operator.keyFingerprint, seq);
      break;
    case 'session.resume':
      next.resumes += 1;
      if (e.data.operator) next.keys = bindKey(next.keys, e.data.operator.principal, e.data.operator.keyFingerprint, seq);
      if (e.data.vars) next.runVars = { vars: e.data.vars, secrets: e.data.secrets ?? {} };
      // anything that was running when the previous process died did not finish
      for (const id of next.order) if (next.items[id]!.running) upd(id, (st) => ({ ...st, running: false }));
      next.deliverables = next.deliverables.map((d) =>
        d.status === 'running' ? { ...d, status: d.result?.verdict ?? (d.skip ? 'skipped' : 'pending') } : d,
      );
      break;
    case 'item.start':
      upd(e.data.item, (st) => ({
        ...st,
        running: true,
        attempt: e.data.attempt,
        describe: e.data.describe,
        startedAt: e.ts,
        trigger: e.data.trigger,
        // a watch re-check stands on the earlier result until its own is in (a stopped one changes nothing)
        skip: e.data.trigger === 'watch' ? st.skip : undefined,
        startKey: e.data.keyFingerprint,
      }));
      break;
    case 'item.result':
      upd(e.data.item, (st) => {
        const changed = evidenceKey(st.result) !== evidenceKey(e.data);
        const regressed = st.trigger === 'watch' && st.result?.verdict === 'pass' && e.data.verdict !== 'pass';
        const regression =
          e.data.verdict === 'pass' ? undefined : regressed ? { ts: e.ts, seq, verdict: e.data.verdict, summary: e.data.summary } : st.regression;
        return {
          ...st,
          running: false,
          regression,
          skip: undefined,
          result: e.data,
          ranBy: { by: e.actor, seq, ...(st.startKey ? { key: st.startKey } : {}) },
          checkedAt: e.ts,
          attempts: [...st.attempts, e.data],
          signoffs: changed ? st.signoffs.map((x) => ({ ...x, stale: true })) : st.signoffs,
          // a waiver bound to evidence accepted that evidence, not what a re-run found
          waiver: changed && st.waiver?.evidence ? { ...st.waiver, stale: true } : st.waiver,
        };
      });
      break;
    case 'item.skip': {
      const d = e.data;
      const halfChanged = d.halfChanged ? { halfChanged: d.halfChanged } : {};
      upd(d.item, (st) => ({
        ...st,
        running: false,
        // a stopped watch re-check says nothing new: the item stands on its earlier result (the attempt is listed)
        skip: st.running && st.trigger === 'watch' ? st.skip : { status: d.status, reason: d.reason, ...halfChanged },
        cancelled:
          d.status === 'cancelled'
            ? [...st.cancelled, { attempt: d.attempt ?? st.attempt, reason: d.reason, ts: e.ts, durationMs: d.durationMs ?? 0, evidence: d.evidence ?? [], ...halfChanged }]
            : st.cancelled,
      }));
      break;
    }
    case 'deliverable.start':
      updDeliverable(e.data.index, e.data.path, (d) => ({ ...d, status: 'running', attempt: e.data.attempt, describe: e.data.describe, skip: undefined }));
      break;
    case 'deliverable.result':
      updDeliverable(e.data.index, e.data.path, (d) => ({
        ...d,
        status: e.data.verdict,
        attempt: Math.max(d.attempt, e.data.attempt),
        result: e.data,
        checkedAt: e.ts,
        skip: undefined,
      }));
      break;
    case 'deliverable.skip':
      // like an item: a cancelled re-check keeps the verdict of the check before it
      updDeliverable(e.data.index, e.data.path, (d) => ({ ...d, status: d.result?.verdict ?? 'skipped', skip: { reason: e.data.reason } }));
      break;
    case 'signoff':
      next.keys = bindKey(next.keys, e.data.by, e.data.statement?.keyFingerprint, seq);
      upd(e.data.item, (st) => ({
        ...st,
        signoffs: [...st.signoffs, { ...e.data, seq, ts: e.ts, stale: evidenceKey(st.result) !== e.data.evidence.join(',') }],
      }));
      break;
    case 'waiver':
      next.keys = bindKey(next.keys, e.data.by, e.data.statement?.keyFingerprint, seq);
      upd(e.data.item, (st) => ({
        ...st,
        waiver: {
          ...e.data,
          seq,
          ts: e.ts,
          approvals: [],
          stale: Boolean(e.data.evidence && evidenceKey(st.result) !== e.data.evidence.join(',')),
        },
      }));
      break;
    case 'waiver.approval': {
      next.keys = bindKey(next.keys, e.data.by, e.data.statement?.keyFingerprint, seq);
      const a = e.data;
      // an approval counts for the waiver it names, only while that waiver is the item's current one
      upd(a.item, (st) => (st.waiver?.seq === a.waiver ? { ...st, waiver: { ...st.waiver, approvals: [...st.waiver.approvals, { ...a, seq, ts: e.ts }] } } : st));
      break;
    }
    case 'note':
      next.keys = bindKey(next.keys, e.data.by, e.data.statement?.keyFingerprint, seq);
      if (e.data.item) upd(e.data.item, (st) => ({ ...st, notes: [...st.notes, { ...e.data, seq, ts: e.ts }] }));
      else next.notes = [...next.notes, { ...e.data, seq, ts: e.ts }];
      if (e.data.watch) next.watchAll = e.data.watch === 'on';
      break;
    case 'decision':
      if (e.data.by) next.keys = bindKey(next.keys, e.data.by, e.data.statement?.keyFingerprint, seq);
      if (e.data.final) next.finalDecision = { decision: e.data.decision, ts: e.ts, seq };
      break;
    case 'report.generated':
      next.reports = [...next.reports, { ...e.data, ts: e.ts }];
      break;
    case 'session.close':
      next.closed = true;
      break;
  }
  return refresh(next, checklist, new Date(e.ts));
}
