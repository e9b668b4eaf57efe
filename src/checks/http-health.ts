/**
 * http.health (seed 2.3 "Health check optimization"): N timed requests to every health endpoint; per target the
 * status codes, min/p50/p95/max latency and errors; verdict: every response arrived within the budget with the
 * expected status. The full per-sample table goes to the evidence as health_check_results.json.
 *
 * error vs fail: a target that times out, refuses, or answers the wrong status is a finding about the service → the
 * check runs to the end and `expect` fails. Only when NOT ONE target produced any HTTP response (every request
 * refused / unresolvable / TLS-rejected / timed out) is the whole check an `error` — then the network path or the
 * addresses are wrong, and "the service is unhealthy" would be a guess.
 */
import { z } from 'zod';
import { RULES } from './rules.js';
import { CheckError, type CheckContext, type CheckKind, type CheckOutput } from './contract.js';
import { RequestTimeoutError, httpRequest, httpTlsParams, safeUrl } from './support/http.js';
import { secretRefSchema, resolveSecretRef } from './support/secret-ref.js';
import { listAll, PAGE_LIMIT } from './support/kube-list.js';
import { openKube } from './support/kube-session.js';

const targetSchema = z.object({
  name: z.string().min(1).describe('short name shown in the results, e.g. "api"'),
  url: z.string().min(1).describe('full URL of the health endpoint, e.g. http://detection-service:8080/health'),
  method: z.enum(['GET', 'HEAD', 'POST']).default('GET').describe('HTTP method'),
  expectStatus: z
    .union([z.number().int(), z.array(z.number().int()).min(1)])
    .optional()
    .describe('status code(s) that count as healthy; default any 2xx'),
  headers: z.record(z.string(), z.string()).default({}).describe('plain (non-secret) request headers'),
  secretHeaders: z
    .record(z.string(), secretRefSchema)
    .default({})
    .describe('headers whose values come from env or a secret variable, e.g. {Authorization: {env: HEALTH_TOKEN, prefix: "Bearer "}}'),
  budgetMs: z.number().positive().optional().describe('latency budget for this target (default: the check budgetMs)'),
});

const discoverSchema = z
  .object({
    namespaces: z.array(z.string().min(1)).min(1).optional().describe('namespaces to look in (default: all)'),
    labelSelector: z.string().optional().describe('only Services matching this label selector'),
    urlAnnotation: z
      .string()
      .default('readiness.io/health-url')
      .describe('annotation holding the full health URL (used as is, e.g. an ingress address)'),
    pathAnnotation: z
      .string()
      .default('readiness.io/health-path')
      .describe('annotation holding a path; the URL becomes <scheme>://<service>.<namespace>.<clusterDomain>:<port><path>'),
    portAnnotation: z.string().default('readiness.io/health-port').describe('annotation naming the port (default: the first port)'),
    scheme: z.enum(['http', 'https']).default('http'),
    clusterDomain: z.string().default('svc').describe('DNS suffix after <service>.<namespace>, e.g. svc or svc.cluster.local'),
    expectStatus: z.union([z.number().int(), z.array(z.number().int()).min(1)]).optional().describe('expected status for discovered targets (default 2xx)'),
  })
  .strict();

const params = z
  .object({
    targets: z.array(targetSchema).default([]).describe('the health endpoints to probe'),
    discover: discoverSchema
      .optional()
      .describe('also probe every Kubernetes Service carrying the health annotation (read through the kube context)'),
    samples: z.number().int().min(1).max(1000).default(5).describe('requests per target'),
    intervalMs: z.number().int().min(0).default(100).describe('pause between two samples of one target'),
    budgetMs: z.number().positive().default(1000).describe('every response must arrive within this many ms'),
    requestTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(5000)
      .describe('a request with no answer after this long counts as a failed sample (a dead endpoint never hangs the run)'),
    stopAfterTimeouts: z
      .number()
      .int()
      .min(1)
      .default(1)
      .describe('after this many timed-out requests a target gets no more samples (it has failed already): a dead endpoint costs stopAfterTimeouts × requestTimeoutMs, not samples × requestTimeoutMs'),
    concurrency: z.number().int().min(1).max(32).default(4).describe('targets probed at the same time'),
    ...httpTlsParams,
  })
  .strict()
  .refine(RULES.targetsOrDiscover, { message: 'give `targets`, `discover`, or both' });

