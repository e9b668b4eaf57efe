/**
 * prometheus.alert-history: what it reads before it counts — the evaluation interval, the chunked raw-sample queries,
 * the rules (runbooks, rule-group intervals) and the acknowledgement exports — against a loopback HTTP server that
 * answers in Prometheus' API envelope ({status, data} / {status: "error", errorType, error}), so these run (and can be
 * mutation-tested) without a Prometheus binary. The episode arithmetic over a real Prometheus is in
 * prometheus-alert-history.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { prometheusAlertHistory } from '../../src/checks/prometheus-alert-history.js';
import { CheckError } from '../../src/checks/contract.js';
import { basicContext, runKind, type BasicContext } from '../support/check-context-basic.js';
import { fixturesDir } from '../support/fixtures.js';

const END = Date.parse('2026-11-27T12:00:00Z') / 1000;
const AT = new Date(END * 1000).toISOString();

/** firing samples (unix s) per alert; every alert is severity "warning" (so only a runbook makes it actionable) */
const FIRING: Record<string, number[]> = {
  // gaps 60 s, 300 s and 700 s
  A: [END - 3600, END - 3540, END - 3240, END - 2540],
  // gap 180 s
  C: [END - 7200, END - 7020],
  // gap 60 s
  D: [END - 10800, END - 10740],
};

type Answer = { status: number; body: unknown };
const ok = (data: unknown): Answer => ({ status: 200, body: { status: 'success', data } });

/** raw samples of a range selector `NAME{…}[Ns]` evaluated at `time`, as a matrix */
function matrix(query: string, time: number): Answer {
  const m = /^(ALERTS|ALERTS_FOR_STATE)\{.*\}\[(\d+)s\]$/.exec(query);
  if (!m) return { status: 400, body: { status: 'error', errorType: 'bad_data', error: `unexpected query ${query}` } };
  const range = Number(m[2]);
  const result = Object.entries(FIRING)
    .map(([alertname, ts]) => ({
      metric: { __name__: m[1]!, alertname, severity: 'warning', ...(m[1] === 'ALERTS' ? { alertstate: 'firing' } : {}) },
      values: ts.filter((t) => t > time - range && t <= time).map((t) => [t, m[1] === 'ALERTS' ? '1' : String(ts[0])]),
    }))
    .filter((s) => s.values.length > 0);
  return ok({ resultType: 'matrix', result });
}

const RULE_GROUPS = [
  {
    name: 'g1',
    interval: 300,
    rules: [
      { name: 'A', type: 'alerting', annotations: { runbook_url: 'https://runbooks.example/a' } },
      { name: 'a:rate5m', type: 'recording' },
      { name: 'B', annotations: { runbook: 'https://runbooks.example/b' } },
    ],
  },
  // the same alert in a group with a shorter interval: the longer one counts
  { name: 'g2', interval: 120, rules: [{ name: 'A', type: 'alerting', annotations: {} }] },
  { name: 'g3', rules: [{ name: 'C', type: 'alerting' }] },
  { name: 'g4', interval: 0, rules: [{ name: 'D', type: 'alerting' }] },
  // an interval that is not a number of seconds is no interval
  { name: 'g5', interval: '600', rules: [{ name: 'C', type: 'alerting' }] },
];

interface Api {
  url: string;
  /** every request, as path?query */
  seen: string[];
  close(): Promise<void>;
}

/** a loopback server; `routes` answers by path, anything not given answers like Prometheus does (above) */
/** the loopback servers of the running test: closed after it (a test may close one itself first) */
let open: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(open.map((c) => c()));
  open = [];
});

async function promApi(routes: Record<string, Answer> = {}, query: (q: string, t: number) => Answer = matrix): Promise<Api> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://loopback');
    seen.push(decodeURIComponent(u.pathname + u.search));
    const a: Answer =
      routes[u.pathname] ??
      (u.pathname === '/api/v1/query'
        ? query(u.searchParams.get('query') ?? '', Number(u.searchParams.get('time')))
        : u.pathname === '/api/v1/rules'
          ? ok({ groups: RULE_GROUPS })
          : u.pathname === '/api/v1/status/config'
            ? ok({ yaml: 'global:\n  scrape_interval: 15s\n  evaluation_interval: 1m\n' })
            : { status: 404, body: '404 page not found\n' });
    res.writeHead(a.status, { 'content-type': typeof a.body === 'string' ? 'text/plain' : 'application/json' });
    res.end(typeof a.body === 'string' ? a.body : JSON.stringify(a.body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const close = () => new Promise<void>((r) => (server.listening ? server.close(() => r()) : r()));
  open.push(close);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close };
}

type R = {
  episodes: number;
  acknowledged: number | null;
  alertingRules: number | null;
  evaluationIntervalS: number;
  queries: number;
  byAlert: { alertname: string; episodes: number; actionable: number; hasRunbook: boolean }[];
};

