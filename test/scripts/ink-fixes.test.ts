/**
 * The ink patches applied while bundling (scripts/ink-fixes.mjs), each checked on a real bundle of ink built with
 * the same plugin and, where the defect can be shown, against the same file bundled without it:
 * - `renderNextNow()` draws the next commit at once instead of at the end of the maxFps window;
 * - log-update's incremental path keeps a frame that ends in a newline in place (unpatched: it drifts a row down);
 * - measure-text's and wrap-text's caches stop growing (unpatched: every distinct text is kept for good).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inkFixes } from '../../scripts/ink-fixes.mjs';
import xterm from '@xterm/headless';
import { bundleWith, removeBundles } from './bundle-with.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// a counter drawn with maxFps 1 (a 1000 ms throttle window); argv[2] = "now" asks for the next frame at once
const ENTRY = `
import React, { useState } from 'react';
import { render, Text } from 'ink';
import { Writable } from 'node:stream';
let out = '';
const stdout = Object.assign(new Writable({ write(c, _e, cb) { out += c.toString(); cb(); } }), { columns: 40, rows: 10 });
let bump = () => {};
function Counter() {
  const [n, setN] = useState(0);
  bump = () => setN((x) => x + 1);
  return <Text>count {n}</Text>;
}
const inst = render(<Counter />, { stdout, maxFps: 1, patchConsole: false, exitOnCtrlC: false });
setTimeout(() => {
  // the first frame used the window's leading edge: this update falls inside the window
  if (process.argv[2] === 'now') inst.renderNextNow();
  bump();
  setTimeout(() => {
    const shown = out.includes('count 1');
    inst.unmount();
    process.stdout.write(JSON.stringify({ first: out.includes('count 0'), shownWithin300ms: shown, hasMethod: typeof inst.renderNextNow === 'function' }));
    process.exit(0);
  }, 300);
}, 100);
`;

let dir: string;
let bundle: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rt-ink-fixes-'));
  bundle = path.join(dir, 'counter.mjs');
  await build({
    stdin: { contents: ENTRY, resolveDir: repo, loader: 'tsx', sourcefile: 'counter.tsx' },
    outfile: bundle,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'silent',
    jsx: 'transform',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    define: { 'process.env.DEV': '"false"', 'process.env.NODE_ENV': '"production"' },
    alias: { 'react-devtools-core': path.join(repo, 'scripts/stub-devtools.mjs') },
    plugins: [inkFixes],
  });
}, 60_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  removeBundles();
});

function run(mode: string): { first: boolean; shownWithin300ms: boolean; hasMethod: boolean } {
  // ink renders nothing until exit when it believes it runs in CI (is-in-ci: CI, CONTINUOUS_INTEGRATION, CI_*)
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(CI|CI_.*|CONTINUOUS_INTEGRATION)$/.test(k)));
  const r = spawnSync(process.execPath, [bundle, mode], { encoding: 'utf8', env, timeout: 20_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('ink patches (bundle)', () => {
  it('renderNextNow() draws the next commit at once; without it the commit waits for the throttle window', () => {
    const throttled = run('throttled');
    expect(throttled).toEqual({ first: true, shownWithin300ms: false, hasMethod: true });
    const now = run('now');
    expect(now).toEqual({ first: true, shownWithin300ms: true, hasMethod: true });
  });
});

const inkFile = (name: string) => path.join(repo, 'node_modules/ink/build', name);

type LogUpdate = { create(stream: { write(s: string): boolean }, o: { incremental: boolean }): (s: string) => void };

/** the rows of a 40×10 terminal after log-update drew `frames` one after another */
async function drawn(logUpdate: LogUpdate, frames: string[]): Promise<string[]> {
  const term = new xterm.Terminal({ cols: 40, rows: 10, allowProposedApi: true });
  let out = '';
  const render = logUpdate.create({ write: (s: string) => ((out += s), true) }, { incremental: true });
  for (const f of frames) render(f);
  await new Promise<void>((resolve) => term.write(out, resolve));
  const rows: string[] = [];
  for (let i = 0; i < 5; i++) rows.push(term.buffer.active.getLine(i)!.translateToString(true));
  term.dispose();
  return rows;
}

describe('ink patches (defects shown against the unpatched file)', () => {
  // upstream defect: ink 6.8 log-update.js, incremental mode, `cursorUp(previousVisible - 1)` after a frame that
  // ended in "\n" (every frame shorter than the terminal) — each later frame lands one row lower
  it('log-update: a frame ending in a newline is redrawn in place', async () => {
    const entry = `export { default } from ${JSON.stringify(inkFile('log-update.js'))};`;
    const frames = ['head\nrow 1\nrow 2\n', 'head\nrow 1*\nrow 2\n', 'head\nrow 1*\nrow 2*\n'];
    const patched = (await bundleWith<{ default: LogUpdate }>(entry, [inkFixes], repo)).default;
    expect(await drawn(patched, frames)).toEqual(['head', 'row 1*', 'row 2*', '', '']);
    const original = (await bundleWith<{ default: LogUpdate }>(entry, [], repo)).default;
    expect(await drawn(original, frames)).not.toEqual(['head', 'row 1*', 'row 2*', '', '']);
  });

  // upstream defect: ink 6.8 measure-text.js (a Map) and wrap-text.js (an object) cache every distinct text forever;
  // a live output pane is a new text ten times a second. Measured in a child with --expose-gc: heap kept after
  // 20,000 distinct 400-character texts went through both.
  it('measure-text and wrap-text: the caches stop growing', async () => {
    const kept = async (plugins: typeof inkFixes[]) => {
      const out = await build({
        stdin: {
          contents: `import measureText from ${JSON.stringify(inkFile('measure-text.js'))};
import wrapText from ${JSON.stringify(inkFile('wrap-text.js'))};
globalThis.gc(); const before = process.memoryUsage().heapUsed;
for (let i = 0; i < 20000; i++) { const t = String(i).padStart(400, 'x'); measureText(t); wrapText(t, 1000, 'truncate-end'); }
globalThis.gc(); process.stdout.write(String(process.memoryUsage().heapUsed - before));`,
          resolveDir: repo,
          loader: 'js',
        },
        bundle: true,
        format: 'esm',
        platform: 'node',
        target: 'node20',
        write: false,
        plugins,
        logLevel: 'silent',
      });
      const file = path.join(dir, `caches-${plugins.length}.mjs`);
      writeFileSync(file, out.outputFiles[0]!.text);
      const r = spawnSync(process.execPath, ['--expose-gc', file], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(0);
      return Number(r.stdout) / 1e6;
    };
    expect(await kept([inkFixes])).toBeLessThan(4);
    expect(await kept([])).toBeGreaterThan(12);
  }, 60_000);
});
