/**
 * Bundle one dependency the way scripts/build.mjs does, with or without one of its esbuild plugins, and import the
 * result: the tests compare a patched dependency with the original on the same inputs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';

const dirs: string[] = [];

/** `entry` is the source of the module to bundle; its imports resolve from `resolveDir` (default: the repository). */
export async function bundleWith<T>(entry: string, plugins: Plugin[], resolveDir = process.cwd()): Promise<T> {
  const out = await build({
    stdin: { contents: entry, resolveDir, loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    write: false,
    plugins,
    logLevel: 'silent',
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rt-bundle-with-'));
  dirs.push(dir);
  const file = path.join(dir, 'bundle.mjs');
  writeFileSync(file, out.outputFiles[0]!.text);
  return (await import(/* @vite-ignore */ pathToFileURL(file).href)) as T;
}

export function removeBundles(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}
