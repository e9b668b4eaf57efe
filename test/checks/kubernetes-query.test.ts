import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubernetesQuery, sanitizeObject } from '../../src/checks/kubernetes-query.js';
import { CheckError } from '../../src/checks/contract.js';
import { startKubeApiServer, type KubeApiServer, type KubeObject } from '../../src/demo/servers/kube-api.js';
import { runKind } from '../support/check-context-basic.js';
import { checkContext, loadFixtureObjects } from '../support/check-context.js';
import { evaluateDefault } from '../support/expect-default.js';

const pod = (ns: string, name: string, labels: Record<string, string>, phase: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, labels, managedFields: [{ manager: 'kubectl' }] },
  spec: { containers: [{ name: 'app', image: 'detektor:1.4.2' }] },
  status: { phase },
});

let server: KubeApiServer;
let dir: string;
let kubeconfig: string;
beforeAll(async () => {
  const nodes = (loadFixtureObjects('kubernetes-nodes/sonobuoy-kind-3nodes-1notready.json')[0] as { items: KubeObject[] }).items;
  const vs = loadFixtureObjects('istio-virtualservice/bookinfo-virtual-service-all-v1.yaml').map((o) => ({ ...o, metadata: { ...o.metadata, namespace: 'bookinfo' } }));
  server = await startKubeApiServer({
    objects: [
      ...nodes,
      ...vs,
      pod('detektor', 'api-1', { app: 'detektor', tier: 'api' }, 'Running'),
      pod('detektor', 'api-2', { app: 'detektor', tier: 'api' }, 'Pending'),
      pod('detektor', 'worker-1', { app: 'detektor', tier: 'worker' }, 'Running'),
      pod('other', 'x', { app: 'other' }, 'Running'),
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'detektor' }, spec: { replicas: 3 }, status: { readyReplicas: 2 } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'detektor' }, type: 'Opaque', data: { token: Buffer.from('hunter2-' + Date.now()).toString('base64') } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'detektor' }, data: { level: 'debug' } },
      ...Array.from({ length: 52 }, (_, i): KubeObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: `sa-${String(i).padStart(2, '0')}`, namespace: 'many' } })),
    ],
  });
  dir = mkdtempSync(path.join(os.tmpdir(), 'rt-query-'));
  kubeconfig = server.writeKubeconfig(dir, 'prod');
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function query(params: Record<string, unknown>) {
  const ctx = await checkContext({ kubeconfig });
  try {
    const out = await runKind(kubernetesQuery, params, ctx);
    return { out, lines: ctx.lines.map((l) => l.line) };
  } finally {
    await ctx.dispose();
  }
}

