import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateSource } from '../../src/checklist/validate.js';
import { KINDS } from '../../src/checks/index.js';
import { resolveVars } from '../../src/checklist/vars.js';
import { UsageError } from '../../src/commands/exit.js';
import type { Checklist } from '../../src/checklist/model.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'rt-vars-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function checklist(vars: string): Checklist {
  const text = `apiVersion: readiness/v1
name: t
title: T
vars:
${vars}
blocks:
  - id: "1"
    title: B
    items:
      - id: a
        title: A
        check: {kind: command, run: "echo \${vars.image} \${vars.context} \${vars.token} \${vars.other}"}
`;
  const r = validateSource(Buffer.from(text), 't.yaml', KINDS);
  if (!r.checklist) throw new Error(r.problems.map((p) => p.message).join('\n'));
  return r.checklist;
}

const c = checklist(`  image: {default: "detektor:latest"}
  context: {default: production}
  other: {default: "x"}
  token: {secret: true}`);

function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('resolveVars', () => {
  it('uses defaults; a secret without a value is listed as missing, not an error', () => {
    const r = resolveVars(c, { env: {} });
    expect(r.values).toEqual({ image: 'detektor:latest', context: 'production', other: 'x' });
    expect(r.secret).toEqual(['token']);
    expect(r.missing).toEqual(['token']);
    expect(r.origin).toEqual({ image: 'default', context: 'default', other: 'default' });
  });

  it('precedence: default < env < --vars file < --set', () => {
    const file = path.join(tmp, 'v.yaml');
    writeFileSync(file, 'context: staging\nother: from-file\ntoken: s3cr3t\n');
    const r = resolveVars(c, {
      env: { READINESS_VAR_CONTEXT: 'env-ctx', READINESS_VAR_IMAGE: 'env-img', READINESS_VAR_OTHER: 'env-other' },
      varsFile: file,
      set: ['other=from-set', 'image=app:1.2=rc'],
    });
    expect(r.values).toEqual({ image: 'app:1.2=rc', context: 'staging', other: 'from-set', token: 's3cr3t' });
    expect(r.origin).toEqual({ image: 'set', context: 'file', other: 'set', token: 'file' });
    expect(r.missing).toEqual([]);
  });

  it('secrets come from env READINESS_VAR_<NAME> (uppercased, non-alphanumerics → _)', () => {
    const c2 = checklist(`  image: {default: a}
  context: {default: b}
  other: {default: c}
  token: {secret: true}
  grafana_token2: {secret: true}`.replace('token: {secret: true}\n', 'token: {secret: true}\n'));
    const r = resolveVars(c2, { env: { READINESS_VAR_TOKEN: 't', READINESS_VAR_GRAFANA_TOKEN2: 'g' } });
    expect(r.values.token).toBe('t');
    expect(r.values.grafana_token2).toBe('g');
    expect(r.secret).toEqual(['token', 'grafana_token2']);
    // the name exactly as written works too; the upper-cased form wins when both are set
    expect(resolveVars(c2, { env: { READINESS_VAR_grafana_token2: 'exact' } }).values.grafana_token2).toBe('exact');
    expect(resolveVars(c2, { env: { READINESS_VAR_grafana_token2: 'exact', READINESS_VAR_GRAFANA_TOKEN2: 'upper' } }).values.grafana_token2).toBe('upper');
  });

  it('refuses --set for a secret variable', () => {
    expect(usage(() => resolveVars(c, { set: ['token=abc'] }))).toMatch(/"token" is a secret variable .* use env READINESS_VAR_TOKEN or a --vars file/);
  });

  it('refuses unknown variables with a suggestion, and malformed --set', () => {
    expect(usage(() => resolveVars(c, { set: ['imgae=x'] }))).toMatch(/--set imgae: the checklist has no variable "imgae" \(did you mean "image"\?\)/);
    expect(usage(() => resolveVars(c, { set: ['image'] }))).toBe('--set image: expected name=value');
    const file = path.join(tmp, 'unknown.yaml');
    writeFileSync(file, 'contxt: x\n');
    expect(usage(() => resolveVars(c, { varsFile: file }))).toMatch(/no variable "contxt" \(did you mean "context"\?\)/);
  });

  it('a variable without value or default is a UsageError naming it and how to set it', () => {
    const c3 = checklist(`  image: {}
  context: {default: b}
  other: {default: c}
  token: {secret: true}`);
    expect(usage(() => resolveVars(c3, { env: {} }))).toBe('variable without a value: image (--set image=... or READINESS_VAR_IMAGE)');
    expect(resolveVars(c3, { set: ['image=i'] }).values.image).toBe('i');
  });

  it('vars file problems say where: missing file, YAML error with line:col, non-scalar value', () => {
    expect(usage(() => resolveVars(c, { varsFile: path.join(tmp, 'none.yaml') }))).toMatch(/cannot read vars file .*none\.yaml: no such file/);
    const bad = path.join(tmp, 'bad.yaml');
    writeFileSync(bad, 'image: x\ncontext: [a\n');
    expect(usage(() => resolveVars(c, { varsFile: bad }))).toMatch(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: YAML:`));
    const nested = path.join(tmp, 'nested.yaml');
    writeFileSync(nested, 'image: x\ncontext:\n  a: b\n');
    expect(usage(() => resolveVars(c, { varsFile: nested }))).toBe(`${nested}:2:1: context: expected a string, number or boolean value`);
  });
});
