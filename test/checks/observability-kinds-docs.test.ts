/** http.health, grafana.dashboard, prometheus.*, logs.structured document themselves (`readiness-tui kinds`). */
import jsonata from 'jsonata';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { KINDS } from '../../src/checks/index.js';

const NAMES = ['http.health', 'grafana.dashboard', 'prometheus.query', 'prometheus.alert-history', 'logs.structured'];
const kinds = NAMES.map((n) => KINDS.get(n)!);

describe('observability kinds: docs, example and default expectation', () => {
  it('all five are implemented (no placeholders left)', () => {
    expect(kinds.filter((k) => !k || k.planned)).toEqual([]);
  });

  it.each(kinds.map((k) => [k.kind, k] as const))('%s: the example validates, expectations compile, every param is described', (name, k) => {
    const { kind, expect: e, mutating: _m, context: _c, ...params } = parse(k.example).check as Record<string, unknown>;
    expect(kind).toBe(name);
    const parsed = k.params.safeParse(params);
    expect(parsed.success, parsed.success ? '' : parsed.error.message).toBe(true);
    if (typeof e === 'string') expect(() => jsonata(e)).not.toThrow();
    expect(() => jsonata(k.defaultExpect)).not.toThrow();
    expect(Object.keys(k.resultDoc).length).toBeGreaterThan(3);
    const shape = (k.params as unknown as { shape?: Record<string, { description?: string }> }).shape ?? {};
    expect(Object.keys(shape).length).toBeGreaterThan(2);
    for (const [key, field] of Object.entries(shape)) expect(field.description, `${name}.${key}`).toBeTruthy();
    expect(k.describe(parsed.data, {}).length).toBeGreaterThan(10);
    expect(k.description).toMatch(/error/);
  });
});
