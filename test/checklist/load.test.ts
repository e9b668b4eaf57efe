import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ChecklistError } from '../../src/checklist/errors.js';
import type { KindCatalog } from '../../src/checklist/kinds.js';
import { loadChecklist } from '../../src/checklist/load.js';
import { kindProblem, validateSource } from '../../src/checklist/validate.js';
import { KINDS } from '../../src/checks/index.js';
import { UsageError } from '../../src/commands/exit.js';
import { resolveCheckParams } from '../../src/checks/params.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'rt-load-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const f = path.join(tmp, name);
  writeFileSync(f, text);
  return f;
}

const VALID = `# a comment first
apiVersion: readiness/v1
name: shop
title: Shop cutover
vars:
  dir:
    default: ./scripts
    description: scripts
  retriesWanted:
    default: 3
  token:
    secret: true
blocks:
  - id: 1
    title: First
    successMetrics: [fast]
    items:
      - id: 1.10
        title: Ten
        estimate: 1h30m
        timeout: 90s
        retries: 2
        owner: ann
        role: sre
        remediation: {text: restart it, command: kubectl rollout restart deploy/shop}
        runbook: https://runbooks.example/shop
        reference: |
          ./check.sh
        check:
          kind: command
          run: \${vars.dir}/check.sh \${vars.retriesWanted}
          env: {TOKEN: "\${vars.token}"}
          expect: exitCode = 0
      - id: "1.2"
        title: Two
        blocking: false
        dependsOn: 1.10
        signoff: required
        signoffRoles: [captain]
        approvals: 2
        noSelfApproval: true
        checks:
          a: {kind: command, run: "true", mutating: true, context: staging}
          b: {kind: command, argv: [echo, hi]}
        expect: $count(checks.*[status = "pass"]) = 2
successMetrics: [all green]
deliverables:
  - path: docs/runbook.md
    description: the runbook
risks:
  - {risk: outage, probability: low, impact: high, mitigation: DR, earlyWarning: SLO}
rollback:
  detection: [errors]
  steps: [revert]
  time: 10m
`;

describe('loadChecklist', () => {
  it('returns the typed model with defaults, exact bytes and their sha256', async () => {
    const f = write('valid.yaml', VALID);
    const c = await loadChecklist(f, KINDS);
    expect(c.apiVersion).toBe('readiness/v1');
    expect(c.name).toBe('shop');
    expect(c.source.path).toBe(path.resolve(f));
    expect(c.source.bytes.equals(readFileSync(f))).toBe(true);
    expect(c.source.sha256).toBe(createHash('sha256').update(readFileSync(f)).digest('hex'));
    expect(c.vars).toEqual([
      { name: 'dir', default: './scripts', description: 'scripts', secret: false },
      { name: 'retriesWanted', default: '3', description: undefined, secret: false },
      { name: 'token', default: undefined, description: undefined, secret: true },
    ]);
    const [b] = c.blocks;
    expect(b!.id).toBe('1');
    expect(b!.pos).toMatchObject({ line: 14, col: 5 });
    const [i1, i2] = b!.items;
    // unquoted numeric ids keep their exact text: 1.10 stays "1.10"
    expect(i1!.id).toBe('1.10');
    expect(i1).toMatchObject({
      blockId: '1',
      estimateMs: 5_400_000,
      timeoutMs: 90_000,
      retries: 2,
      blocking: true,
      signoff: 'none',
      approvals: 1,
      noSelfApproval: false,
      dependsOn: [],
      signoffRoles: [],
      reference: './check.sh\n',
      remediation: { text: 'restart it', command: 'kubectl rollout restart deploy/shop' },
      pos: { line: 18, col: 9 },
    });
    expect(i1!.check!.kind).toBe('command');
    expect(i1!.check!.expect).toBe('exitCode = 0');
    expect(i1!.check!.mutating).toBe(false);
    expect(i1!.check!.rawParams).toEqual({ run: '${vars.dir}/check.sh ${vars.retriesWanted}', env: { TOKEN: '${vars.token}' } });
    expect(i1!.check!.params.run).toBe('${vars.dir}/check.sh ${vars.retriesWanted}');
    expect(i2).toMatchObject({ id: '1.2', blocking: false, dependsOn: ['1.10'], signoff: 'required', signoffRoles: ['captain'], approvals: 2, noSelfApproval: true });
    expect(i2!.checks!.a).toMatchObject({ kind: 'command', mutating: true, context: 'staging' });
    expect(i2!.checks!.b!.params.argv).toEqual(['echo', 'hi']);
    expect(i2!.expect).toBe('$count(checks.*[status = "pass"]) = 2');
    expect(c.deliverables).toEqual([{ path: 'docs/runbook.md', description: 'the runbook', check: undefined }]);
    expect(c.risks[0]).toEqual({ risk: 'outage', probability: 'low', impact: 'high', mitigation: 'DR', earlyWarning: 'SLO' });
    expect(c.rollback).toEqual({ detection: ['errors'], steps: ['revert'], time: '10m' });
    expect(c.successMetrics).toEqual(['all green']);
  });

  it('throws ChecklistError carrying every problem, sorted by position', async () => {
    const f = write(
      'bad.yaml',
      VALID.replace('estimate: 1h30m', 'estimate: soon')
        .replace('title: Two', 'titel: Two')
        .replace('dependsOn: 1.10', 'dependsOn: "1.1"')
        .replace('expect: exitCode = 0', 'expect: exitCode = = 0'),
    );
    const err = await loadChecklist(f, KINDS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecklistError);
    const probs = (err as ChecklistError).problems.filter((p) => p.severity === 'error');
    expect(probs.map((p) => `${p.line}:${p.col} ${p.path}`)).toEqual([
      '20:19 blocks[0].items[0].estimate',
      '33:30 blocks[0].items[0].check.expect',
      '34:9 blocks[0].items[1].title',
      '35:9 blocks[0].items[1].titel',
      '37:20 blocks[0].items[1].dependsOn',
    ]);
    expect(probs.map((p) => p.message)).toEqual([
      'expected a duration such as 30m, 2.5h, 90s, 1h30m or 500ms, got string "soon"',
      'invalid JSONata expression: The symbol "=" cannot be used as a unary operator',
      'missing required key "title" (expected a string)',
      'unknown key "titel" (did you mean "title"?)',
      'unknown item "1.1" in dependsOn (did you mean "1.10"?)',
    ]);
    expect((err as Error).message).toContain(`${f}:20:19: error: blocks[0].items[0].estimate:`);
  });

  it('a missing file is a UsageError with a clear message', async () => {
    await expect(loadChecklist(path.join(tmp, 'nope.yaml'), KINDS)).rejects.toThrow(UsageError);
    await expect(loadChecklist(path.join(tmp, 'nope.yaml'), KINDS)).rejects.toThrow(/cannot read checklist .*nope\.yaml: no such file/);
  });
});

