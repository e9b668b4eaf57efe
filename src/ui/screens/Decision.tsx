/**
 * GO / NO-GO / INCOMPLETE with the blocking items that decide it, the deliverables with their status (they never
 * decide), and on NO-GO the checklist's rollback plan and risks.
 * `g` writes the report bundle (decided here, written by src/report).
 */
import React, { useEffect } from 'react';
import { Box } from 'ink';
import { Text } from '../components/Text.js';
import { useDeps, useSession, useUiState } from '../context.js';
import { DECISION_TONE } from '../components/Header.js';
import { fit, oneLine, truncate } from '../format.js';
import { decisionRows, findItem, selectedIndex } from '../selectors.js';
import { DECISION_SCROLL, DECISION_SCROLL_MAX } from '../ui-store.js';
import { fg, glyphs, STATUS_TONE, statusSymbol, statusText, useTheme, type Theme, type Tone } from '../theme.js';
import { waiverInForce, waiverStateText, type DeliverableState, type SessionState } from '../../engine/session-state.js';
import type { Checklist } from '../../checklist/model.js';
import { allItems } from '../../checklist/model.js';
import { deliverableLabel, UNCHECKED_LABEL, type DeliverableStatus } from '../../engine/status.js';

interface L {
  text: string;
  tone?: Tone;
  bold?: boolean;
  inverse?: boolean;
}

function deliverableSymbol(theme: Theme, s: DeliverableStatus): string {
  if (s !== 'unchecked') return statusSymbol(theme, s);
  return theme.ascii ? UNCHECKED_LABEL.ascii : UNCHECKED_LABEL.unicode;
}

/**
 * The deliverables: a heading with counts, then one row each (status symbol and word, path, what was found). They
 * never change the decision, and the heading says so. `compact` lists only those whose check did not pass.
 */
function deliverableLines(ds: DeliverableState[], theme: Theme, compact: boolean): L[] {
  if (!ds.length) return [];
  const counts = new Map<string, number>();
  for (const x of ds) counts.set(deliverableLabel(x.status).word.toLowerCase(), (counts.get(deliverableLabel(x.status).word.toLowerCase()) ?? 0) + 1);
  const out: L[] = [{ text: `Deliverables (not in the decision): ${[...counts].map(([w, n]) => `${n} ${w}`).join(', ')}`, bold: true }];
  const sep = ` ${glyphs(theme).dot} `;
  // compact: only the problems (the heading counts the rest), so the rollback plan keeps its room
  const rows = compact ? ds.filter((x) => !['pass', 'unchecked', 'pending'].includes(x.status)) : ds;
  const wordW = Math.max(...rows.map((x) => deliverableLabel(x.status).word.length), 0);
  for (const x of rows) {
    const label = `${deliverableSymbol(theme, x.status)} ${deliverableLabel(x.status).word.padEnd(wordW)}`;
    const said = x.result && x.status !== 'pass' ? x.result.summary : x.skip && x.status === 'skipped' ? `cancelled: ${x.skip.reason}` : x.description;
    out.push({
      text: `  ${label} ${oneLine(x.path)}${said ? `${sep}${oneLine(said)}` : ''}`,
      tone: x.status === 'unchecked' ? 'muted' : STATUS_TONE[x.status],
    });
  }
  return out;
}

/**
 * The waivers of the session, one row each: item, number (what `waive ITEM --approve SEQ` names), who, until when,
 * and whether it counts (in force, awaiting approval by someone else, stale, expired).
 */
function waiverLines(c: Checklist, state: SessionState, now: Date): L[] {
  const ws = allItems(c).flatMap((it) => (state.items[it.id]?.waiver ? [{ it, w: state.items[it.id]!.waiver! }] : []));
  if (!ws.length) return [];
  const out: L[] = [{ text: `Waivers (${ws.length}):`, bold: true }];
  for (const { it, w } of ws) {
    const inForce = waiverInForce(it, w, now);
    out.push({
      text: `  ${it.id} #${w.seq} by ${oneLine(w.by)}${w.statement ? '' : ' (unsigned)'} until ${w.expires} — ${waiverStateText(it, w, now)}: ${oneLine(w.reason)}`,
      tone: inForce ? 'accent' : /^awaits/.test(waiverStateText(it, w, now)) ? 'warn' : 'bad',
    });
  }
  out.push({ text: '' });
  return out;
}

