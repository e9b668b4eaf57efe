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
  seriesKey,
  type Episode,
  type MatrixSeries,
} from '../../../src/checks/support/alert-episodes.js';
import { CheckError } from '../../../src/checks/contract.js';
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

  it('series key and labels: without __name__ and alertstate, sorted, values quoted', () => {
    const metric = { service: 'a"b', __name__: 'ALERTS', alertstate: 'firing', alertname: 'X' };
    expect(seriesKey(metric)).toBe('alertname="X",service="a\\"b"');
    const merged = mergeSeries([[{ metric, values: [[5, '1']] }]]);
    expect(Object.entries(merged.get('alertname="X",service="a\\"b"')!.labels)).toEqual([
      ['alertname', 'X'],
      ['service', 'a"b'],
    ]);
  });

  it('a gap of exactly maxGapS continues the episode, one second more splits; chunks may come newest first', () => {
    // rangeChunks asks for the newest chunk first, so the samples of a series arrive out of order
    const firing = mergeSeries([[series({ alertname: 'A' }, [[240, 1], [361, 1]])], [series({ alertname: 'A' }, [[0, 1], [120, 1]])]]);
    const eps = buildEpisodes(firing, new Map(), { maxGapS: 120, windowEnd: 481 });
    expect(eps.map((e) => [e.firstFiring, e.lastFiring, e.activeAt, e.durationS, e.samples, e.ongoing])).toEqual([
      [0, 240, 0, 240, 3, false],
      // the window ends exactly maxGapS after the last sample: still firing
      [361, 361, 361, 0, 1, true],
    ]);
    expect(buildEpisodes(firing, new Map(), { maxGapS: 120, windowEnd: 482 }).at(-1)!.ongoing).toBe(false);
  });

  it('a rule group interval (maxGapFor) overrides maxGapS; a series without alertname is asked for by ""', () => {
    const firing = mergeSeries([[series({ job: 'x' }, [[0, 1], [500, 1]]), series({ alertname: 'B' }, [[1000, 1], [1500, 1]])]]);
    const asked: string[] = [];
    const maxGapFor = (name: string) => (asked.push(name), name === '' ? 600 : undefined);
    const eps = buildEpisodes(firing, new Map(), { maxGapS: 120, maxGapFor, windowEnd: 5000 });
    expect(asked).toEqual(['', 'B']);
    expect(eps.map((e) => [e.alertname, e.firstFiring, e.lastFiring, e.samples])).toEqual([
      ['(no alertname)', 0, 500, 2],
      ['B', 1000, 1000, 1],
      ['B', 1500, 1500, 1],
    ]);
  });

  it('ActiveAt between samples: the latest ALERTS_FOR_STATE sample at most one gap before', () => {
    // inserted in reverse key order: episodes starting together are sorted by key
    const firing = mergeSeries([
      [series({ alertname: 'R' }, [[100, 1]]), series({ alertname: 'Q' }, [[100, 1]]), series({ alertname: 'P' }, [[100, 1]]), series({ alertname: 'Z' }, [[40, 1]])],
    ]);
    const state = mergeSeries([
      [
        series({ alertname: 'P' }, [[40, 10]]), // exactly one gap (60 s) before: used
        // the latest at or before 100: 70 (chunks arrive newest first, so the samples are not in time order)
        series({ alertname: 'Q' }, [[55, 15], [70, 20], [130, 30], [45, 5]]),
        series({ alertname: 'R' }, [[30, 5]]), // 70 s before: too old, the first sample stands in
      ],
    ]);
    const eps = buildEpisodes(firing, state, { maxGapS: 60, windowEnd: 1000 });
    expect(eps.map((e) => [e.alertname, e.firstFiring, e.activeAt, e.durationS])).toEqual([
      ['Z', 40, 40, 0],
      ['P', 100, 10, 90],
      ['Q', 100, 20, 80],
      ['R', 100, 100, 0],
    ]);
  });

  it('a sample without a known ActiveAt neither splits nor resets; a later ActiveAt is adopted, a changed one splits', () => {
    const firing = mergeSeries([[series({ alertname: 'S' }, [[0, 1], [60, 1], [120, 1], [180, 1]]), series({ alertname: 'T' }, [[300, 1], [360, 1], [420, 1], [480, 1]])]]);
    const state = mergeSeries([
      [
        // S: 120 has no ActiveAt within one gap; 180 has a new one
        series({ alertname: 'S' }, [[0, 0], [180, 150]]),
        // T: none at 300, 100 from 360 on, none again at 480
        series({ alertname: 'T' }, [[360, 100]]),
      ],
    ]);
    const eps = buildEpisodes(firing, state, { maxGapS: 60, windowEnd: 10_000 });
    expect(eps.map((e) => [e.alertname, e.firstFiring, e.lastFiring, e.activeAt, e.samples])).toEqual([
      ['S', 0, 120, 0, 3],
      ['S', 180, 180, 150, 1],
      ['T', 300, 480, 100, 4],
    ]);
  });

  it('an ActiveAt after the first firing sample is not believed; a series without samples is no episode', () => {
    const firing = mergeSeries([[series({ alertname: 'U' }, [[0, 1], [60, 1]]), series({ alertname: 'V' }, [])]]);
    const state = mergeSeries([[series({ alertname: 'U' }, [[0, 30], [60, 30]])]]);
    expect(buildEpisodes(firing, state, { maxGapS: 60, windowEnd: 1000 }).map((e) => [e.alertname, e.activeAt, e.durationS])).toEqual([['U', 0, 60]]);
  });

  it('flapping: three activations within an hour', () => {
    const f = mergeSeries([[series({ alertname: 'F' }, [[0, 1], [900, 1], [1800, 1], [9000, 1]])]]);
    const eps = buildEpisodes(f, new Map(), { maxGapS: 120, windowEnd: 20000 });
    expect(eps).toHaveLength(4);
    expect(flapping(eps)).toEqual([{ key: 'alertname="F"', alertname: 'F', maxInWindow: 3 }]);
  });

  it('flapping: the window includes its end; fewer than count is not flapping; per label set', () => {
    const ep = (alertname: string, firstFiring: number) => ({ key: `alertname="${alertname}"`, alertname, firstFiring }) as Episode;
    // F: 0, 1800, 3600 are within one hour (3600 s apart at most); G: 0, 3601 are not
    const eps = [ep('F', 0), ep('G', 0), ep('F', 1800), ep('F', 3600), ep('G', 3601)];
    expect(flapping(eps)).toEqual([{ key: 'alertname="F"', alertname: 'F', maxInWindow: 3 }]);
    expect(flapping([ep('F', 0), ep('F', 1800), ep('F', 3601)])).toEqual([]);
    expect(flapping(eps, 2, 7200)).toEqual([
      { key: 'alertname="F"', alertname: 'F', maxInWindow: 3 },
      { key: 'alertname="G"', alertname: 'G', maxInWindow: 2 },
    ]);
    expect(flapping(eps, 2, 1800)).toEqual([{ key: 'alertname="F"', alertname: 'F', maxInWindow: 2 }]);
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
    // a name that ends (or starts) with a non-word character is still found as a whole word, never inside a longer one
    const odd = { ...ep, alertname: 'Disk(95%)' };
    expect(matchPagerDuty(odd, [{ ...inc, title: '[FIRING] disk(95%) on node-3' }])?.id).toBe('789');
    expect(matchPagerDuty(odd, [{ ...inc, title: 'xDisk(95%)' }])).toBeUndefined();
    expect(matchPagerDuty({ ...ep, alertname: '-Probe' }, [{ ...inc, title: 'alert -Probe failed' }])?.id).toBe('789');
    expect(matchPagerDuty({ ...ep, alertname: 'SlowQueries' }, [{ ...inc, title: 'SlowQueriesX on detektor' }])).toBeUndefined();
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

  it('PagerDuty export: an array or {incidents}, non-objects dropped; anything else is an error', () => {
    expect(pagerDutyIncidents([1, null, [], 'x', { id: 'a' }])).toEqual([{ id: 'a' }]);
    expect(pagerDutyIncidents({ incidents: [null, [{ id: 'c' }], { id: 'b' }] })).toEqual([{ id: 'b' }]);
    for (const bad of [null, 'incidents', { incidents: 'x' }, { incidents: { id: 'b' } }]) {
      expect(() => pagerDutyIncidents(bad)).toThrow('expected a JSON array of incidents or {"incidents": [...]} (PagerDuty GET /incidents)');
    }
  });

  it('PagerDuty: who acted, from acknowledgements, then log entries, then the status', () => {
    const user = (summary?: string) => ({ type: 'user_reference', ...(summary ? { summary } : {}) });
    const service = { type: 'service_reference', summary: 'Service 123' };
    // a service's acknowledgement is skipped, the user's counts
    const acks = [null, { acknowledger: service, at: 'T0' }, { acknowledger: user('Ann'), at: 'T1' }];
    expect(pagerDutyHumanAck({ status: 'resolved', acknowledgements: acks, last_status_change_by: service })).toEqual({ at: 'T1', by: 'Ann' });
    expect(pagerDutyHumanAck({ status: 'triggered', acknowledgements: [{ acknowledger: user() }] })).toEqual({ at: '', by: '' });
    expect(pagerDutyHumanAck({ status: 'triggered', acknowledgements: [{ acknowledger: service, at: 'T0' }, { acknowledger: 'Ann' }] })).toBeUndefined();
    // resolved: acknowledgements are gone, the log entries (REST "_reference" types too) say who acknowledged
    const logs = [
      null,
      { type: 'resolve_log_entry', agent: user('Rae'), created_at: 'T2' },
      { type: 'acknowledge_log_entry', agent: service, created_at: 'T3' },
      { type: 'acknowledge_log_entry_reference', agent: user('Bea'), created_at: 'T4' },
    ];
    expect(pagerDutyHumanAck({ status: 'resolved', acknowledgements: 'x', log_entries: logs, last_status_change_by: service })).toEqual({ at: 'T4', by: 'Bea' });
    expect(pagerDutyHumanAck({ status: 'triggered', log_entries: [{ type: 'acknowledge_log_entry', agent: user() }] })).toEqual({ at: '', by: '' });
    expect(pagerDutyHumanAck({ status: 'triggered', log_entries: logs.slice(0, 3) })).toBeUndefined();
    // no trail: the status itself (acknowledged by anyone, or resolved by a user)
    expect(pagerDutyHumanAck({ status: 'acknowledged', last_status_change_at: 'T5', last_status_change_by: user('Cy') })).toEqual({ at: 'T5', by: 'Cy' });
    expect(pagerDutyHumanAck({ status: 'acknowledged' })).toEqual({ at: '', by: '' });
    expect(pagerDutyHumanAck({ status: 'resolved', last_status_change_at: 'T6', last_status_change_by: user('Dee') })).toEqual({ at: 'T6', by: 'Dee' });
    expect(pagerDutyHumanAck({ status: 'resolved', last_status_change_by: user() })).toEqual({ at: '', by: '' });
    expect(pagerDutyHumanAck({ status: 'resolved', last_status_change_by: 'User 789' })).toBeUndefined();
    expect(pagerDutyHumanAck({ status: 'resolved' })).toBeUndefined();
    expect(pagerDutyHumanAck({ status: 'triggered', last_status_change_by: user('Eve') })).toBeUndefined();
  });

  it('PagerDuty: created within the episode ± 300 s inclusive; name as a whole word, any case, taken literally', () => {
    // the captured incident 789 (acknowledged by User 789), renamed after the alert
    const base: Record<string, unknown> = { ...incidents[2]!, title: 'SlowQueries on detektor' };
    const t = Date.parse(String(base.created_at)) / 1000;
    const ep = { alertname: 'SlowQueries', labels: {}, from: t + 300, to: t + 600 };
    expect(matchPagerDuty(ep, [base])).toEqual({ source: 'pagerduty', id: '789', at: '2025-02-18T00:54:51Z', by: 'User 789' });
    expect(matchPagerDuty({ ...ep, from: t + 301 }, [base])).toBeUndefined();
    expect(matchPagerDuty({ ...ep, from: t - 900, to: t - 300 }, [base])?.id).toBe('789');
    expect(matchPagerDuty({ ...ep, from: t - 900, to: t - 301 }, [base])).toBeUndefined();
    expect(matchPagerDuty({ ...ep, from: t + 60, to: t + 60 }, [base], 59)).toBeUndefined();
    expect(matchPagerDuty({ ...ep, from: t + 60, to: t + 60 }, [base], 60)?.id).toBe('789');
    expect(matchPagerDuty({ ...ep, alertname: 'slowqueries' }, [base])?.id).toBe('789');
    // no creation time (or not an ISO string) is never within the episode
    const { created_at: _drop, ...noTime } = base;
    expect(matchPagerDuty(ep, [noTime, { ...base, created_at: [base.created_at] }])).toBeUndefined();
    // the name is searched in title, summary, incident_key and description, not across their boundary
    const inc = (fields: Record<string, unknown>) => ({ ...incidents[2]!, title: null, summary: null, incident_key: null, description: null, ...fields });
    const at = { ...ep, from: t, to: t };
    for (const field of ['title', 'summary', 'incident_key', 'description']) {
      expect(matchPagerDuty(at, [inc({ [field]: 'x SlowQueries y' })])?.id).toBe('789');
    }
    expect(matchPagerDuty({ ...at, alertname: 'DiskFull' }, [inc({ title: 'Disk', summary: 'Full' })])).toBeUndefined();
    expect(matchPagerDuty({ ...at, alertname: 'Object' }, [inc({ description: { text: 'x' } })])).toBeUndefined();
    expect(matchPagerDuty({ ...at, alertname: 'disk.full' }, [inc({ title: 'diskXfull' })])).toBeUndefined();
    expect(matchPagerDuty({ ...at, alertname: 'disk.full' }, [inc({ title: 'disk.full on db1' })])?.id).toBe('789');
  });

  it('PagerDuty: the first matching incident a human acted on; its id, else its number, else ?', () => {
    const [resolvedByService, , acked] = incidents;
    const t = Date.parse(String(acked!.created_at)) / 1000;
    const ep = { alertname: 'SlowQueries', labels: {}, from: t - 7200, to: t };
    const named = (inc: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ ...inc, title: 'SlowQueries', ...extra });
    expect(matchPagerDuty(ep, [named(resolvedByService!), named(acked!)])?.id).toBe('789');
    expect(matchPagerDuty(ep, [named(acked!, { id: 'PABC123', incident_number: 42 })])?.id).toBe('PABC123');
    expect(matchPagerDuty(ep, [named(acked!, { id: undefined, incident_number: 42 })])?.id).toBe('42');
    expect(matchPagerDuty(ep, [named(acked!, { id: undefined, incident_number: undefined })])?.id).toBe('?');
  });

  it('Alertmanager silences: started within the episode (inclusive), every matcher, = != =~ !~, absent label is ""', () => {
    const [captured] = JSON.parse(read('alerting/alertmanager-0.25-api-v2-silences.json'));
    const t = Date.parse(captured.startsAt) / 1000;
    const labels = { alertname: 'HighMemoryUsage', service: 'detektor' };
    const ep = { alertname: 'HighMemoryUsage', labels, from: t, to: t };
    const ack = { source: 'alertmanager-silence', id: captured.id, at: captured.startsAt, by: 'readiness-tui' };
    expect(matchSilence(ep, [captured])).toEqual(ack);
    expect(matchSilence({ ...ep, from: t - 60 }, [captured])).toEqual(ack);
    expect(matchSilence({ ...ep, from: t + 0.001, to: t + 60 }, [captured])).toBeUndefined();
    expect(matchSilence({ ...ep, from: t - 60, to: t - 0.001 }, [captured])).toBeUndefined();
    const m = (name: string, value: string, isRegex = false, isEqual = true) => ({ name, value, isRegex, isEqual });
    const silence = (matchers: unknown, extra: Record<string, unknown> = {}) => ({ ...captured, matchers, ...extra });
    const hits = (matchers: unknown) => matchSilence(ep, [silence(matchers)]) !== undefined;
    expect(hits([m('alertname', 'HighMemoryUsage'), m('service', 'detektor')])).toBe(true);
    expect(hits([m('alertname', 'HighMemoryUsage'), m('service', 'other')])).toBe(false);
    expect(hits([m('service', 'other', false, false)])).toBe(true);
    expect(hits([m('service', 'detektor', false, false)])).toBe(false);
    expect(hits([m('team', '')])).toBe(true);
    expect(hits([m('alertname', 'High.*', true)])).toBe(true);
    expect(hits([m('alertname', 'Memory', true)])).toBe(false);
    expect(hits([m('alertname', 'HighMemory|X', true)])).toBe(false);
    expect(hits([m('alertname', 'Low.*', true, false)])).toBe(true);
    expect(hits([m('alertname', 'High.*', true, false)])).toBe(false);
    // RE2's leading (?i) is read as case-insensitive; another RE2 construct JavaScript cannot read is a clear error
    expect(hits([m('alertname', '(?i)highmemory.*', true)])).toBe(true);
    expect(hits([m('alertname', 'highmemory.*', true)])).toBe(false);
    const err = (() => {
      try {
        return matchSilence(ep, [silence([m('alertname', '(?P<n>High).*', true)], { id: 'sil-1' })]);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CheckError);
    expect((err as CheckError).message).toMatch(
      /^silence sil-1 of the Alertmanager export: the matcher alertname=~"\(\?P<n>High\)\.\*" is not a regular expression this check can read \(Invalid regular expression: .+\)$/,
    );
    expect((err as CheckError).hint).toBe(
      'remove that silence from the export, or leave alertmanagerSilences out (RE2 matchers are read when JavaScript reads them the same, and a leading (?i))',
    );
    expect(() => matchSilence(ep, [silence([m('alertname', '(?P<n>High)', true)], { id: undefined })])).toThrow(/^silence \? of the Alertmanager export: /);
    // no matchers (or not a list) silence nothing; non-object matchers are skipped
    expect(hits([])).toBe(false);
    expect(hits('alertname=HighMemoryUsage')).toBe(false);
    expect(hits([null, m('service', 'detektor')])).toBe(true);
    // the first silence that matches; no id is "?", a createdBy that is not a string is no author
    expect(matchSilence(ep, [silence([m('service', 'x')], { id: 'first' }), silence([m('service', 'detektor')], { id: undefined, createdBy: 42 })])).toEqual({
      source: 'alertmanager-silence',
      id: '?',
      at: captured.startsAt,
      by: undefined,
    });
    expect(matchSilence(ep, [silence([m('service', 'detektor')], { startsAt: undefined })])).toBeUndefined();
  });

  it('runbooks: malformed lines are skipped, runbook_url before runbook, the last line wins', () => {
    const alert = (labels: unknown, annotations: unknown) => ({ labels, annotations });
    const line = (...alerts: unknown[]) => JSON.stringify({ version: '4', alerts });
    const log = [
      read('alerting/alertmanager-0.25-webhook-payloads.jsonl'),
      '',
      '   ',
      'not json',
      'null',
      '[]',
      '{"alerts": {}}',
      line(null, alert('A', { runbook_url: 'u0' }), alert({ alertname: 'B' }, { runbook: 'r-b' })),
      line(alert({ alertname: 'C' }, { runbook_url: 'u-c', runbook: 'r-c' }), alert({ alertname: 'D' }, { runbook_url: '' }), alert({ alertname: 'E' }, { runbook_url: 7 })),
      line(alert({ alertname: 'F' }, 'runbook'), alert({ job: 'x' }, { runbook_url: 'u-nameless' }), alert({ alertname: 'B' }, { runbook_url: 'u-b' })),
    ].join('\n');
    expect([...runbooksFromWebhookLog(log)]).toEqual([
      ['QueueBackup', 'https://runbooks.example/queue_backup'],
      ['B', 'u-b'],
      ['C', 'u-c'],
    ]);
  });

  it('runbook annotations from the captured webhook log', () => {
    expect([...runbooksFromWebhookLog(read('alerting/alertmanager-0.25-webhook-payloads.jsonl'))]).toEqual([
      ['QueueBackup', 'https://runbooks.example/queue_backup'],
    ]);
  });
});
