/**
 * prometheusApi (src/checks/support/prometheus-api.ts) through its real HTTP client, against a loopback server that
 * answers as the Prometheus HTTP API does: `{status: "success", data}`, `{status: "error", errorType, error}` with
 * 400/422/503, and what a proxy in front of it answers (401/403, HTML, JSON of its own).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { prometheusApi, type PromConn } from '../../../src/checks/support/prometheus-api.js';
import { generateTls } from '../../../src/demo/servers/kube-api.js';
import { basicContext, failure, type BasicContext } from '../../support/check-context-basic.js';

type Reply = { status: number; body: string; type?: string };

/** what the server answers next (set by each test), and every request it got: path+query and Authorization */
let reply: Reply;
const got: { url: string; authorization?: string }[] = [];
let plain: http.Server;
let secure: https.Server;
let url: string;
let secureUrl: string;
const tls = generateTls();
const contexts: BasicContext[] = [];

function answer(status: number, body: unknown, type = 'application/json'): void {
  reply = { status, body: typeof body === 'string' ? body : JSON.stringify(body), type };
}

const handler = (q: http.IncomingMessage, s: http.ServerResponse): void => {
  got.push({ url: q.url ?? '', authorization: q.headers.authorization });
  if (q.url?.startsWith('/hang')) return; // never answers
  s.writeHead(reply.status, { 'content-type': reply.type ?? 'application/json' });
  s.end(reply.body);
};

async function listen(s: http.Server): Promise<number> {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return (s.address() as AddressInfo).port;
}

beforeAll(async () => {
  plain = http.createServer(handler);
  secure = https.createServer({ key: tls.key, cert: tls.cert }, handler);
  url = `http://127.0.0.1:${await listen(plain)}`;
  secureUrl = `https://127.0.0.1:${await listen(secure)}`;
});
afterAll(async () => {
  for (const s of [plain, secure]) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});
afterEach(async () => {
  got.length = 0;
  await Promise.all(contexts.splice(0).map((c) => c.dispose()));
});

async function context(env: NodeJS.ProcessEnv = {}): Promise<BasicContext> {
  const ctx = await basicContext({ env });
  contexts.push(ctx);
  return ctx;
}

function conn(extra: Partial<PromConn> = {}): PromConn {
  return { url, timeoutMs: 10_000, ...extra };
}

const VECTOR = { resultType: 'vector', result: [{ metric: { job: 'api' }, value: [1700000000, '1'] }] };

