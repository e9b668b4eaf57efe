/**
 * kubernetes.query — list any resource (core, group/version, custom resources) with selectors and let the
 * checklist's `expect` judge the items: teams write their own Kubernetes checks without code.
 * The resource is found by discovery like kubectl does (kind, plural, singular or short name). Secret values are
 * replaced by "<redacted>" and managedFields dropped before anything is returned.
 */
import { z } from 'zod';
import type * as K8s from '@kubernetes/client-node';
import { CheckError, type CheckKind } from './contract.js';
import { openKube } from './support/kube-session.js';
import { PAGE_LIMIT } from './support/kube-list.js';
import { listJson } from './support/kube-table.js';

const params = z.strictObject({
  apiVersion: z.string().min(1).default('v1').describe('API group/version, e.g. "v1" (core), "apps/v1", "networking.istio.io/v1"'),
  resource: z
    .string()
    .min(1)
    .describe('the resource: kind, plural, singular or short name as kubectl accepts it, e.g. Deployment, deployments, deploy, virtualservices'),
  namespace: z.string().min(1).optional().describe('namespace (default: all namespaces; ignored for cluster-scoped resources)'),
  labelSelector: z.string().optional().describe('label selector, e.g. "app=detektor,tier!=batch"'),
  fieldSelector: z.string().optional().describe('field selector, e.g. "status.phase=Running" (fields the API supports for that resource)'),
});

type Params = z.infer<typeof params>;

const REDACTED = '<redacted>';

/** what we may return of an object: no managedFields, no Secret values */
export function sanitizeObject(o: Record<string, unknown>, kind: string): Record<string, unknown> {
  const c = { ...o };
  if (c.metadata && typeof c.metadata === 'object') {
    const m = { ...(c.metadata as Record<string, unknown>) };
    delete m.managedFields;
    const ann = m.annotations as Record<string, string> | undefined;
    if (ann && 'kubectl.kubernetes.io/last-applied-configuration' in ann) {
      m.annotations = { ...ann, 'kubectl.kubernetes.io/last-applied-configuration': REDACTED };
    }
    c.metadata = m;
  }
  if (kind === 'Secret') {
    for (const f of ['data', 'stringData']) {
      const v = c[f];
      if (v && typeof v === 'object') c[f] = Object.fromEntries(Object.keys(v).map((k) => [k, REDACTED]));
    }
  }
  return c;
}

function describeCall(p: Params): string {
  const q = [p.labelSelector ? `labelSelector=${p.labelSelector}` : '', p.fieldSelector ? `fieldSelector=${p.fieldSelector}` : ''].filter(Boolean).join('&');
  return `list ${p.resource} (${p.apiVersion}) ${p.namespace ? `in namespace ${p.namespace}` : 'in all namespaces'}${q ? `?${q}` : ''}`;
}

