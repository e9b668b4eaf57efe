/** The status line (flash, running checks, messages) and the key hints of the current screen, from the keymap. */
import React, { useEffect, useState } from 'react';
import { Box } from 'ink';
import { Text } from './Text.js';
import { useShallow } from 'zustand/react/shallow';
import { useDeps, useLive, useUi } from '../context.js';
import { truncate } from '../format.js';
import { footerHints } from '../keys.js';
import { fg, glyphs, useTheme } from '../theme.js';
import { currentScreen } from '../ui-store.js';

export const FOOTER_ROWS = 2;
export const FLASH_MS = 6000;

/** A spinner frame index, ticking 4 times a second only while `active` (and never with --no-animation). */
export function useSpinner(active: boolean): number {
  const [i, setI] = useState(0);
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setI((x) => x + 1), 250);
    return () => clearInterval(t);
  }, [active]);
  return i;
}

/** Whole hints that fit the width, always ending with help and quit (never cut mid-word). */
export function fitHints(hints: string[], width: number): string {
  const tail = hints.filter((h) => / (help|quit)$/.test(h));
  const rest = hints.filter((h) => !tail.includes(h));
  const sep = '  ';
  let used = tail.join(sep).length;
  const out: string[] = [];
  for (const h of rest) {
    if (used + sep.length + h.length > width) break;
    out.push(h);
    used += sep.length + h.length;
  }
  return [...out, ...tail].join(sep);
}

export function Footer({ width }: { width: number }): React.ReactElement {
  const theme = useTheme();
  const g = glyphs(theme);
  const { screen, flash, filter, filterEditing, dialog, help } = useUi(
    useShallow((s) => ({
      screen: currentScreen(s).name,
      flash: s.flash,
      filter: s.filter,
      filterEditing: s.filterEditing,
      dialog: !!s.dialog,
      help: s.help,
    })),
  );
  const running = useLive(useShallow((s) => s.order.filter((id) => s.items[id]?.running)));
  const { ui, actions } = useDeps();
  // a flash message goes away by itself after a few seconds (one timeout, only while one is shown)
  useEffect(() => {
    if (!flash) return;
    const t = setTimeout(() => {
      if (ui.getState().flash === flash) ui.setState({ flash: undefined });
    }, FLASH_MS);
    return () => clearTimeout(t);
  }, [flash, ui]);
  const lastMsg = useLive((s) => s.messages[s.messages.length - 1]);

  const frame = useSpinner(theme.animation && running.length > 0);
  const spin = theme.animation ? `${g.spinner[frame % g.spinner.length]} ` : '';
  let status: { text: string; tone?: 'warn' | 'bad' | 'info' | 'muted' } = { text: '' };
  if (filterEditing) status = { text: `/${filter}_  (Enter keep, Esc clear)`, tone: 'info' };
  else if (flash) status = { text: flash.text, tone: flash.level === 'error' ? 'bad' : flash.level === 'warn' ? 'warn' : 'info' };
  else if (running.length) status = { text: `${spin}${running.length} running: ${running.join(', ')}`, tone: 'info' };
  else if (lastMsg) status = { text: lastMsg.text, tone: lastMsg.level === 'error' ? 'bad' : lastMsg.level === 'warn' ? 'warn' : 'muted' };
  else if (filter) status = { text: `filter: ${filter}  (Esc clears)`, tone: 'muted' };

  let hints: string;
  if (dialog) hints = `Tab next field ${g.dot} Enter save ${g.dot} Esc cancel`;
  else if (help) hints = `? or Esc close help`;
  else hints = fitHints(footerHints(screen, theme.ascii, actions.readonly).map((h) => `${h.keys} ${h.label}`), width);
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate" color={fg(theme, status.tone)}>
        {truncate(status.text, width) || ' '}
      </Text>
      <Text wrap="truncate" dimColor={theme.color}>
        {truncate(hints, width)}
      </Text>
    </Box>
  );
}
