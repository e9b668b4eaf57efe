/**
 * One item: metric, the exact command / API query (from the runner), the reference text, the live output pane,
 * then the result: measured vs threshold, offending objects, evidence, attempts, sign-offs and waiver.
 */
import React from 'react';
import { Box } from 'ink';
import { Text } from '../components/Text.js';
import { STATUS_LABEL } from '../../engine/status.js';
import { waiverStateText } from '../../engine/session-state.js';
import { moreOffending } from '../../engine/bounded-record.js';
import { useDeps, useSession } from '../context.js';
import { useTicker } from '../components/Header.js';
import { OutputPane } from '../components/OutputPane.js';
import { StatusText } from '../components/StatusText.js';
import { fmtBytes, fmtDuration, fmtEstimate, fmtTimeOfDay, oneLine, truncate } from '../format.js';
import { findItem, isAutomated } from '../selectors.js';
import { fg, glyphs, useTheme, type Tone } from '../theme.js';
import { signoffSummary } from './signoff-state.js';

function Line({ label, text, width, tone }: { label: string; text: string; width: number; tone?: Tone }): React.ReactElement {
  const theme = useTheme();
  return (
    <Box width={width}>
      {label ? <Text color={fg(theme, 'muted')}>{label} </Text> : null}
      <Text wrap="truncate" color={fg(theme, tone)}>
        {truncate(text, Math.max(1, width - (label ? label.length + 1 : 0)), theme.ascii ? '~' : '…')}
      </Text>
    </Box>
  );
}

function flat(o: Record<string, unknown>): string {
  return Object.entries(o)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
}

