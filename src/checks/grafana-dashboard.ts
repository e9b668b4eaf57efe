/**
 * grafana.dashboard (seed 3.2 "SLI/SLO dashboard"): fetch a dashboard by uid from Grafana's HTTP API — or read a
 * dashboard JSON file (the deliverable dashboards/slo-tracking.json) — walk every panel with the one walker
 * (classic panels with collapsed rows, legacy rows[], schema v2 elements) and count the panels whose title matches
 * the SLO patterns and/or whose queries do. Titles alone are fragile: pyrra's real SLO dashboards contain no "SLO"
 * in any title, so both counts are always reported and `match` decides which one the verdict uses.
 *
 * error vs fail: unreachable Grafana, a rejected token, an unreadable file → error. Dashboard not found, or too few
 * matching panels → fail.
 */
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { RULES } from './rules.js';
import { CheckError, type CheckContext, type CheckKind, type CheckOutput } from './contract.js';
import { httpRequest, httpTlsParams, joinUrl, safeUrl, type HttpResponse } from './support/http.js';
import { authorizationValue, tokenRefSchema, type TokenRef } from './support/secret-ref.js';
import { matchPanels, unwrapDashboard, walkDashboard, type WalkedDashboard } from './support/dashboard-walk.js';

const params = z
  .object({
    url: z.string().optional().describe('Grafana base URL, e.g. http://grafana:3000 (with `uid`)'),
    uid: z.string().optional().describe('dashboard uid (with `url`), e.g. slo-dashboard'),
    file: z.string().optional().describe('a dashboard JSON file instead of the API (bare model or {dashboard, meta}); relative to the checklist'),
    token: tokenRefSchema
      .optional()
      .describe('service-account token from env or a secret variable, e.g. {var: grafanaToken}, sent as `Authorization: <prefix><value>` (prefix default "Bearer ")'),
    titlePattern: z.string().default('SLO').describe('regular expression (case-insensitive) a panel title must match'),
    synonyms: z
      .array(z.string())
      .default([])
      .describe('more title patterns that also count, e.g. ["service level", "error budget", "burn rate", "availability"]'),
    queryPatterns: z
      .array(z.string())
      .default(['\\bslo:', 'pyrra_', 'sloth_', 'error_budget'])
      .describe('regular expressions (case-insensitive) over panel queries (targets[].expr) that mark an SLO panel'),
    match: z
      .enum(['title', 'query', 'either', 'both'])
      .default('either')
      .describe('which panels count toward `matched`: title match, query match, either, or both'),
    min: z.number().int().min(0).default(5).describe('minimum number of matching panels (one per key SLO)'),
    timeoutMs: z.number().int().positive().default(15000).describe('per-request timeout'),
    ...httpTlsParams,
  })
  .strict()
  .refine(RULES.fileXorUrlAndUid, {
    message: 'give either `file`, or both `url` and `uid`',
  });

type Params = z.infer<typeof params>;

function regexes(list: string[], what: string): RegExp[] {
  return list.map((s) => {
    try {
      return new RegExp(s, 'i');
    } catch (e) {
      throw new CheckError(`${what} "${s}" is not a valid regular expression (${(e as Error).message})`, 'fix the pattern in the checklist');
    }
  });
}

const authHeaders = (token: TokenRef | undefined, ctx: CheckContext): Record<string, string> =>
  token ? { authorization: authorizationValue(token, ctx, 'Grafana token') } : {};

interface Fetched {
  doc: unknown;
  apiVersion?: string;
  requests: string[];
  notFound?: boolean;
}

