import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveKubeTarget } from '../../../src/checks/support/kube.js';
import { readKubeTargetInfo } from '../../../src/checks/support/kube-target-info.js';
import { writeKubeconfig } from '../../../src/demo/servers/kube-api.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rt-kube-info-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** what client-node's resolution gives for the header (or undefined when it fails) */
async function viaClientNode(o: { kubeconfig?: string; context?: string }, env: NodeJS.ProcessEnv) {
  try {
    const t = await resolveKubeTarget(o, env);
    return { context: t.context, cluster: t.cluster, server: t.server, ...(t.user ? { user: t.user } : {}) };
  } catch {
    return undefined;
  }
}

describe('readKubeTargetInfo (header lookup without client-node)', () => {
  it('gives the same context, cluster, server and user as client-node for the cases kubectl users meet', async () => {
    const a = writeKubeconfig(dir, 'https://10.0.0.1:6443', undefined, 't', 'staging', { fileName: 'a.json' });
    const b = writeKubeconfig(dir, 'https://10.0.0.2:6443', undefined, 't', 'production', {
      fileName: 'b.json',
      extraContexts: [{ name: 'dr', server: 'https://10.0.0.3:6443', token: 'x' }],
    });
    const home = path.join(dir, 'home');
    mkdirSync(path.join(home, '.kube'), { recursive: true });
    writeKubeconfig(path.join(home, '.kube'), 'https://10.0.0.4:6443', undefined, 't', 'home-ctx', { fileName: 'config' });
    const list = [a, path.join(dir, 'missing'), b].join(path.delimiter);
    const cases: [string, { kubeconfig?: string; context?: string }, NodeJS.ProcessEnv][] = [
      ['one file', { kubeconfig: b }, {}],
      ['a context of a later file', { kubeconfig: b, context: 'dr' }, {}],
      ['KUBECONFIG list: the first current-context wins', {}, { KUBECONFIG: list }],
      ['KUBECONFIG list: a context from the second file', { context: 'production' }, { KUBECONFIG: list }],
      ['~/.kube/config by default', {}, { HOME: home }],
      ['an unknown context', { kubeconfig: b, context: 'nope' }, {}],
      ['no kubeconfig at all', {}, { HOME: path.join(dir, 'nobody') }],
    ];
    for (const [what, o, env] of cases) {
      expect(await readKubeTargetInfo(o, env), what).toEqual(await viaClientNode(o, env));
    }
    expect(await readKubeTargetInfo({ context: 'production' }, { KUBECONFIG: list })).toEqual({
      context: 'production',
      cluster: 'production-cluster',
      server: 'https://10.0.0.2:6443',
      user: 'production-user',
    });
  });

  it('a kubeconfig that is not YAML gives no header target (the checks report the error)', async () => {
    const bad = path.join(dir, 'broken');
    writeFileSync(bad, 'clusters: [\n  - name: x\n');
    expect(await readKubeTargetInfo({ kubeconfig: bad }, {})).toBeUndefined();
    expect(await viaClientNode({ kubeconfig: bad }, {})).toBeUndefined();
  });
});
