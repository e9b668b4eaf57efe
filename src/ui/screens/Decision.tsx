/**
 * GO / NO-GO / INCOMPLETE with the blocking items that decide it; on NO-GO the checklist's rollback plan and risks.
 * `g` writes the report bundle (decided here, written by src/report).
 */
import React from 'react';
import { Box, Text } from 'ink';
import { useDeps, useSession, useUiState } from '../context.js';
import { DECISION_TONE } from '../components/Header.js';
import { fit, oneLine, truncate } from '../format.js';
import { decisionRows, findItem, selectedIndex } from '../selectors.js';
import { fg, glyphs, STATUS_TONE, statusText, useTheme, type Tone } from '../theme.js';

interface L {
  text: string;
  tone?: Tone;
  bold?: boolean;
  inverse?: boolean;
}

export function DecisionScreen({ width, height }: { width: number; height: number }): React.ReactElement {
  const theme = useTheme();
  const g = glyphs(theme);
  const { live } = useDeps();
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
        ? 'blocking items failed, could not run, or timed out'
        : 'blocking items are still open';
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
        text: `${selected ? g.cursor : ' '} ${fit(statusText(theme, r.status), 10)} ${r.item.padEnd(idW)} ${it?.title ?? ''}`,
        tone: STATUS_TONE[r.status],
        inverse: selected,
      });
    });
    if (rows.length > maxRows) lines.push({ text: `  (${rows.length} in all; j/k scrolls, Enter opens)`, tone: 'muted' });
    lines.push({ text: '' });
  }
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
  // never cut the plan silently: drop spacing first, then say how much is hidden
  const repRows = Math.min(3, Math.max(1, Math.ceil(repLine.text.length / Math.max(1, width))));
  const avail = Math.max(1, height - repRows - 1);
  let shown = lines.length > avail ? lines.filter((l) => l.text !== '') : lines;
  if (shown.length > avail) {
    const hidden = shown.length - (avail - 1);
    shown = [
      ...shown.slice(0, avail - 1),
      { text: `… ${hidden} more line${hidden === 1 ? '' : 's'} hidden: a taller terminal shows them; the report has them all`, tone: 'warn' },
    ];
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
