/**
 * Component-test helper: renders an Ink tree into a fake TTY whose writes feed an @xterm/headless terminal, so
 * assertions read the screen grid (what a person would see), not raw frames. Size and resize are real: the fake
 * stdout has columns/rows and emits 'resize' like a TTY does.
 */
import { EventEmitter } from 'node:events';
import type { ReactElement } from 'react';
import { render as inkRender, type Instance } from 'ink';
import xterm from '@xterm/headless';
import { keyBytes } from './keys.js';

class FakeStdout extends EventEmitter {
  isTTY = true;
  columns: number;
  rows: number;
  written = '';
  private pending = 0;
  private idle: (() => void)[] = [];
  constructor(
    cols: number,
    rows: number,
    private term: xterm.Terminal,
  ) {
    super();
    this.columns = cols;
    this.rows = rows;
  }
  write = (data: string | Uint8Array): boolean => {
    const s = typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
    this.written += s;
    this.pending++;
    this.term.write(s, () => {
      this.pending--;
      if (!this.pending) for (const f of this.idle.splice(0)) f();
    });
    return true;
  };
  settled(): Promise<void> {
    return this.pending ? new Promise((r) => this.idle.push(r)) : Promise.resolve();
  }
  // Ink probes these on real TTYs
  cursorTo(): boolean {
    return true;
  }
  moveCursor(): boolean {
    return true;
  }
  clearLine(): boolean {
    return true;
  }
}

class FakeStdin extends EventEmitter {
  isTTY = true;
  private queue: string[] = [];
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
  read = (): string | null => this.queue.shift() ?? null;
  send(data: string): void {
    this.queue.push(data);
    this.emit('readable');
  }
}

export interface RenderOptions {
  cols?: number;
  rows?: number;
  /** Ink's screen-reader mode (linear text) */
  screenReader?: boolean;
}

export interface Rendered {
  /** visible lines of the screen grid, right-trimmed */
  lines(): string[];
  /** the screen as one string */
  screen(): string;
  /** every byte Ink wrote */
  raw(): string;
  /** press keys one at a time (named keys or characters), letting React settle between them */
  press(...keys: string[]): Promise<void>;
  /** write bytes in ONE read (to exercise coalesced input) */
  sendRaw(bytes: string): Promise<void>;
  resize(cols: number, rows: number): Promise<void>;
  waitFor(what: string | RegExp | ((screen: string) => boolean), timeoutMs?: number): Promise<string>;
  /** let pending renders and writes land */
  settle(ms?: number): Promise<void>;
  instance: Instance;
  term: xterm.Terminal;
  unmount(): void;
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function renderTui(tree: ReactElement, o: RenderOptions = {}): Rendered {
  const cols = o.cols ?? 80;
  const rows = o.rows ?? 24;
  const term = new xterm.Terminal({ cols, rows, allowProposedApi: true, scrollback: 200, convertEol: true });
  const stdout = new FakeStdout(cols, rows, term);
  const stdin = new FakeStdin();
  const instance = inkRender(tree, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    exitOnCtrlC: false,
    patchConsole: false,
    maxFps: 1000,
    isScreenReaderEnabled: o.screenReader ?? false,
    incrementalRendering: process.env.RT_INCREMENTAL === "1",
  });

  const lines = () => {
    const b = term.buffer.active;
    const out: string[] = [];
    for (let y = 0; y < term.rows; y++) out.push(b.getLine(b.viewportY + y)?.translateToString(true) ?? '');
    return out;
  };
  const screen = () => lines().join('\n');
  const settle = async (ms = 30) => {
    await tick(ms);
    await stdout.settled();
  };
  const r: Rendered = {
    lines,
    screen,
    raw: () => stdout.written,
    async press(...keys) {
      for (const k of keys) {
        stdin.send(keyBytes(k));
        await settle(k === 'escape' ? 60 : 15);
      }
      await settle(20);
    },
    async sendRaw(bytes) {
      stdin.send(bytes);
      await settle(40);
    },
    async resize(c, rw) {
      term.resize(c, rw);
      stdout.columns = c;
      stdout.rows = rw;
      stdout.emit('resize');
      await settle(60);
    },
    async waitFor(what, timeoutMs = 3000) {
      const test =
        typeof what === 'function' ? what : typeof what === 'string' ? (s: string) => s.includes(what) : (s: string) => what.test(s);
      const until = Date.now() + timeoutMs;
      for (;;) {
        await settle(20);
        const s = screen();
        if (test(s)) return s;
        if (Date.now() > until) throw new Error(`timed out waiting for ${String(what)}; screen:\n${s}`);
      }
    },
    settle,
    instance,
    term,
    unmount() {
      instance.unmount();
      instance.cleanup();
      term.dispose();
    },
  };
  return r;
}

/** SGR sequences that set a colour (foreground/background): 30–37, 39-49, 90–97, 100–107, 38;…, 48;… */
export function colourEscapes(raw: string): string[] {
  const out: string[] = [];
  for (const m of raw.matchAll(/\x1b\[([0-9;:]*)m/g)) {
    const params = m[1]!.split(/[;:]/).filter(Boolean).map(Number);
    if (params.some((p) => (p >= 30 && p <= 49) || (p >= 90 && p <= 107))) out.push(m[0]);
  }
  return out;
}
