/**
 * zod's issues as the validator reports them: each at its YAML path, in words ("missing required key", "expected
 * one of", "unknown key … did you mean"), descending into the branch of a union that came closest.
 */
import type { z } from 'zod';
import type { AddProblem } from './errors.js';
import type { PathSeg } from './path-format.js';
import { API_VERSION } from './schema-constants.js';
import { didYouMean } from './suggest.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? v.slice(0, 37) + '...' : v)}`;
  return `${typeof v} ${String(v)}`;
}

const EXPECTED_NAMES: Record<string, string> = {
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
};

export function getAt(data: unknown, p: readonly PathSeg[]): unknown {
  let cur = data;
  for (const seg of p) {
    if (Array.isArray(cur) && typeof seg === 'number') cur = cur[seg];
    else if (isObj(cur)) cur = cur[String(seg)];
    else return undefined;
  }
  return cur;
}

/** the keys an object schema allows at `p` (for did-you-mean on unknown keys) */
function keysAt(schema: z.ZodType, p: readonly PathSeg[]): string[] {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let s: any = schema;
  const unwrap = () => {
    while (s?.def && ['optional', 'default', 'nullable', 'readonly', 'pipe'].includes(s.def.type)) {
      s = s.def.type === 'pipe' ? s.def.in : s.def.innerType;
    }
  };
  unwrap();
  for (const seg of p) {
    if (!s?.def) return [];
    if (s.def.type === 'object') s = s.def.shape[String(seg)];
    else if (s.def.type === 'array') s = s.def.element;
    else if (s.def.type === 'record') s = s.def.valueType;
    else if (s.def.type === 'union') s = s.def.options.find((o: { def?: { type?: string } }) => o.def?.type === (typeof seg === 'number' ? 'array' : 'object'));
    else return [];
    unwrap();
  }
  return s?.def?.type === 'object' ? Object.keys(s.def.shape) : [];
}

export function schemaIssues(issues: readonly z.core.$ZodIssue[], base: readonly PathSeg[], data: unknown, schema: z.ZodType, add: AddProblem): void {
  for (const issue of issues) {
    const rel = issue.path.map((s) => (typeof s === 'symbol' ? String(s) : s)) as PathSeg[];
    const p = [...base, ...rel];
    const value = getAt(data, rel);
    const last = rel[rel.length - 1];
    switch (issue.code) {
      case 'unrecognized_keys': {
        const allowed = keysAt(schema, rel);
        for (const key of issue.keys) {
          const hint = didYouMean(key, allowed);
          add([...p, key], `unknown key "${key}"${hint}${allowed.length && !hint ? `; expected one of: ${allowed.join(', ')}` : ''}`, { key: true });
        }
        break;
      }
      case 'invalid_type': {
        const parent = getAt(data, rel.slice(0, -1));
        if (value === undefined && (isObj(parent) || rel.length === 0) && !(isObj(parent) && last !== undefined && String(last) in parent)) {
          add(p, `missing required key "${String(last)}" (expected ${EXPECTED_NAMES[issue.expected] ?? issue.expected})`);
        } else if (issue.expected === 'string' && (last === 'estimate' || last === 'timeout' || last === 'maxAge' || last === 'watch') && typeof value === 'number') {
          add(p, `expected a duration with a unit such as 30m, 2.5h, 90s or 500ms, got number ${value} (no unit)`);
        } else {
          add(p, `expected ${EXPECTED_NAMES[issue.expected] ?? issue.expected}, got ${typeName(value)}`);
        }
        break;
      }
      case 'invalid_value': {
        const values = issue.values.map((v) => String(v));
        if (rel.length === 1 && last === 'apiVersion') {
          add(p, `unsupported apiVersion ${typeName(value)}: this version reads "${API_VERSION}"`);
        } else {
          const hint = typeof value === 'string' ? didYouMean(value, values) : '';
          add(p, `expected one of ${values.map((v) => JSON.stringify(v)).join(', ')}, got ${typeName(value)}${hint}`);
        }
        break;
      }
      case 'invalid_union': {
        const branches = issue.errors;
        const deeper = branches.find((b) => b.length > 0 && b.every((i) => i.path.length > 0));
        if (deeper) {
          schemaIssues(deeper, p, value, schema, add);
          break;
        }
        const expected = [...new Set(branches.flat().filter((i) => i.path.length === 0 && i.code === 'invalid_type').map((i) => EXPECTED_NAMES[(i as z.core.$ZodIssueInvalidType).expected] ?? (i as z.core.$ZodIssueInvalidType).expected))];
        const other = branches.flat().find((i) => i.code !== 'invalid_type');
        if (other && typeof value === 'string') add(p, `${other.message}, got ${typeName(value)}`);
        else add(p, `expected ${expected.join(' or ') || 'a different value'}, got ${typeName(value)}`);
        break;
      }
      case 'invalid_key': {
        add(p, `invalid name "${String(last)}": ${issue.issues[0]?.message ?? 'not allowed'}`, { key: true });
        break;
      }
      case 'too_small':
        if (Array.isArray(value)) add(p, issue.message.startsWith('Too small') ? `expected at least ${String(issue.minimum)} entries` : issue.message);
        else add(p, `expected a value >= ${String(issue.minimum)}, got ${typeName(value)}`);
        break;
      case 'too_big':
        add(p, Array.isArray(value) ? `expected at most ${String(issue.maximum)} entries` : `expected a value <= ${String(issue.maximum)}, got ${typeName(value)}`);
        break;
      case 'invalid_format':
        add(p, `${issue.message.startsWith('Invalid') ? `invalid ${issue.format}` : issue.message}, got ${typeName(value)}`);
        break;
      default:
        add(p, issue.message);
    }
  }
}
