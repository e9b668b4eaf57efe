/** prometheus.query against a REAL Prometheus with a backfilled alert history (known numbers). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
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

  it('the time is sent as unix seconds; summary, measured and the evidence lines name the value', async () => {
    const ctx = await basicContext();
    const t = await runKind(prometheusQuery, { url: prom.url, time, query: 'time()' }, ctx);
    expect(t.result).toMatchObject({ resultType: 'scalar', value: history.end, series: 1, samples: [], query: 'time()', time });
    expect(t.summary).toBe(`scalar: 1 series, value ${history.end}`);
    expect(t.measured).toBe(`value ${history.end}`);
    expect(ctx.lines.map((l) => l.line)).toContain(`  scalar ${history.end}`);
    expect(ctx.lines.map((l) => l.line)).toContain('query: time()');
    const empty = await runKind(prometheusQuery, { url: prom.url, query: 'ALERTS{alertname="NoSuchAlert"}' }, ctx);
    expect(empty.result).toMatchObject({ samples: [], time: null });
    expect(empty.summary).toBe('no series for ALERTS{alertname="NoSuchAlert"}');
    expect(empty.measured).toBe('empty result');
    await ctx.dispose();
  });

  it('non-finite values stay strings ("+Inf", "NaN"); a string result is its text', async () => {
    const ctx = await basicContext();
    const inf = await runKind(prometheusQuery, { url: prom.url, time, query: '1/0' }, ctx);
    expect(inf.result).toMatchObject({ resultType: 'scalar', value: '+Inf' });
    const nan = await runKind(prometheusQuery, { url: prom.url, time, query: 'vector(0)/0' }, ctx);
    expect(nan.result).toMatchObject({ resultType: 'vector', value: 'NaN', samples: [{ metric: {}, value: 'NaN' }] });
    const str = await runKind(prometheusQuery, { url: prom.url, time, query: '"ready"' }, ctx);
    expect(str.result).toMatchObject({ resultType: 'string', value: 'ready', series: 1, samples: [] });
    expect(str.summary).toBe('string: 1 series, value ready');
    // a string result stays a string even when it reads as a number
    const digits = await runKind(prometheusQuery, { url: prom.url, time, query: '"42"' }, ctx);
    expect(digits.result).toMatchObject({ resultType: 'string', value: '42' });
    expect(ctx.lines.map((l) => l.line)).toContain('  string ready');
    await ctx.dispose();
  });

  it('matrix: the value is the first series\' LAST sample; more than 20 series are listed as 20 and a count', async () => {
    const ctx = await basicContext();
    // a subquery of time(): samples at end − 3m … end, one a minute, so the last one is the window's end
    const m = await runKind(prometheusQuery, { url: prom.url, time, query: 'vector(time())[3m:1m]' }, ctx);
    expect(m.result).toMatchObject({ resultType: 'matrix', value: history.end, series: 1, samples: [{ metric: {}, value: history.end }] });
    const many = Array.from({ length: 22 }, (_, i) => `label_replace(vector(${i}), "i", "${i}", "", "")`).join(' or ');
    const lines = await basicContext();
    const r = await runKind(prometheusQuery, { url: prom.url, time, query: many }, lines);
    expect(r.result).toMatchObject({ resultType: 'vector', series: 22 });
    const shown = lines.lines.map((l) => l.line).filter((l) => l.startsWith('  {i='));
    expect(shown).toHaveLength(20);
    expect(shown[0]).toBe('  {i="0"} 0');
    const two = await basicContext();
    await runKind(prometheusQuery, { url: prom.url, time, query: 'label_replace(label_replace(vector(1), "a", "x", "", ""), "b", "y", "", "")' }, two);
    expect(two.lines.map((l) => l.line)).toContain('  {a="x",b="y"} 1');
    await two.dispose();
    expect(lines.lines.map((l) => l.line)).toContain('  … 2 more series');
    expect(lines.lines.map((l) => l.line).filter((l) => l.startsWith('  scalar') || l.startsWith('  vector'))).toEqual([]);
    // exactly 20 series: all listed, no count
    const twenty = await basicContext();
    await runKind(prometheusQuery, { url: prom.url, time, query: Array.from({ length: 20 }, (_, i) => `label_replace(vector(${i}), "i", "${i}", "", "")`).join(' or ') }, twenty);
    expect(twenty.lines.filter((l) => l.line.startsWith('  {i='))).toHaveLength(20);
    expect(twenty.lines.some((l) => l.line.includes('more series'))).toBe(false);
    await twenty.dispose();
    await lines.dispose();
    await ctx.dispose();
  });

  it('a time that is not RFC 3339 is an error before any request', async () => {
    const ctx = await basicContext();
    const e = await runKind(prometheusQuery, { url: prom.url, time: 'yesterday', query: 'up' }, ctx).catch((x) => x);
    expect(e).toBeInstanceOf(CheckError);
    expect(e.message).toBe('time "yesterday" is not an RFC 3339 time');
    expect(e.hint).toBe('write it like 2026-11-27T12:00:00Z');
    expect(ctx.lines).toEqual([]);
    await ctx.dispose();
  });
});

describe('prometheus.query on an API that is not quite Prometheus', () => {
  it('an unknown resultType is an error', async () => {
    const api = http.createServer((_q, s) => {
      s.writeHead(200, { 'content-type': 'application/json' });
      s.end(JSON.stringify({ status: 'success', data: { resultType: 'table', result: [] } }));
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', () => r()));
    const ctx = await basicContext();
    try {
      const url = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
      const e = await runKind(prometheusQuery, { url, query: 'up' }, ctx).catch((x) => x);
      expect(e).toBeInstanceOf(CheckError);
      expect(e.message).toBe('Prometheus answered an unknown resultType "table"');
      expect(e.hint).toBe('is this a Prometheus-compatible API?');
    } finally {
      await new Promise((r) => api.close(r));
      await ctx.dispose();
    }
  });
});
