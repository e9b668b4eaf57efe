import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { trivyImage, parseTrivyReport, summarize, type TrivyParsed } from '../../src/checks/trivy-image.js';
import { CheckError } from '../../src/checks/contract.js';
import { writeFakeTrivy } from '../../src/demo/fake-trivy.js';
import { basicContext, runKind, type BasicContext } from '../support/check-context-basic.js';
import { fixturesDir } from '../support/fixtures.js';

const fixtures = path.join(fixturesDir, 'trivy');

let dir: string;
let bin: string;
let ctx: BasicContext;

async function context(): Promise<BasicContext> {
  ctx = await basicContext({ cwd: dir, env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` } });
  return ctx;
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rt-trivy-'));
  bin = path.join(dir, 'bin');
});
afterEach(async () => {
  await ctx?.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function expectError(p: Promise<unknown>): Promise<CheckError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CheckError);
  return e as CheckError;
}

describe('parseTrivyReport and summarize, field by field', () => {
  it('reads every finding field, falls back to PkgID, caps titles, skips non-objects and each skipped class once', () => {
    const doc = {
      SchemaVersion: 2,
      ArtifactName: 'reg/app:1',
      Metadata: { OS: { Family: 'debian', Name: '12.5', EOSL: 'yes' } },
      Results: [
        null,
        7,
        { Target: 's1', Class: 'secret' },
        { Target: 'c1', Class: 'config' },
        { Target: 's2', Class: 'secret' },
        {
          Target: 'app (debian 12.5)',
          Class: 'os-pkgs',
          Vulnerabilities: [
            { VulnerabilityID: 'CVE-1', PkgID: 'libx@1', InstalledVersion: 1.5, FixedVersion: null, Severity: 'high', Title: 'x'.repeat(250) },
            { VulnerabilityID: 'CVE-2', PkgName: 'liby', PkgID: 'liby@2', Severity: 'CRITICAL' },
          ],
        },
        { Target: 'no class', Vulnerabilities: 'not a list' },
      ],
    };
    expect(parseTrivyReport(JSON.stringify(doc))).toEqual({
      scanned: 2,
      skippedClasses: ['secret', 'config'],
      schemaVersion: 2,
      artifact: 'reg/app:1',
      os: { family: 'debian', name: '12.5', eosl: false },
      findings: [
        { id: 'CVE-1', package: 'libx@1', installed: '1.5', fixed: '', severity: 'HIGH', title: 'x'.repeat(200), target: 'app (debian 12.5)' },
        { id: 'CVE-2', package: 'liby', installed: '', fixed: '', severity: 'CRITICAL', title: '', target: 'app (debian 12.5)' },
      ],
    });
  });

  it('an object with only ArtifactName, or null Results, is a report with nothing scanned; OS without a name', () => {
    expect(parseTrivyReport('{"ArtifactName": "a", "Metadata": {"OS": {"Family": "alpine", "EOSL": true}}}')).toEqual({
      scanned: 0,
      findings: [],
      skippedClasses: [],
      schemaVersion: undefined,
      artifact: 'a',
      os: { family: 'alpine', name: undefined, eosl: true },
    });
    expect(parseTrivyReport('{"SchemaVersion": "2", "ArtifactName": "", "Results": null}')).toEqual({
      scanned: 0,
      findings: [],
      skippedClasses: [],
      schemaVersion: undefined,
      artifact: undefined,
    });
    expect(parseTrivyReport('{"Results": [], "Metadata": {}}').os).toBeUndefined();
    expect(parseTrivyReport('[]')).toEqual({ scanned: 0, findings: [], skippedClasses: [], schemaVersion: 0 });
  });

  it('rejects what is not a report with an exact reason', () => {
    expect(() => parseTrivyReport('{"SchemaVersion": 2, "Results": {"a": 1}}')).toThrow(/^"Results" is not an array$/);
    expect(() => parseTrivyReport('{"Results": "x"}')).toThrow(/^"Results" is not an array$/);
    for (const text of ['5', '"report"', 'null', 'true']) {
      expect(() => parseTrivyReport(text)).toThrow(/^neither a report object nor a legacy result array$/);
    }
    expect(() => parseTrivyReport('{"a":1}')).toThrow(/^a JSON object without SchemaVersion, ArtifactName or Results — not a trivy report$/);
    expect(() => parseTrivyReport('{"SchemaVersion": 2}')).not.toThrow();
    expect(() => parseTrivyReport('{"Results": []}')).not.toThrow();
    expect(() => parseTrivyReport('{oops')).toThrow(/^not JSON \(.+\)$/);
  });

  const finding = (id: string, severity: TrivyParsed['findings'][number]['severity'], pkg = 'p', fixed = '') => ({
    id,
    package: pkg,
    installed: '1',
    fixed,
    severity,
    title: '',
    target: 't',
  });

  it('summarize counts per severity and per id, sorts most severe first (then id, then package), cuts at the threshold', () => {
    const parsed: TrivyParsed = {
      scanned: 3,
      skippedClasses: [],
      os: { family: 'alpine', name: '3.9.4', eosl: true },
      findings: [
        finding('CVE-B', 'LOW', 'b', '2'),
        finding('CVE-A', 'MEDIUM', 'z'),
        finding('CVE-A', 'MEDIUM', 'a', '3'),
        finding('CVE-C', 'CRITICAL'),
        finding('CVE-D', 'UNKNOWN'),
        finding('CVE-E', 'HIGH', 'e', '1'),
        finding('CVE-0', 'MEDIUM'),
      ],
    };
    const s = summarize('img:1', parsed, 'MEDIUM');
    expect(s.counts).toEqual({ CRITICAL: 1, HIGH: 1, MEDIUM: 3, LOW: 1, UNKNOWN: 1 });
    expect(s.uniqueIds).toEqual({ CRITICAL: 1, HIGH: 1, MEDIUM: 2, LOW: 1, UNKNOWN: 1 });
    expect(s.findings.map((f) => `${f.id}/${f.package}`)).toEqual(['CVE-C/p', 'CVE-E/e', 'CVE-0/p', 'CVE-A/a', 'CVE-A/z', 'CVE-B/b', 'CVE-D/p']);
    expect(s.offending.map((f) => `${f.id}/${f.package}`)).toEqual(['CVE-C/p', 'CVE-E/e', 'CVE-0/p', 'CVE-A/a', 'CVE-A/z']);
    expect({ ...s, findings: undefined, offending: undefined, counts: undefined, uniqueIds: undefined }).toEqual({
      image: 'img:1',
      total: 7,
      fixable: 3,
      atOrAboveThreshold: 5,
      uniqueAtOrAboveThreshold: 4,
      fixableAtOrAboveThreshold: 2,
      threshold: 'MEDIUM',
      scanned: 3,
      os: 'alpine 3.9.4',
      eosl: true,
      findingsOmitted: 0,
    });
    expect(summarize('img:1', parsed, 'UNKNOWN').atOrAboveThreshold).toBe(7);
    expect(summarize('img:1', parsed, 'LOW').atOrAboveThreshold).toBe(6);
  });

  it('summarize: the OS string without a name or family, no OS, and the findings cap at 500', () => {
    const many: TrivyParsed = {
      scanned: 1,
      skippedClasses: [],
      os: { name: '5.4' },
      findings: Array.from({ length: 503 }, (_, i) => finding(`CVE-${String(i).padStart(3, '0')}`, 'LOW')),
    };
    const s = summarize('img:1', many, 'CRITICAL');
    expect(s.os).toBe('5.4');
    expect(s.eosl).toBe(false);
    expect(s.findings).toHaveLength(500);
    expect(s.findings[499]!.id).toBe('CVE-499');
    expect(s.findingsOmitted).toBe(3);
    expect(s.atOrAboveThreshold).toBe(0);
    expect(summarize('i', { ...many, os: { family: 'alpine' } }, 'LOW').os).toBe('alpine');
    expect(summarize('i', { ...many, os: undefined }, 'LOW')).toMatchObject({ os: '', eosl: false, findingsOmitted: 3, atOrAboveThreshold: 503 });
    expect(summarize('i', { ...many, findings: many.findings.slice(0, 500) }, 'LOW').findingsOmitted).toBe(0);
  });
});

/** a stand-in trivy written as a shell script (for behaviours the fake does not have: a signal, long stderr) */
async function scriptTrivy(body: string, mode = 0o755): Promise<string> {
  await mkdir(bin, { recursive: true });
  const f = path.join(bin, 'trivy-script');
  await writeFile(f, `#!/bin/sh\n${body}\n`);
  await chmod(f, mode);
  return f;
}

describe('trivy.image: what the run says, exactly', () => {
  const vuln = (i: number, severity: string, fixed = '', title = '') => ({
    VulnerabilityID: `CVE-${String(i).padStart(4, '0')}`,
    PkgName: 'pkg',
    InstalledVersion: '1.0',
    FixedVersion: fixed,
    Severity: severity,
    Title: title,
  });

  it('a failing report: summary, measured, threshold, offending capped at 200, the lines emitted', async () => {
    const report = {
      SchemaVersion: 3,
      ArtifactName: 'app:1',
      Metadata: { OS: { Family: 'alpine', Name: '3.9.4', EOSL: true } },
      Results: [
        { Target: 's', Class: 'secret' },
        { Target: 'c', Class: 'config' },
        {
          Target: 'app (alpine 3.9.4)',
          Class: 'os-pkgs',
          Vulnerabilities: [vuln(0, 'CRITICAL', '1.1', 'bad'), ...Array.from({ length: 200 }, (_, i) => vuln(i + 1, 'HIGH')), vuln(999, 'LOW')],
        },
      ],
    };
    await writeFakeTrivy(bin, { reportJson: JSON.stringify(report) });
    const out = await runKind(trivyImage, { image: 'app:1', threshold: 'HIGH' }, await context());
    expect(out.summary).toBe(
      'app:1: 201 ≥ HIGH (201 unique), 1 of them fixable; all: 1 CRITICAL, 200 HIGH, 0 MEDIUM, 1 LOW, 0 UNKNOWN — OS alpine 3.9.4 is end-of-life',
    );
    expect(out.measured).toBe('201 ≥ HIGH (201 unique)');
    expect(out.threshold).toBe('0 ≥ HIGH');
    expect(out.verdict).toBeUndefined();
    expect(out.offending).toHaveLength(200);
    expect(out.offending![0]).toEqual({ id: 'CVE-0000', package: 'pkg', installed: '1.0', fixed: '1.1', severity: 'CRITICAL', title: 'bad', target: 'app (alpine 3.9.4)' });
    expect(out.offending![199]!.id).toBe('CVE-0199');
    expect(out.result).not.toHaveProperty('offending');
    const info = ctx.lines.filter((l) => l.stream === 'info').map((l) => l.line);
    expect(info).toEqual([
      '$ trivy image --format json --scanners vuln --quiet app:1',
      'ignored non-vulnerability results: secret, config',
      'report (evidence/trivy-report.json): 1 target(s) scanned; 1 CRITICAL, 200 HIGH, 0 MEDIUM, 1 LOW, 0 UNKNOWN; 1 fixable',
    ]);
    const shown = ctx.lines.filter((l) => l.stream === 'stdout').map((l) => l.line);
    expect(shown).toHaveLength(51);
    expect(shown[0]).toBe('CRITICAL CVE-0000  pkg 1.0 → 1.1  bad');
    expect(shown[1]).toBe('HIGH     CVE-0001  pkg 1.0 → (no fix yet)');
    expect(shown[50]).toBe('… and 151 more in evidence/trivy-report.json');
    expect(ctx.lines.filter((l) => l.stream === 'stderr').map((l) => l.line)).toEqual([
      'report SchemaVersion 3 (expected 2): reading it as version 2',
      "WARNING: the image's OS (alpine 3.9.4) is end-of-life: it gets no security fixes, so a low count means little",
    ]);
  });

  it('exactly 50 offending are all listed; a passing report has no end-of-life suffix', async () => {
    const report = { SchemaVersion: 2, Results: [{ Target: 't', Class: 'lang-pkgs', Vulnerabilities: Array.from({ length: 50 }, (_, i) => vuln(i, 'CRITICAL')) }] };
    await writeFakeTrivy(bin, { reportJson: JSON.stringify(report) });
    const out = await runKind(trivyImage, { image: 'app:2' }, await context());
    expect(ctx.lines.filter((l) => l.stream === 'stdout')).toHaveLength(50);
    expect(out.summary).toBe('app:2: 50 CRITICAL (50 unique), 0 of them fixable; all: 50 CRITICAL, 0 HIGH, 0 MEDIUM, 0 LOW, 0 UNKNOWN');
    expect(out.threshold).toBe('0 CRITICAL');
    expect(ctx.lines.filter((l) => l.stream === 'stderr')).toEqual([]);
  });

  it('nothing scanned with an OS detected: inconclusive, its OS in the summary; a legacy report is said to be one', async () => {
    await writeFakeTrivy(bin, { reportJson: JSON.stringify({ SchemaVersion: 2, ArtifactName: 'x', Metadata: { OS: { Family: 'debian', Name: '12' } } }) });
    const out = await runKind(trivyImage, { image: 'x:1', threshold: 'LOW' }, await context());
    expect(out).toEqual({
      result: expect.objectContaining({ scanned: 0, os: 'debian 12', threshold: 'LOW' }),
      summary: 'nothing scanned in x:1 (OS: debian 12): trivy found no OS packages or language files to check',
      measured: 'no targets scanned',
      threshold: '0 ≥ LOW',
      verdict: 'inconclusive',
    });
    expect(out.result).not.toHaveProperty('offending');
    await ctx.dispose();
    await writeFakeTrivy(bin, { reportJson: '[]' });
    const legacy = await runKind(trivyImage, { image: 'x:1' }, await context());
    expect(legacy.verdict).toBe('inconclusive');
    expect(ctx.lines).toContainEqual({ line: 'legacy trivy report (top-level array, trivy < 0.20): read as such', stream: 'info' });
    expect(ctx.lines.some((l) => l.line.startsWith('report SchemaVersion'))).toBe(false);
    await ctx.dispose();
    await writeFakeTrivy(bin, { reportJson: '{"ArtifactName": "x", "Results": []}' });
    await runKind(trivyImage, { image: 'x:1' }, await context());
    expect(ctx.lines.filter((l) => l.stream === 'stderr')).toEqual([]);
  });

  it('an explicit ignoreFile is passed and announced; a missing one is an error before trivy runs', async () => {
    const argsLog = path.join(dir, 'args.jsonl');
    await writeFakeTrivy(bin, { reportJson: '{"SchemaVersion": 2, "Results": []}', argsLog });
    await writeFile(path.join(dir, 'accepted.txt'), 'CVE-1\n');
    await writeFile(path.join(dir, '.trivyignore'), 'CVE-2\n');
    await runKind(trivyImage, { image: 'x:1', ignoreFile: 'accepted.txt' }, await context());
    const f = path.join(dir, 'accepted.txt');
    expect(JSON.parse((await readFile(argsLog, 'utf8')).trim())).toEqual(['image', '--format', 'json', '--scanners', 'vuln', '--quiet', '--ignorefile', f, 'x:1']);
    expect(ctx.lines).toContainEqual({ line: `honouring ignore file ${f}`, stream: 'info' });
    const e = await expectError(runKind(trivyImage, { image: 'x:1', ignoreFile: 'gone.txt' }, ctx));
    expect(e.message).toBe(`the trivy ignore file ${path.join(dir, 'gone.txt')} does not exist`);
    expect(e.hint).toBe('fix ignoreFile, or remove it to use .trivyignore when present');
    expect((await readFile(argsLog, 'utf8')).trim().split('\n')).toHaveLength(1);
  });

  it('no report: exit 0 and a signal each get their own message and hint', async () => {
    const silent = await scriptTrivy('exit 0');
    const e0 = await expectError(runKind(trivyImage, { image: 'x:1', trivyPath: silent }, await context()));
    expect(e0.message).toBe('trivy exited 0 without printing a report');
    expect(e0.hint).toBe('check that extraArgs do not redirect the report (-o/--output) or change --format');
    const killed = await scriptTrivy('echo "   " ; kill -KILL $$');
    const e9 = await expectError(runKind(trivyImage, { image: 'x:1', trivyPath: killed }, ctx));
    expect(e9.message).toBe('trivy was killed (SIGKILL) without printing a report');
    expect(ctx.attachments.has('trivy-report.json')).toBe(false);
  });

  it("the error carries the last 8 non-blank stderr lines, a final line without a newline included", async () => {
    const lines = Array.from({ length: 25 }, (_, i) => `line ${i + 1}`);
    const script = await scriptTrivy(`printf '${lines.join('\\r\\n')}\\n\\n  \\n' >&2; printf 'last words' >&2; exit 2`);
    const e = await expectError(runKind(trivyImage, { image: 'x:1', trivyPath: script }, await context()));
    expect(e.message).toBe(`trivy exited 2 without printing a report:\n${[...lines.slice(-7), 'last words'].join('\n')}`);
    const blankEnd = await scriptTrivy(`echo 'only line' >&2; printf '   ' >&2; exit 3`);
    const b = await expectError(runKind(trivyImage, { image: 'x:1', trivyPath: blankEnd }, ctx));
    expect(b.message).toBe('trivy exited 3 without printing a report:\nonly line');
    const garbage = await scriptTrivy(`echo 'FATAL db' >&2; echo '{"hello": 1}'`);
    const g = await expectError(runKind(trivyImage, { image: 'x:1', trivyPath: garbage }, ctx));
    expect(g.message).toBe('trivy exited 0 and its output is not a usable report: a JSON object without SchemaVersion, ArtifactName or Results — not a trivy report\nFATAL db');
    expect(g.hint).toBe('run the command shown above by hand; extraArgs must not change --format');
    const quiet = await scriptTrivy(`printf 'not json'`);
    const q = await expectError(runKind(trivyImage, { image: 'x:1', trivyPath: quiet }, ctx));
    expect(q.message).toMatch(/^trivy exited 0 and its output is not a usable report: not JSON \([^\n]+\)$/);
  });

  it('a trivy that cannot be started: not on PATH, not at its path, not executable, not startable — each with its hint', async () => {
    ctx = await basicContext({ cwd: dir, env: { PATH: path.join(dir, 'empty') } });
    const missing = await expectError(runKind(trivyImage, { image: 'x:1' }, ctx));
    expect(missing.hint).toBe('install trivy (https://trivy.dev) or set trivyPath to its location');
    const at = await expectError(runKind(trivyImage, { image: 'x:1', trivyPath: path.join(dir, 'nope/trivy') }, ctx));
    expect(at.message).toBe(`trivy not found at ${path.join(dir, 'nope/trivy')}`);
    expect(at.hint).toBe('install trivy there or fix trivyPath');
    const plain = await scriptTrivy('exit 0', 0o644);
    const eacces = await expectError(runKind(trivyImage, { image: 'x:1', trivyPath: plain }, ctx));
    expect(eacces.message).toBe(`${plain} is not executable (EACCES)`);
    expect(eacces.hint).toBe('chmod +x the file or point trivyPath at the real trivy binary');
    const under = path.join(plain, 'trivy');
    const other = await expectError(runKind(trivyImage, { image: 'x:1', trivyPath: under }, ctx));
    expect(other.message).toMatch(/^cannot start .+: .*ENOTDIR/);
    expect(other.message.startsWith(`cannot start ${under}: `)).toBe(true);
    expect(other.hint).toBe('check trivyPath');
  });
});

describe('trivy.image against the captured reports (fake trivy first on PATH)', () => {
  it('alpine-39-high-critical: 2 CRITICAL → offending, fails the default expectation', async () => {
    const argsLog = path.join(dir, 'args.jsonl');
    await writeFakeTrivy(bin, { reportFile: path.join(fixtures, 'alpine-39-high-critical.json'), argsLog });
    const out = await runKind(trivyImage, { image: 'alpine:3.9' }, await context());
    const r = out.result as Record<string, any>;
    expect(r.counts).toEqual({ CRITICAL: 2, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 });
    // CVE-2019-14697 hits musl and musl-utils: 2 findings, 1 distinct CVE
    expect(r.uniqueIds.CRITICAL).toBe(1);
    expect(r.fixable).toBe(2);
    expect(r.atOrAboveThreshold).toBe(2);
    expect(r.scanned).toBe(1);
    expect(r.eosl).toBe(true);
    expect(out.verdict).toBeUndefined();
    expect(out.measured).toBe('2 CRITICAL (1 unique)');
    expect(out.offending).toHaveLength(2);
    expect(out.offending!.map((o) => o.severity)).toEqual(['CRITICAL', 'CRITICAL']);
    expect(out.offending![0]).toMatchObject({ package: expect.any(String), installed: expect.any(String), target: expect.stringContaining('alpine') });
    // the exact command: JSON, vuln scanner only, quiet, the image last
    const argv = JSON.parse((await readFile(argsLog, 'utf8')).trim()) as string[];
    expect(argv).toEqual(['image', '--format', 'json', '--scanners', 'vuln', '--quiet', 'alpine:3.9']);
    // the full report is evidence, byte for byte
    const original = await readFile(path.join(fixtures, 'alpine-39-high-critical.json'), 'utf8');
    expect(ctx.attachments.get('trivy-report.json')).toBe(original);
    expect(ctx.lines.some((l) => l.line.includes('end-of-life'))).toBe(true);
  });

  it('threshold HIGH counts HIGH and CRITICAL', async () => {
    const report = {
      SchemaVersion: 2,
      ArtifactName: 'composed',
      Results: [
        {
          Target: 'app (debian 12.5)',
          Class: 'os-pkgs',
          Vulnerabilities: [
            { VulnerabilityID: 'CVE-A', PkgName: 'a', InstalledVersion: '1', FixedVersion: '2', Severity: 'CRITICAL' },
            { VulnerabilityID: 'CVE-B', PkgName: 'b', InstalledVersion: '1', FixedVersion: '', Severity: 'HIGH' },
            { VulnerabilityID: 'CVE-C', PkgName: 'c', InstalledVersion: '1', Severity: 'MEDIUM' },
            { VulnerabilityID: 'CVE-D', PkgName: 'd', InstalledVersion: '1', Severity: 'LOW' },
          ],
        },
      ],
    };
    await writeFakeTrivy(bin, { reportJson: JSON.stringify(report) });
    const out = await runKind(trivyImage, { image: 'app:1', threshold: 'HIGH' }, await context());
    const r = out.result as Record<string, any>;
    expect(r.atOrAboveThreshold).toBe(2);
    expect(r.fixableAtOrAboveThreshold).toBe(1);
    expect(out.measured).toBe('2 ≥ HIGH (2 unique)');
    expect(out.offending!.map((o) => o.id)).toEqual(['CVE-A', 'CVE-B']);
  });

  it('sl-micro-rancher5.4: a result without Vulnerabilities is a clean scan (0, not inconclusive)', async () => {
    await writeFakeTrivy(bin, { reportFile: path.join(fixtures, 'sl-micro-rancher5.4.json') });
    const out = await runKind(trivyImage, { image: 'sle-micro:5.4' }, await context());
    const r = out.result as Record<string, any>;
    expect(r.counts).toEqual({ CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 });
    expect(r.scanned).toBe(1);
    expect(r.atOrAboveThreshold).toBe(0);
    expect(out.verdict).toBeUndefined();
    expect(out.offending).toEqual([]);
  });

  it('alpine-39-skip: no Results key → inconclusive ("nothing scanned")', async () => {
    await writeFakeTrivy(bin, { reportFile: path.join(fixtures, 'alpine-39-skip.json') });
    const out = await runKind(trivyImage, { image: 'alpine:3.9' }, await context());
    expect(out.verdict).toBe('inconclusive');
    expect((out.result as any).scanned).toBe(0);
    expect(out.summary).toBe('nothing scanned in alpine:3.9 (no OS detected): trivy found no OS packages or language files to check');
    // the report's placeholder Metadata.OS.Family "none" is no OS, not one called "none"
    expect((out.result as any).os).toBe('');
  });

  it('legacy top-level array (centos 7): 6 CRITICAL findings, 4 unique CVEs', async () => {
    await writeFakeTrivy(bin, { reportFile: path.join(fixtures, 'legacy-v0-centos-7-critical.json') });
    const out = await runKind(trivyImage, { image: 'centos:7' }, await context());
    const r = out.result as Record<string, any>;
    expect(r.counts.CRITICAL).toBe(6);
    expect(r.uniqueIds.CRITICAL).toBe(4);
    expect(r.atOrAboveThreshold).toBe(6);
    expect(out.measured).toBe('6 CRITICAL (4 unique)');
    // CVE-2018-14618 hits curl and libcurl
    const curl = r.findings.filter((f: any) => f.id === 'CVE-2018-14618').map((f: any) => f.package).sort();
    expect(curl).toEqual(['curl', 'libcurl']);
    expect(r.fixable).toBe(6);
  });

  it('.trivyignore in the checklist directory is passed as --ignorefile and honoured', async () => {
    const argsLog = path.join(dir, 'args.jsonl');
    await writeFakeTrivy(bin, { reportFile: path.join(fixtures, 'legacy-v0-centos-7-critical.json'), argsLog });
    await writeFile(path.join(dir, '.trivyignore'), '# accepted until the base image moves\nCVE-2018-14618\n');
    const out = await runKind(trivyImage, { image: 'centos:7' }, await context());
    const argv = JSON.parse((await readFile(argsLog, 'utf8')).trim()) as string[];
    expect(argv).toContain('--ignorefile');
    expect(argv[argv.indexOf('--ignorefile') + 1]).toBe(path.join(dir, '.trivyignore'));
    expect((out.result as any).counts.CRITICAL).toBe(4);
    expect((out.result as any).uniqueIds.CRITICAL).toBe(3);
  });

  it('a non-zero exit WITH a valid report is judged by the report', async () => {
    await writeFakeTrivy(bin, { reportFile: path.join(fixtures, 'sl-micro-rancher5.4.json'), exitCode: 1 });
    const out = await runKind(trivyImage, { image: 'sle-micro:5.4', extraArgs: ['--exit-code', '1'] }, await context());
    expect((out.result as any).atOrAboveThreshold).toBe(0);
    expect(ctx.lines).toContainEqual({ line: 'trivy exited 1 but wrote a valid report: the verdict comes from the report, not the exit code', stream: 'info' });
  });

  it('a non-zero exit with an error on stderr and no report → CheckError carrying the stderr tail', async () => {
    await writeFakeTrivy(bin, {
      exitCode: 1,
      stderr: '2024-05-01T10:00:00Z\tFATAL\tFatal error\timage scan error: unable to find the specified image "nope:1"',
    });
    const e = await expectError(runKind(trivyImage, { image: 'nope:1' }, await context()));
    expect(e.message).toMatch(/exited 1 without printing a report/);
    expect(e.message).toMatch(/unable to find the specified image/);
    expect(e.hint).toBe("read trivy's message above (image name, registry credentials, vulnerability DB download / --skip-db-update offline)");
    // stderr was streamed as it came
    expect(ctx.written.filter((w) => w.stream === 'stderr').map((w) => w.chunk).join('')).toMatch(/FATAL/);
  });

  it('garbage on stdout → CheckError, not a pass', async () => {
    await writeFakeTrivy(bin, { reportJson: '{"hello": "world"}' });
    const e = await expectError(runKind(trivyImage, { image: 'x:1' }, await context()));
    expect(e.message).toMatch(/not a usable report/);
  });

  it('trivy missing from PATH → "trivy not found on PATH — install it or set trivyPath"', async () => {
    ctx = await basicContext({ cwd: dir, env: { PATH: path.join(dir, 'empty') } });
    const e = await expectError(runKind(trivyImage, { image: 'x:1' }, ctx));
    expect(e.message).toBe('trivy not found on PATH — install it or set trivyPath');
  });

  it('an explicit trivyPath that does not exist names the path', async () => {
    ctx = await basicContext({ cwd: dir });
    const e = await expectError(runKind(trivyImage, { image: 'x:1', trivyPath: path.join(dir, 'nope/trivy') }, ctx));
    expect(e.message).toMatch(/trivy not found at .*nope\/trivy/);
  });

  it('verbose streams trivy log lines; cancel kills the scan promptly', async () => {
    await writeFakeTrivy(bin, { reportFile: path.join(fixtures, 'alpine-39-high-critical.json'), delayMs: 12_000 });
    const c = await context();
    const p = runKind(trivyImage, { image: 'alpine:3.9', verbose: true }, c);
    for (let i = 0; i < 100 && !c.written.some((w) => /Vulnerability scanning is enabled/.test(w.chunk)); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(c.written.some((w) => /Vulnerability scanning is enabled/.test(w.chunk))).toBe(true);
    const abortedAt = Date.now();
    c.abort(new Error('cancelled by test'));
    const e = await expectError(p);
    expect(e.message).toBe('trivy was stopped before it finished scanning alpine:3.9');
    expect(e.hint).toBe('re-run the item, or raise its timeout (scans of large images take minutes)');
    // SIGTERM ends it well before the remaining 9 s of "scanning"
    expect(Date.now() - abortedAt).toBeLessThan(5_000);
    expect(c.attachments.has('trivy-report.json')).toBe(false);
  });

  it('describe() gives the exact command', () => {
    const p = trivyImage.params.parse({ image: 'registry.example.com/detektor:1.4.2', extraArgs: ['--skip-db-update'] });
    expect(trivyImage.describe(p, {})).toBe(
      'trivy image --format json --scanners vuln --quiet --skip-db-update registry.example.com/detektor:1.4.2  (+ --ignorefile .trivyignore when present)',
    );
  });

  it('credential flags in extraArgs are masked in the shown command', () => {
    const p = trivyImage.params.parse({ image: 'r/x:1', extraArgs: ['--username', 'ci', '--password', 'hunter2', '--registry-token=abc123'] });
    const shown = trivyImage.describe(p, {});
    expect(shown).toContain('--username ci --password *** --registry-token=***');
    expect(shown).not.toMatch(/hunter2|abc123/);
  });

  it('parseTrivyReport skips secret/config classes and rejects non-reports', () => {
    const doc = {
      SchemaVersion: 2,
      ArtifactName: 'x',
      Results: [
        { Target: 'a', Class: 'secret', Secrets: [{ RuleID: 'aws', Severity: 'CRITICAL' }] },
        { Target: 'b', Class: 'lang-pkgs', Vulnerabilities: [{ VulnerabilityID: 'CVE-1', PkgName: 'p', Severity: 'weird' }] },
      ],
    };
    const parsed = parseTrivyReport(JSON.stringify(doc));
    expect(parsed.scanned).toBe(1);
    expect(parsed.skippedClasses).toEqual(['secret']);
    expect(parsed.findings[0]!.severity).toBe('UNKNOWN');
    expect(() => parseTrivyReport('{"a":1}')).toThrow(/not a trivy report/);
    expect(() => parseTrivyReport('not json')).toThrow(/not JSON/);
  });
});
