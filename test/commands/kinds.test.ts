/** `readiness-tui kinds` through the BUILT CLI as a real child process. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/cli-run.js';
import { KINDS } from '../../src/checks/index.js';
import { explainKind, kindReference } from '../../src/commands/kinds.js';
import type { CheckKind } from '../../src/checks/contract.js';
import { z } from 'zod';

const repo = path.resolve(import.meta.dirname, '../..');
const bin = path.join(repo, 'bin/readiness-tui.js');

/** the CLI skips main() under VITEST: give the child a clean environment */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const k of Object.keys(env)) if (k.startsWith('VITEST') || k === 'NODE_OPTIONS') delete env[k];
  return env;
}

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: repo, env: childEnv() }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(ensureBuilt);

describe('readiness-tui kinds', () => {
  it('lists every registered kind with its title', async () => {
    const r = await cli('kinds');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^CHECK KINDS/);
    const names = lines.slice(1).map((l) => l.trim().split(/\s+/)[0]);
    for (const k of ['command', 'file', 'manual']) expect(names).toContain(k);
    expect(r.stdout).toMatch(/^ {2}command +run a command/m);
  });

  it('explains one kind from its zod schema: parameters with types, result shape, default expect, example', async () => {
    const r = await cli('kinds', 'command');
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/^KIND: +command$/m);
    expect(out).toMatch(/^PARAMETERS/m);
    expect(out).toMatch(/^ {2}run +<string> +shell command line/m);
    expect(out).toMatch(/^ {2}argv +<\[\]string> /m);
    expect(out).toMatch(/^ {2}env +<map\[string\]string> /m);
    expect(out).toMatch(/^RESULT/m);
    expect(out).toMatch(/^ {2}exitCode +/m);
    expect(out).toMatch(/^DEFAULT EXPECT:\n {2}exitCode = 0$/m);
    expect(out).toMatch(/^EXAMPLE:\n {2}\S/m);
  });

  it('--json gives the parameters JSON Schema and the result doc of every kind', async () => {
    const r = await cli('kinds', '--json');
    expect(r.code).toBe(0);
    const all = JSON.parse(r.stdout) as { kind: string; planned: boolean; paramsSchema: { properties?: object }; parameters: { name: string }[]; result: object }[];
    const cmd = all.find((k) => k.kind === 'command')!;
    expect(cmd.planned).toBe(false);
    expect(Object.keys(cmd.paramsSchema.properties!)).toEqual(expect.arrayContaining(['run', 'argv', 'cwd', 'env', 'capture', 'count']));
    expect(cmd.parameters.map((p) => p.name)).toContain('run');
    expect(Object.keys(cmd.result)).toContain('exitCode');
    const one = JSON.parse((await cli('kinds', 'command', '--json')).stdout);
    expect(one.kind).toBe('command');
  });

  it('every registered kind explains (same code path as the CLI, in-process)', () => {
    for (const k of KINDS.values()) {
      const ref = kindReference(k);
      const text = explainKind(ref, 100);
      expect(text, k.kind).toMatch(new RegExp(`^KIND: +${k.kind.replace(/\./g, '\\.')}`));
      expect(text, k.kind).toContain(`DEFAULT EXPECT:\n  ${k.defaultExpect}`);
      // an implemented kind's parameters are expressible as JSON Schema (editors and `kinds --json` rely on it)
      if (!k.planned) expect(ref.paramsSchema, k.kind).toBeDefined();
      // one line each for error, fail and inconclusive, so CI authors know what they will see
      for (const o of ['error', 'fail', 'inconclusive'] as const) {
        expect(k.outcomes[o].trim().length, `${k.kind} ${o}`).toBeGreaterThan(4);
        expect(text, k.kind).toMatch(new RegExp(`^OUTCOMES[^\\n]*\\n(?:  .*\\n)*?  ${o} +\\S`, 'm'));
      }
      // a parameter whose description states its default does not get it a second time
      for (const row of text.split('\n')) expect(row.match(/\bdefault\b/gi)?.length ?? 0, `${k.kind}: ${row}`).toBeLessThan(2);
    }
  });

  it('parameters come from the zod schema: types, required, defaults, nested fields as dotted paths (required relative to their parent)', () => {
    const fake = {
      kind: 'demo.kind',
      title: 'a demo',
      description: 'for the test',
      params: z.object({
        url: z.string().describe('where'),
        min: z.int().default(5).describe('at least this many'),
        mode: z.enum(['a', 'b']).optional(),
        targets: z.array(z.object({ name: z.string(), port: z.number().optional() })).default([]),
        auth: z.object({ token: z.object({ var: z.string() }) }).optional(),
      }),
      resultDoc: { count: 'number — how many' },
      outcomes: { error: 'never', fail: 'count < min', inconclusive: 'never' },
      example: 'check:\n  kind: demo.kind\n  url: x',
      defaultExpect: 'count >= min',
      describe: () => 'demo',
      run: async () => ({ result: {}, summary: '' }),
    } satisfies CheckKind;
    const ref = kindReference(fake as unknown as CheckKind);
    expect(ref.parameters.map((p) => [p.name, p.type, p.required, p.default])).toEqual([
      ['url', 'string', true, undefined],
      ['min', 'int', false, 5],
      ['mode', '"a"|"b"', false, undefined],
      ['targets', '[]object', false, []],
      ['targets[].name', 'string', true, undefined],
      ['targets[].port', 'number', false, undefined],
      ['auth', 'object', false, undefined],
      ['auth.token', 'object', true, undefined],
      ['auth.token.var', 'string', true, undefined],
    ]);
    const text = explainKind(ref, 100);
    expect(text).toMatch(/^ {2}url +<string> +-required- where$/m);
    expect(text).toMatch(/^ {2}min +<int> +at least this many \(default 5\)$/m);
    expect(text).toMatch(/^ {2}count +number — how many$/m);
  });

  it('kinds KIND prints which outcomes are error, fail and inconclusive, one line each (secrets.scan)', async () => {
    const r = await cli('kinds', 'secrets.scan');
    expect(r.code).toBe(0);
    const section = r.stdout.split('\nOUTCOMES')[1]!.split('\n\n')[0]!;
    const rows = section.split('\n').slice(1).filter((l) => /^ {2}\S/.test(l));
    expect(rows.map((l) => l.trim().split(/\s+/)[0])).toEqual(['error', 'fail', 'inconclusive']);
    expect(rows[2]).toMatch(/inconclusive +no file left to scan/);
    const json = JSON.parse((await cli('kinds', 'secrets.scan', '--json')).stdout) as { outcomes: Record<string, string> };
    expect(Object.keys(json.outcomes)).toEqual(['error', 'fail', 'inconclusive']);
  });

  it('an unknown kind exits 2 with a suggestion and the list', async () => {
    const r = await cli('kinds', 'comand');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: unknown check kind "comand" \(did you mean "command"\?\); known kinds: command, file, manual/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
