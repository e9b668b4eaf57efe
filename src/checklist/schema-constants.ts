/** The checklist format's constants, apart from its zod schema (schema.ts) so the validator's fast path needs no zod. */

export const API_VERSION = 'readiness/v1';

/** keys of a check mapping that belong to the checklist, not to the kind's params */
export const CHECK_BASE_KEYS = ['kind', 'expect', 'mutating', 'context', 'maskCredentials'] as const;
