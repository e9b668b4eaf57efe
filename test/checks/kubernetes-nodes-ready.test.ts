import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubernetesNodesReady } from '../../src/checks/kubernetes-nodes-ready.js';
import { CheckError } from '../../src/checks/contract.js';
import { startKubeApiServer, writeKubeconfig, type KubeApiServer, type KubeObject } from '../../src/demo/servers/kube-api.js';
import { runKind } from '../support/check-context-basic.js';
import { checkContext, loadFixtureObjects } from '../support/check-context.js';
import { evaluateDefault } from '../support/expect-default.js';
import { evaluateExpect } from '../../src/checklist/expect.js';

let server: KubeApiServer;
let dir: string;
let kubeconfig: string;

beforeAll(async () => {
  const nodeList = loadFixtureObjects('kubernetes-nodes/sonobuoy-kind-3nodes-1notready.json')[0] as { items: KubeObject[] };
  server = await startKubeApiServer({ objects: nodeList.items });
  dir = mkdtempSync(path.join(os.tmpdir(), 'rt-nodes-'));
  kubeconfig = server.writeKubeconfig(dir, 'kind-kind');
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('kubernetes.nodes-ready against the sonobuoy kind capture', () => {
  it('counts 2 of 3 nodes Ready and lists the NotReady one with its reason', async () => {
    const ctx = await checkContext({ kubeconfig });
    const out = await runKind(kubernetesNodesReady, { min: 1 }, ctx);
    expect(out.result).toMatchObject({ total: 3, ready: 2, notReady: 1, min: 1 });
    const nodes = out.result.nodes as { name: string; ready: boolean; status: string; reason: string }[];
    expect(nodes.map((n) => [n.name, n.ready, n.status])).toEqual([
      ['kind-control-plane', true, 'True'],
      ['kind-worker', false, 'False'],
      ['kind-worker2', true, 'True'],
    ]);
    expect(nodes[1]!.reason).toBe('KubeletNotReady');
    expect(out.measured).toBe('2/3 Ready');
    expect(out.offending).toEqual([expect.objectContaining({ node: 'kind-worker', reason: 'KubeletNotReady' })]);
    expect(await evaluateDefault(kubernetesNodesReady, out.result)).toBe(true);
    expect(ctx.lines.some((l) => l.line.includes('kind-worker') && l.line.includes('NotReady'))).toBe(true);
    expect(ctx.lines.some((l) => l.line.includes('context kind-kind'))).toBe(true);
    await ctx.dispose();
  });

  it('fails the default expectation when fewer than min are Ready (detektor uses 5)', async () => {
    const ctx = await checkContext({ kubeconfig });
    const out = await runKind(kubernetesNodesReady, { min: 5 }, ctx);
    expect(out.summary).toBe('2/3 nodes Ready (min 5)');
    expect(await evaluateDefault(kubernetesNodesReady, out.result)).toBe(false);
    await ctx.dispose();
  });

  it('passes with exactly min Ready nodes and fails with one fewer (ready >= min, not >)', async () => {
    const ctx = await checkContext({ kubeconfig });
    try {
      const at = await runKind(kubernetesNodesReady, { min: 2 }, ctx);
      expect(at.result).toMatchObject({ ready: 2, min: 2 });
      expect(at.threshold).toBe('>= 2');
      expect((await evaluateExpect(kubernetesNodesReady.defaultExpect, at.result)).ok).toBe(true);
      const above = await runKind(kubernetesNodesReady, { min: 3 }, ctx);
      expect(above.summary).toBe('2/3 nodes Ready (min 3)');
      expect((await evaluateExpect(kubernetesNodesReady.defaultExpect, above.result)).ok).toBe(false);
    } finally {
      await ctx.dispose();
    }
  });

  it('a node without a Ready condition is shown as "no Ready condition", never as Unknown', async () => {
    // the real kind-worker2 with its Ready condition taken out (the other conditions as captured)
    const nodeList = loadFixtureObjects('kubernetes-nodes/sonobuoy-kind-3nodes-1notready.json')[0] as { items: KubeObject[] };
    const worker2 = structuredClone(nodeList.items.find((n) => n.metadata?.name === 'kind-worker2')!) as KubeObject & {
      status: { conditions: { type: string }[] };
    };
    worker2.status.conditions = worker2.status.conditions.filter((c) => c.type !== 'Ready');
    expect(worker2.status.conditions.length).toBeGreaterThan(0);
    const bare = await startKubeApiServer({ objects: [worker2] });
    try {
      const ctx = await checkContext({ kubeconfig: bare.writeKubeconfig(dir, 'bare') });
      const out = await runKind(kubernetesNodesReady, {}, ctx);
      expect(out.result.nodes).toEqual([expect.objectContaining({ name: 'kind-worker2', ready: false, status: 'no Ready condition', reason: '', message: '' })]);
      expect(out.offending).toEqual([{ node: 'kind-worker2', status: 'no Ready condition', reason: '', message: '' }]);
      expect(ctx.lines.map((l) => l.line)).toContain('NotReady  kind-worker2  (no Ready condition)');
      expect(JSON.stringify(out)).not.toContain('Unknown');
      await ctx.dispose();
    } finally {
      await bare.close();
    }
  });

  it('treats Ready=Unknown as not ready and passes the label selector to the API', async () => {
    const local = await startKubeApiServer({
      objects: [
        { apiVersion: 'v1', kind: 'Node', metadata: { name: 'a', labels: { pool: 'prod' } }, status: { conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' }] } },
        { apiVersion: 'v1', kind: 'Node', metadata: { name: 'b', labels: { pool: 'prod' } }, spec: { unschedulable: true }, status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] } },
        { apiVersion: 'v1', kind: 'Node', metadata: { name: 'c', labels: { pool: 'batch' } }, status: { conditions: [{ type: 'Ready', status: 'True' }] } },
      ],
    });
    const ctx = await checkContext({ kubeconfig: local.writeKubeconfig(dir, 'other') });
    try {
      const out = await runKind(kubernetesNodesReady, { labelSelector: 'pool=prod' }, ctx);
      expect(out.result).toMatchObject({ total: 2, ready: 1, notReady: 1, schedulable: 0 });
      expect(local.requests.some((r) => r.path === '/api/v1/nodes' && r.query.includes('labelSelector=pool%3Dprod'))).toBe(true);
    } finally {
      await ctx.dispose();
      await local.close();
    }
  });

  it('lists every node sorted by name with its roles, taints and the words a captain reads; cordoned and not-ready-tainted nodes are not schedulable', async () => {
    const node = (name: string, labels: Record<string, string>, ready: Record<string, string>, spec: Record<string, unknown> = {}): KubeObject =>
      ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { pool: 'prod', ...labels } }, spec, status: { conditions: [{ type: 'Ready', ...ready }] } }) as KubeObject;
    const local = await startKubeApiServer({
      objects: [
        node('w2', { 'node-role.kubernetes.io/worker': '' }, { status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }, {
          taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }],
        }),
        node('cp', { 'node-role.kubernetes.io/control-plane': '' }, { status: 'True', reason: 'KubeletReady' }, { unschedulable: true }),
        node('w1', {}, { status: 'False', reason: 'KubeletNotReady', message: 'PLEG is not healthy' }, {
          taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }],
        }),
        node('a3', {}, { status: 'True' }, { taints: [{ key: 'dedicated', effect: 'NoSchedule' }] }),
        // a node as bare as the API allows: no labels, no status, a taint without an effect
        { apiVersion: 'v1', kind: 'Node', metadata: { name: 'bare' }, spec: { taints: [{ key: 'x' }] } } as KubeObject,
      ],
    });
    const ctx = await checkContext({ kubeconfig: local.writeKubeconfig(dir, 'roles') });
    try {
      const out = await runKind(kubernetesNodesReady, { labelSelector: 'pool=prod', min: 3 }, ctx);
      expect(out.result).toMatchObject({ total: 4, ready: 3, notReady: 1, schedulable: 1, min: 3 });
      expect((out.result.nodes as { name: string; roles: string[]; taints: string[]; unschedulable: boolean }[]).map((n) => [n.name, n.roles, n.taints, n.unschedulable])).toEqual([
        ['a3', [], ['dedicated:NoSchedule'], false],
        ['cp', ['control-plane'], [], true],
        ['w1', [], ['node.kubernetes.io/not-ready:NoExecute'], false],
        ['w2', ['worker'], ['node.kubernetes.io/unreachable:NoSchedule'], false],
      ]);
      expect(out.summary).toBe('3/4 nodes Ready matching pool=prod (min 3), 1 schedulable');
      const lines = ctx.lines.map((l) => l.line);
      const from = lines.indexOf('GET /api/v1/nodes?limit=500&labelSelector=pool%3Dprod (pages joined by continue)');
      expect(from).toBeGreaterThanOrEqual(0);
      expect(lines.slice(from + 1)).toEqual([
        'Ready     a3  (Ready=True)',
        'Ready     cp  (Ready=True)  SchedulingDisabled — KubeletReady',
        'NotReady  w1  (Ready=False)  KubeletNotReady — PLEG is not healthy',
        'Ready     w2  (Ready=True)  KubeletReady',
        '3/4 nodes Ready matching pool=prod (min 3)',
      ]);
      expect(out.offending).toEqual([{ node: 'w1', status: 'False', reason: 'KubeletNotReady', message: 'PLEG is not healthy' }]);

      const none = await runKind(kubernetesNodesReady, { labelSelector: 'pool=gone' }, ctx);
      expect(none.result).toMatchObject({ total: 0, ready: 0, notReady: 0, schedulable: 0, min: 1 });
      expect(none.summary).toBe('no nodes matching pool=gone in context roles (min 1)');
      expect((await evaluateExpect(kubernetesNodesReady.defaultExpect, none.result)).ok).toBe(false);

      const all = await runKind(kubernetesNodesReady, {}, ctx);
      expect(all.result).toMatchObject({ total: 5, ready: 3 });
      expect((all.result.nodes as { name: string }[])[1]).toEqual({
        name: 'bare', ready: false, status: 'no Ready condition', reason: '', message: '', unschedulable: false, taints: ['x:'], roles: [],
      });
    } finally {
      await ctx.dispose();
      await local.close();
    }
  });

  it('describe() names the API call', () => {
    expect(kubernetesNodesReady.describe(kubernetesNodesReady.params.parse({ min: 5 }), {})).toBe('GET /api/v1/nodes?limit=500 (pages joined by continue)');
  });

  it('is an error (not a fail) when the token is rejected', async () => {
    const file = writeKubeconfig(dir, server.url, server.ca, 'wrong-token', 'prod', { fileName: 'bad-kubeconfig' });
    const ctx = await checkContext({ kubeconfig: file });
    const err = await runKind(kubernetesNodesReady, {}, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckError);
    expect((err as CheckError).message).toMatch(/credentials rejected.*401/);
    expect((err as CheckError).hint).toBe('your token or client certificate is invalid or expired: log in again (cloud CLI / OIDC) and check with `kubectl --context prod get --raw /version`');
    await ctx.dispose();
  });
});
