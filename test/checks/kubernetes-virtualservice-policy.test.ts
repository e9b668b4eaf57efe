import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseVirtualService, kubernetesVirtualservicePolicy, type RouteRow } from '../../src/checks/kubernetes-virtualservice-policy.js';
import { CheckError } from '../../src/checks/contract.js';
import { startKubeApiServer, type KubeApiServer, type KubeObject } from '../../src/demo/servers/kube-api.js';
import { runKind } from '../support/check-context-basic.js';
import { checkContext, fixturesDir, loadFixtureObjects } from '../support/check-context.js';
import { evaluateDefault } from '../support/expect-default.js';
import { explainKind, kindReference } from '../../src/commands/kinds.js';

const FIXTURE_DIR = 'istio-virtualservice';
/** each fixture file goes into its own namespace so one server holds them all */
const nsOf = (file: string) => file.replace(/\.ya?ml$/, '').replace(/[^a-z0-9-]/g, '-').slice(0, 60).replace(/-+$/, '');
const files = readdirSync(path.join(fixturesDir, FIXTURE_DIR)).filter((f) => f.endsWith('.yaml'));

/** composed here: no real sample has both timeout and retries on every route */
const passing: KubeObject = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'ratings', namespace: 'composed-pass' },
  spec: {
    hosts: ['ratings'],
    http: [
      { name: 'primary', route: [{ destination: { host: 'ratings', subset: 'v1' } }], timeout: '10s', retries: { attempts: 3, perTryTimeout: '2s', retryOn: '5xx,connect-failure,refused-stream' } },
      { route: [{ destination: { host: 'ratings', subset: 'v2' } }], timeout: '1.5s', retries: { attempts: 2, perTryTimeout: '500ms', retryOn: 'gateway-error' } },
    ],
    tcp: [{ route: [{ destination: { host: 'ratings-db' } }] }],
  },
};
const budget: KubeObject = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'reviews', namespace: 'composed-budget' },
  spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' } }], timeout: '5s', retries: { attempts: 3, perTryTimeout: '2s', retryOn: '5xx' } }] },
};

let server: KubeApiServer;
let dir: string;
let kubeconfig: string;

