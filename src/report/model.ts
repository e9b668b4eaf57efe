/**
 * journal → report.json: the canonical record of a session, derived ONLY from the journal replay (the one reducer in
 * engine/session-state.ts, via engine/session.ts replaySession) and the checklist that ran. `verify` rebuilds it
 * from the bundle's own journal and checklist and compares; only the `bundle` section (when/how the bundle was made,
 * its signature status) is not derived from the journal.
 *
 * Over 400 lines: close to half of it is the report.json contract as TypeScript interfaces (what `verify`, the HTML
 * report and auditors read), kept beside deriveReport, the one function that fills it, so a field and where it comes
 * from are read together.
 */
import type { RehearsalSummary } from './rehearsal.js';
import canonicalize from 'canonicalize';
import type { Checklist, Item } from '../checklist/model.js';
import { allItems } from '../checklist/model.js';
import type {
  EvidenceRef,
  ItemResultData,
  ItemStartData,
  JournalRecord,
  KubeTargetInfo,
  SessionStartData,
  SignoffData,
} from '../engine/events.js';
import {
  waiverApprovalsNeeded,
  waiverInForce,
  waiverValid,
  type CancelledAttempt,
  type ItemState,
  type SessionState,
  type WaiverEntry,
} from '../engine/session-state.js';
import { STATUSES, type CheckVerdict, type Decision, type DeliverableStatus, type Status } from '../engine/status.js';

export const REPORT_TYPE = 'readiness-tui/report/v1';

/** who did a recorded act: the journal record's principal and, when recorded, the SSH key that stands for them */
export interface ReportActor {
  principal: string;
  /** absent: the journal does not record a key for this act ("key not recorded" in the views) */
  keyFingerprint?: string;
}

export interface ReportAttempt {
  attempt: number;
  /** who ran the attempt: the actor of its item.start record and the key the session was opened with, when recorded */
  ranBy?: ReportActor;
  verdict: CheckVerdict;
  summary: string;
  measured?: string;
  threshold?: string;
  expect?: string;
  error?: { message: string; hint?: string };
  durationMs: number;
  startedAt?: string;
  finishedAt: string;
  /** `watch`: a background re-check of the passed item by the driver's regression watch */
  trigger?: 'watch';
  evidence: EvidenceRef[];
  offending?: Record<string, unknown>[];
  /** set when the journaled record was bounded: the full counts and the evidence file holding everything */
  omitted?: ItemResultData['omitted'];
  checks?: ItemResultData['checks'];
  /** the variables this attempt ran with (its item.start): non-secret values; secrets as set / unset only */
  vars?: Record<string, string>;
  secrets?: Record<string, 'set' | 'unset'>;
}

export interface ReportSignoff {
  seq: number;
  ts: string;
  by: string;
  role?: string;
  decision: 'approve' | 'reject';
  comment: string;
  stale: boolean;
  evidence: string[];
  statement?: SignoffData['statement'];
}

export interface ReportWaiverApproval {
  seq: number;
  ts: string;
  by: string;
  comment: string;
  /** the key that signed the approval; absent when unsigned */
  keyFingerprint?: string;
  statement?: SignoffData['statement'];
}

export interface ReportWaiver {
  seq: number;
  ts: string;
  by: string;
  /** the key that signed the waiver; absent when unsigned */
  keyFingerprint?: string;
  statement?: SignoffData['statement'];
  reason: string;
  expires: string;
  compensatingControl?: string;
  /** digests of the evidence the waiver accepts (absent in journals from before waivers were bound to it) */
  evidence?: string[];
  /** the item was re-run after it and its evidence changed */
  stale: boolean;
  /** approvals by someone else it needs (checklist `waiverApprovals`, blocking items) and the ones recorded */
  approvalsNeeded: number;
  approvals: ReportWaiverApproval[];
  /** was it unexpired at the decision time? */
  validAtDecision: boolean;
  /** did it make the item WAIVED at the decision time (unexpired, not stale, approved as needed)? */
  inForceAtDecision: boolean;
}