async function fetchDashboard(p: Params, ctx: CheckContext): Promise<Fetched> {
  const headers = authHeaders(p.token, ctx);
  const requests: string[] = [];
  const get = async (pathname: string): Promise<HttpResponse> => {
    const url = joinUrl(p.url!, pathname);
    requests.push(`GET ${safeUrl(url)}`);
    ctx.emit(`GET ${safeUrl(url)}`);
    const res = await httpRequest(url, {
      headers,
      signal: ctx.signal,
      timeoutMs: p.timeoutMs,
      tls: { caFile: p.caFile, insecure: p.insecure },
      cwd: ctx.cwd,
      emit: ctx.emit,
      service: 'Grafana',
    });
    ctx.emit(`  → HTTP ${res.status} in ${res.durationMs} ms`);
    return res;
  };
  const uidPath = `/api/dashboards/uid/${encodeURIComponent(p.uid!)}`;
  let res = await get(uidPath);
  let apiVersion: string | undefined;
  if (res.status === 406) {
    // a dashboard stored in schema v2: Grafana refuses the legacy shape; ask again for v2 (grafana#120842),
    // and fall back to the k8s-style path the 406 message names (Grafana 12 before ?apiVersion= existed)
    const msg = String((safeJson(res.body) as { message?: string } | undefined)?.message ?? '');
    const named = /\/apis\/dashboard\.grafana\.app\/(v[0-9a-z]+)\/namespaces\/([^/\s]+)\/dashboards\/[^\s]+/.exec(msg);
    apiVersion = named?.[1] ?? 'v2beta1';
    ctx.emit(`  dashboard is stored in schema v2 (${apiVersion}); asking with ?apiVersion=${apiVersion}`);
    res = await get(`${uidPath}?apiVersion=${apiVersion}`);
    if (res.status === 406 || res.status === 400) {
      const k8sPath = named?.[0] ?? `/apis/dashboard.grafana.app/${apiVersion}/namespaces/default/dashboards/${encodeURIComponent(p.uid!)}`;
      res = await get(k8sPath);
    }
  }
  if (res.status === 401 || res.status === 403) {
    throw new CheckError(
      `Grafana at ${safeUrl(p.url!)} refused the request (HTTP ${res.status}${p.token ? '' : ', no token given'})`,
      p.token
        ? 'the token is invalid or lacks dashboards:read — create a service-account token with the Viewer role'
        : 'set `token: {var: grafanaToken}` (a secret variable) or `token: {env: GRAFANA_TOKEN}`',
    );
  }
  if (res.status === 404) return { doc: undefined, notFound: true, requests, apiVersion };
  if (res.status !== 200) {
    throw new CheckError(
      `Grafana at ${safeUrl(p.url!)} answered HTTP ${res.status} for dashboard ${p.uid}: ${res.body.slice(0, 200)}`,
      'check the Grafana address and version; the request is shown above',
    );
  }
  return { doc: res.json(), requests, apiVersion };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function readDashboardFile(p: Params, ctx: CheckContext): Promise<unknown> {
  const file = path.resolve(ctx.cwd, p.file!);
  ctx.emit(`reading dashboard file ${file}`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new CheckError(
      `cannot read the dashboard file ${file} (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`,
      'export the dashboard (Grafana → Share → Export → Save to file) to that path, or fix `file`',
    );
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CheckError(`the dashboard file ${file} is not valid JSON (${(e as Error).message})`, 'export it again from Grafana');
  }
}

export const grafanaDashboard: CheckKind<Params> = {
  kind: 'grafana.dashboard',
  title: 'A Grafana dashboard has enough SLO panels (by title and/or query)',
  description:
    'Fetches GET /api/dashboards/uid/<uid> (Bearer token from env or a secret variable; a v2-stored dashboard that ' +
    'answers 406 is asked again with ?apiVersion=) or reads a dashboard JSON file, walks every panel of the classic, ' +
    'legacy-rows and v2 layouts (collapsed rows included, rows themselves not counted), and counts panels whose ' +
    'title matches titlePattern/synonyms and panels whose queries match queryPatterns. Both counts are reported; ' +
    '`match` chooses which makes `matched`. error = Grafana unreachable, token refused, file unreadable; ' +
    'fail = dashboard not found or fewer than `min` matching panels.',
  outcomes: {
    error: 'Grafana unreachable, the token refused (401/403), an unexpected HTTP status, the dashboard file unreadable',
    fail: 'the dashboard is not found (404), or fewer than `min` panels match',
    inconclusive: 'never',
  },
  params,
  resultDoc: {
    source: '"api" or "file"',
    found: 'false when Grafana answered 404 for the uid',
    uid: 'dashboard uid',
    title: 'dashboard title',
    layout: '"panels" (classic), "rows" (legacy schemaVersion < 16), "v2" (schema v2 elements) or "empty"',
    panels: 'number of panels (rows excluded; collapsed rows\' children included)',
    rows: 'number of row objects seen',
    byTitle: 'panels whose title matches titlePattern or a synonym',
    byQuery: 'panels with a query matching queryPatterns',
    matched: 'panels counted under `match`',
    min: 'the required minimum',
    match: 'the counting rule used',
    matches: 'matching panels: [{title, path, type, by: ["title"|"query"], titlePattern, query}]',
    panelTitles: 'every panel title (first 100)',
    tags: 'dashboard tags',
    apiVersion: 'the v2 api version asked for after a 406, if any',
  },
  example: [
    'check:',
    '  kind: grafana.dashboard',
    '  url: ${vars.grafanaUrl}',
    '  uid: slo-dashboard',
    '  token: {var: grafanaToken}',
    '  synonyms: ["service level", "error budget", "burn rate"]',
    '  min: 5',
    '  expect: matched >= min',
  ].join('\n'),
  defaultExpect: 'found and matched >= min',
  describe(p) {
    const what = `count panels: title ~ /${[p.titlePattern, ...p.synonyms].join('|')}/i ${p.match} query ~ /${p.queryPatterns.join('|')}/i; need ≥ ${p.min}`;
    if (p.file) return `read ${p.file}; ${what}`;
    return `GET ${joinUrl(safeUrl(p.url!), `/api/dashboards/uid/${p.uid}`)}${p.token ? ` (Authorization: ${p.token.prefix}<${p.token.env ? `$${p.token.env}` : `vars.${p.token.var}`}>)` : ''}; on 406 retry with ?apiVersion=v2…; ${what}`;
  },
  async run(p, ctx): Promise<CheckOutput> {
    const titleRes = regexes([p.titlePattern, ...p.synonyms], 'title pattern');
    const queryRes = regexes(p.queryPatterns, 'query pattern');
    let doc: unknown;
    let apiVersion: string | undefined;
    if (p.file) {
      doc = await readDashboardFile(p, ctx);
    } else {
      const f = await fetchDashboard(p, ctx);
      if (f.notFound) {
        return {
          result: { source: 'api', found: false, uid: p.uid, title: null, layout: 'empty', panels: 0, rows: 0, byTitle: 0, byQuery: 0, matched: 0, min: p.min, match: p.match, matches: [], panelTitles: [], tags: [] },
          summary: `dashboard ${p.uid} not found in Grafana at ${safeUrl(p.url!)}`,
          measured: 'not found',
          threshold: `≥ ${p.min} SLO panels`,
          offending: [{ uid: p.uid, problem: 'Grafana answered 404: check the uid (dashboard settings → JSON model) or import dashboards/slo-tracking.json' }],
        };
      }
      doc = f.doc;
      apiVersion = f.apiVersion;
    }
    let walked: WalkedDashboard;
    try {
      unwrapDashboard(doc);
      walked = walkDashboard(doc);
    } catch (e) {
      throw new CheckError(`the dashboard JSON has an unexpected shape (${(e as Error).message})`, 'check that it is a Grafana dashboard export');
    }
    const matches = matchPanels(walked.panels, titleRes, queryRes);
    const byTitle = matches.filter((m) => m.by.includes('title')).length;
    const byQuery = matches.filter((m) => m.by.includes('query')).length;
    const counted = matches.filter((m) =>
      p.match === 'title' ? m.by.includes('title') : p.match === 'query' ? m.by.includes('query') : p.match === 'both' ? m.by.length === 2 : true,
    );
    const matched = counted.length;
    // a bare export may have neither title nor uid: then it is named by its file
    const name = walked.title ?? walked.uid ?? p.uid ?? p.file ?? '?';
    ctx.emit(`"${name}" (${walked.layout} layout): ${walked.panels.length} panels, ${walked.rows} rows`);
    for (const pnl of walked.panels) {
      const m = matches.find((x) => x.path === pnl.path);
      ctx.emit(`  ${m ? `✓ [${m.by.join('+')}]` : '·'} ${pnl.title || '(untitled)'}  (${pnl.path}${pnl.row ? `, row "${pnl.row}"` : ''})`);
    }
    const note =
      byTitle === 0 && byQuery > 0
        ? ' — no panel title mentions SLO, but their queries are SLO rules'
        : '';
    const result = {
      source: p.file ? 'file' : 'api',
      found: true,
      ...(p.file ? { file: p.file } : { url: safeUrl(p.url!) }),
      uid: walked.uid ?? p.uid ?? null,
      title: walked.title ?? null,
      layout: walked.layout,
      ...(apiVersion ? { apiVersion } : {}),
      panels: walked.panels.length,
      rows: walked.rows,
      byTitle,
      byQuery,
      matched,
      min: p.min,
      match: p.match,
      matches,
      panelTitles: walked.panels.slice(0, 100).map((x) => x.title),
      tags: walked.tags,
    };
    return {
      result,
      summary: `${matched} SLO panel(s) (${p.match}: ${byTitle} by title, ${byQuery} by query) of ${walked.panels.length} in "${name}"; need ≥ ${p.min}${note}`,
      measured: `${matched} matching panels`,
      threshold: `≥ ${p.min}`,
      offending:
        matched >= p.min
          ? undefined
          : walked.panels
              .filter((x) => !counted.some((m) => m.path === x.path))
              .slice(0, 20)
              .map((x) => ({ title: x.title, path: x.path, queries: x.queries.slice(0, 2) })),
    };
  },
};
