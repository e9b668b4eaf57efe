/**
 * `D`: the rehearsal of this checklist (the newest one by default; ←/→ picks another) against this session, item by
 * item, live as this session moves on. The rows come from diff-view.ts (the model of `readiness-tui diff`).
 */
import React from 'react';
import { Box } from 'ink';
import { Text } from '../components/Text.js';
import { useDeps, useSession, useUi } from '../context.js';
import { currentDiff, diffLayout, diffListRows, type DiffRow } from '../diff-view.js';
import { truncate } from '../format.js';
import { fg, useTheme } from '../theme.js';

function Row({ r, width }: { r: DiffRow; width: number }): React.ReactElement {
  const theme = useTheme();
  return (
    <Text wrap="truncate" bold={r.bold} color={fg(theme, r.tone)}>
      {truncate(r.text, width) || ' '}
    </Text>
  );
}

export function DiffScreen({ width, height }: { width: number; height: number }): React.ReactElement {
  const theme = useTheme();
  const { live } = useDeps();
  const view = useUi((s) => s.diff);
  const state = useSession();
  if (!view || view.phase !== 'ready') {
    const text =
      view?.phase === 'none'
        ? `no rehearsal of "${live.checklist.name}" started before this session in its state dir: start one with --rehearsal (e.g. --kube-context staging), then compare here or with \`readiness-tui diff\``
        : view?.phase === 'error'
          ? `cannot compare: ${view.message ?? 'the rehearsal could not be read'}`
          : 'reading the rehearsal…';
    return (
      <Box flexDirection="column" width={width} height={height}>
        <Text bold>Rehearsal vs this run</Text>
        <Text wrap="wrap" color={fg(theme, view?.phase === 'error' ? 'bad' : 'muted')}>
          {text}
        </Text>
      </Box>
    );
  }
  const d = currentDiff(view, { checklist: live.checklist, state })!;
  const layout = diffLayout(d, width, theme.ascii, { n: view.pick + 1, of: view.candidates.length });
  const n = diffListRows(height, layout);
  const top = Math.max(0, Math.min(view.top, layout.rows.length - n));
  const shown = layout.rows.slice(top, top + n);
  const more = layout.rows.length > n ? ` rows ${top + 1}-${top + shown.length} of ${layout.rows.length}` : '';
  const head = layout.head.map((r, i) => (i === layout.head.length - 1 && more ? { ...r, text: `${truncate(r.text.trimEnd(), width - more.length).padEnd(width - more.length)}${more}` } : r));
  return (
    <Box flexDirection="column" width={width} height={height}>
      {head.map((r, i) => (
        <Row key={`h${i}`} r={r} width={width} />
      ))}
      {shown.map((r, i) => (
        <Row key={top + i} r={r} width={width} />
      ))}
    </Box>
  );
}
