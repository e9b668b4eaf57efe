import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeInfo, which } from '../../src/commands/info.js';
import { cli, ensureBuilt } from '../support/cli-run.js';
import { cliSession } from '../support/cli-session.js';
import { tempDir, type ItemSpec } from '../support/session-fixtures.js';

const ITEMS: ItemSpec[] = [{ id: '1' }, { id: '2', signoff: 'required' }];
let tmp: { dir: string; cleanup: () => Promise<void> };

const KUBECONFIG = `apiVersion: v1
kind: Config
current-context: production
contexts:
  - name: staging
    context: { cluster: stg, user: ops }
  - name: production
    context: { cluster: prod-eu, user: ops, namespace: detektor }
clusters:
  - name: stg
    cluster: { server: https://10.0.0.2:6443 }
  - name: prod-eu
    cluster: { server: https://10.0.0.1:6443, certificate-authority-data: AAAA }
users:
  - name: ops
    user: { token: super-secret-token }
`;

beforeAll(async () => {
  ensureBuilt();
  tmp = await tempDir('rt-info-');
});
afterAll(async () => tmp.cleanup());

describe('info', () => {
  it('shows the state dir, each session with status and decision, the kube context, tools and reports', async () => {
    const cwd = path.join(tmp.dir, 'work');
    const open = await cliSession(cwd, ITEMS); // item 2 still needs a sign-off → INCOMPLETE
    const done = await cliSession(cwd, ITEMS, { name: 'other', close: 'NO-GO' });
    const bad = await cliSession(cwd, ITEMS, { name: 'third' });
    const jp = path.join(bad.dir, 'journal.jsonl');
    writeFileSync(jp, readFileSync(jp, 'utf8').replace('"summary":"exit 0"', '"summary":"exit 9"'));
    mkdirSync(path.join(cwd, 'reports', 'readiness', 'b1'), { recursive: true });
    writeFileSync(path.join(tmp.dir, 'kubeconfig'), KUBECONFIG);
    const bin = path.join(tmp.dir, 'bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'trivy'), '#!/bin/sh\nexit 0\n');
    chmodSync(path.join(bin, 'trivy'), 0o755);
    writeFileSync(path.join(bin, 'promtool'), 'not executable'); // not found: no x bit

    const r = await cli(['info'], { cwd, env: { PATH: `${bin}:/usr/bin:/bin`, HOME: tmp.dir, KUBECONFIG: path.join(tmp.dir, 'kubeconfig') } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toContain(`state dir   ${path.join(cwd, '.readiness')}\n`);
    expect(out).toContain('sessions    3 (2 open)');
    expect(out).toMatch(new RegExp(`${open.id}\\s+demo\\s+open\\s+INCOMPLETE\\s+\\d{4}-`));
    expect(out).toMatch(new RegExp(`${done.id}\\s+other\\s+closed\\s+NO-GO\\s+\\d{4}-`));
    expect(out).toMatch(new RegExp(`${bad.id}\\s+third\\s+open`));
    expect(out).toMatch(/TAMPERED\/CORRUPT journal:\n\s+.*journal\.jsonl:3: prev does not match the sha256 of line 2/);
    expect(out).toContain(`kubeconfig  ${path.join(tmp.dir, 'kubeconfig')}\n`);
    expect(out).toContain('current context: production — cluster prod-eu at https://10.0.0.1:6443, namespace detektor');
    expect(out).not.toContain('super-secret-token');
    expect(out).toMatch(new RegExp(`\\n  trivy\\s+${path.join(bin, 'trivy')}\\n`));
    expect(out).toMatch(/\n  promtool\s+(\/usr\/bin\/promtool|not found on PATH)\n/);
    expect(out).toContain(`reports     ${path.join(cwd, 'reports')} (1 bundle in readiness/)`);
  });

  it('works in an empty directory with no kubeconfig', async () => {
    const cwd = path.join(tmp.dir, 'empty');
    mkdirSync(cwd);
    const r = await cli(['info', '--state-dir', 'st'], { cwd, env: { PATH: '/nonexistent', HOME: cwd } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`state dir   ${path.join(cwd, 'st')}  (does not exist yet)`);
    expect(r.stdout).toContain('sessions    none');
    expect(r.stdout).toContain(`kubeconfig  none found (${path.join(cwd, '.kube', 'config')})`);
    expect(r.stdout).toMatch(/kubectl\s+not found on PATH/);
  });
});

describe('kubeInfo / which', () => {
  it('merges a KUBECONFIG list: the first current-context wins; reports an undefined context', () => {
    const a = path.join(tmp.dir, 'ka');
    const b = path.join(tmp.dir, 'kb');
    writeFileSync(a, 'current-context: missing\n');
    writeFileSync(b, KUBECONFIG);
    const k = kubeInfo({ KUBECONFIG: `${a}:${b}:${path.join(tmp.dir, 'absent')}` });
    expect(k.found).toEqual([a, b]);
    expect(k.currentContext).toBe('missing');
    expect(k.error).toMatch(/current context "missing" is not defined/);
    writeFileSync(a, 'contexts: [\n');
    expect(kubeInfo({ KUBECONFIG: a }).error).toMatch(/not valid YAML/);
    expect(which('sh', { PATH: '/nonexistent:/bin' })).toBe('/bin/sh');
  });
});
