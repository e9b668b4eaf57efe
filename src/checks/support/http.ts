/**
 * support/http.ts — the one HTTP client of the check kinds (vault.*, http.health, grafana.*, prometheus.* …).
 *
 *   const res = await httpRequest(url, {
 *     signal: ctx.signal,            // cancel/timeout of the check: the request is aborted with it
 *     timeoutMs: 10_000,             // this request's own deadline (default 10 s)
 *     headers: { 'X-Vault-Token': token },
 *     tls: { caFile, insecure },     // from the params below (httpTlsParams); caFile is ADDED to the system roots
 *     cwd: ctx.cwd,                  // relative caFile paths resolve against it
 *     emit: ctx.emit,                // only used to warn loudly when TLS verification is off
 *     service: 'Vault',              // names the thing in error messages ("Vault at https://… refused …")
 *   });
 *   res.status; res.headers['content-type']; res.body; res.json(); res.durationMs;
 *
 * Rules it keeps:
 * - An HTTP status is never an exception: 4xx/5xx come back as responses and the kind decides what they mean.
 * - Everything that means "could not ask" throws a CheckError (→ status `error`) whose message names the URL
 *   (user-info and token-like query parameters masked, see safeUrl) and whose hint says what to do: bad URL, DNS,
 *   connection refused/reset, host unreachable, TLS verification failures, plain-http vs https mismatch, timeout,
 *   cancel, a body larger than maxBytes, a body that is not the JSON the caller expected (res.json()).
 * - Timeout = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]): whichever comes first aborts the request
 *   and the body read; the error tells a timeout ("no response within 10 s") from a cancel.
 * - Redirects are not followed unless maxRedirects > 0; headers given by the caller (tokens!) are dropped when a
 *   redirect leaves the origin.
 * - Nothing is printed except the TLS warning; request headers are never echoed anywhere.
 * - One fresh connection per request (no keep-alive pool): a latency sample includes the connect, as a probe's does.
 * - HTTP(S)_PROXY variables are not used: checks talk to the address they are given (port-forward or VPN).
 *
 * Built on node:http/node:https rather than the global fetch: Node 20's fetch cannot take a per-request CA or
 * `rejectUnauthorized: false` without the separate undici package, and both are needed here.
 */
// node:http/https/tls load on the first request (they cost ~20 ms of start-up that `validate` and the TUI don't need)
import type http from 'node:http';
import type https from 'node:https';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { CheckError } from '../contract.js';
import { formatDuration } from '../../checklist/duration.js';

export interface HttpTlsOptions {
  /** PEM file with the CA(s) that signed the server's certificate; added to the system roots */
  caFile?: string;
  /** skip certificate verification (a loud warning is emitted every time) */
  insecure?: boolean;
}

export interface HttpRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** the check's signal (ctx.signal) */
  signal?: AbortSignal;
  /** default 10 000 ms */
  timeoutMs?: number;
  tls?: HttpTlsOptions;
  /** base directory for a relative caFile */
  cwd?: string;
  /** where the insecure-TLS warning goes (ctx.emit) */
  emit?: (line: string, stream?: 'stdout' | 'stderr' | 'info') => void;
  /** the service's name for messages, e.g. "Vault", "Grafana" (default "server") */
  service?: string;
  /** refuse bodies larger than this (default 20 MiB) */
  maxBytes?: number;
  /** follow up to this many redirects (default 0: a 3xx is returned as is) */
  maxRedirects?: number;
}

export interface HttpResponse {
  /** final URL (after redirects) */
  url: string;
  status: number;
  statusText: string;
  /** lower-case names; repeated headers joined with ", " */
  headers: Record<string, string>;
  body: string;
  /** time to the full body, ms */
  durationMs: number;
  /** URLs redirected through, in order */
  redirects: string[];
  /** parse the body; throws a CheckError naming the URL and the content type when it is not JSON */
  json<T = unknown>(): T;
}

/** zod fields every HTTP-speaking kind can spread into its params: `z.object({ ...httpTlsParams, … })` */
export const httpTlsParams = {
  caFile: z
    .string()
    .optional()
    .describe('PEM file of the CA that signed the server certificate (added to the system roots); relative to the checklist'),
  insecure: z
    .boolean()
    .default(false)
    .describe('skip TLS certificate verification — reported as a warning on every run; prefer caFile'),
};

const SENSITIVE_QUERY = /^(token|access_token|api[_-]?key|apikey|key|password|passwd|secret|sig|signature|auth|x-vault-token)$/i;

/** the URL with user-info removed and token-like query parameters masked: safe for messages and describe() */
export function safeUrl(url: string | URL): string {
  let u: URL;
  try {
    u = new URL(String(url));
  } catch {
    return String(url);
  }
  if (u.username || u.password) {
    u.username = '';
    u.password = '';
  }
  for (const key of [...u.searchParams.keys()]) {
    if (SENSITIVE_QUERY.test(key)) u.searchParams.set(key, '***');
  }
  return u.toString();
}

