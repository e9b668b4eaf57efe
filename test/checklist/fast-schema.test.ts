/**
 * The zod-free plans must decide exactly as their zod schemas: the same yes/no, and for params the same output
 * (defaults, key order). Checked on real checklists, each kind's documented example and seeded random edits of them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import jsYaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { KINDS } from '../../src/checks/index.js';
import { acceptsPlan, parsePlan, REJECTED } from '../../src/checklist/fast-schema.js';
import { CHECKLIST_PLAN, KIND_PLANS } from '../../src/checklist/fast-schema.generated.js';
import { fastSchemaPlansText, schemaPlan } from '../../src/checklist/fast-schema-plan.js';
import { checklistSchema } from '../../src/checklist/schema.js';
import { rng } from '../support/rng.js';

const repo = path.resolve(import.meta.dirname, '../..');
const malformed = path.join(repo, 'test/checklist/malformed');

const VALUES: unknown[] = ['', 'x', '30m', '0s', '1.1', 'a b', '^PASS', '(', 'https://x', 'GET', 'ingress', 0, 1, -1, 2.5, 70000, true, false, null, [], ['x'], [1], {}, { a: 'b' }];

/** a copy of `data` with one to three random edits somewhere inside */
function mutate(data: unknown, r: () => number): unknown {
  const copy = structuredClone(data);
  for (let n = 1 + Math.floor(r() * 3); n > 0; n--) {
    // walk to a random container
    let cur: unknown = copy;
    for (let depth = 0; depth < 6 && r() < 0.8; depth++) {
      const kids = Array.isArray(cur) ? cur : cur && typeof cur === 'object' ? Object.values(cur) : [];
      const next = kids.filter((k) => k !== null && typeof k === 'object');
      if (next.length === 0) break;
      cur = next[Math.floor(r() * next.length)];
    }
    if (cur === null || typeof cur !== 'object') continue;
    const pick = VALUES[Math.floor(r() * VALUES.length)];
    if (Array.isArray(cur)) {
      const op = Math.floor(r() * 3);
      if (op === 0) cur.splice(Math.floor(r() * cur.length), 1);
      else if (op === 1) cur.push(structuredClone(pick));
      else if (cur.length) cur[Math.floor(r() * cur.length)] = structuredClone(pick);
    } else {
      const o = cur as Record<string, unknown>;
      const keys = Object.keys(o);
      const op = Math.floor(r() * 3);
      if (op === 0 && keys.length) delete o[keys[Math.floor(r() * keys.length)]!];
      else if (op === 1 && keys.length) o[keys[Math.floor(r() * keys.length)]!] = structuredClone(pick);
      else o[['extra', 'kind', 'expect', 'run', 'argv', 'timeout', 'env', 'default', 'min', 'method', 'type'][Math.floor(r() * 11)]!] = structuredClone(pick);
    }
  }
  return copy;
}

/** zod and the plan agree: both refuse, or both accept with the same output (key order included) */
function agree(schema: z.ZodType, plan: NonNullable<(typeof KIND_PLANS)[number]['params']>, data: unknown, label: string) {
  const want = schema.safeParse(data);
  const got = parsePlan(plan, data);
  if (!want.success) {
    expect(got, `${label}: zod refuses ${JSON.stringify(data)}`).toBe(REJECTED);
  } else {
    expect(got, `${label}: zod accepts ${JSON.stringify(data)}`).not.toBe(REJECTED);
    expect(JSON.stringify(got), label).toBe(JSON.stringify(want.data));
  }
  expect(acceptsPlan(plan, data), label).toBe(want.success);
}

const checklistTexts = [
  readFileSync(path.join(repo, 'checklist/detektor.yaml'), 'utf8'),
  ...readdirSync(malformed)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => readFileSync(path.join(malformed, f), 'utf8')),
];
const checklists = checklistTexts.flatMap((t) => {
  try {
    const d = jsYaml.load(t);
    return d && typeof d === 'object' ? [d] : [];
  } catch {
    return [];
  }
});