describe('validation details', () => {
  const base = (check: string) => `apiVersion: readiness/v1
name: t
title: T
vars:
  dir: {default: /tmp}
blocks:
  - id: "1"
    title: B
    items:
      - id: a
        title: A
        check:
${check}
`;

  it("maps a kind's param errors to the param's position", () => {
    const { checklist, problems } = validateSource(Buffer.from(base('          kind: command\n          argv: "echo hi"\n          cwd: ${vars.dir}')), 'x.yaml', KINDS);
    expect(checklist).toBeUndefined();
    const errs = problems.filter((p) => p.severity === 'error');
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatchObject({ line: 14, col: 17, path: 'blocks[0].items[0].check.argv' });
    expect(errs[0]!.message).toMatch(/expected a list, got string "echo hi"/);
  });

  it('reports unknown keys inside a check against the kind schema (did you mean)', () => {
    const { problems } = validateSource(Buffer.from(base('          kind: command\n          run: "true"\n          expcet: exitCode = 0')), 'x.yaml', KINDS);
    const errs = problems.filter((p) => p.severity === 'error');
    // either the kind's strict schema refuses it, or — at minimum — it is not silently accepted
    expect(errs.length).toBeGreaterThan(0);
    expect(errs[0]).toMatchObject({ line: 15, path: 'blocks[0].items[0].check.expcet' });
  });

  it('secret references {var: name} in params count as use; unknown names are errors, non-secret ones warned', () => {
    const { problems } = validateSource(
      Buffer.from(base('          kind: command\n          run: "true"\n          token: {var: dri}\n          other: {var: dir, prefix: "Bearer "}')),
      'x.yaml',
      KINDS,
    );
    const mine = problems.filter((p) => /variable/.test(p.message));
    expect(mine).toEqual([
      { file: 'x.yaml', line: 15, col: 24, path: 'blocks[0].items[0].check.token.var', message: 'unknown variable "dri" (did you mean "dir"?)', severity: 'error' },
      {
        file: 'x.yaml',
        line: 16,
        col: 24,
        path: 'blocks[0].items[0].check.other.var',
        message: 'variable "dir" is used as a secret: declare it `secret: true` so it is never written anywhere',
        severity: 'warning',
      },
    ]);
  });

  it('YAML anchors and merge keys work for shared check settings', () => {
    const text = `apiVersion: readiness/v1
name: t
title: T
blocks:
  - id: "1"
    title: B
    items:
      - id: a
        title: A
        check: &probe {kind: command, run: "true", cwd: /tmp}
      - id: b
        title: B
        check:
          <<: *probe
          run: "false"
`;
    const { checklist, problems } = validateSource(Buffer.from(text), 'x.yaml', KINDS);
    expect(problems).toEqual([]);
    expect(checklist!.blocks[0]!.items[1]!.check!.rawParams).toEqual({ run: 'false', cwd: '/tmp' });
  });

  it('warns about unused variables without failing', () => {
    const { checklist, problems } = validateSource(Buffer.from(base('          kind: command\n          run: "true"')), 'x.yaml', KINDS);
    expect(checklist).toBeDefined();
    expect(problems).toEqual([
      { file: 'x.yaml', line: 5, col: 3, path: 'vars.dir', message: 'variable "dir" is never used', severity: 'warning' },
    ]);
  });

  it('knows the kinds only from the catalog it is given: their names, params schemas and mutating rules', () => {
    const catalog: KindCatalog = new Map([
      ['probe', { kind: 'probe', params: z.strictObject({ n: z.number() }), mutating: (p: Record<string, unknown>) => p.n === 1 }],
      ['later', { kind: 'later', planned: true, params: z.object({}) }],
    ]);
    const validate = (check: string) => validateSource(Buffer.from(base(check)), 'x.yaml', catalog);
    const errors = (check: string) => validate(check).problems.filter((p) => p.severity === 'error');
    expect(errors('          kind: command\n          run: "true"').map((p) => p.message)).toEqual(['unknown check kind "command"; known kinds: probe']);
    expect(errors('          kind: later').map((p) => p.message)).toEqual(['check kind later is not implemented in this version']);
    expect(errors('          kind: probe\n          n: two')).toMatchObject([{ line: 14, col: 14, path: 'blocks[0].items[0].check.n' }]);
    const spec = validate('          kind: probe\n          n: 1').checklist!.blocks[0]!.items[0]!.check!;
    expect(spec).toMatchObject({ kind: 'probe', params: { n: 1 }, mutating: true });
    expect(validate('          kind: probe\n          n: 2').checklist!.blocks[0]!.items[0]!.check!.mutating).toBe(false);
  });

  it('resolveCheckParams interpolates the params as written, then applies the kind schema', () => {
    const { checklist } = validateSource(Buffer.from(base('          kind: command\n          run: ls ${vars.dir}')), 'x.yaml', KINDS);
    const spec = checklist!.blocks[0]!.items[0]!.check!;
    expect(resolveCheckParams(spec, { dir: '/srv' }).run).toBe('ls /srv');
    expect(() => resolveCheckParams(spec, {})).toThrow(/variable "dir" has no value/);
  });
});

