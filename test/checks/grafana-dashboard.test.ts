import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
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

describe('grafana.dashboard over the API', () => {
  it('serves every fixture: the fake knows all five dashboards', () => {
    expect(g.uids.sort()).toEqual(['65ffb86cd2688b9e4db4d1ea231a5a9a', 'YuUMRZ44z', 'ccssRIenz', 'istio-controller-runtime-collapsed-rows', 'v2-test-uid']);
  });

  it('pyrra detail: honest — 0 panels by title, 7 by query; passes only because queries count', async () => {
    const { out, r } = await viaApi('ccssRIenz');
    expect(r).toMatchObject({ found: true, layout: 'panels', panels: 7, byTitle: 0, byQuery: 7, matched: 7, title: 'Pyrra - Detail' });
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
});
