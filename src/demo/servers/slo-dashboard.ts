/**
 * The detektor SLO dashboard the demo's Grafana serves (and the deliverable dashboards/slo-tracking.json it can
 * write): a classic-model dashboard whose SLO panels sit partly inside a COLLAPSED row, with Sloth-style SLO
 * recording-rule queries — so the walker's collapsed-row handling is exercised in the demo too.
 */
type Json = Record<string, unknown>;

const SLO_PANELS: [string, string][] = [
  ['Detection API availability SLO (99.9%)', '1 - slo:sli_error:ratio_rate30d{sloth_service="detektor", sloth_slo="api-availability"}'],
  ['Detection latency SLO (p99 < 300 ms)', '1 - slo:sli_error:ratio_rate30d{sloth_service="detektor", sloth_slo="detection-latency"}'],
  ['Ingest freshness SLO (< 60 s)', '1 - slo:sli_error:ratio_rate30d{sloth_service="detektor", sloth_slo="ingest-freshness"}'],
  ['Error budget remaining (30 d)', 'slo:period_error_budget_remaining:ratio{sloth_service="detektor"}'],
  ['SLO burn rate 1 h / 6 h', 'slo:sli_error:ratio_rate1h{sloth_service="detektor"} / on(sloth_id) group_left slo:error_budget:ratio{sloth_service="detektor"}'],
  ['Alert queue SLO (99.5% delivered)', '1 - slo:sli_error:ratio_rate30d{sloth_service="detektor", sloth_slo="alert-delivery"}'],
];

const OTHER_PANELS: [string, string][] = [
  ['Requests per second', 'sum(rate(http_requests_total{job="detektor"}[5m]))'],
  ['Pod restarts', 'sum(increase(kube_pod_container_status_restarts_total{namespace="detektor"}[1h]))'],
];

/** uid "slo-dashboard"; `sloPanels` (0–6) SLO panels, the rest ordinary panels */
export function detektorSloDashboard(sloPanels = 6): Json {
  let id = 1;
  const panel = ([title, expr]: [string, string], y: number, x: number, type = 'stat'): Json => ({
    id: id++,
    type,
    title,
    datasource: { type: 'prometheus', uid: 'prometheus' },
    gridPos: { h: 6, w: 8, x, y },
    targets: [{ refId: 'A', expr, datasource: { type: 'prometheus', uid: 'prometheus' } }],
  });
  const slo = SLO_PANELS.slice(0, Math.max(0, Math.min(6, sloPanels)));
  const top = slo.slice(0, 3).map((p, i) => panel(p, 1, i * 8));
  const hidden = slo.slice(3).map((p, i) => panel(p, 8, i * 8, 'timeseries'));
  const other = OTHER_PANELS.map((p, i) => panel(p, 15, i * 12, 'timeseries'));
  return {
    uid: 'slo-dashboard',
    title: 'detektor — SLOs',
    tags: ['slo', 'detektor'],
    schemaVersion: 39,
    version: 7,
    time: { from: 'now-30d', to: 'now' },
    panels: [
      { id: id++, type: 'row', title: 'Service level objectives', collapsed: false, gridPos: { h: 1, w: 24, x: 0, y: 0 }, panels: [] },
      ...top,
      { id: id++, type: 'row', title: 'Error budget and burn', collapsed: true, gridPos: { h: 1, w: 24, x: 0, y: 7 }, panels: hidden },
      { id: id++, type: 'row', title: 'Traffic', collapsed: false, gridPos: { h: 1, w: 24, x: 0, y: 14 }, panels: [] },
      ...other,
    ],
  };
}
