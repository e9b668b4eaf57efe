/** A block: its success metrics and an ink-table of its items. */
import React from 'react';
import { Box } from 'ink';
import { Text } from '../components/Text.js';
import type { Item } from '../../checklist/model.js';
import type { ItemState } from '../../engine/session-state.js';
import { freshness } from '../../engine/freshness.js';
import { useDeps, useSession, useUiState } from '../context.js';
import { useTicker } from '../components/Header.js';
import { ItemTable, type ItemRow } from '../components/ItemTable.js';
import { fmtDuration, fmtEstimate, fmtTimeOfDay, oneLine, truncate } from '../format.js';
import type { WatchView } from '../actions.js';
import { blockItems, selectedIndex } from '../selectors.js';
import { fg, glyphs, statusText, useTheme, type Theme } from '../theme.js';
import { signoffSummary } from './signoff-state.js';

export function measuredText(st: ItemState | undefined): string {
  const r = st?.result;
  // a watch re-check shows the result it stands on until its own is in (the Age column says "re-checking")
  if (st?.running && st.trigger !== 'watch') return 'running…';
  if (st?.skip?.status === 'cancelled') return `cancelled: ${oneLine(st.skip.reason)}`;
  if (!r) return st?.skip ? oneLine(st.skip.reason) : '';
  if (r.measured !== undefined && r.threshold !== undefined) return `${r.measured} / ${r.threshold}`;
  if (r.measured !== undefined) return r.measured;
  if (r.error) return oneLine(r.error.message);
  return oneLine(r.summary);
}

export function timeText(item: Item, st: ItemState | undefined, now: number): string {
  let d: number | undefined;
  if (st?.running && st.startedAt) d = now - Date.parse(st.startedAt);
  else if (st?.result) d = st.result.durationMs;
  return `${d === undefined ? '-' : fmtDuration(d)}/${fmtEstimate(item.estimateMs)}`;
}

/**
 * "12m04s", "2h10m STALE" (older than its maxAge), "" before any result or for a manual item; a watched item adds
 * when the regression watch re-checks it next ("4m10s next 22:10", "re-checking" while it does)
 */
export function ageText(item: Item, st: ItemState | undefined, now: number, watch?: WatchView): string {
  if (!st) return '';
  if (st.running && st.trigger === 'watch') return 're-checking';
  if (st.running) return '';
  const f = freshness(item, st, new Date(now));
  if (f.ageMs === undefined) return '';
  return fmtDuration(f.ageMs) + (st.stale || f.stale ? ' STALE' : '') + (watch ? ` next ${fmtTimeOfDay(watch.nextAt)}` : '');
}

export function itemRow(theme: Theme, item: Item, st: ItemState | undefined, now: number, watch?: WatchView): ItemRow {
  const status = st?.status ?? 'pending';
  return {
    status,
    statusText: statusText(theme, status),
    id: item.id,
    title: item.title + (item.blocking ? '' : ' (non-blocking)'),
    measured: measuredText(st),
    time: timeText(item, st, now),
    age: ageText(item, st, now, watch),
    signoff: signoffSummary(item, st),
  };
}

export function BlockScreen({ blockId, width, height }: { blockId: string; width: number; height: number }): React.ReactElement {
  const theme = useTheme();
  const g = glyphs(theme);
  const { live, actions } = useDeps();
  const c = live.checklist;
  const state = useSession();
  const ui = useUiState();
  const block = c.blocks.find((b) => b.id === blockId);
  const items = blockItems(c, blockId, state, ui.filter);
  const running = items.some((i) => state.items[i.id]?.running);
  const now = useTicker(running);
  if (!block) return <Text>unknown block {blockId}</Text>;
  const sel = selectedIndex(c, state, ui);
  // the regression watch's schedule (W is in the session state: turning it on or off re-renders the block)
  const watching = actions.watchSchedule();
  const rows = items.map((i) => itemRow(theme, i, state.items[i.id], now, watching.get(i.id)));
  // the Age column, when the block bounds the age of its evidence (maxAge) or the watch re-checks one of its items
  const showAge = block.items.some((i) => i.maxAgeMs !== undefined || watching.has(i.id));
  const metrics = block.successMetrics.length ? `success: ${block.successMetrics.map(oneLine).join('; ')}` : '';
  const pos = c.blocks.indexOf(block) + 1;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold wrap="truncate">
        {truncate(`${block.title} ${g.dot} block ${pos}/${c.blocks.length} ${g.dot} ${block.items.length} items${ui.filter ? ` ${g.dot} filter “${ui.filter}”: ${items.length}` : ''}`, width)}
      </Text>
      <Text wrap="truncate" color={fg(theme, 'muted')}>
        {truncate(metrics, width) || ' '}
      </Text>
      {rows.length ? (
        <ItemTable rows={rows} selected={sel} width={width} height={height - 2} showAge={showAge} />
      ) : (
        <Text color={fg(theme, 'muted')}>no item matches the filter “{ui.filter}”</Text>
      )}
    </Box>
  );
}
