/**
 * The blocks with progress, time ran vs estimate and per-status counts, under what the projected finish rests on;
 * Enter opens the selected block.
 */
import React from 'react';
import { Box } from 'ink';
import { Text } from '../components/Text.js';
import type { Status } from '../../engine/status.js';
import { STATUS_LABEL, STATUSES } from '../../engine/status.js';
import { useDeps, useSession, useUi, useUiState } from '../context.js';
import { clock, projectionText } from '../clock.js';
import { useTicker } from '../components/Header.js';
import { fit, fmtDuration, fmtEstimate, truncate } from '../format.js';
import { isDone, overviewBlocks, selectedIndex, statusCounts } from '../selectors.js';
import { fg, glyphs, STATUS_TONE, statusSymbol, useTheme } from '../theme.js';

export function Overview({ width, height }: { width: number; height: number }): React.ReactElement {
  const theme = useTheme();
  const g = glyphs(theme);
  const { live } = useDeps();
  const c = live.checklist;
  const state = useSession();
  const ui = useUiState();
  const blocks = overviewBlocks(c, state, ui.filter);
  const sel = selectedIndex(c, state, ui);
  const all = c.blocks.flatMap((b) => b.items);
  const totalDone = all.filter((i) => isDone(state.items[i.id]?.status ?? 'pending')).length;
  const counts = statusCounts(all, state);
  const summary = STATUSES.filter((s) => counts[s]).map((s) => `${counts[s]} ${STATUS_LABEL[s].word.toLowerCase()}`).join(', ');

  const plan = useUi((s) => s.rehearsal);
  // ticks like the header's clock: the projection moves on while nothing runs
  const now = useTicker(Boolean(state.start) && !state.closed);
  const ck = clock(c, state, now, plan);
  const startMs = state.start ? Date.parse(state.start.ts) : Date.now();
  const listRows = Math.max(1, height - 3);
  const start = Math.max(0, Math.min(sel - Math.floor(listRows / 2), blocks.length - listRows));
  const shown = blocks.slice(start, start + listRows);
  const barW = width >= 100 ? 20 : 10;
  const countsW = width >= 100 ? 40 : 16;
  // per block: the time its checks ran / its estimate (and what its rehearsal took, when there is room)
  const timeW = plan && width >= 100 ? 22 : 13;
  const titleW = Math.max(10, width - 2 - barW - 8 - countsW - timeW - 3);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold wrap="truncate">
        {truncate(`Blocks ${g.dot} ${totalDone}/${all.length} items done ${g.dot} ${summary}`, width)}
      </Text>
      <Text wrap="truncate" color={fg(theme, 'muted')}>
        {truncate(projectionText(ck, startMs, plan), width)}
      </Text>
      {shown.map((b, i) => {
        const idx = start + i;
        const selected = idx === sel;
        const bc = statusCounts(b.items, state);
        const done = b.items.filter((it) => isDone(state.items[it.id]?.status ?? 'pending')).length;
        const filled = b.items.length ? Math.round((done / b.items.length) * barW) : 0;
        const bt = ck.blocks.find((x) => x.id === b.id)!;
        const timeText = `${fmtDuration(bt.actualMs)}/${fmtEstimate(bt.estimateMs)}${timeW > 14 && bt.rehearsalMs !== undefined ? ` reh ${fmtDuration(bt.rehearsalMs)}` : ''}`;
        const countParts = STATUSES.filter((s) => bc[s]).map((s: Status) => ({ s, text: `${statusSymbol(theme, s)}${bc[s]}` }));
        return (
          <Box key={b.id} width={width}>
            <Text inverse={selected} bold={selected}>
              {selected ? g.cursor : ' '} {fit(b.title, titleW, theme.ascii ? '~' : '…')}
            </Text>
            <Text> </Text>
            <Text color={fg(theme, done === b.items.length ? 'ok' : 'info')}>{g.bar.repeat(filled)}</Text>
            <Text color={fg(theme, 'muted')}>{g.barEmpty.repeat(barW - filled)}</Text>
            <Text>{` ${String(done).padStart(2)}/${String(b.items.length).padEnd(2)}  `}</Text>
            <Box width={countsW}>
              <Text wrap="truncate">
                {countParts.map((p, k) => (
                  <Text key={p.s} color={fg(theme, STATUS_TONE[p.s])}>
                    {(k ? ' ' : '') + p.text}
                  </Text>
                ))}
              </Text>
            </Box>
            <Text color={fg(theme, bt.over ? 'warn' : 'muted')}>{fit(timeText, timeW)}</Text>
          </Box>
        );
      })}
      {blocks.length === 0 ? <Text color={fg(theme, 'muted')}>no block matches the filter “{ui.filter}”</Text> : null}
    </Box>
  );
}
