/**
 * Typed events: the one stream that feeds the journal, the store (and so the UI), the plain reporter and the report.
 *
 * Journal lines are the RFC 8785 canonical JSON of `JournalRecord`: {v, seq, prev, ts, type, actor, data}.
 * `prev` is null for seq 0, else "sha256:" + hex(sha256(previous line bytes without "\n")).
 * `output` events are NOT journaled (full output goes to evidence files; the store keeps a bounded tail).
 */
import type { CheckVerdict, KubeTargetInfo } from '../checks/contract.js';
import type { Decision, Status } from './status.js';
import type { VarChange } from './run-vars.js';

export interface EvidenceRef {
  /** path relative to the session directory, e.g. "evidence/1.1/1-trivy.log" */
  path: string;
  sha256: string;
  bytes: number;
}

export type { KubeTargetInfo } from '../checks/contract.js';

export interface SessionStartData {
  sessionId: string;
  checklist: { name: string; title: string; path: string; sha256: string };
  /** resolved variables WITHOUT secret ones (their names are listed in secretVars) */
  vars: Record<string, string>;
  secretVars: string[];
  /** each secret variable: whether a value was given ("set" / "unset"), never the value */
  secrets?: Record<string, 'set' | 'unset'>;
  kube?: KubeTargetInfo;
  host: string;
  tool: { name: 'readiness-tui'; version: string; node: string };
  /** demo sandbox sessions say so here and in every report */
  sandbox?: boolean;
  /** demo sandbox: programs it replaced with a stand-in of its own (e.g. ["Prometheus"] when it is not installed) */
  standIns?: string[];
  /** a rehearsal of the real run (`--rehearsal`): compared with it by `readiness-tui diff` */
  rehearsal?: boolean;
  mode: 'tui' | 'ci';
  /** who opened the session, and the key they hold (the driver: every run they start names this key) */
  operator?: Principal;
}

export interface ItemStartData {
  item: string;
  attempt: number;
  /** exact command / API query that runs, for the operator (secrets redacted) */
  describe: string;
  /** name of the sub-check when the item has `checks:` */
  check?: string;
  /** what started it when not an operator: `watch` = a background re-check of a passed item (regression watch) */
  trigger?: 'watch';
  /** the variables this attempt ran with: resolved non-secret values (run-vars.ts) */
  vars?: Record<string, string>;
  /** the secret variables this attempt ran with: "set" / "unset" only, never a value */
  secrets?: Record<string, 'set' | 'unset'>;
  /** the key of the driver who started this attempt (the session's operator key): who ran it, for four-eyes */
  keyFingerprint?: string;
}

export interface SessionResumeData {
  pid: number;
  mode: 'tui' | 'ci';
  /** the variables the resumed run uses: resolved non-secret values, secrets as "set" / "unset" */
  vars?: Record<string, string>;
  secrets?: Record<string, 'set' | 'unset'>;
  /** what differs from the session's previous run (absent when nothing does) */
  changed?: VarChange[];
  /** who resumed it (the driver from here on), and their key */
  operator?: Principal;
}

export interface ItemResultData {
  item: string;
  attempt: number;
  /** the check's own verdict; the item status also folds in sign-offs and waivers (see store) */
  verdict: CheckVerdict;
  /** one line for humans: "3/5 nodes Ready (min 5)" */
  summary: string;
  /** what was measured and against what, for tables: "3 nodes" vs ">= 5" */
  measured?: string;
  threshold?: string;
  /** objects that caused the failure (nodes, namespaces, CVEs …), each a flat record */
  offending?: Record<string, unknown>[];
  /** the kind's result object (what `expect` ran against), secrets redacted; long lists cut when `omitted` says so */
  result?: unknown;
  /**
   * set when the record was bounded (bounded-record.ts): `file` holds the whole offending list and result,
   * `offending` the full number of offending objects, `result` each cut list's path → full length
   */
  omitted?: { file: string; offending?: number; result?: Record<string, number> };
  /** for error verdicts: what went wrong and what to do */
  error?: { message: string; hint?: string };
  expect?: string;
  durationMs: number;
  evidence: EvidenceRef[];
  /** when the item has `checks:`, each sub-check's verdict */
  checks?: Record<string, { verdict: CheckVerdict; summary: string; durationMs: number }>;
  /** a mutating check that timed out: the environment may be half-changed, and what the check was doing */
  halfChanged?: string;
}

export interface ItemSkipData {
  item: string;
  /** blocked: a prerequisite did not pass; skipped: cancelled before it started; cancelled: stopped while it ran */
  status: Extract<Status, 'blocked' | 'skipped' | 'cancelled'>;
  /** what happened: "cancelled by alice@example.com (key x in the TUI)", "the terminal hung up (SIGHUP)" … */
  reason: string;
  /** cancelled: the attempt that was stopped, how long it ran, and its partial evidence */
  attempt?: number;
  durationMs?: number;
  evidence?: EvidenceRef[];
  /** a mutating check stopped part-way: the environment may be half-changed, and what the check was doing */
  halfChanged?: string;
}

export interface SignoffData {
  item: string;
  decision: 'approve' | 'reject';
  comment: string;
  role?: string;
  /** the signer principal (email or name) */
  by: string;
  /** digests of the evidence the signer was shown (latest attempt) */
  evidence: string[];
  /** when signed: sha256 of the statement file and its .sig, relative paths in signoffs/ */
  statement?: StatementRef;
}

