import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpHealth } from '../../src/checks/http-health.js';
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
        budgetMs: 1000,
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
        budgetMs: 200,
        requestTimeoutMs: 400,
        targets: [
          { name: 'ok', url: `${srv.url}/health` },
          { name: 'slow', url: `${srv.url}/slow` },
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
    expect(dead.errors).toEqual([expect.stringMatching(/^no response from health endpoint dead at http:\/\/127\.0\.0\.1:\d+\/dead within 400ms$/)]);
    expect(dead.problems).toEqual(['1/1 requests got no answer', 'stopped after 1 timeout(s): 1 sample(s) not sent']);
    expect(r.targets.find((t) => t.name === 'broken')!.problems[0]).toMatch(/503 \(expected 2xx\)/);
    expect(r.targets.find((t) => t.name === 'slow')!.problems[0]).toMatch(/slower than 200 ms/);
    expect(await evaluateDefault(httpHealth, out.result)).toBe(false);
    expect(out.offending?.map((o) => o.name)).toEqual(['slow', 'broken', 'dead']);
    await ctx.dispose();
  });

  it('stops sampling a target after its first timeout (stopAfterTimeouts), and warns when the worst case outlasts the item', async () => {
    const ctx = await basicContext({ timeoutMs: 2000 });
    const t0 = Date.now();
    const out = await runKind(
      httpHealth,
      { samples: 5, intervalMs: 0, requestTimeoutMs: 300, targets: [{ name: 'ok', url: `${srv.url}/health` }, { name: 'dead', url: `${srv.url}/dead` }] },
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

describe('http.health over TLS', () => {
  it('verifies with caFile; without it the certificate is refused (error); insecure works but warns loudly', async () => {
    const { makeLoopbackTls } = await import('../../src/demo/servers/x509.js');
    const { writeFile } = await import('node:fs/promises');
    const tls = makeLoopbackTls();
    const s = await startHealthServer([{ path: '/health' }], { tls });
    const ctx = await basicContext();
    try {
      await writeFile(`${ctx.cwd}/ca.pem`, tls.ca);
      const ok = await runKind(httpHealth, { samples: 1, caFile: 'ca.pem', targets: [{ name: 'tls', url: `${s.url}/health` }] }, ctx);
      expect((ok.result as { allOk: boolean }).allOk).toBe(true);
      await expect(runKind(httpHealth, { samples: 1, targets: [{ name: 'tls', url: `${s.url}/health` }] }, ctx)).rejects.toThrow(
        /no health endpoint answered at all \(tls: cannot verify the TLS certificate/,
      );
      const insecure = await runKind(httpHealth, { samples: 1, insecure: true, targets: [{ name: 'tls', url: `${s.url}/health` }] }, ctx);
      expect((insecure.result as { allOk: boolean }).allOk).toBe(true);
      expect(ctx.lines.some((l) => /WARNING: TLS certificate verification is OFF/.test(l.line))).toBe(true);
      expect(httpHealth.describe(httpHealth.params.parse({ insecure: true, targets: [{ name: 'x', url: 'https://x/h' }] }), {})).toMatch(/TLS VERIFICATION OFF/);
    } finally {
      await ctx.dispose();
      await s.close();
    }
  });
});
