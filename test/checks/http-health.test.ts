import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpHealth, percentile, type TargetResult } from '../../src/checks/http-health.js';
import { CheckError } from '../../src/checks/contract.js';
import { startHealthServer, type HealthServer } from '../../src/demo/servers/health.js';
import { basicContext, runKind } from '../support/check-context-basic.js';
import { evaluateDefault } from '../support/expect-default.js';

let srv: HealthServer;

beforeAll(async () => {
  srv = await startHealthServer([
    { path: '/health', status: 200 },
    { path: '/ready', status: 204, latencyMs: 30 },
    { path: '/slow', status: 200, latencyMs: 250 },
    { path: '/broken', status: 503 },
    { path: '/dead', hang: true },
    { path: '/auth', status: 200, requireHeader: { name: 'authorization', value: 'Bearer s3cr3t-health-token' } },
    { path: '/plain-auth', status: 200, requireHeader: { name: 'x-probe', value: 'yes' } },
    { path: '/moved', status: 300 },
    { path: '/untouched', status: 200 },
  ]);
});
afterAll(async () => {
  await srv.close();
});

describe('http.health', () => {
  it('passes when every sample answers the expected status within budget, and writes health_check_results.json', async () => {
    const ctx = await basicContext();
    const out = await runKind(
      httpHealth,
      {
        samples: 4,
        intervalMs: 0,
        // far above /ready's 30 ms: within budget even on a loaded machine
        budgetMs: 10_000,
        targets: [
          { name: 'api', url: `${srv.url}/health` },
          { name: 'ready', url: `${srv.url}/ready`, expectStatus: [200, 204] },
        ],
      },
      ctx,
    );
    const r = out.result as { allOk: boolean; targets: { name: string; answered: number; statuses: Record<string, number>; latency: { min: number; max: number; p95: number } }[] };
    expect(r.allOk).toBe(true);
    expect(r.targets.map((t) => [t.name, t.answered])).toEqual([['api', 4], ['ready', 4]]);
    expect(r.targets[1]!.statuses).toEqual({ '204': 4 });
    expect(r.targets[1]!.latency.min).toBeGreaterThanOrEqual(25);
    expect(srv.hits.get('/health')).toBeGreaterThanOrEqual(4);
    expect(await evaluateDefault(httpHealth, out.result)).toBe(true);
    const file = JSON.parse(ctx.attachments.get('health_check_results.json')!);
    expect(file.results).toHaveLength(2);
    expect(typeof file.results[0].response_time).toBe('number');
    expect(ctx.lines.some((l) => /\[ready\] GET .*\/ready → 204 in \d+ ms \(4\/4\)/.test(l.line))).toBe(true);
    await ctx.dispose();
  });

  it('fails (not errors) on a slow endpoint, a wrong status and a never-answering one — bounded by the request timeout', async () => {
    const ctx = await basicContext();
    const out = await runKind(
      httpHealth,
      {
        samples: 2,
        intervalMs: 0,
        // budgets far from the latencies (0 ms within 5 s, 250 ms beyond 100 ms) and a timeout well above 250 ms: the
        // same verdict on a loaded machine; /dead costs one timeout
        budgetMs: 5000,
        requestTimeoutMs: 1500,
        targets: [
          { name: 'ok', url: `${srv.url}/health` },
          { name: 'slow', url: `${srv.url}/slow`, budgetMs: 100 },
          { name: 'broken', url: `${srv.url}/broken` },
          { name: 'dead', url: `${srv.url}/dead` },
        ],
      },
      ctx,
    );
    const r = out.result as { allOk: boolean; failing: string[]; targets: { name: string; ok: boolean; problems: string[]; errors: string[]; latency: unknown }[] };
    expect(r.allOk).toBe(false);
    expect(r.failing).toEqual(['slow', 'broken', 'dead']);
    const dead = r.targets.find((t) => t.name === 'dead')!;
    expect(dead.latency).toBeNull();
    // the dead one is given up on after its request timeout, and sampled no more after its first timeout
    expect(dead.errors).toEqual([expect.stringMatching(/^no response from health endpoint dead at http:\/\/127\.0\.0\.1:\d+\/dead within 1\.5s$/)]);
    expect(dead.problems).toEqual(['1/1 requests got no answer', 'stopped after 1 timeout(s): 1 sample(s) not sent']);
    expect(r.targets.find((t) => t.name === 'broken')!.problems[0]).toMatch(/503 \(expected 2xx\)/);
    expect(r.targets.find((t) => t.name === 'slow')!.problems[0]).toMatch(/slower than 100 ms/);
    expect(await evaluateDefault(httpHealth, out.result)).toBe(false);
    expect(out.offending?.map((o) => o.name)).toEqual(['slow', 'broken', 'dead']);
    await ctx.dispose();
  });

  it('stops sampling a target after its first timeout (stopAfterTimeouts), and warns when the worst case outlasts the item', async () => {
    const ctx = await basicContext({ timeoutMs: 2000 });
    const t0 = Date.now();
    const out = await runKind(
      httpHealth,
      { samples: 5, intervalMs: 0, budgetMs: 60_000, requestTimeoutMs: 300, targets: [{ name: 'ok', url: `${srv.url}/health` }, { name: 'dead', url: `${srv.url}/dead` }] },
      ctx,
    );
    // 1 × 300 ms for the dead one instead of 5 × 300 ms
    expect(Date.now() - t0).toBeLessThan(5 * 300);
    const r = out.result as { failing: string[]; targets: { name: string; skipped: number; samples: unknown[]; problems: string[] }[] };
    const dead = r.targets.find((t) => t.name === 'dead')!;
    expect(dead.samples).toHaveLength(1);
    expect(dead.skipped).toBe(4);
    expect(dead.problems).toEqual(['1/1 requests got no answer', 'stopped after 1 timeout(s): 4 sample(s) not sent']);
    expect(r.targets.find((t) => t.name === 'ok')).toMatchObject({ skipped: 0, samples: expect.any(Array) });
    expect(r.failing).toEqual(['dead']);
    expect(ctx.lines.some((l) => l.line === '[dead] stopped after 1 timeout(s): 4 more sample(s) not sent')).toBe(true);
    // worst case ceil(2/4) × (5 × 300 ms) = 1.5 s fits 2 s: no warning
    expect(ctx.lines.some((l) => l.line.includes('warning:'))).toBe(false);
    const two = await runKind(
      httpHealth,
      { samples: 5, intervalMs: 0, requestTimeoutMs: 300, stopAfterTimeouts: 2, targets: [{ name: 'dead', url: `${srv.url}/dead` }, { name: 'ok', url: `${srv.url}/health` }] },
      ctx,
    );
    expect((two.result as { targets: { skipped: number; samples: unknown[] }[] }).targets[0]).toMatchObject({ skipped: 3, samples: [expect.anything(), expect.anything()] });
    await ctx.dispose();
    // the defaults (5 samples × 5 s) against an item timeout of 10 s: the operator is told before waiting
    const short = await basicContext({ timeoutMs: 10_000 });
    await runKind(httpHealth, { samples: 5, targets: [{ name: 'ok', url: `${srv.url}/health` }] }, short);
    expect(short.lines.find((l) => l.line.includes('warning:'))!.line).toMatch(/could take 25 s, more than the item's timeout of 10 s/);
    await short.dispose();
  });

  it('is an error when no target answers at all, with the reason', async () => {
    const ctx = await basicContext();
    const closed = await startHealthServer([]);
    const url = `${closed.url}/health`;
    await closed.close();
    await expect(
      runKind(httpHealth, { samples: 1, targets: [{ name: 'gone', url }] }, ctx),
    ).rejects.toThrow(/no health endpoint answered at all \(gone: connection refused/);
    expect(ctx.attachments.has('health_check_results.json')).toBe(true);
    await ctx.dispose();
  });

  it('sends secret headers from the environment and never prints them', async () => {
    const token = 's3cr3t-health-token';
    const ctx = await basicContext({ env: { HEALTH_TOKEN: token } });
    const out = await runKind(
      httpHealth,
      { samples: 1, targets: [{ name: 'auth', url: `${srv.url}/auth`, secretHeaders: { Authorization: { env: 'HEALTH_TOKEN', prefix: 'Bearer ' } } }] },
      ctx,
    );
    expect((out.result as { allOk: boolean }).allOk).toBe(true);
    expect(ctx.everything()).not.toContain(token);
    expect(httpHealth.describe(httpHealth.params.parse({ targets: [{ name: 'auth', url: 'http://x/auth', secretHeaders: { Authorization: { env: 'HEALTH_TOKEN' } } }] }), {})).not.toContain(token);
    await ctx.dispose();
  });

  it('errors with the variable name when a secret header is not set', async () => {
    const ctx = await basicContext({ env: {} });
    const err = await runKind(
      httpHealth,
      { targets: [{ name: 'auth', url: `${srv.url}/auth`, secretHeaders: { Authorization: { env: 'HEALTH_TOKEN' } } }] },
      ctx,
    ).catch((e) => e);
    expect(err).toBeInstanceOf(CheckError);
    expect(err.message).toMatch(/environment variable HEALTH_TOKEN is not set/);
    await ctx.dispose();
  });

  it('rejects unknown parameters', () => {
    expect(httpHealth.params.safeParse({ targets: [{ name: 'a', url: 'http://x' }], budget: 1 }).success).toBe(false);
    expect(httpHealth.params.safeParse({ targets: [] }).success).toBe(false);
  });
});

describe('http.health: the verdict fields exactly', () => {
  it('percentile is nearest-rank over sorted values', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(percentile([7], 95)).toBe(7);
    const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect([0, 10, 50, 51, 95, 100].map((p) => percentile(ten, p))).toEqual([1, 1, 5, 6, 10, 10]);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
  });

  it('per target: statuses, latency from its own samples, problems and the last status; summary, offending and evidence from them', async () => {
    const ctx = await basicContext();
    const out = await runKind(
      httpHealth,
      {
        samples: 3,
        intervalMs: 0,
        budgetMs: 60_000,
        requestTimeoutMs: 1500,
        targets: [
          { name: 'moved', url: `${srv.url}/moved` },
          { name: 'broken-ok', url: `${srv.url}/broken`, expectStatus: 503 },
          { name: 'ready-strict', url: `${srv.url}/ready`, expectStatus: [200] },
          { name: 'header', url: `${srv.url}/plain-auth`, headers: { 'x-probe': 'yes' } },
          { name: 'slow', url: `${srv.url}/slow`, budgetMs: 100 },
          { name: 'dead', url: `${srv.url}/dead` },
        ],
      },
      ctx,
    );
    const r = out.result as { allOk: boolean; failing: string[]; maxLatencyMs: number; budgetMs: number; samples: number; discovered: number; evidenceFile: string; targets: TargetResult[] };
    const by = (n: string) => r.targets.find((t) => t.name === n)!;
    expect(r.targets.map((t) => [t.name, t.ok, t.status, t.statuses, t.answered, t.budgetMs, t.expectStatus])).toEqual([
      ['moved', false, 300, { '300': 3 }, 3, 60_000, '2xx'],
      ['broken-ok', true, 503, { '503': 3 }, 3, 60_000, '503'],
      ['ready-strict', false, 204, { '204': 3 }, 3, 60_000, '200'],
      ['header', true, 200, { '200': 3 }, 3, 60_000, '2xx'],
      ['slow', false, 200, { '200': 3 }, 3, 100, '2xx'],
      ['dead', false, undefined, {}, 0, 60_000, '2xx'],
    ]);
    for (const t of r.targets.filter((x) => x.answered)) {
      const ms = t.samples.map((x) => x.ms!).sort((a, b) => a - b);
      expect(t.latency).toEqual({ min: ms[0], p50: percentile(ms, 50), p95: percentile(ms, 95), max: ms[2] });
      expect(t.samples.map((x) => x.n)).toEqual([1, 2, 3]);
      expect(t.errors).toEqual([]);
      expect(t.skipped).toBe(0);
    }
    expect(by('moved').problems).toEqual(['3 answered 300 (expected 2xx)']);
    expect(by('ready-strict').problems).toEqual(['3 answered 204 (expected 200)']);
    expect(by('slow').problems).toEqual([`3 slower than 100 ms (max ${by('slow').latency!.max} ms)`]);
    expect(by('broken-ok').problems).toEqual([]);
    expect(by('dead')).toMatchObject({ latency: null, answered: 0, skipped: 2, samples: [{ n: 1, error: expect.any(String) }] });
    expect(r).toMatchObject({ allOk: false, failing: ['moved', 'ready-strict', 'slow', 'dead'], budgetMs: 60_000, samples: 3, discovered: 0, evidenceFile: 'evidence/health_check_results.json' });
    expect(r.maxLatencyMs).toBe(Math.max(...r.targets.filter((t) => t.latency).map((t) => t.latency!.max)));
    const bad = r.targets.filter((t) => !t.ok);
    expect(out.summary).toBe(`4/6 endpoints unhealthy: ${bad.map((t) => `${t.name} (${t.problems.join('; ')})`).join(', ')}`);
    expect(out.measured).toBe(`slowest ${r.maxLatencyMs} ms`);
    expect(out.threshold).toBe('every response < 60000 ms with expected status');
    expect(out.offending).toEqual(bad.map((t) => ({ name: t.name, url: t.url, problems: t.problems, errors: t.errors, latency: t.latency, statuses: t.statuses })));
    const file = JSON.parse(ctx.attachments.get('health_check_results.json')!);
    expect(file).toMatchObject({ budgetMs: 60_000, samples: 3, requestTimeoutMs: 1500 });
    expect(file.results).toEqual(r.targets.map((t) => ({ ...JSON.parse(JSON.stringify(t)), response_time: t.latency?.max ?? null })));
    // the lines: a flag per sample, and one verdict line per target
    const line = (re: RegExp) => ctx.lines.filter((l) => re.test(l.line)).map((l) => l.stream ?? 'info');
    expect(line(/^\[moved\] GET .*\/moved → 300 in \d+ ms \(1\/3\)  ✗ unexpected status$/)).toHaveLength(1);
    expect(line(/^\[slow\] GET .*\/slow → 200 in \d+ ms \(3\/3\)  ✗ over budget$/)).toHaveLength(1);
    expect(line(/^\[header\] GET .*\/plain-auth → 200 in \d+ ms \(2\/3\)$/)).toHaveLength(1);
    expect(line(/^\[dead\] GET .*\/dead → no response from health endpoint dead at .* within 1\.5s \(1\/3\)$/)).toEqual(['stderr']);
    const h = by('header').latency!;
    expect(ctx.lines.map((l) => l.line)).toContain(`✓ header: 3/3 answered, min ${h.min} / p50 ${h.p50} / p95 ${h.p95} / max ${h.max} ms`);
    expect(ctx.lines.map((l) => l.line)).toContain(`✗ dead: 0/3 answered — ${by('dead').problems.join('; ')}`);
    expect(ctx.lines.map((l) => l.line)).toContain('probing 6 health endpoint(s), 3 sample(s) each, budget 60000 ms');
    await ctx.dispose();
  });

  it('all healthy: the summary names the slowest answer; errors of one target are listed once each', async () => {
    const ctx = await basicContext();
    const out = await runKind(httpHealth, { samples: 2, intervalMs: 0, budgetMs: 60_000, targets: [{ name: 'api', url: `${srv.url}/health` }, { name: 'ready', url: `${srv.url}/ready` }] }, ctx);
    const r = out.result as { maxLatencyMs: number; allOk: boolean; failing: string[] };
    expect(r).toMatchObject({ allOk: true, failing: [] });
    expect(out.summary).toBe(`2/2 endpoints healthy, slowest ${r.maxLatencyMs} ms (budget 60000 ms)`);
    expect(out.offending).toEqual([]);
    // a refused port: both samples fail with the same error, kept once
    const closed = await startHealthServer([]);
    const url = `${closed.url}/health`;
    await closed.close();
    const mixed = await runKind(httpHealth, { samples: 2, intervalMs: 0, targets: [{ name: 'gone', url }, { name: 'api', url: `${srv.url}/health` }] }, ctx);
    const gone = (mixed.result as { targets: TargetResult[] }).targets[0]!;
    expect(gone.errors).toHaveLength(1);
    expect(gone.problems).toEqual(['2/2 requests got no answer']);
    expect(gone).toMatchObject({ skipped: 0, ok: false, answered: 0 });
    await ctx.dispose();
  });

  it('no target answered: the error names each target\'s first error; a secret header is resolved before any request', async () => {
    const ctx = await basicContext({ env: {} });
    await expect(runKind(httpHealth, { samples: 1, requestTimeoutMs: 200, targets: [{ name: 'dead', url: `${srv.url}/dead` }] }, ctx)).rejects.toMatchObject({
      message: expect.stringMatching(/^no health endpoint answered at all \(dead: no response from health endpoint dead at .* within 200ms\)$/),
      hint: 'check the target URLs and that this machine can reach them (VPN, port-forward); per-request details are in health_check_results.json',
    });
    const before = srv.hits.get('/untouched') ?? 0;
    await expect(
      runKind(httpHealth, { concurrency: 1, targets: [{ name: 'first', url: `${srv.url}/untouched` }, { name: 'auth', url: `${srv.url}/auth`, secretHeaders: { Authorization: { env: 'HEALTH_TOKEN' } } }] }, ctx),
    ).rejects.toThrow(/environment variable HEALTH_TOKEN is not set/);
    expect(srv.hits.get('/untouched') ?? 0).toBe(before);
    await ctx.dispose();
  });

  it('a cancelled run is an error; the worst-case warning counts rounds of `concurrency` targets', async () => {
    const ctx = await basicContext({ timeoutMs: 30_000 });
    ctx.abort();
    const before = srv.hits.get('/untouched') ?? 0;
    await expect(runKind(httpHealth, { targets: [{ name: 'u', url: `${srv.url}/untouched` }] }, ctx)).rejects.toMatchObject({
      message: 'health probing was cancelled',
      hint: 're-run the item',
    });
    expect(srv.hits.get('/untouched') ?? 0).toBe(before);
    await ctx.dispose();
    // 5 targets, 4 at a time: 2 rounds × (2 × 5 s + 1 × 100 ms) = 20.2 s > 20 s → warns; 4 targets: 10.1 s, no warning
    const five = await basicContext({ timeoutMs: 20_000 });
    const t = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `t${i}`, url: `${srv.url}/health` }));
    await runKind(httpHealth, { samples: 2, targets: t(5) }, five);
    expect(five.lines.filter((l) => l.line.includes('warning:'))).toEqual([
      {
        line: "  warning: endpoints that answer just under requestTimeoutMs could take 20 s, more than the item's timeout of 20 s: raise the item's `timeout` or lower samples / requestTimeoutMs",
        stream: 'stderr',
      },
    ]);
    await five.dispose();
    const four = await basicContext({ timeoutMs: 20_000 });
    await runKind(httpHealth, { samples: 2, targets: t(4) }, four);
    expect(four.lines.some((l) => l.line.includes('warning:'))).toBe(false);
    await four.dispose();
  });
});