type Params = z.infer<typeof params>;
type Discover = z.infer<typeof discoverSchema>;
type Target = z.infer<typeof targetSchema>;

interface Sample {
  n: number;
  status?: number;
  ms?: number;
  error?: string;
}

export interface TargetResult {
  name: string;
  url: string;
  method: string;
  expectStatus: string;
  budgetMs: number;
  /** last HTTP status seen (undefined if none answered) */
  status?: number;
  statuses: Record<string, number>;
  answered: number;
  errors: string[];
  latency: { min: number; p50: number; p95: number; max: number } | null;
  ok: boolean;
  problems: string[];
  samples: Sample[];
  /** samples not sent because the target had timed out stopAfterTimeouts times */
  skipped: number;
}

/** nearest-rank percentile of sorted values */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

const statusOk = (t: Target, s: number): boolean =>
  t.expectStatus === undefined ? s >= 200 && s < 300 : Array.isArray(t.expectStatus) ? t.expectStatus.includes(s) : t.expectStatus === s;

const expectText = (t: Target): string =>
  t.expectStatus === undefined ? '2xx' : Array.isArray(t.expectStatus) ? t.expectStatus.join('|') : String(t.expectStatus);

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const onAbort = () => (clearTimeout(t), resolve());
    // remove the listener when the timer fires: one per sample would pile up on the check's signal
    const t = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

async function probe(t: Target, p: Params, ctx: CheckContext): Promise<TargetResult> {
  const budgetMs = t.budgetMs ?? p.budgetMs;
  const headers: Record<string, string> = { ...t.headers };
  for (const [name, ref] of Object.entries(t.secretHeaders)) headers[name] = resolveSecretRef(ref, ctx, `header ${name} of target ${t.name}`);
  const samples: Sample[] = [];
  let timeouts = 0;
  for (let n = 1; n <= p.samples && !ctx.signal.aborted; n++) {
    if (timeouts >= p.stopAfterTimeouts) {
      ctx.emit(`[${t.name}] stopped after ${timeouts} timeout(s): ${p.samples - n + 1} more sample(s) not sent`, 'stderr');
      break;
    }
    if (n > 1) await sleep(p.intervalMs, ctx.signal);
    try {
      const res = await httpRequest(t.url, {
        method: t.method,
        headers,
        signal: ctx.signal,
        timeoutMs: p.requestTimeoutMs,
        tls: { caFile: p.caFile, insecure: p.insecure },
        cwd: ctx.cwd,
        emit: n === 1 ? ctx.emit : undefined,
        service: `health endpoint ${t.name}`,
        maxBytes: 1024 * 1024,
      });
      samples.push({ n, status: res.status, ms: res.durationMs });
      const flag = !statusOk(t, res.status) ? '  ✗ unexpected status' : res.durationMs >= budgetMs ? '  ✗ over budget' : '';
      ctx.emit(`[${t.name}] ${t.method} ${safeUrl(t.url)} → ${res.status} in ${res.durationMs} ms (${n}/${p.samples})${flag}`);
    } catch (err) {
      if (ctx.signal.aborted) break;
      const msg = err instanceof CheckError ? err.message : String(err);
      if (err instanceof RequestTimeoutError) timeouts++;
      samples.push({ n, error: msg });
      ctx.emit(`[${t.name}] ${t.method} ${safeUrl(t.url)} → ${msg} (${n}/${p.samples})`, 'stderr');
    }
  }
  const answered = samples.filter((s) => s.status !== undefined);
  const lat = answered.map((s) => s.ms!).sort((a, b) => a - b);
  const statuses: Record<string, number> = {};
  for (const s of answered) statuses[String(s.status)] = (statuses[String(s.status)] ?? 0) + 1;
  const errors = [...new Set(samples.filter((s) => s.error).map((s) => s.error!))];
  const latency = lat.length
    ? { min: lat[0]!, p50: percentile(lat, 50), p95: percentile(lat, 95), max: lat[lat.length - 1]! }
    : null;
  const problems: string[] = [];
  const failed = samples.length - answered.length;
  const skipped = ctx.signal.aborted ? 0 : p.samples - samples.length;
  if (failed) problems.push(`${failed}/${samples.length} requests got no answer`);
  if (skipped) problems.push(`stopped after ${timeouts} timeout(s): ${skipped} sample(s) not sent`);
  const bad = answered.filter((s) => !statusOk(t, s.status!));
  if (bad.length) problems.push(`${bad.length} answered ${[...new Set(bad.map((s) => s.status))].join(', ')} (expected ${expectText(t)})`);
  const slow = answered.filter((s) => s.ms! >= budgetMs);
  if (slow.length) problems.push(`${slow.length} slower than ${budgetMs} ms (max ${latency?.max} ms)`);
  return {
    name: t.name,
    url: safeUrl(t.url),
    method: t.method,
    expectStatus: expectText(t),
    budgetMs,
    status: answered.at(-1)?.status,
    statuses,
    answered: answered.length,
    errors,
    latency,
    ok: problems.length === 0 && samples.length === p.samples,
    problems,
    samples,
    skipped,
  };
}

