/**
 * The one key dispatcher of the TUI and the keymap the help overlay and the footer are generated from.
 *
 * Ink hands us (input, key) per read. Two keys typed fast (or sent by tmux/SSH in one packet: `jj`, `j⏎`) arrive as
 * one multi-character input that Ink does not split, so we split it here. Every handler reads the current state from
 * the stores (getState), never from a render closure, so a burst of keys acts on the state each key left behind.
 *
 * Over 400 lines: the keymap (from which the help overlay and the footer are generated) and the dispatcher that acts on
 * it are kept together so a binding and what it does cannot drift apart; the commands, dialogs and text fields are
 * named functions, each under ~150 lines.
 */
import type { Checklist } from '../checklist/model.js';
import { approvalRefusal, decisionBasis } from '../engine/session-state.js';
import type { LiveState, SessionStore } from '../engine/store.js';
import { reverifyPlan } from '../engine/freshness.js';
import { waiverToApprove } from '../engine/waiver.js';
import type { RehearsalRef } from '../report/rehearsal.js';
import type { UiActions } from './actions.js';
import { currentDiff, diffLayout, diffListRows } from './diff-view.js';
import {
  blockOf,
  findItem,
  isAutomated,
  overviewBlocks,
  rowCount,
  selectedIndex,
  targetBlock,
  targetItem,
} from './selectors.js';
import {
  CTRL_C_WINDOW_MS,
  DECISION_SCROLL,
  DECISION_SCROLL_MAX,
  currentScreen,
  selKey,
  tooSmall,
  type ConfirmDecisionDialog,
  type ConfirmRunDialog,
  type Dialog,
  type ScreenName,
  type UiState,
  type UiStore,
} from './ui-store.js';
import { clampScroll, dialogRows, dialogWindow } from './dialogs/scroll-lines.js';

/** A normalised key: a printable character, or one of these names. */
export type KeyName =
  | 'up'
  | 'down'
  | 'left'
  | 'right'
  | 'pageup'
  | 'pagedown'
  | 'home'
  | 'end'
  | 'enter'
  | 'escape'
  | 'backspace'
  | 'delete'
  | 'tab'
  | 'shift-tab'
  | `ctrl-${string}`
  | string;

/** The subset of Ink's Key we read. */
export interface InkKeyLike {
  upArrow?: boolean;
  downArrow?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  home?: boolean;
  end?: boolean;
  return?: boolean;
  escape?: boolean;
  ctrl?: boolean;
  shift?: boolean;
  tab?: boolean;
  backspace?: boolean;
  delete?: boolean;
}

function charKey(ch: string): KeyName {
  if (ch === '\r' || ch === '\n') return 'enter';
  if (ch === '\t') return 'tab';
  if (ch === '\x7f' || ch === '\b') return 'backspace';
  if (ch === '\x03') return 'ctrl-c';
  const code = ch.codePointAt(0) ?? 0;
  if (code > 0 && code < 27) return `ctrl-${String.fromCharCode(code + 96)}`;
  return ch;
}

/** Turn one Ink input event into the keys it stands for (several when a read coalesced them). */
export function toKeys(input: string, key: InkKeyLike): KeyName[] {
  if (key.upArrow) return ['up'];
  if (key.downArrow) return ['down'];
  if (key.leftArrow) return ['left'];
  if (key.rightArrow) return ['right'];
  if (key.pageUp) return ['pageup'];
  if (key.pageDown) return ['pagedown'];
  if (key.home) return ['home'];
  if (key.end) return ['end'];
  if (key.return) return ['enter'];
  if (key.tab) return [key.shift ? 'shift-tab' : 'tab'];
  if (key.backspace) return ['backspace'];
  // Ink 6 reports the DEL byte (what most terminals send for Backspace) as "delete"
  if (key.delete) return ['backspace'];
  if (key.escape && !input) return ['escape'];
  if (key.ctrl && input.length === 1) return [`ctrl-${input.toLowerCase()}`];
  if (!input) return [];
  if (input.includes('\x1b')) return [];
  return Array.from(input).map(charKey);
}

export type Command =
  | 'nav.up'
  | 'nav.down'
  | 'nav.top'
  | 'nav.bottom'
  | 'nav.pageUp'
  | 'nav.pageDown'
  | 'nav.open'
  | 'nav.back'
  | 'nav.next'
  | 'nav.prev'
  | 'nav.decision'
  | 'run.item'
  | 'run.block'
  | 'run.all'
  | 'run.reverify'
  | 'run.cancel'
  | 'watch.toggle'
  | 'item.signoff'
  | 'item.waive'
  | 'waiver.approve'
  | 'note.add'
  | 'list.filter'
  | 'pane.follow'
  | 'pane.open'
  | 'report.generate'
  | 'session.handover'
  | 'diff.open'
  | 'diff.older'
  | 'diff.newer'
  | 'diff.nextChange'
  | 'diff.prevChange'
  | 'app.help'
  | 'app.quit'
  | 'app.interrupt';

export interface Binding {
  command: Command;
  keys: KeyName[];
  /** short label for the footer */
  label: string;
  /** sentence for the help overlay */
  help: string;
  /** screens where it works; undefined = everywhere */
  screens?: ScreenName[];
  footer?: boolean;
  /** only the driver may: a watcher (--readonly) is neither shown nor given it */
  driver?: true;
  /**
   * shown in the footer and the help only where it applies (applicableCommands); pressed where it does not, it says
   * why not
   */
  conditional?: true;
}

const LISTS: ScreenName[] = ['overview', 'block', 'decision'];
const ITEMISH: ScreenName[] = ['block', 'item', 'decision'];

