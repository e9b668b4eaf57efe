/** `readiness-tui validate` through the BUILT CLI (`npm run build` first; `npm test` does it) as a real child process. */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '../..');
const bin = path.join(repo, 'bin/readiness-tui.js');
const tmp = mkdtempSync(path.join(tmpdir(), 'rt-validate-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** the CLI skips main() under VITEST: give the child a clean environment */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const k of Object.keys(env)) if (k.startsWith('VITEST') || k === 'NODE_OPTIONS') delete env[k];
  return env;
}

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: repo, env: childEnv() }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);

beforeAll(() => {
  if (!existsSync(path.join(repo, 'dist/cli.js'))) throw new Error('run `npm run build` first (npm test does)');
});

const GOOD = `apiVersion: readiness/v1
name: t
title: T
vars:
  greeting: {default: hello}
  unused: {default: x}
blocks:
  - id: "1"
    title: B
    items:
      - id: "1.1"
        title: A
        check: {kind: command, run: "echo \${vars.greeting}"}
      - id: "1.2"
        title: C
        dependsOn: ["1.1"]
        check: {kind: command, argv: [echo, ok], expect: exitCode = 0}
  - id: "2"
    title: D
    items:
      - id: "2.1"
        title: E
        check: {kind: command, run: "true"}
`;

