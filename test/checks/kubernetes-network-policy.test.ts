import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubernetesNetworkPolicy, type NamespaceFinding } from '../../src/checks/kubernetes-network-policy.js';
import { CheckError } from '../../src/checks/contract.js';
import { startKubeApiServer, type KubeApiOptions, type KubeApiServer, type KubeObject } from '../../src/demo/servers/kube-api.js';
import { runKind } from '../support/check-context-basic.js';
import { checkContext, fixturesDir, loadFixtureObjects } from '../support/check-context.js';
import { evaluateDefault } from '../support/expect-default.js';

const DIR = 'kubernetes-networkpolicy';
const files = readdirSync(path.join(fixturesDir, DIR)).filter((f) => f.endsWith('.yaml'));
const nsOf = (f: string) => f.replace(/\.yaml$/, '').replace(/[^a-z0-9-]/g, '-').slice(0, 60);

let server: KubeApiServer;
let dir: string;
let kubeconfig: string;

beforeAll(async () => {
  const objects: KubeObject[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'empty', labels: { team: 'detektor' } } }];
  for (const f of files) {
    for (const o of loadFixtureObjects(`${DIR}/${f}`)) objects.push({ ...o, metadata: { ...o.metadata, namespace: nsOf(f) } });
  }
  server = await startKubeApiServer({ objects });
  dir = mkdtempSync(path.join(os.tmpdir(), 'rt-netpol-'));
  kubeconfig = server.writeKubeconfig(dir, 'prod');
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function check(params: Record<string, unknown>, kc = kubeconfig) {
  const ctx = await checkContext({ kubeconfig: kc });
  try {
    const out = await runKind(kubernetesNetworkPolicy, params, ctx);
    return { out, ctx, findings: out.result.findings as NamespaceFinding[], pass: await evaluateDefault(kubernetesNetworkPolicy, out.result) };
  } finally {
    await ctx.dispose();
  }
}

/** [ingress default-deny?, egress default-deny?] for each real fixture */
const EXPECTED: Record<string, [boolean, boolean, RegExp?]> = {
  'ahmetb-03-default-deny-all.yaml': [true, false], // no policyTypes + ingress: [] → ingress deny (Egress not implied)
  'ahmetb-04-deny-from-other-namespaces.yaml': [false, false, /has 1 ingress rule/],
  'ahmetb-12-default-deny-all-egress.yaml': [false, true, /does not cover Ingress/],
  'k8s-website-network-policy-allow-all-ingress.yaml': [false, false, /ingress: \[\{\}\] — that ALLOWS all ingress/],
  'k8s-website-network-policy-default-deny-all.yaml': [true, true],
  'k8s-website-network-policy-default-deny-egress.yaml': [false, true],
  'k8s-website-network-policy-default-deny-ingress.yaml': [true, false],
  'k8s-website-networkpolicy.yaml': [false, false, /selects only some pods/],
};

describe('kubernetes.network-policy — static default-deny analysis of every fixture', () => {
  it('covers every fixture file', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...files].sort());
  });

  it.each(Object.entries(EXPECTED))('%s', async (file, [ingress, egress, reason]) => {
    const { out, findings, pass } = await check({ namespaces: [nsOf(file)], directions: ['ingress', 'egress'] });
    expect(findings.map((f) => [f.direction, f.defaultDeny])).toEqual([
      ['ingress', ingress],
      ['egress', egress],
    ]);
    if (reason) expect(findings[0]!.reason).toMatch(reason);
    expect(pass).toBe(ingress && egress);
    expect(out.result.lacking).toHaveLength(Number(!ingress) + Number(!egress));
  });

  it('the allow-all trap fails the ingress-only check while a real default-deny passes it', async () => {
    const trap = await check({ namespaces: [nsOf('k8s-website-network-policy-allow-all-ingress.yaml')] });
    expect(trap.pass).toBe(false);
    expect(trap.out.summary).toMatch(/^default-deny ingress in 0\/1 namespace — lacking: .* ingress$/);
    const ok = await check({ namespaces: [nsOf('ahmetb-03-default-deny-all.yaml')] });
    expect(ok.pass).toBe(true);
    expect(ok.findings[0]!.policy).toBe('default-deny-all');
  });

  it('names namespaces without policies and namespaces that do not exist', async () => {
    const { out, pass } = await check({ namespaces: ['empty', 'no-such-ns'] });
    expect(out.result.lacking).toEqual([
      { namespace: 'empty', direction: 'ingress', reason: 'no NetworkPolicy in the namespace' },
      { namespace: 'no-such-ns', direction: 'ingress', reason: 'namespace not found' },
    ]);
    expect(pass).toBe(false);
  });

  it('selects namespaces by label; an empty selection is inconclusive', async () => {
    const { out } = await check({ namespaceSelector: 'team=detektor' });
    expect(out.result.namespaces).toEqual(['empty']);
    const none = await check({ namespaceSelector: 'team=nobody' });
    expect(none.out.verdict).toBe('inconclusive');
  });

  it('refuses params without a scope, and is mutating only with a probe', () => {
    expect(kubernetesNetworkPolicy.params.safeParse({}).success).toBe(false);
    const plain = kubernetesNetworkPolicy.params.parse({ namespaces: ['a'] });
    expect(kubernetesNetworkPolicy.mutating!(plain)).toBe(false);
    const withProbe = kubernetesNetworkPolicy.params.parse({
      namespaces: ['a'],
      probe: { from: { namespace: 'b' }, allowedFrom: { namespace: 'a' }, target: { service: 's', namespace: 'a' } },
    });
    expect(kubernetesNetworkPolicy.mutating!(withProbe)).toBe(true);
    expect(kubernetesNetworkPolicy.describe(withProbe, {})).toMatch(/probe: create pod \(busybox:1\.36\) in a then in b/);
  });
});

