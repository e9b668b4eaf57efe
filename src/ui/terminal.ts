/**
 * The terminal around the Ink app: alternate screen entered and left by hand (Ink 6 has no option for it), line
 * wrap off while we own the screen, and everything restored on every way out — q, Ctrl-C twice, SIGTERM, SIGHUP,
 * SIGINT from outside, an uncaught error. Restoring is idempotent and synchronous so it also works from 'exit'.
 */
export const ESC = {
  altOn: '\x1b[?1049h',
  altOff: '\x1b[?1049l',
  wrapOff: '\x1b[?7l',
  wrapOn: '\x1b[?7h',
  cursorHide: '\x1b[?25l',
  cursorShow: '\x1b[?25h',
  home: '\x1b[H',
  clear: '\x1b[2J',
  syncOff: '\x1b[?2026l',
  reset: '\x1b[0m',
  /** modes we never enable, but a crashed child or a previous program might have: mouse, bracketed paste, focus */
  modesOff: '\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?2004l\x1b[?1004l',
} as const;

/** The window title that tells the pty tests the app reads keys (only with READINESS_TEST_READY=1). */
export const READY_TITLE = 'readiness-tui:ready';

export interface TerminalOptions {
  out: NodeJS.WriteStream;
  input: NodeJS.ReadStream;
  /** false in screen-reader mode: linear output in the normal screen */
  altScreen: boolean;
}

export interface TerminalSession {
  enter(): void;
  /** leave the alt screen and restore modes; safe to call many times */
  restore(): void;
  /** re-enter after handing the terminal to a pager */
  reenter(): void;
  /** write the readiness title when tests asked for it */
  announceReady(): void;
  restored: boolean;
}

function safeWrite(out: NodeJS.WriteStream, s: string): void {
  try {
    out.write(s);
  } catch {
    // the terminal is gone (SIGHUP): nothing to restore
  }
}

export function createTerminal(o: TerminalOptions): TerminalSession {
  let entered = false;
  const t: TerminalSession = {
    restored: false,
    enter() {
      if (entered) return;
      entered = true;
      t.restored = false;
      if (o.altScreen) safeWrite(o.out, ESC.altOn + ESC.clear + ESC.home + ESC.wrapOff);
    },
    restore() {
      if (!entered) return;
      entered = false;
      t.restored = true;
      try {
        if (o.input.isTTY && typeof o.input.setRawMode === 'function') o.input.setRawMode(false);
      } catch {
        // stdin already closed
      }
      safeWrite(o.out, ESC.syncOff + ESC.reset + ESC.modesOff + ESC.wrapOn + ESC.cursorShow + (o.altScreen ? ESC.altOff : '\n'));
    },
    reenter() {
      t.enter();
    },
    announceReady() {
      if (process.env.READINESS_TEST_READY === '1') safeWrite(o.out, `\x1b]2;${READY_TITLE}\x07`);
    },
  };
  return t;
}

export interface ExitHooks {
  /** restore the terminal first (synchronously), then stop checks and close the session; resolve when done */
  onSignal(signal: NodeJS.Signals): Promise<void>;
  /**
   * The terminal hung up (SIGHUP, or writing to it failed with EIO/EPIPE): the UI goes away, the work does not.
   * Resolve when the running checks have finished and the session is closed (no time limit: a check has its own);
   * the process then exits 129. A SIGTERM or SIGINT meanwhile takes the onSignal way (cancel and exit).
   */
  onHangup?(): Promise<void>;
  onFatal(err: unknown): void;
}

/** After a hang-up nothing reaches the (gone) terminal: writes to stdout and stderr are dropped from then on. */
export function detachFromTerminal(): void {
  for (const s of [process.stdout, process.stderr]) {
    s.write = (() => true) as typeof s.write;
    s.on('error', () => undefined);
  }
  process.stdin.on('error', () => undefined);
  try {
    process.stdin.pause();
  } catch {
    // already closed
  }
}

function isGoneTerminal(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code;
  return code === 'EIO' || code === 'EPIPE' || code === 'ENXIO' || code === 'EBADF';
}

const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGTERM: 143, SIGHUP: 129, SIGINT: 130 };

/** Install handlers for SIGTERM, SIGHUP, SIGINT (sent from outside: in raw mode Ctrl-C is a key), uncaught errors. */
export function installExitHandlers(term: TerminalSession, hooks: ExitHooks): () => void {
  let exiting = false;
  let hungUp = false;
  const onSignal = (sig: NodeJS.Signals) => {
    term.restore();
    if (sig === 'SIGHUP' && hooks.onHangup) {
      // once: the checks finish headless; a second hang-up (or an EIO from the gone terminal) changes nothing
      if (hungUp || exiting) return;
      hungUp = true;
      void hooks.onHangup().finally(() => process.exit(SIGNAL_EXIT.SIGHUP));
      return;
    }
    if (exiting) return;
    exiting = true;
    const code = SIGNAL_EXIT[sig] ?? 1;
    const force = setTimeout(() => process.exit(code), 8000);
    force.unref();
    hooks.onSignal(sig).finally(() => process.exit(code));
  };
  let fatal = false;
  const onFatal = (err: unknown) => {
    term.restore();
    if (isGoneTerminal(err)) return onSignal('SIGHUP');
    // one report, one shutdown: a second error while shutting down must not start another
    if (fatal || exiting) return;
    fatal = true;
    setTimeout(() => process.exit(2), 8000).unref();
    hooks.onFatal(err);
  };
  // writing to a terminal that went away (ssh dropped, tmux pane killed) fails with EIO/EPIPE: that is a hangup
  const onStreamError = (err: unknown) => {
    if (isGoneTerminal(err)) onSignal('SIGHUP');
  };
  const onExit = () => term.restore();
  const sigs: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGINT'];
  for (const s of sigs) process.on(s, onSignal);
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
  process.on('exit', onExit);
  process.stdout.on('error', onStreamError);
  process.stderr.on('error', onStreamError);
  return () => {
    for (const s of sigs) process.off(s, onSignal);
    process.off('uncaughtException', onFatal);
    process.off('unhandledRejection', onFatal);
    process.off('exit', onExit);
    process.stdout.off('error', onStreamError);
    process.stderr.off('error', onStreamError);
  };
}

/**
 * The stdout Ink writes to: the real stream, except that "erase saved lines" (ESC[3J) is dropped. Ink 6 sends it
 * with every full clear (e.g. when the terminal shrinks below the last frame), and some terminals apply it to the
 * normal screen's scrollback even while the alternate screen is shown. Everything else passes through; `bytes`
 * counts what was written (the benchmark reads it).
 */
export function inkStdout(out: NodeJS.WriteStream): NodeJS.WriteStream & { bytes: number } {
  let bytes = 0;
  const write = (chunk: unknown, ...rest: unknown[]): boolean => {
    let c = chunk;
    if (typeof c === 'string') {
      if (c.includes('\x1b[3J')) c = c.split('\x1b[3J').join('');
      bytes += Buffer.byteLength(c as string);
    } else if (c instanceof Uint8Array) bytes += c.byteLength;
    return (out.write as (...a: unknown[]) => boolean)(c, ...rest);
  };
  return new Proxy(out, {
    get(target, prop) {
      if (prop === 'write') return write;
      if (prop === 'bytes') return bytes;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as NodeJS.WriteStream & { bytes: number };
}
