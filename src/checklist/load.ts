import type { Checklist } from './model.js';
import { ChecklistError } from './errors.js';
import { validateFile } from './validate.js';

/**
 * Load + validate a checklist file. Resolves with the typed model (source.bytes = the exact file bytes, sha256 of
 * them); throws ChecklistError listing every problem (errors and warnings) when there is any error, and UsageError
 * when the file cannot be read.
 */
export async function loadChecklist(file: string): Promise<Checklist> {
  const { checklist, problems } = await validateFile(file);
  if (!checklist) throw new ChecklistError(problems);
  return checklist;
}
