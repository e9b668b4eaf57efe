/**
 * Derives the plans of fast-schema.ts from the zod schemas — the checklist format (schema.ts) and every kind's params —
 * and writes them as src/checklist/fast-schema.generated.ts (`npm run schema`; a test asserts the committed file is
 * current). A schema using something the plans do not model (a transform, an inline refinement, a string format
 * other than a regex, ...) gets no plan: the validator then always checks it with zod.
 */
import type { z } from 'zod';
import { KINDS } from '../checks/index.js';
import { RULES, type RuleName } from '../checks/rules.js';
import type { Json, KindPlan, NumberBound, SchemaPlan } from './fast-schema.js';
import { checklistSchema } from './schema.js';

class Unsupported extends Error {}

const RULE_NAMES = new Map<unknown, RuleName>(Object.entries(RULES).map(([name, fn]) => [fn, name as RuleName]));

interface CheckDef {
  check: string;
  minimum?: number;
  maximum?: number;
  length?: number;
  format?: string;
  pattern?: RegExp;
  value?: number;
  inclusive?: boolean;
  fn?: unknown;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDef = Record<string, any>;

function defOf(schema: unknown): AnyDef {
  const def = (schema as { _zod?: { def?: AnyDef } })._zod?.def;
  if (!def) throw new Unsupported('not a zod schema');
  return def;
}

function checksOf(def: AnyDef): CheckDef[] {
  return ((def.checks ?? []) as { _zod: { def: CheckDef } }[]).map((c) => c._zod.def);
}

function isJson(v: unknown): v is Json {
  try {
    return JSON.stringify(JSON.parse(JSON.stringify(v))) === JSON.stringify(v) && v !== undefined;
  } catch {
    return false;
  }
}

function planOf(schema: unknown): SchemaPlan {
  const def = defOf(schema);
  const rules: RuleName[] = [];
  const lengths: { minLength?: number; maxLength?: number; length?: number } = {};
  const patterns: { source: string; flags: string }[] = [];
  const bounds: NumberBound[] = [];
  // a schema that is itself a check (z.int(), z.email(), z.url(), ...): only z.int() is modelled
  let int = false;
  if (def.check !== undefined || def.format !== undefined) {
    if (def.type !== 'number' || def.check !== 'number_format' || def.format !== 'safeint') throw new Unsupported(`format ${def.format}`);
    int = true;
  }
  for (const c of checksOf(def)) {
    switch (c.check) {
      case 'custom': {
        const name = RULE_NAMES.get(c.fn);
        if (!name) throw new Unsupported('an inline refinement (name it in src/checks/rules.ts)');
        rules.push(name);
        break;
      }
      case 'min_length':
        lengths.minLength = Math.max(lengths.minLength ?? 0, c.minimum!);
        break;
      case 'max_length':
        lengths.maxLength = Math.min(lengths.maxLength ?? Infinity, c.maximum!);
        break;
      case 'length_equals':
        lengths.length = c.length!;
        break;
      case 'string_format':
        if (c.format !== 'regex' || !c.pattern) throw new Unsupported(`string format ${c.format}`);
        patterns.push({ source: c.pattern.source, flags: c.pattern.flags });
        break;
      case 'greater_than':
        bounds.push([c.inclusive ? '>=' : '>', c.value!]);
        break;
      case 'less_than':
        bounds.push([c.inclusive ? '<=' : '<', c.value!]);
        break;
      case 'number_format':
        if (c.format !== 'safeint') throw new Unsupported(`number format ${c.format}`);
        int = true;
        break;
      default:
        throw new Unsupported(`check ${c.check}`);
    }
  }
  const withLengths = (p: SchemaPlan): SchemaPlan => Object.assign(p, Object.fromEntries(Object.entries(lengths)));
  let plan: SchemaPlan;
  switch (def.type) {
    case 'string':
      plan = withLengths({ t: 'string', ...(patterns.length ? { patterns } : {}) });
      break;
    case 'number':
      plan = { t: 'number', ...(int ? { int: true as const } : {}), ...(bounds.length ? { bounds } : {}) };
      break;
    case 'boolean':
      plan = { t: 'boolean' };
      break;
    case 'unknown':
    case 'any':
      plan = { t: 'unknown' };
      break;
    case 'literal':
      plan = { t: 'values', values: [...(def.values as (string | number | boolean | null)[])] };
      break;
    case 'enum':
      plan = { t: 'values', values: Object.values(def.entries as Record<string, string | number>) };
      break;
    case 'optional':
      plan = { t: 'optional', inner: planOf(def.innerType) };
      break;
    case 'default': {
      const value: unknown = def.defaultValue;
      if (typeof value === 'function' || !isJson(value)) throw new Unsupported('a default that is not plain data');
      plan = { t: 'default', inner: planOf(def.innerType), value };
      break;
    }
    case 'object': {
      const catchall = def.catchall === undefined ? undefined : defOf(def.catchall).type;
      const unknownKeys = catchall === undefined ? 'strip' : catchall === 'never' ? 'strict' : catchall === 'unknown' ? 'loose' : undefined;
      if (!unknownKeys) throw new Unsupported(`object catchall ${catchall}`);
      const shape = def.shape as Record<string, unknown>;
      plan = { t: 'object', shape: Object.keys(shape).map((k) => [k, planOf(shape[k])]), unknownKeys };
      break;
    }
    case 'array':
      plan = withLengths({ t: 'array', element: planOf(def.element) });
      break;
    case 'record': {
      const key = planOf(def.keyType);
      if (key.t !== 'string') throw new Unsupported('record keys other than strings');
      plan = { t: 'record', key, value: planOf(def.valueType) };
      break;
    }
    case 'union':
      if (def.inclusive === false) throw new Unsupported('exclusive union');
      plan = { t: 'union', options: (def.options as unknown[]).map(planOf) };
      break;
    default:
      throw new Unsupported(`zod type ${def.type}`);
  }
  if (patterns.length && plan.t !== 'string') throw new Unsupported('pattern on a non-string');
  if (rules.length) plan.rules = rules;
  if (isPure(plan)) plan.pure = true;
  return plan;
}

function isPure(p: SchemaPlan): boolean {
  if (p.rules) return false;
  switch (p.t) {
    case 'default':
      return false;
    case 'optional':
      return p.inner.pure === true;
    case 'object':
      return p.shape.every(([, s]) => s.pure === true);
    case 'array':
      return p.element.pure === true;
    case 'record':
      return p.key.pure === true && p.value.pure === true;
    case 'union':
      return p.options.every((o) => o.pure === true);
    default:
      return true;
  }
}

/** the plan of a zod schema, or undefined when the schema uses something plans do not model */
export function schemaPlan(schema: z.ZodType): SchemaPlan | undefined {
  try {
    return planOf(schema);
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
}

/** the text of src/checklist/fast-schema.generated.ts */
export function fastSchemaPlansText(): string {
  const checklist = schemaPlan(checklistSchema);
  if (!checklist || !checklist.pure) throw new Error('the checklist schema must have a pure plan (no defaults, no refinements)');
  const kinds: KindPlan[] = [...KINDS.values()].map((k) => {
    const mutatingRule = k.mutating ? RULE_NAMES.get(k.mutating) : null;
    // a mutating() that is not a named rule: the fast path cannot decide it, so it leaves the kind to zod
    const params = mutatingRule === undefined ? null : (schemaPlan(k.params) ?? null);
    return { kind: k.kind, ...(k.planned ? { planned: true as const } : {}), params, mutating: mutatingRule ?? null };
  });
  return [
    '// Generated by `npm run schema` from the zod schemas (src/checklist/schema.ts and every kind\'s params): do not edit.',
    '// The validator reads a valid checklist with these plans instead of loading zod (src/checklist/fast-schema.ts).',
    "import type { KindPlan, SchemaPlan } from './fast-schema.js';",
    '',
    `export const CHECKLIST_PLAN: SchemaPlan = ${JSON.stringify(checklist, null, 2)};`,
    '',
    `export const KIND_PLANS: KindPlan[] = ${JSON.stringify(kinds, null, 2)};`,
    '',
  ].join('\n');
}