/** join a base address and a path without doubling or losing slashes: joinUrl('http://h:8200/', '/v1/x') */
export function joinUrl(base: string, pathname: string): string {
  return base.replace(/\/+$/, '') + '/' + pathname.replace(/^\/+/, '');
}

const caCache = new Map<string, string>();

async function loadCa(caFile: string, cwd: string | undefined, service: string): Promise<string[]> {
  const file = path.resolve(cwd ?? process.cwd(), caFile);
  let pem = caCache.get(file);
  if (pem === undefined) {
    try {
      pem = await readFile(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new CheckError(
        `cannot read the CA file ${file} for ${service} (${code})`,
        'fix caFile: it must be a readable PEM file with the CA certificate(s) that signed the server certificate',
      );
    }
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
      throw new CheckError(
        `the CA file ${file} for ${service} holds no PEM certificate`,
        'caFile must contain "-----BEGIN CERTIFICATE-----" blocks (PEM), not DER or a key',
      );
    }
    caCache.set(file, pem);
  }
  const tls = await import('node:tls');
  return [...tls.rootCertificates, pem];
}

const TLS_VERIFY_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/** a request that got no answer within its own timeoutMs (not a cancel, not a refused connection) */
export class RequestTimeoutError extends CheckError {}

/** turn a low-level request failure into a CheckError that says where and what to do */
export function networkError(err: unknown, url: string, service: string, timedOut: boolean, timeoutMs: number): CheckError {
  const where = `${service} at ${safeUrl(url)}`;
  if (timedOut) {
    return new RequestTimeoutError(
      `no response from ${where} within ${formatDuration(timeoutMs)}`,
      'check that the address is right and reachable from this machine (VPN, firewall, port-forward), or raise `timeout`',
    );
  }
  const e = err as NodeJS.ErrnoException & { reason?: string };
  if (e?.name === 'AbortError' || e?.code === 'ABORT_ERR') {
    return new CheckError(`request to ${where} was cancelled`, 're-run the item when ready');
  }
  const code = e?.code ?? '';
  const msg = e?.message ?? String(err);
  switch (code) {
    case 'ECONNREFUSED':
      return new CheckError(
        `connection refused by ${where}`,
        'nothing listens there: check the address and port, and that the service (or your port-forward) is running',
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new CheckError(
        `cannot resolve the host of ${where} (${code})`,
        'check the host name for typos and that this machine uses the right DNS (VPN connected?)',
      );
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return new CheckError(
        `${where} closed the connection (${code})`,
        'the server or a proxy in between dropped the request: check that the scheme (http/https) and port are right',
      );
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ETIMEDOUT':
      return new CheckError(
        `${where} is unreachable (${code})`,
        'check the network path from this machine (VPN, firewall, security groups)',
      );
    case 'CERT_HAS_EXPIRED':
      return new CheckError(
        `the TLS certificate of ${where} has expired`,
        'renew the server certificate; `insecure: true` would hide this and is not recommended',
      );
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return new CheckError(
        `the TLS certificate of ${where} does not match its host name (${msg})`,
        'use the host name the certificate was issued for, or fix the certificate',
      );
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'EPROTO':
      return new CheckError(
        `TLS handshake with ${where} failed (${code})`,
        'the server probably speaks plain http: use an http:// address, or check the port',
      );
    case 'HPE_INVALID_CONSTANT':
    case 'HPE_INVALID_HEADER_TOKEN':
    case 'HPE_INVALID_STATUS':
      return new CheckError(
        `${where} did not answer with HTTP (${code})`,
        'the port speaks another protocol — perhaps it expects https://, or it is not the service you meant',
      );
  }
  if (TLS_VERIFY_CODES.has(code)) {
    return new CheckError(
      `cannot verify the TLS certificate of ${where} (${code})`,
      'set `caFile` to the PEM of the CA that signed it (or `insecure: true` for a throw-away environment — not recommended)',
    );
  }
  return new CheckError(`request to ${where} failed: ${msg}${code ? ` (${code})` : ''}`, 'check the address and the network path');
}

interface RawResult {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: Buffer;
}

interface HttpLibs {
  http: typeof http;
  https: typeof https;
}
let httpLibs: Promise<HttpLibs> | undefined;
function loadHttpLibs(): Promise<HttpLibs> {
  return (httpLibs ??= Promise.all([import('node:http'), import('node:https')]).then(([h, s]) => ({ http: h.default, https: s.default })));
}

function once(
  { http, https }: HttpLibs,
  url: URL,
  o: HttpRequestOptions,
  ca: string[] | undefined,
  signal: AbortSignal,
  maxBytes: number,
  service: string,
): Promise<RawResult> {
  return new Promise<RawResult>((resolve, reject) => {
    const isHttps = url.protocol === 'https:';
    const headers: Record<string, string> = { 'user-agent': 'readiness-tui', accept: 'application/json, */*;q=0.5', ...o.headers };
    if (o.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) {
      headers['content-length'] = String(Buffer.byteLength(o.body));
    }
    const common: http.RequestOptions = {
      method: o.method ?? 'GET',
      headers,
      // user-info in the URL becomes basic auth (Node does this only when auth is given explicitly)
      auth: url.username || url.password ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined,
      agent: false,
    };
    const onAbort = (): void => {
      req.destroy(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    };
    const req = isHttps
      ? https.request(url, { ...common, ca, rejectUnauthorized: !o.tls?.insecure, servername: url.hostname })
      : http.request(url, common);
    if (signal.aborted) {
      queueMicrotask(onAbort);
    } else {
      signal.addEventListener('abort', onAbort, { once: true });
    }
    const done = (): void => signal.removeEventListener('abort', onAbort);
    req.on('error', (err) => {
      done();
      reject(err);
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) {
          done();
          req.destroy();
          reject(
            new CheckError(
              `the response of ${service} at ${safeUrl(url)} is larger than ${Math.round(maxBytes / 1048576)} MiB`,
              'narrow the query or raise maxBytes',
            ),
          );
          return;
        }
        chunks.push(c);
      });
      res.on('error', (err) => {
        done();
        reject(err);
      });
      res.on('end', () => {
        done();
        const h: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) {
          if (v !== undefined) h[k] = Array.isArray(v) ? v.join(', ') : v;
        }
        resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: h, body: Buffer.concat(chunks) });
      });
    });
    if (o.body !== undefined) req.write(o.body);
    req.end();
  });
}

