/**
 * vitest global setup: runs once in the main process before any test file, and once after all of them.
 * - Rebuilds dist/ when a source is newer than it (CLI tests run the bundle: never an old one).
 */
import { buildIfStale } from './support/build.js';

export function setup(): void {
  const why = buildIfStale();
  if (why) process.stderr.write(`global setup: rebuilt dist/ (${why})\n`);
}