beforeAll(async () => {
  const objects: KubeObject[] = [passing, budget];
  // the real istio.io "retries 3 × 2s" route given a 5 s timeout and a retryOn: complete, but its retries outlast it
  const [retries3x2s] = loadFixtureObjects(`${FIXTURE_DIR}/istio-io-concepts-ratings-retries-3x2s.yaml`);
  const spec = retries3x2s!.spec as { http: { retries: Record<string, unknown>; timeout?: string }[] };
  spec.http[0]!.timeout = '5s';
  spec.http[0]!.retries.retryOn = '5xx,connect-failure';
  objects.push({ ...retries3x2s!, metadata: { ...retries3x2s!.metadata, namespace: 'perturbed-budget' } });
  for (const f of files) {
    for (const o of loadFixtureObjects(`${FIXTURE_DIR}/${f}`)) {
      objects.push({ ...o, metadata: { ...o.metadata, namespace: nsOf(f) } });
    }
  }
  server = await startKubeApiServer({ objects });
  dir = mkdtempSync(path.join(os.tmpdir(), 'rt-vs-'));
  kubeconfig = server.writeKubeconfig(dir, 'mesh');
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** a directory of its own for a test server's kubeconfig (writeKubeconfig names the file "kubeconfig") */
const ownDir = () => mkdtempSync(path.join(dir, 'kc-'));

async function check(namespaces: string[] | undefined, extra: Record<string, unknown> = {}, kc = kubeconfig) {
  const ctx = await checkContext({ kubeconfig: kc });
  try {
    const out = await runKind(kubernetesVirtualservicePolicy, { ...(namespaces ? { namespaces } : {}), ...extra }, ctx);
    return { out, routes: out.result.routes as RouteRow[], lines: ctx.lines.map((l) => l.line), pass: await evaluateDefault(kubernetesVirtualservicePolicy, out.result) };
  } finally {
    await ctx.dispose();
  }
}

describe('kubernetes.virtualservice-policy over every Istio sample', () => {
  it('bookinfo all-v1: 4 VirtualServices, 0/4 routes compliant, retries implicit', async () => {
    const { out, routes, pass } = await check([nsOf('bookinfo-virtual-service-all-v1.yaml')]);
    expect(out.result).toMatchObject({ virtualServices: 4, total: 4, compliant: 0, withProblems: 4, implicitRetries: 4 });
    expect(routes.every((r) => r.problems.some((p) => p.startsWith('no timeout')) && r.retries === 'implicit-default')).toBe(true);
    expect(pass).toBe(false);
  });

  it('ratings-test-delay: 2 routes, none compliant', async () => {
    const { out, pass } = await check([nsOf('bookinfo-virtual-service-ratings-test-delay.yaml')]);
    expect(out.result).toMatchObject({ virtualServices: 1, total: 2, compliant: 0 });
    expect(pass).toBe(false);
  });

  it('bookinfo-gateway: the Gateway document is not a VirtualService and is ignored', async () => {
    const { out } = await check([nsOf('bookinfo-gateway.yaml')]);
    expect(out.result).toMatchObject({ virtualServices: 1, total: 1, compliant: 0 });
    expect((out.result.routes as RouteRow[])[0]!.virtualService).toBe('bookinfo');
  });

  it('Istio gateway-conversion golden: 12 VirtualServices, 21 routes, each kind of gap named', async () => {
    const { out, routes } = await check([nsOf('istio-gateway-conversion-http.yaml.golden.yaml')]);
    expect(out.result).toMatchObject({ virtualServices: 12, total: 21, compliant: 0, withProblems: 21 });
    const byName = new Map(routes.map((r) => [r.route, r]));
    const explicit = byName.get('default.http-retry-request.0')!;
    expect(explicit).toMatchObject({ attempts: 3, retries: 'explicit', perTryTimeout: null, retryOn: 'connect-failure,refused-stream,unavailable,cancelled,503,429' });
    expect(explicit.problems).toEqual(['no timeout (Istio default: none)', 'retries without perTryTimeout']);
    expect(byName.get('default.http-retry-request.2')!.retries).toBe('implicit-default');
    const timeoutOnly = routes.filter((r) => r.timeout === '0.001s');
    expect(timeoutOnly).toHaveLength(2);
    expect(timeoutOnly.every((r) => r.problems.length === 1 && r.retries === 'implicit-default')).toBe(true);
  });

  it('says what is wrong with each route: per-route reasons, counted in the summary, listed in the offenders', async () => {
    const { out, routes } = await check([nsOf('istio-gateway-conversion-http.yaml.golden.yaml')]);
    const explicit = routes.find((r) => r.route === 'default.http-retry-request.0')!;
    expect(explicit.reasons).toEqual(['missing timeout', 'missing perTryTimeout']);
    const r = out.result as { reasons: Record<string, number> };
    expect(r.reasons).toEqual({
      'missing timeout': routes.filter((x) => x.timeout === null).length,
      'missing retries': routes.filter((x) => x.retries === 'implicit-default').length,
      'missing perTryTimeout': routes.filter((x) => x.retries === 'explicit' && x.perTryTimeout === null).length,
    });
    expect(out.summary).toBe(
      `0/21 http routes in 12 VirtualServices (namespace ${nsOf('istio-gateway-conversion-http.yaml.golden.yaml')}) have timeout and explicit retries; ` +
        `${r.reasons['missing timeout']} missing timeout, ${r.reasons['missing retries']} missing retries, ${r.reasons['missing perTryTimeout']} missing perTryTimeout`,
    );
    expect(out.offending!.find((o) => o.route === 'default.http-retry-request.0')).toMatchObject({ reasons: 'missing timeout, missing perTryTimeout' });
  });

  it('a route with timeout and retries whose budget exceeds the timeout is "budget exceeded", not "lacks timeout/retries"', async () => {
    const { out, routes } = await check(['perturbed-budget']);
    expect(routes[0]!.reasons).toEqual(['budget exceeded']);
    expect(out.summary).toMatch(/have timeout and explicit retries; 1 budget exceeded$/);
    expect(out.measured).toBe('1 of 1 routes with problems: 1 budget exceeded');
    expect(out.offending).toEqual([
      { virtualService: 'perturbed-budget/ratings', route: '#0', reasons: 'budget exceeded', problems: expect.stringMatching(/3 × 2s = 6 ?s exceeds timeout 5s/) },
    ]);
  });

  it('the checkBudget parameter states its default once', () => {
    const text = explainKind(kindReference(kubernetesVirtualservicePolicy), 200);
    const row = text.split('\n').find((l) => l.trimStart().startsWith('checkBudget'))!;
    expect(row.match(/default/g)).toHaveLength(1);
    expect(row).toMatch(/\(default true\)$/);
  });

  it('istio.io concepts retries 3x2s: lacks timeout and retryOn', async () => {
    const { routes } = await check([nsOf('istio-io-concepts-ratings-retries-3x2s.yaml')]);
    expect(routes).toHaveLength(1);
    expect(routes[0]).toMatchObject({ attempts: 3, perTryTimeout: '2s', timeout: null, retries: 'explicit' });
    expect(routes[0]!.problems).toEqual(['no timeout (Istio default: none)', 'retries without retryOn']);
  });

  it.each(['istio-io-concepts-ratings-timeout-10s.yaml', 'istio-io-request-timeouts-reviews-0.5s.yaml'])(
    '%s: timeout only — implicit retries do not count',
    async (f) => {
      const { routes, pass } = await check([nsOf(f)]);
      expect(routes).toHaveLength(1);
      expect(routes[0]!.timeout).toMatch(/s$/);
      expect(routes[0]!.problems).toEqual(["no retries (Istio's implicit default of 2 retries does not count)"]);
      expect(pass).toBe(false);
    },
  );

  it('a composed VirtualService with timeout and full retries on every route passes (tcp routes not counted)', async () => {
    const { out, pass, routes } = await check(['composed-pass']);
    expect(out.result).toMatchObject({ virtualServices: 1, total: 2, compliant: 2, withProblems: 0 });
    expect(routes.map((r) => r.route)).toEqual(['primary', '#1']);
    expect(pass).toBe(true);
    expect(out.summary).toContain('2/2');
  });

  it('flags attempts × perTryTimeout > timeout', async () => {
    const { routes, pass } = await check(['composed-budget']);
    expect(routes[0]!.problems).toEqual([expect.stringMatching(/3 × 2s = 6 ?s exceeds timeout 5s/)]);
    expect(pass).toBe(false);
    const off = await check(['composed-budget'], { checkBudget: false });
    expect(off.pass).toBe(true);
  });

  it('all namespaces by default; exclude skips named VirtualServices', async () => {
    const all = await check(undefined);
    expect(all.out.result.virtualServices).toBe(4 + 1 + 1 + 12 + 3 + 2 + 1);
    const ex = await check(['composed-pass', 'composed-budget'], { exclude: ['composed-budget/reviews'] });
    expect(ex.pass).toBe(true);
  });

  it('an empty scope is inconclusive, not a pass', async () => {
    const { out } = await check(['nowhere']);
    expect(out.verdict).toBe('inconclusive');
  });

  it('names every kind of gap exactly: bad durations, disabled or attempt-less retries, blank retryOn, a budget at or under the timeout', async () => {
    const vs = (name: string, labels: Record<string, string>, http: unknown[]): KubeObject => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: 'edge', labels }, spec: { hosts: [name], http } });
    const s = await startKubeApiServer({
      objects: [
        vs('edge', { tier: 'edge' }, [
          { name: 'bad-timeout', timeout: 'soon', retries: { attempts: 0 } },
          { name: 'no-attempts', timeout: '5s', retries: { perTryTimeout: 'fast', retryOn: '  ' } },
          { name: 'budget-equal', timeout: '4s', retries: { attempts: 2, perTryTimeout: '2s', retryOn: '5xx' } },
          { name: 'zero-timeout', timeout: '0s', retries: { attempts: 5, perTryTimeout: '2s', retryOn: '5xx' } },
          { name: 'negative', timeout: 3, retries: { attempts: -1, perTryTimeout: '1s' } },
          { timeout: '1s', retries: { attempts: 1, perTryTimeout: '2s', retryOn: 'reset' } },
          { name: 'disabled-budget', timeout: '1s', retries: { attempts: 0, perTryTimeout: '5s', retryOn: 'reset' } },
        ]),
        vs('other', { tier: 'other' }, [{ name: 'bare' }]),
      ],
    });
    try {
      const kc = s.writeKubeconfig(ownDir(), 'edge');
      const { out, routes, lines, pass } = await check(['edge'], { labelSelector: 'tier=edge' }, kc);
      const row = (route: string, fields: Partial<RouteRow>): RouteRow => ({ virtualService: 'edge', namespace: 'edge', route, timeout: null, attempts: null, perTryTimeout: null, retryOn: null, retries: 'explicit', reasons: [], problems: [], ...fields });
      expect(routes).toEqual([
        row('bad-timeout', { timeout: 'soon', attempts: 0, retries: 'disabled', reasons: ['bad timeout', 'retries disabled'], problems: ['timeout "soon" is not a duration', 'retries disabled (attempts 0)'] }),
        row('no-attempts', { timeout: '5s', perTryTimeout: 'fast', retries: 'disabled', reasons: ['missing attempts', 'bad perTryTimeout'], problems: ['retries without attempts', 'perTryTimeout "fast" is not a duration'] }),
        row('budget-equal', { timeout: '4s', attempts: 2, perTryTimeout: '2s', retryOn: '5xx' }),
        row('zero-timeout', { timeout: '0s', attempts: 5, perTryTimeout: '2s', retryOn: '5xx' }),
        row('negative', { attempts: -1, perTryTimeout: '1s', retries: 'disabled', reasons: ['missing timeout', 'retries disabled'], problems: ['no timeout (Istio default: none)', 'retries disabled (attempts -1)'] }),
        row('#5', { timeout: '1s', attempts: 1, perTryTimeout: '2s', retryOn: 'reset', reasons: ['budget exceeded'], problems: ['attempts × perTryTimeout = 1 × 2s = 2s exceeds timeout 1s: retries are cut short'] }),
        row('disabled-budget', { timeout: '1s', attempts: 0, perTryTimeout: '5s', retryOn: 'reset', retries: 'disabled', reasons: ['retries disabled'], problems: ['retries disabled (attempts 0)'] }),
      ]);
      expect(out.result).toMatchObject({
        apiVersion: 'networking.istio.io/v1',
        virtualServices: 1,
        total: 7,
        compliant: 2,
        withProblems: 5,
        implicitRetries: 0,
        reasons: { 'missing timeout': 1, 'bad timeout': 1, 'retries disabled': 3, 'missing attempts': 1, 'bad perTryTimeout': 1, 'budget exceeded': 1 },
      });
      const reasonText = '1 missing timeout, 1 bad timeout, 3 retries disabled, 1 missing attempts, 1 bad perTryTimeout, 1 budget exceeded';
      expect(out.summary).toBe(`2/7 http routes in 1 VirtualServices (namespace edge) have timeout and explicit retries; ${reasonText}`);
      expect(out.measured).toBe(`5 of 7 routes with problems: ${reasonText}`);
      expect(out.threshold).toBe('every route: timeout + retries{attempts>0, perTryTimeout, retryOn}');
      expect(out.offending![0]).toEqual({ virtualService: 'edge/edge', route: 'bad-timeout', reasons: 'bad timeout, retries disabled', problems: 'timeout "soon" is not a duration; retries disabled (attempts 0)' });
      expect(out.offending!.map((o) => o.route)).toEqual(['bad-timeout', 'no-attempts', 'negative', '#5', 'disabled-budget']);
      expect(lines).toContain('PROBLEM  edge/edge route bad-timeout: timeout "soon" is not a duration; retries disabled (attempts 0)');
      expect(lines).toContain('ok       edge/edge route budget-equal');
      expect(lines).toContain('networking.istio.io: serving v1, v1beta1, v1alpha3 — reading v1');
      expect(pass).toBe(false);
      expect(s.requests.some((q) => q.path === '/apis/networking.istio.io/v1/namespaces/edge/virtualservices' && new URLSearchParams(q.query).get('labelSelector') === 'tier=edge')).toBe(true);

      const noBudget = await check(['edge'], { labelSelector: 'tier=edge', checkBudget: false }, kc);
      expect(noBudget.routes.find((r) => r.route === '#5')!.reasons).toEqual([]);

      const byName = await check(undefined, { exclude: ['edge'] }, kc);
      expect(byName.out).toEqual({
        result: expect.objectContaining({ virtualServices: 1, total: 1, withProblems: 1, implicitRetries: 1 }),
        summary: '0/1 http routes in 1 VirtualServices (all namespaces) have timeout and explicit retries; 1 missing timeout, 1 missing retries',
        measured: '1 of 1 routes with problems: 1 missing timeout, 1 missing retries',
        threshold: 'every route: timeout + retries{attempts>0, perTryTimeout, retryOn}',
        offending: [{ virtualService: 'edge/other', route: 'bare', reasons: 'missing timeout, missing retries', problems: "no timeout (Istio default: none); no retries (Istio's implicit default of 2 retries does not count)" }],
      });
      const nsOnly = await check(['edge'], { exclude: ['edge/edge', 'other/other'] }, kc);
      expect(nsOnly.out.result.virtualServices).toBe(1);
      expect(nsOnly.out.result.routes).toEqual([expect.objectContaining({ virtualService: 'other' })]);
    } finally {
      await s.close();
    }
  });

  it('an empty scope says so: no routes, the namespaces named', async () => {
    const { out } = await check(['nowhere', 'nowhere-else']);
    expect(out).toEqual({
      result: { apiVersion: 'networking.istio.io/v1', virtualServices: 0, total: 0, compliant: 0, withProblems: 0, implicitRetries: 0, reasons: {}, routes: [] },
      summary: 'no http routes in VirtualServices of namespaces nowhere, nowhere-else (0 VirtualServices) — nothing to judge',
      verdict: 'inconclusive',
      measured: '0 routes',
      threshold: 'every route has timeout + retries',
    });
  });

  it('a VirtualService without name or namespace is reported as (unnamed) in default', () => {
    expect(analyseVirtualService({ spec: { http: [{ name: 'r', timeout: '1s', retries: { attempts: 1, perTryTimeout: '1s', retryOn: '5xx' } }] } })).toEqual([
      { virtualService: '(unnamed)', namespace: 'default', route: 'r', timeout: '1s', attempts: 1, perTryTimeout: '1s', retryOn: '5xx', retries: 'explicit', reasons: [], problems: [] },
    ]);
    expect(analyseVirtualService({ metadata: { name: 'tcp-only' }, spec: {} })).toEqual([]);
  });

  it('reads the first known version when the preferred one is unknown; a server with only unknown versions is an error naming them', async () => {
    const later = await startKubeApiServer({ objects: [{ ...passing, apiVersion: 'networking.istio.io/v1beta1' }], istioVersions: ['v2', 'v1beta1', 'v1alpha3'] });
    const unknown = await startKubeApiServer({ istioVersions: ['v2'] });
    try {
      const r = await check(['composed-pass'], {}, later.writeKubeconfig(ownDir(), 'later'));
      expect(r.out.result.apiVersion).toBe('networking.istio.io/v1beta1');
      expect(r.lines).toContain('networking.istio.io: serving v2, v1beta1, v1alpha3 — reading v1beta1');
      const err = await check(undefined, {}, unknown.writeKubeconfig(ownDir(), 'unknown')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CheckError);
      expect((err as CheckError).message).toBe(`the Istio API (networking.istio.io) is not served by ${unknown.url} (context unknown) — it serves only v2`);
      expect((err as CheckError).hint).toBe('install Istio in this cluster, or point the check at the cluster that runs the mesh (context:)');
    } finally {
      await later.close();
      await unknown.close();
    }
  });

  it('reads v1beta1 when that is all the server has (discovery), and errors when Istio is absent', async () => {
    const beta = await startKubeApiServer({ objects: [{ ...passing, apiVersion: 'networking.istio.io/v1beta1' }], istioVersions: ['v1beta1'] });
    const none = await startKubeApiServer({ istioVersions: [] });
    try {
      const r = await check(['composed-pass'], {}, beta.writeKubeconfig(dir, 'beta'));
      expect(r.out.result.apiVersion).toBe('networking.istio.io/v1beta1');
      expect(r.pass).toBe(true);
      expect(beta.requests.some((q) => q.path === '/apis/networking.istio.io/v1beta1/namespaces/composed-pass/virtualservices')).toBe(true);
      const err = await check(undefined, {}, none.writeKubeconfig(dir, 'none')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CheckError);
      expect((err as CheckError).message).toBe(`the Istio API (networking.istio.io) is not served by ${none.url} (context none)`);
    } finally {
      await beta.close();
      await none.close();
    }
  });
});
