/**
 * `readiness-tui diff A B`: two sessions of a checklist side by side (typically a rehearsal and the real run), item
 * by item — status, measured vs threshold, duration vs estimate — and the variables and target that differ, each
 * difference pointed at. Pure: two replays in, a model and its text out.
 */
import { formatDuration } from '../checklist/duration.js';
import { allItems } from '../checklist/model.js';
import type { Replay } from '../engine/session.js';
import type { Decision, Status } from '../engine/status.js';

export interface DiffSide {
  id: string;
  dir: string;
  rehearsal: boolean;
  sandbox: boolean;
  startedAt?: string;
  checklistSha?: string;
  decision: Decision;
  final: boolean;
}

export interface ItemSide {
  status: Status;
  measured?: string;
  threshold?: string;
  /** latest attempt */
  durationMs?: number;
}

export interface ItemDiff {
  id: string;
  title: string;
  estimateMs?: number;
  a?: ItemSide;
  b?: ItemSide;
  /** what differs: status, measured, threshold, duration (more than 50% and 1 s apart), missing */
  changed: ('status' | 'measured' | 'threshold' | 'duration' | 'missing')[];
}

export interface SessionDiff {
  a: DiffSide;
  b: DiffSide;
  sameChecklist: boolean;
  /** variables and target (kube context / cluster / server) that differ; secret variables are never shown */
  vars: { name: string; a?: string; b?: string }[];
  items: ItemDiff[];
}

/** what a diff reads of a session: its checklist and replayed state (a replay, or the TUI's live state) */
export type DiffInput = Pick<Replay, 'checklist' | 'state'>;

function side(dir: string, r: DiffInput): DiffSide {
  const s = r.state;
  return {
    id: s.start?.sessionId ?? dir,
    dir,
    rehearsal: Boolean(s.start?.rehearsal),
    sandbox: Boolean(s.start?.sandbox),
    startedAt: s.start?.ts,
    checklistSha: s.start?.checklist.sha256,
    decision: s.finalDecision?.decision ?? s.decision,
    final: Boolean(s.finalDecision),
  };
}

function itemSide(r: DiffInput, id: string): ItemSide | undefined {
  const st = r.state.items[id];
  if (!st) return undefined;
  const res = st.result;
  return {
    status: st.status,
    ...(res?.measured !== undefined ? { measured: res.measured } : {}),
    ...(res?.threshold !== undefined ? { threshold: res.threshold } : {}),
    ...(res ? { durationMs: res.durationMs } : {}),
  };
}

/** durations differ when they are more than 1 s and more than half the longer one apart */
function durationsDiffer(a?: number, b?: number): boolean {
  if (a === undefined || b === undefined) return a !== b;
  const d = Math.abs(a - b);
  return d > 1000 && d > Math.max(a, b) / 2;
}

function varsDiff(a: DiffInput, b: DiffInput): SessionDiff['vars'] {
  const va: Record<string, string | undefined> = { ...a.state.start?.vars };
  const vb: Record<string, string | undefined> = { ...b.state.start?.vars };
  for (const [k, ka, kb] of [
    ['kube context', a.state.start?.kube?.context, b.state.start?.kube?.context],
    ['kube cluster', a.state.start?.kube?.cluster, b.state.start?.kube?.cluster],
    ['kube server', a.state.start?.kube?.server, b.state.start?.kube?.server],
  ] as const) {
    va[k] = ka;
    vb[k] = kb;
  }
  const names = [...new Set([...Object.keys(va), ...Object.keys(vb)])].sort();
  return names.filter((n) => va[n] !== vb[n]).map((n) => ({ name: n, ...(va[n] !== undefined ? { a: va[n] } : {}), ...(vb[n] !== undefined ? { b: vb[n] } : {}) }));
}

/** Compare two replayed sessions; items in the order of B's checklist, then those only A has. */
export function diffSessions(a: { dir: string; replay: DiffInput }, b: { dir: string; replay: DiffInput }): SessionDiff {
  const itemsB = allItems(b.replay.checklist);
  const itemsA = allItems(a.replay.checklist);
  const ordered = [...itemsB, ...itemsA.filter((i) => !itemsB.some((x) => x.id === i.id))];
  const items = ordered.map((it): ItemDiff => {
    const sa = itemSide(a.replay, it.id);
    const sb = itemSide(b.replay, it.id);
    const changed: ItemDiff['changed'] = [];
    if (!sa || !sb) changed.push('missing');
    else {
      if (sa.status !== sb.status) changed.push('status');
      if (sa.measured !== sb.measured) changed.push('measured');
      if (sa.threshold !== sb.threshold) changed.push('threshold');
      if (durationsDiffer(sa.durationMs, sb.durationMs)) changed.push('duration');
    }
    return { id: it.id, title: it.title, ...(it.estimateMs !== undefined ? { estimateMs: it.estimateMs } : {}), ...(sa ? { a: sa } : {}), ...(sb ? { b: sb } : {}), changed };
  });
  const sa = side(a.dir, a.replay);
  const sb = side(b.dir, b.replay);
  return { a: sa, b: sb, sameChecklist: sa.checklistSha === sb.checklistSha, vars: varsDiff(a.replay, b.replay), items };
}