describe('prometheusApi: answers', () => {
  it('query: sends the expression (and the time when given), returns resultType and result; every request is listed and emitted', async () => {
    const ctx = await context();
    const api = prometheusApi(conn(), ctx);
    answer(200, { status: 'success', data: VECTOR });
    expect(await api.query('up == 1', 1700000000)).toEqual(VECTOR);
    expect(await api.query('up')).toEqual(VECTOR);
    expect(got.map((g) => g.url)).toEqual(['/api/v1/query?query=up+%3D%3D+1&time=1700000000', '/api/v1/query?query=up']);
    const lines = [`GET ${url}/api/v1/query?query=up+%3D%3D+1&time=1700000000`, `GET ${url}/api/v1/query?query=up`];
    expect(api.requests).toEqual(lines);
    expect(ctx.lines).toEqual(lines.map((line) => ({ line, stream: 'info' })));
    // no token: no Authorization header
    expect(got.map((g) => g.authorization)).toEqual([undefined, undefined]);
  });

  it('time 0 is a time, sent as such', async () => {
    const ctx = await context();
    answer(200, { status: 'success', data: { resultType: 'scalar', result: [0, '0'] } });
    expect(await prometheusApi(conn(), ctx).query('time()', 0)).toEqual({ resultType: 'scalar', result: [0, '0'] });
    expect(got.map((g) => g.url)).toEqual(['/api/v1/query?query=time%28%29&time=0']);
  });

  it('quiet: the requests are listed but not emitted', async () => {
    const ctx = await context();
    const api = prometheusApi(conn({ url: `${url}/` }), ctx, { quiet: true });
    answer(200, { status: 'success', data: VECTOR });
    await api.query('up');
    expect(api.requests).toEqual([`GET ${url}/api/v1/query?query=up`]);
    expect(ctx.lines).toEqual([]);
  });

  it('get: returns data as Prometheus sent it, whatever its shape', async () => {
    const ctx = await context();
    const api = prometheusApi(conn(), ctx);
    answer(200, { status: 'success', data: { groups: [{ name: 'g', rules: [] }] } });
    expect(await api.get('/api/v1/rules?type=alert')).toEqual({ groups: [{ name: 'g', rules: [] }] });
    answer(200, { status: 'success' });
    expect(await api.get('/api/v1/status/config')).toBeUndefined();
    expect(api.requests).toEqual([`GET ${url}/api/v1/rules?type=alert`, `GET ${url}/api/v1/status/config`]);
  });

  it('a large answer (a big matrix) is read whole', async () => {
    const ctx = await context();
    const result = Array.from({ length: 2000 }, (_, i) => ({ metric: { i: String(i) }, values: [[1700000000, String(i)]] }));
    answer(200, { status: 'success', data: { resultType: 'matrix', result } });
    const r = await prometheusApi(conn(), ctx).query('x[1m]');
    expect(r.resultType).toBe('matrix');
    expect(r.result).toHaveLength(2000);
  });

  it('a token from env is sent as Authorization (prefix "Bearer " by default, or as given)', async () => {
    const ctx = await context({ PROM_TOKEN: 'tok-123' });
    answer(200, { status: 'success', data: VECTOR });
    await prometheusApi(conn({ token: { env: 'PROM_TOKEN', prefix: 'Bearer ' } }), ctx).query('up');
    await prometheusApi(conn({ token: { env: 'PROM_TOKEN', prefix: 'Basic ' } }), ctx).query('up');
    expect(got.map((g) => g.authorization)).toEqual(['Bearer tok-123', 'Basic tok-123']);
    expect(ctx.everything()).not.toContain('tok-123');
  });

  it('a token whose variable is not set is an error naming the Prometheus token, before any request', async () => {
    const ctx = await context();
    const e = await failure(Promise.resolve().then(() => prometheusApi(conn({ token: { env: 'PROM_TOKEN', prefix: 'Bearer ' } }), ctx)));
    expect(e.message).toBe('Prometheus token: environment variable PROM_TOKEN is not set');
    expect(got).toEqual([]);
  });

  it('https with a caFile relative to the checklist directory', async () => {
    const ctx = await context();
    await writeFile(path.join(ctx.cwd, 'prom-ca.pem'), tls.ca);
    answer(200, { status: 'success', data: VECTOR });
    expect(await prometheusApi(conn({ url: secureUrl, caFile: 'prom-ca.pem' }), ctx).query('up')).toEqual(VECTOR);
  });
});

