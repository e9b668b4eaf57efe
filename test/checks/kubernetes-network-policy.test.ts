import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseNamespace, isEmptySelector, kubernetesNetworkPolicy, policyTypes, probeTarget, whyNotDeny, type NamespaceFinding } from '../../src/checks/kubernetes-network-policy.js';
import { CheckError } from '../../src/checks/contract.js';
import { startKubeApiServer, writeKubeconfig, type KubeApiOptions, type KubeApiServer, type KubeObject } from '../../src/demo/servers/kube-api.js';
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

/** a directory of its own for a test server's kubeconfig (writeKubeconfig names the file "kubeconfig") */
const ownDir = () => mkdtempSync(path.join(dir, 'kc-'));

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

  it('gives the reason of every namespace × direction pair word for word', async () => {
    const reasons: Record<string, [string, string]> = {
      'ahmetb-03-default-deny-all.yaml': ['default-deny ingress by policy default-deny-all', 'no default-deny egress: policy default-deny-all does not cover Egress (policyTypes: Ingress)'],
      'ahmetb-04-deny-from-other-namespaces.yaml': [
        'no default-deny ingress: policy deny-from-other-namespaces has 1 ingress rule (allows some traffic; a default-deny has none)',
        'no default-deny egress: policy deny-from-other-namespaces does not cover Egress (policyTypes: Ingress)',
      ],
      'ahmetb-12-default-deny-all-egress.yaml': ['no default-deny ingress: policy default-deny-all-egress does not cover Ingress (policyTypes: Egress)', 'default-deny egress by policy default-deny-all-egress'],
      'k8s-website-network-policy-allow-all-ingress.yaml': [
        'no default-deny ingress: policy allow-all-ingress has ingress: [{}] — that ALLOWS all ingress traffic',
        'no default-deny egress: policy allow-all-ingress does not cover Egress (policyTypes: Ingress)',
      ],
      'k8s-website-network-policy-default-deny-all.yaml': ['default-deny ingress by policy default-deny-all', 'default-deny egress by policy default-deny-all'],
      'k8s-website-network-policy-default-deny-egress.yaml': ['no default-deny ingress: policy default-deny-egress does not cover Ingress (policyTypes: Egress)', 'default-deny egress by policy default-deny-egress'],
      'k8s-website-network-policy-default-deny-ingress.yaml': ['default-deny ingress by policy default-deny-ingress', 'no default-deny egress: policy default-deny-ingress does not cover Egress (policyTypes: Ingress)'],
      'k8s-website-networkpolicy.yaml': [
        'no default-deny ingress: policy test-network-policy selects only some pods (podSelector is not empty)',
        'no default-deny egress: policy test-network-policy selects only some pods (podSelector is not empty)',
      ],
    };
    expect(Object.keys(reasons).sort()).toEqual([...files].sort());
    for (const [file, [ingress, egress]] of Object.entries(reasons)) {
      const { findings } = await check({ namespaces: [nsOf(file)], directions: ['ingress', 'egress'] });
      expect(findings.map((f) => f.reason)).toEqual([ingress, egress]);
      expect(findings.map((f) => f.policy)).toEqual([
        ingress.startsWith('default-deny') ? ingress.replace(/^.* by policy /, '') : null,
        egress.startsWith('default-deny') ? egress.replace(/^.* by policy /, '') : null,
      ]);
    }
  });

  it('two directions over two namespaces: summary, measured, threshold and offenders name every lacking pair', async () => {
    const deny = nsOf('ahmetb-03-default-deny-all.yaml');
    const { out, ctx } = await check({ namespaces: [deny, 'empty'], directions: ['ingress', 'egress'] });
    expect(out.result).toMatchObject({ namespaces: [deny, 'empty'], total: 4, compliant: 1, probe: null });
    expect(out.summary).toBe(`default-deny ingress+egress: 1/4 namespace×direction pairs (2 namespaces) — lacking: ${deny} egress, empty ingress, empty egress`);
    expect(out.measured).toBe('3 lacking default-deny');
    expect(out.threshold).toBe('default-deny ingress+egress in every namespace');
    expect(out.offending).toEqual([
      { namespace: deny, direction: 'egress', reason: 'no default-deny egress: policy default-deny-all does not cover Egress (policyTypes: Ingress)' },
      { namespace: 'empty', direction: 'ingress', reason: 'no NetworkPolicy in the namespace' },
      { namespace: 'empty', direction: 'egress', reason: 'no NetworkPolicy in the namespace' },
    ]);
    expect(ctx.lines.map((l) => l.line).filter((l) => /^(ok|MISSING)/.test(l))).toEqual([
      `ok       ${deny} ingress: default-deny ingress by policy default-deny-all`,
      `MISSING  ${deny} egress: no default-deny egress: policy default-deny-all does not cover Egress (policyTypes: Ingress)`,
      'MISSING  empty ingress: no NetworkPolicy in the namespace',
      'MISSING  empty egress: no NetworkPolicy in the namespace',
    ]);
    const one = await check({ namespaces: [deny] });
    expect(one.out.summary).toBe('default-deny ingress in 1/1 namespace');
    expect(one.out.offending).toEqual([]);
    const two = await check({ namespaces: [deny, deny, 'empty'] });
    expect(two.out.summary).toBe('default-deny ingress in 1/2 namespaces — lacking: empty ingress');
    const pair = await check({ namespaces: [deny], directions: ['ingress', 'egress'] });
    expect(pair.out.summary).toMatch(/^default-deny ingress\+egress: 1\/2 namespace×direction pairs \(1 namespace\) — /);
  });

  it('a namespace that does not exist is named on stderr and lacks every direction', async () => {
    const { out, ctx } = await check({ namespaces: ['no-such-ns'], directions: ['ingress', 'egress'] });
    expect(out.result.findings).toEqual([
      { namespace: 'no-such-ns', direction: 'ingress', defaultDeny: false, policy: null, reason: 'namespace not found' },
      { namespace: 'no-such-ns', direction: 'egress', defaultDeny: false, policy: null, reason: 'namespace not found' },
    ]);
    expect(ctx.lines).toContainEqual({ line: 'namespace no-such-ns: not found', stream: 'stderr' });
  });

  it('a selector joins the listed namespaces and groups the policies of all namespaces by namespace', async () => {
    const pol = (namespace: string, name: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec });
    const s = await startKubeApiServer({
      objects: [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'b-team', labels: { team: 'x' } } },
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a-team', labels: { team: 'x' } } },
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'listed' } },
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'outside' } },
        pol('a-team', 'allow-web', { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }, { from: [{ namespaceSelector: {} }] }] }),
        pol('a-team', 'deny', { podSelector: {}, policyTypes: ['Ingress'] }),
        pol('b-team', 'allow-web', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{}] }),
        pol('b-team', 'only-egress', { podSelector: {}, policyTypes: ['Egress'] }),
        pol('outside', 'deny', { podSelector: {}, policyTypes: ['Ingress'] }),
      ],
    });
    try {
      const { out, ctx } = await check({ namespaceSelector: 'team=x', namespaces: ['listed'] }, s.writeKubeconfig(ownDir(), 'selector'));
      expect(out.result.namespaces).toEqual(['a-team', 'b-team', 'listed']);
      expect(out.result.findings).toEqual([
        { namespace: 'a-team', direction: 'ingress', defaultDeny: true, policy: 'deny', reason: 'default-deny ingress by policy deny' },
        {
          namespace: 'b-team',
          direction: 'ingress',
          defaultDeny: false,
          policy: null,
          reason: 'no default-deny ingress: policy allow-web selects only some pods (podSelector is not empty); policy only-egress does not cover Ingress (policyTypes: Egress)',
        },
        { namespace: 'listed', direction: 'ingress', defaultDeny: false, policy: null, reason: 'no NetworkPolicy in the namespace' },
      ]);
      expect(ctx.lines.map((l) => l.line)).toContain('GET /api/v1/namespaces?labelSelector=team=x&limit=500');
      expect(ctx.lines.map((l) => l.line)).toContain('GET /apis/networking.k8s.io/v1/networkpolicies?limit=500 (all namespaces)');
      expect(s.requests.filter((r) => r.path.endsWith('/networkpolicies')).map((r) => r.path)).toEqual(['/apis/networking.k8s.io/v1/networkpolicies']);
      const none = await check({ namespaceSelector: 'team=nobody' }, s.writeKubeconfig(ownDir(), 'selector'));
      expect(none.out).toEqual({
        result: { namespaces: [], total: 0, compliant: 0, findings: [], lacking: [], probe: null },
        summary: 'no namespace matches team=nobody — nothing to judge',
        verdict: 'inconclusive',
      });
    } finally {
      await s.close();
    }
  });

  it('no right to read a namespace (403) still lists its policies; rejected credentials are an error', async () => {
    const s = await startKubeApiServer({ objects: [{ ...DENY_ALL, metadata: { ...DENY_ALL.metadata, namespace: 'detektor' } }], forbid: /^GET \/api\/v1\/namespaces\/detektor$/ });
    try {
      const { out } = await check({ namespaces: ['detektor'] }, s.writeKubeconfig(ownDir(), 'no-ns-read'));
      expect(out.result.findings).toEqual([{ namespace: 'detektor', direction: 'ingress', defaultDeny: true, policy: 'default-deny-ingress', reason: 'default-deny ingress by policy default-deny-ingress' }]);
      const bad = writeKubeconfig(dir, s.url, s.ca, 'bad-token', 'prod', { fileName: 'np-bad.json' });
      const err = await check({ namespaces: ['detektor'] }, bad).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CheckError);
      expect((err as CheckError).message).toBe(`credentials rejected by the API server at ${s.url} (context prod) while trying to read namespace detektor (401 Unauthorized)`);
    } finally {
      await s.close();
    }
  });

  it('the verdict rules one by one: empty selectors, implied policyTypes, rule counts, unnamed policies', () => {
    expect(isEmptySelector(undefined)).toBe(true);
    expect(isEmptySelector(null)).toBe(true);
    expect(isEmptySelector({ matchLabels: null, matchExpressions: null })).toBe(true);
    expect(isEmptySelector({ matchLabels: {}, matchExpressions: [] })).toBe(true);
    expect(isEmptySelector({ matchLabels: { app: 'web' } })).toBe(false);
    expect(isEmptySelector({ matchExpressions: [{ key: 'app', operator: 'Exists' }] })).toBe(false);

    expect(policyTypes({ spec: { policyTypes: ['Egress'] } })).toEqual(['Egress']);
    expect(policyTypes({ spec: { policyTypes: [], egress: [] } })).toEqual(['Ingress', 'Egress']);
    expect(policyTypes({ spec: { policyTypes: null, ingress: [] } })).toEqual(['Ingress']);
    expect(policyTypes({})).toEqual(['Ingress']);

    expect(whyNotDeny({ spec: { podSelector: {} } }, 'ingress')).toBeUndefined();
    expect(whyNotDeny({ metadata: { name: 'no-spec' } }, 'ingress')).toBeUndefined();
    expect(whyNotDeny({ spec: { podSelector: {}, egress: null } }, 'egress')).toBe('policy (unnamed) does not cover Egress (policyTypes: Ingress)');
    expect(whyNotDeny({ spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [] }, { ports: [] }] } }, 'egress')).toBe(
      'policy (unnamed) has 2 egress rules (allows some traffic; a default-deny has none)',
    );
    expect(whyNotDeny({ metadata: { name: 'open' }, spec: { podSelector: {}, egress: [{ to: [] }, {}] } }, 'egress')).toBe('policy open has egress: [{}] — that ALLOWS all egress traffic');
    expect(whyNotDeny({ metadata: { name: 'p' }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [] } }, 'egress')).toBeUndefined();

    const unnamed = { spec: { podSelector: {} } };
    expect(analyseNamespace('ns', [{ metadata: { name: 'open' }, spec: { podSelector: {}, ingress: [{}] } }, unnamed], ['ingress'])).toEqual([
      { namespace: 'ns', direction: 'ingress', defaultDeny: true, policy: null, reason: 'default-deny ingress by policy undefined' },
    ]);
  });

  it('a probe target given as a URL names its service, namespace and port', () => {
    expect(probeTarget({ service: 'svc', namespace: 'ns', url: 'http://other.elsewhere:1' })).toEqual({ service: 'svc', namespace: 'ns', port: undefined });
    expect(probeTarget({ url: 'http://detection-service.detektor.svc.cluster.local:8080/health', namespace: 'ns' })).toEqual({ service: 'detection-service', namespace: 'detektor', port: 8080 });
    expect(probeTarget({ url: 'HTTPS://api:9443', namespace: 'ns', port: 443 })).toEqual({ service: 'api', namespace: 'ns', port: 443 });
    expect(probeTarget({ url: 'api', namespace: 'ns' })).toEqual({ service: 'api', namespace: 'ns', port: undefined });
    // service.namespace: two parts name both
    expect(probeTarget({ url: 'http://svc.team:8080', namespace: 'ns' })).toEqual({ service: 'svc', namespace: 'team', port: 8080 });
    expect(probeTarget({ url: 'http://svc:8080?x=1', namespace: 'ns' })).toEqual({ service: 'svc', namespace: 'ns', port: 8080 });
    // no host, or a scheme the probe (wget over http) does not speak, or a port that is no number
    for (const url of [':8080', 'http://:8080', 'https:///health', 'ftp://svc:21', 'xhttp://svc', 'http://svc:http/']) {
      const err = (() => {
        try {
          return probeTarget({ url, namespace: 'ns' });
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(CheckError);
      expect((err as CheckError).message).toBe(`probe.target.url "${url}" names no service`);
      expect((err as CheckError).hint).toBe('use a URL such as http://detection-service:8080, or give target.service');
    }
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
      expect(s.podsCreated[1]).toMatch(/^default\/rt-probe-denied-/);
      // each pod with the probe's image and wget timeout
      const creates = ctx.lines.filter((l) => l.line.startsWith('create pod ')).map((l) => l.line.replace(/-[0-9a-f]{6} /, '-XXXXXX '));
      expect(creates).toEqual([
        'create pod detektor/rt-probe-allowed-XXXXXX (busybox:1.36): wget -T 2 http://10.96.20.10:8080/',
        'create pod default/rt-probe-denied-XXXXXX (busybox:1.36): wget -T 2 http://10.96.20.10:8080/',
      ]);
      expect(ctx.lines.some((l) => l.line.includes('wget: download timed out'))).toBe(true);
      // the probe used the ClusterIP, not DNS
      expect(ctx.lines.some((l) => l.line.includes('http://10.96.20.10:8080/'))).toBe(true);
      expect(out.summary).toBe('default-deny ingress in 1/1 namespace; probe default → detektor/detection-service blocked (timeout)');
      expect(out.measured).toBe('0 lacking default-deny, probe blocked');
      expect(out.threshold).toBe('default-deny ingress in every namespace, probe blocked');
      expect(out.offending).toEqual([]);
      expect(ctx.lines).toContainEqual({ line: 'probe target detektor/detection-service → http://10.96.20.10:8080/', stream: 'info' });
      expect(ctx.lines).toContainEqual({ line: 'isolated: default → detektor/detection-service timed out', stream: 'info' });
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
      const { out, pass, ctx } = await check({ namespaces: ['detektor'], probe: PROBE }, kc);
      expect((out.result.probe as { denied: { result: string } }).denied.result).toBe('refused');
      expect(pass).toBe(true);
      expect(out.summary).toMatch(/; probe default → detektor\/detection-service blocked \(refused\)$/);
      expect(ctx.lines).toContainEqual({ line: 'isolated: default → detektor/detection-service refused', stream: 'info' });
    });
  });

  it('a pod in the denied namespace that connects → not isolated (fail), pods deleted', async () => {
    await withWorld({}, async (s, kc) => {
      const { out, pass, ctx } = await check({ namespaces: ['detektor'], probe: PROBE }, kc);
      expect((out.result.probe as { isolated: boolean }).isolated).toBe(false);
      expect(out.summary).toBe('default-deny ingress in 1/1 namespace; probe default → detektor/detection-service CONNECTED (not isolated)');
      expect(out.measured).toBe('0 lacking default-deny, probe connected');
      expect(out.offending).toEqual([{ namespace: 'default', direction: 'probe', reason: 'pod in default reached detektor/detection-service' }]);
      expect(ctx.lines).toContainEqual({ line: 'NOT ISOLATED: a pod in default reached detektor/detection-service', stream: 'stderr' });
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
      expect((err as CheckError).message).toBe("probe from default failed for the wrong reason (dns: wget: bad address '10.96.20.10:8080') — that is not proof of isolation");
      expect((err as CheckError).hint).toBe('a blocked connection must time out or be refused; check scheduling/quotas in default and run again');
      expect(s.list('', 'pods')).toEqual([]);
    });
  });

  it('a positive control that times out, or a denied pod whose image cannot be pulled, is an error with its own hint', async () => {
    await withWorld({ rules: [{ from: 'detektor', to: '*', outcome: 'timeout' }] }, async (_s, kc) => {
      const err = await check({ namespaces: ['detektor'], probe: PROBE }, kc).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CheckError);
      expect((err as CheckError).message).toBe('probe positive control failed: a pod in detektor could not reach detektor/detection-service (timeout: wget: download timed out) — isolation cannot be judged');
      expect((err as CheckError).hint).toBe('make sure detektor may reach detektor/detection-service on that port (and the Service has ready endpoints), or choose another allowedFrom namespace');
    });
    await withWorld({ rules: [{ from: 'default', to: '*', outcome: 'image-pull' }] }, async (_s, kc) => {
      const err = await check({ namespaces: ['detektor'], probe: PROBE }, kc).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CheckError);
      expect((err as CheckError).message).toBe('probe from default failed for the wrong reason (image: ImagePullBackOff) — that is not proof of isolation');
      expect((err as CheckError).hint).toBe('the image busybox:1.36 cannot be pulled in default: set probe.image');
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