interface ServiceLike {
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> | null };
  spec?: { ports?: { name?: string; port?: number }[] };
}

/** targets from annotated Services; Services without the annotations are ignored, bad annotations reported */
export function targetsFromServices(services: ServiceLike[], d: Discover): { targets: Target[]; skipped: string[] } {
  const targets: Target[] = [];
  const skipped: string[] = [];
  for (const svc of services) {
    const ann = svc.metadata?.annotations ?? {};
    const ns = svc.metadata?.namespace ?? 'default';
    const name = `${ns}/${svc.metadata?.name ?? '?'}`;
    let url = ann[d.urlAnnotation];
    if (!url && ann[d.pathAnnotation] !== undefined) {
      const ports = svc.spec?.ports ?? [];
      const wanted = ann[d.portAnnotation];
      const port = wanted ? ports.find((p) => p.name === wanted || String(p.port) === wanted)?.port : ports[0]?.port;
      if (!port) {
        skipped.push(`${name}: no port ${wanted ?? ''} in spec.ports`.replace('  ', ' '));
        continue;
      }
      const pth = ann[d.pathAnnotation]!.startsWith('/') ? ann[d.pathAnnotation]! : `/${ann[d.pathAnnotation]}`;
      url = `${d.scheme}://${svc.metadata?.name}.${ns}.${d.clusterDomain}:${port}${pth}`;
    }
    if (!url) continue;
    targets.push({ name, url, method: 'GET', headers: {}, secretHeaders: {}, ...(d.expectStatus !== undefined ? { expectStatus: d.expectStatus } : {}) });
  }
  return { targets, skipped };
}

async function discoverTargets(d: Discover, ctx: CheckContext): Promise<Target[]> {
  const kube = await openKube(ctx);
  const core = await kube.client(kube.k8s.CoreV1Api);
  const services: ServiceLike[] = [];
  const q = d.labelSelector ? { labelSelector: d.labelSelector } : {};
  for (const ns of d.namespaces ?? [undefined]) {
    ctx.emit(`${ns ? `GET /api/v1/namespaces/${ns}/services` : 'GET /api/v1/services'}?limit=${PAGE_LIMIT}`);
    const list = await listAll(kube, ns ? `list services in ${ns}` : 'list services in all namespaces', (page) =>
      ns ? core.listNamespacedService({ namespace: ns, ...q, ...page }) : core.listServiceForAllNamespaces({ ...q, ...page }),
    (svc) => svc as ServiceLike);
    services.push(...list);
  }
  const { targets, skipped } = targetsFromServices(services, d);
  ctx.emit(`  ${services.length} Service(s), ${targets.length} with ${d.urlAnnotation} or ${d.pathAnnotation}`);
  for (const t of targets) ctx.emit(`  discovered ${t.name} → ${safeUrl(t.url)}`);
  for (const s of skipped) ctx.emit(`  skipped ${s}`, 'stderr');
  return targets;
}

