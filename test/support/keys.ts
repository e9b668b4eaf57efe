/** Byte sequences a terminal sends for named keys (xterm), shared by the component and pty harnesses. */
export const KEY_BYTES: Record<string, string> = {
  up: '\x1b[A',
  down: '\x1b[B',
  right: '\x1b[C',
  left: '\x1b[D',
  enter: '\r',
  escape: '\x1b',
  tab: '\t',
  'shift-tab': '\x1b[Z',
  backspace: '\x7f',
  pageup: '\x1b[5~',
  pagedown: '\x1b[6~',
  home: '\x1b[H',
  end: '\x1b[F',
  'ctrl-c': '\x03',
  'ctrl-u': '\x15',
};

/** A named key, or literal text (single characters such as "j", "?", "R"). */
export function keyBytes(k: string): string {
  return KEY_BYTES[k] ?? k;
}
