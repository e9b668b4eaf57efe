/**
 * The CLI tests run the BUNDLE in dist/ (bin/readiness-tui.js), so they must never run an old one: `distStaleness()`
 * names the newest build input (any file under src/, the build scripts, package.json) that is newer than
 * dist/cli.js, and `buildIfStale()` rebuilds then. The vitest global setup (test/global-setup.ts) calls it once
 * before any test file starts; CLI tests call `ensureBuilt()` (cli-run.ts), which only checks, so no test file ever
 * rebuilds dist/ under another one that is running it.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DIST_CLI = path.join(repoRoot, 'dist', 'cli.js');

function buildInputs(): string[] {
  const src = readdirSync(path.join(repoRoot, 'src'), { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.join(d.parentPath, d.name));
  const scripts = readdirSync(path.join(repoRoot, 'scripts'), { withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith('.mjs'))
    .map((d) => path.join(repoRoot, 'scripts', d.name));
  return [...src, ...scripts, path.join(repoRoot, 'package.json')];
}

/** Why dist/ must be rebuilt ("dist/cli.js is missing", "src/x.ts is newer than dist/cli.js"), or undefined. */
export function distStaleness(): string | undefined {
  let built: number;
  try {
    built = statSync(DIST_CLI).mtimeMs;
  } catch {
    return 'dist/cli.js is missing';
  }
  let newest: { file: string; at: number } | undefined;
  for (const f of buildInputs()) {
    const at = statSync(f).mtimeMs;
    if (at > built && (!newest || at > newest.at)) newest = { file: f, at };
  }
  return newest ? `${path.relative(repoRoot, newest.file)} is newer than dist/cli.js` : undefined;
}

/** Run `npm run build` when dist/ is missing or older than a build input; returns why it built, or undefined. */
export function buildIfStale(): string | undefined {
  const why = distStaleness();
  if (!why) return undefined;
  try {
    execFileSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'pipe', encoding: 'utf8' });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`npm run build failed (${why}):\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  }
  const still = distStaleness();
  if (still) throw new Error(`npm run build did not bring dist/ up to date: ${still}`);
  return why;
}
