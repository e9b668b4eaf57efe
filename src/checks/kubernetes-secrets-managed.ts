/**
 * kubernetes.secrets-managed — every Secret in scope comes from the secret store (seed item 1.3, "all secrets in
 * vault"): managed by External Secrets Operator (label reconcile.external-secrets.io/managed=true, or an
 * ownerReference of kind ExternalSecret), or explicitly allowed. Service-account tokens and Helm release records are
 * ignored by type by default, cert-manager certificates by annotation. Secret values never reach us: Secrets are
 * listed as a Table (like `kubectl get secrets`), which carries name, type and metadata but no data.
 */
import { z } from 'zod';
import type { CheckKind } from './contract.js';
import { openKube } from './support/kube-session.js';
import { listMetadata, type TableRow } from './support/kube-table.js';
import { listAll, mapBounded, PAGE_LIMIT } from './support/kube-list.js';

export const ESO_MANAGED_LABEL = 'reconcile.external-secrets.io/managed';
const ESO_GROUP = 'external-secrets.io';
export const DEFAULT_IGNORED_TYPES = ['kubernetes.io/service-account-token', 'helm.sh/release.v1'];

const params = z.strictObject({
  namespaces: z.array(z.string().min(1)).min(1).optional().describe('namespaces to inspect (default: all namespaces)'),
  labelSelector: z.string().optional().describe('only Secrets matching this label selector'),
  allow: z
    .array(z.string().min(1))
    .default([])
    .describe('Secrets that may be unmanaged, as "name" or "namespace/name"; a trailing * matches a prefix (e.g. "detektor/bootstrap-*")'),
  allowTypes: z
    .array(z.string().min(1))
    .default([])
    .describe('Secret types that may be unmanaged, e.g. kubernetes.io/dockerconfigjson (added to ignoreTypes)'),
  ignoreTypes: z
    .array(z.string().min(1))
    .default(DEFAULT_IGNORED_TYPES)
    .describe(`Secret types not counted at all (default: ${DEFAULT_IGNORED_TYPES.join(', ')}); set [] to count everything`),
  ignoreCertManager: z
    .boolean()
    .default(true)
    .describe('do not count TLS Secrets issued by cert-manager (annotation cert-manager.io/certificate-name); default true'),
  checkExternalSecrets: z
    .boolean()
    .default(true)
    .describe('also read the ExternalSecrets (external-secrets.io) in scope and report those not Ready=True; default true'),
});

type Params = z.infer<typeof params>;

interface SecretMeta {
  namespace: string;
  name: string;
  type: string;
  managed: boolean;
  /** "eso-label" | "eso-owner" | "allow-list" | "" */
  by: string;
}

interface RawSecret {
  type?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { kind?: string; apiVersion?: string; name?: string }[];
  };
}

function matches(patterns: string[], ns: string, name: string): boolean {
  return patterns.some((pat) => {
    const subject = pat.includes('/') ? `${ns}/${name}` : name;
    return pat.endsWith('*') ? subject.startsWith(pat.slice(0, -1)) : subject === pat;
  });
}

/** reduce a listed Secret to what we may keep (never its data) */
function meta(s: RawSecret): { namespace: string; name: string; type: string; labels: Record<string, string>; annotations: Record<string, string>; owners: { kind?: string; apiVersion?: string }[] } {
  return {
    namespace: s.metadata?.namespace ?? '',
    name: s.metadata?.name ?? '',
    type: s.type ?? 'Opaque',
    labels: { ...(s.metadata?.labels ?? {}) },
    annotations: Object.fromEntries(Object.entries(s.metadata?.annotations ?? {}).filter(([k]) => k.startsWith('cert-manager.io/'))),
    owners: (s.metadata?.ownerReferences ?? []).map((o) => ({ kind: o.kind, apiVersion: o.apiVersion })),
  };
}

function describeCall(p: Params): string {
  const q = p.labelSelector ? `?labelSelector=${encodeURIComponent(p.labelSelector)}` : '';
  const secrets = p.namespaces?.length ? p.namespaces.map((n) => `GET /api/v1/namespaces/${n}/secrets${q}`) : [`GET /api/v1/secrets${q}`];
  const es = p.checkExternalSecrets
    ? p.namespaces?.length
      ? p.namespaces.map((n) => `GET /apis/${ESO_GROUP}/{v1|v1beta1}/namespaces/${n}/externalsecrets`)
      : [`GET /apis/${ESO_GROUP}/{v1|v1beta1}/externalsecrets`]
    : [];
  return [...secrets, ...es].map((c) => `${c}${c.includes('?') ? '&' : '?'}limit=${PAGE_LIMIT}`).join('; ') + ' (as Table or metadata-only: names, types, metadata — never the values)';
}

