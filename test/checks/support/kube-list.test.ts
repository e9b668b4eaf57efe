import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubernetesNodesReady } from '../../../src/checks/kubernetes-nodes-ready.js';
import { kubernetesNetworkPolicy } from '../../../src/checks/kubernetes-network-policy.js';
import { mapBounded } from '../../../src/checks/support/kube-list.js';
import { startKubeApiServer, type KubeApiRequest, type KubeApiServer } from '../../../src/demo/servers/kube-api.js';
import { generateWorld, WORLD_NAMESPACE_SELECTOR } from '../../../src/demo/servers/kube-world.js';
import { runKind } from '../../support/check-context-basic.js';
import { checkContext } from '../../support/check-context.js';

// 1,201 nodes: three pages of at most 500; 60 namespaces with 120 NetworkPolicies
const world = generateWorld(7, { nodes: 1201, namespaces: 60, virtualServices: 0, routesPerVirtualService: 0, externalSecrets: 0, secretsPerExternalSecret: 0, otherSecrets: 0 });

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rt-kube-list-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function withServer<T>(onRequest: ((r: KubeApiRequest, s: KubeApiServer) => void) | undefined, fn: (s: KubeApiServer, kubeconfig: string) => Promise<T>): Promise<T> {
  const server = await startKubeApiServer({ objects: world.objects, onRequest });
  try {
    return await fn(server, server.writeKubeconfig(mkdtempSync(path.join(dir, 'kc-')), 'big'));
  } finally {
    await server.close();
  }
}

async function nodesReady(kubeconfig: string) {
  const ctx = await checkContext({ kubeconfig });
  try {
    return await runKind(kubernetesNodesReady, { min: 1 }, ctx);
  } finally {
    await ctx.dispose();
  }
}

const nodeLists = (s: KubeApiServer) => s.requests.filter((r) => r.path === '/api/v1/nodes').map((r) => new URLSearchParams(r.query));

describe('listAll: lists the way kubectl --chunk-size=500 does', () => {
  it('reads 1,201 nodes in three pages of at most 500 joined by continue, never unpaginated', async () => {
    await withServer(undefined, async (server, kubeconfig) => {
      const out = await nodesReady(kubeconfig);
      expect(out.result).toMatchObject({ total: 1201, ready: world.expect.nodes.ready });
      const lists = nodeLists(server);
      expect(lists.map((q) => q.get('limit'))).toEqual(['500', '500', '500']);
      expect(lists.map((q) => q.has('continue'))).toEqual([false, true, true]);
      expect(server.unpaginatedLists()).toEqual([]);
    });
  });

  it('an expired continue token (410 Gone) restarts the list once from the start', async () => {
    let compacted = false;
    const compactOnce = (r: KubeApiRequest, s: KubeApiServer) => {
      if (!compacted && r.path === '/api/v1/nodes' && r.query.includes('continue=')) {
        compacted = true;
        s.compact();
      }
    };
    await withServer(compactOnce, async (server, kubeconfig) => {
      const out = await nodesReady(kubeconfig);
      expect(out.result).toMatchObject({ total: 1201, ready: world.expect.nodes.ready });
      // page 1, page 2 → 410, then the whole list again: page 1, 2, 3
      expect(nodeLists(server).map((q) => q.has('continue'))).toEqual([false, true, false, true, true]);
    });
  });

  it('a second expiry is a clear error, not a partial count', async () => {
    const compactAlways = (r: KubeApiRequest, s: KubeApiServer) => {
      if (r.path === '/api/v1/nodes' && r.query.includes('continue=')) s.compact();
    };
    await withServer(compactAlways, async (server, kubeconfig) => {
      const err = (await nodesReady(kubeconfig).catch((e: unknown) => e)) as Error & { hint?: string };
      expect(err.message).toBe(
        `could not list nodes at ${server.url}: the list expired twice while it was being read (410 Gone — the continue token was too old)`,
      );
      expect(err.hint).toMatch(/run the check again, or narrow it/);
      expect(nodeLists(server)).toHaveLength(4);
    });
  });

  it('network-policy by namespaceSelector lists policies across all namespaces, not once per namespace', async () => {
    await withServer(undefined, async (server, kubeconfig) => {
      const ctx = await checkContext({ kubeconfig });
      try {
        const out = await runKind(kubernetesNetworkPolicy, { namespaceSelector: WORLD_NAMESPACE_SELECTOR }, ctx);
        expect(out.result).toMatchObject({ total: 60, compliant: 60 - world.expect.networkPolicies.lacking });
      } finally {
        await ctx.dispose();
      }
      const paths = server.requests.filter((r) => r.method === 'GET' && /networkpolicies|\/namespaces$/.test(r.path)).map((r) => r.path);
      expect(paths).toEqual(['/api/v1/namespaces', '/apis/networking.k8s.io/v1/networkpolicies']);
      expect(server.unpaginatedLists()).toEqual([]);
    });
  });
});

describe('mapBounded', () => {
  it('keeps at most `limit` calls in flight and returns results in input order', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapBounded(
      Array.from({ length: 30 }, (_, i) => i),
      async (i) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise<void>((r) => setImmediate(r));
        inFlight--;
        return i * 2;
      },
      4,
    );
    expect(out).toEqual(Array.from({ length: 30 }, (_, i) => i * 2));
    expect(most).toBe(4);
  });
});