/** every check mapping of a checklist, without the checklist's own keys */
function paramsOf(data: unknown): { kind: string; params: Record<string, unknown> }[] {
  const out: { kind: string; params: Record<string, unknown> }[] = [];
  const visit = (v: unknown, key?: string) => {
    if (Array.isArray(v)) v.forEach((x) => visit(x));
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if ((key === 'check' || key === 'checks-entry') && typeof o.kind === 'string') {
        const { kind, expect: _e, mutating: _m, context: _c, ...params } = o;
        void _e;
        void _m;
        void _c;
        out.push({ kind: kind as string, params });
      }
      for (const [k, x] of Object.entries(o)) {
        if (k === 'checks' && x && typeof x === 'object') Object.values(x).forEach((c) => visit(c, 'checks-entry'));
        else visit(x, k);
      }
    }
  };
  visit(data);
  return out;
}

describe('fast-schema plans', () => {
  it('src/checklist/fast-schema.generated.ts is what `npm run schema` generates (run it after changing the format or a kind)', () => {
    const committed = readFileSync(path.join(repo, 'src/checklist/fast-schema.generated.ts'), 'utf8');
    expect(committed, 'src/checklist/fast-schema.generated.ts is out of date: run `npm run schema`').toBe(fastSchemaPlansText());
  });

  it('has a plan for the checklist format and for the kinds most checklists use, in registry order', () => {
    expect(CHECKLIST_PLAN.pure).toBe(true);
    expect(KIND_PLANS.map((k) => k.kind)).toEqual([...KINDS.keys()]);
    const planned = KIND_PLANS.filter((k) => k.params).map((k) => k.kind);
    expect(planned).toEqual(expect.arrayContaining(['command', 'manual', 'file']));
  });

  it('accepts a checklist exactly when zod does: real checklists, the malformed corpus and 3000 random edits', () => {
    expect(checklists.length).toBeGreaterThan(30);
    const r = rng(11);
    let accepted = 0;
    for (let i = 0; i < 3000 + checklists.length; i++) {
      const data = i < checklists.length ? checklists[i] : mutate(checklists[Math.floor(r() * checklists.length)], r);
      const want = checklistSchema.safeParse(data).success;
      expect(acceptsPlan(CHECKLIST_PLAN, data), `#${i}: ${JSON.stringify(data).slice(0, 300)}`).toBe(want);
      if (want) accepted++;
    }
    expect(accepted).toBeGreaterThan(150);
  });

  it('parses each kind\'s params exactly as its zod schema: examples, real checks and 300 random edits per kind', () => {
    const examples = [...KINDS.values()].map((k) => {
      const ex = jsYaml.load(k.example) as Record<string, unknown>;
      return paramsOf({ check: ex.check ?? ex })[0];
    });
    const samples = [...examples, ...checklists.flatMap(paramsOf)].filter((s): s is NonNullable<typeof s> => s !== undefined);
    const r = rng(5);
    let checked = 0;
    for (const k of KIND_PLANS) {
      if (!k.params) continue;
      const kind = KINDS.get(k.kind)!;
      const own = samples.filter((s) => s.kind === k.kind).map((s) => s.params);
      expect(own.length, `${k.kind} has an example`).toBeGreaterThan(0);
      for (const p of own) agree(kind.params, k.params, p, k.kind);
      for (let i = 0; i < 300; i++) agree(kind.params, k.params, mutate(own[Math.floor(r() * own.length)], r), `${k.kind} edit #${i}`);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(3);
  });

  it('leaves to zod what a plan cannot model: an inline refinement, a transform', async () => {
    const { z } = await import('zod');
    expect(schemaPlan(z.string().refine((s) => s.length > 1))).toBeUndefined();
    expect(schemaPlan(z.string().transform((s) => s.length))).toBeUndefined();
    expect(schemaPlan(z.email())).toBeUndefined();
    expect(schemaPlan(z.object({ a: z.string().default('x') }).strict())).toEqual({
      t: 'object',
      shape: [['a', { t: 'default', inner: { t: 'string', pure: true }, value: 'x' }]],
      unknownKeys: 'strict',
    });
  });
});
