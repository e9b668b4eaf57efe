import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { grafanaDashboard } from '../../src/checks/grafana-dashboard.js';
import { CheckError } from '../../src/checks/contract.js';
import { loadDashboardDir, startGrafanaServer, type GrafanaServer } from '../../src/demo/servers/grafana-api.js';
import { basicContext, runKind } from '../support/check-context-basic.js';
import { evaluateDefault } from '../support/expect-default.js';
import { fixturesDir } from '../support/fixtures.js';

const FIX = path.join(fixturesDir, 'grafana-dashboards');
const TOKEN = 'glsa_loopback_' + 'x'.repeat(24);
let g: GrafanaServer;

beforeAll(async () => {
  g = await startGrafanaServer({ dashboards: await loadDashboardDir(FIX), token: TOKEN });
});
afterAll(async () => {
  await g.close();
});

type R = { found: boolean; layout: string; panels: number; rows: number; byTitle: number; byQuery: number; matched: number; apiVersion?: string; title: string };

async function viaApi(uid: string, extra: Record<string, unknown> = {}) {
  const ctx = await basicContext({ vars: { grafanaToken: TOKEN }, secretVars: ['grafanaToken'] });
  const out = await runKind(grafanaDashboard, { url: g.url, uid, token: { var: 'grafanaToken' }, ...extra }, ctx);
  expect(ctx.everything()).not.toContain(TOKEN);
  await ctx.dispose();
  return { out, r: out.result as R, ctx };
}

