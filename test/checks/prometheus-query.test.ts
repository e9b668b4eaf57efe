/** prometheus.query against a REAL Prometheus with a backfilled alert history (known numbers). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import os from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { prometheusQuery } from '../../src/checks/prometheus-query.js';
import { CheckError } from '../../src/checks/contract.js';
import { backfillAlerts, findPrometheus, startPrometheus, type PrometheusServer } from '../../src/demo/servers/prometheus.js';
import { detektorAlertHistory } from '../support/alert-history.js';
import { basicContext, runKind } from '../support/check-context-basic.js';
import { evaluateDefault } from '../support/expect-default.js';
import { withoutTool } from '../support/tools.js';

const bins = await findPrometheus();
const noProm = withoutTool('prometheus/promtool', Boolean(bins), 'apt-get install -y prometheus');
const history = detektorAlertHistory();
const time = new Date(history.end * 1000).toISOString();
let prom: PrometheusServer;
let work: string;

describe.skipIf(noProm)('prometheus.query on a real Prometheus (needs prometheus, promtool)', () => {
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'rt-promq-'));
    await backfillAlerts(path.join(work, 'data'), history.episodes);
    prom = await startPrometheus({ dataDir: path.join(work, 'data') });
  }, 90_000);
  afterAll(async () => {
    await prom?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('vector: the check-domain episode recipe changes(ALERTS_FOR_STATE[7d])+1 per alertname', async () => {
    const ctx = await basicContext();
    const out = await runKind(prometheusQuery, { url: prom.url, time, query: 'sort_desc(sum by (alertname) (changes(ALERTS_FOR_STATE[7d]) + 1))' }, ctx);
    const r = out.result as { resultType: string; series: number; value: number; samples: { metric: { alertname: string }; value: number }[] };
    expect(r.resultType).toBe('vector');
    // HighMemoryUsage 14 (older episodes are outside 7 d), SlowQueries 7 + 1 over two series, QueueBackup 4 in one series
    expect(Object.fromEntries(r.samples.map((s) => [s.metric.alertname, s.value]))).toMatchObject({ HighMemoryUsage: 14, SlowQueries: 8, QueueBackup: 4 });
    expect(r.value).toBe(14);
    expect(await evaluateDefault(prometheusQuery, out.result, 'value > 10 and series = 5')).toBe(true);
    expect(ctx.lines.some((l) => l.line.includes('{alertname="QueueBackup"} 4'))).toBe(true);
    await ctx.dispose();
  });

  it('scalar and empty results', async () => {
    const ctx = await basicContext();
    const s = await runKind(prometheusQuery, { url: prom.url, time, query: 'scalar(count(count_over_time(ALERTS{alertstate="firing"}[7d])))' }, ctx);
    expect(s.result).toMatchObject({ resultType: 'scalar', value: 6, series: 1 }); // 6 firing series
    const empty = await runKind(prometheusQuery, { url: prom.url, time, query: 'ALERTS{alertname="NoSuchAlert"}' }, ctx);
    expect(empty.result).toMatchObject({ resultType: 'vector', value: null, series: 0 });
    expect(await evaluateDefault(prometheusQuery, empty.result)).toBe(false);
    await ctx.dispose();
  });

  it('bad PromQL is an error quoting Prometheus; describe shows the exact request', async () => {
    const ctx = await basicContext();
    const e = await runKind(prometheusQuery, { url: prom.url, query: 'sum(' }, ctx).catch((x) => x);
    expect(e).toBeInstanceOf(CheckError);
    expect(e.message).toMatch(/bad_data\): .*parse error/);
    expect(prometheusQuery.describe(prometheusQuery.params.parse({ url: 'http://prom:9090/', query: 'up == 1' }), {})).toBe(
      'GET http://prom:9090/api/v1/query?query=up+%3D%3D+1',
    );
    await ctx.dispose();
  });
});
