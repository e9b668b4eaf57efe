/**
 * kubernetes.network-policy — zero-trust networking (seed item 1.2).
 * Static: every namespace in scope has a default-deny NetworkPolicy for ingress (and egress when asked).
 * Default-deny = empty podSelector, the direction in policyTypes (or implied: Ingress always; Egress only when an
 * egress section exists), and NO rules for that direction — `ingress: [{}]` allows everything and does not count.
 * Live (optional `probe:`): a busybox pod in an allowed namespace must reach the target (positive control), then
 * one in the denied namespace must fail by timeout/refusal. Creates pods → mutating.
 */
import { z } from 'zod';
import { RULES } from './rules.js';
import type * as K8s from '@kubernetes/client-node';
import { CheckError, type CheckKind } from './contract.js';
import { openKube } from './support/kube-session.js';
import { kubeError, kubeStatusCode } from './support/kube-errors.js';
import { Prober, type ProbeRun } from './support/kube-probe.js';
import { listAll, mapBounded, PAGE_LIMIT } from './support/kube-list.js';

const direction = z.enum(['ingress', 'egress']);

const probe = z
  .strictObject({
    from: z.strictObject({ namespace: z.string().min(1).describe('namespace whose traffic must be refused') }).describe('the source that must be blocked'),
    allowedFrom: z
      .strictObject({ namespace: z.string().min(1).describe('namespace allowed to reach the target (positive control)') })
      .describe('a source that must get through first, so DNS/image/scheduling problems are not mistaken for isolation'),
    target: z
      .strictObject({
        service: z.string().min(1).optional().describe('Service name, e.g. detection-service (or give `url`)'),
        namespace: z.string().min(1).describe('namespace of the Service (unless the url names it: http://svc.ns:port)'),
        port: z.int().min(1).max(65535).optional().describe('port (default: the url\'s port, else the Service\'s first port)'),
        url: z
          .string()
          .min(1)
          .optional()
          .describe('or: the in-cluster URL, e.g. http://detection-service:8080 or http://detection-service.detektor:8080'),
      })
      .refine(RULES.serviceOrUrl, { message: 'give target.service or target.url' })
      .describe('the Service to connect to (its ClusterIP is used, so DNS is out of the picture)'),
    image: z.string().min(1).default('busybox:1.36').describe('probe image with busybox wget (default busybox:1.36)'),
    timeoutSeconds: z.int().min(1).max(60).default(3).describe('wget connect/read timeout in seconds (default 3)'),
    podTimeoutSeconds: z.int().min(5).max(600).default(90).describe('how long a probe pod may take to be scheduled, pull and finish (default 90)'),
  });

const params = z
  .strictObject({
    namespaces: z.array(z.string().min(1)).min(1).optional().describe('namespaces that must have default-deny'),
    namespaceSelector: z.string().min(1).optional().describe('or: a label selector choosing the namespaces, e.g. "team=detektor"'),
    directions: z
      .array(direction)
      .min(1)
      .default(['ingress'])
      .describe('which directions need a default-deny: [ingress] (default) or [ingress, egress]'),
    probe: probe
      .optional()
      .describe(
        'optional live probe, creates two short-lived pods: from.namespace, allowedFrom.namespace, target {service or url, namespace, port}, image, timeoutSeconds, podTimeoutSeconds',
      ),
  })
  .refine(RULES.namespacesOrSelector, {
    message: 'give `namespaces` (a list) or `namespaceSelector` (a label selector)',
  });

type Params = z.infer<typeof params>;
type Direction = z.infer<typeof direction>;

interface Policy {
  metadata?: { name?: string; namespace?: string };
  spec?: {
    podSelector?: { matchLabels?: Record<string, string> | null; matchExpressions?: unknown[] | null } | null;
    policyTypes?: string[] | null;
    ingress?: unknown[] | null;
    egress?: unknown[] | null;
  };
}

export function isEmptySelector(s: NonNullable<Policy['spec']>['podSelector']): boolean {
  return !s || (Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0);
}

/** policyTypes as the API server defaults them */
export function policyTypes(p: Policy): string[] {
  const t = p.spec?.policyTypes;
  if (t && t.length > 0) return t;
  return p.spec?.egress ? ['Ingress', 'Egress'] : ['Ingress'];
}