/** a cancelled attempt and who ran it */
export type ReportCancelled = CancelledAttempt & { ranBy?: ReportActor };

export interface ReportNote {
  seq: number;
  ts: string;
  by: string;
  item?: string;
  text: string;
}

export interface ReportItem {
  id: string;
  blockId: string;
  title: string;
  metric?: string;
  blocking: boolean;
  owner?: string;
  role?: string;
  /** check kind, "checks" for several named checks, "manual" when there is no automation */
  kind: string;
  status: Status;
  /** a watch re-check of the passed item no longer passed (and no pass since): when, its verdict and summary */
  regression?: ItemState['regression'];
  summary?: string;
  measured?: string;
  threshold?: string;
  error?: { message: string; hint?: string };
  estimateMs?: number;
  /** sum over all attempts */
  durationMs: number;
  attempts: ReportAttempt[];
  /** evidence of the latest attempt */
  evidence: EvidenceRef[];
  skip?: { status: 'blocked' | 'skipped' | 'cancelled'; reason: string; halfChanged?: string };
  /** attempts stopped while they ran (shown as CANCELLED with their partial evidence; never a verdict) */
  cancelled: ReportCancelled[];
  signoffPolicy: { policy: Item['signoff']; roles: string[]; approvals: number; noSelfApproval: boolean };
  signoffs: ReportSignoff[];
  waiver?: ReportWaiver;
  notes: ReportNote[];
  dependsOn: string[];
  reference?: string;
  runbook?: string;
  /** false: the item's output is shown verbatim (`maskCredentials: false`); absent: credential-shaped text is masked in the views */
  maskCredentials?: false;
  remediation?: { text?: string; command?: string };
}

export interface ReportBlock {
  id: string;
  title: string;
  successMetrics: string[];
  estimateMs: number;
  durationMs: number;
  items: ReportItem[];
}

/** A deliverable and the outcome of its latest check. Deliverables are not items: they never change the decision. */
export interface ReportDeliverable {
  /** 0-based position in the checklist's `deliverables` */
  index: number;
  path: string;
  description?: string;
  /** the check kind; absent when the checklist gives the deliverable no check (status `unchecked`) */
  kind?: string;
  status: DeliverableStatus;
  summary?: string;
  measured?: string;
  threshold?: string;
  expect?: string;
  error?: { message: string; hint?: string };
  /** checks of it started in this session */
  attempts: number;
  durationMs?: number;
  /** when the latest result was recorded */
  checkedAt?: string;
  /** evidence of the latest check */
  evidence: EvidenceRef[];
  /** the latest check was cancelled */
  skip?: { reason: string };
}

export interface SignatureStatus {
  status: 'signed' | 'unsigned';
  namespace: string;
  /** the signer principal as claimed by the captain (verify checks it against allowed_signers) */
  signer?: string;
  keyFingerprint?: string;
  keyType?: string;
  /** why it is unsigned */
  reason?: string;
}

export interface ReportModel {
  _type: typeof REPORT_TYPE;
  session: {
    id: string;
    host: string;
    mode: 'tui' | 'ci';
    sandbox: boolean;
    /** demo sandbox: programs replaced by the sandbox's own stand-ins */
    standIns?: string[];
    startedBy: string;
    startedAt: string;
    lastEventAt: string;
    resumes: number;
    closed: boolean;
  };
  checklist: { name: string; title: string; description?: string; path: string; sha256: string };
  tool: SessionStartData['tool'];
  /** the variables of the session's latest run (session.start, or the last session.resume); attempts say their own */
  vars: Record<string, string>;
  secretVars: string[];
  /** each secret variable of the latest run: "set" / "unset" (never a value) */
  secrets?: Record<string, 'set' | 'unset'>;
  kube?: KubeTargetInfo;
  journal: { head: string | null; count: number };
  decision: {
    decision: Decision;
    /** `stale`: passed, but on evidence older than its maxAge at the decision */
    deciding: { item: string; status: Status; stale?: true }[];
    /** a final decision was recorded (otherwise the report is interim) */
    final: boolean;
    /** time of the final decision, else of the last journal record: waivers are judged at this time */
    at: string;
    /** who recorded the final decision (and with which key, when it was signed) */
    decidedBy?: ReportActor;
  };
  totals: { items: number; byStatus: Partial<Record<Status, number>>; estimateMs: number; durationMs: number; wallMs: number };
  blocks: ReportBlock[];
  notes: ReportNote[];
  successMetrics: string[];
  deliverables: ReportDeliverable[];
  risks: Checklist['risks'];
  rollback?: Checklist['rollback'];
  /** not derived from the journal: how this bundle was made */
  bundle: {
    generatedAt: string;
    interim: boolean;
    signature: SignatureStatus;
    /** the rehearsal this run was compared with when the bundle was written (its summary and bundle digest) */
    rehearsal?: RehearsalSummary;
  };
}

