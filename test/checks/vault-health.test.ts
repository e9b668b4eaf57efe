import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { HEALTH_STATUS, skewText, vaultHealth } from '../../src/checks/vault-health.js';
import { CheckError } from '../../src/checks/contract.js';
import { generateTls } from '../../src/demo/servers/kube-api.js';
import { startVaultApiServer, type VaultApiServer, type VaultHealthState } from '../../src/demo/servers/vault-api.js';
import { basicContext, runKind, type BasicContext } from '../support/check-context-basic.js';
import { fixturesDir } from '../support/fixtures.js';

const sample = JSON.parse(
  readFileSync(path.join(fixturesDir, 'secrets/openbao-docs-sys-health-sample.json'), 'utf8'),
) as Record<string, unknown>;
// built at run time: no credential-shaped literal in the repository
const TOKEN = ['hvs', 'loopback', String(process.pid), 'x9'].join('.');

let server: VaultApiServer | undefined;
const contexts: BasicContext[] = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const c of contexts.splice(0)) await c.dispose();
});

async function context(env: NodeJS.ProcessEnv = {}, vars: Record<string, string> = {}, secretVars: string[] = []): Promise<BasicContext> {
  const ctx = await basicContext({ env, vars, secretVars });
  contexts.push(ctx);
  return ctx;
}

async function rejected(p: Promise<unknown>): Promise<CheckError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CheckError);
  return e as CheckError;
}