export const kubernetesQuery: CheckKind<Params> = {
  kind: 'kubernetes.query',
  title: 'List any Kubernetes resource and judge the items with `expect`',
  description:
    'Lists a resource — core (apiVersion v1), any group/version, or a custom resource — with optional namespace, ' +
    'label and field selectors, and returns the items. The resource is resolved by API discovery from its kind, ' +
    'plural, singular or short name (like kubectl). Write the verdict in `expect` (JSONata over {items, count}); ' +
    'the default only asks that something exists. Secret values are replaced by "<redacted>". Unknown resource, ' +
    'no access, unreachable → error.',
  outcomes: {
    error: 'unknown resource (discovery), no access, API server unreachable',
    fail: '`expect` does not hold over {items, count} (default: count > 0, so nothing found fails)',
    inconclusive: 'never',
  },
  params,
  resultDoc: {
    apiVersion: 'the group/version listed',
    kind: 'the resolved kind, e.g. Deployment',
    resource: 'the resolved plural resource name, e.g. deployments',
    namespaced: 'whether the resource is namespaced',
    count: 'number of items',
    items: 'the objects as the API returns them (managedFields dropped, Secret values redacted)',
  },
  example: [
    'check:',
    '  kind: kubernetes.query',
    '  apiVersion: apps/v1',
    '  resource: deployments',
    '  namespace: detektor',
    '  labelSelector: app.kubernetes.io/part-of=detektor',
    '  expect: count > 0 and $count(items[status.readyReplicas != spec.replicas]) = 0',
  ].join('\n'),
  defaultExpect: 'count > 0',
  describe: (p) => describeCall(p),
  async run(p, ctx) {
    const kube = await openKube(ctx);
    const gv = p.apiVersion;
    const [group, version] = gv.includes('/') ? [gv.slice(0, gv.indexOf('/')), gv.slice(gv.indexOf('/') + 1)] : ['', gv];
    const where = group ? `/apis/${group}/${version}` : `/api/${version}`;
    ctx.emit(`GET ${where} (discovery)`);
    const notServed = () =>
      new CheckError(`the API server does not serve ${gv}`, `check the apiVersion (kubectl api-versions) in context ${kube.target.context}`);
    let list: K8s.V1APIResourceList;
    if (group) {
      const custom = await kube.client(kube.k8s.CustomObjectsApi);
      list = await kube.call(`discover ${gv}`, () => custom.getAPIResources({ group, version }), notServed);
    } else {
      const core = await kube.client(kube.k8s.CoreV1Api);
      list = await kube.call(`discover ${gv}`, () => core.getAPIResources(), notServed);
    }
    const want = p.resource.toLowerCase();
    const res = (list.resources ?? []).find(
      (r) =>
        !r.name.includes('/') &&
        (r.kind.toLowerCase() === want || r.name === want || r.singularName === want || (r.shortNames ?? []).includes(want)),
    );
    if (!res) {
      const known = (list.resources ?? []).filter((r) => !r.name.includes('/')).map((r) => r.kind);
      throw new CheckError(
        `${gv} has no resource "${p.resource}"`,
        `resources of ${gv}: ${[...new Set(known)].sort().join(', ') || '(none)'}`,
      );
    }
    const ns = res.namespaced ? p.namespace : undefined;
    if (p.namespace && !res.namespaced) ctx.emit(`${res.name} are cluster-scoped: namespace ${p.namespace} is ignored`);
    const path = `${where}${ns ? `/namespaces/${ns}` : ''}/${res.name}`;
    const q = [p.labelSelector ? `labelSelector=${p.labelSelector}` : '', p.fieldSelector ? `fieldSelector=${p.fieldSelector}` : ''].filter(Boolean).join('&');
    ctx.emit(`GET ${path}?${q ? `${q}&` : ''}limit=${PAGE_LIMIT} (pages joined by continue)`);
    const items = await listJson(kube, `list ${res.name}${ns ? ` in ${ns}` : ''}`, path, { labelSelector: p.labelSelector, fieldSelector: p.fieldSelector }, (o) =>
      // a real API server leaves apiVersion/kind out of list items: give them back so each item says what it is
      sanitizeObject({ apiVersion: gv, kind: res.kind, ...o }, res.kind),
    );
    for (const o of items.slice(0, 50)) {
      const m = o.metadata as { name?: string; namespace?: string } | undefined;
      ctx.emit(`  ${m?.namespace ? `${m.namespace}/` : ''}${m?.name ?? '?'}`);
    }
    if (items.length > 50) ctx.emit(`  … and ${items.length - 50} more`);
    const scope = res.namespaced ? (ns ? ` in ${ns}` : ' in all namespaces') : '';
    return {
      result: { apiVersion: gv, kind: res.kind, resource: res.name, namespaced: res.namespaced, count: items.length, items },
      summary: `${items.length} ${res.name}${scope}${q ? ` matching ${q}` : ''}`,
      measured: `${items.length} ${res.name}`,
    };
  },
};
