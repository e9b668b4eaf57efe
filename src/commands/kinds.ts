import { UsageError } from './exit.js';

// Placeholder until its issue lands: the command exists in the CLI contract but is not implemented yet.
export async function kindsCommand(..._args: unknown[]): Promise<number> {
  throw new UsageError('`kinds` is not implemented yet');
}