/** run the kind against `api`; the result, the episodes per alert, and the context (for its lines) */
async function history(api: Api, params: Record<string, unknown> = {}, ctx?: BasicContext) {
  const c = ctx ?? (await basicContext());
  try {
    const out = await runKind(prometheusAlertHistory, { url: api.url, at: AT, days: 1, ...params }, c);
    const r = out.result as R;
    const perAlert = Object.fromEntries(r.byAlert.map((a) => [a.alertname, a.episodes]));
    return { out, r, perAlert, lines: c.lines.map((l) => l.line) };
  } finally {
    if (!ctx) await c.dispose();
  }
}

async function failure(api: Api, params: Record<string, unknown>, ctx?: BasicContext): Promise<CheckError> {
  const e = await history(api, params, ctx).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(CheckError);
  return e as CheckError;
}

const queries = (api: Api) => api.seen.filter((s) => s.startsWith('/api/v1/query?'));

describe('prometheus.alert-history: the evaluation interval', () => {
  it("from the rules: an alert's rule group interval (the longest), else the global one from the config", async () => {
    const api = await promApi();
    const { r, perAlert, lines } = await history(api);
    expect(r.evaluationIntervalS).toBe(60);
    // A: its group's 300 s → gap 600 s holds 300 s, splits 700 s; C: no group interval, 60 s → gap 120 s splits
    // 180 s; D: a group interval of 0 is no interval
    expect(perAlert).toEqual({ A: 2, C: 2, D: 1 });
    expect(lines).toContain("  evaluation interval 1m (from Prometheus' config)");
    expect(api.seen.slice(0, 2)).toEqual(['/api/v1/status/config', '/api/v1/rules?type=alert']);
  });

  it('a given evaluationInterval wins over the config and the rule groups, and the config is not asked for', async () => {
    const api = await promApi();
    const { r, perAlert, lines } = await history(api, { evaluationInterval: '30s' });
    expect(r.evaluationIntervalS).toBe(30);
    // gap 60 s: A splits at its 300 s and 700 s gaps, C at 180 s
    expect(perAlert).toEqual({ A: 3, C: 2, D: 1 });
    expect(api.seen).not.toContain('/api/v1/status/config');
    expect(lines.some((l) => l.includes('evaluation interval'))).toBe(false);
  });

  it("the config's interval sets the gap for every alert when the rules are not read", async () => {
    const api = await promApi({ '/api/v1/status/config': ok({ yaml: 'global:\n  evaluation_interval:   2m\nrule_files: []\n' }) });
    const { r, perAlert, lines } = await history(api, { runbooks: { fromRules: false } });
    expect(r.evaluationIntervalS).toBe(120);
    // gap 240 s: A splits at 300 s and 700 s, C (180 s) holds
    expect(perAlert).toEqual({ A: 3, C: 1, D: 1 });
    expect(lines).toContain("  evaluation interval 2m (from Prometheus' config)");
  });

  it('an unreadable config (no interval, not a duration, no data, an error answer, 404) means 1m, and says so', async () => {
    const configs: Record<string, Answer> = {
      'no interval': ok({ yaml: 'global:\n  scrape_interval: 15s\n' }),
      'not a duration': ok({ yaml: 'global:\n  evaluation_interval: soon\n' }),
      'no data': { status: 200, body: { status: 'success' } },
      'error answer': { status: 500, body: { status: 'error', errorType: 'internal', error: 'config unavailable' } },
      '404': { status: 404, body: '404 page not found\n' },
    };
    for (const [what, answer] of Object.entries(configs)) {
      const api = await promApi({ '/api/v1/status/config': answer });
      const { r, perAlert, lines } = await history(api, { runbooks: { fromRules: false } });
      expect([what, r.evaluationIntervalS, perAlert]).toEqual([what, 60, { A: 3, C: 2, D: 1 }]);
      expect(lines).toContain('  evaluation interval not readable; assuming 1m (set evaluationInterval)');
    }
  });

  it('a Prometheus that is not there is an error at once, not an assumed interval', async () => {
    const api = await promApi();
    await api.close();
    const ctx = await basicContext();
    try {
      const e = await failure(api, {}, ctx);
      expect(e.message).toMatch(/refused/);
      expect(ctx.lines.map((l) => l.line).filter((l) => l.includes('evaluation interval'))).toEqual([]);
    } finally {
      await ctx.dispose();
    }
  });
});

