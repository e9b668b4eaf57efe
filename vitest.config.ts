import { defineConfig, type Plugin } from 'vitest/config';

/**
 * ink-table 3.1 is CommonJS and require()s ink, which is ESM with top-level await (ERR_REQUIRE_ASYNC_MODULE).
 * The shipped CLI is bundled by esbuild (scripts/build.mjs), which resolves this. Under the test runner we let Vite
 * transform ink-table inline and turn its three require() calls into ESM imports.
 */
function inkTableAsEsm(): Plugin {
  return {
    name: 'ink-table-as-esm',
    enforce: 'pre',
    transform(code, id) {
      if (!/node_modules[\\/]ink-table[\\/]dist[\\/]index\.js$/.test(id)) return null;
      const header =
        "import * as __ink from 'ink'; import * as __react from 'react'; import __objectHash from 'object-hash';\n" +
        'const exports = {}; const module = { exports };\n';
      const body = code
        .replace(/require\("ink"\)/g, '__ink')
        .replace(/require\("react"\)/g, '__react')
        .replace(/require\("object-hash"\)/g, '__objectHash');
      return { code: header + body + '\nexport default exports.default;\n', map: null };
    },
  };
}

export default defineConfig({
  plugins: [inkTableAsEsm()],
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // rebuilds a stale dist/ before any test file runs (test/global-setup.ts)
    globalSetup: ['test/global-setup.ts'],
    // the fault suite runs on its own: `npm run faults` (scripts/faults.mjs, vitest.faults.config.ts)
    exclude: ['**/node_modules/**', '**/.git/**', 'test/faults/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    server: { deps: { inline: ['ink-table'] } },
    pool: 'forks',
    // every core, not Vitest's default of one fewer: on the 2-core machines here that default ran the files one at a
    // time, and most of them wait on child processes, ptys and servers. The whole suite on a clean clone (.ci/run):
    // 625 s with one worker, 420 s with two.
    maxWorkers: '100%',
    env: { CI: '', CONTINUOUS_INTEGRATION: '' },
  },
  define: { __RT_VERSION__: 'undefined' },
});