/** undefined when `p` is a default-deny for `dir`, else why not */
export function whyNotDeny(p: Policy, dir: Direction): string | undefined {
  const name = p.metadata?.name ?? '(unnamed)';
  const Type = dir === 'ingress' ? 'Ingress' : 'Egress';
  if (!isEmptySelector(p.spec?.podSelector)) return `policy ${name} selects only some pods (podSelector is not empty)`;
  if (!policyTypes(p).includes(Type)) return `policy ${name} does not cover ${Type} (policyTypes: ${policyTypes(p).join(', ')})`;
  const rules = (dir === 'ingress' ? p.spec?.ingress : p.spec?.egress) ?? [];
  if (rules.length > 0) {
    const allowAll = rules.some((r) => r && typeof r === 'object' && Object.keys(r).length === 0);
    return allowAll
      ? `policy ${name} has ${dir}: [{}] — that ALLOWS all ${dir} traffic`
      : `policy ${name} has ${rules.length} ${dir} rule${rules.length > 1 ? 's' : ''} (allows some traffic; a default-deny has none)`;
  }
  return undefined;
}

export interface NamespaceFinding {
  namespace: string;
  direction: Direction;
  defaultDeny: boolean;
  /** the policy that provides default-deny, when there is one */
  policy: string | null;
  reason: string;
}

export function analyseNamespace(namespace: string, policies: Policy[], dirs: Direction[]): NamespaceFinding[] {
  return dirs.map((dir) => {
    const deny = policies.find((p) => whyNotDeny(p, dir) === undefined);
    if (deny) {
      return { namespace, direction: dir, defaultDeny: true, policy: deny.metadata?.name ?? null, reason: `default-deny ${dir} by policy ${deny.metadata?.name}` };
    }
    const reasons = policies.map((p) => whyNotDeny(p, dir)!).filter(Boolean);
    return {
      namespace,
      direction: dir,
      defaultDeny: false,
      policy: null,
      reason: policies.length === 0 ? 'no NetworkPolicy in the namespace' : `no default-deny ${dir}: ${reasons.join('; ')}`,
    };
  });
}

function describeCall(p: Params): string {
  const ns = p.namespaces?.length ? p.namespaces : ['<namespaces matching ' + p.namespaceSelector + '>'];
  const lines = [
    ...(p.namespaceSelector
      ? [
          `GET /api/v1/namespaces?labelSelector=${encodeURIComponent(p.namespaceSelector)}&limit=${PAGE_LIMIT}`,
          `GET /apis/networking.k8s.io/v1/networkpolicies?limit=${PAGE_LIMIT} (all namespaces, pages joined by continue)`,
        ]
      : ns.map((n) => `GET /apis/networking.k8s.io/v1/namespaces/${n}/networkpolicies?limit=${PAGE_LIMIT}`)),
  ];
  if (p.probe) {
    const t = probeTarget(p.probe.target);
    lines.push(
      `probe: create pod (${p.probe.image}) in ${p.probe.allowedFrom.namespace} then in ${p.probe.from.namespace}: wget -T ${p.probe.timeoutSeconds} http://<ClusterIP of ${t.namespace}/${t.service}>:${t.port ?? '<port>'}/ — pods labelled app.kubernetes.io/managed-by=readiness-tui, deleted afterwards`,
    );
  }
  return lines.join('; ');
}