export function ItemScreen({ itemId, width, height }: { itemId: string; width: number; height: number }): React.ReactElement {
  const theme = useTheme();
  const g = glyphs(theme);
  const { live, actions } = useDeps();
  const state = useSession();
  const item = findItem(live.checklist, itemId);
  const st = state.items[itemId];
  const now = useTicker(!!st?.running);
  if (!item || !st) return <Text>unknown item {itemId}</Text>;
  const big = height >= 28;
  const r = st.result;
  const commands = isAutomated(item) ? (st.running && st.describe ? [st.describe] : actions.describe(itemId)) : [];
  const runs = commands.length
    ? `${commands[0]}${commands.length > 1 ? ` (+${commands.length - 1} more)` : ''}`
    : isAutomated(item)
      ? '(not known)'
      : 'manual item: no automation, needs a sign-off';
  const mutating = isAutomated(item) && actions.isMutating(itemId);
  const took = st.running && st.startedAt ? now - Date.parse(st.startedAt) : r?.durationMs;
  const facts = [
    `est ${fmtEstimate(item.estimateMs)}`,
    took !== undefined ? `${st.running ? 'running' : 'took'} ${fmtDuration(took)}` : undefined,
    item.blocking ? 'blocking' : 'non-blocking',
    `sign-off ${item.signoff}${item.signoffRoles.length ? ` (${item.signoffRoles.join('/')})` : ''}`,
    st.attempt ? `attempt ${st.attempt}` : undefined,
    item.owner ? `owner ${item.owner}` : undefined,
    mutating ? 'CHANGES THE ENVIRONMENT' : undefined,
  ].filter(Boolean).join(` ${g.dot} `);

  const result: React.ReactElement[] = [];
  const watch = actions.watchSchedule().get(itemId);
  if (st.regression) {
    const rg = st.regression;
    result.push(<Line key="rg" label="REGRESSION:" text={`passed before; the watch re-check at ${fmtTimeOfDay(Date.parse(rg.ts))} says ${STATUS_LABEL[rg.verdict].word}: ${oneLine(rg.summary)}`} width={width} tone="bad" />);
  }
  if (watch) {
    const text = st.running && st.trigger === 'watch'
      ? `every ${fmtEstimate(watch.everyMs)} ${g.dot} re-checking now`
      : `every ${fmtEstimate(watch.everyMs)} ${g.dot} next run at ${fmtTimeOfDay(watch.nextAt)}${actions.readonly ? " (by the driver's TUI)" : ''}`;
    result.push(<Line key="wt" label="watch:" text={text} width={width} tone="info" />);
  } else if (item.watchMs !== undefined && isAutomated(item)) {
    result.push(<Line key="wt" label="watch:" text={`every ${fmtEstimate(item.watchMs)} once it passes (never an item that changes the environment)`} width={width} tone="muted" />);
  }
  const cancelled = st.skip?.status === 'cancelled' ? st.skip : undefined;
  if (cancelled) {
    result.push(<Line key="cx" label="CANCELLED:" text={`attempt ${st.attempt} ${g.dot} ${oneLine(cancelled.reason)}`} width={width} tone="bad" />);
    if (cancelled.halfChanged) result.push(<Line key="hc" label="WARNING:" text={oneLine(cancelled.halfChanged)} width={width} tone="danger" />);
  }
  if (r) {
    const mt = r.measured !== undefined ? `${r.measured}${r.threshold !== undefined ? ` vs ${r.threshold}` : ''} ${g.dot} ` : '';
    // after a cancel the last verdict is an earlier attempt's: say so, never show it as the item's state
    const label = cancelled ? `attempt ${r.attempt}:` : 'result:';
    const word = STATUS_LABEL[cancelled ? r.verdict : st.status].word;
    result.push(<Line key="res" label={label} text={`${word} ${g.dot} ${mt}${oneLine(r.summary)}`} width={width} tone={cancelled ? 'muted' : undefined} />);
    if (r.halfChanged && !cancelled) result.push(<Line key="hc" label="WARNING:" text={oneLine(r.halfChanged)} width={width} tone="danger" />);
    if (r.error) result.push(<Line key="err" label="could not run:" text={`${oneLine(r.error.message)}${r.error.hint ? ` ${g.arrow} ${oneLine(r.error.hint)}` : ''}`} width={width} tone="warn" />);
    const off = r.offending ?? [];
    if (off.length) {
      const n = big ? Math.min(off.length, 5) : 1;
      for (let i = 0; i < n; i++)
        result.push(<Line key={`off${i}`} label={i ? '          ' : 'offending:'} text={flat(off[i]!)} width={width} tone="bad" />);
      const more = moreOffending(r, n);
      if (more) result.push(<Line key="offmore" label="          " text={more} width={width} tone="bad" />);
    }
    const ev = r.evidence.map((e) => `${e.path} (${fmtBytes(e.bytes)})`).join(', ');
    const attempts = st.attempts.length > 1 ? ` ${g.dot} attempts ${st.attempts.map((a) => a.verdict).join(', ')}` : '';
    result.push(<Line key="ev" label="evidence:" text={(ev || 'none') + attempts} width={width} />);
  } else if (st.skip && !cancelled) {
    result.push(<Line key="skip" label={`${st.skip.status}:`} text={oneLine(st.skip.reason)} width={width} tone="muted" />);
  }
  const signs = st.signoffs.length
    ? st.signoffs
        .map((s) => `${s.decision === 'approve' ? 'approved' : 'rejected'} by ${s.by}${s.role ? ` as ${s.role}` : ''}${s.statement ? ' (signed)' : ' (unsigned)'}${s.stale ? ' STALE' : ''}${s.comment ? `: ${oneLine(s.comment)}` : ''}`)
        .join('; ')
    : signoffSummary(item, st);
  result.push(<Line key="so" label="sign-off:" text={signs} width={width} />);
  if (st.waiver) {
    const w = st.waiver;
    // its number (what `waive ITEM --approve SEQ` names) and whether it counts: in force, awaiting approval, stale, expired
    const state = waiverStateText(item, w, new Date());
    const text = `#${w.seq} until ${w.expires} by ${w.by}${w.statement ? '' : ' (unsigned)'} — ${state}: ${oneLine(w.reason)}${w.compensatingControl ? ` ${g.dot} control: ${oneLine(w.compensatingControl)}` : ''}`;
    result.push(<Line key="wv" label="waiver:" text={text} width={width} tone={state.startsWith('in force') ? 'accent' : 'warn'} />);
  }
  if (st.notes.length) result.push(<Line key="nt" label="notes:" text={st.notes.map((n) => `${n.by}: ${oneLine(n.text)}`).join('; ')} width={width} />);

  // the reference keeps its own lines (it is often a shell snippet); more of it while there is no output to show
  const refAll = (item.reference ?? '').split('\n').map((l) => l.trimEnd()).filter((l) => l.trim());
  const hasOutput = st.running || live.output(itemId).size > 0;
  const refLines = Math.min(refAll.length, big ? (hasOutput ? 3 : 8) : hasOutput ? 1 : 4);
  const refRows = refAll.slice(0, refLines);
  if (refAll.length > refLines && refRows.length) refRows[refRows.length - 1] += `  (+${refAll.length - refLines} lines)`;
  const fixed = 3 + 1 + Math.max(1, refRows.length);
  const paneH = Math.max(3, height - fixed - result.length);
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <Box width={width} justifyContent="space-between">
        <Text bold wrap="truncate">
          {truncate(`${item.id} ${item.title}`, Math.max(10, width - 12))}
        </Text>
        <StatusText status={st.status} bold />
      </Box>
      <Line label="metric:" text={oneLine(item.metric) || '-'} width={width} />
      <Line label="" text={facts} width={width} tone={mutating ? 'danger' : undefined} />
      <Line label="runs:" text={runs} width={width} tone={mutating ? 'danger' : 'info'} />
      {refRows.length ? (
        refRows.map((l, i) => <Line key={i} label={i ? '    ' : 'ref:'} text={l} width={width} tone="muted" />)
      ) : (
        <Line label="ref:" text="-" width={width} tone="muted" />
      )}
      {isAutomated(item) ? (
        <OutputPane itemId={itemId} width={width} height={paneH} />
      ) : (
        <Box height={paneH}>
          <Text color={fg(theme, 'muted')}>{truncate('no output: this item is checked by a person (s to sign off)', width)}</Text>
        </Box>
      )}
      {result}
    </Box>
  );
}
