/**
 * What the checklist needs to know about the check kinds to validate a check: which kinds exist, which are still
 * planned, each kind's params schema and whether a check of it changes the environment. The registry of src/checks
 * (checks/index.ts KINDS) is one; whoever reads a checklist passes it in, so the checklist format never imports the
 * kinds themselves (they sit a room above it).
 */
import type { z } from 'zod';

export interface KindSpec {
  kind: string;
  /** true while the kind is only a placeholder: validation refuses it */
  planned?: boolean;
  /** the params of a check of this kind (its mapping without kind/expect/mutating/context/maskCredentials) */
  params: z.ZodType;
  /** true when running this check changes the environment (may depend on params) */
  mutating?(params: Record<string, unknown>): boolean;
}

/** kind name → what the checklist needs to know about it */
export type KindCatalog = ReadonlyMap<string, KindSpec>;
