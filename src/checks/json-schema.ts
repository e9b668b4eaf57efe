/**
 * The JSON Schema of the checklist format (checklist/schema.json, written by `npm run schema`), generated from the
 * same zod schemas the validator uses: the format itself (schema.ts) plus, per implemented check kind, its params
 * (so editors complete `kind:` and each kind's parameters). Draft-07, which yaml-language-server understands.
 * Beside the registry it reads, in checks/: the checklist format (checklist/schema.ts) sits a room below the kinds.
 */
import { z } from 'zod';
import { checklistSchema } from '../checklist/schema.js';
import { KINDS } from './index.js';

type Json = Record<string, unknown>;

const TARGET = 'draft-7' as const;

function toJson(schema: z.ZodType): Json {
  return z.toJSONSchema(schema, { target: TARGET, io: 'input', unrepresentable: 'any' }) as Json;
}

/** the check mapping for one kind: the kind's params plus the common keys */
function kindBranch(kind: string, params: z.ZodType, common: Json): Json | undefined {
  let p: Json;
  try {
    p = toJson(params);
  } catch {
    return undefined;
  }
  delete p.$schema;
  const props = (p.properties as Json | undefined) ?? {};
  const then: Json =
    p.type === 'object' && p.properties
      ? { ...p, properties: { ...common, ...props, kind: { const: kind } } }
      : { allOf: [p], properties: { kind: { const: kind } } };
  return { if: { properties: { kind: { const: kind } }, required: ['kind'] }, then };
}

export function checklistJsonSchema(): Json {
  const root = toJson(checklistSchema);
  const kinds = [...KINDS.values()].filter((k) => !k.planned).sort((a, b) => a.kind.localeCompare(b.kind));
  const def: Json = {};
  // every `check` / `checks.*` / deliverable check refers to one definition: base keys + per-kind params
  const check = toJson(
    z.looseObject({
      kind: z.string(),
      expect: z.string().optional(),
      mutating: z.boolean().optional(),
      context: z.string().optional(),
      maskCredentials: z.boolean().optional(),
    }),
  );
  delete check.$schema;
  const common = check.properties as Json;
  common.kind = { type: 'string', enum: kinds.map((k) => k.kind), description: 'check kind; `readiness-tui kinds` lists them' };
  for (const [k, v] of Object.entries(common)) {
    if (k === 'expect') (v as Json).description = "JSONata expression over the kind's result; truthy = pass";
    if (k === 'mutating') (v as Json).description = 'the check changes the environment (the TUI confirms before running it)';
    if (k === 'context') (v as Json).description = 'kube context for this check (overrides --kube-context)';
    if (k === 'maskCredentials') (v as Json).description = 'false: this item\'s output is shown and reported verbatim (credential-shaped text is masked by default; evidence files never are)';
  }
  const branches = kinds.map((k) => kindBranch(k.kind, k.params, common)).filter((b): b is Json => b !== undefined);
  def.check = { ...check, required: ['kind'], allOf: branches, description: 'a check: kind, the kind\'s parameters, optional expect' };

  // point every check position at the definition
  const replaceChecks = (node: unknown, key?: string): unknown => {
    if (Array.isArray(node)) return node.map((n) => replaceChecks(n));
    if (node && typeof node === 'object') {
      const o = node as Json;
      if (key === 'check') return { $ref: '#/definitions/check' };
      const out: Json = {};
      for (const [k, v] of Object.entries(o)) {
        if (k === 'checks' && v && typeof v === 'object' && (v as Json).type === 'object') {
          out[k] = { ...(v as Json), additionalProperties: { $ref: '#/definitions/check' } };
        } else out[k] = replaceChecks(v, k);
      }
      return out;
    }
    return node;
  };
  const body = replaceChecks(root) as Json;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'readiness-tui checklist (readiness/v1)',
    ...Object.fromEntries(Object.entries(body).filter(([k]) => k !== '$schema')),
    definitions: def,
  };
}

/** the exact text of checklist/schema.json */
export function checklistJsonSchemaText(): string {
  return JSON.stringify(checklistJsonSchema(), null, 2) + '\n';
}
