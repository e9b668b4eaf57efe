/**
 * The demo sandbox's Prometheus stand-in (src/demo/servers/prometheus-standin.ts): the API calls of the
 * prometheus.alert-history kind, answered with a real Prometheus' shapes; where Debian's prometheus is installed,
 * the same queries over the same backfilled history are asked of both and must give the same answers.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMatchers, startPrometheusStandIn, type PrometheusStandIn } from '../../../src/demo/servers/prometheus-standin.js';
import { backfillAlerts, findPrometheus, startPrometheus, type BackfillEpisode, type PrometheusServer } from '../../../src/demo/servers/prometheus.js';
import { prometheusAlertHistory } from '../../../src/checks/prometheus-alert-history.js';
import { basicContext, runKind } from '../../support/check-context-basic.js';

// whole minutes, more than 3 h ago (the real server's head block takes no backfill)
const END = Math.floor(Date.now() / 1000 / 60) * 60 - 4 * 3600;
const EPISODES: BackfillEpisode[] = [
  { labels: { alertname: 'HighLatency', severity: 'critical', service: 'api' }, activeAt: END - 30 * 3600, lastAt: END - 30 * 3600 + 40 * 60 },
  { labels: { alertname: 'HighLatency', severity: 'critical', service: 'api' }, activeAt: END - 5 * 3600, lastAt: END - 5 * 3600 + 20 * 60, pendingFor: 120 },
  { labels: { alertname: 'DiskFull', severity: 'warning', service: 'db' }, activeAt: END - 50 * 3600, lastAt: END - 50 * 3600 + 3 * 60 },
];
const RULES = [
  {
    name: 'api',
    rules: [
      { alert: 'HighLatency', expr: 'vector(0) > 1', labels: { severity: 'critical' }, annotations: { runbook_url: 'https://runbooks.example/latency' } },
      { alert: 'DiskFull', expr: 'vector(0) > 1', labels: { severity: 'warning' } },
    ],
  },
];

type Matrix = { metric: Record<string, string>; values: [number, string][] }[];

async function get(base: string, p: string): Promise<{ status: number; type: string | null; body: { status: string; data?: unknown; errorType?: string; error?: string } }> {
  const r = await fetch(base + p);
  return { status: r.status, type: r.headers.get('content-type'), body: (await r.json()) as never };
}

const query = (base: string, q: string, t: number) => get(base, `/api/v1/query?query=${encodeURIComponent(q)}&time=${t}`);
const sorted = (m: Matrix) => [...m].sort((a, b) => JSON.stringify(a.metric).localeCompare(JSON.stringify(b.metric)));

let standIn: PrometheusStandIn;
beforeAll(async () => {
  standIn = await startPrometheusStandIn({ episodes: EPISODES, rules: RULES, evaluationInterval: '1m' });
});
afterAll(() => standIn.close());

describe('label matchers', () => {
  it('reads =, !=, =~ and !~ (regexes anchored, escapes honoured) and refuses what is not a selector body', () => {
    const m = parseMatchers('a="x", b!="y",c=~"f.o|bar",d!~"z+", e="q\\"uote"')!;
    expect(m.map((x) => x.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect([m[0]!.test('x'), m[0]!.test('xx')]).toEqual([true, false]);
    expect([m[1]!.test('y'), m[1]!.test('')]).toEqual([false, true]);
    expect([m[2]!.test('foo'), m[2]!.test('bar'), m[2]!.test('foobar')]).toEqual([true, true, false]);
    expect([m[3]!.test('zz'), m[3]!.test('az')]).toEqual([false, true]);
    expect(m[4]!.test('q"uote')).toBe(true);
    expect(parseMatchers('')).toEqual([]);
    expect(parseMatchers('a=x')).toBeUndefined();
    expect(parseMatchers('a=~"(")')).toBeUndefined();
  });
});

describe('the stand-in answers like Prometheus', () => {
  it('a range selector: the raw samples in [t - range, t], one series per label set, __name__ included', async () => {
    const t = END - 30 * 3600 + 10 * 60;
    const r = await query(standIn.url, 'ALERTS{alertstate="firing",service=~"api|web"}[5m]', t);
    expect(r.status).toBe(200);
    expect(r.type).toBe('application/json');
    expect(r.body.status).toBe('success');
    const data = r.body.data as { resultType: string; result: Matrix };
    expect(data.resultType).toBe('matrix');
    expect(data.result).toEqual([
      {
        metric: { __name__: 'ALERTS', alertname: 'HighLatency', alertstate: 'firing', severity: 'critical', service: 'api' },
        values: [5, 6, 7, 8, 9, 10].map((k) => [END - 30 * 3600 + k * 60, '1']),
      },
    ]);
  });

  it('ALERTS_FOR_STATE carries the time the alert became active; pending samples are alertstate="pending"', async () => {
    const t = END - 5 * 3600 + 2 * 60;
    const fs = (await query(standIn.url, 'ALERTS_FOR_STATE{alertname="HighLatency"}[2m]', t)).body.data as { result: Matrix };
    expect(fs.result).toHaveLength(1);
    expect(fs.result[0]!.values.map(([, v]) => v)).toEqual([String(END - 5 * 3600), String(END - 5 * 3600), String(END - 5 * 3600)]);
    const pend = (await query(standIn.url, 'ALERTS{alertstate="pending"}[2m]', t)).body.data as { result: Matrix };
    expect(pend.result[0]!.values.map(([ts]) => ts)).toEqual([END - 5 * 3600, END - 5 * 3600 + 60]);
  });

  it('refuses other PromQL as Prometheus refuses bad input: 400, errorType bad_data, a message', async () => {
    const r = await query(standIn.url, 'rate(http_requests_total[5m])', END);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ status: 'error', errorType: 'bad_data', error: 'the demo sandbox\'s Prometheus stand-in answers only range selectors of ALERTS{…} and ALERTS_FOR_STATE{…}, not "rate(http_requests_total[5m])"' });
    const noQuery = await get(standIn.url, '/api/v1/query');
    expect([noQuery.status, noQuery.body.errorType]).toEqual([400, 'bad_data']);
    const badTime = await get(standIn.url, `/api/v1/query?query=${encodeURIComponent('ALERTS[1m]')}&time=yesterday`);
    expect(badTime.body.error).toBe('invalid parameter "time": cannot parse "yesterday" to a valid timestamp');
  });

  it('rules, config, readiness and unknown paths', async () => {
    const rules = (await get(standIn.url, '/api/v1/rules?type=alert')).body.data as { groups: { name: string; interval: number; rules: { name: string; type: string; annotations: Record<string, string> }[] }[] };
    expect(rules.groups.map((g) => [g.name, g.interval])).toEqual([['api', 60]]);
    expect(rules.groups[0]!.rules.map((r) => [r.name, r.type, r.annotations.runbook_url])).toEqual([
      ['HighLatency', 'alerting', 'https://runbooks.example/latency'],
      ['DiskFull', 'alerting', undefined],
    ]);
    const cfg = (await get(standIn.url, '/api/v1/status/config')).body.data as { yaml: string };
    expect(cfg.yaml).toMatch(/^ {2}evaluation_interval: 1m$/m);
    expect((await fetch(`${standIn.url}/-/ready`)).status).toBe(200);
    const missing = await fetch(`${standIn.url}/api/v1/nope`);
    expect([missing.status, await missing.text()]).toEqual([404, '404 page not found\n']);
  });

  it('the alert-history kind, through its real client, reads the episodes from it', async () => {
    const ctx = await basicContext({});
    const r = await runKind(prometheusAlertHistory, { url: standIn.url, days: 3, at: new Date(END * 1000).toISOString(), evaluationInterval: '1m' }, ctx);
    expect(r.verdict).toBeUndefined(); // judged by the checklist's expect, not by the kind
    expect(r.result).toMatchObject({ episodes: 3, alertsPerDay: 1 });
    expect(r.summary).toMatch(/^3 episodes in 3 d = 1\/day; false positives 1 \(33\.3%\); actionable 2 \(66\.7%\)/);
  });
});

const bins = await findPrometheus();
if (!bins) console.warn('SKIPPED (missing tool: prometheus) stand-in vs real Prometheus comparison: apt-get install -y prometheus');

describe.skipIf(!bins)('the stand-in and a real Prometheus over the same history', () => {
  let dir: string;
  let real: PrometheusServer;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rt-standin-'));
    await backfillAlerts(dir, EPISODES);
    real = await startPrometheus({ dataDir: dir, evaluationInterval: '1m' });
  }, 60_000);
  afterAll(async () => {
    await real?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('give the same matrix for every query the alert-history kind makes', async () => {
    const queries = ['ALERTS{alertstate="firing"}[1d]', 'ALERTS_FOR_STATE[1d]', 'ALERTS{alertstate="firing",service="api"}[6h]', 'ALERTS_FOR_STATE{service!="api"}[3d]'];
    for (const q of queries) {
      for (const t of [END, END - 86400, END - 5 * 3600 + 600]) {
        const [a, b] = await Promise.all([query(standIn.url, q, t), query(real.url, q, t)]);
        expect(a.status, `${q} @ ${t}`).toBe(b.status);
        const [ma, mb] = [a.body.data as { result: Matrix }, b.body.data as { result: Matrix }];
        expect(sorted(ma.result), `${q} @ ${t}`).toEqual(sorted(mb.result));
      }
    }
  }, 60_000);
});