describe('readiness-tui validate', () => {
  it('warns where a secret variable is interpolated into a command line, and says how to pass it in the environment', async () => {
    const f = path.join(tmp, 'secret-argv.yaml');
    writeFileSync(
      f,
      `apiVersion: readiness/v1
name: sec
title: Secrets
vars:
  apiToken: {secret: true}
blocks:
  - id: "1"
    title: B
    items:
      - id: "1.1"
        title: in run
        check: {kind: command, run: 'curl -H "Authorization: Bearer \${vars.apiToken}" https://example.invalid'}
      - id: "1.2"
        title: in argv
        check: {kind: command, argv: [curl, "-u", "ops:\${vars.apiToken}", "https://example.invalid"]}
      - id: "1.3"
        title: the safe form
        check: {kind: command, run: 'curl -H "Authorization: Bearer $API_TOKEN" https://example.invalid', env: {API_TOKEN: "\${vars.apiToken}"}}
`,
    );
    const r = await cli('validate', f);
    expect(r.code).toBe(0);
    const how = 'pass it in the environment instead: env: {API_TOKEN: "${vars.apiToken}"} and use "$API_TOKEN"';
    expect(r.stdout).toBe(
      `${f}:12:69: warning: blocks[0].items[0].check.run: secret variable "apiToken" is interpolated into the command line, which every user of the machine can read (ps) while it runs; ${how}\n` +
        `${f}:15:56: warning: blocks[0].items[1].check.argv[2]: secret variable "apiToken" is interpolated into the command line, which every user of the machine can read (ps) while it runs; ${how}\n` +
        'OK: 1 blocks, 3 items\n',
    );
  });

  it('valid: warnings, then exactly "OK: <B> blocks, <I> items", exit 0', async () => {
    const f = path.join(tmp, 'good.yaml');
    writeFileSync(f, GOOD);
    const r = await cli('validate', f);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${f}:6:3: warning: vars.unused: variable "unused" is never used\nOK: 2 blocks, 3 items\n`);
    expect(r.stderr).toBe('');
  });

  it('invalid: one line per problem as file:line:col: error: path: message, exit 2', async () => {
    const f = path.join(tmp, 'bad.yaml');
    writeFileSync(
      f,
      GOOD.replace('title: A', 'title: A\n        estimate: 2 hours').replace('dependsOn: ["1.1"]', 'dependsOn: ["1.3"]').replace('kind: command, run: "true"', 'kind: comand, run: "true"'),
    );
    const r = await cli('validate', f);
    expect(r.code).toBe(2);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.filter((l) => l.includes(': error: '))).toEqual([
      `${f}:13:19: error: blocks[0].items[0].estimate: expected a duration such as 30m, 2.5h, 90s, 1h30m or 500ms, got string "2 hours"`,
      `${f}:17:21: error: blocks[0].items[1].dependsOn[0]: unknown item "1.3" in dependsOn (did you mean "1.1"?)`,
      expect.stringMatching(new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:24:23: error: blocks\\[1\\]\\.items\\[0\\]\\.check\\.kind: unknown check kind "comand" \\(did you mean "command"\\?\\); known kinds: command`)),
    ]);
    expect(r.stderr).toBe(`${f}: 3 errors\n`);
    noStack(r.stdout + r.stderr);
  });

  it('a missing file: one clear line, exit 2, no stack trace', async () => {
    const r = await cli('validate', 'no/such/checklist.yaml');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('error: cannot read checklist no/such/checklist.yaml: no such file\n');
  });

  it('a directory and binary garbage are refused cleanly', async () => {
    const d = await cli('validate', tmp);
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/cannot read checklist .*: it is a directory/);
    const g = path.join(tmp, 'garbage.yaml');
    writeFileSync(g, Buffer.from([0x00, 0xff, 0x7b, 0x5b, 0x3a, 0x0a, 0x2d, 0x20, 0x22]));
    const r = await cli('validate', g);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(new RegExp(`^${g.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: error: `));
    noStack(r.stdout + r.stderr);
  });

  it('missing argument is a usage error (exit 2)', async () => {
    const r = await cli('validate');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing required argument/);
  });

  // `validate` of a valid checklist is the command people and CI run on every change: it must not pay for zod, the
  // YAML libraries, jsonata or the kinds' run code (readSimpleYaml + the schema plans settle it). A hook records
  // every module the CLI loads; their text must hold none of those libraries.
  it('a valid checklist is settled without loading zod, yaml, js-yaml, jsonata or any kind\'s run code', async () => {
    const f = path.join(tmp, 'fast.yaml');
    writeFileSync(f, GOOD.replace(/  unused: \{default: x\}\n/, ''));
    const log = path.join(tmp, 'loaded.txt');
    writeFileSync(log, '');
    const hooks = path.join(tmp, 'hooks.mjs');
    writeFileSync(hooks, "import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) {\n  appendFileSync(process.env.RT_LOADED, url + '\\n');\n  return next(url, context);\n}\n");
    const register = path.join(tmp, 'register.mjs');
    writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
    const r = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, ['--import', pathToFileURL(register).href, bin, 'validate', f], { cwd: repo, env: { ...childEnv(), RT_LOADED: log } }, (err, stdout) =>
        resolve({ code: err ? 1 : 0, stdout }),
      );
    });
    expect(r.stdout).toBe('OK: 2 blocks, 3 items\n');
    const loaded = readFileSync(log, 'utf8').split('\n').filter((u) => u.startsWith('file:') && u.includes('/dist/'));
    expect(loaded.length).toBeGreaterThan(1);
    const text = loaded.map((u) => readFileSync(fileURLToPath(u), 'utf8')).join('\n');
    // a marker each library cannot do without: zod's constructors, yaml's node classes, js-yaml's loader state,
    // jsonata's error codes, the command kind's process spawning
    for (const marker of ['$ZodObject', 'YAMLMap', 'readBlockMapping', 'S0101', 'spawnGroup']) expect(text, marker).not.toContain(marker);
  });

  // the whole corpus is asserted in-process (test/checklist/malformed.test.ts); here one file per kind of problem
  // goes through the real CLI: YAML syntax, structure, ids/graph, JSONata, variables
  it('malformed corpus samples: exit 2, the expected error printed, no stack trace', async () => {
    const dir = path.join(repo, 'test/checklist/malformed');
    const files = readdirSync(dir).filter((f) => /^(01|09|19|22|24)-/.test(f));
    expect(files).toHaveLength(5);
    for (const name of files) {
      const rel = `test/checklist/malformed/${name}`;
      const first = /^# expect: (\d+:\d+) (.*)$/m.exec(readFileSync(path.join(dir, name), 'utf8'))!;
      const r = await cli('validate', rel);
      expect(r.code, name).toBe(2);
      expect(r.stdout, name).toContain(`${rel}:${first[1]}: error: ${first[2]}`);
      noStack(r.stdout + r.stderr);
    }
  }, 60_000);
});
