/**
 * The diff screen's rows: the model of `readiness-tui diff` (report/diff.ts) laid out for the terminal width — a
 * fixed head (which sessions, what changed) and scrolled rows (variables that differ; per item status, measured vs
 * threshold and duration vs estimate, A and B side by side, each difference pointed at). The screen renders these rows
 * and the key dispatcher scrolls and jumps over the same rows, so they cannot disagree.
 */
import { diffSessions, type DiffInput, type ItemDiff, type ItemSide, type SessionDiff } from '../report/diff.js';
import { fmtEstimate, fmtDuration, truncate } from './format.js';
import type { Tone } from './theme.js';
import type { DiffView } from './ui-store.js';

export interface DiffRow {
  text: string;
  tone?: Tone;
  bold?: boolean;
  /** the first row of an item that differs (`]` / `[` jump between them) */
  changedItem?: string;
}

export interface DiffLayout {
  head: DiffRow[];
  rows: DiffRow[];
}

/** The rehearsal picked on the diff screen (A) against this session's live state (B). */
export function currentDiff(view: DiffView | undefined, live: DiffInput): SessionDiff | undefined {
  if (!view?.rehearsal) return undefined;
  return diffSessions(view.rehearsal, { dir: live.state.start?.sessionId ?? 'this session', replay: live });
}

const word = (s?: ItemSide) => (s ? s.status.toUpperCase() : '(not in it)');
const measure = (s?: ItemSide) => (s?.measured !== undefined ? `${s.measured}${s.threshold !== undefined ? ` / ${s.threshold}` : ''}` : '-');
const dur = (s: ItemSide | undefined, est?: number) => `${s?.durationMs !== undefined ? fmtDuration(s.durationMs) : '-'} / ${est !== undefined ? fmtEstimate(est) : '-'}`;

function sideLabel(d: SessionDiff['a'], self: boolean): string {
  const kind = self ? 'this run' : d.rehearsal ? 'rehearsal' : d.sandbox ? 'sandbox' : 'real run';
  return `${kind} ${d.id} ${d.decision}${d.final ? ' (final)' : ''}`;
}

const started = (d: SessionDiff['a']) => (d.startedAt ? ` started ${d.startedAt.slice(0, 16).replace('T', ' ')}` : '');

export function diffLayout(d: SessionDiff, width: number, ascii: boolean, pick?: { n: number; of: number }): DiffLayout {
  const point = ascii ? '<' : '◀';
  const differs = ascii ? '*' : '≠';
  const labelW = Math.max(16, Math.min(34, Math.floor(width * 0.36)));
  const colW = Math.max(8, Math.floor((width - labelW - 4) / 2));
  const cell = (s: string) => truncate(s, colW).padEnd(colW);
  const line = (label: string, a: string, b: string, mark: boolean) =>
    `${truncate(label, labelW - 3).padEnd(labelW - 2)}${mark ? point : ' '} ${cell(a)}  ${truncate(b, colW)}`;
  const changed = d.items.filter((i) => i.changed.length);
  const other = pick && pick.of > 1 ? `  (${pick.n} of ${pick.of}: ${ascii ? '<-/->' : '←/→'} another)` : '';
  const head: DiffRow[] = [
    { text: truncate(`A ${sideLabel(d.a, false)}${other}${started(d.a)}`, width) },
    { text: truncate(`B ${sideLabel(d.b, true)}${started(d.b)}`, width) },
    {
      text: truncate(
        changed.length
          ? `${changed.length} of ${d.items.length} items differ: ${changed.map((i) => `${i.id} ${i.changed.includes('status') ? `${word(i.a)}→${word(i.b)}` : i.changed.join('/')}`).join(', ')}`
          : `no item differs (${d.items.length} items)`,
        width,
      ),
      tone: changed.length ? 'warn' : 'ok',
      bold: true,
    },
    { text: line('', 'A', 'B', false), tone: 'muted' },
  ];
  const rows: DiffRow[] = [];
  if (!d.sameChecklist) rows.push({ text: truncate('! the two sessions ran different versions of the checklist (sha256 differs)', width), tone: 'warn' });
  if (d.vars.length) {
    rows.push({ text: 'Variables and target that differ:', bold: true });
    for (const v of d.vars) rows.push({ text: line(`  ${v.name}`, v.a ?? '(unset)', v.b ?? '(unset)', true), tone: 'warn' });
  } else rows.push({ text: 'Variables and target: the same', tone: 'muted' });
  for (const it of d.items) rows.push(...itemRows(it, line, differs));
  return { head, rows };
}

function itemRows(it: ItemDiff, line: (label: string, a: string, b: string, mark: boolean) => string, differs: string): DiffRow[] {
  const has = (...k: ItemDiff['changed']) => k.some((x) => it.changed.includes(x));
  const tone = (b: boolean): Tone => (b ? 'warn' : 'muted');
  const status = has('status', 'missing');
  return [
    {
      text: line(`${it.changed.length ? differs : ' '} ${it.id} ${it.title}`, word(it.a), word(it.b), status),
      bold: true,
      ...(it.changed.length ? { changedItem: it.id, tone: status ? 'bad' : 'warn' } : {}),
    },
    { text: line('    measured / threshold', measure(it.a), measure(it.b), has('measured', 'threshold')), tone: tone(has('measured', 'threshold')) },
    { text: line('    duration / estimate', dur(it.a, it.estimateMs), dur(it.b, it.estimateMs), has('duration')), tone: tone(has('duration')) },
  ];
}

/** Rows of the scrolled part that fit under the fixed head on a body of `height` rows. */
export function diffListRows(height: number, layout: DiffLayout): number {
  return Math.max(1, height - layout.head.length);
}
