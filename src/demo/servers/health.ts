/**
 * Loopback health endpoints for tests and the demo: each path answers with a configurable status and latency;
 * `hang: true` accepts the request and never answers (the dead endpoint a health check must not hang on).
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface HealthEndpoint {
  /** path including leading slash, e.g. "/healthz" */
  path: string;
  /** HTTP status to answer with (default 200) */
  status?: number;
  /** delay before answering, ms (default 0) */
  latencyMs?: number;
  /** extra random delay 0..jitterMs, ms */
  jitterMs?: number;
  /** response body (default a small JSON status document) */
  body?: string;
  /** accept the request but never answer */
  hang?: boolean;
  /** answer only when this header carries this value, else 401 (e.g. {authorization: "Bearer x"}) */
  requireHeader?: { name: string; value: string };
}

export interface HealthServer {
  /** base URL, e.g. http://127.0.0.1:40123 (https:// when started with tls) */
  url: string;
  port: number;
  /** number of requests received per path */
  hits: Map<string, number>;
  /** replace or add an endpoint while running (the demo flips a scenario) */
  setEndpoint(ep: HealthEndpoint): void;
  close(): Promise<void>;
}

export async function startHealthServer(
  endpoints: HealthEndpoint[],
  opts: { port?: number; host?: string; tls?: { cert: string; key: string } } = {},
): Promise<HealthServer> {
  const table = new Map(endpoints.map((e) => [e.path, e]));
  const hits = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const handler: http.RequestListener = (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const ep = table.get(path);
    if (!ep) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'not found', path }));
      return;
    }
    if (ep.hang) return; // keep the socket open, never answer
    if (ep.requireHeader) {
      const got = req.headers[ep.requireHeader.name.toLowerCase()];
      if (got !== ep.requireHeader.value) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'unauthorized' }));
        return;
      }
    }
    const delay = (ep.latencyMs ?? 0) + (ep.jitterMs ? Math.random() * ep.jitterMs : 0);
    const answer = () => {
      const status = ep.status ?? 200;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(ep.body ?? JSON.stringify({ status: status < 400 ? 'ok' : 'unhealthy', path }));
    };
    if (delay <= 0) return answer();
    const t = setTimeout(() => {
      timers.delete(t);
      answer();
    }, delay);
    timers.add(t);
  };
  const server = opts.tls ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, handler) : http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    hits,
    setEndpoint(ep) {
      table.set(ep.path, ep);
    },
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
