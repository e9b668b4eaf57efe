/**
 * zod-free checking of data against a "plan": a plain-data copy of a zod schema (checklist/fast-schema-plan.ts derives
 * it, `npm run schema` writes the plans into fast-schema.generated.ts). The validator's fast path uses it to accept a
 * valid checklist without loading zod; anything the plan rejects is checked again by zod itself, which explains the
 * problem. So a plan may only accept what its zod schema accepts, and must produce exactly zod's output.
 *
 * `refine` predicates are named functions in src/checks/rules.ts; a plan refers to them by name.
 */
import { RULES, type RuleName } from '../checks/rules.js';

export interface PatternPlan {
  source: string;
  flags: string;
}

/** one bound of a number: [operator, value] */
export type NumberBound = ['>' | '>=' | '<' | '<=', number];

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

export type SchemaPlan = (
  | { t: 'string'; minLength?: number; maxLength?: number; length?: number; patterns?: PatternPlan[] }
  | { t: 'number'; int?: true; bounds?: NumberBound[] }
  | { t: 'boolean' }
  | { t: 'unknown' }
  /** z.literal and z.enum */
  | { t: 'values'; values: (string | number | boolean | null)[] }
  | { t: 'optional'; inner: SchemaPlan }
  | { t: 'default'; inner: SchemaPlan; value: Json }
  /** shape in declaration order; unknown keys: stripped (z.object), refused (strict) or kept (loose) */
  | { t: 'object'; shape: [string, SchemaPlan][]; unknownKeys: 'strip' | 'strict' | 'loose' }
  | { t: 'array'; element: SchemaPlan; minLength?: number; maxLength?: number; length?: number }
  | { t: 'record'; key: SchemaPlan; value: SchemaPlan }
  | { t: 'union'; options: SchemaPlan[] }
) & {
  /** refinements (RULES names), run on the node's output */
  rules?: RuleName[];
  /** no defaults and no rules anywhere below: accepting needs no output */
  pure?: true;
};

/** a kind as the fast path knows it */
export interface KindPlan {
  kind: string;
  planned?: true;
  /** the params' plan; null: its params are always checked by zod */
  params: SchemaPlan | null;
  /** RULES name deciding `mutating` from the params; null when the kind has no mutating() */
  mutating: RuleName | null;
}

/** what parsePlan returns for data the schema does not accept */
export const REJECTED: unique symbol = Symbol('rejected');

