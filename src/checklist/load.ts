import type { Checklist } from './model.js';
import { ChecklistError } from './errors.js';
import type { KindCatalog } from './kinds.js';
import { validateFile } from './validate.js';

/**
 * Load + validate a checklist file. Resolves with the typed model (source.bytes = the exact file bytes, sha256 of
 * them); throws ChecklistError listing every problem (errors and warnings) when there is any error, and UsageError
 * when the file cannot be read. `kinds`: the check kinds a check may use (the registry, checks/index.ts KINDS).
 */
export async function loadChecklist(file: string, kinds: KindCatalog): Promise<Checklist> {
  const { checklist, problems } = await validateFile(file, kinds);
  if (!checklist) throw new ChecklistError(problems);
  return checklist;
}