/** Screen-specific bindings come first: the first binding that matches the key on the current screen wins. */
export const KEYMAP: Binding[] = [
  { command: 'report.generate', keys: ['g'], label: 'report', help: 'write the report bundle', screens: ['decision'], footer: true, driver: true },
  { command: 'nav.up', keys: ['up', 'k'], label: 'move', help: 'up (pane: scroll back a line)', footer: true },
  { command: 'nav.down', keys: ['down', 'j'], label: 'move', help: 'down (pane: forward a line)' },
  { command: 'nav.top', keys: ['g', 'home'], label: 'top', help: 'first row (pane: oldest line)' },
  { command: 'nav.bottom', keys: ['G', 'end'], label: 'bottom', help: 'last row (pane: follow)' },
  { command: 'nav.pageUp', keys: ['pageup'], label: 'page', help: 'page up (pane: pause, back)' },
  { command: 'nav.pageDown', keys: ['pagedown'], label: 'page', help: 'page down (pane: forward)' },
  { command: 'nav.open', keys: ['enter'], label: 'open', help: 'open the block / item', screens: LISTS, footer: true },
  { command: 'nav.back', keys: ['escape', 'backspace'], label: 'back', help: 'back (clears the filter first)', footer: true },
  { command: 'nav.next', keys: ['tab'], label: 'next', help: 'next block / item, ⇄ decision', footer: true },
  { command: 'nav.prev', keys: ['shift-tab'], label: 'prev', help: 'previous block / item' },
  { command: 'nav.decision', keys: ['d'], label: 'decision', help: 'the go/no-go decision screen', footer: true },
  { command: 'run.item', keys: ['r'], label: 'run', help: 'run the item (asks if mutating)', screens: ITEMISH, footer: true, driver: true },
  { command: 'run.block', keys: ['R'], label: 'run block', help: 'run the block (automated items)', footer: true, driver: true },
  { command: 'run.all', keys: ['A'], label: 'run all', help: 'run every automated item, then check the deliverables', footer: true, driver: true },
  { command: 'run.reverify', keys: ['V'], label: 're-verify', help: 're-run the items whose evidence is stale (maxAge); mutating ones after a confirmation', driver: true },
  { command: 'watch.toggle', keys: ['W'], label: 'watch', help: 'regression watch on/off: re-check the passed non-mutating automated items that need no sign-off in the background every 10m (items with watch: always)', driver: true },
  { command: 'run.cancel', keys: ['c'], label: 'cancel', help: 'cancel the running item(s)', footer: true, driver: true },
  { command: 'item.signoff', keys: ['s'], label: 'sign off', help: 'sign off: approve or reject', screens: ITEMISH, footer: true },
  { command: 'item.waive', keys: ['w'], label: 'waive', help: 'waive: reason, expiry, control', screens: ITEMISH, footer: true },
  {
    command: 'waiver.approve',
    keys: ['a'],
    label: 'approve waiver',
    help: "approve the item's waiver that awaits your approval (waiverApprovals), signed with your key",
    screens: ['item', 'decision'],
    footer: true,
    conditional: true,
  },
  { command: 'note.add', keys: ['n'], label: 'note', help: 'add a note (item or session)' },
  { command: 'list.filter', keys: ['/'], label: 'filter', help: 'filter by id, title, status', screens: ['overview', 'block'], footer: true },
  { command: 'pane.follow', keys: ['f'], label: 'follow', help: 'follow / pause the output', screens: ['item'], footer: true },
  { command: 'pane.open', keys: ['o'], label: 'pager', help: 'open the evidence in $PAGER', screens: ['item'], footer: true },
  { command: 'session.handover', keys: ['H'], label: 'hand over', help: 'hand the driver role over (running checks finish first; a watcher then drives)', driver: true },
  { command: 'diff.nextChange', keys: [']'], label: 'next change', help: 'the next item that differs', screens: ['diff'], footer: true },
  { command: 'diff.prevChange', keys: ['['], label: 'prev change', help: 'the previous item that differs', screens: ['diff'] },
  { command: 'diff.older', keys: ['right'], label: 'older', help: 'compare with the next older rehearsal', screens: ['diff'], footer: true },
  { command: 'diff.newer', keys: ['left'], label: 'newer', help: 'compare with the next newer rehearsal', screens: ['diff'] },
  { command: 'diff.open', keys: ['D'], label: 'vs rehearsal', help: 'this run vs a rehearsal of the checklist, item by item (newest rehearsal first)' },
  { command: 'app.help', keys: ['?'], label: 'help', help: 'show / hide this help', footer: true },
  { command: 'app.quit', keys: ['q'], label: 'quit', help: 'quit (asks if checks run)', footer: true },
  { command: 'app.interrupt', keys: ['ctrl-c'], label: 'cancel/quit', help: 'cancel checks; twice: quit' },
];

/** The bindings of a screen; a watcher's (`watching`) leave out what only the driver may do. */
export function bindingsFor(screen: ScreenName, watching = false): Binding[] {
  return KEYMAP.filter((b) => (!b.screens || b.screens.includes(screen)) && !(watching && b.driver));
}

export function commandFor(k: KeyName, screen: ScreenName, watching = false): Command | undefined {
  return bindingsFor(screen, watching).find((b) => b.keys.includes(k))?.command;
}

const KEY_LABEL: Record<string, [string, string]> = {
  up: ['↑', 'Up'],
  down: ['↓', 'Down'],
  left: ['←', 'Left'],
  right: ['→', 'Right'],
  enter: ['⏎', 'Enter'],
  escape: ['Esc', 'Esc'],
  backspace: ['⌫', 'Bksp'],
  tab: ['Tab', 'Tab'],
  'shift-tab': ['S-Tab', 'S-Tab'],
  pageup: ['PgUp', 'PgUp'],
  pagedown: ['PgDn', 'PgDn'],
  home: ['Home', 'Home'],
  end: ['End', 'End'],
  'ctrl-c': ['^C', '^C'],
};

export function keyLabel(k: KeyName, ascii: boolean): string {
  const l = KEY_LABEL[k];
  return l ? l[ascii ? 1 : 0] : k;
}