type Check = (v: unknown) => boolean;
type Parse = (v: unknown) => unknown;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (!isObject(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

function lengthCheck(p: { minLength?: number; maxLength?: number; length?: number }): (n: number) => boolean {
  const { minLength: min = 0, maxLength: max = Infinity, length } = p;
  return length === undefined ? (n) => n >= min && n <= max : (n) => n >= min && n <= max && n === length;
}

/** the check of a string, number, boolean, literal/enum or unknown plan */
function scalarCheck(plan: SchemaPlan): Check {
  switch (plan.t) {
    case 'string': {
      const len = lengthCheck(plan);
      const res = (plan.patterns ?? []).map((p) => new RegExp(p.source, p.flags));
      if (res.length === 0) return plan.minLength === undefined && plan.maxLength === undefined && plan.length === undefined ? (v) => typeof v === 'string' : (v) => typeof v === 'string' && len(v.length);
      return (v) => {
        if (typeof v !== 'string' || !len(v.length)) return false;
        for (let i = 0; i < res.length; i++) {
          const re = res[i]!;
          re.lastIndex = 0;
          if (!re.test(v)) return false;
        }
        return true;
      };
    }
    case 'number': {
      const bounds = (plan.bounds ?? []).map(([op, b]): Check =>
        op === '>' ? (v) => (v as number) > b : op === '>=' ? (v) => (v as number) >= b : op === '<' ? (v) => (v as number) < b : (v) => (v as number) <= b,
      );
      const int = plan.int === true;
      return (v) => {
        if (typeof v !== 'number' || !Number.isFinite(v) || (int && !Number.isSafeInteger(v))) return false;
        for (let i = 0; i < bounds.length; i++) if (!bounds[i]!(v)) return false;
        return true;
      };
    }
    case 'boolean':
      return (v) => typeof v === 'boolean';
    case 'values': {
      const values = plan.values;
      return (v) => values.includes(v as string);
    }
    case 'unknown':
      return () => true;
    default:
      throw new Error(`not a scalar plan: ${plan.t}`);
  }
}

/** zod's `.default()` hands out a shallow copy of an array or object default */
function defaultValue(v: Json): unknown {
  return Array.isArray(v) ? [...v] : isObject(v) ? { ...v } : v;
}

const checks = new Map<SchemaPlan, Check>();
const parsers = new Map<SchemaPlan, Parse>();

/** a function telling whether the schema accepts a value; builds no output where the plan is pure */
function checkOf(plan: SchemaPlan): Check {
  let c = checks.get(plan);
  if (c) return c;
  if (!plan.pure) {
    const parse = parserOf(plan);
    c = (v) => parse(v) !== REJECTED;
  } else {
    switch (plan.t) {
      case 'optional': {
        const inner = checkOf(plan.inner);
        c = (v) => v === undefined || inner(v);
        break;
      }
      case 'object': {
        const keys = plan.shape.map(([k]) => k);
        const fns = plan.shape.map(([, p]) => checkOf(p));
        const optional = plan.shape.map(([, p]) => p.t === 'optional');
        const known = new Set(keys);
        const strict = plan.unknownKeys === 'strict';
        c = (v) => {
          if (!isObject(v)) return false;
          for (let i = 0; i < keys.length; i++) {
            const k = keys[i]!;
            if (k in v) {
              if (!fns[i]!(v[k])) return false;
            } else if (!optional[i]) return false;
          }
          if (strict) for (const k in v) if (!known.has(k)) return false;
          return true;
        };
        break;
      }
      case 'array': {
        const len = lengthCheck(plan);
        const el = checkOf(plan.element);
        c = (v) => {
          if (!Array.isArray(v) || !len(v.length)) return false;
          for (let i = 0; i < v.length; i++) if (!el(v[i])) return false;
          return true;
        };
        break;
      }
      case 'record': {
        const key = checkOf(plan.key);
        const value = checkOf(plan.value);
        c = (v) => {
          if (!isPlainObject(v)) return false;
          for (const k in v) if (!key(k) || !value(v[k])) return false;
          return true;
        };
        break;
      }
      case 'union': {
        const options = plan.options.map(checkOf);
        c = (v) => options.some((o) => o(v));
        break;
      }
      default:
        c = scalarCheck(plan);
    }
  }
  checks.set(plan, c);
  return c;
}

/** a function giving zod's output for a value, or REJECTED */
function parserOf(plan: SchemaPlan): Parse {
  let fn = parsers.get(plan);
  if (fn) return fn;
  let base: Parse;
  switch (plan.t) {
    case 'optional': {
      const inner = parserOf(plan.inner);
      const innerDefault = plan.inner.t === 'default';
      base = (v) => (v === undefined && !innerDefault ? undefined : inner(v));
      break;
    }
    case 'default': {
      const inner = parserOf(plan.inner);
      const value = plan.value;
      base = (v) => (v === undefined ? defaultValue(value) : inner(v));
      break;
    }
    case 'object': {
      const keys = plan.shape.map(([k]) => k);
      const fns = plan.shape.map(([, p]) => parserOf(p));
      // absent keys: a default fills them, optional leaves them out, anything else is missing
      const absent = plan.shape.map(([, p]) => (p.t === 'default' || (p.t === 'optional' && p.inner.t === 'default') ? 'default' : p.t === 'optional' ? 'omit' : 'missing'));
      const known = new Set(keys);
      const unknownKeys = plan.unknownKeys;
      base = (v) => {
        if (!isObject(v)) return REJECTED;
        const o: Record<string, unknown> = {};
        for (let i = 0; i < keys.length; i++) {
          const k = keys[i]!;
          if (k in v) {
            const x = fns[i]!(v[k]);
            if (x === REJECTED) return REJECTED;
            o[k] = x;
          } else if (absent[i] === 'default') o[k] = fns[i]!(undefined);
          else if (absent[i] === 'missing') return REJECTED;
        }
        if (unknownKeys !== 'strip') {
          for (const k in v) {
            if (known.has(k)) continue;
            if (unknownKeys === 'strict') return REJECTED;
            if (k !== '__proto__') o[k] = v[k];
          }
        }
        return o;
      };
      break;
    }
    case 'array': {
      const len = lengthCheck(plan);
      const el = parserOf(plan.element);
      base = (v) => {
        if (!Array.isArray(v) || !len(v.length)) return REJECTED;
        const a: unknown[] = new Array(v.length);
        for (let i = 0; i < v.length; i++) {
          const x = el(v[i]);
          if (x === REJECTED) return REJECTED;
          a[i] = x;
        }
        return a;
      };
      break;
    }
    case 'record': {
      const key = checkOf(plan.key);
      const value = parserOf(plan.value);
      base = (v) => {
        if (!isPlainObject(v)) return REJECTED;
        const o: Record<string, unknown> = {};
        for (const k in v) {
          if (k === '__proto__') continue;
          if (!key(k)) return REJECTED;
          const x = value(v[k]);
          if (x === REJECTED) return REJECTED;
          o[k] = x;
        }
        return o;
      };
      break;
    }
    case 'union': {
      const options = plan.options.map(parserOf);
      base = (v) => {
        for (let i = 0; i < options.length; i++) {
          const x = options[i]!(v);
          if (x !== REJECTED) return x;
        }
        return REJECTED;
      };
      break;
    }
    default: {
      const ok = scalarCheck(plan);
      base = (v) => (ok(v) ? v : REJECTED);
    }
  }
  const rules = (plan.rules ?? []).map((r) => RULES[r]);
  fn =
    rules.length === 0
      ? base
      : (v) => {
          const out = base(v);
          if (out === REJECTED) return REJECTED;
          for (let i = 0; i < rules.length; i++) if (!rules[i]!(out)) return REJECTED;
          return out;
        };
  parsers.set(plan, fn);
  return fn;
}

/** Does the schema accept `v`? */
export function acceptsPlan(plan: SchemaPlan, v: unknown): boolean {
  return checkOf(plan)(v);
}

/** zod's output for `v`, or REJECTED */
export function parsePlan(plan: SchemaPlan, v: unknown): unknown {
  return parserOf(plan)(v);
}