export const httpHealth: CheckKind<Params> = {
  kind: 'http.health',
  title: 'Health endpoints answer with the expected status within a latency budget',
  description:
    'Sends `samples` timed requests to each target (a few at a time) and reports per target the status codes, ' +
    'min/p50/p95/max latency and errors; writes health_check_results.json into the evidence. A request with no ' +
    'answer within requestTimeoutMs is a failed sample, so a dead endpoint never hangs the run. How long it takes: ' +
    'one target at most samples × requestTimeoutMs + (samples − 1) × intervalMs, but a target that timed out ' +
    'stopAfterTimeouts times (default 1) gets no more samples, so a dead one costs stopAfterTimeouts × ' +
    'requestTimeoutMs (5 s by default, not 5 × 5 s); `concurrency` targets run at a time; the item\'s `timeout` ' +
    '(default 10 min) bounds the whole check and, when it expires first, the item is `timeout` with nothing judged ' +
    '(a warning is printed when the worst case exceeds it). ' +
    'Targets can also be discovered from Kubernetes Services annotated readiness.io/health-url (used as is) or ' +
    'readiness.io/health-path (+ readiness.io/health-port) → <service>.<namespace>.svc:<port><path>. ' +
    'fail = some target timed out, answered an unexpected status or was over budget; error = not one target ' +
    'answered at all (wrong addresses or no network path), a header secret is not set, or the cluster could not be ' +
    'read; inconclusive = discovery found nothing to probe.',
  outcomes: {
    error: 'not one target answered at all (wrong addresses, no network path), a header secret is not set, discovery cannot read the cluster',
    fail: 'a target timed out, answered an unexpected status, or was over its latency budget',
    inconclusive: 'discovery found no annotated Service to probe',
  },
  params,
  resultDoc: {
    budgetMs: 'the default latency budget (ms)',
    samples: 'requests per target',
    targets:
      'per target: {name, url, method, expectStatus, budgetMs, status (last), statuses {code: count}, answered, errors[], latency {min,p50,p95,max} ms or null, ok, problems[], samples[{n,status,ms,error}], skipped (samples not sent after stopAfterTimeouts timeouts)}',
    allOk: 'true when every target answered every sample with the expected status within its budget',
    failing: 'names of the targets that are not ok',
    maxLatencyMs: 'the slowest answer over all targets (ms), null when none answered',
    discovered: 'number of targets found on annotated Kubernetes Services',
    evidenceFile: 'relative path of health_check_results.json in the evidence',
  },
  example: [
    'check:',
    '  kind: http.health',
    '  samples: 10',
    '  budgetMs: 1000',
    '  targets:',
    '    - name: api',
    '      url: ${vars.apiUrl}/health',
    '    - name: ready',
    '      url: ${vars.apiUrl}/ready',
    '      expectStatus: [200, 204]',
    '      secretHeaders: {Authorization: {env: HEALTH_TOKEN, prefix: "Bearer "}}',
    '  expect: allOk and maxLatencyMs < 1000',
  ].join('\n'),
  defaultExpect: 'allOk = true',
  describe(p) {
    const d = p.discover;
    const disc = d
      ? [`GET /api/v1/${d.namespaces ? `namespaces/{${d.namespaces.join(',')}}/` : ''}services${d.labelSelector ? `?labelSelector=${d.labelSelector}` : ''} → Services annotated ${d.urlAnnotation} / ${d.pathAnnotation}, ×${p.samples} each`]
      : [];
    const lines = p.targets.map(
      (t) =>
        `${t.method} ${safeUrl(t.url)} ×${p.samples} (expect ${expectText(t)}, < ${t.budgetMs ?? p.budgetMs} ms` +
        `${Object.keys(t.secretHeaders).length ? `, headers ${Object.keys(t.secretHeaders).join(', ')} from secrets` : ''})`,
    );
    return `${[...lines, ...disc].join('\n')}\nrequest timeout ${p.requestTimeoutMs} ms, a target gets no more samples after ${p.stopAfterTimeouts} timeout(s)${p.insecure ? ' — TLS VERIFICATION OFF (insecure: true)' : ''}`;
  },
  async run(p, ctx): Promise<CheckOutput> {
    // resolve secrets up front so a missing token is an error before any request goes out
    for (const t of p.targets) for (const [n, ref] of Object.entries(t.secretHeaders)) resolveSecretRef(ref, ctx, `header ${n} of target ${t.name}`);
    const discovered = p.discover ? await discoverTargets(p.discover, ctx) : [];
    const all = [...p.targets, ...discovered.filter((d) => !p.targets.some((t) => t.url === d.url))];
    if (all.length === 0) {
      return {
        result: { budgetMs: p.budgetMs, samples: p.samples, targets: [], allOk: false, failing: [], maxLatencyMs: null, discovered: 0, evidenceFile: null },
        summary: `no health endpoint to probe: no Service carries ${p.discover?.urlAnnotation} or ${p.discover?.pathAnnotation}`,
        verdict: 'inconclusive',
        measured: '0 targets',
        threshold: `every response < ${p.budgetMs} ms`,
      };
    }
    ctx.emit(`probing ${all.length} health endpoint(s), ${p.samples} sample(s) each, budget ${p.budgetMs} ms`);
    const worstMs = Math.ceil(all.length / p.concurrency) * (p.samples * p.requestTimeoutMs + (p.samples - 1) * p.intervalMs);
    if (worstMs > ctx.timeoutMs) {
      ctx.emit(
        `  warning: endpoints that answer just under requestTimeoutMs could take ${Math.round(worstMs / 1000)} s, more than the item's timeout of ${Math.round(ctx.timeoutMs / 1000)} s: raise the item's \`timeout\` or lower samples / requestTimeoutMs`,
        'stderr',
      );
    }
    const results: TargetResult[] = new Array(all.length);
    let next = 0;
    const worker = async () => {
      while (next < all.length && !ctx.signal.aborted) {
        const i = next++;
        results[i] = await probe(all[i]!, p, ctx);
      }
    };
    await Promise.all(Array.from({ length: Math.min(p.concurrency, all.length) }, worker));
    if (ctx.signal.aborted) throw new CheckError('health probing was cancelled', 're-run the item');

    const answeredAny = results.some((r) => r.answered > 0);
    const maxes = results.flatMap((r) => (r.latency ? [r.latency.max] : []));
    const failing = results.filter((r) => !r.ok).map((r) => r.name);
    const evidence = {
      generatedAt: new Date().toISOString(),
      budgetMs: p.budgetMs,
      samples: p.samples,
      requestTimeoutMs: p.requestTimeoutMs,
      // one row per target, with response_time = its slowest answer, as the seed's script reads it
      results: results.map((r) => ({ ...r, response_time: r.latency?.max ?? null })),
    };
    const evidenceFile = await ctx.attach('health_check_results.json', JSON.stringify(evidence, null, 2) + '\n');
    if (!answeredAny) {
      const why = results.map((r) => `${r.name}: ${r.errors[0] ?? 'no answer'}`).join('; ');
      throw new CheckError(
        `no health endpoint answered at all (${why})`,
        'check the target URLs and that this machine can reach them (VPN, port-forward); per-request details are in health_check_results.json',
      );
    }
    for (const r of results) {
      const l = r.latency;
      ctx.emit(
        `${r.ok ? '✓' : '✗'} ${r.name}: ${r.answered}/${p.samples} answered` +
          (l ? `, min ${l.min} / p50 ${l.p50} / p95 ${l.p95} / max ${l.max} ms` : '') +
          (r.problems.length ? ` — ${r.problems.join('; ')}` : ''),
      );
    }
    const maxLatencyMs = maxes.length ? Math.max(...maxes) : null;
    return {
      result: { budgetMs: p.budgetMs, samples: p.samples, targets: results, allOk: failing.length === 0, failing, maxLatencyMs, discovered: discovered.length, evidenceFile },
      summary:
        failing.length === 0
          ? `${results.length}/${results.length} endpoints healthy, slowest ${maxLatencyMs} ms (budget ${p.budgetMs} ms)`
          : `${failing.length}/${results.length} endpoints unhealthy: ${results
              .filter((r) => !r.ok)
              .map((r) => `${r.name} (${r.problems.join('; ')})`)
              .join(', ')}`,
      measured: maxLatencyMs === null ? 'no answers' : `slowest ${maxLatencyMs} ms`,
      threshold: `every response < ${p.budgetMs} ms with expected status`,
      offending: results
        .filter((r) => !r.ok)
        .map((r) => ({ name: r.name, url: r.url, problems: r.problems, errors: r.errors, latency: r.latency, statuses: r.statuses })),
    };
  },
};
