/** Exit codes of the CLI contract and the one place fatal errors are turned into a message (never a stack). */
import { EXIT } from '../engine/status.js';
export { EXIT };

/** A problem with how the command was called or configured: exit 2 with its message (defined in the bottom layer). */
export { UsageError } from '../checklist/errors.js';

const quieted = new WeakSet<NodeJS.WriteStream>();

/**
 * `readiness-tui … | head` closes the pipe early: that is no error worth a stack trace. On EPIPE the process exits
 * quietly with the exit code set so far; any other error of the stream is thrown as before. Once per stream.
 */
export function exitQuietlyOnClosedPipe(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    if (quieted.has(stream)) continue;
    quieted.add(stream);
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
}

/** Print an unexpected error as one clear line (stack only with READINESS_DEBUG=1) and return exit code 2. */
export function reportFatal(err: unknown): number {
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`error: ${msg}\n`);
  if (process.env.READINESS_DEBUG === '1' && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  return EXIT.USAGE;
}
