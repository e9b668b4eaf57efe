import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckError } from '../../../src/checks/contract.js';
import { kubernetesNodesReady } from '../../../src/checks/kubernetes-nodes-ready.js';
import { kubeClient, kubeTargetInfo, resolveKubeTarget } from '../../../src/checks/support/kube.js';
import { kubeError } from '../../../src/checks/support/kube-errors.js';
import { generateTls, startKubeApiServer, writeKubeconfig, type KubeApiServer } from '../../../src/demo/servers/kube-api.js';
import { runKind } from '../../support/check-context-basic.js';
import { checkContext } from '../../support/check-context.js';

let server: KubeApiServer;
let dir: string;
const NODE = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } };

beforeAll(async () => {
  server = await startKubeApiServer({ objects: [NODE], forbid: /^GET \/api\/v1\/secrets$/ });
  dir = mkdtempSync(path.join(os.tmpdir(), 'rt-kube-'));
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('resolveKubeTarget', () => {
  it('returns context, cluster, server and user of the current context', async () => {
    const file = server.writeKubeconfig(dir, 'production');
    const t = await resolveKubeTarget({ kubeconfig: file });
    expect(t).toMatchObject({ context: 'production', cluster: 'production-cluster', server: server.url, user: 'production-user' });
    expect(t.kc.getCurrentContext()).toBe('production');
  });

  it('honours KUBECONFIG as a path list: contexts of later files are merged, the first current-context wins', async () => {
    const a = writeKubeconfig(dir, 'https://127.0.0.1:1', undefined, 't', 'staging', { fileName: 'a.json' });
    const b = writeKubeconfig(dir, server.url, server.ca, server.token, 'production', { fileName: 'b.json' });
    const env = { ...process.env, KUBECONFIG: [a, path.join(dir, 'does-not-exist'), b].join(path.delimiter) };
    expect((await resolveKubeTarget({}, env)).context).toBe('staging');
    const t = await resolveKubeTarget({ context: 'production' }, env);
    expect(t.server).toBe(server.url);
  });

  it('an explicit kubeconfig may be a path list too ($KUBECONFIG passed through)', async () => {
    const a = writeKubeconfig(dir, server.url, server.ca, server.token, 'first', { fileName: 'l1.json' });
    const b = writeKubeconfig(dir, server.url, server.ca, server.token, 'second', { fileName: 'l2.json' });
    const t = await resolveKubeTarget({ kubeconfig: `${a}${path.delimiter}${b}`, context: 'second' }, {});
    expect(t.context).toBe('second');
  });

  it('defaults to ~/.kube/config', async () => {
    const home = path.join(dir, 'home');
    mkdirSync(path.join(home, '.kube'), { recursive: true });
    writeKubeconfig(path.join(home, '.kube'), server.url, server.ca, server.token, 'home-ctx', { fileName: 'config' });
    const t = await resolveKubeTarget({}, { HOME: home });
    expect(t.context).toBe('home-ctx');
  });

  it('an unknown context is an error naming the contexts that exist', async () => {
    const file = writeKubeconfig(dir, server.url, server.ca, server.token, 'production', {
      fileName: 'two.json',
      extraContexts: [{ name: 'staging', server: server.url, token: 'x' }],
    });
    const err = await resolveKubeTarget({ kubeconfig: file, context: 'prod' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckError);
    expect((err as CheckError).message).toBe(`kube context "prod" not found in ${file}`);
    expect((err as CheckError).hint).toBe('existing contexts: production, staging');
  });

  it('no kubeconfig at all is an error with a hint', async () => {
    const err = await resolveKubeTarget({}, { HOME: path.join(dir, 'nobody') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckError);
    expect((err as CheckError).message).toMatch(/^no kubeconfig found \(looked at .*nobody\/\.kube\/config\)$/);
    expect((err as CheckError).hint).toMatch(/KUBECONFIG/);
  });

  it('a broken kubeconfig file is an error naming the file', async () => {
    const bad = path.join(dir, 'broken');
    writeFileSync(bad, 'clusters: [ {name: x, cluster: {server: ');
    const err = await resolveKubeTarget({ kubeconfig: bad }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckError);
    expect((err as CheckError).message).toContain(`cannot read kubeconfig ${bad}`);
  });
});

describe('kubeTargetInfo (the header and the session start)', () => {
  it('gives context, cluster, server and user of the target; undefined when there is none', async () => {
    const f = writeKubeconfig(dir, 'https://10.0.0.9:6443', undefined, 't', 'info-ctx', { fileName: 'info.json', extraContexts: [{ name: 'other', server: 'https://10.0.0.8:6443', token: 'x' }] });
    const t = await resolveKubeTarget({ kubeconfig: f, context: 'other' }, {});
    expect(await kubeTargetInfo({ kubeconfig: f, context: 'other' }, {})).toEqual({ context: 'other', cluster: t.cluster, server: 'https://10.0.0.8:6443', ...(t.user ? { user: t.user } : {}) });
    expect(await kubeTargetInfo({ kubeconfig: f }, {})).toMatchObject({ context: 'info-ctx', server: 'https://10.0.0.9:6443' });
    expect(await kubeTargetInfo({ kubeconfig: f, context: 'nope' }, {})).toBeUndefined();
    expect(await kubeTargetInfo({}, { HOME: path.join(dir, 'nobody') })).toBeUndefined();
    const bad = path.join(dir, 'broken-info');
    writeFileSync(bad, 'clusters: [\n  - name: x\n');
    expect(await kubeTargetInfo({ kubeconfig: bad }, {})).toBeUndefined();
  });
});

describe('errors through client-node against the HTTPS fake', () => {
  it('401 (wrong token) → "credentials rejected" error with a hint', async () => {
    const file = writeKubeconfig(dir, server.url, server.ca, 'wrong', 'prod', { fileName: 'wrong.json' });
    const ctx = await checkContext({ kubeconfig: file });
    const err = await runKind(kubernetesNodesReady, {}, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckError);
    expect((err as CheckError).message).toBe(`credentials rejected by the API server at ${server.url} (context prod) while trying to list nodes (401 Unauthorized)`);
    expect(server.requests.at(-1)).toMatchObject({ path: '/api/v1/nodes', authorized: false });
    await ctx.dispose();
  });

  it('403 (RBAC) → "credentials rejected" naming the user and the server\'s reason', async () => {
    const t = await resolveKubeTarget({ kubeconfig: server.writeKubeconfig(dir, 'prod') });
    const k8s = await import('@kubernetes/client-node');
    const core = await kubeClient(t, k8s.CoreV1Api, new AbortController().signal);
    const e = await core.listSecretForAllNamespaces().catch((x: unknown) => x);
    const mapped = kubeError(e, { target: t, action: 'list secrets' });
    expect(mapped.message).toMatch(/^credentials rejected: user "prod-user" may not list secrets at .* \(403 Forbidden: secrets is forbidden/);
    expect(mapped.hint).toMatch(/auth can-i/);
  });

  it('a closed port → "API server unreachable" quickly', async () => {
    const port = await closedPort();
    const file = writeKubeconfig(dir, `https://127.0.0.1:${port}`, server.ca, server.token, 'dead', { fileName: 'dead.json' });
    const ctx = await checkContext({ kubeconfig: file });
    // refused at once: the message says so (a retry loop would still end in it, and the test's limit bounds it)
    const err = await runKind(kubernetesNodesReady, {}, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckError);
    expect((err as CheckError).message).toBe(`API server unreachable at https://127.0.0.1:${port} (ECONNREFUSED) while trying to list nodes`);
    await ctx.dispose();
  });

  it('a server that does not answer → bounded by the request deadline', async () => {
    const slow = await startKubeApiServer({ objects: [NODE], latencyMs: 5000 });
    try {
      const t = await resolveKubeTarget({ kubeconfig: slow.writeKubeconfig(dir, 'slow') });
      const k8s = await import('@kubernetes/client-node');
      const core = await kubeClient(t, k8s.CoreV1Api, new AbortController().signal, 300);
      // the server answers after 5 s: the error says the 0.3 s deadline ended the request, not the answer
      const e = await core.listNode().catch((x: unknown) => x);
      expect(kubeError(e, { target: t, action: 'list nodes', requestTimeoutMs: 300 }).message).toBe(
        `API server unreachable at ${slow.url}: no answer within 0.3s while trying to list nodes`,
      );
    } finally {
      await slow.close();
    }
  });

  it('a server certificate from another CA → TLS verification error', async () => {
    const other = generateTls();
    const file = writeKubeconfig(dir, server.url, other.ca, server.token, 'mitm', { fileName: 'mitm.json' });
    const ctx = await checkContext({ kubeconfig: file });
    const err = await runKind(kubernetesNodesReady, {}, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckError);
    expect((err as CheckError).message).toMatch(/TLS verification of the API server at .* failed/);
    await ctx.dispose();
  });

  it('a check\'s context override selects another context of the same kubeconfig', async () => {
    const other = await startKubeApiServer({ objects: [NODE, { ...NODE, metadata: { name: 'n2' } }] });
    try {
      const file = writeKubeconfig(dir, server.url, server.ca, server.token, 'staging', {
        fileName: 'multi.json',
        extraContexts: [{ name: 'production', server: other.url, ca: other.ca, token: other.token }],
      });
      const ctx = await checkContext({ kubeconfig: file });
      const bound = ctx.kube;
      ctx.kube = () => bound('production'); // what the runner does for `context: production`
      const out = await runKind(kubernetesNodesReady, {}, ctx);
      expect(out.result.total).toBe(2);
      await ctx.dispose();
    } finally {
      await other.close();
    }
  });
});
