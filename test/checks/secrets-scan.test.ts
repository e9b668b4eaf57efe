import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { secretsScan, maskMessage, PRESET_RULES } from '../../src/checks/secrets-scan.js';
import { CheckError } from '../../src/checks/contract.js';
import { basicContext, runKind, type BasicContext } from '../support/check-context-basic.js';

// Every credential below is assembled at run time from random parts: nothing credential-shaped is committed
// (the project's own secret scan would flag it, and so would GitHub push protection).
const alnum = (n: number): string => {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(n)].map((b) => abc[b % abc.length]).join('');
};
const githubToken = () => ['gh', 'p_'].join('') + alnum(36);
const awsSecret = () => alnum(40);
const pgUrl = (pw: string) => ['postgres', '://detektor:'].join('') + pw + '@db.internal:5432/detektor';
const privateKey = () =>
  generateKeyPairSync('rsa', {
    modulusLength: 1024,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;

let root: string;
let ctx: BasicContext | undefined;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'rt-secrets-'));
});
afterEach(async () => {
  await ctx?.dispose();
  ctx = undefined;
  await rm(root, { recursive: true, force: true });
});

async function put(rel: string, text: string): Promise<void> {
  await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
  await writeFile(path.join(root, rel), text);
}

describe('secrets.scan with secretlint over a temporary tree', () => {
  it('finds planted credentials with file:line:column and rule, and never stores or prints the values', async () => {
    const gh = githubToken();
    const aws = awsSecret();
    const pw = 'Pw' + alnum(14);
    const key = privateKey();
    await put('src/app.js', `const a = 1;\nconst b = 2;\nconst token = "${gh}";\n`);
    await put('deploy/prod.env', `REGION=eu-west-1\nAWS_SECRET_ACCESS_KEY=${aws}\n`);
    await put('config/db.yaml', `# database\nurl: ${pgUrl(pw)}\n`);
    await put('keys/id_rsa', key);
    await put('README.md', '# detektor\nNothing to see.\n');
    // skipped: node_modules, .git, dist by default, a .gitignore'd dir, a .secretlintignore'd file, an explicit ignore
    await put('node_modules/lib/index.js', `module.exports = "${githubToken()}";\n`);
    await put('.git/config', `[remote]\n url = https://x:${githubToken()}@github.com/a/b\n`);
    await put('dist/bundle.js', `var t="${githubToken()}";\n`);
    await put('.gitignore', 'tmp/\n*.log\n');
    await put('tmp/scratch.txt', `token ${githubToken()}\n`);
    await put('server.log', `token ${githubToken()}\n`);
    await put('.secretlintignore', 'test/fixtures/\n');
    await put('test/fixtures/sample.env', `AWS_SECRET_ACCESS_KEY=${awsSecret()}\n`);
    await put('docs/old.txt', `AWS_SECRET_ACCESS_KEY=${awsSecret()}\n`);

    ctx = await basicContext({ cwd: root });
    const out = await runKind(secretsScan, { path: '.', ignore: ['docs/'] }, ctx);
    const r = out.result as Record<string, any>;

    expect(r.count).toBe(4);
    expect(r.files).toBe(4);
    const where = r.findings.map((f: any) => `${f.file}:${f.line}:${f.column} ${f.ruleId}`).sort();
    expect(where).toEqual([
      'config/db.yaml:2:6 database-connection-string',
      'deploy/prod.env:2:1 aws',
      'keys/id_rsa:1:1 privatekey',
      'src/app.js:3:16 github',
    ]);
    expect(r.byRule).toEqual({ 'database-connection-string': 1, aws: 1, privatekey: 1, github: 1 });
    expect(out.offending).toHaveLength(4);
    expect(out.measured).toBe('4 secret(s); 7 file(s) scanned, 4 with findings');
    expect(r.scannedFiles).toBe(7); // app.js, prod.env, db.yaml, id_rsa, README.md, .gitignore, .secretlintignore

    // the values are nowhere: result, summary, offending, emitted lines, evidence
    const everything = JSON.stringify(out) + ctx.everything();
    for (const secret of [gh, aws, pw, key.split('\n')[1]!]) expect(everything).not.toContain(secret);
    expect(ctx.attachments.get('secrets-scan.json')).toContain('"file": "src/app.js"');
    expect(ctx.lines.some((l) => l.line.startsWith('src/app.js:3:16  error  github'))).toBe(true);
  });

  it('a clean tree passes the default expectation (count 0)', async () => {
    await put('src/index.ts', 'export const answer = 42;\n');
    await put('config/app.yaml', 'url: postgres://detektor@db.internal:5432/detektor\npasswordFrom: vault:secret/detektor/db\n');
    ctx = await basicContext({ cwd: root, vars: { repoDir: root } });
    const out = await runKind(secretsScan, {}, ctx);
    expect(out.result).toMatchObject({ count: 0, files: 0, scannedFiles: 2 });
    expect(out.verdict).toBeUndefined();
    expect(out.summary).toMatch(/^no hardcoded secrets: 2 file\(s\) scanned under .*, 0 with findings$/);
    expect(out.measured).toBe('0 secret(s); 2 file(s) scanned, 0 with findings');
    expect(secretsScan.defaultExpect).toBe('count = 0');
  });

  it('an AWS access key id alone is flagged (the aws rule\'s id scan is on); an account id is not', async () => {
    const upper = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    const keyId = ['AK', 'IA'].join('') + [...randomBytes(16)].map((b) => upper[b % upper.length]).join('');
    await put('deploy/aws.ini', `[default]\naws_access_key_id = ${keyId}\nregion = eu-west-1\n`);
    await put('deploy/account.env', 'AWS_ACCOUNT_ID=123456789012\n');
    ctx = await basicContext({ cwd: root });
    const out = await runKind(secretsScan, {}, ctx);
    const r = out.result as Record<string, any>;
    expect(r.findings.map((f: any) => `${f.file}:${f.line}:${f.column} ${f.ruleId} ${f.messageId}`)).toEqual(['deploy/aws.ini:2:21 aws AWSAccessKeyID']);
    expect(r.rules).toEqual([...PRESET_RULES]);
    expect(JSON.stringify(out) + ctx.everything()).not.toContain(keyId);
    expect(out.measured).toBe('1 secret(s); 2 file(s) scanned, 1 with findings');
  });

  it('kinds secrets.scan names exactly the rules that run: those of the installed preset', async () => {
    const { rules } = (await import('@secretlint/secretlint-rule-preset-recommend')) as { rules: { meta: { id: string } }[] };
    expect(rules.map((x) => x.meta.id.replace('@secretlint/secretlint-rule-', ''))).toEqual([...PRESET_RULES]);
    expect(secretsScan.description).toContain(`exactly these: ${PRESET_RULES.join(', ')}`);
  });

  it('include narrows the files; nothing left to scan → inconclusive', async () => {
    await put('src/app.js', `const token = "${githubToken()}";\n`);
    ctx = await basicContext({ cwd: root });
    const out = await runKind(secretsScan, { include: ['*.py'] }, ctx);
    expect(out.verdict).toBe('inconclusive');
    expect((out.result as any).scannedFiles).toBe(0);
  });

  it('a missing directory is an error, not a pass', async () => {
    ctx = await basicContext({ cwd: root });
    const e = await runKind(secretsScan, { path: 'nope' }, ctx).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CheckError);
    expect((e as CheckError).message).toMatch(/does not exist: .*nope/);
  });

  it('maskMessage removes the exact value and collapses mask runs', () => {
    expect(maskMessage('found token: abcdef123 in x', 'abcdef123')).toBe('found token: *** in x');
    expect(maskMessage('found private key: ****************', undefined)).toBe('found private key: ***');
  });
});
