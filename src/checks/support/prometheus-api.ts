/**
 * The Prometheus HTTP API calls the prometheus.* kinds make (GET /api/v1/query, /api/v1/rules), over support/http.ts.
 * Prometheus answers {status: "success", data} or {status: "error", errorType, error}; an error answer (bad PromQL,
 * too many samples, timeout) becomes a CheckError that quotes Prometheus.
 */
import { z } from 'zod';
import { CheckError, type CheckContext } from '../contract.js';
import { httpRequest, httpTlsParams, joinUrl, safeUrl } from './http.js';
import { authorizationValue, tokenRefSchema, type TokenRef } from './secret-ref.js';

/** zod fields shared by the prometheus.* kinds */
export const prometheusParams = {
  url: z.string().min(1).describe('Prometheus base URL, e.g. http://prometheus:9090 (also Thanos/Mimir query frontends)'),
  token: tokenRefSchema.optional().describe('token from env or a secret variable, sent as `Authorization: <prefix><value>` (prefix default "Bearer "), when Prometheus sits behind auth'),
  timeoutMs: z.number().int().positive().default(30_000).describe('per-request timeout'),
  ...httpTlsParams,
};

export interface PromConn {
  url: string;
  token?: TokenRef;
  timeoutMs: number;
  caFile?: string;
  insecure?: boolean;
}

export interface PromApi {
  query(expr: string, time?: number): Promise<{ resultType: string; result: unknown }>;
  get(pathname: string): Promise<unknown>;
  /** requests made, for the evidence ("GET …/api/v1/query?query=…&time=…") */
  requests: string[];
}

export function prometheusApi(c: PromConn, ctx: CheckContext, opts: { quiet?: boolean } = {}): PromApi {
  const headers: Record<string, string> = c.token ? { authorization: authorizationValue(c.token, ctx, 'Prometheus token') } : {};
  const requests: string[] = [];
  const get = async (pathname: string): Promise<unknown> => {
    const url = joinUrl(c.url, pathname);
    requests.push(`GET ${safeUrl(url)}`);
    if (!opts.quiet) ctx.emit(`GET ${safeUrl(url)}`);
    const res = await httpRequest(url, {
      headers,
      signal: ctx.signal,
      timeoutMs: c.timeoutMs,
      tls: { caFile: c.caFile, insecure: c.insecure },
      cwd: ctx.cwd,
      emit: ctx.emit,
      service: 'Prometheus',
      maxBytes: 200 * 1024 * 1024,
    });
    if (res.status === 401 || res.status === 403) {
      throw new CheckError(
        `Prometheus at ${safeUrl(c.url)} refused the request (HTTP ${res.status}${c.token ? '' : ', no token given'})`,
        c.token ? 'the token is invalid or lacks read access' : 'set `token: {env: PROM_TOKEN}` or `token: {var: …}` for an authenticating proxy',
      );
    }
    const body = res.json<{ status?: string; data?: unknown; errorType?: string; error?: string }>();
    if (body.status === 'error' || res.status >= 400) {
      throw new CheckError(
        `Prometheus rejected ${pathname.split('?')[0]} (HTTP ${res.status}, ${body.errorType ?? 'error'}): ${body.error ?? res.body.slice(0, 200)}`,
        body.errorType === 'bad_data' ? 'fix the PromQL expression' : 'see the message from Prometheus above; narrow the query or raise its limits',
      );
    }
    return body.data;
  };
  return {
    requests,
    get,
    async query(expr, time) {
      const q = new URLSearchParams({ query: expr });
      if (time !== undefined) q.set('time', String(time));
      const data = (await get(`/api/v1/query?${q.toString()}`)) as { resultType?: string; result?: unknown };
      if (!data || typeof data.resultType !== 'string') {
        throw new CheckError(`Prometheus at ${safeUrl(c.url)} answered without data.resultType`, 'check that the URL points at the Prometheus API');
      }
      return { resultType: data.resultType, result: data.result };
    },
  };
}
