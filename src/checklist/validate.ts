/**
 * Checklist validation: YAML (with positions) → every problem with file:line:col, the YAML path and what was
 * expected → the typed model of model.ts. Never throws for bad content; unreadable files are a UsageError.
 * The rules are in validator.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError, type Problem } from './errors.js';
import type { KindCatalog } from './kinds.js';
import { Validator, type ValidationResult } from './validator.js';

export { kindProblem, type ValidationResult } from './validator.js';

/**
 * Validate checklist bytes against the format and the check kinds of `kinds` (the registry, checks/index.ts KINDS).
 * `file` is how positions name the file; `absPath` goes into checklist.source.path.
 */
export function validateSource(bytes: Buffer, file: string, kinds: KindCatalog, absPath: string = path.resolve(file)): ValidationResult {
  const v = new Validator(bytes, file, kinds);
  const checklist = v.run();
  if (checklist) checklist.source.path = absPath;
  return { checklist, problems: v.problems };
}

/** Read and validate a checklist file. Throws UsageError only when the file cannot be read. */
export async function validateFile(file: string, kinds: KindCatalog): Promise<ValidationResult> {
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
  return validateSource(bytes, file, kinds, abs);
}

export function errorsOf(problems: Problem[]): Problem[] {
  return problems.filter((p) => p.severity === 'error');
}
