import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import {
  buildEpisodes,
  flapping,
  matchPagerDuty,
  matchSilence,
  mergeSeries,
  pagerDutyHumanAck,
  pagerDutyIncidents,
  runbooksFromWebhookLog,
  type MatrixSeries,
} from '../../../src/checks/support/alert-episodes.js';
import { fixturesDir } from '../../support/fixtures.js';

const FIX = fixturesDir;
const read = (rel: string) => readFileSync(path.join(FIX, rel), 'utf8');

const series = (labels: Record<string, string>, points: [number, number][]): MatrixSeries => ({
  metric: { __name__: 'ALERTS', alertstate: 'firing', ...labels },
  values: points.map(([t, v]) => [t, String(v)]),
});

describe('alert episodes', () => {
  it('the captured ALERTS_FOR_STATE range answer (Prometheus 2.42) yields two episodes of QueueBackup', () => {
    const doc = JSON.parse(read('alerting/prometheus-2.42-query-ALERTS_FOR_STATE-range-vector-TRUNCATED.json'));
    const state = mergeSeries([doc.data.result]);
    // use the same timestamps as firing samples
    const firing = mergeSeries([doc.data.result.map((s: MatrixSeries) => ({ ...s, values: s.values.map(([t]) => [t, '1']) }))]);
    const eps = buildEpisodes(firing, state, { maxGapS: 120, windowEnd: 1795777755 });
    expect(eps.map((e) => [e.alertname, e.activeAt, e.lastFiring, e.durationS])).toEqual([
      ['QueueBackup', 1795266480, 1795266600, 120],
      ['QueueBackup', 1795612080, 1795619280, 7200],
    ]);
  });

  it('chunks overlapping at the boundary are merged without double samples; gaps and new ActiveAt split', () => {
    const a = series({ alertname: 'A' }, [[0, 1], [60, 1], [120, 1]]);
    const b = series({ alertname: 'A' }, [[120, 1], [180, 1], [400, 1], [460, 1]]);
    const firing = mergeSeries([[a], [b]]);
    expect(firing.get('alertname="A"')!.points.size).toBe(6);
    const state = mergeSeries([[{ metric: { alertname: 'A' }, values: [[0, '0'], [60, '0'], [120, '0'], [180, '170'], [400, '400'], [460, '400']] }]]);
    const eps = buildEpisodes(firing, state, { maxGapS: 120, windowEnd: 1000 });
    expect(eps.map((e) => [e.firstFiring, e.lastFiring, e.activeAt])).toEqual([
      [0, 120, 0],
      [180, 180, 170],
      [400, 460, 400],
    ]);
    expect(eps.every((e) => !e.ongoing)).toBe(true);
    expect(buildEpisodes(firing, state, { maxGapS: 120, windowEnd: 500 }).at(-1)!.ongoing).toBe(true);
  });

  it('flapping: three activations within an hour', () => {
    const f = mergeSeries([[series({ alertname: 'F' }, [[0, 1], [900, 1], [1800, 1], [9000, 1]])]]);
    const eps = buildEpisodes(f, new Map(), { maxGapS: 120, windowEnd: 20000 });
    expect(eps).toHaveLength(4);
    expect(flapping(eps)).toEqual([{ key: 'alertname="F"', alertname: 'F', maxInWindow: 3 }]);
  });
});

describe('acknowledgement sources', () => {
  const incidents = pagerDutyIncidents(JSON.parse(read('pagerduty/pagerduty-incidents-raw.json')));

  it('PagerDuty: only the incident a user acknowledged counts as human', () => {
    expect(incidents.map((i) => [i.id, !!pagerDutyHumanAck(i)])).toEqual([
      ['123', false], // resolved by the service
      ['456', false], // triggered
      ['789', true], // acknowledged by User 789
    ]);
    expect(pagerDutyHumanAck(incidents[2]!)).toEqual({ at: '2025-02-18T00:54:51Z', by: 'User 789' });
  });

  it('PagerDuty: matched by alert name in the title and creation time within the episode', () => {
    const inc = { ...incidents[2]!, title: 'SlowQueries on detektor' };
    const t = Date.parse('2025-02-18T00:24:36Z') / 1000;
    const ep = { alertname: 'SlowQueries', labels: {}, from: t - 60, to: t + 600 };
    expect(matchPagerDuty(ep, [inc])?.id).toBe('789');
    expect(matchPagerDuty({ ...ep, alertname: 'Slow' }, [inc])).toBeUndefined();
    expect(matchPagerDuty({ ...ep, from: t + 3600, to: t + 4000 }, [inc])).toBeUndefined();
    expect(() => pagerDutyIncidents({ data: [] })).toThrow(/GET \/incidents/);
  });

  it('Alertmanager silences (captured 0.25 format): matchers, time and automation authors', () => {
    const silences = JSON.parse(read('alerting/alertmanager-0.25-api-v2-silences.json'));
    const t = Date.parse('2026-11-27T11:09:24Z') / 1000;
    const ep = { alertname: 'HighMemoryUsage', labels: { alertname: 'HighMemoryUsage', service: 'detektor' }, from: t - 60, to: t + 300 };
    expect(matchSilence(ep, silences)).toMatchObject({ source: 'alertmanager-silence', by: 'readiness-tui' });
    expect(matchSilence(ep, silences, ['readiness-tui'])).toBeUndefined();
    expect(matchSilence({ ...ep, labels: { alertname: 'SlowQueries' } }, silences)).toBeUndefined();
  });

  it('runbook annotations from the captured webhook log', () => {
    expect([...runbooksFromWebhookLog(read('alerting/alertmanager-0.25-webhook-payloads.jsonl'))]).toEqual([
      ['QueueBackup', 'https://runbooks.example/queue_backup'],
    ]);
  });
});
