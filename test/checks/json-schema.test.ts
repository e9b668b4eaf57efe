import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { checklistJsonSchemaText } from '../../src/checks/json-schema.js';

const repo = path.resolve(import.meta.dirname, '../..');

describe('checklist/schema.json', () => {
  it('is exactly what `npm run schema` generates from the zod schemas (run it after changing the format or a kind)', () => {
    const committed = readFileSync(path.join(repo, 'checklist/schema.json'), 'utf8');
    expect(committed, 'checklist/schema.json is out of date: run `npm run schema`').toBe(checklistJsonSchemaText());
  });

  // ajv is the JSON Schema validator editors' tooling uses; it is installed with @secretlint (a runtime dependency)
  it('accepts every bundled checklist and rejects structural mistakes, as an editor would', async () => {
    const { default: Ajv } = (await import('ajv')) as unknown as { default: new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] } } };
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(JSON.parse(checklistJsonSchemaText()));
    for (const f of readdirSync(path.join(repo, 'checklist')).filter((x) => x.endsWith('.yaml'))) {
      const ok = validate(parse(readFileSync(path.join(repo, 'checklist', f), 'utf8')));
      expect(ok, `${f}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    const bad = {
      apiVersion: 'readiness/v1',
      name: 't',
      title: 'T',
      blocks: [{ id: '1', title: 'B', items: [{ id: 'a', title: 'A', estimat: '2h', check: { kind: 'command', run: 'x', bogus: 1 } }] }],
    };
    expect(validate(bad)).toBe(false);
    const where = validate.errors!.map((e) => e.instancePath);
    expect(where).toContain('/blocks/0/items/0');
    expect(where).toContain('/blocks/0/items/0/check');
    expect(validate({ ...bad, blocks: [{ id: '1', title: 'B', items: [{ id: 'a', title: 'A', check: { kind: 'nope' } }] }] })).toBe(false);
  });
});
