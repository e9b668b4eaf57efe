import { describe, expect, it } from 'vitest';
import type { Message } from '../../src/checklist/errors.js';
import { checklistSchema } from '../../src/checklist/schema.js';
import { schemaIssues, typeName } from '../../src/checklist/schema-issues.js';

function problems(data: unknown): string[] {
  const r = checklistSchema.safeParse(data);
  const out: string[] = [];
  if (!r.success) schemaIssues(r.error.issues, [], data, checklistSchema, (p, m: Message, o) => out.push(`${p.join('.')}${o?.key ? ' (key)' : ''}: ${String(m)}`));
  return out.sort();
}

describe('schemaIssues', () => {
  it('words zod issues: missing keys, unknown keys with did-you-mean, wrong types, enum values, apiVersion', () => {
    const data = {
      apiVersion: 'readiness/v2',
      name: 'x',
      titel: 'y',
      blocks: [{ id: 'b', title: 'B', items: [{ id: '1', title: 'I', check: { kind: 'manual' }, signoff: 'requird', retries: 'two' }] }],
    };
    expect(problems(data)).toEqual([
      'apiVersion: unsupported apiVersion string "readiness/v2": this version reads "readiness/v1"',
      'blocks.0.items.0.retries: expected a number, got string "two"',
      'blocks.0.items.0.signoff: expected one of "none", "optional", "required", got string "requird" (did you mean "required"?)',
      'titel (key): unknown key "titel" (did you mean "title"?)',
      'title: missing required key "title" (expected a string)',
    ]);
  });

  it('names values by type, shortening long strings', () => {
    expect(typeName(null)).toBe('null');
    expect(typeName([1])).toBe('a list');
    expect(typeName({})).toBe('a mapping');
    expect(typeName('x'.repeat(50))).toBe(`string "${'x'.repeat(37)}..."`);
    expect(typeName(3)).toBe('number 3');
  });
});
