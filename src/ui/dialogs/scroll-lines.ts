/**
 * Long text in a dialog — the commands a mutating run will execute, what a final decision rests on — is wrapped,
 * never cut, and scrolled with ↑/↓ (PgUp/PgDn, Home/End) when it does not fit. The same layout is used to draw the
 * dialog (Dialog.tsx) and to bound its scrolling (keys.ts), so the two cannot disagree.
 */
import type { ConfirmDecisionDialog, ConfirmRunDialog } from '../ui-store.js';

/** Cut one line into rows of at most `width` characters; continuation rows are indented by `indent` spaces. */
export function wrapLine(text: string, width: number, indent = 4): string[] {
  const w = Math.max(8, width);
  const chars = [...text];
  if (chars.length <= w) return [text];
  const rows = [chars.slice(0, w).join('')];
  const pad = ' '.repeat(Math.min(indent, w - 4));
  for (let i = w; i < chars.length; i += w - pad.length) rows.push(pad + chars.slice(i, i + w - pad.length).join(''));
  return rows;
}

/** the rows of a scrollable dialog's list, wrapped to the dialog's inner width */
export function dialogRows(d: ConfirmRunDialog | ConfirmDecisionDialog, inner: number): string[] {
  const lines =
    d.kind === 'confirm-run'
      ? d.mutating.flatMap((m) => [`${m.item}:`, ...m.commands.map((c) => `  $ ${c}`)])
      : (d.lines.length ? d.lines : ['every blocking item passed (signed where required) or is validly waived']).map((l) => `  ${l}`);
  return lines.flatMap((l) => wrapLine(l, inner));
}

/** how many list rows the dialog shows at once in a body of `height` rows (title, notes, hint and border around it) */
export function dialogWindow(d: ConfirmRunDialog | ConfirmDecisionDialog, height: number): number {
  const around = d.kind === 'confirm-run' ? 6 + (d.warning ? 2 : 0) : 7 + (d.refusal ? 2 : 0);
  return Math.max(1, height - around);
}

/** the first row shown: within [0, rows - window] */
export function clampScroll(scroll: number, rows: number, window: number): number {
  return Math.max(0, Math.min(scroll, rows - window));
}