export function DecisionScreen({ width, height }: { width: number; height: number }): React.ReactElement {
  const theme = useTheme();
  const g = glyphs(theme);
  const { live, ui: uiStore } = useDeps();
  const c = live.checklist;
  const state = useSession();
  const ui = useUiState();
  const rows = decisionRows(state);
  const sel = selectedIndex(c, state, ui);
  const d = state.decision;
  const lines: L[] = [];
  const why =
    d === 'GO'
      ? 'every blocking item passed (signed where required) or is validly waived'
      : d === 'NO-GO'
        ? 'blocking items were measured to fail or were rejected'
        : 'nothing failed, but blocking items could not run, were cancelled, are open or wait for a sign-off';
  lines.push({ text: ` ${d} `, tone: DECISION_TONE[d], bold: true, inverse: true });
  lines.push({ text: `${why}${state.finalDecision ? ` ${g.dot} final decision recorded ${state.finalDecision.ts}` : ''}` });
  lines.push({ text: '' });
  if (rows.length) {
    lines.push({ text: `Deciding blocking items (${rows.length}):`, bold: true });
    const idW = Math.max(...rows.map((r) => r.item.length));
    const maxRows = Math.max(3, Math.floor(height / 3));
    const start = Math.max(0, Math.min(sel - Math.floor(maxRows / 2), rows.length - maxRows));
    rows.slice(start, start + maxRows).forEach((r, i) => {
      const it = findItem(c, r.item);
      const selected = start + i === sel;
      lines.push({
        text: `${selected ? g.cursor : ' '} ${fit(statusText(theme, r.status), 10)} ${r.item.padEnd(idW)} ${it?.title ?? ''}${r.stale ? ' — STALE: older than its maxAge, re-verify' : ''}`,
        tone: r.stale ? 'warn' : STATUS_TONE[r.status],
        inverse: selected,
      });
    });
    if (rows.length > maxRows) lines.push({ text: `  (${rows.length} in all; j/k scrolls, Enter opens)`, tone: 'muted' });
    lines.push({ text: '' });
  }
  lines.push(...waiverLines(c, state, new Date()));
  const before = lines.length;
  if (d === 'NO-GO') {
    const rb = c.rollback;
    if (rb) {
      lines.push({ text: `Rollback plan${rb.time ? ` (${oneLine(rb.time)})` : ''}:`, bold: true, tone: 'bad' });
      for (const x of rb.detection) lines.push({ text: `  detect: ${oneLine(x)}` });
      rb.steps.forEach((s, i) => lines.push({ text: `  ${i + 1}. ${oneLine(s)}` }));
    } else lines.push({ text: 'The checklist has no rollback plan.', tone: 'warn' });
    if (c.risks.length) {
      lines.push({ text: '' });
      lines.push({ text: 'Risks:', bold: true });
      for (const r of c.risks)
        lines.push({
          text: `  ${oneLine(r.risk)}${r.probability ? ` ${g.dot} P ${r.probability}` : ''}${r.impact ? ` ${g.dot} impact ${r.impact}` : ''}${r.mitigation ? ` ${g.dot} ${oneLine(r.mitigation)}` : ''}`,
        });
    }
  }
  const rep = ui.report;
  const last = state.reports[state.reports.length - 1];
  const repLine: L = rep
    ? { text: `report: ${rep.text}`, tone: rep.phase === 'error' ? 'bad' : rep.phase === 'done' ? 'ok' : 'info' }
    : last
      ? { text: `last report: ${last.path}${last.signed ? ' (signed)' : ' (unsigned)'}${last.interim ? ' interim' : ''}`, tone: 'muted' }
      : { text: `press g to generate the report bundle${d === 'INCOMPLETE' ? ' (interim: the decision is not final)' : ''}`, tone: 'muted' };
  // never cut the plan silently: drop spacing first, then list only the deliverables that did not pass, then say
  // how much is hidden
  const repRows = Math.min(3, Math.max(1, Math.ceil(repLine.text.length / Math.max(1, width))));
  const avail = Math.max(1, height - repRows - 1);
  const withDeliverables = (compact: boolean): L[] => {
    const dl = deliverableLines(state.deliverables, theme, compact);
    return dl.length ? [...lines.slice(0, before), ...dl, { text: '' }, ...lines.slice(before)] : lines;
  };
  const full = withDeliverables(false);
  const nonBlank = (ls: L[]) => ls.filter((l) => l.text !== '');
  const all = full.length <= avail || nonBlank(full).length <= avail ? full : withDeliverables(true);
  // never cut anything silently: when it does not fit, the screen scrolls (PgUp / PgDn) and says what is above and below
  const fits = all.length > avail ? nonBlank(all) : all;
  const maxTop = Math.max(0, fits.length - avail);
  useEffect(() => {
    if (ui.sel[DECISION_SCROLL_MAX] !== maxTop) uiStore.setState((x) => ({ sel: { ...x.sel, [DECISION_SCROLL_MAX]: maxTop } }));
  }, [maxTop, ui.sel, uiStore]);
  let shown = fits;
  if (fits.length > avail) {
    const top = Math.min(ui.sel[DECISION_SCROLL] ?? 0, maxTop);
    const up = (n: number): L => ({ text: `${theme.ascii ? '^' : '↑'} ${n} more line${n === 1 ? '' : 's'} above (PgUp)`, tone: 'muted' });
    const down = (n: number): L => ({ text: `${theme.ascii ? 'v' : '↓'} ${n} more line${n === 1 ? '' : 's'} below (PgDn)`, tone: 'muted' });
    // the window leaves a row for each "more" line it needs
    const from = top === 0 ? 0 : top + 1;
    const rowsLeft = avail - (top > 0 ? 1 : 0);
    const end = from + rowsLeft >= fits.length ? fits.length : from + rowsLeft - 1;
    shown = [...(top > 0 ? [up(from)] : []), ...fits.slice(from, end), ...(end < fits.length ? [down(fits.length - end)] : [])];
  }
  const body = shown;
  return (
    <Box flexDirection="column" width={width} height={height}>
      {body.map((l, i) => (
        <Text key={i} wrap="truncate" bold={l.bold} inverse={l.inverse} color={fg(theme, l.tone)}>
          {truncate(l.text, width) || ' '}
        </Text>
      ))}
      <Box flexGrow={1} />
      <Box height={repRows} width={width} overflow="hidden">
        <Text wrap="wrap" color={fg(theme, repLine.tone)}>
          {repLine.text}
        </Text>
      </Box>
    </Box>
  );
}