describe('kindProblem', () => {
  const known = ['command', 'file', 'manual'];
  it('refuses a planned kind, never skipping it', () => {
    expect(kindProblem('trivy.image', { planned: true }, known)).toBe('check kind trivy.image is not implemented in this version');
  });
  it('suggests the closest known kind and lists them', () => {
    expect(kindProblem('comand', undefined, known)).toBe('unknown check kind "comand" (did you mean "command"?); known kinds: command, file, manual');
    expect(kindProblem('zzz', undefined, known)).toBe('unknown check kind "zzz"; known kinds: command, file, manual');
  });
  it('accepts an implemented kind', () => {
    expect(kindProblem('command', { planned: false }, known)).toBeUndefined();
    expect(kindProblem('command', {}, known)).toBeUndefined();
  });
});

describe('maxAge: how old evidence may be at the decision', () => {
  const text = (item2: string, block = '', top = '') => `apiVersion: readiness/v1
name: fresh
title: Freshness
${top}blocks:
  - id: "1"
    title: One
${block}    items:
      - id: "1.1"
        title: Own
        maxAge: 30m
        check: { kind: command, run: "true" }
      - id: "1.2"
        title: Inherits
${item2}        check: { kind: command, run: "true" }
  - id: "2"
    title: Two
    items:
      - id: "2.1"
        title: Checklist default
        check: { kind: command, run: "true" }
`;

  it('item, else block, else checklist; absent everywhere = never stale', async () => {
    const c = await loadChecklist(write('fresh.yaml', text('', '    maxAge: 2h\n', 'maxAge: 1d\n')), KINDS);
    const ages = c.blocks.flatMap((b) => b.items).map((i) => [i.id, i.maxAgeMs]);
    expect(ages).toEqual([['1.1', 1_800_000], ['1.2', 7_200_000], ['2.1', 86_400_000]]);
    const none = await loadChecklist(write('fresh-none.yaml', text('')), KINDS);
    expect(none.blocks.flatMap((b) => b.items).map((i) => i.maxAgeMs)).toEqual([1_800_000, undefined, undefined]);
  });

  it('a maxAge that is not a duration is an error at its line and column', async () => {
    const err = await loadChecklist(write('fresh-bad.yaml', text('        maxAge: 2\n')), KINDS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecklistError);
    const p = (err as ChecklistError).problems.filter((x) => x.severity === 'error');
    expect(p.map((x) => `${x.line}:${x.col} ${x.path}: ${x.message}`)).toEqual([
      '14:17 blocks[0].items[1].maxAge: expected a duration with a unit such as 30m, 2.5h, 90s or 500ms, got number 2 (no unit)',
    ]);
    const zero = await loadChecklist(write('fresh-zero.yaml', text('        maxAge: 0m\n')), KINDS).catch((e: unknown) => e);
    expect((zero as ChecklistError).problems.map((x) => x.message)).toEqual(['expected a duration greater than zero, got string "0m"']);
  });
});

