/**
 * validateFile(): read a checklist file and validate it — on the fast path (validator-fast.ts: no zod, no YAML
 * library) when it can settle the file, else on the full path (validate.ts), loaded only then. Both give the same
 * result for a file the fast path settles; the full path is the one that finds and explains problems.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../commands/exit.js';
import { NEEDS_FULL, SLOW, Validator, type ReadYaml, type ValidationResult, type ValidatorSupport } from './validator.js';
import { fastSupport } from './validator-fast.js';

/** The fast path only: the result for a valid checklist, undefined when the full path must decide. */
export function validateFast(bytes: Buffer, file: string, absPath: string = path.resolve(file)): ValidationResult | undefined {
  return fastAttempt(bytes, file, absPath).result;
}

/** the fast path's result, or what it read (so the full path need not read the YAML again) */
function fastAttempt(bytes: Buffer, file: string, absPath: string): { result?: ValidationResult; read?: ReadYaml } {
  let read: ReadYaml | undefined;
  try {
    const support: ValidatorSupport = {
      ...fastSupport,
      read(text) {
        const r = fastSupport.read(text);
        if (r !== SLOW) read = r;
        return r;
      },
    };
    const v = new Validator(bytes, file, support);
    const checklist = v.run();
    if (!checklist) return { read };
    checklist.source.path = absPath;
    return { result: { checklist, problems: v.problems } };
  } catch (err) {
    if (err === NEEDS_FULL) return { read };
    throw err;
  }
}

/**
 * Read and validate a checklist file. Throws UsageError only when the file cannot be read. `beforeFullPath` runs
 * when the fast path cannot settle the file, before the full path is loaded.
 */
export async function validateFile(file: string, opts: { beforeFullPath?: () => void } = {}): Promise<ValidationResult> {
  const abs = path.resolve(file);
  let bytes: Buffer;
  try {
    // one synchronous read: a checklist is small, and there is nothing else to do meanwhile
    bytes = readFileSync(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : String((err as Error).message);
    throw new UsageError(`cannot read checklist ${file}: ${why}`);
  }
  const fast = fastAttempt(bytes, file, abs);
  if (fast.result) return fast.result;
  opts.beforeFullPath?.();
  const { validateSource } = await import('./validate.js');
  return validateSource(bytes, file, abs, { read: fast.read });
}
