import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { writeFakeTrivy } from '../../src/demo/fake-trivy.js';
import { fixturesDir } from '../support/fixtures.js';

const run = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = path.join(fixturesDir, 'trivy');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rt-faketrivy-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function trivy(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const r = await run(path.join(dir, 'bin', 'trivy'), args, { encoding: 'utf8' });
    return { stdout: r.stdout, stderr: r.stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout: string; stderr: string; code: number };
    return { stdout: err.stdout, stderr: err.stderr, code: err.code };
  }
}

describe('the fake trivy executable (tests and demo)', () => {
  it('replays the report byte for byte on stdout, logs on stderr, and records its argv', async () => {
    const argsLog = path.join(dir, 'args.jsonl');
    await writeFakeTrivy(path.join(dir, 'bin'), { reportFile: path.join(fixtures, 'alpine-39-skip.json'), argsLog });
    const r = await trivy(['image', '--format', 'json', 'alpine:3.9']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(await readFile(path.join(fixtures, 'alpine-39-skip.json'), 'utf8'));
    expect(r.stderr).toMatch(/INFO\t\[vuln\] Vulnerability scanning is enabled\timage="alpine:3.9"/);
    expect(JSON.parse(await readFile(argsLog, 'utf8'))).toEqual(['image', '--format', 'json', 'alpine:3.9']);
  });

  it('--quiet silences the INFO lines but not the configured error; exit code as configured', async () => {
    await writeFakeTrivy(path.join(dir, 'bin'), { exitCode: 2, stderr: 'FATAL\tdb download failed' });
    const r = await trivy(['image', '--quiet', '--format', 'json', 'x:1']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('FATAL\tdb download failed\n');
  });

  it('honours --ignorefile, --severity and -o like trivy', async () => {
    await writeFakeTrivy(path.join(dir, 'bin'), { reportFile: path.join(fixtures, 'legacy-v0-centos-7-critical.json') });
    await writeFile(path.join(dir, '.trivyignore'), 'CVE-2018-15686 # systemd, accepted\n');
    const out = path.join(dir, 'report.json');
    const r = await trivy(['image', '--quiet', '--ignorefile', path.join(dir, '.trivyignore'), '--severity', 'CRITICAL', '-o', out, 'centos:7']);
    expect(r.stdout).toBe('');
    const doc = JSON.parse(await readFile(out, 'utf8')) as { Vulnerabilities: { VulnerabilityID: string }[] | null }[];
    const ids = doc.flatMap((t) => t.Vulnerabilities ?? []).map((v) => v.VulnerabilityID);
    expect(ids).toHaveLength(4);
    expect(ids).not.toContain('CVE-2018-15686');
  });

  it('answers --version and refuses unknown commands', async () => {
    await writeFakeTrivy(path.join(dir, 'bin'), { version: '0.50.0' });
    expect((await trivy(['--version'])).stdout).toBe('Version: 0.50.0\n');
    const bad = await trivy(['repo', 'x']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/unknown command "repo"/);
  });

  it('can be rewritten in place (a second scenario in the same bin dir)', async () => {
    await writeFakeTrivy(path.join(dir, 'bin'), { reportFile: path.join(fixtures, 'alpine-39-skip.json') });
    await writeFakeTrivy(path.join(dir, 'bin'), { reportJson: '[]' });
    expect((await trivy(['image', 'x'])).stdout).toBe('[]');
  });
});
