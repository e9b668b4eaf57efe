/**
 * prometheus.alert-history (seed 3.3 "Alert fatigue reduction"): over the last `days`, reconstruct firing EPISODES
 * from Prometheus' raw ALERTS{alertstate="firing"} and ALERTS_FOR_STATE samples (range selectors evaluated as
 * instant queries, chunked so no single query loads more than one chunk of samples per series), then count
 * episodes per day and classify each as false positive (transient, not acknowledged) and/or actionable.
 * The definitions travel with the result (`definitions`) so the report states what was measured.
 *
 * error vs fail: Prometheus unreachable / rejecting the query, an unreadable acknowledgement file → error;
 * no alerting rules and no ALERTS history at all → inconclusive; otherwise `expect` judges.
 *
 * Over 400 lines: one file per check kind (the project's rule); the episode arithmetic and the acknowledgement
 * matching already live in support/alert-episodes.ts and the API client in support/prometheus-api.ts. What stays
 * here are the kind's readers (rules, config, history, the acknowledgement sources) and the classification they feed.
 */
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { RULES } from './rules.js';
import { CheckError, type CheckContext, type CheckKind, type CheckOutput } from './contract.js';
import { safeUrl } from './support/http.js';
import { parseDurationMs } from './support/duration.js';
import { prometheusApi, prometheusParams, type PromApi } from './support/prometheus-api.js';
import {
  buildEpisodes,
  flapping,
  matchPagerDuty,
  matchSilence,
  mergeSeries,
  pagerDutyIncidents,
  runbooksFromWebhookLog,
  type Ack,
  type Episode,
  type MatrixSeries,
} from './support/alert-episodes.js';

const duration = (what: string) => z.string().refine(RULES.isDuration, { message: `${what}: a duration like 30s, 1m, 1d` });

const params = z
  .object({
    ...prometheusParams,
    days: z.number().positive().max(90).default(7).describe('length of the window, days'),
    at: z.string().optional().describe('end of the window (RFC 3339); default now'),
    selector: z
      .string()
      .default('')
      .describe('extra label matchers for ALERTS, e.g. service="detektor",severity=~"critical|page"'),
    evaluationInterval: duration('evaluationInterval')
      .optional()
      .describe("rule evaluation interval; default each rule group's interval (from /api/v1/rules), else the global one from Prometheus' config, else 1m. Gaps > 2× split episodes"),
    chunk: duration('chunk').default('1d').describe('range of one query; smaller chunks stay further under the samples limit'),
    transientMinutes: z.number().positive().default(5).describe('an episode resolved within this many minutes is transient'),
    actionableSeverities: z
      .array(z.string())
      .default(['critical', 'page'])
      .describe('severity label values that make an episode actionable'),
    acknowledgements: z
      .object({
        pagerdutyIncidents: z.string().optional().describe('PagerDuty GET /incidents export (JSON), relative to the checklist'),
        alertmanagerSilences: z.string().optional().describe('Alertmanager GET /api/v2/silences export (JSON)'),
        ignoreSilencesBy: z.array(z.string()).default([]).describe('createdBy values of automation, not humans'),
      })
      .strict()
      .optional()
      .describe('where human acknowledgements come from; without it "acknowledged" cannot be known'),
    runbooks: z
      .object({
        fromRules: z.boolean().default(true).describe('read runbook_url annotations of alerting rules from /api/v1/rules'),
        webhookLog: z.string().optional().describe('Alertmanager webhook payload log (JSONL) with annotations'),
      })
      .strict()
      .default({ fromRules: true })
      .describe('where runbook annotations come from (ALERTS series carry labels only)'),
  })
  .strict();

type Params = z.infer<typeof params>;