describe('prometheus.alert-history: raw samples in chunks', () => {
  it('chunks walk back from the end; the last one is cut at the window start; both series families', async () => {
    const api = await promApi();
    const { r } = await history(api, { chunk: '10h', selector: 'severity="warning"', evaluationInterval: '1m', runbooks: { fromRules: false } });
    const at = (q: string, t: number) => `/api/v1/query?query=${q}&time=${t}`;
    expect(queries(api)).toEqual([
      at('ALERTS{alertstate="firing",severity="warning"}[36000s]', END),
      at('ALERTS{alertstate="firing",severity="warning"}[36000s]', END - 36000),
      at('ALERTS{alertstate="firing",severity="warning"}[14400s]', END - 72000),
      at('ALERTS_FOR_STATE{severity="warning"}[36000s]', END),
      at('ALERTS_FOR_STATE{severity="warning"}[36000s]', END - 36000),
      at('ALERTS_FOR_STATE{severity="warning"}[14400s]', END - 72000),
    ]);
    expect(r.queries).toBe(6);
  });

  it('a chunk that divides the window: no empty query at the window start', async () => {
    const api = await promApi();
    await history(api, { chunk: '12h', evaluationInterval: '1m', runbooks: { fromRules: false } });
    expect(queries(api).map((q) => q.replace(/^\/api\/v1\/query\?query=/, ''))).toEqual([
      `ALERTS{alertstate="firing"}[43200s]&time=${END}`,
      `ALERTS{alertstate="firing"}[43200s]&time=${END - 43200}`,
      `ALERTS_FOR_STATE{}[43200s]&time=${END}`,
      `ALERTS_FOR_STATE{}[43200s]&time=${END - 43200}`,
    ]);
  });

  it('too many samples or a timeout: the error says to lower `chunk`; other rejections keep their own hint', async () => {
    const reject = (status: number, errorType: string, error: string) => () => ({ status, body: { status: 'error', errorType, error } });
    const cases: [Answer['status'], string, string, string][] = [
      [422, 'execution', 'query processing would load too many samples into memory in query execution', 'set a smaller `chunk` (e.g. 6h) so each query loads fewer samples, or narrow `selector`'],
      [422, 'execution', 'exceeded maximum resolution of 11,000 points per timeseries', 'set a smaller `chunk` (e.g. 6h) so each query loads fewer samples, or narrow `selector`'],
      [503, 'timeout', 'Query timed out in expression evaluation', 'set a smaller `chunk` (e.g. 6h) so each query loads fewer samples, or narrow `selector`'],
      [400, 'bad_data', 'invalid parameter "query": 1:8: parse error: unexpected "}"', 'fix the PromQL expression'],
    ];
    for (const [status, errorType, error, hint] of cases) {
      const api = await promApi({}, reject(status, errorType, error));
      const e = await failure(api, { evaluationInterval: '1m', runbooks: { fromRules: false } });
      expect([e.message, e.hint]).toEqual([`Prometheus rejected /api/v1/query (HTTP ${status}, ${errorType}): ${error}`, hint]);
    }
  });

  it('an answer that is not a matrix is an error', async () => {
    const api = await promApi({}, () => ok({ resultType: 'vector', result: [] }));
    const e = await failure(api, { evaluationInterval: '1m', runbooks: { fromRules: false } });
    expect([e.message, e.hint]).toEqual(['expected a matrix for ALERTS{alertstate="firing"}[…], got vector', 'is this a Prometheus-compatible API?']);
  });
});

describe('prometheus.alert-history: runbooks and rules', () => {
  it('alerting rules are counted (recording rules not), runbook_url or runbook annotations make an alert actionable', async () => {
    const api = await promApi();
    const { r, lines } = await history(api);
    // A twice (two groups), B, C twice, D
    expect(r.alertingRules).toBe(6);
    expect(lines).toContain('  6 alerting rule(s), 2 with a runbook annotation');
    expect(r.byAlert.map((a) => [a.alertname, a.hasRunbook, a.actionable])).toEqual([
      ['A', true, 2],
      ['C', false, 0],
      ['D', false, 0],
    ]);
  });

  it('rules answers without groups or rules count zero; fromRules false asks nothing and counts null', async () => {
    for (const data of [{}, { groups: [{ name: 'empty', interval: 60 }] }, null]) {
      const api = await promApi({ '/api/v1/rules': ok(data) });
      const { r, lines } = await history(api, { evaluationInterval: '1m' });
      expect(r.alertingRules).toBe(0);
      expect(lines).toContain('  0 alerting rule(s), 0 with a runbook annotation');
    }
    const api = await promApi();
    const { r, lines } = await history(api, { evaluationInterval: '1m', runbooks: { fromRules: false } });
    expect(r.alertingRules).toBeNull();
    expect(api.seen.some((s) => s.startsWith('/api/v1/rules'))).toBe(false);
    expect(lines.some((l) => l.includes('alerting rule'))).toBe(false);
  });

  it('runbooks from an Alertmanager webhook log (relative to the checklist); a missing log is an error', async () => {
    const api = await promApi();
    const ctx = await basicContext();
    try {
      const hook = { version: '4', alerts: [{ labels: { alertname: 'C' }, annotations: { runbook_url: 'https://runbooks.example/c' } }] };
      await mkdir(path.join(ctx.cwd, 'am'));
      await writeFile(path.join(ctx.cwd, 'am', 'hook.jsonl'), JSON.stringify(hook) + '\n');
      const { r } = await history(api, { runbooks: { fromRules: false, webhookLog: 'am/hook.jsonl' } }, ctx);
      expect(r.byAlert.map((a) => [a.alertname, a.hasRunbook])).toEqual([
        ['A', false],
        ['C', true],
        ['D', false],
      ]);
      const e = await failure(api, { runbooks: { webhookLog: 'am/none.jsonl' } }, ctx);
      expect([e.message, e.hint]).toEqual([`cannot read the Alertmanager webhook log ${path.join(ctx.cwd, 'am/none.jsonl')} (ENOENT)`, 'fix runbooks.webhookLog']);
    } finally {
      await ctx.dispose();
    }
  });
});