/** one HTTP request with the rules above; resolves for every HTTP status, throws CheckError when it could not ask */
export async function httpRequest(url: string, o: HttpRequestOptions = {}): Promise<HttpResponse> {
  const service = o.service ?? 'server';
  const timeoutMs = o.timeoutMs ?? 10_000;
  const maxBytes = o.maxBytes ?? 20 * 1024 * 1024;
  let current: URL;
  try {
    current = new URL(url);
  } catch {
    throw new CheckError(`"${safeUrl(url)}" is not a valid URL for ${service}`, 'write it as http(s)://host[:port][/path]');
  }
  if (current.protocol !== 'http:' && current.protocol !== 'https:') {
    throw new CheckError(`${service} address ${safeUrl(url)} must use http:// or https://`, 'fix the scheme of the address');
  }
  if (o.tls?.insecure && current.protocol === 'https:') {
    o.emit?.(`WARNING: TLS certificate verification is OFF for ${safeUrl(current)} (insecure: true) — the answer could come from anyone`, 'stderr');
  }
  const ca = o.tls?.caFile ? await loadCa(o.tls.caFile, o.cwd, service) : undefined;
  const libs = await loadHttpLibs();
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
  const started = performance.now();
  const redirects: string[] = [];
  let opts = o;
  for (;;) {
    let raw: RawResult;
    try {
      raw = await once(libs, current, opts, ca, signal, maxBytes, service);
    } catch (err) {
      if (err instanceof CheckError) throw err;
      const timedOut = timeout.aborted && !(o.signal?.aborted ?? false);
      throw networkError(err, current.toString(), service, timedOut, timeoutMs);
    }
    const location = raw.headers['location'];
    if (raw.status >= 300 && raw.status < 400 && location && redirects.length < (o.maxRedirects ?? 0)) {
      const next = new URL(location, current);
      redirects.push(safeUrl(current));
      if (next.origin !== current.origin) opts = { ...opts, headers: {} };
      if (raw.status === 303 || ((raw.status === 301 || raw.status === 302) && opts.method && opts.method !== 'GET')) {
        opts = { ...opts, method: 'GET', body: undefined };
      }
      current = next;
      continue;
    }
    const body = raw.body.toString('utf8');
    const finalUrl = current.toString();
    return {
      url: safeUrl(finalUrl),
      status: raw.status,
      statusText: raw.statusText,
      headers: raw.headers,
      body,
      durationMs: Math.round(performance.now() - started),
      redirects,
      json<T = unknown>(): T {
        try {
          return JSON.parse(body) as T;
        } catch {
          const type = raw.headers['content-type'] ?? 'no content type';
          const head = body.slice(0, 80).replace(/\s+/g, ' ');
          throw new CheckError(
            `${service} at ${safeUrl(finalUrl)} answered HTTP ${raw.status} with a body that is not JSON (${type}): "${head}${body.length > 80 ? '…' : ''}"`,
            'check that the address points at the API itself, not at a login page or a proxy',
          );
        }
      },
    };
  }
}