describe('watch: how often a passed item is re-checked in the background', () => {
  const text = (item2: string, block = '', top = '') => `apiVersion: readiness/v1
name: watched
title: Watch
${top}blocks:
  - id: "1"
    title: One
${block}    items:
      - id: "1.1"
        title: Own
        watch: 5m
        check: { kind: command, run: "true" }
      - id: "1.2"
        title: Inherits
${item2}        check: { kind: command, run: "true" }
  - id: "2"
    title: Two
    items:
      - id: "2.1"
        title: Checklist default
        check: { kind: command, run: "true" }
`;

  it('item, else block, else checklist; absent everywhere = watched only under the session-wide W', async () => {
    const c = await loadChecklist(write('watch.yaml', text('', '    watch: 10m\n', 'watch: 1h\n')), KINDS);
    expect(c.blocks.flatMap((b) => b.items).map((i) => [i.id, i.watchMs])).toEqual([['1.1', 300_000], ['1.2', 600_000], ['2.1', 3_600_000]]);
    const none = await loadChecklist(write('watch-none.yaml', text('')), KINDS);
    expect(none.blocks.flatMap((b) => b.items).map((i) => i.watchMs)).toEqual([300_000, undefined, undefined]);
  });

  it('a watch that is not a duration is an error at its line and column', async () => {
    const err = await loadChecklist(write('watch-bad.yaml', text('        watch: 10\n')), KINDS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecklistError);
    const p = (err as ChecklistError).problems.filter((x) => x.severity === 'error');
    expect(p.map((x) => `${x.line}:${x.col} ${x.path}: ${x.message}`)).toEqual([
      '14:16 blocks[0].items[1].watch: expected a duration with a unit such as 30m, 2.5h, 90s or 500ms, got number 10 (no unit)',
    ]);
    const zero = await loadChecklist(write('watch-zero.yaml', text('        watch: 0s\n')), KINDS).catch((e: unknown) => e);
    expect((zero as ChecklistError).problems.map((x) => x.message)).toEqual(['expected a duration greater than zero, got string "0s"']);
  });
});

describe('allowedSigners: the team file the checklist names', () => {
  const text = (line: string) => `apiVersion: readiness/v1
name: team
title: Team
${line}blocks:
  - id: "1"
    title: One
    items:
      - id: "1.1"
        title: One
        check: { kind: command, run: "true" }
`;

  it('kept as written (relative to the checklist file) with the position of its key; absent: undefined', async () => {
    const f = write('signers.yaml', text('allowedSigners: team/allowed_signers\n'));
    expect((await loadChecklist(f, KINDS)).allowedSigners).toEqual({ path: 'team/allowed_signers', pos: { file: f, line: 4, col: 1 } });
    expect((await loadChecklist(write('signers-none.yaml', text('')), KINDS)).allowedSigners).toBeUndefined();
  });

  it('a path that is not a string is an error at its line and column', async () => {
    const err = await loadChecklist(write('signers-bad.yaml', text('allowedSigners: [a, b]\n')), KINDS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecklistError);
    const p = (err as ChecklistError).problems.filter((x) => x.severity === 'error');
    expect(p.map((x) => `${x.line}:${x.col} ${x.path}`)).toEqual(['4:17 allowedSigners']);
  });
});