export const kubernetesSecretsManaged: CheckKind<Params> = {
  kind: 'kubernetes.secrets-managed',
  title: 'Every Kubernetes Secret is managed by External Secrets (or allowed)',
  description:
    'Lists the Secrets in scope and counts those managed by External Secrets Operator: label ' +
    `${ESO_MANAGED_LABEL}=true (ESO sets it on every Secret it manages) or an ownerReference of kind ExternalSecret ` +
    '(creationPolicy Owner). Secrets named in `allow` or typed in `allowTypes` count as managed. Not counted at all: ' +
    'types in `ignoreTypes` (default service-account tokens and Helm release records) and cert-manager TLS Secrets. ' +
    'With checkExternalSecrets (default), ExternalSecrets that are not Ready=True (e.g. SecretSyncedError) are listed. ' +
    'Secrets are listed as a Table (like `kubectl get secrets`): their values are never transferred, shown or stored. ' +
    'No access / unreachable → error.',
  outcomes: {
    error: 'no access to Secrets / ExternalSecrets, API server unreachable',
    fail: 'a Secret in scope is not managed by External Secrets Operator (nor allowed), or an ExternalSecret is not Ready=True',
    inconclusive: 'never',
  },
  params,
  resultDoc: {
    total: 'Secrets counted (after ignores)',
    managed: 'of those, managed by ESO or allowed',
    unmanaged: 'the Secrets that are not: [{namespace, name, type}]',
    ignored: 'Secrets not counted (ignored types, cert-manager)',
    secrets: 'every counted Secret: {namespace, name, type, managed, by (eso-label|eso-owner|allow-list|"")}',
    externalSecrets:
      'null when not checked or ESO is not installed; else {apiVersion, total, ready, notReady: [{namespace, name, reason, message}]}',
  },
  example: [
    'check:',
    '  kind: kubernetes.secrets-managed',
    '  namespaces: [detektor]',
    '  allow: [detektor/bootstrap-token]',
  ].join('\n'),
  defaultExpect: '$count(unmanaged) = 0 and $count(externalSecrets.notReady) = 0',
  describe: (p) => describeCall(p),
  async run(p, ctx) {
    const kube = await openKube(ctx);
    const raw: ReturnType<typeof meta>[] = [];
    const scopes = p.namespaces?.length ? p.namespaces : [undefined];
    const lists = await mapBounded(scopes, async (ns) => {
      const path = ns ? `/api/v1/namespaces/${encodeURIComponent(ns)}/secrets` : '/api/v1/secrets';
      ctx.emit(`GET ${path}?limit=${PAGE_LIMIT} (as Table, else metadata-only: names, types and metadata — no values)`);
      const action = ns ? `list secrets in ${ns}` : 'list secrets in all namespaces';
      const got = await listMetadata(kube, action, path, { labelSelector: p.labelSelector });
      if (got.form === 'full') ctx.emit('the API server ignored the metadata-only request: values were received and discarded at once', 'stderr');
      if (got.form === 'metadata') await learnTypes(got.rows, [...p.ignoreTypes, ...p.allowTypes], (type) => listMetadata(kube, `${action} of type ${type}`, path, { labelSelector: p.labelSelector, fieldSelector: `type=${type}` }));
      return got.rows;
    });
    for (const rows of lists) for (const r of rows) raw.push(meta({ type: typeof r.cells.Type === 'string' ? r.cells.Type : undefined, metadata: r.metadata }));

    const ignoreTypes = new Set(p.ignoreTypes);
    const allowTypes = new Set(p.allowTypes);
    let ignored = 0;
    const secrets: SecretMeta[] = [];
    for (const s of raw.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`))) {
      if (ignoreTypes.has(s.type) || (p.ignoreCertManager && s.annotations['cert-manager.io/certificate-name'])) {
        ignored++;
        continue;
      }
      let by = '';
      if (s.labels[ESO_MANAGED_LABEL] === 'true') by = 'eso-label';
      else if (s.owners.some((o) => o.kind === 'ExternalSecret' && (o.apiVersion ?? '').startsWith(`${ESO_GROUP}/`))) by = 'eso-owner';
      else if (matches(p.allow, s.namespace, s.name) || allowTypes.has(s.type)) by = 'allow-list';
      secrets.push({ namespace: s.namespace, name: s.name, type: s.type, managed: by !== '', by });
      ctx.emit(`${by ? 'managed  ' : 'UNMANAGED'}  ${s.namespace}/${s.name} (${s.type})${by ? ` — ${by}` : ''}`);
    }
    const unmanaged = secrets.filter((s) => !s.managed).map(({ namespace, name, type }) => ({ namespace, name, type }));

    let externalSecrets: { apiVersion: string; total: number; ready: number; notReady: { namespace: string; name: string; reason: string; message: string }[] } | null = null;
    if (p.checkExternalSecrets) externalSecrets = await readExternalSecrets(p, kube, ctx);

    const result = { total: secrets.length, managed: secrets.length - unmanaged.length, unmanaged, ignored, secrets, externalSecrets };
    const scope = p.namespaces?.length ? p.namespaces.join(', ') : 'all namespaces';
    const esPart = externalSecrets ? `; ExternalSecrets ${externalSecrets.ready}/${externalSecrets.total} Ready` : '';
    return {
      result,
      summary: `${result.managed}/${result.total} Secrets in ${scope} managed by External Secrets or allowed (${ignored} ignored)${esPart}`,
      measured: `${unmanaged.length} unmanaged${externalSecrets ? `, ${externalSecrets.notReady.length} ExternalSecrets not Ready` : ''}`,
      threshold: '0 unmanaged',
      offending: [
        ...unmanaged.map((u) => ({ secret: `${u.namespace}/${u.name}`, type: u.type, problem: 'not managed by External Secrets' })),
        ...(externalSecrets?.notReady ?? []).map((e) => ({ externalSecret: `${e.namespace}/${e.name}`, problem: `${e.reason}: ${e.message}` })),
      ],
    };
  },
};

async function readExternalSecrets(p: Params, kube: Awaited<ReturnType<typeof openKube>>, ctx: Parameters<CheckKind['run']>[1]) {
  const apis = await kube.client(kube.k8s.ApisApi);
  const groups = await kube.call('discover API groups', () => apis.getAPIVersions());
  const g = (groups.groups ?? []).find((x) => x.name === ESO_GROUP);
  const versions: string[] = (g?.versions ?? []).map((v) => v.version).filter((v) => v === 'v1' || v === 'v1beta1');
  if (!g || versions.length === 0) {
    ctx.emit(`${ESO_GROUP} is not served — External Secrets Operator is not installed; ExternalSecret status not checked`);
    return null;
  }
  const version = g.preferredVersion?.version && versions.includes(g.preferredVersion.version) ? g.preferredVersion.version : versions[0]!;
  const custom = await kube.client(kube.k8s.CustomObjectsApi);
  type Es = { metadata?: { name?: string; namespace?: string }; status?: { conditions?: { type?: string; status?: string; reason?: string; message?: string }[] } };
  const base = { group: ESO_GROUP, version, plural: 'externalsecrets' };
  const keep = (es: unknown) => {
    const e = es as Es;
    return { metadata: { name: e.metadata?.name, namespace: e.metadata?.namespace }, status: e.status };
  };
  const lists = await mapBounded(p.namespaces?.length ? p.namespaces : [undefined], (ns) => {
    ctx.emit(`${ns ? `GET /apis/${ESO_GROUP}/${version}/namespaces/${ns}/externalsecrets` : `GET /apis/${ESO_GROUP}/${version}/externalsecrets`}?limit=${PAGE_LIMIT}`);
    return listAll(kube, `list externalsecrets${ns ? ` in ${ns}` : ''}`, (page) =>
      ns ? custom.listNamespacedCustomObject({ ...base, ...page, namespace: ns }) : custom.listCustomObjectForAllNamespaces({ ...base, ...page }),
    keep);
  });
  const items: Es[] = lists.flat();
  const notReady = items
    .map((es) => {
      const c = (es.status?.conditions ?? []).find((x) => x.type === 'Ready');
      return { namespace: es.metadata?.namespace ?? '', name: es.metadata?.name ?? '', ready: c?.status === 'True', reason: c?.reason ?? 'NoReadyCondition', message: c?.message ?? 'no Ready condition reported yet' };
    })
    .filter((x) => {
      ctx.emit(`${x.ready ? 'Ready    ' : 'NOT READY'}  externalsecret ${x.namespace}/${x.name}: ${x.reason}`);
      return !x.ready;
    })
    .map(({ namespace, name, reason, message }) => ({ namespace, name, reason, message }));
  return { apiVersion: `${ESO_GROUP}/${version}`, total: items.length, ready: items.length - notReady.length, notReady };
}

/** the type a metadata-only list does not carry: a Secret in none of the `fieldSelector=type=…` lists is "(other)" */
export const UNLISTED_TYPE = '(other)';

/**
 * Fill `cells.Type` of metadata-only rows for the types the check judges by (ignored / allowed types): one
 * metadata-only list per type with `fieldSelector=type=<type>`, as the API server supports for Secrets.
 */
async function learnTypes(rows: TableRow[], types: string[], listOfType: (type: string) => Promise<{ rows: TableRow[] }>): Promise<void> {
  const typeOf = new Map<string, string>();
  await mapBounded([...new Set(types)], async (type) => {
    for (const r of (await listOfType(type)).rows) typeOf.set(`${r.metadata.namespace ?? ''}/${r.metadata.name ?? ''}`, type);
  });
  for (const r of rows) r.cells.Type = typeOf.get(`${r.metadata.namespace ?? ''}/${r.metadata.name ?? ''}`) ?? UNLISTED_TYPE;
}
