/** Exit codes of the CLI contract and the one place fatal errors are turned into a message (never a stack). */
export const EXIT = { OK: 0, GO: 0, NO_GO: 1, INVALID: 1, USAGE: 2, INCOMPLETE: 3 } as const;

/** A problem with how the command was called or configured: exit 2 with this message. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Print an unexpected error as one clear line (stack only with READINESS_DEBUG=1) and return exit code 2. */
export function reportFatal(err: unknown): number {
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`error: ${msg}\n`);
  if (process.env.READINESS_DEBUG === '1' && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  return EXIT.USAGE;
}
