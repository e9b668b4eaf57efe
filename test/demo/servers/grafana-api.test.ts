import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { loadDashboardDir, startGrafanaServer, type GrafanaServer } from '../../../src/demo/servers/grafana-api.js';
import { fixturesDir } from '../../support/fixtures.js';

const FIX = path.join(fixturesDir, 'grafana-dashboards');
let g: GrafanaServer;
const auth = { authorization: 'Bearer t0k' };

beforeAll(async () => {
  g = await startGrafanaServer({ dashboards: await loadDashboardDir(FIX), token: 't0k' });
});
afterAll(async () => {
  await g.close();
});

async function get(p: string, headers: Record<string, string> = auth) {
  const res = await fetch(g.url + p, { headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('loopback Grafana API', () => {
  it('wraps a classic dashboard as {dashboard, meta} like GET /api/dashboards/uid/<uid>', async () => {
    const r = await get('/api/dashboards/uid/ccssRIenz');
    expect(r.status).toBe(200);
    expect((r.body.dashboard as { title: string }).title).toBe('Pyrra - Detail');
    expect(r.body.meta).toMatchObject({ slug: 'pyrra-detail', url: '/d/ccssRIenz/pyrra-detail', type: 'db' });
  });

  it('needs the bearer token, like a service-account token', async () => {
    expect((await get('/api/dashboards/uid/ccssRIenz', {})).status).toBe(401);
    expect((await get('/api/dashboards/uid/ccssRIenz', { authorization: 'Bearer nope' })).body.message).toBe('Invalid API key');
    expect((await get('/api/health', {})).status).toBe(200);
  });

  it('a v2 dashboard answers 406 with the k8s path, then serves with ?apiVersion= or on that path', async () => {
    const r = await get('/api/dashboards/uid/v2-test-uid');
    expect(r.status).toBe(406);
    expect(r.body.message).toBe(
      'dashboard api version not supported, use /apis/dashboard.grafana.app/v2beta1/namespaces/default/dashboards/v2-test-uid instead',
    );
    const ok = await get('/api/dashboards/uid/v2-test-uid?apiVersion=v2beta1');
    expect(ok.status).toBe(200);
    expect((ok.body.dashboard as { apiVersion: string }).apiVersion).toBe('dashboard.grafana.app/v2beta1');
    const k8s = await get('/apis/dashboard.grafana.app/v2beta1/namespaces/default/dashboards/v2-test-uid');
    expect(k8s.body.kind).toBe('Dashboard');
  });

  it('404 for an unknown uid; search by title', async () => {
    expect(await get('/api/dashboards/uid/slo-dashboard')).toEqual({ status: 404, body: { message: 'Dashboard not found' } });
    const res = await fetch(`${g.url}/api/search?query=pyrra`, { headers: auth });
    const hits = (await res.json()) as { uid: string }[];
    expect(hits.map((h) => h.uid).sort()).toEqual(['YuUMRZ44z', 'ccssRIenz']);
  });
});
