// Bundles the CLI into dist/cli.js with esbuild (ESM, Node 20).
// Bundling makes `npx readiness-tui` start fast and lets ink-table (CommonJS, require('ink')) sit next to
// ink 6 (ESM with top-level await): esbuild wraps them so the require() never meets the async graph.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { inkFixes } from './ink-fixes.mjs';

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
  // ink 6.8's defects a user sees: row drift of the incremental renderer, unbounded text caches, keys waiting for
  // the output throttle (see the file). Dependencies are otherwise used as they are: no patch only for start-up time.
  plugins: [inkFixes],
});

// The demo sandbox runs the seed's scripts as real child processes: ship them next to the bundle.
const { cp, rm } = await import('node:fs/promises');
await rm('dist/demo/scripts', { recursive: true, force: true });
await cp('src/demo/scripts', 'dist/demo/scripts', { recursive: true });