/**
 * A human act's signed statement (engine/signoff-sign.ts): the statement file and its SSH signature (paths relative
 * to the session, in signoffs/), their digests, and the fingerprint of the key that signed.
 */
export interface StatementRef {
  path: string;
  sha256: string;
  sigPath: string;
  sigSha256: string;
  keyFingerprint: string;
}

/** Who acted: the principal and the fingerprint of the SSH key they hold (absent: no key could be found). */
export interface Principal {
  principal: string;
  keyFingerprint?: string;
}

export interface WaiverData {
  item: string;
  reason: string;
  /** ISO date (YYYY-MM-DD or full timestamp) after which the waiver is invalid */
  expires: string;
  compensatingControl?: string;
  by: string;
  /**
   * digests of the evidence the waiver accepts (the item's latest attempt when it was waived): a re-run whose
   * evidence differs makes the waiver stale. Absent in journals written before waivers were bound to evidence.
   */
  evidence?: string[];
  /** when signed: the statement (kind "waiver") in signoffs/, like a sign-off's */
  statement?: SignoffData['statement'];
}

/** A second person's approval of a waiver (checklist `waiverApprovals`): the waiver counts once it has enough. */
export interface WaiverApprovalData {
  item: string;
  /** journal seq of the waiver record approved */
  waiver: number;
  comment: string;
  /** the approver principal */
  by: string;
  /** digests of the evidence the approver was shown (the ones the waiver accepts) */
  evidence: string[];
  /** when signed: the statement (`_type` readiness-tui/waiver.approval/v1) in signoffs/ */
  statement?: SignoffData['statement'];
}

export interface NoteData {
  item?: string;
  text: string;
  by: string;
  /** a note an operator wrote (not one the tool recorded): signed like a sign-off when a key is available */
  statement?: StatementRef;
  /**
   * The note the tool records when the driver turns the session-wide regression watch (W) on or off: the state
   * follows it (SessionState.watchAll), so every watcher shows the same schedule and a resumed driver keeps it.
   */
  watch?: 'on' | 'off';
}

export interface DecisionData {
  decision: Decision;
  /** blocking items that decide it, with their status (`stale`: passed, but its evidence is older than its maxAge) */
  deciding: { item: string; status: Status; stale?: true }[];
  final: boolean;
  /** who decided (the operator); with `statement` when signed like a sign-off */
  by?: string;
  statement?: StatementRef;
}

/**
 * Deliverables (checklist `deliverables:`) are checked like items, through the same check execution, but they are
 * not items: their results are shown and reported, and never change GO / NO-GO. `index` is the 0-based position in
 * the checklist's `deliverables` list; `path` repeats the deliverable's path for readers of the journal.
 */
export interface DeliverableStartData {
  index: number;
  path: string;
  attempt: number;
  /** exact command / API query that runs (secrets redacted) */
  describe: string;
}

export interface DeliverableResultData {
  index: number;
  path: string;
  attempt: number;
  verdict: CheckVerdict;
  summary: string;
  measured?: string;
  threshold?: string;
  error?: { message: string; hint?: string };
  expect?: string;
  durationMs: number;
  evidence: EvidenceRef[];
}

/** a deliverable check that was cancelled (before or while it ran): it did not fail */
export interface DeliverableSkipData {
  index: number;
  path: string;
  reason: string;
}

export interface SessionCloseData {
  decision: Decision;
}

export interface JournalEventMap {
  'session.start': SessionStartData;
  'session.resume': SessionResumeData;
  'item.start': ItemStartData;
  'item.result': ItemResultData;
  'item.skip': ItemSkipData;
  'deliverable.start': DeliverableStartData;
  'deliverable.result': DeliverableResultData;
  'deliverable.skip': DeliverableSkipData;
  signoff: SignoffData;
  waiver: WaiverData;
  'waiver.approval': WaiverApprovalData;
  note: NoteData;
  decision: DecisionData;
  'report.generated': { path: string; signed: boolean; interim: boolean };
  'session.close': SessionCloseData;
}

export type JournalEventType = keyof JournalEventMap;

export type JournalEvent = {
  [K in JournalEventType]: { type: K; actor: string; ts: string; data: JournalEventMap[K] };
}[JournalEventType];

export interface JournalRecord {
  v: 1;
  seq: number;
  prev: string | null;
  ts: string;
  type: JournalEventType;
  actor: string;
  data: unknown;
}

/** Streamed output: not journaled. Lines are sanitized (no control sequences) and redacted. */
export interface OutputEvent {
  type: 'output';
  /** the item id, or `deliverables[<index>]` for a deliverable's check */
  item: string;
  lines: string[];
  /** lines dropped from this batch because the producer was faster than the flush (still in evidence) */
  dropped: number;
  stream: 'stdout' | 'stderr' | 'info';
}

export type EngineEvent = JournalEvent | OutputEvent;

export type EventListener = (e: EngineEvent) => void;

/** The evidence files a journal record names (item and deliverable results): what a bundle copies and verify checks. */
export function recordedEvidence(r: Pick<JournalRecord, 'type' | 'data'>): EvidenceRef[] {
  if (r.type !== 'item.result' && r.type !== 'deliverable.result' && r.type !== 'item.skip') return [];
  const ev = (r.data as { evidence?: unknown } | null | undefined)?.evidence;
  return Array.isArray(ev) ? (ev as EvidenceRef[]) : [];
}
