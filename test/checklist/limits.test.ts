/**
 * Input limits (src/checklist/limits.ts): deep or huge input is a located error, never a crash. Each limit on its
 * own, then a seeded fuzz of 1,200 checklists in the classes of the hardening campaign (byte flips, truncations,
 * deleted lines, wrong types, duplicate ids, huge values, deep nesting, alias bombs, tabs, BOM, non-UTF-8): none
 * makes the validator throw, every invalid one has an error, and every problem points inside the file.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/checklist/limits.js';
import { validateSource, type ValidationResult } from '../../src/checklist/validate.js';
import { KINDS } from '../../src/checks/index.js';
import { rng } from '../support/rng.js';
import { recordFaultRow } from '../support/faults.js';

const repo = path.resolve(import.meta.dirname, '../..');

const BASE = `apiVersion: readiness/v1
name: fuzz
title: Fuzz base
vars:
  dir:
    default: ./scripts
successMetrics: &metrics [all pass]
blocks:
  - id: "1"
    title: Block one
    items:
      - id: "1.1"
        title: First
        estimate: 5m
        check: &cmd
          kind: command
          run: \${vars.dir}/a.sh
          expect: exitCode = 0 and $count(lines) < 10
      - id: "1.2"
        title: Second
        dependsOn: ["1.1"]
        check: {kind: manual}
        signoff: required
  - id: "2"
    title: Block two
    successMetrics: *metrics
    items:
      - id: "2.1"
        title: Third
        check:
          kind: file
          path: /etc/hostname
      - id: "2.2"
        title: Fourth
        check: *cmd
`;

function located(r: ValidationResult, text: string, what: string) {
  const lines = text.split('\n');
  if (!r.checklist) expect(r.problems.some((p) => p.severity === 'error'), what).toBe(true);
  for (const p of r.problems) {
    expect(p.line, `${what}: ${p.message}`).toBeGreaterThanOrEqual(1);
    expect(p.line, `${what}: ${p.message}`).toBeLessThanOrEqual(lines.length + 1);
    expect(p.col, `${what}: ${p.message}`).toBeGreaterThanOrEqual(1);
    expect(p.col, `${what}: ${p.message}`).toBeLessThanOrEqual((lines[p.line - 1]?.length ?? 0) + 1);
    expect(p.message, what).not.toMatch(/call stack|Cannot read prop|undefined is not/);
  }
}

/** the error of a checklist over a limit (once, or once per alias of the node), as `line:col message` of the first */
function limitError(text: string | Buffer): string {
  const r = validateSource(Buffer.isBuffer(text) ? text : Buffer.from(text), 'x.yaml', KINDS);
  expect(r.checklist).toBeUndefined();
  const errors = r.problems.filter((p) => p.severity === 'error');
  expect(new Set(errors.map((e) => e.message)).size, errors.map((e) => e.message).join('\n')).toBe(1);
  return `${errors[0]!.line}:${errors[0]!.col} ${errors[0]!.message}`;
}