describe('prometheus.alert-history: acknowledgement exports', () => {
  const pd = 'pagerduty/pagerduty-incidents-raw.json';
  const silences = 'alerting/alertmanager-0.25-api-v2-silences.json';

  it('the captured exports are read (relative to the checklist) and make "acknowledged" known', async () => {
    const api = await promApi();
    // a context per run (its lines), all in the fixtures folder
    const inFixtures = async (acknowledgements: Record<string, string>) => {
      const ctx = await basicContext({ cwd: fixturesDir });
      try {
        return await history(api, { acknowledgements }, ctx);
      } finally {
        await ctx.dispose();
      }
    };
    const a = await inFixtures({ pagerdutyIncidents: pd, alertmanagerSilences: silences });
    expect(a.r.acknowledged).toBe(0);
    expect(a.lines.filter((l) => / read$/.test(l))).toEqual(['  3 PagerDuty incident(s) read', '  1 Alertmanager silence(s) read']);
    expect(a.out.summary).not.toMatch(/acknowledgements unknown/);
    for (const one of [{ pagerdutyIncidents: pd }, { alertmanagerSilences: silences }] as Record<string, string>[]) {
      const b = await inFixtures(one);
      expect(b.r.acknowledged).toBe(0);
      expect(b.lines.filter((l) => / read$/.test(l))).toHaveLength(1);
    }
    const none = await history(api, { acknowledgements: {} });
    expect(none.r.acknowledged).toBeNull();
    expect(none.out.summary).toMatch(/ — acknowledgements unknown \(no PagerDuty\/Alertmanager source configured\)$/);
    expect(none.lines.some((l) => / read$/.test(l))).toBe(false);
  });

  it('an export that is missing, a folder, not JSON or of the wrong shape is an error that says what to do', async () => {
    const api = await promApi();
    const ctx = await basicContext();
    try {
      await writeFile(path.join(ctx.cwd, 'broken.json'), '{"incidents": [');
      await writeFile(path.join(ctx.cwd, 'object.json'), '{"silences": []}');
      await mkdir(path.join(ctx.cwd, 'folder.json'));
      const ack = (acknowledgements: Record<string, string>) => failure(api, { evaluationInterval: '1m', acknowledgements }, ctx);
      const abs = (f: string) => path.join(ctx.cwd, f);

      const missing = await ack({ alertmanagerSilences: 'gone.json' });
      expect([missing.message, missing.hint]).toEqual([`cannot read the Alertmanager silences export ${abs('gone.json')} (ENOENT)`, 'export it again or fix the path']);
      const folder = await ack({ pagerdutyIncidents: 'folder.json' });
      expect([folder.message, folder.hint]).toEqual([`cannot read the PagerDuty incidents export ${abs('folder.json')} (EISDIR)`, 'export it again or fix the path']);
      const broken = await ack({ pagerdutyIncidents: 'broken.json' });
      expect(broken.message).toMatch(/^the PagerDuty incidents export .+broken\.json is not valid JSON \(.+\)$/);
      expect(broken.message.startsWith(`the PagerDuty incidents export ${abs('broken.json')} is not valid JSON (`)).toBe(true);
      expect(broken.hint).toBe('export it again');
      const shape = await ack({ pagerdutyIncidents: 'object.json' });
      expect([shape.message, shape.hint]).toEqual([
        'PagerDuty incidents export object.json: expected a JSON array of incidents or {"incidents": [...]} (PagerDuty GET /incidents)',
        'export GET /incidents as JSON',
      ]);
      const notList = await ack({ alertmanagerSilences: 'object.json' });
      expect([notList.message, notList.hint]).toEqual(['the silences export object.json is not a JSON array', 'export GET /api/v2/silences']);
    } finally {
      await ctx.dispose();
    }
  });
});
