/**
 * `readiness-tui validate FILE`: every problem as `file:line:col: error: path: message`, exit 2; or
 * `OK: <B> blocks, <I> items` (after any warning lines), exit 0. Missing file → one clear line, exit 2.
 */
import { formatProblem } from '../checklist/errors.js';
import { validateFile } from '../checklist/validate.js';
import { KINDS } from '../checks/index.js';
import { EXIT, exitQuietlyOnClosedPipe } from './exit.js';

export async function validateCommand(file: string): Promise<number> {
  exitQuietlyOnClosedPipe([process.stdout]);
  const { checklist, problems } = await validateFile(file, KINDS);
  for (const p of problems) process.stdout.write(formatProblem(p) + '\n');
  if (!checklist) {
    const n = problems.filter((p) => p.severity === 'error').length;
    process.stderr.write(`${file}: ${n} error${n === 1 ? '' : 's'}\n`);
    return EXIT.USAGE;
  }
  const items = checklist.blocks.reduce((s, b) => s + b.items.length, 0);
  process.stdout.write(`OK: ${checklist.blocks.length} blocks, ${items} items\n`);
  return EXIT.OK;
}
