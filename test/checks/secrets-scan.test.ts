import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
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

describe('secrets.scan: the outcome, exactly', () => {
  it('a failing tree: summary, measured, offending, evidence and emitted lines, findings in walk order', async () => {
    const gh1 = githubToken();
    const gh2 = githubToken();
    await put('b.js', `const t = "${gh1}";\n`);
    await put('a/z.js', `\n\nexport const k = "${gh2}";\n`);
    await put('c.txt', 'clean\n');
    ctx = await basicContext({ cwd: root });
    const out = await runKind(secretsScan, {}, ctx);
    const r = out.result as Record<string, any>;
    expect(r.findings.map((f: any) => `${f.file}:${f.line}:${f.column} ${f.ruleId} ${f.messageId} ${f.severity}`)).toEqual([
      'a/z.js:3:19 github GITHUB_TOKEN error',
      'b.js:1:12 github GITHUB_TOKEN error',
    ]);
    const msg = r.findings[0].message as string;
    expect(msg).toMatch(/\*\*\*/);
    expect(out.offending).toEqual([
      { file: 'a/z.js', line: 3, column: 19, ruleId: 'github', message: msg },
      { file: 'b.js', line: 1, column: 12, ruleId: 'github', message: r.findings[1].message },
    ]);
    expect({ ...r, findings: undefined }).toEqual({
      path: root,
      scannedFiles: 3,
      skippedLarge: 0,
      ignoredEntries: 0,
      count: 2,
      warnings: 0,
      files: 2,
      rules: [...PRESET_RULES],
      byRule: { github: 2 },
      findings: undefined,
      findingsOmitted: 0,
    });
    expect(out.summary).toBe(
      '2 hardcoded secret(s) (2 github): 3 file(s) scanned, 2 with findings — move them to Vault and rotate them; details in evidence/secrets-scan.json',
    );
    expect(out.measured).toBe('2 secret(s); 3 file(s) scanned, 2 with findings');
    expect(out.threshold).toBe('0 secrets');
    expect(out.verdict).toBeUndefined();
    expect(JSON.parse(ctx.attachments.get('secrets-scan.json')!)).toEqual({ root, scannedFiles: 3, skippedLarge: 0, findings: r.findings });
    expect(ctx.lines.filter((l) => l.stream === 'info').map((l) => l.line)).toEqual([
      `scanning 3 file(s) under ${root}`,
      'secretlint done: 3 file(s) scanned, 2 with findings, 2 secret(s)',
    ]);
    expect(ctx.lines.filter((l) => l.stream === 'stdout').map((l) => l.line)).toEqual([
      `a/z.js:3:19  error  github  ${msg}`,
      `b.js:1:12  error  github  ${r.findings[1].message}`,
    ]);
  });

  it('a rule at severity warning (configFile): counted in warnings, not in count, files or byRule; rules is null', async () => {
    await put('src/app.js', `const token = "${githubToken()}";\n`);
    await put('src/prod.env', `AWS_SECRET_ACCESS_KEY=${awsSecret()}\n`);
    const config = {
      rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rules: [{ id: '@secretlint/secretlint-rule-github', severity: 'warning' }] }],
    };
    await put('cfg/.secretlintrc.json', JSON.stringify(config));
    ctx = await basicContext({ cwd: root });
    const out = await runKind(secretsScan, { path: 'src', configFile: 'cfg/.secretlintrc.json' }, ctx);
    expect(out.result).toMatchObject({ path: path.join(root, 'src'), count: 1, warnings: 1, files: 1, byRule: { aws: 1 }, rules: null, scannedFiles: 2 });
    expect((out.result as any).findings.map((f: any) => `${f.file} ${f.ruleId} ${f.severity}`)).toEqual(['app.js github warning', 'prod.env aws error']);
    expect(out.offending!.map((o) => o.file)).toEqual(['prod.env']);
    expect(ctx.lines.map((l) => l.line)).toContain('secretlint done: 2 file(s) scanned, 1 with findings, 1 secret(s), 1 warning(s)');
    await ctx.dispose();
    await rm(path.join(root, 'src/prod.env'));
    ctx = await basicContext({ cwd: root });
    const warnOnly = await runKind(secretsScan, { path: 'src', configFile: 'cfg/.secretlintrc.json' }, ctx);
    expect(warnOnly.result).toMatchObject({ count: 0, warnings: 1, files: 0, byRule: {} });
    expect(warnOnly.summary).toBe(`no hardcoded secrets: 1 file(s) scanned under ${path.join(root, 'src')}, 0 with findings`);
  });

  it('a broken configFile, and a path that is a file, are errors with their hints', async () => {
    await put('bad.json', '{"rules": [{"id": "secretlint-rule-no-such-thing"}]}');
    await put('src/a.js', 'x\n');
    ctx = await basicContext({ cwd: root });
    const e = await runKind(secretsScan, { path: 'src', configFile: 'bad.json' }, ctx).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CheckError);
    expect((e as CheckError).message).toMatch(new RegExp(`^secretlint could not load its rules from ${path.join(root, 'bad.json')}: [^\\n]+$`));
    expect((e as CheckError).message).toBe(`secretlint could not load its rules from ${path.join(root, 'bad.json')}: secretlint loading errors`);
    expect((e as CheckError).hint).toBe('fix the secretlint config file (JSON with a "rules" list of installed rule packages)');
    const f = await runKind(secretsScan, { path: 'bad.json' }, ctx).catch((x: unknown) => x);
    expect((f as CheckError).message).toBe(`the directory to scan does not exist: ${path.join(root, 'bad.json')}`);
    expect((f as CheckError).hint).toBe('fix `path:` (or the repoDir variable) to point at the repository checkout');
  });

  it('files over maxFileBytes are skipped and counted; ignored files and directories are counted; ignores come from .gitignore, .secretlintignore and ignore', async () => {
    await put('edge.txt', '0123456789');
    await put('big.txt', '0123456789A');
    await put('node_modules/x.js', `"${githubToken()}"\n`);
    await put('.git/config', 'x\n');
    await put('out.log', 'x\n');
    await put('gen/a.txt', 'x\n');
    await put('.gitignore', '# logs\n*.log\n\ntmp/\n');
    await put('.secretlintignore', 'gen/\n');
    await put('keep/skip.md', 'x\n');
    await put('node_modules/y.js', 'x\n');
    await put('gen/b.txt', 'x\n');
    await put('tmp', 'x\n'); // a file: the pattern tmp/ is for directories
    await symlink(path.join(root, 'edge.txt'), path.join(root, 'link.txt'));
    ctx = await basicContext({ cwd: root });
    const out = await runKind(secretsScan, { maxFileBytes: 10, ignore: ['keep/skip.md'] }, ctx);
    // scanned: edge.txt (exactly 10 bytes), .secretlintignore and the file tmp; big.txt and .gitignore are over 10
    // bytes; ignored: .git/, node_modules/, out.log, gen/, keep/skip.md (a directory counts once); the link is not followed
    expect(out.result).toMatchObject({ scannedFiles: 3, skippedLarge: 2, ignoredEntries: 5, count: 0 });
    expect(ctx.lines.filter((l) => l.stream === 'info').map((l) => l.line).slice(0, 2)).toEqual([
      'honouring 2 .gitignore and 1 .secretlintignore pattern(s)',
      `scanning 3 file(s) under ${root} (2 larger than 10 bytes skipped)`,
    ]);
    await ctx.dispose();
    ctx = await basicContext({ cwd: root });
    const all = await runKind(secretsScan, { defaultIgnores: false }, ctx);
    expect(all.result).toMatchObject({ scannedFiles: 12, ignoredEntries: 0, count: 1, byRule: { github: 1 } });
    expect((all.result as any).findings[0].file).toBe('node_modules/x.js');
    expect(ctx.lines.some((l) => l.line.startsWith('honouring'))).toBe(false);
  });

  it('more than 200 files are linted in batches, more than 500 findings are capped (the count is not)', async () => {
    const lines = () => `a="${githubToken()}"\nb="${githubToken()}"\nc="${githubToken()}"\n`;
    for (let i = 0; i < 201; i++) await put(`f/${String(i).padStart(3, '0')}.js`, lines());
    ctx = await basicContext({ cwd: root });
    const out = await runKind(secretsScan, {}, ctx);
    const r = out.result as Record<string, any>;
    expect(r).toMatchObject({ scannedFiles: 201, count: 603, files: 201, findingsOmitted: 103 });
    expect(r.findings).toHaveLength(500);
    expect(r.findings[499].file).toBe('f/166.js');
    expect(out.offending).toHaveLength(200);
    expect(ctx.lines.filter((l) => l.line.startsWith('scanned ')).map((l) => `${l.stream} ${l.line}`)).toEqual([
      'info scanned 200/201 files, 600 finding(s) so far',
      'info scanned 201/201 files, 603 finding(s) so far',
    ]);
    expect(JSON.parse(ctx.attachments.get('secrets-scan.json')!).findings).toHaveLength(603);
  });

  it('nothing to scan is inconclusive with its own summary; a stopped scan is an error', async () => {
    await put('a.js', 'x\n');
    ctx = await basicContext({ cwd: root });
    const out = await runKind(secretsScan, { include: ['*.py', 'a.js/'] }, ctx);
    expect({ ...out, result: undefined }).toEqual({
      result: undefined,
      summary: `no files to scan under ${root} (all ignored or excluded by include)`,
      measured: '0 files scanned, 0 with findings',
      threshold: '0 secrets',
      verdict: 'inconclusive',
    });
    ctx.abort(new Error('cancelled'));
    const e = await runKind(secretsScan, {}, ctx).catch((x: unknown) => x);
    expect((e as CheckError).message).toBe('the secret scan was stopped while listing files');
    expect((e as CheckError).hint).toBe('re-run the item');
  });

  it('maskMessage: values shorter than 4 characters are left, runs of 4+ stars become 3', () => {
    expect(maskMessage('key abc in abcd', 'abc')).toBe('key abc in abcd');
    expect(maskMessage('key abcd in abcd!', 'abcd')).toBe('key *** in ***!');
    expect(maskMessage('a *** b **** c ***** d', '')).toBe('a *** b *** c *** d');
    expect(maskMessage('a ** b', undefined)).toBe('a ** b');
  });

  it('the walk is in locale order (a before B); two rules in the summary; the evidence ends with a newline; one ignore file announced', async () => {
    await put('B.js', `const t = "${githubToken()}";\n`);
    await put('a.env', `AWS_SECRET_ACCESS_KEY=${awsSecret()}\n`);
    await put('.gitignore', '*.tmp\n');
    ctx = await basicContext({ cwd: root });
    const out = await runKind(secretsScan, {}, ctx);
    expect((out.result as any).findings.map((f: any) => f.file)).toEqual(['a.env', 'B.js']);
    expect(out.summary).toBe(
      '2 hardcoded secret(s) (1 aws, 1 github): 3 file(s) scanned, 2 with findings — move them to Vault and rotate them; details in evidence/secrets-scan.json',
    );
    expect(ctx.attachments.get('secrets-scan.json')!.endsWith('}\n')).toBe(true);
    expect(ctx.lines[0]).toEqual({ line: 'honouring 1 .gitignore and 0 .secretlintignore pattern(s)', stream: 'info' });
  });

  it('exactly 200 files are one batch (no progress line); a scan stopped after listing is an error of its own', async () => {
    for (let i = 0; i < 200; i++) await put(`f/${String(i).padStart(3, '0')}.txt`, 'x\n');
    ctx = await basicContext({ cwd: root });
    const out = await runKind(secretsScan, {}, ctx);
    expect((out.result as any).scannedFiles).toBe(200);
    expect(ctx.lines.filter((l) => l.line.startsWith('scanned '))).toEqual([]);
    // the user cancels as the scan starts: the first batch is not linted
    const c = ctx;
    const cancelling = { ...c, emit: (line: string, stream?: 'info' | 'stdout' | 'stderr') => {
      c.emit(line, stream);
      if (line.startsWith('scanning ')) c.abort(new Error('cancelled'));
    } };
    const e = await runKind(secretsScan, {}, cancelling).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CheckError);
    expect((e as CheckError).message).toBe('the secret scan was stopped before it finished');
    expect((e as CheckError).hint).toBe('re-run the item, or narrow `include`');
  });
});
