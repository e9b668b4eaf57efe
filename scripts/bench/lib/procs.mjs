// Running child processes without blocking the bench's own event loop (it may host a loopback server the child
// talks to), and loading a TypeScript module of src/ for the bench (bundled once with esbuild into a temp dir).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** run a command to its end; wall ms, exit code and (when `capture`) its output */
export function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', opts.capture ? 'pipe' : 'ignore', 'pipe'], ...opts });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ ms: performance.now() - t0, code: code ?? signal, stdout, stderr }));
  });
}

/** import a src/ TypeScript module (bundled with its imports) */
export async function importSource(repo, rel, outDir) {
  const { build } = await import('esbuild');
  const out = path.join(outDir, path.basename(rel).replace(/\.ts$/, '.mjs'));
  await build({ entryPoints: [path.join(repo, rel)], outfile: out, bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning' });
  return import(pathToFileURL(out).href);
}

/** whether a command is on PATH */
export async function onPath(cmd) {
  const r = await run('/bin/sh', ['-c', `command -v ${cmd}`], { capture: true });
  return r.code === 0;
}