describe('input limits', () => {
  it('the fuzz base is a valid checklist with aliases', () => {
    const r = validateSource(Buffer.from(BASE), 'base.yaml', KINDS);
    expect(r.problems).toEqual([]);
    expect(r.checklist?.blocks[1]?.items[1]?.check?.kind).toBe('command');
  });

  it('nesting: 10,000 flow brackets, 2,000 nested mappings and a deep expect each point where level 65 opens', () => {
    expect(limitError('['.repeat(10_000))).toMatch(/^1:65 mappings and lists nest more than 64 levels deep/);
    let maps = '';
    for (let i = 0; i < 2000; i++) maps += `${'  '.repeat(i)}k${i}:\n`;
    expect(limitError(maps)).toMatch(/^65:129 mappings and lists nest more than 64/);
    const deepExpect = BASE.replace('expect: exitCode = 0 and $count(lines) < 10', `expect: ${'['.repeat(5000)}1`);
    const line = deepExpect.split('\n').findIndex((l) => l.includes('expect: [')) + 1;
    expect(limitError(deepExpect)).toMatch(new RegExp(`^${line}:\\d+ mappings and lists nest more than 64`));
    // 64 levels are fine
    expect(validateSource(Buffer.from(`a: ${'['.repeat(63)}${']'.repeat(63)}`), 'x.yaml', KINDS).problems.filter((p) => p.message.includes('nest'))).toEqual([]);
  });

  it('aliases: a cycle and a bomb point at the alias', () => {
    expect(limitError('a: &a [*a]\n')).toBe('1:8 alias *a refers to a node that contains it (a cycle) (see "Limits" in docs/checklist-format.md)');
    let bomb = 'a0: &a0 [x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 10; i++) bomb += `a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]\n`;
    expect(limitError(bomb)).toMatch(/^5:\d+ aliases expand to more than 10,000 nodes in all/);
  });

  it('an expectation: its bracket nesting and length', () => {
    const quoted = BASE.replace('expect: exitCode = 0 and $count(lines) < 10', `expect: "${'['.repeat(3000)}1"`);
    const line = quoted.split('\n').findIndex((l) => l.includes('expect: "[')) + 1;
    const col = quoted.split('\n')[line - 1]!.indexOf('[') + 1 + LIMITS.expressionDepth;
    expect(limitError(quoted)).toBe(`${line}:${col} brackets nest more than 32 levels deep in the expression (see "Limits" in docs/checklist-format.md)`);
    const long = BASE.replace('expect: exitCode = 0 and $count(lines) < 10', `expect: exitCode = 0${' and true'.repeat(600)}`);
    const at = long.split('\n').findIndex((l) => l.includes('expect: exitCode')) + 1;
    const exprCol = long.split('\n')[at - 1]!.indexOf('exitCode') + 1;
    expect(limitError(long)).toMatch(new RegExp(`^${at}:${exprCol + LIMITS.expressionChars} the expression is 5,412 characters; an expectation may have at most 4,096`));
  });

  it('the file size: a 9 MB value is refused where the 8 MiB end', () => {
    const text = `apiVersion: readiness/v1\nname: x\ntitle: y\ndescription: ${'x'.repeat(9 * 1024 * 1024)}\n`;
    const before = 'apiVersion: readiness/v1\nname: x\ntitle: y\n'.length;
    expect(limitError(text)).toBe(`4:${LIMITS.fileBytes - before + 1} the file is 9,437,240 bytes; a checklist may have at most 8,388,608 (8 MiB) (see "Limits" in docs/checklist-format.md)`);
  });
});

// ── the seeded fuzz ─────────────────────────────────────────────────────────
type Mutant = (text: string, r: () => number) => string | Buffer;
const pick = <T>(a: readonly T[], r: () => number): T => a[Math.floor(r() * a.length)]!;
const lineOp = (text: string, r: () => number, f: (lines: string[], i: number) => void) => {
  const lines = text.split('\n');
  f(lines, Math.floor(r() * lines.length));
  return lines.join('\n');
};
const VALUES = ['[1, 2]', '{a: 1}', '123', 'true', 'null', '~', '""', '-1', '1e400', '!!binary aGk=', '[[[]]]'];