describe('http.health over TLS', () => {
  it('verifies with caFile; without it the certificate is refused (error); insecure works but warns loudly', async () => {
    const { makeLoopbackTls } = await import('../../src/demo/servers/x509.js');
    const { writeFile } = await import('node:fs/promises');
    const tls = makeLoopbackTls();
    const s = await startHealthServer([{ path: '/health' }], { tls });
    const ctx = await basicContext();
    try {
      await writeFile(`${ctx.cwd}/ca.pem`, tls.ca);
      // a budget far above any handshake time: this test is about verification, not latency (a loaded machine
      // can take over the default 1 s for the first TLS handshake)
      const ok = await runKind(httpHealth, { samples: 1, budgetMs: 60_000, caFile: 'ca.pem', targets: [{ name: 'tls', url: `${s.url}/health` }] }, ctx);
      expect((ok.result as { allOk: boolean }).allOk).toBe(true);
      await expect(runKind(httpHealth, { samples: 1, targets: [{ name: 'tls', url: `${s.url}/health` }] }, ctx)).rejects.toThrow(
        /no health endpoint answered at all \(tls: cannot verify the TLS certificate/,
      );
      const insecure = await runKind(httpHealth, { samples: 1, budgetMs: 60_000, insecure: true, targets: [{ name: 'tls', url: `${s.url}/health` }] }, ctx);
      expect((insecure.result as { allOk: boolean }).allOk).toBe(true);
      expect(ctx.lines.some((l) => /WARNING: TLS certificate verification is OFF/.test(l.line))).toBe(true);
      expect(httpHealth.describe(httpHealth.params.parse({ insecure: true, targets: [{ name: 'x', url: 'https://x/h' }] }), {})).toMatch(/TLS VERIFICATION OFF/);
    } finally {
      await ctx.dispose();
      await s.close();
    }
  });
});