/** Footer order: what the operator came to do first, then moving around; help and quit always end the line. */
const FOOTER_FIRST: Command[] = [
  'report.generate',
  'diff.nextChange',
  'diff.older',
  'waiver.approve',
  'nav.open',
  'run.item',
  'run.block',
  'run.all',
  'run.cancel',
  'item.signoff',
  'item.waive',
  'pane.follow',
  'pane.open',
  'list.filter',
  'nav.up',
  'nav.back',
  'nav.decision',
  'nav.next',
];

/** The bindings a footer or the help shows: a conditional one only where it applies. */
function shownBindings(screen: ScreenName, watching: boolean, applies: readonly Command[]): Binding[] {
  return bindingsFor(screen, watching).filter((b) => !b.conditional || applies.includes(b.command));
}

/** Footer hints for a screen: "⏎ open  r run … ? help  q quit". `applies`: the conditional commands that apply now. */
export function footerHints(screen: ScreenName, ascii: boolean, watching = false, applies: readonly Command[] = []): { keys: string; label: string }[] {
  const seen = new Set<string>();
  const out: { keys: string; label: string }[] = [];
  const rank = (b: Binding) => {
    const i = FOOTER_FIRST.indexOf(b.command);
    return i < 0 ? FOOTER_FIRST.length : i;
  };
  for (const b of [...shownBindings(screen, watching, applies)].sort((x, y) => rank(x) - rank(y))) {
    if (!b.footer || seen.has(b.label)) continue;
    // on the decision screen g means "report", not "top"
    const keys = b.command === 'nav.up' ? [keyLabel('up', ascii) + keyLabel('down', ascii), 'j/k'].join(' ') : b.keys.slice(0, 1).map((k) => keyLabel(k, ascii)).join('/');
    seen.add(b.label);
    out.push({ keys, label: b.label });
  }
  return out;
}

/** Help overlay rows for a screen. */
export function helpRows(screen: ScreenName, ascii: boolean, watching = false, applies: readonly Command[] = []): { keys: string; help: string }[] {
  const taken = new Set<string>();
  const out: { keys: string; help: string }[] = [];
  for (const b of shownBindings(screen, watching, applies)) {
    const keys = b.keys.filter((k) => !taken.has(k));
    keys.forEach((k) => taken.add(k));
    if (!keys.length) continue;
    out.push({ keys: keys.map((k) => keyLabel(k, ascii)).join(' '), help: b.help });
  }
  return out;
}

/**
 * `a` on the item screen, or on a deciding item's row of the decision screen: the waiver of the item pointed at that
 * this operator may approve now, or the engine's reason why not (their own waiver, approved already, stale, expired,
 * nothing needed). Undefined where no item is pointed at.
 */
export function waiverApprovalHere(c: Checklist, live: LiveState, ui: UiState, operator: string, now = new Date()): { item: string; seq: number } | { refused: string } | undefined {
  const screen = currentScreen(ui).name;
  if (screen !== 'item' && screen !== 'decision') return undefined;
  const it = targetItem(c, live, ui);
  const st = it ? live.items[it.id] : undefined;
  if (!it || !st) return undefined;
  // the key this principal signed with before (trust on first use): one that signed the waiver cannot approve it
  const key = live.keys.byPrincipal[operator.trim().toLowerCase()]?.key;
  const r = waiverToApprove(it, st, operator, now, key);
  return 'seq' in r ? { item: it.id, seq: r.seq } : r;
}

/** The conditional commands (Binding.conditional) that apply now: the footer and the help show only these. */
export function applicableCommands(c: Checklist, live: LiveState, ui: UiState, operator: string, now = new Date()): Command[] {
  const w = waiverApprovalHere(c, live, ui, operator, now);
  return w && 'seq' in w ? ['waiver.approve'] : [];
}

export interface DispatchContext {
  ui: UiStore;
  live: SessionStore;
  actions: UiActions;
  /** rows available to the output pane (for paging) */
  paneRows?: () => number;
  /** rows between the header and the footer (the diff screen scrolls in them) */
  bodyRows?: () => number;
  /** the size of the screen's body, where dialogs are drawn (for scrolling a dialog's list) */
  bodySize?: () => { width: number; height: number };
  now?: () => number;
}

/** Entry point for Ink's useInput. */
export function dispatchInput(input: string, key: InkKeyLike, ctx: DispatchContext): void {
  for (const k of toKeys(input, key)) handleKey(k, ctx);
}

function setUi(ctx: DispatchContext, p: Partial<UiState> | ((s: UiState) => Partial<UiState>)): void {
  ctx.ui.setState(p);
}

function flash(ctx: DispatchContext, text: string, level: 'info' | 'warn' | 'error' = 'info'): void {
  setUi(ctx, { flash: { text, level } });
}

function isPrintable(k: KeyName): boolean {
  return [...k].length === 1 && (k.codePointAt(0) ?? 0) >= 32 && k !== '\x7f';
}

export function handleKey(k: KeyName, ctx: DispatchContext): void {
  const ui = ctx.ui.getState();
  const now = ctx.now?.() ?? Date.now();
  if (k !== 'ctrl-c' && ui.ctrlCAt !== undefined) setUi(ctx, { ctrlCAt: undefined });
  if (k === 'ctrl-c') return interrupt(ctx, now);
  if (ui.dialog) return dialogKey(k, ui.dialog, ctx);
  if (ui.filterEditing) return filterKey(k, ctx);
  if (ui.flash) setUi(ctx, { flash: undefined });
  if (ui.help) {
    if (k === '?' || k === 'escape' || k === 'q' || k === 'backspace') setUi(ctx, { help: false });
    return;
  }
  if (tooSmall(ui)) {
    if (k === 'q') quit(ctx);
    return;
  }
  const screen = currentScreen(ui);
  const cmd = commandFor(k, screen.name, ctx.actions.readonly);
  if (cmd) runCommand(cmd, ctx);
}