const MUTANTS: Record<string, Mutant> = {
  'byte flips': (t, r) => {
    const b = Buffer.from(t);
    for (let n = 1 + Math.floor(r() * 4); n > 0; n--) {
      const i = Math.floor(r() * b.length);
      b[i] = b[i]! ^ (1 << Math.floor(r() * 8));
    }
    return b;
  },
  truncation: (t, r) => Buffer.from(t).subarray(0, Math.floor(r() * Buffer.byteLength(t))),
  'deleted lines': (t, r) => lineOp(t, r, (l, i) => l.splice(i, 1 + Math.floor(r() * 3))),
  'wrong types': (t, r) => lineOp(t, r, (l, i) => (l[i] = l[i]!.replace(/:( .*)?$/, `: ${pick(VALUES, r)}`))),
  'duplicate ids': (t, r) => lineOp(t, r, (l, i) => {
    const at = l.findIndex((x, k) => k >= i && /- id: /.test(x));
    if (at >= 0) l.splice(at, 0, ...l.slice(at, at + 3));
  }),
  'huge values': (t, r) => lineOp(t, r, (l, i) => (l[i] = l[i]!.replace(/:( .*)?$/, `: ${'v'.repeat(r() < 0.02 ? LIMITS.fileBytes : 1000 + Math.floor(r() * 50_000))}`))),
  'deep nesting': (t, r) =>
    lineOp(t, r, (l, i) => {
      const n = 30 + Math.floor(r() * 3000);
      const kind = Math.floor(r() * 3);
      if (kind === 0) l[i] = l[i]!.replace(/:( .*)?$/, `: ${'['.repeat(n)}${r() < 0.5 ? ']'.repeat(n) : ''}`);
      else if (kind === 1) l[i] = l[i]!.replace(/:( .*)?$/, `: "${'('.repeat(n)}1${')'.repeat(n)}"`);
      else l.splice(i, 0, ...Array.from({ length: Math.min(n, 300) }, (_, d) => `${'  '.repeat(d)}k${d}:`));
    }),
  'alias bombs': (t, r) => {
    const fan = 2 + Math.floor(r() * 9);
    let bomb = `b0: &b0 [${Array(fan).fill('x').join(', ')}]\n`;
    for (let i = 1; i < 2 + Math.floor(r() * 9); i++) bomb += `b${i}: &b${i} [${Array(fan).fill(`*b${i - 1}`).join(', ')}]\n`;
    return r() < 0.3 ? t.replace('blocks:\n', `${bomb.replace(/^b0: &b0 /, 'c: &c [*c]\nb0: &b0 ')}blocks:\n`) : t.replace('blocks:\n', `${bomb}blocks:\n`);
  },
  tabs: (t, r) => lineOp(t, r, (l, i) => (l[i] = '\t' + l[i]!)),
  BOM: (t, r) => (r() < 0.5 ? '\uFEFF' + t : lineOp(t, r, (l, i) => (l[i] = '\uFEFF' + l[i]!))),
  'non-UTF-8': (t, r) => {
    const b = Buffer.from(t);
    const at = Math.floor(r() * b.length);
    return Buffer.concat([b.subarray(0, at), Buffer.from(pick([[0xff], [0xfe, 0xff], [0xc3], [0xed, 0xa0, 0x80], [0x80, 0x80]], r)), b.subarray(at)]);
  },
};

describe('checklist fuzz (seeded)', () => {
  it('1,200 mutated checklists: 0 crashes, every error located', () => {
    const detektor = readFileSync(path.join(repo, 'checklist/detektor.yaml'), 'utf8');
    const r = rng(16_5);
    const classes = Object.entries(MUTANTS);
    const seen = new Map<string, number>();
    let invalid = 0;
    for (let n = 0; n < 1200; n++) {
      const [name, mutate] = classes[n % classes.length]!;
      const base = n % 10 === 0 ? detektor : BASE;
      let input = mutate(base, r);
      if (r() < 0.2) input = mutate(input.toString(), r); // some get two mutations
      const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input);
      let res: ValidationResult;
      try {
        res = validateSource(bytes, 'fuzz.yaml', KINDS);
      } catch (err) {
        throw new Error(`mutant #${n} (${name}) made the validator throw: ${(err as Error).stack}`);
      }
      located(res, bytes.toString('utf8'), `mutant #${n} (${name})`);
      if (!res.checklist) invalid++;
      seen.set(name, (seen.get(name) ?? 0) + 1);
    }
    expect([...seen.values()].reduce((a, b) => a + b)).toBe(1200);
    expect(seen.size).toBe(classes.length);
    expect(invalid).toBeGreaterThan(600);
    // a row of `npm run faults` (nothing is recorded under npm test); a crash or an unlocated error failed above
    recordFaultRow({
      experiment: `checklist fuzz: 1,200 seeded checklists in ${classes.length} campaign classes (${invalid} invalid)`,
      trials: 1200,
      failures: 0,
      goal: 'never a crash, every error located (file:line:col)',
    });
  }, 240_000);
});
