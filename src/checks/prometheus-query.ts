/**
 * prometheus.query: one instant PromQL query (GET /api/v1/query); the result is handed to `expect` as is, with
 * `value` = the scalar, or the first sample's value, as a number — e.g. `expect: value < 0.01`.
 *
 * error vs fail: unreachable Prometheus, bad PromQL, auth refused → error; otherwise `expect` judges.
 */
import { z } from 'zod';
import { CheckError, type CheckKind, type CheckOutput } from './contract.js';
import { safeUrl } from './support/http.js';
import { prometheusApi, prometheusParams } from './support/prometheus-api.js';

const params = z
  .object({
    ...prometheusParams,
    query: z.string().min(1).describe('PromQL expression, evaluated as an instant query'),
    time: z.string().optional().describe('evaluation time (RFC 3339); default now'),
  })
  .strict();

type Params = z.infer<typeof params>;

/** Prometheus sends sample values as strings ("0.5", "NaN", "+Inf"): numbers when finite, else the string */
export function sampleValue(v: unknown): number | string | null {
  if (typeof v !== 'string') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : v;
}

interface Sample {
  metric: Record<string, string>;
  value?: [number, string];
  values?: [number, string][];
}

export const prometheusQuery: CheckKind<Params> = {
  kind: 'prometheus.query',
  title: 'An instant PromQL query, judged by its value',
  description:
    'Runs GET /api/v1/query?query=<PromQL>[&time=] and exposes the answer: resultType, the raw result, `value` ' +
    '(the scalar, or the first series\' value, as a number) and per-series samples. error = Prometheus unreachable, ' +
    'the query rejected (bad PromQL, limits) or auth refused; the verdict is the `expect` over the result.',
  outcomes: {
    error: 'Prometheus unreachable, the query rejected (bad PromQL, limits), auth refused',
    fail: '`expect` does not hold (default: the query returned no value)',
    inconclusive: 'never',
  },
  params,
  resultDoc: {
    resultType: '"vector", "scalar", "matrix" or "string"',
    result: 'the raw data.result from Prometheus',
    value: 'scalar value, or the first sample\'s value (vector: its value; matrix: the first series\' last value); numbers when finite; null when empty',
    series: 'number of series (1 for a scalar)',
    samples: 'vector/matrix: [{metric: {labels}, value}] with numeric values (matrix: last value)',
    query: 'the PromQL that ran',
    time: 'evaluation time (RFC 3339) or null for now',
  },
  example: [
    'check:',
    '  kind: prometheus.query',
    '  url: ${vars.prometheusUrl}',
    '  query: sum(rate(http_requests_total{job="detektor",code=~"5.."}[5m])) / sum(rate(http_requests_total{job="detektor"}[5m]))',
    '  expect: value < 0.001',
  ].join('\n'),
  defaultExpect: 'value != null',
  describe(p) {
    const q = new URLSearchParams({ query: p.query });
    if (p.time) q.set('time', p.time);
    return `GET ${safeUrl(p.url).replace(/\/+$/, '')}/api/v1/query?${q.toString()}`;
  },
  async run(p, ctx): Promise<CheckOutput> {
    let time: number | undefined;
    if (p.time) {
      const t = Date.parse(p.time);
      if (!Number.isFinite(t)) throw new CheckError(`time "${p.time}" is not an RFC 3339 time`, 'write it like 2026-11-27T12:00:00Z');
      time = t / 1000;
    }
    const api = prometheusApi(p, ctx);
    ctx.emit(`query: ${p.query}`);
    const { resultType, result } = await api.query(p.query, time);
    let value: number | string | null = null;
    let series = 0;
    let samples: { metric: Record<string, string>; value: number | string | null }[] = [];
    if (resultType === 'scalar' || resultType === 'string') {
      value = resultType === 'scalar' ? sampleValue((result as [number, string])[1]) : (result as [number, string])[1];
      series = 1;
    } else if (resultType === 'vector' || resultType === 'matrix') {
      const list = result as Sample[];
      series = list.length;
      samples = list.map((s) => ({
        metric: s.metric,
        value: sampleValue(resultType === 'vector' ? s.value?.[1] : s.values?.[s.values.length - 1]?.[1]),
      }));
      value = samples[0]?.value ?? null;
    } else {
      throw new CheckError(`Prometheus answered an unknown resultType "${resultType}"`, 'is this a Prometheus-compatible API?');
    }
    for (const s of samples.slice(0, 20)) {
      const labels = Object.entries(s.metric).map(([k, v]) => `${k}="${v}"`).join(',');
      ctx.emit(`  {${labels}} ${s.value}`);
    }
    if (samples.length > 20) ctx.emit(`  … ${samples.length - 20} more series`);
    if (resultType === 'scalar' || resultType === 'string') ctx.emit(`  ${resultType} ${value}`);
    return {
      result: { resultType, result, value, series, samples, query: p.query, time: p.time ?? null },
      summary: series === 0 ? `no series for ${p.query}` : `${resultType}: ${series} series, value ${value}`,
      measured: value === null ? 'empty result' : `value ${value}`,
    };
  },
};