const DEFINITIONS = (p: Params, ackConfigured: boolean) => ({
  episode:
    'one activation of one label set: consecutive ALERTS{alertstate="firing"} samples of a series, split where two ' +
    'samples are more than 2 × the evaluation interval apart or ALERTS_FOR_STATE (ActiveAt) changes',
  alertsPerDay: `firing episodes in the window ÷ ${p.days} days`,
  transient: `resolved (not still firing at the end of the window) within ${p.transientMinutes} min of ActiveAt`,
  falsePositive: ackConfigured
    ? 'transient and not acknowledged by a human (PagerDuty acknowledgement / Alertmanager silence created during the episode) — an operational proxy, not ground truth'
    : 'transient (no acknowledgement source configured, so acknowledgement is not known) — an operational proxy, not ground truth',
  falsePositiveRate: 'false positives ÷ episodes',
  actionable: `not a false positive, and has a runbook annotation, or severity in [${p.actionableSeverities.join(', ')}], or was acknowledged by a human`,
  actionableFraction: 'actionable ÷ episodes, as a fraction 0–1 (1 when there were no episodes)',
  flapping: 'one label set firing ≥ 3 times within 1 h (reported, not part of the rates)',
});

function selectorWith(base: string, extra: string): string {
  const parts = [base, extra.trim()].filter(Boolean);
  return `{${parts.join(',')}}`;
}

