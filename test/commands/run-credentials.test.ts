/**
 * Credential-shaped output through the real runner (`run --ci`, built CLI, real child processes) and the report it
 * writes: masked on screen and in report.html (`[MASKED:<rule>]`), kept byte for byte in the evidence files (they
 * are hashed), and shown verbatim for an item whose check says `maskCredentials: false`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/cli-run.js';
import { CANARIES, PEM } from '../support/canaries.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(repo, 'bin', 'readiness-tui.js');
/** another AWS key id, printed by the item that opts out of masking */
const VERBATIM_AWS = 'AKIAZ7XQ2MB4NRT6WVUC';

let dir: string;
let stdout: string;
let code: number | null;
beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(path.join(os.tmpdir(), 'rt-run-cred-'));
  const lines = [
    `aws_access_key_id ${CANARIES.aws}`,
    `GITHUB_TOKEN=${CANARIES.github}`,
    `Authorization: Bearer ${CANARIES.jwt}`,
    `db password=${CANARIES.password} ok`,
    PEM,
  ];
  writeFileSync(path.join(dir, 'leaky.txt'), lines.join('\n') + '\n');
  writeFileSync(path.join(dir, 'verbatim.txt'), `key ${VERBATIM_AWS}\n`);
  writeFileSync(
    path.join(dir, 'c.yaml'),
    `apiVersion: readiness/v1
name: cred-test
title: Credential masking
blocks:
  - id: "1"
    title: B
    items:
      - id: "1.1"
        title: prints credentials
        check: { kind: command, run: "cat leaky.txt" }
      - id: "1.2"
        title: needs its output verbatim
        check: { kind: command, run: "cat verbatim.txt", maskCredentials: false }
`,
  );
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir, SSH_AUTH_SOCK: '', NO_COLOR: '1' };
  delete env.VITEST;
  const r = spawnSync(process.execPath, [bin, 'run', 'c.yaml', '--ci'], { cwd: dir, env, encoding: 'utf8' });
  stdout = r.stdout;
  code = r.status;
  if (code !== 0) throw new Error(`run --ci exited ${code}:\n${r.stdout}\n${r.stderr}`);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const secrets = [CANARIES.aws, CANARIES.github, CANARIES.jwt, CANARIES.password, ...CANARIES.pemBody.split('\n')];

describe('credential-shaped output (run --ci + report)', () => {
  it('is masked on screen, with a marker naming the rule', () => {
    for (const s of secrets) expect(stdout).not.toContain(s);
    for (const rule of ['aws', 'github', 'jwt', 'password', 'privatekey']) expect(stdout).toContain(`[MASKED:${rule}]`);
    expect(stdout).toMatch(/1\.1 \| db password=\[MASKED:password\] ok/);
  });

  it('is masked in report.html and summary.md, and kept whole in the evidence files', () => {
    const reportDir = /^report: (\S+)/m.exec(stdout)![1]!;
    const html = readFileSync(path.join(reportDir, 'report.html'), 'utf8');
    const md = readFileSync(path.join(reportDir, 'summary.md'), 'utf8');
    for (const s of secrets) {
      expect(html).not.toContain(s);
      expect(md).not.toContain(s);
    }
    expect(html).toContain('[MASKED:aws]');
    const evDir = path.join(reportDir, 'evidence', '1.1');
    const evidence = readdirSync(evDir).map((f) => readFileSync(path.join(evDir, f), 'utf8')).join('');
    expect(evidence).toBe(readFileSync(path.join(dir, 'leaky.txt'), 'utf8'));
  });

  it('is shown verbatim for a check that says maskCredentials: false', () => {
    expect(stdout).toMatch(new RegExp(`1\\.2 \\| key ${VERBATIM_AWS}`));
    const reportDir = /^report: (\S+)/m.exec(stdout)![1]!;
    expect(readFileSync(path.join(reportDir, 'report.html'), 'utf8')).toContain(VERBATIM_AWS);
  });
});
