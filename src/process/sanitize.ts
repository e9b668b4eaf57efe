/**
 * Make one line of child output safe to put on an operator's terminal.
 *
 * A check's output is untrusted: a script (or a log it cats) can carry escape sequences that retitle the window,
 * write the clipboard (OSC 52), plant hyperlinks (OSC 8), move the cursor, clear the screen or switch charsets.
 * sanitizeLine removes every control sequence except SGR (colours), which is kept only when asked:
 *
 * - CSI  (ESC [ … final, and C1 0x9B)         removed; SGR (`… m`) kept with keepSgr
 * - OSC  (ESC ] … BEL|ST, C1 0x9D)            removed with its payload (titles, clipboard, hyperlinks)
 * - DCS / SOS / PM / APC (ESC P/X/^/_ … ST)   removed with their payload
 * - other ESC sequences (ESC 7, ESC c, ESC ( B) and a lone ESC   removed
 * - C0 controls except TAB, DEL, other C1 controls                removed
 * - bidirectional overrides (U+202A–202E, U+2066–2069)            removed (they make text lie about its order)
 * - "\r" (progress redraws): the line shows its last state, i.e. the text after the last "\r" that is followed by
 *   something; a trailing "\r" is ignored.
 * - longer than maxLen visible characters: cut and marked with "… [+N chars]".
 */
export interface SanitizeOptions {
  /** keep SGR colour sequences (the TUI decides; default false = plain text) */
  keepSgr?: boolean;
}

const NEEDS_WORK = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

export function sanitizeLine(line: string, maxLen = 2000, o: SanitizeOptions = {}): string {
  if (line.length <= maxLen && !NEEDS_WORK.test(line)) return line;
  const keepSgr = o.keepSgr === true;
  let text = line;
  // progress redraws: keep what the terminal would end up showing last
  if (text.includes('\r')) {
    const parts = text.split('\r');
    let last = '';
    for (let i = parts.length - 1; i >= 0; i--) {
      if (parts[i]!.length) {
        last = parts[i]!;
        break;
      }
    }
    text = last;
  }
  let out = '';
  let visible = 0;
  let overflow = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x1b || c === 0x9b || c === 0x9d || c === 0x90 || c === 0x98 || c === 0x9e || c === 0x9f) {
      let kind: 'csi' | 'str' | 'esc';
      let j: number;
      if (c === 0x9b) {
        kind = 'csi';
        j = i + 1;
      } else if (c !== 0x1b) {
        kind = 'str';
        j = i + 1;
      } else {
        const d = i + 1 < n ? text.charCodeAt(i + 1) : -1;
        if (d === 0x5b /* [ */) {
          kind = 'csi';
          j = i + 2;
        } else if (d === 0x5d /* ] */ || d === 0x50 /* P */ || d === 0x58 /* X */ || d === 0x5e /* ^ */ || d === 0x5f /* _ */) {
          kind = 'str';
          j = i + 2;
        } else {
          kind = 'esc';
          j = i + 1;
        }
      }
      if (kind === 'csi') {
        // parameters 0x30–0x3F, intermediates 0x20–0x2F, final 0x40–0x7E
        while (j < n && text.charCodeAt(j) >= 0x30 && text.charCodeAt(j) <= 0x3f) j++;
        while (j < n && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x2f) j++;
        if (j < n && text.charCodeAt(j) >= 0x40 && text.charCodeAt(j) <= 0x7e) {
          const isSgr = text.charCodeAt(j) === 0x6d; // m
          if (isSgr && keepSgr && overflow === 0) out += '\x1b[' + text.slice(c === 0x9b ? i + 1 : i + 2, j) + 'm';
          i = j + 1;
        } else {
          // malformed or cut: drop the introducer and what looked like parameters
          i = j;
        }
        continue;
      }
      if (kind === 'str') {
        // string payload up to BEL, ST (ESC \) or C1 ST (0x9C); unterminated: drop the rest of the line
        while (j < n) {
          const e = text.charCodeAt(j);
          if (e === 0x07 || e === 0x9c) {
            j++;
            break;
          }
          if (e === 0x1b && j + 1 < n && text.charCodeAt(j + 1) === 0x5c) {
            j += 2;
            break;
          }
          j++;
        }
        i = j;
        continue;
      }
      // ESC + intermediates (0x20–0x2F) + final (0x30–0x7E); a lone ESC just disappears
      while (j < n && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x2f) j++;
      if (j < n && text.charCodeAt(j) >= 0x30 && text.charCodeAt(j) <= 0x7e) j++;
      i = j;
      continue;
    }
    if ((c < 0x20 && c !== 0x09) || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) {
      i++;
      continue;
    }
    // a visible character (a surrogate pair counts once)
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < n;
    const w = pair ? 2 : 1;
    if (visible < maxLen) {
      out += pair ? text.slice(i, i + 2) : text[i];
      visible++;
    } else {
      overflow++;
    }
    i += w;
  }
  if (overflow > 0) {
    if (keepSgr && out.includes('\x1b[')) out += '\x1b[0m';
    out += `… [+${overflow} chars]`;
  }
  return out;
}

const SGR = /\x1b\[[0-9;:]*m/g;

/** Remove SGR colour sequences from an already sanitized line (plain reporter without a TTY, NO_COLOR). */
export function stripSgr(line: string): string {
  return line.includes('\x1b') ? line.replace(SGR, '') : line;
}

// every C0 control but "\n", DEL, every C1 control, bidirectional overrides and isolates
const CONTROLS = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;
const CONTROLS_ALL = new RegExp(CONTROLS.source, 'g');

/**
 * Text from a file (checklist, variable, journal, report, a check's summary) made visible instead of interpreted:
 * the one sanitiser the TUI applies where it renders text (ui/components/Text.tsx and the width helpers of
 * ui/format.ts). Nothing is dropped, so the operator sees that something odd was there:
 *
 * - C0 controls (TAB, ESC, BEL, CR …) become their Control Pictures: `␉ ␛ ␇ ␍`; DEL becomes `␡`
 * - C1 controls become ␛ and their 7-bit twin: 0x9B (CSI) → `␛[`, 0x9D (OSC) → `␛]`
 * - bidirectional overrides/isolates become `<U+202E>`
 *
 * so an OSC 52 clipboard write shows as `␛]52;c;…␇`. "\n" stays a line break. Idempotent.
 */
export function visibleControls(s: string): string {
  if (!CONTROLS.test(s)) return s;
  return s.replace(CONTROLS_ALL, (ch) => {
    const c = ch.charCodeAt(0);
    if (c < 0x20) return String.fromCharCode(0x2400 + c);
    if (c === 0x7f) return '\u2421';
    if (c <= 0x9f) return '\u241b' + String.fromCharCode(c - 0x40);
    return `<U+${c.toString(16).toUpperCase()}>`;
  });
}