async function readJsonFile(file: string, ctx: CheckContext, what: string): Promise<unknown> {
  const abs = path.resolve(ctx.cwd, file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (e) {
    throw new CheckError(`cannot read the ${what} ${abs} (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`, `export it again or fix the path`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CheckError(`the ${what} ${abs} is not valid JSON (${(e as Error).message})`, 'export it again');
  }
}

async function evaluationIntervalS(p: Params, api: PromApi, ctx: CheckContext): Promise<number> {
  if (p.evaluationInterval) return parseDurationMs(p.evaluationInterval)! / 1000;
  try {
    const cfg = (await api.get('/api/v1/status/config')) as { yaml?: string };
    const m = /evaluation_interval:\s*(\S+)/.exec(cfg?.yaml ?? '');
    const ms = m ? parseDurationMs(m[1]!) : undefined;
    if (ms) {
      ctx.emit(`  evaluation interval ${m![1]} (from Prometheus' config)`);
      return ms / 1000;
    }
  } catch (e) {
    if (e instanceof CheckError && /refused|no response|cannot resolve|closed the connection|unreachable/.test(e.message)) throw e;
  }
  ctx.emit('  evaluation interval not readable; assuming 1m (set evaluationInterval)');
  return 60;
}

async function rangeChunks(api: PromApi, expr: string, start: number, end: number, chunkS: number): Promise<MatrixSeries[][]> {
  const out: MatrixSeries[][] = [];
  for (let t = end; t > start; t -= chunkS) {
    const range = Math.min(chunkS, t - start);
    let r: { resultType: string; result: unknown };
    try {
      r = await api.query(`${expr}[${Math.round(range)}s]`, t);
    } catch (e) {
      if (e instanceof CheckError && /too many samples|exceeded maximum resolution|query timed out/i.test(e.message)) {
        throw new CheckError(e.message, 'set a smaller `chunk` (e.g. 6h) so each query loads fewer samples, or narrow `selector`');
      }
      throw e;
    }
    if (r.resultType !== 'matrix') throw new CheckError(`expected a matrix for ${expr}[…], got ${r.resultType}`, 'is this a Prometheus-compatible API?');
    out.push(r.result as MatrixSeries[]);
  }
  return out;
}

const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;

/** The runbook of each alert (rules' annotations, the webhook log), each rule group's own interval, how many rules. */
async function readRunbooks(
  p: Params,
  api: PromApi,
  ctx: CheckContext,
): Promise<{ runbooks: Map<string, string>; groupInterval: Map<string, number>; alertingRules: number | null }> {
  // runbooks and the number of alerting rules
  const runbooks = new Map<string, string>();
  /** a rule group's own evaluation interval, per alertname (seconds) */
  const groupInterval = new Map<string, number>();
  let alertingRules: number | null = null;
  if (p.runbooks.fromRules) {
    const data = (await api.get('/api/v1/rules?type=alert')) as {
      groups?: { interval?: number; rules?: { name?: string; type?: string; annotations?: Record<string, string> }[] }[];
    };
    alertingRules = 0;
    for (const g of data?.groups ?? []) {
      for (const r of g.rules ?? []) {
        if (r.type && r.type !== 'alerting') continue;
        alertingRules++;
        const url = r.annotations?.runbook_url ?? r.annotations?.runbook;
        if (r.name && url) runbooks.set(r.name, url);
        if (r.name && typeof g.interval === 'number' && g.interval > 0 && !p.evaluationInterval) {
          groupInterval.set(r.name, Math.max(groupInterval.get(r.name) ?? 0, g.interval));
        }
      }
    }
    ctx.emit(`  ${alertingRules} alerting rule(s), ${runbooks.size} with a runbook annotation`);
  }
  if (p.runbooks.webhookLog) {
    const abs = path.resolve(ctx.cwd, p.runbooks.webhookLog);
    const text = await readFile(abs, 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new CheckError(`cannot read the Alertmanager webhook log ${abs} (${e.code ?? 'unreadable'})`, 'fix runbooks.webhookLog');
    });
    for (const [k, v] of runbooksFromWebhookLog(text)) runbooks.set(k, v);
  }
  return { runbooks, groupInterval, alertingRules };
}

/** The acknowledgement sources configured: a PagerDuty incidents export, an Alertmanager silences export. */
async function readAcknowledgements(
  p: Params,
  ctx: CheckContext,
): Promise<{ ackConfigured: boolean; incidents: Record<string, unknown>[]; silences: Record<string, unknown>[] }> {
  // acknowledgement sources
  const ackCfg = p.acknowledgements;
  const ackConfigured = !!(ackCfg?.pagerdutyIncidents || ackCfg?.alertmanagerSilences);
  let incidents: Record<string, unknown>[] = [];
  let silences: Record<string, unknown>[] = [];
  if (ackCfg?.pagerdutyIncidents) {
    try {
      incidents = pagerDutyIncidents(await readJsonFile(ackCfg.pagerdutyIncidents, ctx, 'PagerDuty incidents export'));
    } catch (e) {
      if (e instanceof CheckError) throw e;
      throw new CheckError(`PagerDuty incidents export ${ackCfg.pagerdutyIncidents}: ${(e as Error).message}`, 'export GET /incidents as JSON');
    }
    ctx.emit(`  ${incidents.length} PagerDuty incident(s) read`);
  }
  if (ackCfg?.alertmanagerSilences) {
    const doc = await readJsonFile(ackCfg.alertmanagerSilences, ctx, 'Alertmanager silences export');
    if (!Array.isArray(doc)) throw new CheckError(`the silences export ${ackCfg.alertmanagerSilences} is not a JSON array`, 'export GET /api/v2/silences');
    silences = doc as Record<string, unknown>[];
    ctx.emit(`  ${silences.length} Alertmanager silence(s) read`);
  }
  return { ackConfigured, incidents, silences };
}

interface Classified extends Episode {
  transient: boolean;
  acknowledged: Ack | null;
  falsePositive: boolean;
  actionable: boolean;
  why: string[];
  runbook?: string;
}

/** Each episode: transient, acknowledged, false positive, actionable and why. */
function classify(
  episodes: Episode[],
  p: Params,
  k: {
    intervalS: number;
    runbooks: Map<string, string>;
    ackConfigured: boolean;
    incidents: Record<string, unknown>[];
    silences: Record<string, unknown>[];
  },
): Classified[] {
  const { intervalS, runbooks, ackConfigured, incidents, silences } = k;
  const ackCfg = p.acknowledgements;
  const transientS = p.transientMinutes * 60;
  return episodes.map((e) => {
    const w = { alertname: e.alertname, labels: e.labels, from: e.activeAt, to: e.lastFiring + intervalS };
    const ack = ackConfigured ? (matchPagerDuty(w, incidents) ?? matchSilence(w, silences, ackCfg?.ignoreSilencesBy ?? [])) ?? null : null;
    const transient = !e.ongoing && e.durationS <= transientS;
    const falsePositive = transient && !ack;
    const runbook = runbooks.get(e.alertname);
    const sev = e.labels.severity ?? '';
    const why = [
      ...(runbook ? ['runbook'] : []),
      ...(p.actionableSeverities.includes(sev) ? [`severity ${sev}`] : []),
      ...(ack ? [`acknowledged (${ack.source})`] : []),
    ];
    return { ...e, transient, acknowledged: ack, falsePositive, actionable: !falsePositive && why.length > 0, why, ...(runbook ? { runbook } : {}) };
  });
}

/** Per alertname: its episodes, per day, transient, false positives, actionable, acknowledged, durations. */
function perAlert(classified: Classified[], days: number, runbooks: Map<string, string>, ackConfigured: boolean) {
  const byName = new Map<string, Classified[]>();
  for (const c of classified) {
    const list = byName.get(c.alertname);
    if (list) list.push(c);
    else byName.set(c.alertname, [c]);
  }
  return [...byName.entries()]
    .map(([alertname, eps]) => {
      const d = eps.map((e) => e.durationS).sort((a, b) => a - b);
      return {
        alertname,
        severity: [...new Set(eps.map((e) => e.labels.severity ?? ''))].filter(Boolean).join(','),
        episodes: eps.length,
        perDay: round(eps.length / days, 2),
        transient: eps.filter((e) => e.transient).length,
        falsePositives: eps.filter((e) => e.falsePositive).length,
        actionable: eps.filter((e) => e.actionable).length,
        acknowledged: ackConfigured ? eps.filter((e) => e.acknowledged).length : null,
        hasRunbook: runbooks.has(alertname),
        medianDurationS: d[Math.floor((d.length - 1) / 2)] ?? 0,
        maxDurationS: d[d.length - 1] ?? 0,
      };
    })
    .sort((a, b) => b.episodes - a.episodes || a.alertname.localeCompare(b.alertname));
}

/** alert_episodes.json: the result, the requests made and every episode as classified. */
async function attachEpisodes(ctx: CheckContext, result: object, requests: string[], classified: Classified[]): Promise<void> {
  await ctx.attach(
    'alert_episodes.json',
    JSON.stringify(
      {
        ...result,
        requests,
        episodeList: classified.map((c) => ({
          alertname: c.alertname,
          labels: c.labels,
          activeAt: new Date(c.activeAt * 1000).toISOString(),
          lastFiring: new Date(c.lastFiring * 1000).toISOString(),
          durationS: c.durationS,
          ongoing: c.ongoing,
          transient: c.transient,
          falsePositive: c.falsePositive,
          actionable: c.actionable,
          why: c.why,
          acknowledged: c.acknowledged,
        })),
      },
      null,
      2,
    ) + '\n',
  );
}

export const prometheusAlertHistory: CheckKind<Params> = {
  kind: 'prometheus.alert-history',
  title: 'Alert fatigue over the last days: episodes per day, false-positive rate, actionable share',
  description:
    'Reads raw ALERTS{alertstate="firing"} and ALERTS_FOR_STATE samples of the last `days` (range selectors in ' +
    'chunks, never query_range interpolation), rebuilds firing episodes per label set, and classifies them: false ' +
    'positive = resolved within transientMinutes and not acknowledged (PagerDuty export / Alertmanager silences when ' +
    'configured); actionable = not a false positive and runbook annotation / actionable severity / acknowledged. ' +
    'error = Prometheus unreachable or rejecting the query, unreadable export file; inconclusive = no alerting rules ' +
    'and no ALERTS history at all.',
  outcomes: {
    error: 'Prometheus unreachable or rejecting the query (too many samples: lower chunk), an export file unreadable or not JSON',
    fail: 'alertsPerDay, falsePositiveRate or actionableFraction beyond the expectation (default < 5/day, < 0.1, > 0.9)',
    inconclusive: 'no alerting rules and no ALERTS history at all',
  },
  params,
  resultDoc: {
    days: 'window length (days)',
    from: 'window start (RFC 3339)',
    to: 'window end (RFC 3339)',
    episodes: 'firing episodes in the window',
    alertsPerDay: 'episodes ÷ days (2 decimals)',
    transient: 'episodes resolved within transientMinutes',
    falsePositives: 'transient episodes not acknowledged',
    falsePositiveRate: 'falsePositives ÷ episodes (0–1)',
    actionable: 'actionable episodes',
    actionableFraction: 'actionable ÷ episodes as a fraction 0–1 (1 when there were no episodes)',
    actionablePercent: 'deprecated alias of actionableFraction (the same 0–1 fraction, not a percentage): write actionableFraction',
    acknowledged: 'episodes with a human acknowledgement, or null when no acknowledgement source is configured',
    ongoing: 'episodes still firing at the end of the window',
    byAlert: 'per alertname: {alertname, severity, episodes, perDay, transient, falsePositives, actionable, acknowledged, hasRunbook, medianDurationS, maxDurationS}',
    flapping: 'label sets re-firing ≥ 3 times within 1 h: [{alertname, key, maxInWindow}]',
    alertingRules: 'number of alerting rules Prometheus reports (null when not read)',
    evaluationIntervalS: "the global (or given) evaluation interval; alerts whose rule group has its own interval use that one (gap > 2× splits episodes)",
    definitions: 'the definitions of every number above, in words',
    queries: 'number of PromQL queries made',
  },
  example: [
    'check:',
    '  kind: prometheus.alert-history',
    '  url: ${vars.prometheusUrl}',
    '  days: 7',
    '  selector: service="detektor"',
    '  acknowledgements: {pagerdutyIncidents: exports/pagerduty-incidents.json}',
    '  expect: alertsPerDay < 5 and falsePositiveRate < 0.1 and actionableFraction > 0.9',
  ].join('\n'),
  defaultExpect: 'alertsPerDay < 5 and falsePositiveRate < 0.1 and actionableFraction > 0.9',
  describe(p) {
    const sel = selectorWith('alertstate="firing"', p.selector);
    return (
      `GET ${safeUrl(p.url).replace(/\/+$/, '')}/api/v1/query  ALERTS${sel}[${p.chunk}] and ALERTS_FOR_STATE${selectorWith('', p.selector)}[${p.chunk}] ` +
      `at each ${p.chunk} over the last ${p.days} d` +
      (p.runbooks.fromRules ? '; GET /api/v1/rules (runbook annotations)' : '') +
      (p.acknowledgements?.pagerdutyIncidents ? `; acknowledgements from ${p.acknowledgements.pagerdutyIncidents}` : '') +
      (p.acknowledgements?.alertmanagerSilences ? `; silences from ${p.acknowledgements.alertmanagerSilences}` : '')
    );
  },
  async run(p, ctx): Promise<CheckOutput> {
    const api = prometheusApi(p, ctx, { quiet: true });
    const end = p.at ? Date.parse(p.at) / 1000 : Math.floor(Date.now() / 1000);
    if (!Number.isFinite(end)) throw new CheckError(`at "${p.at}" is not an RFC 3339 time`, 'write it like 2026-11-27T12:00:00Z');
    const start = end - p.days * 86400;
    const chunkS = parseDurationMs(p.chunk)! / 1000;
    ctx.emit(`reading ${p.days} d of alert history from ${safeUrl(p.url).replace(/\/+$/, '')} (${new Date(start * 1000).toISOString()} → ${new Date(end * 1000).toISOString()})`);

    const intervalS = await evaluationIntervalS(p, api, ctx);
    const maxGapS = intervalS * 2;

    const { runbooks, groupInterval, alertingRules } = await readRunbooks(p, api, ctx);

    // raw samples, chunk by chunk
    const nChunks = Math.ceil((end - start) / chunkS);
    ctx.emit(`  ${nChunks} chunk(s) of ${p.chunk} × 2 series families`);
    const firingChunks = await rangeChunks(api, `ALERTS${selectorWith('alertstate="firing"', p.selector)}`, start, end, chunkS);
    const stateChunks = await rangeChunks(api, `ALERTS_FOR_STATE${selectorWith('', p.selector)}`, start, end, chunkS);
    const firing = mergeSeries(firingChunks);
    const forState = mergeSeries(stateChunks);
    const episodes = buildEpisodes(firing, forState, {
      maxGapS,
      maxGapFor: (name) => (groupInterval.has(name) ? groupInterval.get(name)! * 2 : undefined),
      windowEnd: end,
    });
    ctx.emit(`  ${firing.size} firing series → ${episodes.length} episode(s)`);

    const { ackConfigured, incidents, silences } = await readAcknowledgements(p, ctx);

    const classified = classify(episodes, p, { intervalS, runbooks, ackConfigured, incidents, silences });

    const n = classified.length;
    const count = (f: (c: Classified) => boolean) => classified.filter(f).length;
    const byAlert = perAlert(classified, p.days, runbooks, ackConfigured);

    const result = {
      days: p.days,
      from: new Date(start * 1000).toISOString(),
      to: new Date(end * 1000).toISOString(),
      episodes: n,
      alertsPerDay: round(n / p.days, 2),
      transient: count((c) => c.transient),
      falsePositives: count((c) => c.falsePositive),
      falsePositiveRate: n ? round(count((c) => c.falsePositive) / n) : 0,
      actionable: count((c) => c.actionable),
      actionableFraction: n ? round(count((c) => c.actionable) / n) : 1,
      acknowledged: ackConfigured ? count((c) => !!c.acknowledged) : null,
      ongoing: count((c) => c.ongoing),
      byAlert,
      flapping: flapping(episodes).map((f) => ({ alertname: f.alertname, key: f.key, maxInWindow: f.maxInWindow })),
      alertingRules,
      evaluationIntervalS: intervalS,
      definitions: DEFINITIONS(p, ackConfigured),
      queries: api.requests.length,
    };
    const withAlias = { ...result, actionablePercent: result.actionableFraction };
    await attachEpisodes(ctx, result, api.requests, classified);
    for (const a of byAlert) {
      ctx.emit(`  ${a.alertname.padEnd(28)} ${String(a.episodes).padStart(4)} episodes  ${String(a.perDay).padStart(6)}/day  FP ${a.falsePositives}  actionable ${a.actionable}${a.hasRunbook ? '  (runbook)' : ''}`);
    }
    if (n === 0 && (alertingRules ?? 0) === 0) {
      return {
        result: withAlias,
        summary: `no alert episodes and no alerting rules in ${safeUrl(p.url)} — nothing to judge`,
        verdict: 'inconclusive',
        measured: '0 episodes, 0 rules',
        threshold: '< 5/day, FP rate < 0.1, actionable fraction > 0.9',
      };
    }
    const worst = byAlert.filter((a) => a.falsePositives > 0 || a.actionable < a.episodes).slice(0, 10);
    return {
      result: withAlias,
      summary:
        `${n} episodes in ${p.days} d = ${result.alertsPerDay}/day; false positives ${result.falsePositives} (${round(result.falsePositiveRate * 100, 1)}%); ` +
        `actionable ${result.actionable} (${round(result.actionableFraction * 100, 1)}%)` +
        (ackConfigured ? '' : ' — acknowledgements unknown (no PagerDuty/Alertmanager source configured)'),
      measured: `${result.alertsPerDay}/day, FP rate ${result.falsePositiveRate}, actionable fraction ${result.actionableFraction}`,
      threshold: '< 5/day, FP rate < 0.1, actionable fraction > 0.9',
      offending: worst.length ? worst : undefined,
    };
  },
};
