/**
 * vitest global setup: runs once in the main process before any test file, and its teardown once after all of them.
 * - Rebuilds dist/ when a source is newer than it (CLI tests run the bundle: never an old one).
 * - Marks the run (READINESS_TEST_RUN in the environment every worker and child inherits) and, at the end, fails the
 *   run when a process a test started is still alive: it names each one, then kills it so the machine stays clean.
 */
import { randomUUID } from 'node:crypto';
import { buildIfStale } from './support/build.js';
import { isVitestWorker, markedProcesses, RUN_MARK } from './support/leftovers.js';

/** how long processes that are being stopped as the last test ends may take to go */
const SETTLE_MS = 5_000;

export function setup(): () => Promise<void> {
  const why = buildIfStale();
  if (why) process.stderr.write(`global setup: rebuilt dist/ (${why})\n`);
  const id = randomUUID();
  process.env[RUN_MARK] = id;
  return async function teardown() {
    const left = () => markedProcesses(id, [process.pid]).filter((l) => !isVitestWorker(l));
    const until = Date.now() + SETTLE_MS;
    let found = left();
    while (found.length && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      found = left();
    }
    if (!found.length) return;
    for (const l of found) {
      try {
        process.kill(l.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    // a teardown that throws is only logged by vitest ("error during close"): fail the run through the exit code
    process.exitCode = 1;
    process.stderr.write(
      `\nFAIL: a test left ${found.length} process(es) running (killed now):\n` + found.map((l) => `  pid ${l.pid}: ${l.cmdline}`).join('\n') + '\n',
    );
  };
}