describe('kubernetes.query', () => {
  it('lists core pods with label and field selectors in a namespace', async () => {
    const { out } = await query({ resource: 'po', namespace: 'detektor', labelSelector: 'app=detektor,tier in (api)', fieldSelector: 'status.phase=Running' });
    expect(out.result).toMatchObject({ apiVersion: 'v1', kind: 'Pod', resource: 'pods', namespaced: true, count: 1 });
    const items = out.result.items as { metadata: { name: string; managedFields?: unknown } }[];
    expect(items.map((i) => i.metadata.name)).toEqual(['api-1']);
    expect(items[0]!.metadata.managedFields).toBeUndefined();
    expect(await evaluateDefault(kubernetesQuery, out.result)).toBe(true);
    expect(server.requests.some((r) => r.path === '/api/v1/namespaces/detektor/pods' && r.query.includes('fieldSelector=status.phase%3DRunning'))).toBe(true);
  });

  it('lets the user\'s expect judge the items (deployments, by kind name)', async () => {
    const { out } = await query({ apiVersion: 'apps/v1', resource: 'Deployment', namespace: 'detektor' });
    expect(out.result.count).toBe(1);
    expect(await evaluateDefault(kubernetesQuery, out.result, '$count(items[status.readyReplicas != spec.replicas]) = 0')).toBe(false);
  });

  it('lists custom resources across namespaces and cluster-scoped nodes', async () => {
    const vs = await query({ apiVersion: 'networking.istio.io/v1', resource: 'virtualservices' });
    expect(vs.out.result).toMatchObject({ kind: 'VirtualService', count: 4 });
    const nodes = await query({ resource: 'nodes', namespace: 'ignored-for-cluster-scope' });
    expect(nodes.out.result).toMatchObject({ namespaced: false, count: 3 });
    expect(await evaluateDefault(kubernetesQuery, nodes.out.result, "$count(items[status.conditions[type='Ready' and status='True']])")).toBe(2);
  });

  it('an empty result fails the default expectation', async () => {
    const { out } = await query({ resource: 'pods', labelSelector: 'app=nothing' });
    expect(out.result.count).toBe(0);
    expect(await evaluateDefault(kubernetesQuery, out.result)).toBe(false);
  });

  it('redacts Secret values', async () => {
    const { out, lines } = await query({ resource: 'secrets', namespace: 'detektor' });
    expect((out.result.items as { data: Record<string, string> }[])[0]!.data).toEqual({ token: '<redacted>' });
    expect(JSON.stringify(out) + lines.join('\n')).not.toMatch(/aHVudGVyM/);
  });

  it('says what it listed: summary, measured, each item with apiVersion and kind, the scope of the request', async () => {
    const { out, lines } = await query({ resource: 'pod', namespace: 'detektor', labelSelector: 'tier=api', fieldSelector: 'status.phase=Pending' });
    expect(out.summary).toBe('1 pods in detektor matching labelSelector=tier=api&fieldSelector=status.phase=Pending');
    expect(out.measured).toBe('1 pods');
    expect((out.result.items as { apiVersion: string; kind: string }[]).map((i) => [i.apiVersion, i.kind])).toEqual([['v1', 'Pod']]);
    expect(lines).toContain('GET /api/v1/namespaces/detektor/pods?labelSelector=tier=api&fieldSelector=status.phase=Pending&limit=500 (pages joined by continue)');
    expect(lines).toContain('  detektor/api-2');
    const all = await query({ resource: 'Pod', labelSelector: 'app=detektor' });
    expect(all.out.summary).toBe('3 pods in all namespaces matching labelSelector=app=detektor');
    expect(all.lines).toContain('GET /api/v1/pods?labelSelector=app=detektor&limit=500 (pages joined by continue)');
    const deploy = await query({ apiVersion: 'apps/v1', resource: 'deploy', namespace: 'detektor' });
    expect(deploy.out.result).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment', resource: 'deployments', namespaced: true, count: 1 });
    expect(deploy.out.summary).toBe('1 deployments in detektor');
    expect(deploy.lines).toContain('GET /apis/apps/v1/namespaces/detektor/deployments?limit=500 (pages joined by continue)');
    const nodes = await query({ resource: 'node', namespace: 'kube-system' });
    expect(nodes.out.summary).toBe('3 nodes');
    expect(nodes.lines).toContain('nodes are cluster-scoped: namespace kube-system is ignored');
    expect(nodes.lines).toContain('GET /api/v1/nodes?limit=500 (pages joined by continue)');
    expect((nodes.out.result.items as { apiVersion: string; kind: string }[]).every((i) => i.apiVersion === 'v1' && i.kind === 'Node')).toBe(true);
    expect(nodes.lines.filter((l) => /^ {2}\S/.test(l))).toHaveLength(3);
    expect(nodes.lines.filter((l) => /^ {2}\S/.test(l)).every((l) => !l.includes('/'))).toBe(true);
  });

  it('echoes at most 50 items and counts the rest', async () => {
    const { out, lines } = await query({ resource: 'sa', namespace: 'many' });
    expect(out.result.count).toBe(52);
    const echoed = lines.filter((l) => l.startsWith('  many/'));
    expect(echoed).toHaveLength(50);
    expect(echoed[49]).toBe('  many/sa-49');
    expect(lines).toContain('  … and 2 more');
    const fifty = await query({ resource: 'serviceaccounts', namespace: 'many', fieldSelector: 'metadata.name!=sa-51' });
    expect(fifty.out.result.count).toBe(51);
    expect(fifty.lines).toContain('  … and 1 more');
  });

  it('keeps the values of other kinds; drops managedFields; masks the last-applied annotation and Secret stringData', async () => {
    const { out } = await query({ resource: 'cm', namespace: 'detektor' });
    expect((out.result.items as { data: Record<string, string> }[])[0]!.data).toEqual({ level: 'debug' });
    const applied = { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"token":"aHVudGVy"}}', team: 'a' };
    expect(sanitizeObject({ kind: 'Secret', metadata: { name: 's', managedFields: [{}], annotations: applied }, data: { token: 'aHVudGVy' }, stringData: { pw: 'hunter' }, type: 'Opaque' }, 'Secret')).toEqual({
      kind: 'Secret',
      metadata: { name: 's', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '<redacted>', team: 'a' } },
      data: { token: '<redacted>' },
      stringData: { pw: '<redacted>' },
      type: 'Opaque',
    });
    expect(sanitizeObject({ metadata: { name: 'c', annotations: { team: 'a' } }, data: { k: 'v' } }, 'ConfigMap')).toEqual({ metadata: { name: 'c', annotations: { team: 'a' } }, data: { k: 'v' } });
    expect(sanitizeObject({ metadata: 'odd', data: 'not-a-map' }, 'Secret')).toEqual({ metadata: 'odd', data: 'not-a-map' });
  });

  it('an unknown resource is an error that lists what exists; an unserved group too', async () => {
    const e1 = await query({ apiVersion: 'apps/v1', resource: 'gizmos' }).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(CheckError);
    expect((e1 as CheckError).message).toBe('apps/v1 has no resource "gizmos"');
    expect((e1 as CheckError).hint).toBe('resources of apps/v1: DaemonSet, Deployment, ReplicaSet, StatefulSet');
    const e2 = await query({ apiVersion: 'monitoring.coreos.com/v1', resource: 'prometheusrules' }).catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(CheckError);
    expect((e2 as CheckError).message).toBe('the API server does not serve monitoring.coreos.com/v1');
    expect((e2 as CheckError).hint).toBe('check the apiVersion (kubectl api-versions) in context prod');
    const e3 = await query({ resource: 'log' }).catch((e: unknown) => e);
    expect((e3 as CheckError).message).toBe('v1 has no resource "log"');
  });
});
