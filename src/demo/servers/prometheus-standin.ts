/**
 * The demo sandbox's stand-in for Prometheus, used when `prometheus`/`promtool` are not installed (the normal case
 * for an `npx` user). It answers the Prometheus HTTP API calls the prometheus.alert-history kind makes, with the
 * shapes a real Prometheus 2.x gives, over the same series the real one would hold after the backfill
 * (alertSeries() in prometheus.ts, from the same episodes):
 *  - GET /api/v1/query?query=ALERTS{…}[range]&time=T (and ALERTS_FOR_STATE): a matrix of the raw samples in [T-N, T],
 *    label matchers =, !=, =~, !~; any other expression is refused as Prometheus refuses bad input (400, bad_data);
 *  - GET /api/v1/rules?type=alert: the alerting rule groups, with their interval and annotations;
 *  - GET /api/v1/status/config: the config YAML with the global evaluation_interval;
 *  - GET /-/ready.
 * It is no Prometheus: it evaluates nothing, and says so in every answer's `X-Readiness-Standin` header.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { alertSeries, type AlertSeries, type BackfillEpisode } from './prometheus.js';

export interface StandInRule {
  alert: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface PrometheusStandInOptions {
  episodes: BackfillEpisode[];
  rules: { name: string; rules: StandInRule[] }[];
  /** as in Prometheus' config, e.g. "1m" */
  evaluationInterval: string;
  /** seconds between samples (default 60) */
  intervalS?: number;
}

export interface PrometheusStandIn {
  url: string;
  close(): Promise<void>;
}

type Matcher = { name: string; test: (v: string) => boolean };

/** the label matchers of a selector body (`a="x",b=~"y.*"`), or undefined when it is not one */
export function parseMatchers(body: string): Matcher[] | undefined {
  const out: Matcher[] = [];
  const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;
  let at = 0;
  while (at < body.length) {
    re.lastIndex = at;
    const m = re.exec(body);
    if (!m) return body.slice(at).trim() === '' ? out : undefined;
    at = re.lastIndex;
    const [, name, op, raw] = m;
    const value = JSON.parse(`"${raw}"`) as string;
    let rx: RegExp | undefined;
    if (op === '=~' || op === '!~') {
      try {
        rx = new RegExp(`^(?:${value})$`);
      } catch {
        return undefined;
      }
    }
    const test =
      op === '=' ? (v: string) => v === value : op === '!=' ? (v: string) => v !== value : op === '=~' ? (v: string) => rx!.test(v) : (v: string) => !rx!.test(v);
    out.push({ name: name!, test });
  }
  return out;
}

function answer(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'X-Readiness-Standin': 'demo sandbox' });
  res.end(JSON.stringify(body));
}

function badData(res: http.ServerResponse, error: string): void {
  answer(res, 400, { status: 'error', errorType: 'bad_data', error });
}

const UNIT_S: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

/** a PromQL duration such as 1d, 90s or 1h30m, in seconds */
function rangeSeconds(d: string): number {
  let s = 0;
  for (const [, n, unit] of d.matchAll(/(\d+)(ms|[smhdwy])/g)) s += Number(n) * UNIT_S[unit!]!;
  return s;
}

function rangeQuery(series: AlertSeries[], query: string, time: number): { status: 400; error: string } | { status: 200; result: unknown[] } {
  const m = /^\s*(ALERTS|ALERTS_FOR_STATE)\s*(?:\{(.*)\})?\s*\[((?:\d+(?:ms|[smhdwy]))+)\]\s*$/s.exec(query);
  if (!m) return { status: 400, error: `the demo sandbox's Prometheus stand-in answers only range selectors of ALERTS{…} and ALERTS_FOR_STATE{…}, not ${JSON.stringify(query)}` };
  const matchers = parseMatchers(m[2] ?? '');
  if (!matchers) return { status: 400, error: `1:${query.indexOf('{') + 2}: parse error: unexpected character inside braces` };
  const from = time - rangeSeconds(m[3]!);
  const result = [];
  for (const s of series) {
    if (s.name !== m[1] || !matchers.every((x) => x.test(s.labels[x.name] ?? ''))) continue;
    const values = s.points.filter(([ts]) => ts >= from && ts <= time).map(([ts, v]) => [ts, String(v)]);
    if (values.length) result.push({ metric: { __name__: s.name, ...s.labels }, values });
  }
  return { status: 200, result };
}

export async function startPrometheusStandIn(o: PrometheusStandInOptions): Promise<PrometheusStandIn> {
  const series = alertSeries(o.episodes, o.intervalS ?? 60);
  const intervalS = o.intervalS ?? 60;
  const groups = o.rules.map((g) => ({
    name: g.name,
    file: '/etc/prometheus/rules.yml',
    interval: intervalS,
    limit: 0,
    rules: g.rules.map((r) => ({
      state: 'inactive',
      name: r.alert,
      query: r.expr,
      duration: 0,
      keepFiringFor: 0,
      labels: r.labels ?? {},
      annotations: r.annotations ?? {},
      alerts: [],
      health: 'ok',
      evaluationTime: 0,
      lastEvaluation: new Date().toISOString(),
      type: 'alerting',
    })),
    evaluationTime: 0,
    lastEvaluation: new Date().toISOString(),
  }));
  const config = `global:\n  scrape_interval: 15s\n  scrape_timeout: 10s\n  evaluation_interval: ${o.evaluationInterval}\nrule_files:\n- /etc/prometheus/rules.yml\n`;

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://standin');
    if (req.method !== 'GET' && req.method !== 'POST') return answer(res, 405, { status: 'error', errorType: 'bad_data', error: 'method not allowed' });
    switch (url.pathname) {
      case '/-/ready':
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        return void res.end('Prometheus Server is Ready.\n');
      case '/api/v1/status/config':
        return answer(res, 200, { status: 'success', data: { yaml: config } });
      case '/api/v1/rules': {
        const type = url.searchParams.get('type');
        return answer(res, 200, { status: 'success', data: { groups: type === 'record' ? [] : groups } });
      }
      case '/api/v1/query': {
        const query = url.searchParams.get('query');
        if (!query) return badData(res, 'invalid parameter "query": parse error: no expression found in input');
        const t = url.searchParams.get('time');
        const time = t === null ? Date.now() / 1000 : Number(t);
        if (!Number.isFinite(time)) return badData(res, `invalid parameter "time": cannot parse "${t}" to a valid timestamp`);
        const r = rangeQuery(series, query, time);
        if (r.status === 400) return badData(res, r.error);
        return answer(res, 200, { status: 'success', data: { resultType: 'matrix', result: r.result } });
      }
      default:
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
        return void res.end('404 page not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
