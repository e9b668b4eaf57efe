/**
 * Checklist validation: YAML (with positions) → every problem with file:line:col, the YAML path and what was
 * expected → the typed model of model.ts. Never throws for bad content; unreadable files are a UsageError.
 *
 * The rules are in validator.ts. validateSource() runs them on the full path (zod, js-yaml, the `yaml` Document);
 * validateFile() tries the fast path first (validate-file.ts) and loads the full path only for a file it cannot
 * settle — one with a problem, or written in YAML beyond the simple subset.
 *
 * Speed on the full path: positions come from the `yaml` package's Document (exact, but ~20× slower than a plain
 * parse). A valid file is read with the simple reader or js-yaml, and the Document is only built when a problem
 * needs a position or someone reads an item's `pos`. Files that use aliases, or write ids as numbers (whose exact
 * text matters: 1.10), take the Document path from the start.
 */
import path from 'node:path';
import type { Problem } from './errors.js';
import { Validator, type ReadYaml, type ValidationResult } from './validator.js';
import { zodSupport } from './validator-zod.js';

export { kindProblem, type ValidationResult } from './validator.js';
export { validateFile } from './validate-file.js';

/**
 * Validate checklist bytes. `file` is how positions name the file; `absPath` goes into checklist.source.path.
 * `documentPath` forces the (slower) YAML Document path for everything; results are the same. `read`: what the
 * simple YAML reader already made of these bytes (validateFile's fast path), used instead of reading them again.
 */
export function validateSource(
  bytes: Buffer,
  file: string,
  absPath: string = path.resolve(file),
  opts: { documentPath?: boolean; read?: ReadYaml } = {},
): ValidationResult {
  const read = opts.read;
  const support = read ? { ...zodSupport, read: () => read } : zodSupport;
  const v = new Validator(bytes, file, support, opts.documentPath === true);
  const checklist = v.run();
  if (checklist) checklist.source.path = absPath;
  return { checklist, problems: v.problems };
}

export function errorsOf(problems: Problem[]): Problem[] {
  return problems.filter((p) => p.severity === 'error');
}
