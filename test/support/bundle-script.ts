/** Bundle a TypeScript test helper into a runnable .mjs so a real child process can run our real code. */
import { build } from 'esbuild';
import path from 'node:path';
import { repoRoot } from './session-fixtures.js';

/** Bundle a TypeScript entry (e.g. test/support/journal-child.ts) into a runnable .mjs in `outDir`. */
export async function bundleScript(entry: string, outDir: string): Promise<string> {
  const outfile = path.join(outDir, path.basename(entry).replace(/\.ts$/, '.mjs'));
  await build({
    entryPoints: [path.resolve(repoRoot, entry)],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'error',
    banner: { js: "import { createRequire as __rtCR } from 'node:module'; const require = __rtCR(import.meta.url);" },
    define: { __RT_VERSION__: '"0.0.0-test"' },
    external: ['@kubernetes/client-node', '@secretlint/node', '@secretlint/secretlint-rule-preset-recommend'],
  });
  return outfile;
}
