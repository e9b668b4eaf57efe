// Checks what `npm pack` would ship: `node scripts/pack-check.mjs [PACKAGE_DIR]` (default: this repository).
//
// - everything the CLI and the demo need at run time is there (bin/, dist/cli.js, the demo
//   scripts, checklist/);
// - nothing outside bin/, dist/, checklist/, README.md, LICENSE, package.json; no source maps, no TypeScript;
// - every dist/*.js is reachable from the entry (dist/cli.js) — esbuild never deletes old
//   chunks, so a dist/ that saw many builds ships megabytes of stale ones (`rm -rf dist && npm run build` fixes that);
// - the unpacked size stays under a budget.
// Prints one line per finding and exits 1 when something is wrong. The package test uses analysePack() too.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REQUIRED = [
  'package.json',
  'README.md',
  'bin/readiness-tui.js',
  'dist/cli.js',
  'checklist/detektor.yaml',
  'checklist/schema.json',
  'dist/demo/scripts/check_optimizations.sh',
  'dist/demo/scripts/circuit_breaker_test.sh',
  'dist/demo/scripts/disaster_recovery_test.sh',
  'dist/demo/scripts/remediation/high_memory.sh',
  'dist/demo/scripts/remediation/slow_queries.sh',
  'dist/demo/scripts/remediation/queue_backup.sh',
];

export const MAX_UNPACKED_BYTES = 8 * 1024 * 1024;

/** dist/*.js files reachable from the entry (dist/cli.js) through static and dynamic relative imports */
export function reachableChunks(distDir) {
  const seen = new Set();
  const visit = (f) => {
    if (seen.has(f)) return;
    seen.add(f);
    const text = readFileSync(path.join(distDir, f), 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*["']\.\/([\w.-]+\.js)["']/g)) visit(m[1]);
  };
  visit('cli.js');
  return seen;
}

/**
 * @param {{ files: { path: string, size: number }[], unpackedSize: number }} pack  one entry of `npm pack --json`
 * @param {string} distDir  the dist/ the pack was made from
 * @returns {string[]} problems (empty: fine)
 */
export function analysePack(pack, distDir) {
  const problems = [];
  const paths = pack.files.map((f) => f.path);
  for (const need of REQUIRED) if (!paths.includes(need)) problems.push(`missing: ${need}`);
  for (const p of paths) {
    if (!/^(bin|dist|checklist)\//.test(p) && !['package.json', 'README.md', 'LICENSE'].includes(p)) problems.push(`should not ship: ${p}`);
    else if (p.endsWith('.map') || p.endsWith('.ts') || p.endsWith('.tsx')) problems.push(`should not ship: ${p}`);
  }
  const reach = reachableChunks(distDir);
  const stale = paths.filter((p) => /^dist\/[^/]+\.js$/.test(p) && !reach.has(p.slice('dist/'.length)));
  if (stale.length) {
    const bytes = pack.files.filter((f) => stale.includes(f.path)).reduce((s, f) => s + f.size, 0);
    problems.push(
      `${stale.length} stale chunk(s) in dist/ not reachable from dist/cli.js (${(bytes / 1e6).toFixed(1)} MB), e.g. ${stale[0]}: rm -rf dist && npm run build`,
    );
  }
  if (pack.unpackedSize > MAX_UNPACKED_BYTES) {
    problems.push(`unpacked size ${(pack.unpackedSize / 1e6).toFixed(1)} MB is over the budget of ${(MAX_UNPACKED_BYTES / 1e6).toFixed(1)} MB`);
  }
  return problems;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
  let pack;
  try {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    pack = JSON.parse(out.slice(out.indexOf('[')))[0];
  } catch (err) {
    process.stderr.write(`pack-check: npm pack --dry-run failed in ${dir}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n`);
    process.exit(2);
  }
  const problems = analysePack(pack, path.join(dir, 'dist'));
  for (const p of problems) process.stdout.write(`pack-check: ${p}\n`);
  process.stdout.write(
    `pack-check: ${pack.files.length} files, ${(pack.unpackedSize / 1e6).toFixed(1)} MB unpacked, ${(pack.size / 1e6).toFixed(1)} MB packed — ${problems.length ? `${problems.length} problem(s)` : 'ok'}\n`,
  );
  process.exit(problems.length ? 1 : 0);
}
