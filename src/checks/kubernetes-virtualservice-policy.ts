/**
 * kubernetes.virtualservice-policy — every Istio HTTP route has an explicit timeout and explicit retries
 * (seed item 2.2). Facts (istio CRD + pilot retry.go): `timeout` is disabled by default; without `retries` Istio
 * still retries twice by default — that implicit policy does NOT count as configured; `attempts: 0` disables
 * retries. tcp/tls routes have neither and are not counted.
 */
import { z } from 'zod';
import { CheckError, type CheckKind } from './contract.js';
import { formatDurationMs, parseDurationMs } from './support/duration.js';
import { openKube } from './support/kube-session.js';
import { listAll, mapBounded, PAGE_LIMIT } from './support/kube-list.js';

const GROUP = 'networking.istio.io';
const KNOWN_VERSIONS = ['v1', 'v1beta1', 'v1alpha3'];

const params = z.strictObject({
  namespaces: z
    .array(z.string().min(1))
    .optional()
    .describe('namespaces to inspect (default: all namespaces)'),
  labelSelector: z.string().optional().describe('only VirtualServices matching this label selector'),
  exclude: z
    .array(z.string().min(1))
    .optional()
    .describe('VirtualServices to skip, as "name" or "namespace/name" (e.g. generated gateway routes)'),
  checkBudget: z
    .boolean()
    .default(true)
    .describe('flag routes where attempts × perTryTimeout exceeds the route timeout (retries cut short)'),
});

type Params = z.infer<typeof params>;

export interface RouteRow {
  virtualService: string;
  namespace: string;
  route: string;
  timeout: string | null;
  attempts: number | null;
  perTryTimeout: string | null;
  retryOn: string | null;
  /** explicit (attempts > 0), disabled (attempts <= 0), implicit-default (no retries block: Istio's 2x default) */
  retries: 'explicit' | 'disabled' | 'implicit-default';
  /** what is wrong, one short reason per problem (the same order as `problems`) */
  reasons: Reason[];
  /** each problem in words, with the values involved */
  problems: string[];
}

/** what can be wrong with a route, in the words the summary and the offenders use */
export const REASONS = [
  'missing timeout',
  'bad timeout',
  'missing retries',
  'retries disabled',
  'missing attempts',
  'missing perTryTimeout',
  'bad perTryTimeout',
  'missing retryOn',
  'budget exceeded',
] as const;
export type Reason = (typeof REASONS)[number];

/** how many routes have each reason, in REASONS order, reasons no route has left out */
export function tallyReasons(routes: RouteRow[]): Partial<Record<Reason, number>> {
  const out: Partial<Record<Reason, number>> = {};
  for (const reason of REASONS) {
    const n = routes.filter((r) => r.reasons.includes(reason)).length;
    if (n > 0) out[reason] = n;
  }
  return out;
}

interface HttpRoute {
  name?: string;
  timeout?: string;
  retries?: { attempts?: number; perTryTimeout?: string; retryOn?: string };
}

interface VirtualService {
  metadata?: { name?: string; namespace?: string };
  spec?: { http?: HttpRoute[] };
}