const word = (s?: ItemSide) => (s ? s.status.toUpperCase() : '(not in checklist)');
const measure = (s?: ItemSide) => (s?.measured !== undefined ? `${s.measured}${s.threshold !== undefined ? ` / ${s.threshold}` : ''}` : '-');
const dur = (s: ItemSide | undefined, est?: number) =>
  `${s?.durationMs !== undefined ? formatDuration(s.durationMs) : '-'}/${est !== undefined ? formatDuration(est) : '-'}`;

function label(s: DiffSide): string {
  const kind = s.rehearsal ? 'rehearsal' : s.sandbox ? 'sandbox' : 'real run';
  return `${s.id} (${kind}, ${s.final ? '' : 'no final decision, '}${s.decision})`;
}

/** values longer than this are shown A above B instead of side by side */
const SIDE_BY_SIDE = 40;

/** The side-by-side text: a header, the variables that differ, one block per item (changed ones marked). */
export function diffText(d: SessionDiff): string {
  const out: string[] = [];
  out.push(`A: ${label(d.a)}  ${d.a.dir}`);
  out.push(`B: ${label(d.b)}  ${d.b.dir}`);
  if (!d.sameChecklist) out.push(`! the checklists differ (sha256 ${d.a.checklistSha?.slice(0, 12)}… vs ${d.b.checklistSha?.slice(0, 12)}…)`);
  out.push('');
  if (d.vars.length) {
    out.push('Variables and target that differ:');
    const w = Math.max(...d.vars.map((v) => v.name.length));
    for (const v of d.vars) out.push(`  ${v.name.padEnd(w)}  A ${v.a ?? '(unset)'}  →  B ${v.b ?? '(unset)'}`);
  } else out.push('Variables and target: the same');
  out.push('');
  const changed = d.items.filter((i) => i.changed.length);
  out.push(`Items: ${d.items.length}, ${changed.length} differ${changed.length ? `: ${changed.map((i) => i.id).join(', ')}` : ''}`);
  const rows: [string, string, string][] = [];
  for (const it of d.items) {
    const mark = (k: ItemDiff['changed'][number]) => (it.changed.includes(k) ? '  <-' : '');
    const head = `${it.changed.length ? '≠' : ' '} ${it.id} ${it.title}`;
    rows.push([head, '', '']);
    rows.push([`    status${mark('status') || mark('missing')}`, word(it.a), word(it.b)]);
    rows.push([`    measured / threshold${mark('measured') || mark('threshold')}`, measure(it.a), measure(it.b)]);
    rows.push([`    duration / estimate${mark('duration')}`, dur(it.a, it.estimateMs), dur(it.b, it.estimateMs)]);
  }
  // side by side while A's values are short; a longer pair goes on two lines, A above B
  const w1 = Math.max(...rows.filter((r) => r[1] || r[2]).map((r) => r[0].length));
  const w2 = Math.max(1, ...rows.map((r) => r[1].length).filter((n) => n <= SIDE_BY_SIDE));
  out.push(`${''.padEnd(w1)}  ${'A'.padEnd(w2)}  B`);
  for (const [h, x, y] of rows) {
    if (!x && !y) out.push(h);
    else if (x.length <= SIDE_BY_SIDE && y.length <= SIDE_BY_SIDE) out.push(`${h.padEnd(w1)}  ${x.padEnd(w2)}  ${y}`);
    else out.push(`${h.padEnd(w1)}  A ${x}`, `${''.padEnd(w1)}  B ${y}`);
  }
  out.push('');
  out.push(
    changed.length
      ? `What changed: ${changed.map((i) => `${i.id} ${i.changed.includes('status') ? `${word(i.a)} → ${word(i.b)}` : i.changed.join(', ')}`).join('; ')}`
      : 'What changed: no item differs',
  );
  return out.join('\n') + '\n';
}