function interrupt(ctx: DispatchContext, now: number): void {
  const ui = ctx.ui.getState();
  if (ui.ctrlCAt !== undefined && now - ui.ctrlCAt <= CTRL_C_WINDOW_MS) {
    ctx.actions.quit();
    return;
  }
  // a watcher's Ctrl-C never cancels the driver's checks
  const running = ctx.actions.readonly ? [] : ctx.actions.running();
  if (running.length) {
    ctx.actions.cancel(undefined, 'Ctrl-C in the TUI');
    setUi(ctx, { ctrlCAt: now, flash: { text: `cancelling ${running.length} running check(s) — press Ctrl-C again to quit`, level: 'warn' } });
  } else {
    setUi(ctx, { ctrlCAt: now, flash: { text: 'press Ctrl-C again to quit', level: 'warn' } });
  }
}

function quit(ctx: DispatchContext): void {
  const running = ctx.actions.readonly ? [] : ctx.actions.running();
  if (running.length) setUi(ctx, { dialog: { kind: 'quit', running } });
  else ctx.actions.quit();
}

function moveSel(ctx: DispatchContext, f: (i: number, n: number) => number): void {
  const ui = ctx.ui.getState();
  const live = ctx.live.store.getState();
  const c = ctx.live.checklist;
  const screen = currentScreen(ui);
  const n = rowCount(c, live, ui, screen);
  if (!n) return;
  const i = selectedIndex(c, live, ui, screen);
  const next = Math.max(0, Math.min(n - 1, f(i, n)));
  setUi(ctx, { sel: { ...ui.sel, [selKey(screen)]: next } });
}

/** Scroll the output pane: positive = back in time. 'top' = oldest kept line, 'bottom' = follow again. */
function scrollPane(ctx: DispatchContext, delta: number | 'top' | 'bottom'): void {
  const ui = ctx.ui.getState();
  const screen = currentScreen(ui);
  if (screen.name !== 'item') return;
  const buf = ctx.live.output(screen.itemId);
  const rows = Math.max(1, ctx.paneRows?.() ?? 10);
  const oldest = buf.total - buf.size;
  const minEnd = Math.min(buf.total, oldest + rows);
  if (delta === 'bottom') return setUi(ctx, { pane: { follow: true, end: buf.total } });
  const from = ui.pane.follow ? buf.total : ui.pane.end;
  const end = delta === 'top' ? minEnd : Math.max(minEnd, Math.min(buf.total, from - delta));
  setUi(ctx, { pane: end >= buf.total && delta !== 'top' && typeof delta === 'number' && delta < 0 ? { follow: true, end } : { follow: false, end } });
}

/** PgUp / PgDn on the decision screen: scroll it by a page (within what DecisionScreen says it can scroll) */
function scrollDecision(ctx: DispatchContext, dir: 1 | -1): void {
  const ui = ctx.ui.getState();
  const page = Math.max(1, (ctx.bodySize?.().height ?? ui.rows - 6) - 4);
  const max = ui.sel[DECISION_SCROLL_MAX] ?? 0;
  const top = Math.max(0, Math.min(max, (ui.sel[DECISION_SCROLL] ?? 0) + dir * page));
  setUi(ctx, { sel: { ...ui.sel, [DECISION_SCROLL]: top } });
}

function pageRows(ctx: DispatchContext): number {
  return Math.max(1, (ctx.paneRows?.() ?? Math.max(5, ctx.ui.getState().rows - 10)) - 1);
}

function runTargets(ctx: DispatchContext, ids: string[], what: string, o: { deliverables?: boolean } = {}): void {
  if (ctx.actions.readonly) return flash(ctx, 'watching: only the driver runs checks', 'warn');
  const c = ctx.live.checklist;
  const live = ctx.live.store.getState();
  const auto = ids.filter((id) => {
    const it = findItem(c, id);
    return it && isAutomated(it) && !live.items[id]?.running;
  });
  if (!auto.length && o.deliverables && c.deliverables.some((d) => d.check)) {
    ctx.actions.run([], o);
    return flash(ctx, 'checking the deliverables');
  }
  if (!auto.length) {
    const it = ids.length === 1 ? findItem(c, ids[0]!) : undefined;
    const st = it ? live.items[it.id] : undefined;
    const why =
      it && !isAutomated(it)
        ? `${it.id} is a manual item: sign it off with s`
        : st?.running && st.trigger === 'watch'
          ? `${st.id} is being re-checked by the regression watch: its result is on the way`
          : `nothing to run in ${what}`;
    return flash(ctx, why, 'warn');
  }
  const mutating = auto.filter((id) => ctx.actions.isMutating(id)).map((id) => ({ item: id, commands: ctx.actions.describe(id) }));
  // after the final decision, a re-run makes the sign-offs on changed evidence stale: say so before it runs
  const signed = auto.filter((id) => live.items[id]!.signoffs.some((s) => !s.stale));
  const afterDecision =
    live.finalDecision && live.finalDecision.seq > live.lastChange
      ? `the final decision ${live.finalDecision.decision} is recorded: re-running ${auto.length === 1 ? auto[0] : `${auto.length} items`} changes the journal` +
        (signed.length ? ` and makes the sign-offs on ${signed.join(', ')} stale if the evidence changes` : '') +
        '; the decision must then be taken again'
      : undefined;
  if (mutating.length || afterDecision) {
    setUi(ctx, {
      dialog: { kind: 'confirm-run', ids: auto, mutating, ...(o.deliverables ? { deliverables: true } : {}), ...(afterDecision ? { warning: afterDecision } : {}) },
    });
    return;
  }
  ctx.actions.run(auto, o);
  flash(ctx, (auto.length === 1 ? `running ${auto[0]}` : `running ${auto.length} items of ${what}`) + (o.deliverables ? ', then the deliverables' : ''));
}

