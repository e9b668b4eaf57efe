/**
 * The ink patches applied while bundling (scripts/ink-fixes.mjs), checked on a real bundle of ink built with the
 * same plugin: `renderNextNow()` draws the next commit at once instead of at the end of the maxFps window.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inkFixes } from '../../scripts/ink-fixes.mjs';
import { yogaFix } from '../../scripts/yoga-fix.mjs';

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
    plugins: [inkFixes, yogaFix],
  });
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