/** analyse one VirtualService's http routes (pure; used on live objects) */
export function analyseVirtualService(vs: VirtualService, checkBudget = true): RouteRow[] {
  const name = vs.metadata?.name ?? '(unnamed)';
  const namespace = vs.metadata?.namespace ?? 'default';
  return (vs.spec?.http ?? []).map((r, i) => {
    const problems: string[] = [];
    const reasons: Reason[] = [];
    const add = (reason: Reason, problem: string) => {
      reasons.push(reason);
      problems.push(problem);
    };
    const timeout = typeof r.timeout === 'string' ? r.timeout : null;
    const timeoutMs = timeout !== null ? parseDurationMs(timeout) : undefined;
    if (timeout === null) add('missing timeout', 'no timeout (Istio default: none)');
    else if (timeoutMs === undefined) add('bad timeout', `timeout "${timeout}" is not a duration`);

    const rt = r.retries;
    const attempts = rt && typeof rt.attempts === 'number' ? rt.attempts : null;
    const perTryTimeout = rt && typeof rt.perTryTimeout === 'string' ? rt.perTryTimeout : null;
    const retryOn = rt && typeof rt.retryOn === 'string' && rt.retryOn.trim() !== '' ? rt.retryOn : null;
    let retries: RouteRow['retries'];
    if (!rt) {
      retries = 'implicit-default';
      add('missing retries', 'no retries (Istio\'s implicit default of 2 retries does not count)');
    } else if (attempts === null || attempts <= 0) {
      retries = 'disabled';
      if (attempts === null) add('missing attempts', 'retries without attempts');
      else add('retries disabled', `retries disabled (attempts ${attempts})`);
    } else {
      retries = 'explicit';
      if (perTryTimeout === null) add('missing perTryTimeout', 'retries without perTryTimeout');
      if (retryOn === null) add('missing retryOn', 'retries without retryOn');
    }
    const perTryMs = perTryTimeout !== null ? parseDurationMs(perTryTimeout) : undefined;
    if (perTryTimeout !== null && perTryMs === undefined) add('bad perTryTimeout', `perTryTimeout "${perTryTimeout}" is not a duration`);
    if (checkBudget && retries === 'explicit' && attempts !== null && perTryMs !== undefined && timeoutMs !== undefined && timeoutMs > 0) {
      const budget = attempts * perTryMs;
      if (budget > timeoutMs) {
        add(
          'budget exceeded',
          `attempts × perTryTimeout = ${attempts} × ${perTryTimeout} = ${formatDurationMs(budget)} exceeds timeout ${timeout}: retries are cut short`,
        );
      }
    }
    return {
      virtualService: name,
      namespace,
      route: r.name ?? `#${i}`,
      timeout,
      attempts,
      perTryTimeout,
      retryOn,
      retries,
      reasons,
      problems,
    };
  });
}

function describeCall(p: Params, version = '{v1|v1beta1}'): string {
  const q = `?limit=${PAGE_LIMIT}${p.labelSelector ? `&labelSelector=${encodeURIComponent(p.labelSelector)}` : ''}`;
  const paths = p.namespaces?.length
    ? p.namespaces.map((ns) => `GET /apis/${GROUP}/${version}/namespaces/${ns}/virtualservices${q}`)
    : [`GET /apis/${GROUP}/${version}/virtualservices${q}`];
  return paths.join('; ');
}