/** `V`: the stale items now — the non-mutating ones run at once, the mutating ones wait for the confirm dialog. */
function reverify(ctx: DispatchContext, live: LiveState, c: Checklist): void {
  if (ctx.actions.readonly) return flash(ctx, 'watching: only the driver runs checks', 'warn');
  const plan = reverifyPlan(live, c, new Date(), 0, (it) => ctx.actions.isMutating(it.id));
  if (!plan.safe.length && !plan.mutating.length) return flash(ctx, 'nothing to re-verify: no evidence is older than its maxAge');
  if (plan.safe.length) {
    ctx.actions.run(plan.safe);
    flash(ctx, `re-verifying ${plan.safe.join(', ')}`);
  }
  if (plan.mutating.length) {
    const mutating = plan.mutating.map((id) => ({ item: id, commands: ctx.actions.describe(id) }));
    setUi(ctx, { dialog: { kind: 'confirm-run', ids: plan.mutating, mutating } });
  }
}

/** `a`: the confirm dialog on the waiver this operator may approve, else the engine's own words why not. */
function approveWaiver(ctx: DispatchContext): void {
  const w = waiverApprovalHere(ctx.live.checklist, ctx.live.store.getState(), ctx.ui.getState(), ctx.actions.operator);
  if (!w) return;
  // the same check runs again inside the journal lock when it is recorded
  if ('refused' in w) return flash(ctx, w.refused, 'warn');
  setUi(ctx, { dialog: { kind: 'approve-waiver', item: w.item, waiver: w.seq, comment: '', field: 0, phase: 'edit' } });
}

/** `W`: the session-wide regression watch on or off (journaled by the controller: every TUI of the session follows it). */
function toggleWatch(ctx: DispatchContext): void {
  const toggle = ctx.actions.toggleWatch;
  if (ctx.actions.readonly || !toggle) return flash(ctx, 'watching: only the driver runs the regression watch', 'warn');
  toggle().then(
    (on) =>
      flash(ctx, on ? 'regression watch on: passed items are re-checked in the background (next run at … in the item)' : 'regression watch off (items with their own watch: still are)'),
    (err: unknown) => flash(ctx, `regression watch not changed: ${err instanceof Error ? err.message : String(err)}`, 'error'),
  );
}

/** `D`: the diff screen, on the newest rehearsal (or where it was left). */
function openDiff(ctx: DispatchContext): void {
  const ui = ctx.ui.getState();
  if (currentScreen(ui).name !== 'diff') setUi(ctx, { stack: [...ui.stack, { name: 'diff' }] });
  if (ui.diff?.phase === 'ready' || ui.diff?.phase === 'loading') return;
  loadDiff(ctx, 0);
}

/** Read the rehearsals (unless known) and replay the `pick`-th one for the diff screen. */
function loadDiff(ctx: DispatchContext, pick: number, known?: RehearsalRef[]): void {
  const { rehearsals, replay } = ctx.actions;
  const empty = { candidates: known ?? [], pick, top: 0 };
  if (!rehearsals || !replay) return setUi(ctx, { diff: { phase: 'none', ...empty } });
  setUi(ctx, { diff: { phase: 'loading', ...empty, ...(ctx.ui.getState().diff?.rehearsal ? { rehearsal: ctx.ui.getState().diff!.rehearsal } : {}) } });
  void (async () => {
    const list = known ?? (await rehearsals.call(ctx.actions));
    const ref = list[pick];
    if (!ref) return setUi(ctx, { diff: { phase: 'none', candidates: list, pick: 0, top: 0 } });
    const r = await replay.call(ctx.actions, ref.dir);
    // a later pick (←/→ pressed again meanwhile) wins
    if (ctx.ui.getState().diff?.pick === pick) setUi(ctx, { diff: { phase: 'ready', candidates: list, pick, rehearsal: { dir: ref.dir, replay: r }, top: 0 } });
  })().catch((err: unknown) => setUi(ctx, { diff: { phase: 'error', message: err instanceof Error ? err.message : String(err), ...empty } }));
}

/** Keys on the diff screen: scroll, jump between the items that differ, pick another rehearsal. False: not handled. */
function diffCommand(cmd: Command, ctx: DispatchContext): boolean {
  const ui = ctx.ui.getState();
  const view = ui.diff;
  if (cmd === 'diff.older' || cmd === 'diff.newer') {
    if (!view || view.phase === 'loading' || view.candidates.length < 2) {
      flash(ctx, view?.candidates.length === 1 ? 'there is only one rehearsal to compare with' : 'no other rehearsal', 'warn');
      return true;
    }
    const next = view.pick + (cmd === 'diff.older' ? 1 : -1);
    if (next < 0 || next >= view.candidates.length) {
      flash(ctx, cmd === 'diff.older' ? 'this is the oldest rehearsal' : 'this is the newest rehearsal', 'warn');
      return true;
    }
    loadDiff(ctx, next, view.candidates);
    return true;
  }
  if (!['nav.up', 'nav.down', 'nav.top', 'nav.bottom', 'nav.pageUp', 'nav.pageDown', 'diff.nextChange', 'diff.prevChange'].includes(cmd)) return false;
  const d = currentDiff(view, { checklist: ctx.live.checklist, state: ctx.live.store.getState() });
  if (!d || !view) return true;
  const layout = diffLayout(d, ui.cols - 1, false);
  const n = diffListRows(ctx.bodyRows?.() ?? ui.rows - 6, layout);
  const max = Math.max(0, layout.rows.length - n);
  const top = Math.max(0, Math.min(view.top, max));
  const at = (t: number) => setUi(ctx, { diff: { ...view, top: Math.max(0, Math.min(max, t)) } });
  const changes = layout.rows.flatMap((r, i) => (r.changedItem ? [i] : []));
  switch (cmd) {
    case 'nav.up':
      return (at(top - 1), true);
    case 'nav.down':
      return (at(top + 1), true);
    case 'nav.top':
      return (at(0), true);
    case 'nav.bottom':
      return (at(max), true);
    case 'nav.pageUp':
      return (at(top - Math.max(1, n - 1)), true);
    case 'nav.pageDown':
      return (at(top + Math.max(1, n - 1)), true);
    case 'diff.nextChange': {
      const i = changes.find((r) => r > top);
      // the last page cannot scroll further: the differences left are on screen already
      if (i === undefined || top === max) flash(ctx, !changes.length ? 'no item differs' : i === undefined ? 'no item below differs' : 'the items below that differ are all on screen');
      else at(i);
      return true;
    }
    default: {
      const i = [...changes].reverse().find((r) => r < top);
      if (i === undefined) flash(ctx, changes.length ? 'no item above differs' : 'no item differs');
      else at(i);
      return true;
    }
  }
}

