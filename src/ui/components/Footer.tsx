/** The status line (flash, running checks, messages) and the key hints of the current screen, from the keymap. */
import React, { useEffect, useState } from 'react';
import { Box } from 'ink';
import { Text } from './Text.js';
import { useShallow } from 'zustand/react/shallow';
import { useDeps, useLive, useUi } from '../context.js';
import { truncate } from '../format.js';
import { applicableCommands, footerHints, type Command } from '../keys.js';
import { fg, glyphs, useTheme } from '../theme.js';
import { currentScreen, type Dialog } from '../ui-store.js';
import type { LiveState } from '../../engine/store.js';

export const FOOTER_ROWS = 2;
export const FLASH_MS = 6000;
/**
 * How long a status message (a warning, a sign-off from another session) stays on the status line.
 * READINESS_MESSAGE_MS shortens it for the pty tests, which wait for the message to go.
 */
export const MESSAGE_MS = Number(process.env.READINESS_MESSAGE_MS) > 0 ? Number(process.env.READINESS_MESSAGE_MS) : 20_000;

/** The key hints of a dialog: a form's fields, or the answers of a yes/no question. */
export function dialogHints(d: Dialog, dot: string, ascii: boolean): string {
  const scroll = ascii ? 'up/down scroll' : '↑/↓ scroll';
  switch (d.kind) {
    case 'signoff':
    case 'waiver':
    case 'note':
      if (d.phase === 'saved' || d.phase === 'error') return 'any key continues';
      return `Tab next field ${dot} Enter save (from any field) ${dot} Esc cancel`;
    case 'approve-waiver':
      if (d.phase === 'saved' || d.phase === 'error') return 'any key continues';
      return d.field === 0 ? `y / Enter approve ${dot} n / Esc cancel ${dot} Tab add a comment` : `Enter approve ${dot} Esc cancel ${dot} Tab back to the question`;
    case 'confirm-run':
      return `y run ${dot} n / Esc cancel ${dot} ${scroll}`;
    case 'confirm-decision':
      return d.refusal ? `n / Esc back ${dot} ${scroll}` : `y ${d.already ? 'write the report' : d.decision === 'INCOMPLETE' ? 'write the interim report' : `record ${d.decision}`} ${dot} n / Esc back ${dot} ${scroll}`;
    case 'quit':
      return `y quit and cancel the running checks ${dot} n / Esc stay`;
    case 'handover':
      return `y hand over ${dot} n / Esc keep driving`;
    case 'orphans':
      return `y terminate them ${dot} n / Esc leave them running`;
  }
}

type Message = LiveState['messages'][number];
const RANK: Record<Message['level'], number> = { info: 0, warn: 1, error: 2 };

/** How long a fresh warning or error holds the status line against newer, less serious messages. */
export const HOLD_MS = Math.min(4_000, MESSAGE_MS);

/**
 * The message the status line shows, and until when it stands. Normally the newest message younger than MESSAGE_MS;
 * but a warning or error younger than HOLD_MS is not pushed off the line by a less serious message that arrives
 * right after it (the driver role taken over, then "… joined" and a note from another session in the same render).
 */
export function pickMessage(messages: readonly Message[], now: number): { message: Message; until: number } | undefined {
  const newest = messages[messages.length - 1];
  if (!newest || now - Date.parse(newest.ts) >= MESSAGE_MS) return undefined;
  let best = newest;
  for (let i = messages.length - 2; i >= 0; i--) {
    const m = messages[i]!;
    if (now - Date.parse(m.ts) >= HOLD_MS) break;
    if (RANK[m.level] > RANK[best.level]) best = m;
  }
  return { message: best, until: Date.parse(best.ts) + (best === newest ? MESSAGE_MS : HOLD_MS) };
}

/** The conditional keys that apply to what the operator points at now (`a` on a waiver awaiting their approval). */
export function useApplicable(): Command[] {
  const { live, actions } = useDeps();
  const ui = useUi((s) => s);
  const now = useLive((s) => applicableCommands(live.checklist, s, ui, actions.operator).join(' '));
  return now ? (now.split(' ') as Command[]) : [];
}

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
      dialog: s.dialog ? dialogHints(s.dialog, g.dot, theme.ascii) : undefined,
      help: s.help,
    })),
  );
  const running = useLive(useShallow((s) => s.order.filter((id) => s.items[id]?.running)));
  const { ui, actions } = useDeps();
  const applies = useApplicable();
  // a flash message goes away by itself after a few seconds (one timeout, only while one is shown)
  useEffect(() => {
    if (!flash) return;
    const t = setTimeout(() => {
      if (ui.getState().flash === flash) ui.setState({ flash: undefined });
    }, FLASH_MS);
    return () => clearTimeout(t);
  }, [flash, ui]);
  const messages = useLive((s) => s.messages);
  // a message goes away by itself too (a note from another session must not stay for minutes): one timeout, at the
  // moment the message shown expires (or its hold on the line ends), makes the line pick again
  const [, setTick] = useState(0);
  const shown = pickMessage(messages, Date.now());
  const message = shown?.message;
  const until = shown?.until;
  useEffect(() => {
    if (until === undefined) return;
    const t = setTimeout(() => setTick((x) => x + 1), Math.max(0, until - Date.now()) + 5);
    return () => clearTimeout(t);
  }, [message, until]);

  const frame = useSpinner(theme.animation && running.length > 0);
  const spin = theme.animation ? `${g.spinner[frame % g.spinner.length]} ` : '';
  let status: { text: string; tone?: 'warn' | 'bad' | 'info' | 'muted' } = { text: '' };
  if (filterEditing) status = { text: `/${filter}_  (Enter keep, Esc clear)`, tone: 'info' };
  else if (flash) status = { text: flash.text, tone: flash.level === 'error' ? 'bad' : flash.level === 'warn' ? 'warn' : 'info' };
  else if (running.length) status = { text: `${spin}${running.length} running: ${running.join(', ')}`, tone: 'info' };
  else if (message) status = { text: message.text, tone: message.level === 'error' ? 'bad' : message.level === 'warn' ? 'warn' : 'muted' };
  else if (filter) status = { text: `filter: ${filter}  (Esc clears)`, tone: 'muted' };

  let hints: string;
  if (dialog) hints = dialog;
  else if (help) hints = `? or Esc close help`;
  else hints = fitHints(footerHints(screen, theme.ascii, actions.readonly, applies).map((h) => `${h.keys} ${h.label}`), width);
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