export const kubernetesNetworkPolicy: CheckKind<Params> = {
  kind: 'kubernetes.network-policy',
  title: 'Default-deny NetworkPolicies per namespace (optional live isolation probe)',
  description:
    'Static: for each namespace in scope, is there a NetworkPolicy with an empty podSelector that covers the ' +
    'direction (policyTypes, or implied: Ingress always, Egress when an egress section exists) and has no rules for ' +
    'it? `ingress: [{}]` is allow-all and does not count. Lists the namespaces lacking it, with the reason. ' +
    'Optional `probe:` (mutating: creates pods): a busybox wget from `allowedFrom` must reach the target Service ' +
    '(else error: the probe cannot judge), then one from `from` must fail by timeout or refusal (isolated) — a ' +
    'connection means NOT isolated (fail); a DNS/image failure is an error, not isolation. Probe pods are labelled ' +
    'app.kubernetes.io/managed-by=readiness-tui and deleted on success, failure, cancel, and at the next start. ' +
    'Note: policies are only enforced by a policy-capable CNI — the probe is the proof.',
  outcomes: {
    error: 'the cluster cannot be read; with `probe`: the positive control cannot reach the target, or the probe fails for a reason other than isolation (DNS, image pull)',
    fail: 'a namespace in scope lacks a default-deny policy, or the probe connected from the denied namespace (not isolated)',
    inconclusive: 'namespaceSelector matches no namespace',
  },
  params,
  resultDoc: {
    namespaces: 'the namespaces checked',
    total: 'number of namespace × direction pairs checked',
    compliant: 'pairs with a default-deny',
    findings: 'every pair: {namespace, direction, defaultDeny, policy, reason}',
    lacking: 'the pairs without default-deny: {namespace, direction, reason}',
    probe:
      'null when no probe ran; else {target, allowed: {namespace, pod, result, exitCode, log}, denied: {…}, isolated}. result is connected | timeout | refused | dns | image | no-finish | other',
  },
  example: [
    'check:',
    '  kind: kubernetes.network-policy',
    '  namespaces: [detektor]',
    '  directions: [ingress, egress]',
    '  probe:                       # optional, creates pods (mutating)',
    '    from: {namespace: default}',
    '    allowedFrom: {namespace: detektor}',
    '    target: {service: detection-service, namespace: detektor, port: 8080}',
  ].join('\n'),
  defaultExpect: '$count(lacking) = 0 and (probe = null or probe.isolated = true)',
  mutating: RULES.hasProbe,
  describe: (p) => describeCall(p),
  async run(p, ctx) {
    const kube = await openKube(ctx);
    const core = await kube.client(kube.k8s.CoreV1Api);
    const net = await kube.client(kube.k8s.NetworkingV1Api);

    let namespaces: string[];
    const missing = new Set<string>();
    /** namespace → its policies, read by one list across all namespaces (selector) or one per namespace */
    const policiesOf = new Map<string, Policy[]>();
    if (p.namespaceSelector) {
      ctx.emit(`GET /api/v1/namespaces?labelSelector=${p.namespaceSelector}&limit=${PAGE_LIMIT}`);
      const selected = await listAll(kube, `list namespaces matching ${p.namespaceSelector}`, (page) => core.listNamespace({ ...page, labelSelector: p.namespaceSelector }), (n) => n.metadata?.name || undefined);
      namespaces = [...new Set([...(p.namespaces ?? []), ...selected])].sort();
      if (namespaces.length === 0) {
        return {
          result: { namespaces: [], total: 0, compliant: 0, findings: [], lacking: [], probe: null },
          summary: `no namespace matches ${p.namespaceSelector} — nothing to judge`,
          verdict: 'inconclusive',
        };
      }
      const inScope = new Set(namespaces);
      ctx.emit(`GET /apis/networking.k8s.io/v1/networkpolicies?limit=${PAGE_LIMIT} (all namespaces)`);
      const all = await listAll(kube, 'list networkpolicies in all namespaces', (page) => net.listNetworkPolicyForAllNamespaces(page), (np) =>
        inScope.has(np.metadata?.namespace ?? '') ? (np as Policy) : undefined,
      );
      for (const np of all) {
        const ns = np.metadata?.namespace ?? '';
        const list = policiesOf.get(ns);
        if (list) list.push(np);
        else policiesOf.set(ns, [np]);
      }
    } else {
      namespaces = [...new Set(p.namespaces ?? [])];
      await mapBounded(namespaces, async (ns) => {
        try {
          await core.readNamespace({ name: ns });
        } catch (e) {
          const code = kubeStatusCode(e);
          if (code === 404) missing.add(ns);
          else if (code !== 403) throw kubeError(e, { target: kube.target, action: `read namespace ${ns}`, signal: ctx.signal, requestTimeoutMs: kube.requestTimeoutMs });
          // 403: no cluster-scope read of namespaces — go on and list its policies
        }
      });
      await mapBounded(
        namespaces.filter((ns) => !missing.has(ns)),
        async (ns) => {
          const got = await listAll(kube, `list networkpolicies in ${ns}`, (page) => net.listNamespacedNetworkPolicy({ ...page, namespace: ns }), (np) => np as Policy);
          policiesOf.set(ns, got);
        },
      );
    }

    const findings: NamespaceFinding[] = [];
    for (const ns of namespaces) {
      if (missing.has(ns)) {
        for (const dir of p.directions) findings.push({ namespace: ns, direction: dir, defaultDeny: false, policy: null, reason: 'namespace not found' });
        ctx.emit(`namespace ${ns}: not found`, 'stderr');
        continue;
      }
      for (const f of analyseNamespace(ns, policiesOf.get(ns) ?? [], p.directions)) {
        findings.push(f);
        ctx.emit(`${f.defaultDeny ? 'ok     ' : 'MISSING'}  ${ns} ${f.direction}: ${f.reason}`);
      }
    }
    const lacking = findings.filter((f) => !f.defaultDeny).map((f) => ({ namespace: f.namespace, direction: f.direction, reason: f.reason }));

    let probeResult: { target: string; allowed: ProbeRun; denied: ProbeRun; isolated: boolean } | null = null;
    if (p.probe) {
      probeResult = await runProbe(p.probe, kube, ctx, core);
    }

    const result = { namespaces, total: findings.length, compliant: findings.length - lacking.length, findings, lacking, probe: probeResult };
    const dirs = p.directions.join('+');
    const staticPart =
      p.directions.length === 1
        ? `default-deny ${dirs} in ${result.compliant}/${result.total} namespace${result.total === 1 ? '' : 's'}`
        : `default-deny ${dirs}: ${result.compliant}/${result.total} namespace×direction pairs (${namespaces.length} namespace${namespaces.length === 1 ? '' : 's'})`;
    const probePart = probeResult
      ? probeResult.isolated
        ? `; probe ${p.probe!.from.namespace} → ${probeResult.target} blocked (${probeResult.denied.result})`
        : `; probe ${p.probe!.from.namespace} → ${probeResult.target} CONNECTED (not isolated)`
      : '';
    return {
      result,
      summary: staticPart + (lacking.length ? ` — lacking: ${lacking.map((l) => `${l.namespace} ${l.direction}`).join(', ')}` : '') + probePart,
      measured: `${lacking.length} lacking default-deny${probeResult ? `, probe ${probeResult.isolated ? 'blocked' : 'connected'}` : ''}`,
      threshold: `default-deny ${dirs} in every namespace${probeResult ? ', probe blocked' : ''}`,
      offending: [
        ...lacking,
        ...(probeResult && !probeResult.isolated
          ? [{ namespace: probeResult.denied.namespace, direction: 'probe', reason: `pod in ${probeResult.denied.namespace} reached ${probeResult.target}` }]
          : []),
      ],
    };
  },
};

