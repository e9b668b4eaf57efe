/** `readiness-tui kinds` through the BUILT CLI as a real child process. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { KINDS } from '../../src/checks/index.js';
import { explainKind, kindReference } from '../../src/commands/kinds.js';

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

beforeAll(() => {
  if (!existsSync(path.join(repo, 'dist/cli.js'))) throw new Error('run `npm run build` first (npm test does)');
});

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
    }
  });

  it('an unknown kind exits 2 with a suggestion and the list', async () => {
    const r = await cli('kinds', 'comand');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: unknown check kind "comand" \(did you mean "command"\?\); known kinds: command, file, manual/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
