/**
 * What the screens may ask for. The TUI command wires these to the session, the runner and the report
 * (controller.ts); components and the key dispatcher only call them, so they never spawn, read files or
 * compute verdicts themselves.
 */
import type { DiffInput } from '../report/diff.js';
import type { RehearsalRef } from '../report/rehearsal.js';

export interface SignoffInput {
  item: string;
  decision: 'approve' | 'reject';
  comment: string;
  role?: string;
}

export interface WaiverInput {
  item: string;
  reason: string;
  expires: string;
  compensatingControl?: string;
}

/** a second person's approval of waiver #waiver on the item (checklist `waiverApprovals`), like `waive --approve` */
export interface WaiverApprovalInput {
  item: string;
  /** the journal seq of the waiver */
  waiver: number;
  comment: string;
}

export interface NoteInput {
  item?: string;
  text: string;
}

export interface SaveResult {
  /** shown in the dialog once the record is durable, e.g. "signed with SHA256:…" or "unsigned: no SSH key" */
  message: string;
}

/** one item on the regression watch's schedule (engine/watch.ts), as the screens show it */
export interface WatchView {
  everyMs: number;
  /** when its next watch run is due (epoch ms); while a watch run is under way the item's state says so */
  nextAt: number;
}

export interface UiActions {
  operator: string;
  /** a watcher (--readonly, `watch`): follows the session, signs off, waives, approves waivers, notes; never runs, cancels or reports */
  readonly: boolean;
  /**
   * `W`: the session-wide regression watch on or off (the driver; journaled as a note); resolves with whether it is on.
   * Items with their own `watch:` are watched either way.
   */
  toggleWatch?(): Promise<boolean>;
  /**
   * the regression watch's schedule now: item id → when it is re-checked next. The driver's is its watch's; a
   * watcher's is what the checklist's `watch:` keys give (the driver's TUI runs them).
   */
  watchSchedule(): Map<string, WatchView>;
  /** run these items; with `deliverables`, check the checklist's deliverables after them (`A`) */
  run(ids: string[], o?: { deliverables?: boolean }): void;
  /** hand the driver role over: no new runs, the running ones finish, then the session is released; this UI watches */
  handOver(): Promise<void>;
  /** cancel one item, or everything running when no id; `how` says what the operator did ("key c in the TUI") */
  cancel(id?: string, how?: string): void;
  running(): string[];
  isMutating(id: string): boolean;
  /** the exact command(s) / API queries the item's check runs (secrets redacted) */
  describe(id: string): string[];
  signoff(i: SignoffInput): Promise<SaveResult>;
  waive(i: WaiverInput): Promise<SaveResult>;
  /** `a`: approve someone else's waiver, by the rules and through the path of `waive ITEM --approve SEQ` */
  approveWaiver(i: WaiverApprovalInput): Promise<SaveResult>;
  note(i: NoteInput): Promise<SaveResult>;
  /** writes the report bundle; resolves with a line for the screen */
  generateReport(): Promise<SaveResult>;
  /** absolute path of an evidence file (relative to the session dir in the journal) */
  evidencePath(rel: string): string;
  /** open a file in $PAGER, handing the terminal over and back */
  openPager(file: string): void;
  quit(): void;
  /** rehearsals of this checklist in the state dir that started before this session, newest first (absent: none) */
  rehearsals?(): Promise<RehearsalRef[]>;
  /** a session directory replayed read-only (the rehearsal the diff screen compares with) */
  replay?(dir: string): Promise<DiffInput>;
  /**
   * check groups a runner that died left running (shown at start, engine/group-ledger.ts): terminate them (the
   * operator agreed) or leave them; either way journaled. Absent for a watcher.
   */
  resolveOrphans?(pgids: number[], terminate: boolean): Promise<void>;
}