/** A loopback HTTP server answering each GET path+query with a fixed status and JSON body (Grafana's wire format). */
async function answering(routes: Record<string, [number, unknown]>, run: (url: string, requests: string[]) => Promise<void>) {
  const requests: string[] = [];
  const server = http.createServer((q, s) => {
    requests.push(q.url ?? '');
    const [status, body] = routes[q.url ?? ''] ?? [404, { message: 'Not found' }];
    s.writeHead(status, { 'content-type': 'application/json' });
    s.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

const V2 = JSON.parse(readFileSync(path.join(FIX, 'mcp-grafana-v2beta1-dashboard.json'), 'utf8')) as Record<string, unknown>;

describe('grafana.dashboard over the API', () => {
  it('serves every fixture: the fake knows all five dashboards', () => {
    expect(g.uids.sort()).toEqual(['65ffb86cd2688b9e4db4d1ea231a5a9a', 'YuUMRZ44z', 'ccssRIenz', 'istio-controller-runtime-collapsed-rows', 'v2-test-uid']);
  });

  it('pyrra detail: honest — 0 panels by title, 7 by query; passes only because queries count', async () => {
    const { out, r, ctx } = await viaApi('ccssRIenz');
    expect(r).toMatchObject({ found: true, layout: 'panels', panels: 7, byTitle: 0, byQuery: 7, matched: 7, title: 'Pyrra - Detail' });
    expect(ctx.lines.map((l) => l.line)).toContain('  ✓ [query] Objective  (panels[0])');
    expect(out.summary).toMatch(/0 by title, 7 by query/);
    expect(out.summary).toMatch(/no panel title mentions SLO/);
    expect(await evaluateDefault(grafanaDashboard, out.result)).toBe(true);
    const titleOnly = await viaApi('ccssRIenz', { match: 'title' });
    expect(titleOnly.r.matched).toBe(0);
    expect(await evaluateDefault(grafanaDashboard, titleOnly.out.result)).toBe(false);
    expect(titleOnly.out.offending).toHaveLength(7);
  });

  it('pyrra list: "Service Level Objectives" matches only with a synonym', async () => {
    expect((await viaApi('YuUMRZ44z', { match: 'title' })).r.matched).toBe(0);
    const syn = await viaApi('YuUMRZ44z', { match: 'title', synonyms: ['service level'], min: 1 });
    expect(syn.r.matched).toBe(1);
    expect(await evaluateDefault(grafanaDashboard, syn.out.result)).toBe(true);
  });

  it('istio collapsed rows: all 11 panels walked, none SLO → fail', async () => {
    const { out, r } = await viaApi('istio-controller-runtime-collapsed-rows');
    expect(r).toMatchObject({ panels: 11, rows: 3, matched: 0 });
    expect(out.summary).not.toMatch(/no panel title mentions SLO/);
    expect(await evaluateDefault(grafanaDashboard, out.result)).toBe(false);
  });

  it('thanos legacy rows: 4 panels; a query pattern counts its error-ratio panels', async () => {
    const { r } = await viaApi('65ffb86cd2688b9e4db4d1ea231a5a9a', { queryPatterns: ['result="error"'], min: 1 });
    expect(r).toMatchObject({ layout: 'rows', panels: 4, byTitle: 0, byQuery: 2 });
  });

  it('v2 dashboard: 406 on the legacy call, then asked again with ?apiVersion=', async () => {
    const before = g.requests.length;
    const { r, out } = await viaApi('v2-test-uid', { titlePattern: 'usage', min: 2 });
    expect(g.requests.slice(before)).toEqual(['GET /api/dashboards/uid/v2-test-uid', 'GET /api/dashboards/uid/v2-test-uid?apiVersion=v2beta1']);
    expect(r).toMatchObject({ layout: 'v2', apiVersion: 'v2beta1', panels: 3, byTitle: 2 });
    expect(await evaluateDefault(grafanaDashboard, out.result)).toBe(true);
  });

  it('unknown uid → found=false and the default expectation fails (not an error)', async () => {
    const { out, r } = await viaApi('slo-dashboard');
    expect(r.found).toBe(false);
    expect(out.summary).toMatch(/not found/);
    expect(await evaluateDefault(grafanaDashboard, out.result)).toBe(false);
  });

  it('wrong or missing token → error with what to do', async () => {
    const ctx = await basicContext({ vars: { grafanaToken: 'wrong' }, secretVars: ['grafanaToken'] });
    const e1 = await runKind(grafanaDashboard, { url: g.url, uid: 'ccssRIenz', token: { var: 'grafanaToken' } }, ctx).catch((e) => e);
    expect(e1).toBeInstanceOf(CheckError);
    expect(e1.message).toMatch(/refused the request \(HTTP 401\)/);
    const e2 = await runKind(grafanaDashboard, { url: g.url, uid: 'ccssRIenz' }, ctx).catch((e) => e);
    expect(e2.message).toMatch(/no token given/);
    expect(e2.hint).toMatch(/grafanaToken/);
    const e3 = await runKind(grafanaDashboard, { url: g.url, uid: 'x', token: { env: 'NO_SUCH_GRAFANA_TOKEN' } }, ctx).catch((e) => e);
    expect(e3.message).toMatch(/environment variable NO_SUCH_GRAFANA_TOKEN is not set/);
    await ctx.dispose();
  });

  it('token.prefix is the Authorization scheme: "Bearer " by default, "" for a value that carries its own', async () => {
    const ctx = await basicContext({ vars: { withScheme: `Bearer ${TOKEN}`, grafanaToken: TOKEN }, secretVars: ['withScheme', 'grafanaToken'] });
    const e = await runKind(grafanaDashboard, { url: g.url, uid: 'ccssRIenz', token: { var: 'withScheme' } }, ctx).catch((x) => x);
    expect(e).toBeInstanceOf(CheckError);
    expect(e.message).toBe('Grafana token: variable withScheme already starts with "Bearer " and the token\'s prefix "Bearer " would be put before it');
    expect(e.hint).toMatch(/set `prefix: ""`/);
    const asIs = await runKind(grafanaDashboard, { url: g.url, uid: 'ccssRIenz', token: { var: 'withScheme', prefix: '' } }, ctx);
    expect(asIs.result).toMatchObject({ found: true });
    const explicit = await runKind(grafanaDashboard, { url: g.url, uid: 'ccssRIenz', token: { var: 'grafanaToken', prefix: 'Bearer ' } }, ctx);
    expect(explicit.result).toMatchObject({ found: true });
    // another scheme is sent as given: the server wants Bearer, so it refuses (an error, never a silent "Bearer" added)
    const basic = await runKind(grafanaDashboard, { url: g.url, uid: 'ccssRIenz', token: { var: 'grafanaToken', prefix: 'Basic ' } }, ctx).catch((x) => x);
    expect(basic.message).toMatch(/refused the request \(HTTP 401\)/);
    expect(ctx.everything()).not.toContain(TOKEN);
    await ctx.dispose();
  });

  it('match: title, query, either, both count different panels; the evidence marks each panel', async () => {
    const thanos = '65ffb86cd2688b9e4db4d1ea231a5a9a';
    // by title: Errors, Duration; by query: Rate, Errors
    const slo = { titlePattern: 'error|duration', queryPatterns: ['result="error"'] };
    const counts = async (match: string) => (await viaApi(thanos, { ...slo, match })).r;
    expect(await counts('title')).toMatchObject({ byTitle: 2, byQuery: 2, matched: 2 });
    expect(await counts('query')).toMatchObject({ byTitle: 2, byQuery: 2, matched: 2 });
    expect(await counts('either')).toMatchObject({ byTitle: 2, byQuery: 2, matched: 3 });
    expect(await counts('both')).toMatchObject({ byTitle: 2, byQuery: 2, matched: 1 });
    const { out, ctx } = await viaApi(thanos, { ...slo, match: 'both' });
    expect(out.summary).toBe('1 SLO panel(s) (both: 2 by title, 2 by query) of 4 in "Thanos / BucketReplicate"; need ≥ 5');
    expect(out.measured).toBe('1 matching panels');
    expect(out.threshold).toBe('≥ 5');
    expect(out.result).toMatchObject({ source: 'api', uid: thanos, title: 'Thanos / BucketReplicate', url: `${g.url}/`, min: 5, match: 'both', tags: ['thanos-mixin'] });
    expect((out.result as { panelTitles: string[] }).panelTitles).toEqual(['Rate', 'Errors', 'Duration', 'Metrics']);
    expect((out.result as { apiVersion?: string }).apiVersion).toBeUndefined();
    // not counted under "both": Rate (query only), Duration, Metrics — each with its first two queries
    const offending = out.offending as { title: string; path: string; queries: string[] }[];
    expect(offending.map((o) => [o.title, o.path, o.queries.length])).toEqual([
      ['Rate', 'rows[0].panels[0]', 1],
      ['Duration', 'rows[0].panels[2]', 2],
      ['Metrics', 'rows[1].panels[0]', 2],
    ]);
    const lines = ctx.lines.map((l) => l.line);
    expect(lines).toContain('"Thanos / BucketReplicate" (rows layout): 4 panels, 2 rows');
    expect(lines).toContain('  ✓ [title+query] Errors  (rows[0].panels[1], row "Bucket Replicate Runs")');
    expect(lines).toContain('  ✓ [query] Rate  (rows[0].panels[0], row "Bucket Replicate Runs")');
    expect(lines).toContain('  ✓ [title] Duration  (rows[0].panels[2], row "Bucket Replicate Runs")');
    expect(lines).toContain('  · Metrics  (rows[1].panels[0], row "Bucket Replication")');
    const enough = await viaApi(thanos, { ...slo, min: 3 });
    expect(enough.out.offending).toBeUndefined();
    expect(enough.out.summary).toBe('3 SLO panel(s) (either: 2 by title, 2 by query) of 4 in "Thanos / BucketReplicate"; need ≥ 3');
  });

  it('unknown uid: the whole not-found answer', async () => {
    const { out } = await viaApi('slo-dashboard', { min: 3 });
    expect(out.result).toEqual({
      source: 'api', found: false, uid: 'slo-dashboard', title: null, layout: 'empty', panels: 0, rows: 0, byTitle: 0, byQuery: 0,
      matched: 0, min: 3, match: 'either', matches: [], panelTitles: [], tags: [],
    });
    expect(out.summary).toBe(`dashboard slo-dashboard not found in Grafana at ${g.url}/`);
    expect(out.measured).toBe('not found');
    expect(out.threshold).toBe('≥ 3 SLO panels');
    expect(out.offending).toEqual([{ uid: 'slo-dashboard', problem: 'Grafana answered 404: check the uid (dashboard settings → JSON model) or import dashboards/slo-tracking.json' }]);
    expect(out.verdict).toBeUndefined();
  });

  it('Grafana 12 without ?apiVersion=: after 406 and 400 the k8s path named in the 406 message is read', async () => {
    const k8s = '/apis/dashboard.grafana.app/v2alpha1/namespaces/stacks-7/dashboards/v2-test-uid';
    await answering(
      {
        '/api/dashboards/uid/v2-test-uid': [406, { message: `dashboard api version not supported, use ${k8s} instead` }],
        '/api/dashboards/uid/v2-test-uid?apiVersion=v2alpha1': [400, { message: 'bad request' }],
        [k8s]: [200, V2],
      },
      async (url, requests) => {
        const ctx = await basicContext();
        const out = await runKind(grafanaDashboard, { url, uid: 'v2-test-uid', titlePattern: 'usage', min: 2 }, ctx);
        expect(requests).toEqual(['/api/dashboards/uid/v2-test-uid', '/api/dashboards/uid/v2-test-uid?apiVersion=v2alpha1', k8s]);
        expect(out.result).toMatchObject({ layout: 'v2', apiVersion: 'v2alpha1', panels: 3, byTitle: 2, uid: 'v2-test-uid' });
        expect(ctx.lines.map((l) => l.line)).toContain('  dashboard is stored in schema v2 (v2alpha1); asking with ?apiVersion=v2alpha1');
        await ctx.dispose();
      },
    );
    // a 406 that names no path: v2beta1 is asked for, then the default namespace's path
    const fallback = '/apis/dashboard.grafana.app/v2beta1/namespaces/default/dashboards/v2-test-uid';
    await answering(
      {
        '/api/dashboards/uid/v2-test-uid': [406, 'not json'],
        '/api/dashboards/uid/v2-test-uid?apiVersion=v2beta1': [406, { message: 'still not' }],
        [fallback]: [200, V2],
      },
      async (url, requests) => {
        const out = await runKind(grafanaDashboard, { url, uid: 'v2-test-uid', titlePattern: 'usage', min: 2 }, await basicContext());
        expect(requests).toEqual(['/api/dashboards/uid/v2-test-uid', '/api/dashboards/uid/v2-test-uid?apiVersion=v2beta1', fallback]);
        expect(out.result).toMatchObject({ apiVersion: 'v2beta1', panels: 3 });
      },
    );
  });

  it('403, 401 and other statuses are errors with their own hints', async () => {
    await answering(
      {
        '/api/dashboards/uid/forbidden': [403, { message: 'Permission denied' }],
        '/api/dashboards/uid/unauth': [401, { message: 'Unauthorized' }],
        '/api/dashboards/uid/broken': [500, { message: 'database is locked' }],
        '/api/dashboards/uid/verbose': [502, 'x'.repeat(300)],
      },
      async (url) => {
        const ctx = await basicContext({ vars: { grafanaToken: TOKEN }, secretVars: ['grafanaToken'] });
        const err = (uid: string, token?: unknown) => runKind(grafanaDashboard, { url, uid, ...(token ? { token } : {}) }, ctx).catch((x) => x);
        const e403 = await err('forbidden', { var: 'grafanaToken' });
        expect(e403).toBeInstanceOf(CheckError);
        expect(e403.message).toBe(`Grafana at ${url}/ refused the request (HTTP 403)`);
        expect(e403.hint).toBe('the token is invalid or lacks dashboards:read — create a service-account token with the Viewer role');
        const e401 = await err('unauth');
        expect(e401.message).toBe(`Grafana at ${url}/ refused the request (HTTP 401, no token given)`);
        expect(e401.hint).toBe('set `token: {var: grafanaToken}` (a secret variable) or `token: {env: GRAFANA_TOKEN}`');
        const e500 = await err('broken');
        expect(e500.message).toBe(`Grafana at ${url}/ answered HTTP 500 for dashboard broken: {"message":"database is locked"}`);
        expect(e500.hint).toBe('check the Grafana address and version; the request is shown above');
        expect((await err('verbose')).message).toBe(`Grafana at ${url}/ answered HTTP 502 for dashboard verbose: ${'x'.repeat(200)}`);
        const gone = await runKind(grafanaDashboard, { url: 'http://127.0.0.1:1', uid: 'x' }, ctx).catch((x) => x);
        expect(gone.message).toMatch(/^connection refused by Grafana at http:\/\/127\.0\.0\.1:1\//);
        await ctx.dispose();
      },
    );
  });

  it('describe() shows the exact request without the token', () => {
    const p = grafanaDashboard.params.parse({ url: 'http://grafana:3000/', uid: 'slo-dashboard', token: { var: 'grafanaToken' } });
    const d = grafanaDashboard.describe(p, { grafanaToken: TOKEN });
    expect(d).toMatch(/^GET http:\/\/grafana:3000\/api\/dashboards\/uid\/slo-dashboard \(Authorization: Bearer <vars.grafanaToken>\)/);
    expect(d).not.toContain(TOKEN);
  });
});

describe('grafana.dashboard on a file (same walker)', () => {
  it('reads a bare export and gives the same counts as the API', async () => {
    const ctx = await basicContext({ cwd: FIX });
    const out = await runKind(grafanaDashboard, { file: 'pyrra-detail.json' }, ctx);
    expect(out.result).toMatchObject({ source: 'file', panels: 7, byTitle: 0, byQuery: 7, matched: 7 });
    const thanos = await runKind(grafanaDashboard, { file: path.join(FIX, 'thanos-bucket-replicate-legacy-rows.json') }, ctx);
    expect(thanos.result).toMatchObject({ layout: 'rows', panels: 4, matched: 0 });
    await ctx.dispose();
  });

  it('a missing file is an error naming the path; params need file or url+uid', async () => {
    const ctx = await basicContext();
    const e = await runKind(grafanaDashboard, { file: 'dashboards/slo-tracking.json' }, ctx).catch((x) => x);
    expect(e).toBeInstanceOf(CheckError);
    expect(e.message).toMatch(/cannot read the dashboard file .*dashboards\/slo-tracking.json \(ENOENT\)/);
    expect(grafanaDashboard.params.safeParse({ url: 'http://x' }).success).toBe(false);
    expect(grafanaDashboard.params.safeParse({ file: 'a.json', uid: 'x' }).success).toBe(false);
    await ctx.dispose();
  });

  it('a file that is not JSON, or JSON that is not a dashboard, and a bad pattern are errors', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rt-grafana-'));
    const ctx = await basicContext({ cwd: dir });
    try {
      await writeFile(path.join(dir, 'half.json'), '{"panels": [');
      await writeFile(path.join(dir, 'list.json'), '[1, 2]');
      const half = await runKind(grafanaDashboard, { file: 'half.json' }, ctx).catch((x) => x);
      expect(half).toBeInstanceOf(CheckError);
      expect(half.message).toMatch(new RegExp(`^the dashboard file ${path.join(dir, 'half.json')} is not valid JSON \\(.+\\)$`));
      expect(half.hint).toBe('export it again from Grafana');
      const list = await runKind(grafanaDashboard, { file: 'list.json' }, ctx).catch((x) => x);
      expect(list.message).toBe('the dashboard JSON has an unexpected shape (dashboard JSON is not an object)');
      expect(list.hint).toBe('check that it is a Grafana dashboard export');
      const bad = await runKind(grafanaDashboard, { file: 'list.json', synonyms: ['burn(rate'] }, ctx).catch((x) => x);
      expect(bad.message).toMatch(/^title pattern "burn\(rate" is not a valid regular expression \(.+\)$/);
      expect(bad.hint).toBe('fix the pattern in the checklist');
      const badQ = await runKind(grafanaDashboard, { file: 'list.json', queryPatterns: ['slo:', '[a-'] }, ctx).catch((x) => x);
      expect(badQ.message).toMatch(/^query pattern "\[a-" is not a valid regular expression/);
      const missing = await runKind(grafanaDashboard, { file: 'gone.json' }, ctx).catch((x) => x);
      expect(missing.hint).toBe('export the dashboard (Grafana → Share → Export → Save to file) to that path, or fix `file`');
      // 101 untitled panels, no title or uid: 100 titles are listed, 20 offenders shown
      await writeFile(path.join(dir, 'many.json'), JSON.stringify({ panels: Array.from({ length: 101 }, () => ({ type: 'stat' })) }));
      const many = await runKind(grafanaDashboard, { file: 'many.json' }, ctx);
      expect((many.result as { panelTitles: string[] }).panelTitles).toHaveLength(100);
      expect(many.offending).toHaveLength(20);
      expect(ctx.lines.map((l) => l.line)).toEqual(expect.arrayContaining(['"many.json" (panels layout): 101 panels, 0 rows', '  · (untitled)  (panels[0])']));
      expect(many.summary).toBe('0 SLO panel(s) (either: 0 by title, 0 by query) of 101 in "many.json"; need ≥ 5');
      const pyrra = await runKind(grafanaDashboard, { file: path.join(FIX, 'pyrra-detail.json') }, ctx);
      expect(pyrra.result).toMatchObject({ source: 'file', file: path.join(FIX, 'pyrra-detail.json'), uid: 'ccssRIenz' });
      expect((pyrra.result as { url?: string }).url).toBeUndefined();
    } finally {
      await ctx.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