describe('vault.health against the loopback Vault API (OpenBao sample body)', () => {
  it('200 active → healthy, fields from the body, no query string sent', async () => {
    server = await startVaultApiServer({ healthBody: sample });
    const out = await runKind(vaultHealth, { address: server.url }, await context());
    const r = out.result as Record<string, unknown>;
    expect(r).toMatchObject({
      status: 200,
      state: 'active',
      healthy: true,
      initialized: true,
      sealed: false,
      standby: false,
      version: '1.14.8',
      clusterName: 'openbao-cluster-6fc973c2',
      token: 'not checked',
    });
    expect(out.summary).toMatch(/openbao-cluster-6fc973c2 1\.14\.8 .* is initialised, unsealed and active \(HTTP 200\)/);
    expect(server.requests).toEqual([{ method: 'GET', path: '/v1/sys/health', hadToken: false, status: 200 }]);
  });

  it('warns when Vault\'s clock is off by more than maxClockSkewSeconds (default 60 s), without failing', async () => {
    // the server's clock 90,353,683 s (2.9 years) behind this machine's, as the outside review met it
    server = await startVaultApiServer({ healthBody: sample, clockOffsetSeconds: -90_353_683 });
    const ctx = await context();
    const out = await runKind(vaultHealth, { address: server.url }, ctx);
    const r = out.result as { healthy: boolean; clockSkewSeconds: number; clockSkewExceeded: boolean };
    expect(r).toMatchObject({ healthy: true, clockSkewExceeded: true });
    expect(Math.abs(r.clockSkewSeconds + 90_353_683)).toBeLessThanOrEqual(1); // whole seconds on both sides
    expect(out.summary).toMatch(/; WARNING: Vault's clock is 2\.9 years behind this machine's \(clockSkewSeconds -9035368\d, more than 60 s\)/);
    expect(ctx.lines.some((l) => l.stream === 'stderr' && l.line.startsWith("WARNING: Vault's clock is 2.9 years behind"))).toBe(true);
    // a warning, not a fail: the default expectation holds; a checklist can fail on it
    const jsonata = (await import('jsonata')).default;
    expect(await jsonata(vaultHealth.defaultExpect).evaluate(out.result)).toBe(true);
    expect(await jsonata('healthy and clockSkewExceeded = false').evaluate(out.result)).toBe(false);
    await server.close();
    // 30 s apart: within the default; a stricter threshold of 10 s warns
    server = await startVaultApiServer({ healthBody: sample, clockOffsetSeconds: 30 });
    const near = await runKind(vaultHealth, { address: server.url }, await context());
    expect(near.result).toMatchObject({ clockSkewExceeded: false });
    expect(near.summary).not.toMatch(/WARNING/);
    const strict = await runKind(vaultHealth, { address: server.url, maxClockSkewSeconds: 10 }, await context());
    expect(strict.summary).toMatch(/WARNING: Vault's clock is (29|30|31) s ahead of this machine's/);
    expect([skewText(90), skewText(-3600 * 5), skewText(86400 * 3)]).toEqual(['1.5 min', '5 h', '3 days']);
  });

  const unhealthy: [VaultHealthState, number, RegExp][] = [
    ['dr-secondary', 472, /disaster-recovery secondary/],
    ['performance-standby', 473, /performance standby/],
    ['standby-unhealthy', 474, /cannot reach the active node/],
    ['uninitialized', 501, /is not initialised \(HTTP 501\) — initialise it/],
    ['sealed', 503, /is sealed \(HTTP 503\) — unseal it/],
    ['removed', 530, /removed from the cluster/],
  ];
  for (const [state, status, message] of unhealthy) {
    it(`${status} ${state} → not healthy, named in the summary`, async () => {
      server = await startVaultApiServer({ state, healthBody: sample });
      const out = await runKind(vaultHealth, { address: server.url }, await context());
      expect(out.result).toMatchObject({ status, state, healthy: false });
      expect(out.summary).toMatch(message);
      expect(out.offending).toEqual([expect.objectContaining({ status, state })]);
      expect(out.measured).toBe(`HTTP ${status} ${state}`);
    });
  }

  it('429 standby is healthy; sealed body fields follow the state', async () => {
    server = await startVaultApiServer({ state: 'standby', healthBody: sample });
    const out = await runKind(vaultHealth, { address: server.url }, await context());
    expect(out.result).toMatchObject({ status: 429, state: 'standby', healthy: true, standby: true });
  });

  it('standbyOk sends ?standbyok=true and a standby then answers 200; acceptStatuses widens the healthy set', async () => {
    server = await startVaultApiServer({ state: 'standby' });
    const out = await runKind(vaultHealth, { address: server.url, standbyOk: true }, await context());
    expect(out.result).toMatchObject({ status: 200, healthy: true });
    expect(vaultHealth.describe(vaultHealth.params.parse({ address: server.url, standbyOk: true }), {})).toContain(
      '/v1/sys/health?standbyok=true&perfstandbyok=true',
    );
    await server.close();
    server = await startVaultApiServer({ state: 'performance-standby' });
    const out2 = await runKind(vaultHealth, { address: server.url, acceptStatuses: [200, 429, 473] }, await context());
    expect(out2.result).toMatchObject({ status: 473, healthy: true });
  });

  it('a token from a secret variable is verified with lookup-self and never appears anywhere', async () => {
    server = await startVaultApiServer({ token: TOKEN, tokenInfo: { ttl: 7200, policies: ['default', 'detektor-read'] } });
    const c = await context({}, { vaultToken: TOKEN }, ['vaultToken']);
    const out = await runKind(vaultHealth, { address: server.url, token: { var: 'vaultToken' } }, c);
    expect(out.result).toMatchObject({ token: 'valid', tokenTtlSeconds: 7200, tokenPolicies: ['default', 'detektor-read'] });
    expect(server.requests.map((r) => [r.path, r.hadToken])).toEqual([
      ['/v1/sys/health', false],
      ['/v1/auth/token/lookup-self', true],
    ]);
    const all = JSON.stringify(out) + c.everything() + vaultHealth.describe(vaultHealth.params.parse({ token: { var: 'vaultToken' } }), {});
    expect(all).not.toContain(TOKEN);
  });

  it('VAULT_TOKEN from the environment that Vault rejects → error with a policy hint (not fail)', async () => {
    server = await startVaultApiServer({ token: TOKEN });
    const c = await context({ VAULT_ADDR: server.url, VAULT_TOKEN: 'wrong-' + TOKEN });
    const e = await rejected(runKind(vaultHealth, {}, c));
    expect(e.message).toMatch(/Vault refused \/v1\/auth\/token\/lookup-self \(HTTP 403: permission denied\)/);
    expect(e.hint).toMatch(/policy/);
    expect(e.message + e.hint).not.toContain(TOKEN);
  });

  it('an explicit token reference that is not set → error naming the variable', async () => {
    server = await startVaultApiServer();
    const e = await rejected(runKind(vaultHealth, { address: server.url, token: { env: 'DETEKTOR_VAULT_TOKEN' } }, await context()));
    expect(e.message).toBe('Vault token: environment variable DETEKTOR_VAULT_TOKEN is not set');
  });

  it('unreachable address → error, not fail', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const e = await rejected(runKind(vaultHealth, { address: `http://127.0.0.1:${port}` }, await context()));
    expect(e.message).toMatch(/connection refused by Vault at http:\/\/127\.0\.0\.1:\d+\/v1\/sys\/health/);
    expect(e.hint).toBe('nothing listens there: check the address and port, and that the service (or your port-forward) is running');
  });

  it('no address and no VAULT_ADDR → error saying how to set one', async () => {
    const e = await rejected(runKind(vaultHealth, {}, await context()));
    expect(e.message).toMatch(/no Vault address/);
    expect(e.hint).toMatch(/VAULT_ADDR/);
  });

  it('a status Vault does not define (403 under a wrong path prefix) → error', async () => {
    server = await startVaultApiServer();
    const e = await rejected(runKind(vaultHealth, { address: `${server.url}/vault` }, await context()));
    expect(e.message).toMatch(/answered HTTP 403 on \/v1\/sys\/health .* not a health status Vault defines/);
  });

  it('a 503 page from a proxy (no health document) is an error, not "sealed"', async () => {
    const http = await import('node:http');
    const proxy = http.createServer((_q, s) => {
      s.writeHead(503, { 'content-type': 'text/html' });
      s.end('<html><body>503 Service Temporarily Unavailable</body></html>');
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (proxy.address() as net.AddressInfo).port;
      const e = await rejected(runKind(vaultHealth, { address: `http://127.0.0.1:${port}` }, await context()));
      expect(e.message).toMatch(/answered HTTP 503 without Vault's health document \(text\/html\)/);
    } finally {
      await new Promise((r) => proxy.close(r));
    }
  });

  it('https: an unknown CA is an error suggesting caFile; VAULT_CACERT (like the vault CLI) makes it verify', async () => {
    const tls = generateTls();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rt-vault-ca-'));
    try {
      writeFileSync(path.join(dir, 'ca.pem'), tls.ca);
      server = await startVaultApiServer({ tls: { key: tls.key, cert: tls.cert }, healthBody: sample });
      const e = await rejected(runKind(vaultHealth, { address: server.url }, await context()));
      expect(e.message).toMatch(/cannot verify the TLS certificate of Vault/);
      expect(e.hint).toMatch(/caFile/);
      const out = await runKind(vaultHealth, { address: server.url }, await context({ VAULT_CACERT: path.join(dir, 'ca.pem') }));
      expect(out.result).toMatchObject({ status: 200, healthy: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('healthy with a token: every line, field and text exactly (short ttl warns, no policies shows "-")', async () => {
    server = await startVaultApiServer({ token: TOKEN, healthBody: sample, tokenInfo: { ttl: 1800, policies: [] } });
    const c = await context({ VAULT_ADDR: server.url, VAULT_TOKEN: TOKEN });
    const out = await runKind(vaultHealth, {}, c);
    expect(out.result).toEqual({
      address: server.url,
      status: 200,
      state: 'active',
      healthy: true,
      initialized: true,
      sealed: false,
      standby: false,
      performanceStandby: false,
      version: '1.14.8',
      clusterName: 'openbao-cluster-6fc973c2',
      drMode: 'disabled',
      performanceMode: 'disabled',
      clockSkewSeconds: expect.any(Number),
      clockSkewExceeded: false,
      token: 'valid',
      tokenTtlSeconds: 1800,
      tokenPolicies: [],
    });
    expect(out.summary).toBe(`Vault openbao-cluster-6fc973c2 1.14.8 at ${server.url} is initialised, unsealed and active (HTTP 200); token accepted`);
    expect(out.measured).toBe('HTTP 200 active');
    expect(out.threshold).toBe('status in [200, 429]');
    expect(out.offending).toEqual([]);
    expect(c.lines[0]).toEqual({ line: `GET ${server.url}/v1/sys/health`, stream: 'info' });
    expect(c.lines[1]!.line).toMatch(/^← HTTP 200 \(active\) in \d+ ms$/);
    expect(c.lines[1]!.stream).toBe('info');
    expect(c.lines.slice(2)).toEqual([
      { line: 'GET /v1/auth/token/lookup-self (X-Vault-Token: ***)', stream: 'info' },
      { line: 'token accepted (ttl 1800 s, policies -)', stream: 'info' },
      { line: 'WARNING: the Vault token expires in 1800 s', stream: 'stderr' },
    ]);
  });

  it('token ttl: an hour or more, 0 (no expiry) or absent does not warn; policies that are not a list are []', async () => {
    const lines = async (tokenInfo: Record<string, unknown>) => {
      server = await startVaultApiServer({ token: TOKEN, tokenInfo });
      const c = await context({ VAULT_TOKEN: TOKEN });
      const out = await runKind(vaultHealth, { address: server.url }, c);
      await server.close();
      return { r: out.result as Record<string, unknown>, lines: c.lines.slice(2).map((l) => l.line) };
    };
    expect((await lines({ ttl: 3600, policies: ['default', 'ops'] })).lines).toEqual([
      'GET /v1/auth/token/lookup-self (X-Vault-Token: ***)',
      'token accepted (ttl 3600 s, policies default, ops)',
    ]);
    expect((await lines({ ttl: 0 })).lines).toEqual(['GET /v1/auth/token/lookup-self (X-Vault-Token: ***)', 'token accepted (ttl 0 s, policies default)']);
    const absent = await lines({ ttl: undefined, policies: 'root' });
    expect(absent.r).toMatchObject({ tokenTtlSeconds: null, tokenPolicies: [] });
    expect(absent.lines).toEqual(['GET /v1/auth/token/lookup-self (X-Vault-Token: ***)', 'token accepted (ttl ? s, policies -)']);
    expect((await lines({ ttl: -5 })).lines).toHaveLength(2);
    // a ttl that is not a number is unknown, not a short one
    const text = await lines({ ttl: '1800' });
    expect(text.r).toMatchObject({ tokenTtlSeconds: null });
    expect(text.lines).toHaveLength(2);
  });

  it('unhealthy states: no token lookup, body fields as sent, todo and offending exactly; a status without todo', async () => {
    server = await startVaultApiServer({ token: TOKEN, state: 'performance-standby', healthBody: sample });
    const c = await context({ VAULT_TOKEN: TOKEN });
    const perf = await runKind(vaultHealth, { address: server.url }, c);
    expect(perf.result).toMatchObject({ performanceStandby: true, standby: true, token: 'not checked' });
    expect(server.requests.map((r) => r.path)).toEqual(['/v1/sys/health']);
    expect(perf.offending).toEqual([
      { address: server.url, status: 473, state: 'performance-standby', todo: HEALTH_STATUS[473]!.todo },
    ]);
    await server.close();
    server = await startVaultApiServer({ state: 'uninitialized' });
    const un = await runKind(vaultHealth, { address: server.url }, await context());
    expect(un.result).toMatchObject({ sealed: true, initialized: false, clusterName: null, drMode: 'disabled' });
    expect(un.summary).toBe(`Vault 1.14.8 at ${server.url} is not initialised (HTTP 501) — ${HEALTH_STATUS[501]!.todo}`);
    await server.close();
    server = await startVaultApiServer({ state: 'dr-secondary' });
    expect((await runKind(vaultHealth, { address: server.url }, await context())).result).toMatchObject({ drMode: 'secondary' });
    await server.close();
    server = await startVaultApiServer({ state: 'standby', healthBody: sample });
    const strict = await runKind(vaultHealth, { address: server.url, acceptStatuses: [200] }, await context());
    expect(strict.summary).toBe(`Vault openbao-cluster-6fc973c2 1.14.8 at ${server.url} is ${HEALTH_STATUS[429]!.meaning} (HTTP 429)`);
    expect(strict.threshold).toBe('status in [200]');
    expect(strict.offending).toEqual([{ address: server.url, status: 429, state: 'standby', todo: '' }]);
    // with standbyOk the address still drops the query string
    const ok = await runKind(vaultHealth, { address: server.url, standbyOk: true }, await context());
    expect(ok.result).toMatchObject({ address: server.url, status: 200 });
    // checkToken: false → no lookup
    await server.close();
    server = await startVaultApiServer({ token: TOKEN });
    const skip = await runKind(vaultHealth, { address: server.url, checkToken: false }, await context({ VAULT_TOKEN: TOKEN }));
    expect(skip.result).toMatchObject({ token: 'not checked' });
    expect(server.requests.map((r) => r.path)).toEqual(['/v1/sys/health']);
  });

  describe('a raw server (what Vault or something else might answer)', () => {
    let raw: import('node:http').Server | undefined;
    afterEach(async () => {
      await new Promise((r) => (raw ? raw.close(r) : r(undefined)));
      raw = undefined;
    });
    /** answers sys/health and lookup-self as given: [status, body text, content-type or none] */
    async function rawVault(health: [number, string, string?], lookup: [number, string] = [200, '{"data":{}}']): Promise<string> {
      const http = await import('node:http');
      raw = http.createServer((q, s) => {
        const [status, body, type] = q.url!.startsWith('/v1/sys/health') ? health : [...lookup, 'application/json'];
        s.writeHead(status, type ? { 'content-type': type } : {});
        s.end(body);
      });
      await new Promise<void>((r) => raw!.listen(0, '127.0.0.1', () => r()));
      return `http://127.0.0.1:${(raw.address() as net.AddressInfo).port}`;
    }
    const json = (o: unknown) => JSON.stringify(o);

    it('a minimal health document: absent fields are null, no clock → no skew, a name-less summary', async () => {
      const url = await rawVault([503, json({ sealed: true, server_time_utc: 'yesterday' }), 'application/json']);
      const out = await runKind(vaultHealth, { address: url }, await context());
      expect(out.result).toEqual({
        address: url,
        status: 503,
        state: 'sealed',
        healthy: false,
        initialized: null,
        sealed: true,
        standby: null,
        performanceStandby: null,
        version: null,
        clusterName: null,
        drMode: null,
        performanceMode: null,
        clockSkewSeconds: null,
        clockSkewExceeded: null,
        token: 'not checked',
      });
      expect(out.summary).toBe(`Vault at ${url} is sealed (HTTP 503) — ${HEALTH_STATUS[503]!.todo}`);
    });

    it('the skew limit is inclusive: exactly maxClockSkewSeconds apart does not warn', async () => {
      // the body is made at answer time: 30.4 s ahead rounds to 30 s for any delay under 0.9 s
      const http = await import('node:http');
      raw = http.createServer((_q, s) => {
        s.writeHead(200, { 'content-type': 'application/json' });
        s.end(json({ sealed: false, server_time_utc: Date.now() / 1000 + 30.4 }));
      });
      await new Promise<void>((r) => raw!.listen(0, '127.0.0.1', () => r()));
      const url = `http://127.0.0.1:${(raw.address() as net.AddressInfo).port}`;
      const out = await runKind(vaultHealth, { address: url, maxClockSkewSeconds: 30 }, await context());
      expect(out.result).toMatchObject({ clockSkewSeconds: 30, clockSkewExceeded: false });
      expect(out.summary).toBe(`Vault at ${url} is initialised, unsealed and active (HTTP 200)`);
    });

    it('404 on sys/health → the wrong-address hint; other undefined statuses → the proxy hint', async () => {
      const c = await context();
      const e = await rejected(runKind(vaultHealth, { address: await rawVault([404, '{}', 'application/json']) }, c));
      expect(e.hint).toBe('the address does not point at the Vault API (missing :8200? a path prefix?)');
      // a status Vault does not define has no state name in the line
      expect(c.lines[1]!.line).toMatch(/^← HTTP 404 in \d+ ms$/);
      await new Promise((r) => raw!.close(r));
      const e2 = await rejected(runKind(vaultHealth, { address: await rawVault([418, '{}', 'application/json']) }, await context()));
      expect(e2.hint).toBe('check that the address is the Vault API itself and not a proxy or load balancer page');
    });

    it('JSON without a boolean `sealed`, or no content type at all → not Vault\'s health document', async () => {
      const url = await rawVault([200, json({ status: 'ok' }), 'application/json']);
      const e = await rejected(runKind(vaultHealth, { address: url }, await context()));
      expect(e.message).toBe(`${url}/v1/sys/health answered HTTP 200 without Vault's health document (application/json) — something else answered, not Vault`);
      expect(e.hint).toBe('point `address` at the Vault API itself; a proxy or load balancer in front may be answering for a dead backend');
      await new Promise((r) => raw!.close(r));
      const url2 = await rawVault([200, 'OK']);
      const e2 = await rejected(runKind(vaultHealth, { address: url2 }, await context()));
      expect(e2.message).toMatch(/without Vault's health document \(no content type\)/);
    });

    it('lookup-self: 401 is a refusal like 403; another status is an error with the checkToken hint', async () => {
      const healthy: [number, string, string] = [200, json({ sealed: false }), 'application/json'];
      const url = await rawVault(healthy, [401, json({ errors: ['missing client token'] })]);
      const e = await rejected(runKind(vaultHealth, { address: url }, await context({ VAULT_TOKEN: TOKEN })));
      // the status Vault really sent is named (401 here, not 403)
      expect(e.message).toBe('Vault refused /v1/auth/token/lookup-self (HTTP 401: missing client token)');
      expect(e.hint).toMatch(/policy needs "read" on auth\/token\/lookup-self/);
      await new Promise((r) => raw!.close(r));
      const url2 = await rawVault(healthy, [500, json({ errors: ['internal error'] })]);
      const e2 = await rejected(runKind(vaultHealth, { address: url2 }, await context({ VAULT_TOKEN: TOKEN })));
      expect(e2.message).toBe('Vault answered HTTP 500 to the token lookup (internal error)');
      expect(e2.hint).toBe('check the token and the namespace, or set checkToken: false to test health only');
    });
  });
});
