import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ensureBuilt } from '../support/cli-run.js';
import { makeSignedBundle, type Fixture } from '../report/helpers/bundle.js';

let root: string;
let fx: Fixture;

beforeAll(async () => {
  ensureBuilt();
  root = mkdtempSync(path.join(os.tmpdir(), 'rt-cmd-verify-'));
  fx = await makeSignedBundle(root);
}, 120_000);
afterAll(async () => {
  await fx?.session.close();
  rmSync(root, { recursive: true, force: true });
});

describe('readiness-tui verify', () => {
  it('exits 0 for a good bundle, one line per finding', async () => {
    const r = await cli(['verify', fx.result.dir, '--allowed-signers', fx.allowed], { env: fx.env() });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.every((l) => /^(OK  |WARN|FAIL) |^VALID: /.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/^VALID: .* \(decision GO, signed by captain@example.com\)$/);
  });

  it('exits 1 and names the file when something was changed', async () => {
    const d = path.join(root, 'tampered');
    cpSync(fx.result.dir, d, { recursive: true });
    appendFileSync(path.join(d, 'summary.md'), 'all fine\n');
    const r = await cli(['verify', d, '--allowed-signers', fx.allowed], { env: fx.env() });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAIL summary.md: sha256 does not match SHA256SUMS');
    expect(r.stdout).toContain('FAIL summary.md: is not what report.json renders to');
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(/^INVALID: 2 problem\(s\)/);
  });

  it('exits 1 with findings, not a crash, for a journal whose first byte was flipped', async () => {
    const d = path.join(root, 'first-byte');
    cpSync(fx.result.dir, d, { recursive: true });
    const j = path.join(d, 'journal.jsonl');
    const b = readFileSync(j);
    b[0] = b[0]! ^ 0x01;
    writeFileSync(j, b);
    const r = await cli(['verify', d, '--allowed-signers', fx.allowed], { env: fx.env() });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('FAIL journal.jsonl: sha256 does not match SHA256SUMS');
    expect(r.stdout).toMatch(/FAIL journal\.jsonl:1: /);
    expect(r.stdout).not.toContain('verify stopped here');
  });

  it('--json gives a machine-readable verdict', async () => {
    const r = await cli(['verify', fx.result.dir, '--allowed-signers', fx.allowed, '--json'], { env: fx.env() });
    expect(r.code).toBe(0);
    const v = JSON.parse(r.stdout);
    expect(v).toMatchObject({ valid: true, signer: 'captain@example.com', decision: 'GO', interim: false });
    expect(v.findings.length).toBeGreaterThan(5);
  });

  it('exits 2 for usage problems, without a stack trace', async () => {
    const a = await cli(['verify', fx.result.dir], { env: fx.env() });
    expect(a.code).toBe(2);
    const b = await cli(['verify', fx.result.dir, '--allowed-signers', path.join(root, 'missing')], { env: fx.env() });
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/allowed signers file .*missing not found/);
    expect(b.stderr).not.toMatch(/\n\s+at /);
  });
});
