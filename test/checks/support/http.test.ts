import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { httpRequest, joinUrl, safeUrl } from '../../../src/checks/support/http.js';
import { CheckError } from '../../../src/checks/contract.js';
import { generateTls } from '../../../src/demo/servers/kube-api.js';
import { failure } from '../../support/check-context-basic.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const routes: Record<string, Handler> = {
  '/json': (_q, s) => {
    s.writeHead(200, { 'content-type': 'application/json' });
    s.end('{"ok":true}');
  },
  '/html': (_q, s) => {
    s.writeHead(200, { 'content-type': 'text/html' });
    s.end('<html>login</html>');
  },
  '/echo-headers': (q, s) => {
    s.writeHead(200, { 'content-type': 'application/json' });
    s.end(JSON.stringify({ token: q.headers['x-token'] ?? null, method: q.method }));
  },
  '/teapot': (_q, s) => {
    s.writeHead(418);
    s.end('short and stout');
  },
  '/hang': () => {
    /* never answers */
  },
  '/big': (_q, s) => {
    s.writeHead(200);
    s.end(Buffer.alloc(64 * 1024, 'x'));
  },
};

let plain: http.Server;
let other: http.Server;
let secure: https.Server;
let plainUrl: string;
let otherUrl: string;
let secureUrl: string;
let dir: string;
let caFile: string;

function listen(s: net.Server): Promise<string> {
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(String((s.address() as net.AddressInfo).port))));
}

beforeAll(async () => {
  const handler: Handler = (q, s) => {
    const p = new URL(q.url ?? '/', 'http://x').pathname;
    if (p === '/redirect-same') {
      s.writeHead(302, { location: '/echo-headers' });
      s.end();
      return;
    }
    if (p === '/redirect-away') {
      s.writeHead(302, { location: `${otherUrl}/echo-headers` });
      s.end();
      return;
    }
    (routes[p] ?? ((_r, w) => (w.writeHead(404), w.end())))(q, s);
  };
  plain = http.createServer(handler);
  other = http.createServer(handler);
  const tls = generateTls();
  secure = https.createServer({ key: tls.key, cert: tls.cert }, handler);
  plainUrl = `http://127.0.0.1:${await listen(plain)}`;
  otherUrl = `http://localhost:${await listen(other)}`;
  secureUrl = `https://127.0.0.1:${await listen(secure)}`;
  dir = await mkdtemp(path.join(os.tmpdir(), 'rt-http-'));
  caFile = path.join(dir, 'ca.pem');
  await writeFile(caFile, tls.ca);
});

afterAll(async () => {
  for (const s of [plain, other, secure]) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  await rm(dir, { recursive: true, force: true });
});

