/**
 * The regression banner: a background watch re-check of a passed item no longer passed (engine/watch.ts; the reducer
 * marks it from the journal, so the driver and every watcher see the same line). One row above the screen while any
 * item stands regressed; it goes when the item passes again.
 */
import React from 'react';
import { Box } from 'ink';
import { useShallow } from 'zustand/react/shallow';
import { Text } from './Text.js';
import { useLive } from '../context.js';
import { STATUS_LABEL } from '../../engine/status.js';
import type { LiveState } from '../../engine/store.js';
import { fmtTimeOfDay, oneLine, truncate } from '../format.js';
import { fg, glyphs, useTheme } from '../theme.js';

/** "REGRESSION 1.1 PASS → FAIL at 22:10 (watch re-check): 2/3 nodes Ready · decision NO-GO", or '' when none */
export function regressionText(s: Pick<LiveState, 'order' | 'items' | 'decision'>, arrow: string): string {
  const hit = s.order.map((id) => s.items[id]!).filter((st) => st.regression);
  if (!hit.length) return '';
  const one = (id: string, r: NonNullable<LiveState['items'][string]['regression']>) =>
    `${id} PASS ${arrow} ${STATUS_LABEL[r.verdict].word} at ${fmtTimeOfDay(Date.parse(r.ts))}`;
  const first = hit[0]!;
  const what =
    hit.length === 1
      ? `${one(first.id, first.regression!)} (watch re-check): ${oneLine(first.regression!.summary)}`
      : `${hit.map((st) => one(st.id, st.regression!)).join(', ')} (watch re-checks)`;
  return `REGRESSION ${what} · decision ${s.decision}`;
}

export function RegressionBanner({ width }: { width: number }): React.ReactElement | null {
  const theme = useTheme();
  const text = useLive(useShallow((s) => regressionText(s, glyphs(theme).arrow)));
  if (!text) return null;
  return (
    <Box width={width}>
      <Text bold inverse={theme.color} color={fg(theme, 'bad')} wrap="truncate">
        {truncate(text, width, theme.ascii ? '~' : '…')}
      </Text>
    </Box>
  );
}
