import { UsageError } from './exit.js';

// Placeholder until its issue lands: the command exists in the CLI contract but is not implemented yet.
export async function demoCommand(..._args: unknown[]): Promise<number> {
  throw new UsageError('`demo` is not implemented yet');
}
