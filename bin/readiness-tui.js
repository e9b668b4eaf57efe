#!/usr/bin/env node
// The CLI is bundled into dist/ by `npm run build`; `npm ci` in a checkout runs it (the package's prepare script),
// and the published package ships it built. A checkout that was never built gets a line saying so, not a stack trace.
try {
  await import('../dist/cli.js');
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.url ?? '').endsWith('/dist/cli.js')) throw err;
  process.stderr.write('readiness-tui: dist/cli.js is missing: this checkout was not built. Run `npm ci` (or `npm run build`) in it first.\n');
  process.exitCode = 2;
}
