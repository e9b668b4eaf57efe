import { describe, expect, it } from 'vitest';
import { BIG_WORLD, generateWorld } from '../../../src/demo/servers/kube-world.js';

describe('the generated big world', () => {
  const { objects, expect: figures } = generateWorld();
  const count = (kind: string) => objects.filter((o) => o.kind === kind).length;

  it('has the sizes of the issue: 5,000 nodes, 2,000 namespaces, 4,000 policies, 1,000 VirtualServices × 5 routes, 20,000 Secrets, 5,000 ExternalSecrets', () => {
    expect(count('Node')).toBe(5000);
    expect(count('Namespace')).toBe(2000);
    expect(count('NetworkPolicy')).toBe(4000);
    expect(count('VirtualService')).toBe(1000);
    expect(objects.filter((o) => o.kind === 'VirtualService').every((o) => (o.spec as { http: unknown[] }).http.length === 5)).toBe(true);
    expect(count('Secret')).toBe(20000);
    expect(count('ExternalSecret')).toBe(5000);
    const owned = objects.filter((o) => o.kind === 'Secret' && (o.metadata?.ownerReferences ?? []).length > 0);
    expect(owned).toHaveLength(15000);
    expect(BIG_WORLD.nodes).toBe(5000);
  });

  it('its figures agree with its objects (~1 % of nodes NotReady)', () => {
    const notReady = objects.filter(
      (o) => o.kind === 'Node' && (o.status as { conditions: { type: string; status: string }[] }).conditions.some((c) => c.type === 'Ready' && c.status !== 'True'),
    ).length;
    expect(figures.nodes.total - figures.nodes.ready).toBe(notReady);
    expect(notReady).toBeGreaterThan(20);
    expect(notReady).toBeLessThan(100);
    expect(figures.secrets).toMatchObject({ all: 20000, managed: 15000, total: figures.secrets.managed + figures.secrets.unmanaged });
  });

  it('is the same world for the same seed, another for another seed', () => {
    expect(JSON.stringify(generateWorld(19).objects.slice(0, 200))).toBe(JSON.stringify(objects.slice(0, 200)));
    expect(generateWorld(20).expect.nodes.ready).not.toBe(undefined);
    expect(JSON.stringify(generateWorld(20).objects.slice(0, 200))).not.toBe(JSON.stringify(objects.slice(0, 200)));
  });
});
