/**
 * `readiness-tui validate FILE`: every problem as `file:line:col: error: path: message`, exit 2; or
 * `OK: <B> blocks, <I> items` (after any warning lines), exit 0. Missing file → one clear line, exit 2.
 */
import { formatProblem } from '../checklist/errors.js';
import { validateFile } from '../checklist/validate-file.js';
import { EXIT, exitQuietlyOnClosedPipe } from './exit.js';

export async function validateCommand(file: string): Promise<number> {
  exitQuietlyOnClosedPipe([process.stdout]);
  // Settling a valid checklist is a short burst of work (~100 ms for 2,000 items): V8's optimizing compiler
  // (TurboFan) costs more than it saves there — it compiles on the other core while the work is nearly done
  // (2,000 items: ~300 → ~255 ms for the whole command). The full path, which can run for seconds on a large file
  // with problems, gets it back before it starts. (`--opt` restores it fully; `--max-opt=999` measurably does not.)
  const v8 = await import('node:v8');
  v8.setFlagsFromString('--no-opt');
  const { checklist, problems } = await validateFile(file, { beforeFullPath: () => v8.setFlagsFromString('--opt') });
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