export type DerivedReport = Omit<ReportModel, 'bundle'>;

export interface ReplayInput {
  checklist: Checklist;
  state: SessionState;
  records: JournalRecord[];
  head: string | null;
}

function kindOf(item: Item): string {
  if (item.checks) return 'checks';
  return item.check?.kind ?? 'manual';
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

/** Remove undefined members so the canonical form is stable (canonicalize turns undefined in arrays into null). */
export function clean<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** When each attempt started and when its result was recorded, from the journal. */
interface AttemptTimes {
  /** item#attempt → the ts of its item.start record */
  startedAt: Map<string, string>;
  /** item#attempt of the attempts a watch run started */
  watched: Set<string>;
  /** item → the ts of each of its item.result records (the n-th result of an item is its n-th attempt in state.attempts) */
  finishedAt: Map<string, string[]>;
  /** item#attempt → the variables it ran with (its item.start) */
  ranWith: Map<string, Pick<ReportAttempt, 'vars' | 'secrets'>>;
  /** item#attempt → who started it (the actor of its item.start record, and its key when recorded) */
  ranBy: Map<string, ReportActor>;
}

function attemptTimes(records: JournalRecord[]): AttemptTimes {
  // when each attempt started and who started it (the first item.start record of the attempt)
  const startedAt = new Map<string, string>();
  const watched = new Set<string>();
  const ranWith = new Map<string, Pick<ReportAttempt, 'vars' | 'secrets'>>();
  const ranBy = new Map<string, ReportActor>();
  for (const rec of records) {
    if (rec.type === 'item.start') {
      const d = rec.data as ItemStartData & { keyFingerprint?: unknown };
      const k = `${d.item}#${d.attempt}`;
      startedAt.set(k, rec.ts);
      if (d.trigger === 'watch') watched.add(k);
      if (d.vars) ranWith.set(k, { vars: d.vars, ...(d.secrets ? { secrets: d.secrets } : {}) });
      if (!ranBy.has(k)) ranBy.set(k, { principal: rec.actor, ...(typeof d.keyFingerprint === 'string' ? { keyFingerprint: d.keyFingerprint } : {}) });
    }
  }
  // when each attempt's result was recorded (the n-th result of an item is its n-th attempt in state.attempts)
  const finishedAt = new Map<string, string[]>();
  for (const rec of records) {
    if (rec.type !== 'item.result') continue;
    const id = (rec.data as ItemResultData).item;
    finishedAt.set(id, [...(finishedAt.get(id) ?? []), rec.ts]);
  }
  return { startedAt, watched, finishedAt, ranWith, ranBy };
}

/** One item of report.json: its latest result, every attempt with its times, sign-offs, waiver and notes. */
function itemReport(it: Item, st: ItemState, times: AttemptTimes, decisionDate: Date): ReportItem {
  const attempts: ReportAttempt[] = st.attempts.map((a, i) => ({
    attempt: a.attempt,
    ranBy: times.ranBy.get(`${it.id}#${a.attempt}`),
    verdict: a.verdict,
    summary: a.summary,
    measured: a.measured,
    threshold: a.threshold,
    expect: a.expect,
    error: a.error,
    durationMs: a.durationMs,
    startedAt: times.startedAt.get(`${it.id}#${a.attempt}`),
    finishedAt: times.finishedAt.get(it.id)?.[i] ?? '',
    ...(times.watched.has(`${it.id}#${a.attempt}`) ? { trigger: 'watch' as const } : {}),
    evidence: a.evidence,
    offending: a.offending,
    ...(a.omitted ? { omitted: a.omitted } : {}),
    checks: a.checks,
    ...times.ranWith.get(`${it.id}#${a.attempt}`),
  }));
  // after a cancelled attempt, the last verdict is an earlier attempt's: it stays in `attempts`, not on the item
  const latest = st.skip?.status === 'cancelled' ? undefined : st.result;
  return {
    id: it.id,
    blockId: it.blockId,
    title: it.title,
    metric: it.metric,
    blocking: it.blocking,
    owner: it.owner,
    role: it.role,
    kind: kindOf(it),
    status: st.status,
    ...(st.regression ? { regression: st.regression } : {}),
    summary: latest?.summary,
    measured: latest?.measured,
    threshold: latest?.threshold,
    error: latest?.error,
    estimateMs: it.estimateMs,
    durationMs: sum(st.attempts.map((a) => a.durationMs)),
    attempts,
    evidence: latest?.evidence ?? [],
    skip: st.skip,
    cancelled: st.cancelled.map((c) => ({ ...c, ranBy: times.ranBy.get(`${it.id}#${c.attempt}`) })),
    signoffPolicy: { policy: it.signoff, roles: it.signoffRoles, approvals: it.approvals, noSelfApproval: it.noSelfApproval },
    signoffs: st.signoffs.map((s) => ({
      seq: s.seq,
      ts: s.ts,
      by: s.by,
      role: s.role,
      decision: s.decision,
      comment: s.comment,
      stale: s.stale,
      evidence: s.evidence,
      statement: s.statement,
    })),
    waiver: st.waiver ? reportWaiver(it, st.waiver, decisionDate) : undefined,
    notes: st.notes.map((n) => ({ seq: n.seq, ts: n.ts, by: n.by, item: n.item, text: n.text })),
    dependsOn: it.dependsOn,
    reference: it.reference,
    runbook: it.runbook,
    maskCredentials: it.maskCredentials,
    remediation: it.remediation,
  };
}

function reportWaiver(it: Item, w: WaiverEntry, at: Date): ReportWaiver {
  return {
    seq: w.seq,
    ts: w.ts,
    by: w.by,
    keyFingerprint: w.statement?.keyFingerprint,
    statement: w.statement,
    reason: w.reason,
    expires: w.expires,
    compensatingControl: w.compensatingControl,
    evidence: w.evidence,
    stale: w.stale,
    approvalsNeeded: waiverApprovalsNeeded(it),
    approvals: w.approvals.map((a) => ({ seq: a.seq, ts: a.ts, by: a.by, comment: a.comment, keyFingerprint: a.statement?.keyFingerprint, statement: a.statement })),
    validAtDecision: waiverValid(w, at),
    inForceAtDecision: waiverInForce(it, w, at),
  };
}

/** who recorded the final decision: its record's actor, and the key of its statement when it was signed */
function decidedBy(records: JournalRecord[], seq: number | undefined): ReportActor | undefined {
  const rec = seq === undefined ? undefined : records.find((r) => r.seq === seq);
  if (!rec) return undefined;
  const key = (rec.data as { statement?: { keyFingerprint?: unknown } }).statement?.keyFingerprint;
  return { principal: rec.actor, ...(typeof key === 'string' ? { keyFingerprint: key } : {}) };
}

/** One deliverable of report.json: its latest check, when it ran, its evidence. */
function deliverableReport(d: SessionState['deliverables'][number], checklist: Checklist): ReportDeliverable {
  return {
    index: d.index,
    path: d.path,
    description: d.description,
    kind: checklist.deliverables[d.index]?.check?.kind,
    status: d.status,
    summary: d.result?.summary,
    measured: d.result?.measured,
    threshold: d.result?.threshold,
    expect: d.result?.expect,
    error: d.result?.error,
    attempts: d.attempt,
    durationMs: d.result?.durationMs,
    checkedAt: d.checkedAt,
    evidence: d.result?.evidence ?? [],
    skip: d.skip,
  };
}

/** Build the journal-derived part of report.json. Pure: same journal + checklist → same bytes. */
export function deriveReport(r: ReplayInput): DerivedReport {
  const { checklist, state, records } = r;
  const start = state.start;
  if (!start) throw new Error('the journal has no session.start record');
  const startRec = records.find((x) => x.type === 'session.start');
  const last = records[records.length - 1];
  const decisionAt = state.finalDecision?.ts ?? last?.ts ?? start.ts;
  const decisionDate = new Date(decisionAt);

  const times = attemptTimes(records);
  const itemOf = (it: Item) => itemReport(it, state.items[it.id]!, times, decisionDate);

  const blocks: ReportBlock[] = checklist.blocks.map((b) => {
    const items = b.items.map(itemOf);
    return {
      id: b.id,
      title: b.title,
      successMetrics: b.successMetrics,
      estimateMs: sum(items.map((i) => i.estimateMs ?? 0)),
      durationMs: sum(items.map((i) => i.durationMs)),
      items,
    };
  });
  const flat = blocks.flatMap((b) => b.items);
  const byStatus: Partial<Record<Status, number>> = {};
  for (const s of STATUSES) {
    const n = flat.filter((i) => i.status === s).length;
    if (n) byStatus[s] = n;
  }
  const wallMs = Math.max(0, Date.parse(last?.ts ?? start.ts) - Date.parse(start.ts));

  return clean({
    _type: REPORT_TYPE,
    session: {
      id: start.sessionId,
      host: start.host,
      mode: start.mode,
      sandbox: start.sandbox === true,
      standIns: start.standIns,
      startedBy: startRec?.actor ?? '',
      startedAt: start.ts,
      lastEventAt: last?.ts ?? start.ts,
      resumes: state.resumes,
      closed: state.closed,
    },
    checklist: {
      name: checklist.name,
      title: checklist.title,
      description: checklist.description,
      path: start.checklist.path,
      sha256: start.checklist.sha256,
    },
    tool: start.tool,
    vars: state.runVars?.vars ?? start.vars,
    secretVars: start.secretVars,
    ...(state.runVars && Object.keys(state.runVars.secrets).length ? { secrets: state.runVars.secrets } : {}),
    kube: start.kube,
    journal: { head: r.head, count: records.length },
    decision: {
      decision: state.decision,
      deciding: state.deciding,
      final: Boolean(state.finalDecision),
      at: decisionAt,
      decidedBy: decidedBy(records, state.finalDecision?.seq),
    },
    totals: {
      items: allItems(checklist).length,
      byStatus,
      estimateMs: sum(blocks.map((b) => b.estimateMs)),
      durationMs: sum(blocks.map((b) => b.durationMs)),
      wallMs,
    },
    blocks,
    notes: state.notes.map((n) => ({ seq: n.seq, ts: n.ts, by: n.by, item: n.item, text: n.text })),
    successMetrics: checklist.successMetrics,
    deliverables: state.deliverables.map((d) => deliverableReport(d, checklist)),
    risks: checklist.risks,
    rollback: checklist.rollback,
  });
}

export function buildReport(r: ReplayInput, bundle: ReportModel['bundle']): ReportModel {
  return { ...deriveReport(r), bundle: clean(bundle) };
}

/** report.json bytes: RFC 8785 canonical JSON + "\n". */
export function reportJson(m: ReportModel): string {
  const s = canonicalize(m);
  if (typeof s !== 'string') throw new Error('report cannot be written as canonical JSON');
  return s + '\n';
}

/** The first path where two JSON values differ ("" when equal). */
export function firstDifference(a: unknown, b: unknown, at = ''): string | undefined {
  if (a === b) return undefined;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b))
    return at || '(root)';
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${at}.length`;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${at}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort();
  for (const k of keys) {
    const d = firstDifference(ao[k], bo[k], at ? `${at}.${k}` : k);
    if (d) return d;
  }
  return undefined;
}