function today(offsetDays: number): string {
  return new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

function runCommand(cmd: Command, ctx: DispatchContext): void {
  const ui = ctx.ui.getState();
  const live: LiveState = ctx.live.store.getState();
  const c: Checklist = ctx.live.checklist;
  const screen = currentScreen(ui);
  const onItem = screen.name === 'item';
  if (screen.name === 'diff' && (cmd.startsWith('nav.') || cmd.startsWith('diff.')) && diffCommand(cmd, ctx)) return;
  switch (cmd) {
    case 'nav.up':
      return onItem ? scrollPane(ctx, 1) : moveSel(ctx, (i) => i - 1);
    case 'nav.down':
      return onItem ? scrollPane(ctx, -1) : moveSel(ctx, (i) => i + 1);
    case 'nav.top':
      return onItem ? scrollPane(ctx, 'top') : moveSel(ctx, () => 0);
    case 'nav.bottom':
      return onItem ? scrollPane(ctx, 'bottom') : moveSel(ctx, (_i, n) => n - 1);
    case 'nav.pageUp':
      if (screen.name === 'decision') return scrollDecision(ctx, -1);
      return onItem ? scrollPane(ctx, pageRows(ctx)) : moveSel(ctx, (i) => i - pageRows(ctx));
    case 'nav.pageDown':
      if (screen.name === 'decision') return scrollDecision(ctx, 1);
      return onItem ? scrollPane(ctx, -pageRows(ctx)) : moveSel(ctx, (i) => i + pageRows(ctx));
    case 'nav.open': {
      if (screen.name === 'overview') {
        const b = overviewBlocks(c, live, ui.filter)[selectedIndex(c, live, ui)];
        if (b) setUi(ctx, { stack: [...ui.stack, { name: 'block', blockId: b.id }] });
        return;
      }
      const it = targetItem(c, live, ui);
      if (it) setUi(ctx, { stack: [...ui.stack, { name: 'item', itemId: it.id }], pane: { follow: true, end: 0 } });
      return;
    }
    case 'nav.back':
      if (ui.filter && screen.name !== 'item') return setUi(ctx, { filter: '' });
      if (ui.stack.length > 1) setUi(ctx, { stack: ui.stack.slice(0, -1), pane: { follow: true, end: 0 } });
      return;
    case 'nav.next':
    case 'nav.prev': {
      const d = cmd === 'nav.next' ? 1 : -1;
      if (screen.name === 'block') {
        const i = c.blocks.findIndex((b) => b.id === screen.blockId);
        const nb = c.blocks[(i + d + c.blocks.length) % c.blocks.length]!;
        return setUi(ctx, { stack: [...ui.stack.slice(0, -1), { name: 'block', blockId: nb.id }] });
      }
      if (screen.name === 'item') {
        const b = blockOf(c, screen.itemId);
        if (!b) return;
        const i = b.items.findIndex((x) => x.id === screen.itemId);
        const ni = b.items[(i + d + b.items.length) % b.items.length]!;
        return setUi(ctx, { stack: [...ui.stack.slice(0, -1), { name: 'item', itemId: ni.id }], pane: { follow: true, end: 0 } });
      }
      if (screen.name === 'overview') return setUi(ctx, { stack: [...ui.stack, { name: 'decision' }] });
      return setUi(ctx, { stack: ui.stack.length > 1 ? ui.stack.slice(0, -1) : [{ name: 'overview' }] });
    }
    case 'nav.decision':
      if (screen.name !== 'decision') setUi(ctx, { stack: [...ui.stack, { name: 'decision' }] });
      return;
    case 'run.item': {
      const it = targetItem(c, live, ui);
      if (it) runTargets(ctx, [it.id], it.id);
      return;
    }
    case 'run.block': {
      const b = targetBlock(c, live, ui);
      if (b) runTargets(ctx, b.items.map((i) => i.id), `block ${b.id}`);
      return;
    }
    case 'run.all':
      return runTargets(ctx, live.order, 'the checklist', { deliverables: true });
    case 'run.reverify':
      return reverify(ctx, live, c);
    case 'watch.toggle':
      return toggleWatch(ctx);
    case 'run.cancel': {
      const it = targetItem(c, live, ui);
      const running = ctx.actions.running();
      if (it && screen.name !== 'overview') {
        if (!running.includes(it.id)) return flash(ctx, `${it.id} is not running`, 'warn');
        ctx.actions.cancel(it.id, 'key c in the TUI');
        return flash(ctx, `cancelling ${it.id}`, 'warn');
      }
      if (!running.length) return flash(ctx, 'nothing is running', 'warn');
      ctx.actions.cancel(undefined, 'key c in the TUI');
      return flash(ctx, `cancelling ${running.length} running check(s)`, 'warn');
    }
    case 'item.signoff': {
      const it = targetItem(c, live, ui);
      if (!it) return;
      if (live.items[it.id]?.running) return flash(ctx, `${it.id} is still running: sign off once it has finished`, 'warn');
      const roles = it.signoffRoles.length ? it.signoffRoles : it.role ? [it.role] : [];
      // an item that cannot be approved (failed, could not run, blocked) opens on "reject", saying why
      const notice = approvalRefusal(it, live.items[it.id]!);
      const decision = notice ? 'reject' : 'approve';
      return setUi(ctx, {
        dialog: { kind: 'signoff', item: it.id, decision, role: roles[0] ?? '', roles, comment: '', field: 0, phase: 'edit', ...(notice ? { notice } : {}) },
      });
    }
    case 'item.waive': {
      const it = targetItem(c, live, ui);
      if (!it) return;
      return setUi(ctx, { dialog: { kind: 'waiver', item: it.id, reason: '', expires: today(1), control: '', field: 0, phase: 'edit' } });
    }
    case 'waiver.approve':
      return approveWaiver(ctx);
    case 'note.add': {
      const it = screen.name === 'overview' ? undefined : targetItem(c, live, ui);
      return setUi(ctx, { dialog: { kind: 'note', item: it?.id, text: '', field: 0, phase: 'edit' } });
    }
    case 'list.filter':
      return setUi(ctx, { filterEditing: true });
    case 'session.handover':
      return setUi(ctx, { dialog: { kind: 'handover', running: ctx.actions.running() } });
    case 'pane.follow': {
      if (screen.name !== 'item') return;
      const total = ctx.live.output(screen.itemId).total;
      return setUi(ctx, { pane: ui.pane.follow ? { follow: false, end: total } : { follow: true, end: total } });
    }
    case 'pane.open': {
      if (screen.name !== 'item') return;
      const st = live.items[screen.itemId];
      const ev = st?.result?.evidence[0];
      if (!ev) return flash(ctx, `${screen.itemId} has no evidence file yet: run it first`, 'warn');
      ctx.actions.openPager(ctx.actions.evidencePath(ev.path));
      return;
    }
    case 'report.generate': {
      if (ui.report?.phase === 'writing') return;
      // a deliberate act: first what the decision rests on and what is missing, then y to record it
      const b = decisionBasis(c, live, new Date());
      const interimRefusal = b.decision === 'INCOMPLETE';
      return setUi(ctx, {
        dialog: {
          kind: 'confirm-decision',
          decision: b.decision,
          lines: b.lines,
          ...(b.refusal && !interimRefusal ? { refusal: b.refusal } : {}),
          ...(b.alreadyDecided ? { already: b.alreadyDecided } : {}),
        },
      });
    }
    case 'diff.open':
      return openDiff(ctx);
    case 'app.help':
      return setUi(ctx, { help: true });
    case 'app.quit':
      return quit(ctx);
    case 'app.interrupt':
      return interrupt(ctx, Date.now());
  }
}

function filterKey(k: KeyName, ctx: DispatchContext): void {
  const ui = ctx.ui.getState();
  const screen = currentScreen(ui);
  if (k === 'enter') return setUi(ctx, { filterEditing: false, sel: { ...ui.sel, [selKey(screen)]: 0 } });
  if (k === 'escape') return setUi(ctx, { filterEditing: false, filter: '' });
  if (k === 'backspace') return setUi(ctx, { filter: ui.filter.slice(0, -1) });
  if (k === 'ctrl-u') return setUi(ctx, { filter: '' });
  if (isPrintable(k)) setUi(ctx, { filter: ui.filter + k, sel: { ...ui.sel, [selKey(screen)]: 0 } });
}

/** Text fields of each dialog, in Tab order. */
const TEXT_FIELDS: Record<'signoff' | 'waiver' | 'approve-waiver' | 'note', (string | null)[]> = {
  // signoff: decision (choice), role (choice or text), comment
  signoff: [null, 'role', 'comment'],
  waiver: ['reason', 'expires', 'control'],
  // approve-waiver: the question (y / n), comment
  'approve-waiver': [null, 'comment'],
  note: ['text'],
};

function editText(v: string, k: KeyName): string | undefined {
  if (k === 'backspace') return v.slice(0, -1);
  if (k === 'ctrl-u') return '';
  if (isPrintable(k)) return v + k;
  return undefined;
}

export function validDate(s: string, now = new Date()): string | undefined {
  const t = /^\d{4}-\d{2}-\d{2}$/.test(s) ? Date.parse(s + 'T23:59:59.999Z') : /^\d{4}-\d{2}-\d{2}T/.test(s) ? Date.parse(s) : NaN;
  if (!Number.isFinite(t)) return 'expiry must be a date YYYY-MM-DD or an ISO timestamp';
  if (t < now.getTime()) return 'expiry is in the past';
  return undefined;
}

function dialogKey(k: KeyName, d: Dialog, ctx: DispatchContext): void {
  const set = (p: Partial<Dialog>) => setUi(ctx, (s) => ({ dialog: s.dialog ? ({ ...s.dialog, ...p } as Dialog) : undefined }));
  const close = () => setUi(ctx, { dialog: undefined });

  if (d.kind === 'quit') {
    if (k === 'y' || k === 'enter') ctx.actions.quit();
    else if (k === 'n' || k === 'escape' || k === 'q') close();
    return;
  }
  if (d.kind === 'handover') {
    if (k === 'y') {
      close();
      if (d.running.length) flash(ctx, `handing over: waiting for ${d.running.join(', ')} to finish`);
      // the outcome of the operator's own key is a flash: no message from others (… joined) pushes it off the line
      void ctx.actions.handOver().then(() => flash(ctx, 'you handed the driver role over and are watching now: a watcher drives with `readiness-tui FILE`'));
    } else if (k === 'n' || k === 'escape') close();
    return;
  }
  if ((d.kind === 'confirm-decision' || d.kind === 'confirm-run') && scrollDialog(k, d, ctx)) return;
  if (d.kind === 'confirm-decision') {
    if (k === 'y' && !d.refusal) {
      close();
      setUi(ctx, { report: { phase: 'writing', text: 'writing the report bundle…' } });
      ctx.actions.generateReport().then(
        (r) => setUi(ctx, { report: { phase: 'done', text: r.message } }),
        (err: unknown) => setUi(ctx, { report: { phase: 'error', text: err instanceof Error ? err.message : String(err) } }),
      );
    } else if (k === 'n' || k === 'escape' || k === 'y') close();
    return;
  }
  if (d.kind === 'orphans') {
    if (k === 'y' || k === 'n' || k === 'escape') {
      close();
      flash(ctx, k === 'y' ? `terminating ${d.pgids.length} leftover process group(s)…` : 'leftover processes left running (journaled)');
      void ctx.actions.resolveOrphans?.(d.pgids, k === 'y');
    }
    return;
  }
  if (d.kind === 'confirm-run') {
    if (k === 'y') {
      close();
      ctx.actions.run(d.ids, d.deliverables ? { deliverables: true } : undefined);
      flash(ctx, d.ids.length === 1 ? `running ${d.ids[0]}` : `running ${d.ids.length} items`);
    } else if (k === 'n' || k === 'escape') close();
    return;
  }
  if (d.phase === 'saving') return;
  if (d.phase === 'saved') return close();
  if (d.phase === 'error') return set({ phase: 'edit', message: undefined });

  const fields = TEXT_FIELDS[d.kind];
  const last = fields.length - 1;
  if (k === 'escape') return close();
  // Tab / Shift-Tab go round the fields; ↓/↑ stop at the ends; Enter saves from any field (the footer says so)
  if (k === 'tab') return set({ field: d.field === last ? 0 : d.field + 1 });
  if (k === 'shift-tab') return set({ field: d.field === 0 ? last : d.field - 1 });
  if (k === 'down') return set({ field: Math.min(last, d.field + 1) });
  if (k === 'up') return set({ field: Math.max(0, d.field - 1) });
  if (k === 'enter') return submit(d, ctx);
  if (d.kind === 'approve-waiver' && d.field === 0) {
    if (k === 'y') return submit(d, ctx);
    if (k === 'n') return close();
    return;
  }
  if (d.kind === 'signoff') {
    if (d.field === 0) {
      if (k === 'left' || k === 'right' || k === ' ') return set({ decision: d.decision === 'approve' ? 'reject' : 'approve' });
      if (k === 'a') return set({ decision: 'approve' });
      if (k === 'x' || k === 'r') return set({ decision: 'reject' });
      return;
    }
    if (d.field === 1 && d.roles.length) {
      const i = d.roles.indexOf(d.role);
      if (k === 'left' || k === 'right' || k === ' ') {
        const n = d.roles[(i + (k === 'left' ? -1 : 1) + d.roles.length) % d.roles.length]!;
        return set({ role: n });
      }
      return;
    }
  }
  const name = fields[d.field];
  if (!name) return;
  const cur = (d as unknown as Record<string, string>)[name] ?? '';
  const next = editText(cur, k);
  if (next !== undefined) set({ [name]: next } as Partial<Dialog>);
}

/** ↑/↓, PgUp/PgDn, Home/End scroll a dialog's list (the commands of a mutating run, what a decision rests on) */
function scrollDialog(k: KeyName, d: ConfirmRunDialog | ConfirmDecisionDialog, ctx: DispatchContext): boolean {
  const { cols, rows } = ctx.ui.getState();
  const body = ctx.bodySize?.() ?? { width: cols - 1, height: rows };
  const all = dialogRows(d, body.width - 4).length;
  const win = dialogWindow(d, body.height);
  const step = { up: -1, down: 1, pageup: -win, pagedown: win, home: -all, end: all }[k as 'up'];
  if (step === undefined) return false;
  const scroll = clampScroll((d.scroll ?? 0) + step, all, win);
  setUi(ctx, (s) => ({ dialog: s.dialog?.kind === d.kind ? ({ ...s.dialog, scroll } as Dialog) : s.dialog }));
  return true;
}

function submit(d: Dialog, ctx: DispatchContext): void {
  const set = (p: Partial<Dialog>) => setUi(ctx, (s) => ({ dialog: s.dialog ? ({ ...s.dialog, ...p } as Dialog) : undefined }));
  let p: Promise<{ message: string }>;
  if (d.kind === 'signoff') {
    if (d.decision === 'reject' && !d.comment.trim()) return set({ phase: 'error', message: 'a comment is required to reject' });
    p = ctx.actions.signoff({ item: d.item, decision: d.decision, comment: d.comment.trim(), role: d.role.trim() || undefined });
  } else if (d.kind === 'waiver') {
    if (!d.reason.trim()) return set({ phase: 'error', message: 'a reason is required to waive' });
    const bad = validDate(d.expires.trim());
    if (bad) return set({ phase: 'error', message: bad });
    p = ctx.actions.waive({
      item: d.item,
      reason: d.reason.trim(),
      expires: d.expires.trim(),
      compensatingControl: d.control.trim() || undefined,
    });
  } else if (d.kind === 'approve-waiver') {
    p = ctx.actions.approveWaiver({ item: d.item, waiver: d.waiver, comment: d.comment.trim() });
  } else if (d.kind === 'note') {
    if (!d.text.trim()) return set({ phase: 'error', message: 'the note is empty' });
    p = ctx.actions.note({ item: d.item, text: d.text.trim() });
  } else return;
  set({ phase: 'saving', message: 'saving to the journal…' });
  p.then(
    (r) => set({ phase: 'saved', message: r.message }),
    (err: unknown) => set({ phase: 'error', message: `not saved: ${err instanceof Error ? err.message : String(err)}` }),
  );
}
