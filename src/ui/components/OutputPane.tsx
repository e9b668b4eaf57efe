/**
 * The live output of a check: the visible tail of the item's ring buffer (store.output(id)), re-read when the
 * store's outputVersion bumps (at most every 100 ms). Fixed height, one <Text>, every line cut to the width
 * first. Lines arrive sanitized by the engine; with colour off their SGR sequences are removed too.
 */
import React from 'react';
import { Box } from 'ink';
import { RawOutputText, Text } from './Text.js';
import { useShallow } from 'zustand/react/shallow';
import { useDeps, useLive, useUi } from '../context.js';
import { cutWithLength, stripSgr, truncate, width as strWidth } from '../format.js';
import { fg, glyphs, useTheme } from '../theme.js';

export function OutputPane({ itemId, width, height }: { itemId: string; width: number; height: number }): React.ReactElement {
  const theme = useTheme();
  const g = glyphs(theme);
  const { live } = useDeps();
  useLive((s) => s.outputVersion);
  const running = useLive((s) => !!s.items[itemId]?.running);
  const pane = useUi(useShallow((s) => s.pane));
  const buf = live.output(itemId);
  const stats = live.outputStats(itemId);
  const rows = Math.max(1, height - 1);
  const fromEnd = pane.follow ? 0 : Math.max(0, buf.total - pane.end);
  // a line wider than the pane is shown cut with how many bytes were left out (the evidence keeps it whole)
  const lines = buf.tail(rows, fromEnd).map((l) => cutWithLength(theme.color ? l : stripSgr(l), width));
  const firstShown = buf.total - fromEnd - lines.length + 1;
  const lastShown = buf.total - fromEnd;
  const state = pane.follow ? (running ? 'following' : 'end') : 'paused';
  const range = buf.total ? `lines ${Math.max(1, firstShown)}-${lastShown} of ${buf.total}` : 'no output yet';
  const dropped = stats.dropped ? ` ${g.dot} ${stats.dropped} not shown (in evidence)` : '';
  const title = ` output ${g.dot} ${state} ${g.dot} ${range}${dropped} `;
  const head = truncate(g.h.repeat(2) + title, width, '');
  const rule = head + g.h.repeat(Math.max(0, width - strWidth(head)));
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <Text color={fg(theme, pane.follow ? 'muted' : 'warn')}>{rule}</Text>
      <Box height={rows} overflow="hidden">
        <RawOutputText wrap="truncate">{lines.join('\n')}</RawOutputText>
      </Box>
    </Box>
  );
}
