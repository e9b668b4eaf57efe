import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { matchPanels, unwrapDashboard, walkDashboard, type PanelInfo } from '../../../src/checks/support/dashboard-walk.js';
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

describe('dashboard walker: classic panels[] in detail', () => {
  it('istio: every panel with its exact path, title, type, row and number of queries; rows are not panels', () => {
    const w = walkDashboard(load('istio-controller-runtime-collapsed-rows.json'));
    expect({ uid: w.uid, title: w.title, tags: w.tags, schemaVersion: w.schemaVersion }).toStrictEqual({
      uid: undefined,
      title: 'Controller Runtime',
      tags: [],
      schemaVersion: 39,
    });
    expect(w.panels.map((p) => [p.path, p.title, p.type, p.row ?? '-', p.queries.length])).toEqual([
      ['panels[1]', 'CPU Usage', 'timeseries', '-', 1],
      ['panels[2]', 'Memory Usage', 'timeseries', '-', 4],
      ['panels[3]', 'Goroutines', 'timeseries', '-', 1],
      ['panels[4]', 'Threads', 'timeseries', '-', 1],
      ['panels[5]', 'GC Duration Mean', 'timeseries', '-', 1],
      ['panels[6].panels[0]', 'Workqueue Waiting Duration Over Time', 'heatmap', 'Kubernetes Client', 1],
      ['panels[6].panels[1]', 'Workqueue Waiting Duration Quantile', 'timeseries', 'Kubernetes Client', 3],
      ['panels[6].panels[2]', 'Workqueue Depth', 'timeseries', 'Kubernetes Client', 1],
      ['panels[6].panels[3]', 'Failed Requests', 'timeseries', 'Kubernetes Client', 1],
      ['panels[7].panels[0]', 'Reconciling Latency Over Time', 'heatmap', 'Controller Runtime', 1],
      ['panels[7].panels[1]', 'Reconciling Latency Quantile', 'timeseries', 'Controller Runtime', 3],
    ]);
    // a panel outside any collapsed row has no `row` key at all, and no `library` key when it is not a library panel
    expect(Object.keys(w.panels[0]!).sort()).toEqual(['path', 'queries', 'title', 'type']);
    expect(Object.keys(w.panels[5]!).sort()).toEqual(['path', 'queries', 'row', 'title', 'type']);
  });

  it('pyrra: uid, empty tags and the exact query of each panel (targets[].expr)', () => {
    const w = walkDashboard(load('pyrra-detail.json'));
    expect([w.layout, w.uid, w.title, w.schemaVersion, w.rows]).toEqual(['panels', 'ccssRIenz', 'Pyrra - Detail', 39, 0]);
    expect(w.tags).toEqual([]);
    expect(w.panels.map((p) => p.queries)).toEqual([
      ['pyrra_objective{slo="$slo"}'],
      ['pyrra_window{slo="$slo"}'],
      ['pyrra_availability{slo="$slo"}'],
      ['((pyrra_availability{slo="$slo"} - pyrra_objective{slo="$slo"})) / (1 - pyrra_objective{slo="$slo"})'],
      ['((pyrra_availability{slo="$slo"} - pyrra_objective{slo="$slo"})) / (1 - pyrra_objective{slo="$slo"})'],
      ['sum(pyrra_requests:rate5m{slo="$slo"}[$__rate_interval])'],
      ['sum(pyrra_errors:rate5m{slo="$slo"})'],
    ]);
  });

  it('one target may carry expr, expression, query and rawSql: all are read, in that order; empty or non-text ones are not', () => {
    const w = walkDashboard({
      panels: [
        {
          type: 'table',
          title: 'Mixed',
          targets: [
            { refId: 'A', rawSql: 'SELECT 1', query: 'from(bucket:"b")', expression: '$A > 0', expr: 'up' },
            { refId: 'B', expr: '' },
            { refId: 'C', expr: 42, query: ['not', 'text'] },
            null,
            'a string target',
            { refId: 'D', query: 'SELECT count(*) FROM jobs' },
          ],
        },
        { type: 'text', title: 'No targets', targets: 'none' },
      ],
    });
    expect(w.panels.map((p) => p.queries)).toEqual([
      ['up', '$A > 0', 'from(bucket:"b")', 'SELECT 1', 'SELECT count(*) FROM jobs'],
      [],
    ]);
  });

  it('rows group their children: a collapsed row names them, an untitled one names them "", nested panels keep the row', () => {
    const w = walkDashboard({
      uid: 'u1',
      title: 'Nested',
      tags: ['prod', 7, null, 'slo'],
      schemaVersion: '39',
      panels: [
        null,
        { type: 'graph', title: 'Outer', panels: [{ type: 'stat', title: 'Inner' }] },
        { type: 'row', title: 'Open row', collapsed: false, panels: [] },
        { type: 'stat', title: 'After open row' },
        { type: 'row', collapsed: true, panels: [{ type: 'stat', title: 'Under untitled' }] },
        {
          type: 'row',
          title: 'Closed',
          collapsed: true,
          panels: [
            { type: 'graph', title: 'Holder', panels: [{ type: 'stat', title: 'Deep' }] },
            [{ type: 'stat', title: 'an array, not a panel' }],
          ],
        },
        { type: 'row', title: 'Row without panels' },
      ],
    });
    expect(w.layout).toBe('panels');
    expect(w.rows).toBe(4);
    expect(w.tags).toEqual(['prod', 'slo']);
    expect(w.schemaVersion).toBeUndefined();
    expect(w.panels).toStrictEqual([
      { title: 'Outer', type: 'graph', queries: [], path: 'panels[1]' },
      { title: 'Inner', type: 'stat', queries: [], path: 'panels[1].panels[0]' },
      { title: 'After open row', type: 'stat', queries: [], path: 'panels[3]' },
      { title: 'Under untitled', type: 'stat', queries: [], path: 'panels[4].panels[0]', row: '' },
      { title: 'Holder', type: 'graph', queries: [], path: 'panels[5].panels[0]', row: 'Closed' },
      { title: 'Deep', type: 'stat', queries: [], path: 'panels[5].panels[0].panels[0]', row: 'Closed' },
    ]);
  });

  it('titles: a non-text title is "", a library panel without a title takes the library name, else ""', () => {
    const w = walkDashboard({
      panels: [
        { type: 42, title: 42 },
        { libraryPanel: { uid: 'lib-a', name: 'Shared CPU' } },
        { libraryPanel: { uid: 'lib-b' } },
        { title: 'Own title', libraryPanel: { name: 'ignored', uid: 7 } },
      ],
    });
    expect(w.panels).toStrictEqual([
      { title: '', type: undefined, queries: [], path: 'panels[0]' },
      { title: 'Shared CPU', type: undefined, queries: [], path: 'panels[1]', library: { uid: 'lib-a', name: 'Shared CPU' } },
      { title: '', type: undefined, queries: [], path: 'panels[2]', library: { uid: 'lib-b', name: undefined } },
      { title: 'Own title', type: undefined, queries: [], path: 'panels[3]', library: { uid: undefined, name: 'ignored' } },
    ]);
  });
});

