import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubernetesSecretsManaged } from '../../src/checks/kubernetes-secrets-managed.js';
import { startKubeApiServer, type KubeApiServer, type KubeObject } from '../../src/demo/servers/kube-api.js';
import { runKind } from '../support/check-context-basic.js';
import { checkContext, loadFixtureObjects } from '../support/check-context.js';
import { evaluateDefault } from '../support/expect-default.js';

// built at run time; must never leave the API server
const VALUE = ['s3cr3t', 'value', String(Date.now())].join('-');
const DATA = { password: Buffer.from(VALUE).toString('base64') };

const esoStatus = (loadFixtureObjects('secrets/eso-full-external-secret-status-excerpt.yaml')[0] as { status: Record<string, unknown> }).status;

const secret = (namespace: string, name: string, extra: Partial<KubeObject> & { labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: unknown[] } = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace, labels: extra.labels, annotations: extra.annotations, ownerReferences: extra.ownerReferences },
  type: (extra.type as string | undefined) ?? 'Opaque',
  data: DATA,
});

const objects: KubeObject[] = [
  // ESO-managed by label (what ESO puts on every Secret it manages)
  secret('detektor', 'db-credentials', { labels: { 'reconcile.external-secrets.io/managed': 'true', 'reconcile.external-secrets.io/created-by': 'abc' } }),
  // ESO creationPolicy Owner: ownerReference to the ExternalSecret
  secret('detektor', 'api-keys', { ownerReferences: [{ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', name: 'api-keys', uid: 'u1', controller: true }] }),
  // a hand-made Opaque secret: unmanaged
  secret('detektor', 'legacy-env'),
  // ignored by default type
  secret('detektor', 'builder-token', { type: 'kubernetes.io/service-account-token' }),
  secret('detektor', 'sh.helm.release.v1.detektor.v3', { type: 'helm.sh/release.v1' }),
  // cert-manager TLS
  secret('detektor', 'detektor-tls', { type: 'kubernetes.io/tls', annotations: { 'cert-manager.io/certificate-name': 'detektor' } }),
  // allow-listed by the test
  secret('detektor', 'bootstrap-ca'),
  secret('other', 'stray'),
  { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'db-credentials', namespace: 'detektor' }, spec: { refreshInterval: '1h' }, status: esoStatus },
  {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name: 'api-keys', namespace: 'detektor' },
    spec: { refreshInterval: '1h' },
    status: { conditions: [{ type: 'Ready', status: 'False', reason: 'SecretSyncedError', message: 'could not get secret data from provider' }] },
  },
];

let server: KubeApiServer;
let dir: string;
let kubeconfig: string;
beforeAll(async () => {
  server = await startKubeApiServer({ objects });
  dir = mkdtempSync(path.join(os.tmpdir(), 'rt-secrets-'));
  kubeconfig = server.writeKubeconfig(dir, 'prod');
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

function writeKubeconfigFor(s: KubeApiServer): string {
  return s.writeKubeconfig(mkdtempSync(path.join(dir, 'kc-')), 'prod');
}

async function check(params: Record<string, unknown>, kc = kubeconfig) {
  const ctx = await checkContext({ kubeconfig: kc });
  try {
    const out = await runKind(kubernetesSecretsManaged, params, ctx);
    return { out, everything: ctx.everything() + JSON.stringify(out), pass: await evaluateDefault(kubernetesSecretsManaged, out.result) };
  } finally {
    await ctx.dispose();
  }
}

describe('kubernetes.secrets-managed', () => {
  it('counts ESO-managed (label and ownerReference), lists the unmanaged, ignores SA tokens, helm and cert-manager', async () => {
    const { out, pass } = await check({ namespaces: ['detektor'], checkExternalSecrets: false });
    expect(out.result).toMatchObject({ total: 4, managed: 2, ignored: 3, unmanaged: [{ namespace: 'detektor', name: 'bootstrap-ca', type: 'Opaque' }, { namespace: 'detektor', name: 'legacy-env', type: 'Opaque' }] });
    const by = Object.fromEntries((out.result.secrets as { name: string; by: string }[]).map((s) => [s.name, s.by]));
    expect(by).toMatchObject({ 'db-credentials': 'eso-label', 'api-keys': 'eso-owner', 'legacy-env': '' });
    expect(pass).toBe(false);
    expect(out.result.externalSecrets).toBeNull();
  });

  it('labelSelector: only the Secrets it selects are judged (the API server filters them)', async () => {
    const { out, pass } = await check({ namespaces: ['detektor'], labelSelector: 'reconcile.external-secrets.io/managed=true', checkExternalSecrets: false });
    expect(out.result).toMatchObject({ total: 1, managed: 1, ignored: 0, unmanaged: [] });
    expect((out.result.secrets as { name: string }[]).map((s) => s.name)).toEqual(['db-credentials']);
    expect(pass).toBe(true);
  });

  it('the allow-list (name, namespace/name, prefix*) makes the rest pass', async () => {
    const { out, pass } = await check({ namespaces: ['detektor'], allow: ['detektor/bootstrap-*', 'legacy-env'], checkExternalSecrets: false });
    expect(out.result).toMatchObject({ total: 4, managed: 4, unmanaged: [] });
    expect(pass).toBe(true);
  });

  it('reports ExternalSecrets that are not Ready (SecretSyncedError) and fails on them', async () => {
    const { out, pass } = await check({ namespaces: ['detektor'], allow: ['bootstrap-ca', 'legacy-env'] });
    expect(out.result.externalSecrets).toEqual({
      apiVersion: 'external-secrets.io/v1',
      total: 2,
      ready: 1,
      notReady: [{ namespace: 'detektor', name: 'api-keys', reason: 'SecretSyncedError', message: 'could not get secret data from provider' }],
    });
    expect(pass).toBe(false);
    expect(out.summary).toMatch(/ExternalSecrets 1\/2 Ready/);
  });

  it('all namespaces by default; ignoreTypes [] counts service-account tokens too', async () => {
    const { out } = await check({ ignoreTypes: [], ignoreCertManager: false, checkExternalSecrets: false });
    expect(out.result.total).toBe(8);
    expect((out.result.unmanaged as { name: string }[]).map((u) => u.name)).toContain('stray');
  });

  it('never lets a secret value into output, result or summary', async () => {
    const { everything } = await check({ checkExternalSecrets: true });
    expect(everything).not.toContain(VALUE);
    expect(everything).not.toContain(DATA.password);
  });

  it('asks for the Table representation, else the metadata-only list, so secret values never even cross the wire', async () => {
    const before = server.requests.length;
    await check({ namespaces: ['detektor', 'other'], checkExternalSecrets: false });
    const secretCalls = server.requests.slice(before).filter((r) => r.path.endsWith('/secrets'));
    expect(secretCalls.map((r) => r.path).sort()).toEqual(['/api/v1/namespaces/detektor/secrets', '/api/v1/namespaces/other/secrets']);
    for (const r of secretCalls) {
      expect(r.accept).toBe('application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1');
      expect(r.query).toContain('includeObject=Metadata');
      expect(new URLSearchParams(r.query).get('limit')).toBe('500');
    }
  });

  it('from a server without Tables: the metadata-only list, types learned by type= field selectors, no value on the wire', async () => {
    const plain = await startKubeApiServer({ objects, tables: false });
    try {
      const kc = writeKubeconfigFor(plain);
      const before = plain.requests.length;
      const { out, everything } = await check({ namespaces: ['detektor'], allow: ['detektor/bootstrap-ca'], checkExternalSecrets: false }, kc);
      expect(out.result).toMatchObject({ total: 4, managed: 3, ignored: 3, unmanaged: [{ namespace: 'detektor', name: 'legacy-env', type: '(other)' }] });
      expect(everything).not.toContain(DATA.password);
      const typed = plain.requests.slice(before).map((r) => new URLSearchParams(r.query).get('fieldSelector')).filter(Boolean).sort();
      expect(typed).toEqual(['type=helm.sh/release.v1', 'type=kubernetes.io/service-account-token']);
    } finally {
      await plain.close();
    }
  });

  it('judges each Secret exactly: only label "true" and an ExternalSecret owner of external-secrets.io count, allow by name prefix, namespace/name and type', async () => {
    const es = (name: string, extra: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'external-secrets.io/v1beta1', kind: 'ExternalSecret', metadata: { name, namespace: 'edge' }, spec: {}, ...extra });
    const owner = (apiVersion: string | undefined, kind: string) => [{ ...(apiVersion ? { apiVersion } : {}), kind, name: 'x', uid: 'u' }];
    const edge = await startKubeApiServer({
      objects: [
        secret('edge', 'i-tls', { type: 'kubernetes.io/tls', annotations: { 'cert-manager.io/certificate-name': 'i' } }),
        secret('edge', 'h-tls-issuer-only', { type: 'kubernetes.io/tls', annotations: { 'cert-manager.io/issuer-name': 'letsencrypt' } }),
        secret('edge', 'g-exact'),
        secret('edge', 'f-bootstrap-1'),
        secret('edge', 'e-registry', { type: 'kubernetes.io/dockerconfigjson' }),
        secret('edge', 'd-deployment-owner', { ownerReferences: owner('external-secrets.io/v1', 'Deployment') }),
        secret('edge', 'c-owner-without-apiversion', { ownerReferences: owner(undefined, 'ExternalSecret') }),
        secret('edge', 'b-foreign-owner', { ownerReferences: owner('example.com/v1', 'ExternalSecret') }),
        secret('edge', 'a-label-false', { labels: { 'reconcile.external-secrets.io/managed': 'false' } }),
        secret('edge', 'a-label-true', { labels: { 'reconcile.external-secrets.io/managed': 'true' } }),
        es('synced', { status: { conditions: [{ type: 'SecretSynced', status: 'True' }, { type: 'Ready', status: 'True', reason: 'SecretSynced', message: 'ok' }] } }),
        es('fresh'),
        es('stale', { status: { conditions: [{ type: 'Ready', status: 'Unknown', reason: 'Refreshing', message: 'refresh in progress' }] } }),
      ],
      omitGroups: ['external-secrets.io'],
      resources: [{ group: 'external-secrets.io', versions: ['v1alpha1', 'v1beta1'], plural: 'externalsecrets', kind: 'ExternalSecret', namespaced: true }],
    });
    try {
      const kc = writeKubeconfigFor(edge);
      const params = { namespaces: ['edge'], allow: ['f-bootstrap-*', 'edge/g-exact', 'i-tls*'], allowTypes: ['kubernetes.io/dockerconfigjson'] };
      const { out, pass, everything } = await check(params, kc);
      const S = (name: string, type: string, by: string) => ({ namespace: 'edge', name, type, managed: by !== '', by });
      expect(out.result.secrets).toEqual([
        S('a-label-false', 'Opaque', ''),
        S('a-label-true', 'Opaque', 'eso-label'),
        S('b-foreign-owner', 'Opaque', ''),
        S('c-owner-without-apiversion', 'Opaque', ''),
        S('d-deployment-owner', 'Opaque', ''),
        S('e-registry', 'kubernetes.io/dockerconfigjson', 'allow-list'),
        S('f-bootstrap-1', 'Opaque', 'allow-list'),
        S('g-exact', 'Opaque', 'allow-list'),
        S('h-tls-issuer-only', 'kubernetes.io/tls', ''),
      ]);
      const unmanaged = ['a-label-false', 'b-foreign-owner', 'c-owner-without-apiversion', 'd-deployment-owner'].map((name) => ({ namespace: 'edge', name, type: 'Opaque' }));
      unmanaged.push({ namespace: 'edge', name: 'h-tls-issuer-only', type: 'kubernetes.io/tls' });
      expect(out.result).toMatchObject({ total: 9, managed: 4, ignored: 1, unmanaged });
      expect(out.result.externalSecrets).toEqual({
        apiVersion: 'external-secrets.io/v1beta1',
        total: 3,
        ready: 1,
        notReady: [
          { namespace: 'edge', name: 'fresh', reason: 'NoReadyCondition', message: 'no Ready condition reported yet' },
          { namespace: 'edge', name: 'stale', reason: 'Refreshing', message: 'refresh in progress' },
        ],
      });
      expect(out.summary).toBe('4/9 Secrets in edge managed by External Secrets or allowed (1 ignored); ExternalSecrets 1/3 Ready');
      expect(out.measured).toBe('5 unmanaged, 2 ExternalSecrets not Ready');
      expect(out.threshold).toBe('0 unmanaged');
      expect(out.offending).toEqual([
        ...unmanaged.map((u) => ({ secret: `edge/${u.name}`, type: u.type, problem: 'not managed by External Secrets' })),
        { externalSecret: 'edge/fresh', problem: 'NoReadyCondition: no Ready condition reported yet' },
        { externalSecret: 'edge/stale', problem: 'Refreshing: refresh in progress' },
      ]);
      expect(pass).toBe(false);
      expect(everything).toContain('UNMANAGED  edge/a-label-false (Opaque)');
      expect(everything).toContain('managed    edge/a-label-true (Opaque) — eso-label');
      expect(everything).toContain('Ready      externalsecret edge/synced: SecretSynced');
      expect(everything).toContain('NOT READY  externalsecret edge/fresh: NoReadyCondition');
      expect(everything).toContain('GET /apis/external-secrets.io/v1beta1/namespaces/edge/externalsecrets?limit=500');

      const counted = await check({ ...params, ignoreCertManager: false, checkExternalSecrets: false }, kc);
      expect(counted.out.result).toMatchObject({ total: 10, managed: 5, ignored: 0 });
      expect(counted.out.summary).toBe('5/10 Secrets in edge managed by External Secrets or allowed (0 ignored)');
      expect(counted.out.measured).toBe('5 unmanaged');
    } finally {
      await edge.close();
    }
  });

  it('ExternalSecrets of all namespaces when no namespace is given; only v1 and v1beta1 are read', async () => {
    const { out } = await check({ allow: ['bootstrap-ca', 'legacy-env', 'other/stray'] });
    expect(out.result.unmanaged).toEqual([]);
    expect(out.result.externalSecrets).toMatchObject({ apiVersion: 'external-secrets.io/v1', total: 2, ready: 1 });
    expect(out.summary).toBe('5/5 Secrets in all namespaces managed by External Secrets or allowed (3 ignored); ExternalSecrets 1/2 Ready');
    const alpha = await startKubeApiServer({
      objects: [secret('detektor', 'x')],
      omitGroups: ['external-secrets.io'],
      resources: [{ group: 'external-secrets.io', versions: ['v1alpha1'], plural: 'externalsecrets', kind: 'ExternalSecret', namespaced: true }],
    });
    try {
      const { out: a, everything } = await check({ namespaces: ['detektor'] }, writeKubeconfigFor(alpha));
      expect(a.result.externalSecrets).toBeNull();
      expect(everything).toContain('external-secrets.io is not served — External Secrets Operator is not installed; ExternalSecret status not checked');
    } finally {
      await alpha.close();
    }
  });

  it('from a server without Tables, an allowed type is learned too (one type= list per distinct type)', async () => {
    const plain = await startKubeApiServer({ objects: [...objects, secret('detektor', 'pull', { type: 'kubernetes.io/dockerconfigjson' })], tables: false });
    try {
      const before = plain.requests.length;
      const { out } = await check({ namespaces: ['detektor'], allowTypes: ['kubernetes.io/dockerconfigjson', 'helm.sh/release.v1'], checkExternalSecrets: false }, writeKubeconfigFor(plain));
      expect((out.result.secrets as { name: string; type: string; by: string }[]).map((x) => [x.name, x.type, x.by])).toEqual([
        ['api-keys', '(other)', 'eso-owner'],
        ['bootstrap-ca', '(other)', ''],
        ['db-credentials', '(other)', 'eso-label'],
        ['legacy-env', '(other)', ''],
        ['pull', 'kubernetes.io/dockerconfigjson', 'allow-list'],
      ]);
      const typed = plain.requests.slice(before).map((r) => new URLSearchParams(r.query).get('fieldSelector')).filter(Boolean).sort();
      expect(typed).toEqual(['type=helm.sh/release.v1', 'type=kubernetes.io/dockerconfigjson', 'type=kubernetes.io/service-account-token']);
    } finally {
      await plain.close();
    }
  });

  it('401 on the Table request is the same "credentials rejected" error as elsewhere', async () => {
    const { writeKubeconfig } = await import('../../src/demo/servers/kube-api.js');
    const kc = writeKubeconfig(dir, server.url, server.ca, 'bad-token', 'prod', { fileName: 'bad.json' });
    const err = await check({ namespaces: ['detektor'] }, kc).catch((e: unknown) => e);
    expect(String((err as Error).message)).toBe(`credentials rejected by the API server at ${server.url} (context prod) while trying to list secrets in detektor (401 Unauthorized)`);
  });

  it('a dead API server is an error, quickly', async () => {
    const { writeKubeconfig } = await import('../../src/demo/servers/kube-api.js');
    const gone = await startKubeApiServer({});
    const kc = writeKubeconfig(dir, gone.url, gone.ca, gone.token, 'gone', { fileName: 'gone.json' });
    await gone.close();
    const err = await check({ namespaces: ['detektor'] }, kc).catch((e: unknown) => e);
    expect(String((err as Error).message)).toBe(`API server unreachable at ${gone.url} (ECONNREFUSED) while trying to list secrets in detektor`);
  });

  it('without External Secrets installed the Secret count still works', async () => {
    const bare = await startKubeApiServer({ objects: [secret('detektor', 'x', { labels: { 'reconcile.external-secrets.io/managed': 'true' } })], omitGroups: ['external-secrets.io'] });
    try {
      const { out, pass, everything } = await check({ namespaces: ['detektor'] }, bare.writeKubeconfig(dir, 'bare'));
      expect(out.result).toMatchObject({ total: 1, managed: 1, externalSecrets: null });
      expect(everything).toContain('External Secrets Operator is not installed');
      expect(pass).toBe(true);
    } finally {
      await bare.close();
    }
  });
});
