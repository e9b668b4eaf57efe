/** `readiness-tui validate` through the BUILT CLI (`npm run build` first; `npm test` does it) as a real child process. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/cli-run.js';

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

beforeAll(ensureBuilt);

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

  it('waiverApprovals: on the checklist, a block or an item (0–5); on a non-blocking item it is ignored, with a located warning', async () => {
    const f = path.join(tmp, 'waivers.yaml');
    const item = (id: string, extra: string) => [`      - id: "${id}"`, `        title: t${id}`, ...extra.split('\n').filter(Boolean), '        check:', '          kind: command', '          run: "true"'];
    const text = (a: string) =>
      ['apiVersion: readiness/v1', 'name: w', 'title: W', 'waiverApprovals: 1', 'blocks:', '  - id: "1"', '    title: B', '    waiverApprovals: 2', '    items:', ...item('1.1', '        blocking: false\n        waiverApprovals: 1'), ...item('1.2', a)].join('\n') + '\n';
    writeFileSync(f, text('        waiverApprovals: 0'));
    const ok = await cli('validate', f);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe(`${f}:13:9: warning: blocks[0].items[0].waiverApprovals: ignored: only a blocking item's waivers need approval (the item says \`blocking: false\`)\nOK: 1 blocks, 2 items\n`);
    writeFileSync(f, text('        waiverApprovals: 9'));
    const bad = await cli('validate', f);
    expect(bad.code).toBe(2);
    expect(bad.stdout + bad.stderr).toContain(`${f}:19:26: error: blocks[0].items[1].waiverApprovals: expected a value <= 5, got number 9`);
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

  it('deep or cyclic input is a located error with exit 2 (limits in docs/checklist-format.md)', async () => {
    const cases: [string, string, RegExp][] = [
      ['cycle.yaml', 'a: &a [*a]\n', /:1:8: error: alias \*a refers to a node that contains it/],
      ['deep.yaml', '['.repeat(10_000) + '\n', /:1:65: error: mappings and lists nest more than 64 levels deep/],
    ];
    for (const [name, text, want] of cases) {
      const f = path.join(tmp, name);
      writeFileSync(f, text);
      const r = await cli('validate', f);
      expect(r.code, name).toBe(2);
      expect(r.stdout, name).toMatch(want);
      noStack(r.stdout + r.stderr);
    }
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