describe('prometheusApi: refusals and errors', () => {
  it('401/403 without a token: refused, "no token given", hint to set one (the body is not read)', async () => {
    const ctx = await context();
    const api = prometheusApi(conn(), ctx);
    for (const status of [401, 403]) {
      answer(status, '<html>sign in</html>', 'text/html');
      const e = await failure(api.query('up'));
      expect(e.message).toBe(`Prometheus at ${url}/ refused the request (HTTP ${status}, no token given)`);
      expect(e.hint).toBe('set `token: {env: PROM_TOKEN}` or `token: {var: …}` for an authenticating proxy');
    }
  });

  it('401/403 with a token: refused, the token is invalid or lacks access', async () => {
    const ctx = await context({ PROM_TOKEN: 'tok-123' });
    const api = prometheusApi(conn({ token: { env: 'PROM_TOKEN', prefix: 'Bearer ' } }), ctx);
    for (const status of [401, 403]) {
      answer(status, { status: 'error', errorType: 'unauthorized', error: 'bad token' });
      const e = await failure(api.get('/api/v1/rules'));
      expect(e.message).toBe(`Prometheus at ${url}/ refused the request (HTTP ${status})`);
      expect(e.hint).toBe('the token is invalid or lacks read access');
    }
  });

  it('400 bad_data: quotes Prometheus, names the path without its query, hints at the PromQL', async () => {
    const ctx = await context();
    answer(400, { status: 'error', errorType: 'bad_data', error: '1:5: parse error: unclosed left parenthesis' });
    const e = await failure(prometheusApi(conn(), ctx).query('sum('));
    expect(e.message).toBe('Prometheus rejected /api/v1/query (HTTP 400, bad_data): 1:5: parse error: unclosed left parenthesis');
    expect(e.hint).toBe('fix the PromQL expression');
  });

  it('422 execution and 503 timeout: quotes Prometheus, hints at narrowing the query', async () => {
    const ctx = await context();
    const api = prometheusApi(conn(), ctx);
    answer(422, { status: 'error', errorType: 'execution', error: 'query processing would load too many samples into memory in query execution' });
    const e = await failure(api.query('x[30d]'));
    expect(e.message).toBe(
      'Prometheus rejected /api/v1/query (HTTP 422, execution): query processing would load too many samples into memory in query execution',
    );
    expect(e.hint).toBe('see the message from Prometheus above; narrow the query or raise its limits');
    answer(503, { status: 'error', errorType: 'timeout', error: 'query timed out in query execution' });
    const t = await failure(api.get('/api/v1/query?query=x'));
    expect(t.message).toBe('Prometheus rejected /api/v1/query (HTTP 503, timeout): query timed out in query execution');
    expect(t.hint).toBe('see the message from Prometheus above; narrow the query or raise its limits');
  });

  it('status "error" is an error even with HTTP 200', async () => {
    const ctx = await context();
    answer(200, { status: 'error', errorType: 'bad_data', error: 'invalid parameter "query"' });
    const e = await failure(prometheusApi(conn(), ctx).query(''));
    expect(e.message).toBe('Prometheus rejected /api/v1/query (HTTP 200, bad_data): invalid parameter "query"');
  });

  it('HTTP 400 and up with JSON that is not Prometheus\' (a proxy): "error" and the body\'s first 200 characters', async () => {
    const ctx = await context();
    const api = prometheusApi(conn(), ctx);
    const body = JSON.stringify({ message: 'x'.repeat(300) });
    answer(400, body);
    const e = await failure(api.query('up'));
    expect(e.message).toBe(`Prometheus rejected /api/v1/query (HTTP 400, error): ${body.slice(0, 200)}`);
    expect(e.hint).toBe('see the message from Prometheus above; narrow the query or raise its limits');
    answer(502, { status: 'success', data: VECTOR });
    const s = await failure(api.query('up'));
    expect(s.message).toBe(`Prometheus rejected /api/v1/query (HTTP 502, error): {"status":"success","data":${JSON.stringify(VECTOR)}}`);
  });

  it('a body that is not JSON: the client\'s error, naming Prometheus', async () => {
    const ctx = await context();
    answer(503, 'upstream connect error', 'text/plain');
    const e = await failure(prometheusApi(conn(), ctx).query('up'));
    expect(e.message).toBe(`Prometheus at ${url}/api/v1/query?query=up answered HTTP 503 with a body that is not JSON (text/plain): "upstream connect error"`);
  });

  it('a success without data.resultType: the URL is not the Prometheus API', async () => {
    const ctx = await context();
    const api = prometheusApi(conn({ url: `${url}/prom` }), ctx);
    for (const data of [undefined, null, {}, { resultType: 1, result: [] }]) {
      answer(200, { status: 'success', data });
      const e = await failure(api.query('up'));
      expect(e.message).toBe(`Prometheus at ${url}/prom answered without data.resultType`);
      expect(e.hint).toBe('check that the URL points at the Prometheus API');
    }
    expect(got.map((g) => g.url)).toEqual(Array(4).fill('/prom/api/v1/query?query=up'));
  });

  it('no answer within timeoutMs, and a cancel through ctx.signal', async () => {
    const ctx = await context();
    const e = await failure(prometheusApi(conn({ url: `${url}/hang`, timeoutMs: 200 }), ctx).query('up'));
    expect(e.message).toBe(`no response from Prometheus at ${url}/hang/api/v1/query?query=up within 200ms`);
    const pending = prometheusApi(conn({ url: `${url}/hang` }), ctx).query('up');
    ctx.abort();
    const c = await failure(pending);
    expect(c.message).toBe(`request to Prometheus at ${url}/hang/api/v1/query?query=up was cancelled`);
  });
});
