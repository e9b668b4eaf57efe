/** The Kubernetes kinds document themselves: `readiness-tui kinds` prints these, so they must be right. */
import jsonata from 'jsonata';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { KINDS } from '../../src/checks/index.js';

const kube = [...KINDS.values()].filter((k) => k.kind.startsWith('kubernetes.'));

describe('Kubernetes kinds: docs, example and default expectation', () => {
  it('all five are implemented (no placeholders left)', () => {
    expect(kube.map((k) => k.kind).sort()).toEqual([
      'kubernetes.network-policy',
      'kubernetes.nodes-ready',
      'kubernetes.query',
      'kubernetes.secrets-managed',
      'kubernetes.virtualservice-policy',
    ]);
    expect(kube.filter((k) => k.planned)).toEqual([]);
  });

  it.each(kube.map((k) => [k.kind, k] as const))('%s: the example validates, defaultExpect compiles, every param is described', (name, k) => {
    const { kind, expect: e, mutating: _m, context: _c, ...params } = parse(k.example).check as Record<string, unknown>;
    expect(kind).toBe(name);
    const parsed = k.params.safeParse(params);
    expect(parsed.success, parsed.success ? '' : parsed.error.message).toBe(true);
    if (typeof e === 'string') expect(() => jsonata(e)).not.toThrow();
    expect(() => jsonata(k.defaultExpect)).not.toThrow();
    expect(Object.keys(k.resultDoc).length).toBeGreaterThan(2);
    const shape = (k.params as unknown as { shape?: Record<string, { description?: string }> }).shape ?? {};
    for (const [key, field] of Object.entries(shape)) expect(field.description, `${name}.${key}`).toBeTruthy();
    expect(k.describe(parsed.data, {})).toMatch(/GET|list/);
  });
});
