/**
 * prometheus.alert-history against a REAL Prometheus (Debian package `prometheus`) whose 7-day ALERTS history is
 * backfilled with promtool from a generated scenario with known answers (test/support/alert-history.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import os from 'node:os';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { prometheusAlertHistory } from '../../src/checks/prometheus-alert-history.js';
import { CheckError } from '../../src/checks/contract.js';
import { backfillAlerts, findPrometheus, startPrometheus, type PrometheusServer } from '../../src/demo/servers/prometheus.js';
import { detektorAlertHistory } from '../support/alert-history.js';
import { basicContext, runKind } from '../support/check-context-basic.js';
import { evaluateDefault } from '../support/expect-default.js';
import { fixturesDir } from '../support/fixtures.js';
import { withoutTool } from '../support/tools.js';

const FIX = fixturesDir;
const bins = await findPrometheus();
const noProm = withoutTool('prometheus/promtool', Boolean(bins), 'apt-get install -y prometheus');

const history = detektorAlertHistory();
const at = new Date(history.end * 1000).toISOString();
let prom: PrometheusServer;
let work: string;

type R = {
  episodes: number;
  alertsPerDay: number;
  transient: number;
  falsePositives: number;
  falsePositiveRate: number;
  actionable: number;
  actionableFraction: number;
  actionablePercent: number;
  acknowledged: number | null;
  ongoing: number;
  alertingRules: number;
  evaluationIntervalS: number;
  queries: number;
  byAlert: { alertname: string; episodes: number; falsePositives: number; actionable: number; hasRunbook: boolean; maxDurationS: number }[];
  flapping: { alertname: string; maxInWindow: number }[];
  definitions: Record<string, string>;
};

const iso = (s: number) => new Date(s * 1000).toISOString().replace(/\.000Z$/, 'Z');

describe.skipIf(noProm)('prometheus.alert-history on a real Prometheus (needs prometheus, promtool)', () => {
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'rt-alerts-'));
    const dataDir = path.join(work, 'data');
    const b = await backfillAlerts(dataDir, history.episodes);
    expect(b.blocks).toBeGreaterThanOrEqual(7);
    // global interval 15s, the rule group's own 1m: episodes must be split by the group's interval
    prom = await startPrometheus({ dataDir, rules: history.rules, evaluationInterval: '15s' });

    // acknowledgement exports shaped like the captured fixtures
    const pd = JSON.parse(await readFile(path.join(FIX, 'pagerduty/pagerduty-incidents-raw.json'), 'utf8')) as Record<string, unknown>[];
    const resolvedByService = pd.find((i) => i.status === 'resolved')!;
    const acked = pd.find((i) => i.status === 'acknowledged')!;
    const hm = history.activeAts.HighMemoryUsage!;
    const incident = (tpl: Record<string, unknown>, id: string, activeAt: number, extra: Record<string, unknown>) => ({
      ...tpl,
      id,
      title: `[FIRING:1] HighMemoryUsage detektor`,
      created_at: iso(activeAt + 30),
      ...extra,
    });
    const incidents = [
      incident(acked, 'P1', hm[0]!, {}),
      incident(acked, 'P2', hm[1]!, {}),
      incident(resolvedByService, 'P3', hm[2]!, {
        acknowledgements: [],
        log_entries: [{ type: 'acknowledge_log_entry', created_at: iso(hm[2]! + 60), agent: { type: 'user_reference', summary: 'Alice' } }],
      }),
      incident(resolvedByService, 'P4', hm[3]!, {
        log_entries: [{ type: 'acknowledge_log_entry', created_at: iso(hm[3]! + 60), agent: { type: 'user_reference', summary: 'Bob' } }],
      }),
      // resolved by the integration, nobody acknowledged: does not count
      incident(resolvedByService, 'P5', hm[4]!, {}),
      // acknowledged, but for an episode far away in time: does not count
      incident(acked, 'P6', hm[5]! + 6 * 3600, {}),
    ];
    await writeFile(path.join(work, 'pd.json'), JSON.stringify({ incidents }));
    const silenceTpl = JSON.parse(await readFile(path.join(FIX, 'alerting/alertmanager-0.25-api-v2-silences.json'), 'utf8'))[0];
    const disk = history.activeAts.DiskPressure!;
    const silence = (id: string, by: string, startsAt: number) => ({
      ...silenceTpl,
      id,
      createdBy: by,
      startsAt: iso(startsAt),
      endsAt: iso(startsAt + 3600),
      matchers: [{ isEqual: true, isRegex: false, name: 'alertname', value: 'DiskPressure' }, { isEqual: true, isRegex: true, name: 'service', value: 'detek.*' }],
    });
    await writeFile(path.join(work, 'silences.json'), JSON.stringify([silence('s1', 'alice', disk[0]! + 30), silence('s2', 'readiness-tui', disk[1]! + 30)]));
  }, 90_000);

  afterAll(async () => {
    await prom?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function run(extra: Record<string, unknown> = {}) {
    const ctx = await basicContext({ cwd: work });
    const out = await runKind(prometheusAlertHistory, { url: prom.url, at, ...extra }, ctx);
    return { out, r: out.result as R, ctx };
  }

  it('counts episodes (not samples) per alert, with the exact rates, without acknowledgement data', async () => {
    const { out, r, ctx } = await run();
    expect(r.episodes).toBe(history.expected.episodes);
    expect(Object.fromEntries(r.byAlert.map((a) => [a.alertname, a.episodes]))).toEqual(history.expected.byAlert);
    expect(r.alertsPerDay).toBe(4.29); // 30 / 7
    expect(r.transient).toBe(17); // 14 HighMemoryUsage + 3 DiskPressure
    expect(r.ongoing).toBe(1);
    expect(r.falsePositives).toBe(17);
    expect(r.falsePositiveRate).toBe(0.5667);
    // actionable: not a false positive, and runbook / critical / acknowledged → 8 SlowQueries + 1 ErrorBudgetBurn
    expect(r.actionable).toBe(9);
    expect(r.actionableFraction).toBe(0.3);
    expect(r.actionablePercent).toBe(r.actionableFraction); // the deprecated alias, same 0–1 fraction
    expect(r.acknowledged).toBeNull();
    expect(r.alertingRules).toBe(5);
    expect(r.evaluationIntervalS).toBe(15); // the global one, read from Prometheus' config; the group's 1m wins for these alerts
    expect(r.byAlert.find((a) => a.alertname === 'HighMemoryUsage')).toMatchObject({ hasRunbook: true, maxDurationS: 180 });
    expect(r.flapping).toEqual([{ alertname: 'DiskPressure', key: expect.any(String), maxInWindow: 3 }]);
    expect(r.definitions.falsePositive).toMatch(/acknowledgement is not known/);
    expect(out.summary).toMatch(/^30 episodes in 7 d = 4.29\/day/);
    expect(await evaluateDefault(prometheusAlertHistory, out.result)).toBe(false);
    const ev = JSON.parse(ctx.attachments.get('alert_episodes.json')!);
    expect(ev.episodeList).toHaveLength(30);
    await ctx.dispose();
  });

  it('reads raw samples in chunks: 1 d, 6 h and one 7 d query give the same episodes', async () => {
    const day = await run({ chunk: '1d' });
    const six = await run({ chunk: '6h' });
    const week = await run({ chunk: '7d' });
    expect(day.r.queries).toBe(2 + 7 * 2); // config + rules + 7 chunks × 2 families
    expect(six.r.queries).toBe(2 + 28 * 2);
    for (const x of [six, week]) {
      expect(x.r.episodes).toBe(30);
      expect(x.r.byAlert).toEqual(day.r.byAlert);
    }
  });

  it('acknowledgements from a PagerDuty export and Alertmanager silences change FP and actionable', async () => {
    const { r, out } = await run({
      acknowledgements: { pagerdutyIncidents: 'pd.json', alertmanagerSilences: 'silences.json', ignoreSilencesBy: ['readiness-tui'] },
    });
    expect(r.acknowledged).toBe(5); // P1–P4 + the silence by alice
    expect(r.falsePositives).toBe(12); // 17 transient − 5 acknowledged
    expect(r.falsePositiveRate).toBe(0.4);
    expect(r.actionable).toBe(14); // 9 + 5 acknowledged
    expect(r.actionableFraction).toBe(0.4667);
    expect(r.byAlert.find((a) => a.alertname === 'DiskPressure')).toMatchObject({ falsePositives: 2, actionable: 1 });
    expect(out.summary).not.toMatch(/acknowledgements unknown/);
  });

  it('a selector narrows the alerts: SlowQueries alone passes the detektor expectation', async () => {
    const { r, out } = await run({ selector: 'alertname="SlowQueries"' });
    expect(r.episodes).toBe(8);
    expect(r.alertsPerDay).toBe(1.14);
    expect(r.falsePositiveRate).toBe(0);
    expect(r.actionableFraction).toBe(1);
    expect(await evaluateDefault(prometheusAlertHistory, out.result)).toBe(true);
  });

  it('an explicit evaluation interval that is too short splits every episode into samples (why the gap matters)', async () => {
    const { r } = await run({ selector: 'alertname="SlowQueries"', evaluationInterval: '20s' });
    expect(r.episodes).toBe(8 * 21); // 21 samples 60 s apart, each gap > 40 s
  });

  it('a bad selector is an error quoting Prometheus; an unreachable Prometheus is an error', async () => {
    const ctx = await basicContext({ cwd: work });
    const e = await runKind(prometheusAlertHistory, { url: prom.url, at, selector: 'alertname=~"(' }, ctx).catch((x) => x);
    expect(e).toBeInstanceOf(CheckError);
    expect(e.message).toMatch(/Prometheus rejected \/api\/v1\/query \(HTTP 400, bad_data\)/);
    const e2 = await runKind(prometheusAlertHistory, { url: 'http://127.0.0.1:1', at }, ctx).catch((x) => x);
    expect(e2).toBeInstanceOf(CheckError);
    expect(e2.message).toMatch(/connection refused/);
    const e3 = await runKind(prometheusAlertHistory, { url: prom.url, at, acknowledgements: { pagerdutyIncidents: 'nope.json' } }, ctx).catch((x) => x);
    expect(e3.message).toMatch(/cannot read the PagerDuty incidents export .*nope.json \(ENOENT\)/);
    await ctx.dispose();
  });

  it('token.prefix is honoured: a token stored with its scheme needs prefix "", else an error says so', async () => {
    const ctx = await basicContext({ cwd: work, env: { ...process.env, PROM_TOKEN: 'Bearer abc.def' } });
    const e = await runKind(prometheusAlertHistory, { url: prom.url, at, token: { env: 'PROM_TOKEN' } }, ctx).catch((x) => x);
    expect(e).toBeInstanceOf(CheckError);
    expect(e.message).toMatch(/Prometheus token: environment variable PROM_TOKEN already starts with "Bearer "/);
    expect(e.hint).toMatch(/prefix: ""/);
    const out = await runKind(prometheusAlertHistory, { url: prom.url, at, token: { env: 'PROM_TOKEN', prefix: '' } }, ctx);
    expect((out.result as R).episodes).toBe(history.expected.episodes);
    await ctx.dispose();
  });

  it('a window with no history and no rules is inconclusive', async () => {
    const { out } = await run({ at: new Date((history.end - 20 * 86400) * 1000).toISOString(), runbooks: { fromRules: false } });
    expect(out.result).toMatchObject({ episodes: 0 });
    expect(out.verdict).toBe('inconclusive');
    expect(out.result).toMatchObject({ alertingRules: null, alertsPerDay: 0, falsePositiveRate: 0, actionableFraction: 1, acknowledged: null });
    expect(out.summary).toBe(`no alert episodes and no alerting rules in ${prom.url}/ — nothing to judge`);
    expect(out.measured).toBe('0 episodes, 0 rules');
    expect(out.threshold).toBe('< 5/day, FP rate < 0.1, actionable fraction > 0.9');
    // the same empty window with the rules read: something to judge, and nothing wrong in it
    const { out: ruled } = await run({ at: new Date((history.end - 20 * 86400) * 1000).toISOString() });
    expect(ruled.verdict).toBeUndefined();
    expect(ruled.result).toMatchObject({ episodes: 0, alertingRules: 5, alertsPerDay: 0, falsePositiveRate: 0, actionableFraction: 1 });
    expect(ruled.offending).toBeUndefined();
    expect(await evaluateDefault(prometheusAlertHistory, ruled.result)).toBe(true);
  });

  it('per alert: severity, rates, durations, order; the summary, measured value and offenders', async () => {
    const { out, r, ctx } = await run();
    expect(r.byAlert.map((a) => a.alertname)).toEqual(['HighMemoryUsage', 'SlowQueries', 'QueueBackup', 'DiskPressure', 'ErrorBudgetBurn']);
    const row = (name: string) => r.byAlert.find((a) => a.alertname === name);
    expect(row('HighMemoryUsage')).toEqual({
      alertname: 'HighMemoryUsage', severity: 'warning', episodes: 14, perDay: 2, transient: 14, falsePositives: 14, actionable: 0,
      acknowledged: null, hasRunbook: true, medianDurationS: 180, maxDurationS: 180,
    });
    expect(row('SlowQueries')).toEqual({
      alertname: 'SlowQueries', severity: 'critical', episodes: 8, perDay: 1.14, transient: 0, falsePositives: 0, actionable: 8,
      acknowledged: null, hasRunbook: false, medianDurationS: 1200, maxDurationS: 1200,
    });
    // 29, 30, 30, 30 min: the median is the lower middle one
    expect(row('QueueBackup')).toMatchObject({ episodes: 4, transient: 0, falsePositives: 0, actionable: 0, medianDurationS: 1800, maxDurationS: 1800 });
    expect(row('DiskPressure')).toMatchObject({ episodes: 3, perDay: 0.43, transient: 3, falsePositives: 3, actionable: 0, medianDurationS: 120 });
    // still firing at the end: not transient, so not a false positive; critical → actionable
    expect(row('ErrorBudgetBurn')).toMatchObject({ episodes: 1, transient: 0, falsePositives: 0, actionable: 1 });
    expect(r).toMatchObject({ from: iso(history.end - 7 * 86400).replace(/Z$/, '.000Z'), to: at, days: 7 });
    expect(out.summary).toBe(
      '30 episodes in 7 d = 4.29/day; false positives 17 (56.7%); actionable 9 (30%) — acknowledgements unknown (no PagerDuty/Alertmanager source configured)',
    );
    expect(out.measured).toBe('4.29/day, FP rate 0.5667, actionable fraction 0.3');
    expect(out.threshold).toBe('< 5/day, FP rate < 0.1, actionable fraction > 0.9');
    expect(out.verdict).toBeUndefined();
    expect((out.offending as { alertname: string }[]).map((a) => a.alertname)).toEqual(['HighMemoryUsage', 'QueueBackup', 'DiskPressure']);
    const lines = ctx.lines.map((l) => l.line);
    expect(lines[0]).toBe(`reading 7 d of alert history from ${prom.url} (${new Date((history.end - 7 * 86400) * 1000).toISOString()} → ${at})`);
    expect(lines).toContain('  7 chunk(s) of 1d × 2 series families');
    expect(lines).toContain('  6 firing series → 30 episode(s)');
    expect(lines.filter((l) => l.startsWith('GET '))).toEqual([]); // the queries are counted, not listed
    expect(lines).toContain("  evaluation interval 15s (from Prometheus' config)");
    expect(lines).toContain('  5 alerting rule(s), 1 with a runbook annotation');
    expect(lines).toContain('  HighMemoryUsage                14 episodes       2/day  FP 14  actionable 0  (runbook)');
    expect(lines).toContain('  SlowQueries                     8 episodes    1.14/day  FP 0  actionable 8');
    await ctx.dispose();
  });

  it('transientMinutes is inclusive; actionableSeverities decide which severities make an episode actionable', async () => {
    // HighMemoryUsage lasts exactly 3 min, DiskPressure exactly 2 min
    const three = await run({ transientMinutes: 3, actionableSeverities: ['warning'] });
    expect(three.r).toMatchObject({ transient: 17, falsePositives: 17 });
    // warning is actionable now, critical no longer: QueueBackup's 4 count, SlowQueries' 8 and ErrorBudgetBurn's 1 do not
    expect(three.r.actionable).toBe(4);
    expect(three.r.byAlert.find((a) => a.alertname === 'SlowQueries')).toMatchObject({ actionable: 0 });
    const two = await run({ transientMinutes: 2 });
    expect(two.r).toMatchObject({ transient: 3, falsePositives: 3, actionable: 9 + 14 });
  });

  it('acknowledgements per alert: only an acknowledged transient episode stops being a false positive', async () => {
    const { r, out } = await run({
      acknowledgements: { pagerdutyIncidents: 'pd.json', alertmanagerSilences: 'silences.json', ignoreSilencesBy: ['readiness-tui'] },
    });
    const row = (name: string) => r.byAlert.find((a) => a.alertname === name);
    expect(row('HighMemoryUsage')).toMatchObject({ acknowledged: 4, falsePositives: 10, actionable: 4, transient: 14 });
    expect(row('DiskPressure')).toMatchObject({ acknowledged: 1, falsePositives: 2, actionable: 1 });
    expect(row('SlowQueries')).toMatchObject({ acknowledged: 0, actionable: 8 });
    expect(out.summary).toBe('30 episodes in 7 d = 4.29/day; false positives 12 (40%); actionable 14 (46.7%)');
    // without ignoreSilencesBy the automation's silence counts too
    const all = await run({ acknowledgements: { alertmanagerSilences: 'silences.json' } });
    expect(all.r.acknowledged).toBe(2);
    expect(all.r.byAlert.find((a) => a.alertname === 'DiskPressure')).toMatchObject({ acknowledged: 2, falsePositives: 1 });
  });

  it('runbooks from an Alertmanager webhook log, without the rules; an explicit interval skips the config', async () => {
    const hook = { version: '4', status: 'firing', alerts: [{ labels: { alertname: 'QueueBackup' }, annotations: { runbook_url: 'https://runbooks.example/queue' } }] };
    await writeFile(path.join(work, 'webhook.jsonl'), JSON.stringify(hook) + '\n');
    const { r, ctx, out } = await run({ evaluationInterval: '1m', runbooks: { fromRules: false, webhookLog: 'webhook.jsonl' } });
    expect(r.alertingRules).toBeNull();
    expect(out.verdict).toBeUndefined(); // rules unknown, but there is history to judge
    expect(r.evaluationIntervalS).toBe(60);
    expect(r.queries).toBe(7 * 2); // neither the config nor the rules were asked for
    expect(r.episodes).toBe(30);
    expect(r.byAlert.find((a) => a.alertname === 'QueueBackup')).toMatchObject({ hasRunbook: true, actionable: 4 });
    expect(r.byAlert.find((a) => a.alertname === 'HighMemoryUsage')).toMatchObject({ hasRunbook: false });
    expect(r.actionable).toBe(13); // 8 SlowQueries + 1 ErrorBudgetBurn + 4 QueueBackup
    expect(ctx.lines.some((l) => /evaluation interval|alerting rule/.test(l.line))).toBe(false);
    const e = await runKind(prometheusAlertHistory, { url: prom.url, at, runbooks: { webhookLog: 'none.jsonl' } }, ctx).catch((x) => x);
    expect(e).toBeInstanceOf(CheckError);
    expect(e.message).toBe(`cannot read the Alertmanager webhook log ${path.join(work, 'none.jsonl')} (ENOENT)`);
    expect(e.hint).toBe('fix runbooks.webhookLog');
    await ctx.dispose();
  });

  it('bad exports and a bad `at` are errors that say what to do', async () => {
    const ctx = await basicContext({ cwd: work });
    const err = (extra: Record<string, unknown>) => runKind(prometheusAlertHistory, { url: prom.url, at, ...extra }, ctx).catch((x) => x);
    await writeFile(path.join(work, 'not-json.json'), '{"incidents": [');
    await writeFile(path.join(work, 'object.json'), '{"silences": []}');
    const when = await err({ at: 'soon' });
    expect(when.message).toBe('at "soon" is not an RFC 3339 time');
    expect(when.hint).toBe('write it like 2026-11-27T12:00:00Z');
    const missing = await err({ acknowledgements: { alertmanagerSilences: 'gone.json' } });
    expect(missing.message).toBe(`cannot read the Alertmanager silences export ${path.join(work, 'gone.json')} (ENOENT)`);
    expect(missing.hint).toBe('export it again or fix the path');
    const broken = await err({ acknowledgements: { pagerdutyIncidents: 'not-json.json' } });
    expect(broken.message).toMatch(new RegExp(`^the PagerDuty incidents export ${path.join(work, 'not-json.json')} is not valid JSON \\(.+\\)$`));
    expect(broken.hint).toBe('export it again');
    const shape = await err({ acknowledgements: { pagerdutyIncidents: 'object.json' } });
    expect(shape).toBeInstanceOf(CheckError);
    expect(shape.message).toBe('PagerDuty incidents export object.json: expected a JSON array of incidents or {"incidents": [...]} (PagerDuty GET /incidents)');
    expect(shape.hint).toBe('export GET /incidents as JSON');
    const silences = await err({ acknowledgements: { alertmanagerSilences: 'object.json' } });
    expect(silences.message).toBe('the silences export object.json is not a JSON array');
    expect(silences.hint).toBe('export GET /api/v2/silences');
    await ctx.dispose();
  });
});

describe.skipIf(noProm)('prometheus.alert-history: a quiet week passes (needs prometheus, promtool)', () => {
  it('15 episodes, 2.14/day, FP 0.0667, actionable 0.9333 → the detektor expectation holds', async () => {
    const go = detektorAlertHistory(Date.now() / 1000, 'go');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rt-alerts-go-'));
    try {
      await backfillAlerts(path.join(dir, 'data'), go.episodes);
      const p = await startPrometheus({ dataDir: path.join(dir, 'data'), rules: go.rules, evaluationInterval: '1m' });
      try {
        const ctx = await basicContext({ cwd: dir });
        const out = await runKind(prometheusAlertHistory, { url: p.url, at: new Date(go.end * 1000).toISOString(), selector: 'service="detektor"' }, ctx);
        expect(out.result).toMatchObject({ episodes: 15, alertsPerDay: 2.14, falsePositives: 1, falsePositiveRate: 0.0667, actionable: 14, actionableFraction: 0.9333 });
        expect(await evaluateDefault(prometheusAlertHistory, out.result)).toBe(true);
        await ctx.dispose();
      } finally {
        await p.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