// ------------------------------------------------------------------------------------------------- live probe

const DENY_ALL: KubeObject = loadFixtureObjects(`${DIR}/k8s-website-network-policy-default-deny-ingress.yaml`)[0]!;
const world = (probe: KubeApiOptions['probe']): KubeApiOptions => ({
  objects: [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'detektor' } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } },
    { ...DENY_ALL, metadata: { ...DENY_ALL.metadata, namespace: 'detektor' } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'detection-service', namespace: 'detektor' }, spec: { clusterIP: '10.96.20.10', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] } },
  ],
  probe: { runMs: 100, ...probe },
});
const PROBE = { from: { namespace: 'default' }, allowedFrom: { namespace: 'detektor' }, target: { service: 'detection-service', namespace: 'detektor' }, timeoutSeconds: 2, podTimeoutSeconds: 10 };

async function withWorld<T>(probe: KubeApiOptions['probe'], fn: (s: KubeApiServer, kc: string) => Promise<T>): Promise<T> {
  const s = await startKubeApiServer(world(probe));
  try {
    return await fn(s, s.writeKubeconfig(dir, 'probe'));
  } finally {
    await s.close();
  }
}

describe('kubernetes.network-policy — live probe', () => {
  it('positive control connects, the other namespace times out → isolated; both pods deleted', async () => {
    await withWorld({ rules: [{ from: 'default', to: 'detektor', outcome: 'timeout' }] }, async (s, kc) => {
      const { out, pass, ctx } = await check({ namespaces: ['detektor'], probe: PROBE }, kc);
      const probe = out.result.probe as { isolated: boolean; allowed: { result: string; namespace: string }; denied: { result: string; namespace: string } };
      expect(probe).toMatchObject({ isolated: true, allowed: { result: 'connected', namespace: 'detektor' }, denied: { result: 'timeout', namespace: 'default' } });
      expect(pass).toBe(true);
      expect(s.podsCreated).toHaveLength(2);
      expect([...s.podsDeleted].sort()).toEqual([...s.podsCreated].sort());
      expect(s.list('', 'pods')).toEqual([]);
      expect(s.podsCreated[0]).toMatch(/^detektor\/rt-probe-allowed-/); // positive control first
      expect(ctx.lines.some((l) => l.line.includes('wget: download timed out'))).toBe(true);
      // the probe used the ClusterIP, not DNS
      expect(ctx.lines.some((l) => l.line.includes('http://10.96.20.10:8080/'))).toBe(true);
    });
  });

  it('target.url (as the detektor checklist writes it) names the service; the probe still uses its ClusterIP', async () => {
    await withWorld({ rules: [{ from: 'default', to: 'detektor', outcome: 'timeout' }] }, async (_s, kc) => {
      const probe = { ...PROBE, target: { url: 'http://detection-service:8080', namespace: 'detektor' } };
      const { out, pass, ctx } = await check({ namespaces: ['detektor'], probe }, kc);
      expect((out.result.probe as { target: string }).target).toBe('detektor/detection-service');
      expect(pass).toBe(true);
      expect(ctx.lines.some((l) => l.line.includes('http://10.96.20.10:8080/'))).toBe(true);
    });
  });

  it('connection refused also counts as blocked', async () => {
    await withWorld({ rules: [{ from: 'default', to: 'detektor/detection-service', outcome: 'refused' }] }, async (_s, kc) => {
      const { out, pass } = await check({ namespaces: ['detektor'], probe: PROBE }, kc);
      expect((out.result.probe as { denied: { result: string } }).denied.result).toBe('refused');
      expect(pass).toBe(true);
    });
  });

  it('a pod in the denied namespace that connects → not isolated (fail), pods deleted', async () => {
    await withWorld({}, async (s, kc) => {
      const { out, pass } = await check({ namespaces: ['detektor'], probe: PROBE }, kc);
      expect((out.result.probe as { isolated: boolean }).isolated).toBe(false);
      expect(out.summary).toMatch(/CONNECTED \(not isolated\)/);
      expect(pass).toBe(false);
      expect(s.list('', 'pods')).toEqual([]);
    });
  });

  it('a failing positive control (image pull) is an error, not isolation; its pod is deleted', async () => {
    await withWorld({ rules: [{ from: 'detektor', to: '*', outcome: 'image-pull' }] }, async (s, kc) => {
      const err = await check({ namespaces: ['detektor'], probe: PROBE }, kc).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CheckError);
      expect((err as CheckError).message).toMatch(/positive control failed.*image/);
      expect((err as CheckError).hint).toMatch(/probe\.image/);
      expect(s.podsCreated).toHaveLength(1);
      expect(s.list('', 'pods')).toEqual([]);
    });
  });

  it('a DNS failure from the denied namespace is not proof of isolation → error', async () => {
    await withWorld({ rules: [{ from: 'default', to: '*', outcome: 'dns' }] }, async (s, kc) => {
      const err = await check({ namespaces: ['detektor'], probe: PROBE }, kc).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CheckError);
      expect((err as CheckError).message).toMatch(/wrong reason \(dns/);
      expect(s.list('', 'pods')).toEqual([]);
    });
  });

  it('no right to create pods in the denied namespace (403) → error naming the action; no pod left', async () => {
    const s = await startKubeApiServer({ ...world({ rules: [{ from: 'default', to: '*', outcome: 'timeout' }] }), forbid: /^POST \/api\/v1\/namespaces\/default\/pods$/ });
    try {
      const err = await check({ namespaces: ['detektor'], probe: PROBE }, s.writeKubeconfig(dir, 'rbac')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CheckError);
      expect((err as CheckError).message).toMatch(/^credentials rejected: user "rbac-user" may not create probe pod in default .*403 Forbidden/);
      expect(s.list('', 'pods')).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it('deletes probe pods left behind by an earlier run before starting', async () => {
    await withWorld({ rules: [{ from: 'default', to: '*', outcome: 'timeout' }] }, async (s, kc) => {
      s.put({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'rt-probe-denied-old', namespace: 'default', labels: { 'app.kubernetes.io/managed-by': 'readiness-tui', 'readiness-tui/probe': 'network-policy' } }, spec: { containers: [] } });
      s.put({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'someone-elses', namespace: 'default' }, spec: { containers: [] } });
      const { ctx } = await check({ namespaces: ['detektor'], probe: PROBE }, kc);
      expect(s.podsDeleted).toContain('default/rt-probe-denied-old');
      expect(s.list('', 'pods').map((p) => p.metadata?.name)).toEqual(['someone-elses']);
      expect(ctx.lines.some((l) => l.line.includes('removed leftover probe pod default/rt-probe-denied-old'))).toBe(true);
    });
  });

  it('cancel (ctx.signal) stops promptly and deletes the running probe pod', async () => {
    await withWorld({ runMs: 60_000 }, async (s, kc) => {
      const ctx = await checkContext({ kubeconfig: kc });
      const started = Date.now();
      const pending = runKind(kubernetesNetworkPolicy, { namespaces: ['detektor'], probe: PROBE }, ctx).catch((e: unknown) => e);
      while (s.podsCreated.length === 0) await new Promise((r) => setTimeout(r, 20));
      ctx.abort();
      const err = await pending;
      expect(err).toBeInstanceOf(CheckError);
      expect((err as CheckError).message).toMatch(/cancelled/);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(s.podsDeleted).toEqual(s.podsCreated);
      expect(s.list('', 'pods')).toEqual([]);
      await ctx.dispose();
    });
  });
});
