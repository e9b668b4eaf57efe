/**
 * Navigation and dialog state of the TUI: a zustand vanilla store, separate from the session store (which holds
 * what happened). Key handlers read it with getState(), never from render closures.
 */
import type { Decision } from '../engine/status.js';
import type { DiffInput } from '../report/diff.js';
import type { RehearsalRef } from '../report/rehearsal.js';
import type { RehearsalPlan } from './clock.js';
import { createStore, type StoreApi } from 'zustand/vanilla';

export type Screen =
  | { name: 'overview' }
  | { name: 'block'; blockId: string }
  | { name: 'item'; itemId: string }
  | { name: 'decision' }
  /** `D`: a rehearsal of the checklist against this session, item by item */
  | { name: 'diff' };

export type ScreenName = Screen['name'];

export type DialogPhase = 'edit' | 'saving' | 'saved' | 'error';

export interface SignoffDialog {
  kind: 'signoff';
  item: string;
  decision: 'approve' | 'reject';
  role: string;
  roles: string[];
  comment: string;
  field: number;
  phase: DialogPhase;
  message?: string;
  /** why the item cannot be approved now (the dialog opens on "reject" and says so) */
  notice?: string;
}

export interface WaiverDialog {
  kind: 'waiver';
  item: string;
  reason: string;
  expires: string;
  control: string;
  field: number;
  phase: DialogPhase;
  message?: string;
}

/**
 * `a`: approve someone else's waiver #waiver of the item (checklist `waiverApprovals`). Field 0 is the question
 * (y approves, n cancels), field 1 the optional comment (typed text; Enter approves, Esc cancels).
 */
export interface ApproveWaiverDialog {
  kind: 'approve-waiver';
  item: string;
  waiver: number;
  comment: string;
  field: number;
  phase: DialogPhase;
  message?: string;
}

export interface NoteDialog {
  kind: 'note';
  item?: string;
  text: string;
  field: number;
  phase: DialogPhase;
  message?: string;
}

export interface ConfirmRunDialog {
  kind: 'confirm-run';
  /** the items the operator asked to run */
  ids: string[];
  /** mutating items among them, with the exact commands they will run */
  mutating: { item: string; commands: string[] }[];
  /** check the deliverables after the items (`A`) */
  deliverables?: boolean;
  /** something else to weigh first (a re-run after the final decision) */
  warning?: string;
  /** first row of the command list shown (↑/↓ scroll it when it does not fit) */
  scroll?: number;
}

/** `g`: what the decision rests on and what is missing, before it is recorded and the report written */
export interface ConfirmDecisionDialog {
  kind: 'confirm-decision';
  decision: Decision;
  lines: string[];
  /** why it cannot be recorded as final (y then does nothing) */
  refusal?: string;
  /** the same final decision is already recorded and nothing changed: y writes the report again, nothing new */
  already?: { decision: Decision; seq: number };
  /** first row of the list shown (↑/↓ scroll it when it does not fit) */
  scroll?: number;
}

export interface QuitDialog {
  kind: 'quit';
  running: string[];
}

/** the driver hands the driver role over (H): its running checks finish here first */
export interface HandoverDialog {
  kind: 'handover';
  running: string[];
}

/** at start: check groups a runner that died left running; y terminates them, n leaves them (asked again next start) */
export interface OrphansDialog {
  kind: 'orphans';
  pgids: number[];
  /** one line per group (describeOrphan) */
  lines: string[];
}

export type Dialog = SignoffDialog | WaiverDialog | ApproveWaiverDialog | NoteDialog | ConfirmRunDialog | ConfirmDecisionDialog | QuitDialog | HandoverDialog | OrphansDialog;

/** The diff screen: the rehearsals to pick from (newest first), the one picked, and the scroll position. */
export interface DiffView {
  phase: 'loading' | 'ready' | 'none' | 'error';
  message?: string;
  candidates: RehearsalRef[];
  pick: number;
  /** the picked rehearsal, replayed */
  rehearsal?: { dir: string; replay: DiffInput };
  /** first row shown of the scrolled part */
  top: number;
}

export interface UiState {
  stack: Screen[];
  /** selected row per list (key: "overview", "block:<id>", "decision") */
  sel: Record<string, number>;
  filter: string;
  filterEditing: boolean;
  help: boolean;
  dialog?: Dialog;
  /** output pane: following the newest line, or paused with `end` = absolute number of the last visible line */
  pane: { follow: boolean; end: number };
  /** time of the first Ctrl-C (a second one within CTRL_C_WINDOW_MS quits) */
  ctrlCAt?: number;
  flash?: { text: string; level: 'info' | 'warn' | 'error' };
  /** report generation on the decision screen */
  report?: { phase: 'writing' | 'done' | 'error'; text: string };
  /** the diff screen (kept while it is open, so going back to it keeps its place) */
  diff?: DiffView;
  /** the newest rehearsal's durations: the cutover clock plans what is left from them */
  rehearsal?: RehearsalPlan;
  cols: number;
  rows: number;
  quitting: boolean;
}

export const CTRL_C_WINDOW_MS = 2000;

/** keys of UiState.sel: the first line the decision screen shows, and the most it can scroll (DecisionScreen sets it) */
export const DECISION_SCROLL = 'decision:top';
export const DECISION_SCROLL_MAX = 'decision:maxTop';

export type UiStore = StoreApi<UiState>;

export function createUiStore(size: { cols: number; rows: number }): UiStore {
  return createStore<UiState>(() => ({
    stack: [{ name: 'overview' }],
    sel: {},
    filter: '',
    filterEditing: false,
    help: false,
    pane: { follow: true, end: 0 },
    cols: size.cols,
    rows: size.rows,
    quitting: false,
  }));
}

export function currentScreen(s: UiState): Screen {
  return s.stack[s.stack.length - 1] ?? { name: 'overview' };
}

export function selKey(screen: Screen): string {
  return screen.name === 'block' ? `block:${screen.blockId}` : screen.name;
}

export const MIN_COLS = 60;
export const MIN_ROWS = 15;

export function tooSmall(s: Pick<UiState, 'cols' | 'rows'>): boolean {
  return s.cols < MIN_COLS || s.rows < MIN_ROWS;
}
