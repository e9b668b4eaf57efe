import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { skewText, vaultHealth } from '../../src/checks/vault-health.js';
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
});
