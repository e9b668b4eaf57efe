/** Small text helpers for the screens: durations, clock, width-aware truncation and padding. */
import stringWidth from 'string-width';
import { visibleControls } from '../process/sanitize.js';

export function fmtDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '-';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h${String(m % 60).padStart(2, '0')}m`;
}

/** A short estimate: 2h30m, 45m, 90s. */
export function fmtEstimate(ms: number | undefined): string {
  if (ms === undefined) return '-';
  const m = Math.round(ms / 60000);
  if (m === 0) return `${Math.round(ms / 1000)}s`;
  if (m < 60) return `${m}m`;
  return m % 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${m / 60}h`;
}

export function fmtClock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  return `${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}:${String(ss).padStart(2, '0')}`;
}

/** HH:MM of a point in time (UTC-free: the operator's local clock). */
export function fmtTimeOfDay(t: number): string {
  const d = new Date(t);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * Terminal cells of text without control characters: printable ASCII is one cell a character, counted at once;
 * anything else goes to string-width. Measured reason (issue 18): the output pane cuts every visible line and its
 * rule on every frame while a check floods, and string-width segments each string into graphemes and tests every
 * non-ASCII one against its emoji expression: 1.9 ms of CPU per frame for a 96-column pane, half of React's work
 * in the bench's flood, against 0.2 ms with this.
 */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const cells = (s: string): number => (PRINTABLE_ASCII.test(s) ? s.length : stringWidth(s));

/** Terminal cells `s` takes as the TUI shows it (controls made visible, ui/components/Text.tsx). */
export const width = (s: string): number => stringWidth(visibleControls(s));

// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[[0-9;:]*m/g;

export function stripSgr(s: string): string {
  return s.replace(SGR, '');
}

/**
 * Cut `s` to at most `w` terminal cells as the TUI shows it (controls made visible: visibleControls), adding
 * `ellipsis` when cut.
 */
/** the "… (+N bytes)" the output feed puts after a line it cut (engine/output-feed.ts cutLine) */
const CUT_MARK = /… \(\+([\d,]+) bytes\)$/;

/**
 * An output line cut to `w` columns the way the output feed cuts long lines: its start and how many bytes were left
 * out, `… (+1,046,576 bytes)` (counting what the feed left out already). Lines that fit are returned as they are;
 * a cut line loses its colours (its bytes are counted without them).
 */
export function cutWithLength(line: string, w: number): string {
  if (cells(line) <= w) return line;
  const plain = stripSgr(line);
  const m = CUT_MARK.exec(plain);
  const body = m ? plain.slice(0, m.index) : plain;
  const before = m ? Number(m[1]!.replace(/,/g, '')) : 0;
  const mark = (n: number) => `… (+${n.toLocaleString('en-US')} bytes)`;
  // room for the longest mark this line can get
  const shown = truncateOutput(body, Math.max(0, w - mark(before + Buffer.byteLength(body)).length), '');
  return shown + mark(before + Buffer.byteLength(body) - Buffer.byteLength(shown));
}

export function truncate(s: string, w: number, ellipsis = '…'): string {
  return truncateOutput(visibleControls(s), w, ellipsis);
}

/**
 * Cut a line of check output, sanitised by the engine (sanitizeLine: no control left but SGR colour), to at most
 * `w` terminal cells (SGR sequences kept and closed), adding `ellipsis` when cut. Lines that fit are returned as
 * they are.
 */
export function truncateOutput(s: string, w: number, ellipsis = '…'): string {
  if (w <= 0) return '';
  if (cells(s) <= w) return s;
  const ew = cells(ellipsis);
  const room = Math.max(0, w - ew);
  let out = '';
  let used = 0;
  let sawSgr = false;
  let i = 0;
  while (i < s.length) {
    if (s[i] === '\x1b') {
      SGR.lastIndex = i;
      const m = /^\x1b\[[0-9;:]*m/.exec(s.slice(i));
      if (m) {
        out += m[0];
        sawSgr = true;
        i += m[0].length;
        continue;
      }
    }
    const cp = s.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    const cw = cells(ch);
    if (used + cw > room) break;
    out += ch;
    used += cw;
    i += ch.length;
  }
  return out + (sawSgr ? '\x1b[0m' : '') + (w >= ew ? ellipsis : '');
}

/** Truncate then pad with spaces to exactly `w` cells. */
export function fit(s: string, w: number, ellipsis = '…'): string {
  const t = truncate(s, w, ellipsis);
  return t + ' '.repeat(Math.max(0, w - cells(t)));
}

/** One line out of possibly multi-line prose. */
export function oneLine(s: string | undefined): string {
  return (s ?? '').replace(/\s+/g, ' ').trim();
}
