// Bundles the CLI into dist/cli.js with esbuild (ESM, Node 20).
// Bundling makes `npx readiness-tui` start fast and lets ink-table (CommonJS, require('ink')) sit next to
// ink 6 (ESM with top-level await): esbuild wraps them so the require() never meets the async graph.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { inkFixes } from './ink-fixes.mjs';
import { yogaFix } from './yoga-fix.mjs';
import { zodLocales } from './zod-locales.mjs';
import { stringWidthFix } from './string-width-fix.mjs';
import { ansiTokenizeFix } from './ansi-tokenize-fix.mjs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

// start from an empty dist/: stale chunks of earlier builds must not ship
await (await import('node:fs/promises')).rm('dist', { recursive: true, force: true });

await build({
  entryPoints: { cli: 'src/cli.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  // smaller files to read and parse at start-up; identifiers stay as written (readable stack traces with the map)
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  banner: {
    js: "import { createRequire as __rtCreateRequire } from 'node:module'; const require = __rtCreateRequire(import.meta.url);",
  },
  define: {
    __RT_VERSION__: JSON.stringify(pkg.version),
    'process.env.DEV': '"false"',
    // React and react-reconciler ship a development and a production build chosen by NODE_ENV at run time; a CLI
    // runs the production one (the development build is ~0.5 MB more to parse and slower to render)
    'process.env.NODE_ENV': '"production"',
  },
  // ink only imports react-devtools-core when DEV=true; keep it out of the bundle.
  alias: { 'react-devtools-core': './scripts/stub-devtools.mjs' },
  // Large, rarely-needed runtime dependencies stay external (installed as dependencies) and are loaded lazily.
  external: ['@kubernetes/client-node', '@secretlint/node', '@secretlint/secretlint-rule-preset-recommend'],
  // ink 6.8: incremental renderer row drift and unbounded text caches (see the file)
  // + yoga-layout: load its WebAssembly without fetch()/undici; zod: its unused locales stay out
  // + string-width 8: no emoji expression compiled for text without emoji; ansi-tokenize: no style diff between
  //   cells of the same style (both cost the TUI's first frame tens of ms; see the files)
  plugins: [inkFixes, yogaFix, zodLocales, stringWidthFix, ansiTokenizeFix],
});

// A check's stdout is read by worker threads started from this file (src/engine/capture-pump.ts): ship it next to
// the chunks, where `new URL('./capture-worker.mjs', import.meta.url)` finds it.
await (await import('node:fs/promises')).copyFile('src/engine/capture-worker.mjs', 'dist/capture-worker.mjs');

// The demo sandbox runs the seed's scripts as real child processes: ship them next to the bundle.
const { cp, rm } = await import('node:fs/promises');
await rm('dist/demo/scripts', { recursive: true, force: true });
await cp('src/demo/scripts', 'dist/demo/scripts', { recursive: true });
