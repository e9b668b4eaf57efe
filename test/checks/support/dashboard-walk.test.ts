import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { matchPanels, walkDashboard } from '../../../src/checks/support/dashboard-walk.js';
import { fixturesDir } from '../../support/fixtures.js';

const FIX = path.join(fixturesDir, 'grafana-dashboards');
const load = (f: string): unknown => JSON.parse(readFileSync(path.join(FIX, f), 'utf8'));

describe('dashboard walker', () => {
  it('classic panels: counts the children of collapsed rows, not the rows (istio: 5 + 6 panels, 3 rows)', () => {
    const w = walkDashboard(load('istio-controller-runtime-collapsed-rows.json'));
    expect(w.layout).toBe('panels');
    expect(w.panels).toHaveLength(11);
    expect(w.rows).toBe(3);
    expect(w.panels.filter((p) => p.row !== undefined)).toHaveLength(6);
    expect(w.panels.find((p) => p.title === 'Workqueue Depth')).toMatchObject({ path: 'panels[6].panels[2]', row: 'Kubernetes Client' });
    expect(w.panels.every((p) => p.type !== 'row')).toBe(true);
    expect(w.panels[0]!.queries[0]).toMatch(/process_cpu_seconds_total/);
  });

  it('legacy rows[].panels[] (thanos, schemaVersion 14)', () => {
    const w = walkDashboard(load('thanos-bucket-replicate-legacy-rows.json'));
    expect(w.layout).toBe('rows');
    expect(w.schemaVersion).toBe(14);
    expect(w.panels.map((p) => p.title)).toEqual(['Rate', 'Errors', 'Duration', 'Metrics']);
    expect(w.panels[3]!.path).toBe('rows[1].panels[0]');
  });

  it('schema v2 elements, with library panels and v2 queries', () => {
    const w = walkDashboard(load('mcp-grafana-v2beta1-dashboard.json'));
    expect(w.layout).toBe('v2');
    expect(w.uid).toBe('v2-test-uid');
    expect(w.title).toBe('V2 Test Dashboard');
    expect(w.panels.map((p) => p.title)).toEqual(['CPU usage', 'Memory usage', 'Shared graph']);
    expect(w.panels[0]!.queries).toEqual(['rate(cpu_seconds_total{job="$job"}[5m])']);
    expect(w.panels[2]!.library).toEqual({ uid: 'lib-uid', name: 'shared' });
  });

  it('the same walk through the API wrapper {dashboard, meta} and for a bare v2 spec', () => {
    const bare = load('pyrra-detail.json');
    expect(walkDashboard({ dashboard: bare, meta: { slug: 'x' } }).panels).toHaveLength(7);
    const v2 = load('mcp-grafana-v2beta1-dashboard.json') as { spec: unknown };
    expect(walkDashboard({ dashboard: v2.spec }).panels).toHaveLength(3);
  });

  it('pyrra: zero titles say SLO, every query is an SLO rule', () => {
    const w = walkDashboard(load('pyrra-detail.json'));
    const byTitle = matchPanels(w.panels, [/SLO/i], []);
    const byQuery = matchPanels(w.panels, [], [/pyrra_/i]);
    expect(byTitle).toHaveLength(0);
    expect(byQuery).toHaveLength(7);
    const synonyms = matchPanels(w.panels, [/SLO/i, /error budget/i, /availability/i], []);
    expect(synonyms.map((m) => m.title)).toEqual(['Availability', 'Error Budget', 'Error Budget']);
  });

  it('an expanded row keeps its children at top level: none lost, none counted twice', () => {
    const w = walkDashboard({
      panels: [
        { type: 'row', title: 'open', collapsed: false, panels: [] },
        { type: 'stat', title: 'A' },
        { type: 'row', title: 'closed', collapsed: true, panels: [{ type: 'stat', title: 'B' }] },
      ],
    });
    expect(w.panels.map((p) => `${p.title}:${p.row ?? '-'}`)).toEqual(['A:-', 'B:closed']);
    expect(walkDashboard({ title: 'nothing' }).layout).toBe('empty');
  });
});