export const kubernetesVirtualservicePolicy: CheckKind<Params> = {
  kind: 'kubernetes.virtualservice-policy',
  title: 'Every Istio HTTP route has an explicit timeout and retries',
  description:
    'Lists Istio VirtualServices (networking.istio.io v1, v1beta1 or v1alpha3 — whichever the API server serves, ' +
    'found by discovery) and checks every http route: it must set `timeout`, and `retries` with attempts > 0, ' +
    'perTryTimeout and retryOn. A route without `retries` is reported as "implicit-default": Istio then retries ' +
    'twice on its own, which is not a configured policy. Also flags attempts × perTryTimeout > timeout. Each route ' +
    'says what is wrong with it (missing timeout, missing retries, retries disabled, missing attempts / perTryTimeout / ' +
    'retryOn, bad duration, budget exceeded), in the summary, the offenders and `reasons`. tcp/tls ' +
    'routes are not counted. No VirtualService in scope → inconclusive. Istio API not installed, no access, ' +
    'unreachable API server → error.',
  outcomes: {
    error: 'the Istio API (networking.istio.io) is not served, no access, API server unreachable',
    fail: 'an http route misses timeout / retries / attempts / perTryTimeout / retryOn, or its retry budget exceeds its timeout (each reason named)',
    inconclusive: 'no http route in the VirtualServices in scope',
  },
  params,
  resultDoc: {
    apiVersion: 'the networking.istio.io version that was read',
    virtualServices: 'number of VirtualServices inspected',
    total: 'number of http routes',
    compliant: 'routes without problems',
    withProblems: 'routes with at least one problem',
    implicitRetries: 'routes relying on Istio\'s implicit default retries',
    routes:
      'every route: {virtualService, namespace, route (name or #index), timeout, attempts, perTryTimeout, retryOn, retries (explicit|disabled|implicit-default), reasons[], problems[]}',
    reasons: `routes per reason {reason: count}; a reason is one of: ${REASONS.join(', ')}`,
  },
  example: [
    'check:',
    '  kind: kubernetes.virtualservice-policy',
    '  namespaces: [detektor]',
    '  # expect: withProblems = 0   (the default)',
  ].join('\n'),
  defaultExpect: 'withProblems = 0',
  describe: (p) => describeCall(p),
  async run(p, ctx) {
    const kube = await openKube(ctx);
    const apis = await kube.client(kube.k8s.ApisApi);
    ctx.emit('GET /apis (discovery)');
    const groups = await kube.call('discover API groups', () => apis.getAPIVersions());
    const group = (groups.groups ?? []).find((g) => g.name === GROUP);
    const served = (group?.versions ?? []).map((v) => v.version);
    const usable = served.filter((v) => KNOWN_VERSIONS.includes(v));
    if (!group || usable.length === 0) {
      throw new CheckError(
        `the Istio API (${GROUP}) is not served by ${kube.target.server} (context ${kube.target.context})${served.length ? ` — it serves only ${served.join(', ')}` : ''}`,
        'install Istio in this cluster, or point the check at the cluster that runs the mesh (context:)',
      );
    }
    const pref = group.preferredVersion?.version;
    const version = pref && usable.includes(pref) ? pref : usable[0]!;
    ctx.emit(`${GROUP}: serving ${served.join(', ')} — reading ${version}`);
    const custom = await kube.client(kube.k8s.CustomObjectsApi);
    const base = { group: GROUP, version, plural: 'virtualservices', ...(p.labelSelector ? { labelSelector: p.labelSelector } : {}) };
    const notInstalled = () =>
      new CheckError(`${GROUP}/${version} virtualservices are not served by ${kube.target.server}`, 'check that the Istio CRDs are installed');
    const keep = (vs: unknown) => vs as VirtualService;
    let items: VirtualService[];
    if (p.namespaces?.length) {
      const perNs = await mapBounded(p.namespaces, (namespace) => {
        ctx.emit(`GET /apis/${GROUP}/${version}/namespaces/${namespace}/virtualservices?limit=${PAGE_LIMIT}`);
        return listAll(kube, `list virtualservices in namespace ${namespace}`, (page) => custom.listNamespacedCustomObject({ ...base, ...page, namespace }), keep, notInstalled);
      });
      items = perNs.flat();
    } else {
      ctx.emit(`GET /apis/${GROUP}/${version}/virtualservices?limit=${PAGE_LIMIT} (pages joined by continue)`);
      items = await listAll(kube, 'list virtualservices in all namespaces', (page) => custom.listCustomObjectForAllNamespaces({ ...base, ...page }), keep, notInstalled);
    }
    const excluded = new Set(p.exclude ?? []);
    const inScope = items.filter((vs) => {
      const n = vs.metadata?.name ?? '';
      return !excluded.has(n) && !excluded.has(`${vs.metadata?.namespace ?? ''}/${n}`);
    });
    const routes = inScope.flatMap((vs) => analyseVirtualService(vs, p.checkBudget));
    for (const r of routes) {
      ctx.emit(`${r.problems.length ? 'PROBLEM' : 'ok     '}  ${r.namespace}/${r.virtualService} route ${r.route}${r.problems.length ? ': ' + r.problems.join('; ') : ''}`);
    }
    const withProblems = routes.filter((r) => r.problems.length > 0).length;
    const reasonCounts = tallyReasons(routes);
    // "4 missing timeout, 1 budget exceeded"
    const reasonText = Object.entries(reasonCounts)
      .map(([reason, n]) => `${n} ${reason}`)
      .join(', ');
    const result = {
      apiVersion: `${GROUP}/${version}`,
      virtualServices: inScope.length,
      total: routes.length,
      compliant: routes.length - withProblems,
      withProblems,
      implicitRetries: routes.filter((r) => r.retries === 'implicit-default').length,
      reasons: reasonCounts,
      routes,
    };
    const scope = p.namespaces?.length ? `namespace${p.namespaces.length > 1 ? 's' : ''} ${p.namespaces.join(', ')}` : 'all namespaces';
    if (routes.length === 0) {
      return {
        result,
        summary: `no http routes in VirtualServices of ${scope} (${inScope.length} VirtualServices) — nothing to judge`,
        verdict: 'inconclusive',
        measured: '0 routes',
        threshold: 'every route has timeout + retries',
      };
    }
    return {
      result,
      summary:
        `${result.compliant}/${routes.length} http routes in ${inScope.length} VirtualServices (${scope}) have timeout and explicit retries` +
        (withProblems ? `; ${reasonText}` : ''),
      measured: withProblems ? `${withProblems} of ${routes.length} routes with problems: ${reasonText}` : `all ${routes.length} routes compliant`,
      threshold: 'every route: timeout + retries{attempts>0, perTryTimeout, retryOn}',
      offending: routes
        .filter((r) => r.problems.length > 0)
        .map((r) => ({ virtualService: `${r.namespace}/${r.virtualService}`, route: r.route, reasons: r.reasons.join(', '), problems: r.problems.join('; ') })),
    };
  },
};