/** service/namespace/port from the target (a url like http://svc[.ns[.svc…]]:port names them too) */
export function probeTarget(t: NonNullable<Params['probe']>['target']): { service: string; namespace: string; port?: number } {
  if (t.service) return { service: t.service, namespace: t.namespace, port: t.port };
  // the scheme is cut off first: an optional scheme inside the pattern would let "http://:8080" read as host "http";
  // the host (and port) must end the URL or be followed by a path, so another scheme ("ftp://svc") names nothing
  const m = (t.url ?? '').replace(/^https?:\/\//i, '').match(/^([^/:?#]+)(?::(\d+))?(?:[/?#]|$)/);
  const host = (m?.[1] ?? '').split('.');
  if (!host[0]) throw new CheckError(`probe.target.url "${t.url}" names no service`, 'use a URL such as http://detection-service:8080, or give target.service');
  const port = t.port ?? (m?.[2] ? Number(m[2]) : undefined);
  return { service: host[0] ?? '', namespace: host.length >= 2 ? host[1]! : t.namespace, port };
}

async function runProbe(
  pp: NonNullable<Params['probe']>,
  kube: Awaited<ReturnType<typeof openKube>>,
  ctx: Parameters<CheckKind['run']>[1],
  core: K8s.CoreV1Api,
) {
  const prober = new Prober(kube, ctx, core);
  const settings = { image: pp.image, timeoutSeconds: pp.timeoutSeconds, podTimeoutSeconds: pp.podTimeoutSeconds };
  const t = probeTarget(pp.target);
  const target = `${t.namespace}/${t.service}`;
  try {
    await prober.removeLeftovers([pp.allowedFrom.namespace, pp.from.namespace]);
    const url = await prober.targetUrl(t);
    ctx.emit(`probe target ${target} → ${url}`);
    const allowed = await prober.run(pp.allowedFrom.namespace, 'allowed', url, settings);
    if (allowed.result !== 'connected') {
      throw new CheckError(
        `probe positive control failed: a pod in ${pp.allowedFrom.namespace} could not reach ${target} (${allowed.result}${allowed.log ? `: ${allowed.log.split('\n').pop()}` : ''}) — isolation cannot be judged`,
        allowed.result === 'image'
          ? `the probe image ${pp.image} could not be pulled: set probe.image to an image your cluster can pull`
          : `make sure ${pp.allowedFrom.namespace} may reach ${target} on that port (and the Service has ready endpoints), or choose another allowedFrom namespace`,
      );
    }
    const denied = await prober.run(pp.from.namespace, 'denied', url, settings);
    if (denied.result === 'connected') {
      ctx.emit(`NOT ISOLATED: a pod in ${pp.from.namespace} reached ${target}`, 'stderr');
      return { target, allowed, denied, isolated: false };
    }
    if (denied.result === 'timeout' || denied.result === 'refused') {
      ctx.emit(`isolated: ${pp.from.namespace} → ${target} ${denied.result === 'timeout' ? 'timed out' : 'refused'}`);
      return { target, allowed, denied, isolated: true };
    }
    throw new CheckError(
      `probe from ${pp.from.namespace} failed for the wrong reason (${denied.result}${denied.log ? `: ${denied.log.split('\n').pop()}` : ''}) — that is not proof of isolation`,
      denied.result === 'image'
        ? `the image ${pp.image} cannot be pulled in ${pp.from.namespace}: set probe.image`
        : `a blocked connection must time out or be refused; check scheduling/quotas in ${pp.from.namespace} and run again`,
    );
  } finally {
    await prober.cleanup();
  }
}