describe('dashboard walker: legacy rows[].panels[]', () => {
  it('thanos: every panel with its path, row title and queries; two rows', () => {
    const w = walkDashboard(load('thanos-bucket-replicate-legacy-rows.json'));
    expect([w.uid, w.title, w.rows]).toEqual(['65ffb86cd2688b9e4db4d1ea231a5a9a', 'Thanos / BucketReplicate', 2]);
    expect(w.tags).toEqual(['thanos-mixin']);
    expect(w.panels.map((p) => [p.path, p.title, p.type, p.row, p.queries.length])).toEqual([
      ['rows[0].panels[0]', 'Rate', 'graph', 'Bucket Replicate Runs', 1],
      ['rows[0].panels[1]', 'Errors', 'graph', 'Bucket Replicate Runs', 1],
      ['rows[0].panels[2]', 'Duration', 'graph', 'Bucket Replicate Runs', 3],
      ['rows[1].panels[0]', 'Metrics', 'graph', 'Bucket Replication', 5],
    ]);
    expect(w.panels[2]!.queries[0]).toMatch(/^histogram_quantile\(0\.50, sum by \(job, le\) \(rate\(thanos_replicate/);
  });

  it('skips rows and panels that are not objects; a row without a title leaves the panel without `row`', () => {
    const w = walkDashboard({
      schemaVersion: 12,
      rows: [null, { panels: [null, { type: 'singlestat', title: 'Up', targets: [{ expr: 'up' }] }] }, { title: 'Empty' }],
    });
    expect([w.layout, w.rows, w.schemaVersion]).toEqual(['rows', 2, 12]);
    expect(w.panels).toStrictEqual([{ title: 'Up', type: 'singlestat', queries: ['up'], path: 'rows[1].panels[1]' }]);
  });
});

describe('dashboard walker: schema v2', () => {
  it('mcp-grafana v2beta1: paths under spec.elements, types from vizConfig.group (library panels: "library"), tags, apiVersion', () => {
    const w = walkDashboard(load('mcp-grafana-v2beta1-dashboard.json'));
    expect([w.tags, w.schemaVersion, w.rows]).toEqual([['v2', 'test'], 'dashboard.grafana.app/v2beta1', 0]);
    expect(w.panels).toStrictEqual([
      { title: 'CPU usage', type: 'timeseries', queries: ['rate(cpu_seconds_total{job="$job"}[5m])'], path: 'spec.elements.panel-cpu' },
      { title: 'Memory usage', type: 'stat', queries: ['sum(container_memory_usage_bytes)'], path: 'spec.elements.panel-mem' },
      { title: 'Shared graph', type: 'library', queries: [], path: 'spec.elements.lib-1', library: { uid: 'lib-uid', name: 'shared' } },
    ]);
  });

  it('a bare v2 spec (elements at top level): paths under elements, uid from the spec', () => {
    const v2 = load('mcp-grafana-v2beta1-dashboard.json') as { spec: Record<string, unknown> };
    const w = walkDashboard({ dashboard: { ...v2.spec, uid: 'bare-uid' }, meta: {} });
    expect([w.layout, w.uid, w.title, w.schemaVersion]).toEqual(['v2', 'bare-uid', 'V2 Test Dashboard', undefined]);
    expect(w.panels.map((p) => p.path)).toEqual(['elements.panel-cpu', 'elements.panel-mem', 'elements.lib-1']);
  });

  it('elements that are not panels are skipped; a non-text title is ""; every query key is read; broken query entries are skipped', () => {
    const q = (spec: unknown): unknown => ({ kind: 'PanelQuery', spec: { refId: 'A', query: { kind: 'DataQuery', spec } } });
    const w = walkDashboard({
      apiVersion: 'dashboard.grafana.app/v2alpha1',
      metadata: { name: 'meta-uid' },
      spec: {
        uid: 'spec-uid',
        tags: ['a', 3, 'b'],
        elements: {
          broken: null,
          'no-spec': { kind: 'Panel' },
          'array-spec': { kind: 'Panel', spec: [] },
          other: { kind: 'Text', spec: { title: 'Not a panel' } },
          queries: {
            kind: 'Panel',
            spec: {
              title: 'Queries',
              data: {
                kind: 'QueryGroup',
                spec: {
                  queries: [
                    null,
                    { kind: 'PanelQuery' },
                    { kind: 'PanelQuery', spec: { refId: 'B' } },
                    { kind: 'PanelQuery', spec: { refId: 'C', query: { kind: 'DataQuery' } } },
                    q({ rawSql: 'SELECT 1', query: 'from(bucket:"b")', expression: '$A > 0', expr: 'up' }),
                    q({ expr: '', query: 5 }),
                  ],
                },
              },
            },
          },
          'no-data': { kind: 'Panel', spec: { title: 'No data', data: { kind: 'QueryGroup' } } },
          untitled: { kind: 'Panel', spec: { title: 9, vizConfig: { group: 'text' } } },
          'lib-untitled': { kind: 'LibraryPanel', spec: { libraryPanel: { name: 'From library', uid: 'l1' } } },
          'lib-nameless': { kind: 'LibraryPanel', spec: { libraryPanel: { uid: 'l2' }, vizConfig: { group: 'gauge' } } },
        },
      },
    });
    expect([w.layout, w.uid, w.tags, w.schemaVersion]).toEqual(['v2', 'meta-uid', ['a', 'b'], 'dashboard.grafana.app/v2alpha1']);
    expect(w.panels).toStrictEqual([
      { title: 'Queries', type: undefined, queries: ['up', '$A > 0', 'from(bucket:"b")', 'SELECT 1'], path: 'spec.elements.queries' },
      { title: 'No data', type: undefined, queries: [], path: 'spec.elements.no-data' },
      { title: '', type: 'text', queries: [], path: 'spec.elements.untitled' },
      { title: 'From library', type: 'library', queries: [], path: 'spec.elements.lib-untitled', library: { uid: 'l1', name: 'From library' } },
      { title: '', type: 'gauge', queries: [], path: 'spec.elements.lib-nameless', library: { uid: 'l2', name: undefined } },
    ]);
  });
});

describe('dashboard walker: envelope, empty and bad input', () => {
  it('unwrapDashboard: the {dashboard, meta} envelope of /api/dashboards/uid, a bare model, a meta that is not an object', () => {
    const model = { uid: 'x', panels: [] };
    expect(unwrapDashboard({ dashboard: model, meta: { slug: 's', folderTitle: 'F' } })).toStrictEqual({
      dashboard: model,
      meta: { slug: 's', folderTitle: 'F' },
    });
    expect(unwrapDashboard({ dashboard: model, meta: 'm' })).toStrictEqual({ dashboard: model, meta: undefined });
    expect(unwrapDashboard(model)).toStrictEqual({ dashboard: model });
    // `dashboard` that is not an object is a field of a bare model, not an envelope
    expect(unwrapDashboard({ dashboard: 'name', panels: [] })).toStrictEqual({ dashboard: { dashboard: 'name', panels: [] } });
  });

  it('the API envelope around a classic model walks like the bare model', () => {
    const bare = walkDashboard(load('pyrra-list.json'));
    expect(walkDashboard({ dashboard: load('pyrra-list.json'), meta: { slug: 'pyrra-list' } })).toStrictEqual(bare);
    expect(bare.panels).toStrictEqual([
      {
        title: 'Service Level Objectives',
        type: 'table',
        queries: ['pyrra_objective', 'pyrra_window', 'pyrra_availability', expect.stringMatching(/^\(pyrra_availability - pyrra_objective\)/)],
        path: 'panels[0]',
      },
    ]);
  });

  it('a dashboard with neither panels nor rows is empty: no panels, no rows, its uid, title and tags kept', () => {
    expect(walkDashboard({ uid: 'e', title: 'nothing', tags: 'not-a-list', schemaVersion: 30 })).toStrictEqual({
      layout: 'empty',
      uid: 'e',
      title: 'nothing',
      tags: [],
      schemaVersion: 30,
      panels: [],
      rows: 0,
    });
    expect(walkDashboard({ panels: [] })).toStrictEqual({
      layout: 'panels',
      uid: undefined,
      title: undefined,
      tags: [],
      schemaVersion: undefined,
      panels: [],
      rows: 0,
    });
  });

  it('a document that is not an object is a clear error', () => {
    for (const doc of [null, 'dashboard', 42, [], [{ panels: [] }]]) {
      expect(() => walkDashboard(doc)).toThrow(new Error('dashboard JSON is not an object'));
    }
  });
});

describe('matchPanels', () => {
  const panel = (title: string, queries: string[] = [], type?: string): PanelInfo => ({
    title,
    queries,
    path: `panels[${title}]`,
    ...(type ? { type } : {}),
  });

  it('says what matched: the title (first matching pattern), a query (the first matching one), or both', () => {
    const panels = [
      panel('SLO burn rate', ['sum(rate(http_requests_total[5m]))', 'slo:sli_error:ratio_rate5m'], 'timeseries'),
      panel('Error budget', ['up']),
      panel('CPU', ['sum(slo:sli_error:ratio_rate1h)', 'slo:objective']),
      panel('Memory', ['container_memory_usage_bytes']),
    ];
    expect(matchPanels(panels, [/budget/i, /slo/i, /SLO burn/], [/slo:/])).toStrictEqual([
      {
        title: 'SLO burn rate',
        path: 'panels[SLO burn rate]',
        type: 'timeseries',
        by: ['title', 'query'],
        titlePattern: 'slo',
        query: 'slo:sli_error:ratio_rate5m',
      },
      { title: 'Error budget', path: 'panels[Error budget]', type: undefined, by: ['title'], titlePattern: 'budget' },
      { title: 'CPU', path: 'panels[CPU]', type: undefined, by: ['query'], query: 'sum(slo:sli_error:ratio_rate1h)' },
    ]);
  });

  it('no patterns, no panels, or a panel without queries: nothing matches', () => {
    const panels = [panel('SLO'), panel('Availability', ['avail'])];
    expect(matchPanels(panels, [], [])).toEqual([]);
    expect(matchPanels([], [/SLO/], [/./])).toEqual([]);
    expect(matchPanels([panel('CPU')], [/SLO/], [/./])).toEqual([]);
  });

  it('duplicate titles are matched once per panel, each with its own path', () => {
    const w = walkDashboard(load('pyrra-detail.json'));
    expect(matchPanels(w.panels, [/^Error Budget$/], []).map((m) => [m.path, m.type, m.by])).toEqual([
      ['panels[3]', 'stat', ['title']],
      ['panels[4]', 'timeseries', ['title']],
    ]);
  });

  it('a matched query longer than 200 characters is cut to 200 and marked with …; 200 exactly is kept whole', () => {
    const q200 = `slo:${'x'.repeat(196)}`;
    const q201 = `slo:${'y'.repeat(197)}`;
    const [m200, m201] = matchPanels([panel('a', [q200]), panel('b', [q201])], [], [/^slo:/]);
    expect(m200!.query).toBe(q200);
    expect(m201!.query).toBe(`slo:${'y'.repeat(196)}…`);
    expect(m201!.query).toHaveLength(201);
  });
});
