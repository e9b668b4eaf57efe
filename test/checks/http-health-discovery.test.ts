/** http.health targets discovered from annotated Services, read through @kubernetes/client-node from the loopback kube API. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { httpHealth, targetsFromServices } from '../../src/checks/http-health.js';

type ServiceLike = Parameters<typeof targetsFromServices>[0][number];
import { startHealthServer, type HealthServer } from '../../src/demo/servers/health.js';
import { startKubeApiServer, type KubeApiServer, type KubeObject } from '../../src/demo/servers/kube-api.js';
import { checkContext } from '../support/check-context.js';
import { runKind } from '../support/check-context-basic.js';

let health: HealthServer;
let kube: KubeApiServer;
let dir: string;

const svc = (ns: string, name: string, annotations: Record<string, string> | undefined, ports = [{ name: 'http', port: 8080 }]): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: ns, labels: { app: name }, ...(annotations ? { annotations } : {}) },
  spec: { ports },
});

beforeAll(async () => {
  health = await startHealthServer([{ path: '/health' }, { path: '/dead', hang: true }]);
  kube = await startKubeApiServer({
    objects: [
      svc('detektor', 'detection-service', { 'readiness.io/health-url': `${health.url}/health` }),
      svc('detektor', 'detection-worker', { 'readiness.io/health-url': `${health.url}/dead` }),
      svc('detektor', 'postgres', undefined),
      svc('other', 'billing', { 'readiness.io/health-url': `${health.url}/health` }),
    ],
  });
  dir = await mkdtemp(path.join(os.tmpdir(), 'rt-hh-'));
});
afterAll(async () => {
  await health.close();
  await kube.close();
  await rm(dir, { recursive: true, force: true });
});

describe('http.health discovery from Kubernetes Services', () => {
  it('probes every annotated Service of the namespace, next to the static targets', async () => {
    const ctx = await checkContext({ kubeconfig: kube.writeKubeconfig(dir) });
    const out = await runKind(
      httpHealth,
      // budget and timeout far above a loopback answer: the same verdict on a loaded machine
      { samples: 2, intervalMs: 0, budgetMs: 60_000, requestTimeoutMs: 1500, discover: { namespaces: ['detektor'] }, targets: [{ name: 'static', url: `${health.url}/health` }] },
      ctx,
    );
    const r = out.result as { discovered: number; failing: string[]; targets: { name: string; answered: number }[] };
    // the static target has the same URL as detection-service's annotation: probed once
    expect(r.discovered).toBe(2);
    expect(r.targets.map((t) => [t.name, t.answered])).toEqual([
      ['static', 2],
      ['detektor/detection-worker', 0],
    ]);
    expect(r.failing).toEqual(['detektor/detection-worker']);
    expect(kube.requests.some((q) => q.path === '/api/v1/namespaces/detektor/services')).toBe(true);
    expect(ctx.lines.some((l) => /discovered detektor\/detection-service →/.test(l.line))).toBe(true);
    await ctx.dispose();
  });

  it('nothing annotated → inconclusive; an unreachable cluster → error', async () => {
    const ctx = await checkContext({ kubeconfig: kube.writeKubeconfig(dir) });
    const none = await runKind(httpHealth, { discover: { namespaces: ['other'], labelSelector: 'app=nothing' } }, ctx);
    expect(none.verdict).toBe('inconclusive');
    expect(none).toMatchObject({
      result: { budgetMs: 1000, samples: 5, targets: [], allOk: false, failing: [], maxLatencyMs: null, discovered: 0, evidenceFile: null },
      summary: 'no health endpoint to probe: no Service carries readiness.io/health-url or readiness.io/health-path',
      measured: '0 targets',
      threshold: 'every response < 1000 ms',
    });
    await ctx.dispose();
    const dead = await startKubeApiServer({});
    const kc = dead.writeKubeconfig(dir, 'gone');
    await dead.close();
    const ctx2 = await checkContext({ kubeconfig: kc });
    await expect(runKind(httpHealth, { discover: {} }, ctx2)).rejects.toThrow(/API server unreachable at https:\/\/127.0.0.1:\d+ \(ECONNREFUSED\) while trying to list services in all namespaces/);
    await ctx2.dispose();
  });

  it('builds in-cluster URLs from the path and port annotations', () => {
    const d = httpHealth.params.parse({ discover: { clusterDomain: 'svc.cluster.local' } }).discover!;
    const { targets, skipped } = targetsFromServices(
      [
        svc('detektor', 'api', { 'readiness.io/health-path': 'healthz' }),
        svc('detektor', 'grpc', { 'readiness.io/health-path': '/ready', 'readiness.io/health-port': 'metrics' }, [
          { name: 'grpc', port: 9000 },
          { name: 'metrics', port: 9090 },
        ]),
        svc('detektor', 'bad', { 'readiness.io/health-path': '/x', 'readiness.io/health-port': 'nope' }),
      ],
      d,
    );
    expect(targets.map((t) => t.url)).toEqual(['http://api.detektor.svc.cluster.local:8080/healthz', 'http://grpc.detektor.svc.cluster.local:9090/ready']);
    expect(skipped).toEqual(['detektor/bad: no port nope in spec.ports']);
    expect(httpHealth.params.safeParse({}).success).toBe(false);
  });

  it('targetsFromServices: which Services become targets, with what URL, name and expected status', () => {
    const d = httpHealth.params.parse({ discover: { scheme: 'https', expectStatus: [200, 204] } }).discover!;
    const noNamespace: ServiceLike = { spec: { ports: [{ port: 8443 }] }, metadata: { name: 'nons', annotations: { 'readiness.io/health-path': '' } } };
    const noName: ServiceLike = { metadata: { annotations: { 'readiness.io/health-url': 'http://x/h' } } };
    const { targets, skipped } = targetsFromServices(
      [
        noNamespace,
        noName,
        svc('a', 'both', { 'readiness.io/health-url': 'http://lb.example/h', 'readiness.io/health-path': '/ignored' }),
        svc('a', 'by-number', { 'readiness.io/health-path': '/n', 'readiness.io/health-port': '9090' }, [
          { name: 'x', port: 80 },
          { name: 'y', port: 9090 },
        ]),
        svc('a', 'no-ports', { 'readiness.io/health-path': '/p' }, []),
        svc('a', 'plain', undefined),
        { metadata: { name: 'null-annotations', namespace: 'a', annotations: null } },
        svc('a', 'other-annotation', { 'example.com/x': '1' }),
      ],
      d,
    );
    const target = (name: string, url: string) => ({ name, url, method: 'GET', headers: {}, secretHeaders: {}, expectStatus: [200, 204] });
    expect(targets).toStrictEqual([
      target('default/nons', 'https://nons.default.svc:8443/'),
      target('default/?', 'http://x/h'),
      target('a/both', 'http://lb.example/h'),
      target('a/by-number', 'https://by-number.a.svc:9090/n'),
    ]);
    expect(skipped).toEqual(['a/no-ports: no port in spec.ports']);
    // without discover.expectStatus the target has none (2xx by default)
    const plain = targetsFromServices([svc('a', 'u', { 'readiness.io/health-url': 'http://u/h' })], httpHealth.params.parse({ discover: {} }).discover!);
    expect(plain.targets).toStrictEqual([{ name: 'a/u', url: 'http://u/h', method: 'GET', headers: {}, secretHeaders: {} }]);
  });
});
