import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { trivyImage, parseTrivyReport } from '../../src/checks/trivy-image.js';
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
    expect(ctx.lines.some((l) => /exited 1 but wrote a valid report/.test(l.line))).toBe(true);
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
    expect(e.message).toMatch(/stopped before it finished/);
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