describe('httpRequest', () => {
  it('returns every HTTP status as a response, with body, headers and timing', async () => {
    const ok = await httpRequest(`${plainUrl}/json`);
    expect(ok.status).toBe(200);
    expect(ok.json()).toEqual({ ok: true });
    expect(ok.headers['content-type']).toBe('application/json');
    expect(ok.durationMs).toBeGreaterThanOrEqual(0);
    const tea = await httpRequest(`${plainUrl}/teapot`);
    expect(tea.status).toBe(418);
    expect(tea.body).toBe('short and stout');
  });

  it('json() on a non-JSON body → CheckError naming the URL and the content type', async () => {
    const res = await httpRequest(`${plainUrl}/html`, { service: 'Grafana' });
    const e = await failure(Promise.resolve().then(() => res.json()));
    expect(e.message).toMatch(/Grafana at http:\/\/127\.0\.0\.1:\d+\/html answered HTTP 200 with a body that is not JSON \(text\/html\)/);
    expect(e.hint).toMatch(/login page/);
  });

  it('timeout → "no response … within", distinct from cancel', async () => {
    const e = await failure(httpRequest(`${plainUrl}/hang`, { timeoutMs: 300, service: 'Vault' }));
    expect(e.message).toMatch(/^no response from Vault at http:\/\/127\.0\.0\.1:\d+\/hang within 300ms$/);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const c = await failure(httpRequest(`${plainUrl}/hang`, { signal: ac.signal, timeoutMs: 10_000 }));
    expect(c.message).toMatch(/was cancelled/);
  });

  it('connection refused → CheckError with a what-to-do hint', async () => {
    const s = net.createServer();
    const port = await listen(s);
    await new Promise((r) => s.close(r));
    const e = await failure(httpRequest(`http://127.0.0.1:${port}/x`, { service: 'Prometheus' }));
    expect(e.message).toBe(`connection refused by Prometheus at http://127.0.0.1:${port}/x`);
    expect(e.hint).toMatch(/port/);
  });

  it('bad URL and bad scheme are errors that say what to write', async () => {
    expect((await failure(httpRequest('not a url'))).hint).toMatch(/http\(s\):\/\/host/);
    expect((await failure(httpRequest('ftp://127.0.0.1/x'))).message).toMatch(/must use http:\/\/ or https:\/\//);
  });

  it('https with an unknown CA → error suggesting caFile; with caFile → verified; insecure → loud warning', async () => {
    const e = await failure(httpRequest(`${secureUrl}/json`));
    expect(e.message).toMatch(/cannot verify the TLS certificate/);
    expect(e.hint).toMatch(/caFile/);

    const ok = await httpRequest(`${secureUrl}/json`, { tls: { caFile: 'ca.pem' }, cwd: dir });
    expect(ok.json()).toEqual({ ok: true });

    const lines: string[] = [];
    const insecure = await httpRequest(`${secureUrl}/json`, { tls: { insecure: true }, emit: (l) => lines.push(l) });
    expect(insecure.status).toBe(200);
    expect(lines).toEqual([expect.stringMatching(/^WARNING: TLS certificate verification is OFF for https:\/\/127\.0\.0\.1/)]);
  });

  it('a missing or non-PEM caFile is an error naming the file', async () => {
    expect((await failure(httpRequest(`${secureUrl}/json`, { tls: { caFile: path.join(dir, 'nope.pem') } }))).message).toMatch(/cannot read the CA file .*nope\.pem/);
    const junk = path.join(dir, 'junk.pem');
    await writeFile(junk, 'hello');
    expect((await failure(httpRequest(`${secureUrl}/json`, { tls: { caFile: junk } }))).message).toMatch(/holds no PEM certificate/);
  });

  it('https:// to a plain-http port → hint that the server speaks plain http', async () => {
    const e = await failure(httpRequest(plainUrl.replace('http:', 'https:') + '/json'));
    expect(e.hint).toMatch(/plain http|scheme/);
  });

  it('redirects: returned as is by default; followed with maxRedirects; caller headers dropped across origins', async () => {
    const raw = await httpRequest(`${plainUrl}/redirect-same`);
    expect(raw.status).toBe(302);
    const same = await httpRequest(`${plainUrl}/redirect-same`, { maxRedirects: 3, headers: { 'x-token': 'abc' } });
    expect(same.json()).toEqual({ token: 'abc', method: 'GET' });
    expect(same.redirects).toHaveLength(1);
    const away = await httpRequest(`${plainUrl}/redirect-away`, { maxRedirects: 3, headers: { 'x-token': 'abc' } });
    expect(away.status).toBe(200);
    expect(away.json()).toEqual({ token: null, method: 'GET' });
  });

  it('a body larger than maxBytes → error', async () => {
    const e = await failure(httpRequest(`${plainUrl}/big`, { maxBytes: 1024 }));
    expect(e.message).toMatch(/larger than/);
  });

  it('safeUrl masks user-info and token-like query parameters; joinUrl joins cleanly', () => {
    expect(safeUrl('https://user:pw@vault.example.com:8200/v1/x?token=abc&list=true')).toBe(
      'https://vault.example.com:8200/v1/x?token=***&list=true',
    );
    expect(joinUrl('http://h:8200/', '/v1/sys/health')).toBe('http://h:8200/v1/sys/health');
    expect(joinUrl('http://h:8200/prefix', 'v1/x')).toBe('http://h:8200/prefix/v1/x');
  });
});
