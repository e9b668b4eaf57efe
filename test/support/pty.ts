/**
 * End-to-end harness: the BUILT CLI in a real pseudo-terminal (node-pty), its output fed into an @xterm/headless
 * screen grid. The app announces that it reads keys by setting the window title (READINESS_TEST_READY=1), so no
 * key is sent before the first frame. Keys are written one per write with a pause, like a person typing.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as pty from 'node-pty';
import xterm from '@xterm/headless';
import { keyBytes } from './keys.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(REPO_ROOT, 'bin', 'readiness-tui.js');
export const READY_TITLE = 'readiness-tui:ready';

export interface LaunchOptions {
  args: string[];
  /** run this program with `args` instead of the built CLI (e.g. `ssh -tt … readiness-tui …`) */
  program?: string;
  cols?: number;
  rows?: number;
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** wait for the readiness title (default true) */
  waitReady?: boolean;
}

export interface Tui {
  pid: number;
  lines(): string[];
  screen(): string;
  /** every byte the app wrote to the terminal */
  raw(): string;
  titles: string[];
  press(...keys: string[]): Promise<void>;
  type(text: string): Promise<void>;
  sendRaw(bytes: string): Promise<void>;
  resize(cols: number, rows: number): Promise<void>;
  waitForScreen(what: string | RegExp | ((s: string) => boolean), timeoutMs?: number): Promise<string>;
  waitForReady(count?: number, timeoutMs?: number): Promise<void>;
  exited: Promise<{ exitCode: number; signal?: number }>;
  kill(signal?: string): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A clean environment for the app: no CI markers, a UTF-8 locale, a colour terminal. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const k of Object.keys(env)) if (k === 'CI' || k === 'CONTINUOUS_INTEGRATION' || k.startsWith('VITEST') || k === 'NO_COLOR' || k === 'FORCE_COLOR') delete env[k];
  Object.assign(env, { TERM: 'xterm-256color', COLORTERM: 'truecolor', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', READINESS_TEST_READY: '1', PAGER: 'cat' }, extra);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

export async function launchTui(o: LaunchOptions): Promise<Tui> {
  const cols = o.cols ?? 100;
  const rows = o.rows ?? 30;
  const term = new xterm.Terminal({ cols, rows, allowProposedApi: true, scrollback: 1000 });
  const p = pty.spawn(o.program ?? process.execPath, o.program ? o.args : [CLI, ...o.args], {
    name: 'xterm-256color',
    cols,
    rows,
    cwd: o.cwd ?? process.cwd(),
    env: cleanEnv(o.env),
  });
  let raw = '';
  let pending = 0;
  const titles: string[] = [];
  let readyCount = 0;
  term.onTitleChange((t) => {
    titles.push(t);
    if (t === READY_TITLE) readyCount++;
  });
  let lastData = Date.now();
  p.onData((d) => {
    raw += d;
    lastData = Date.now();
    pending++;
    term.write(d, () => pending--);
  });
  const settled = async () => {
    for (let i = 0; i < 50 && pending; i++) await sleep(5);
  };
  // node-pty may report the exit before it has delivered the last output the child wrote (a line printed just before
  // exiting): `exited` resolves once the output has been quiet for 100 ms (at most 2 s) and the emulator has it all
  const drained = async () => {
    const until = Date.now() + 2_000;
    while (Date.now() - lastData < 100 && Date.now() < until) await sleep(20);
    await settled();
  };
  const exited = new Promise<{ exitCode: number; signal?: number }>((resolve) => p.onExit((e) => void drained().then(() => resolve(e))));
  let done = false;
  void exited.then(() => (done = true));

  const lines = () => {
    const b = term.buffer.active;
    const out: string[] = [];
    for (let y = 0; y < term.rows; y++) out.push(b.getLine(b.viewportY + y)?.translateToString(true) ?? '');
    return out;
  };
  const screen = () => lines().join('\n');
  const t: Tui = {
    pid: p.pid,
    lines,
    screen,
    raw: () => raw,
    titles,
    async press(...keys) {
      for (const k of keys) {
        p.write(keyBytes(k));
        await sleep(k === 'escape' ? 120 : 60);
      }
      await settled();
    },
    async type(text) {
      for (const ch of text) {
        p.write(ch);
        await sleep(25);
      }
      await settled();
    },
    async sendRaw(bytes) {
      p.write(bytes);
      await sleep(80);
      await settled();
    },
    async resize(c, r) {
      p.resize(c, r);
      term.resize(c, r);
      await sleep(200);
      await settled();
    },
    async waitForScreen(what, timeoutMs = 10_000) {
      const test = typeof what === 'function' ? what : typeof what === 'string' ? (s: string) => s.includes(what) : (s: string) => what.test(s);
      const until = Date.now() + timeoutMs;
      for (;;) {
        await settled();
        const s = screen();
        if (test(s)) return s;
        if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${String(what)}; screen:\n${s}`);
        if (done) throw new Error(`the app exited while waiting for ${String(what)}; screen:\n${s}\nraw tail: ${JSON.stringify(raw.slice(-400))}`);
        await sleep(40);
      }
    },
    async waitForReady(count = 1, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      while (readyCount < count) {
        if (done) throw new Error(`the app exited before it was ready; screen:\n${screen()}\nraw: ${JSON.stringify(raw.slice(-600))}`);
        if (Date.now() > until) throw new Error(`no readiness signal after ${timeoutMs} ms; screen:\n${screen()}`);
        await sleep(20);
      }
      await sleep(30);
    },
    exited,
    kill(signal = 'SIGTERM') {
      try {
        p.kill(signal);
      } catch {
        // already gone
      }
    },
  };
  if (o.waitReady !== false) await t.waitForReady();
  return t;
}
