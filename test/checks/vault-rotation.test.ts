import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { vaultRotation } from '../../src/checks/vault-rotation.js';
import { CheckError } from '../../src/checks/contract.js';
import { kvMetadataFor, startVaultApiServer, type KvMetadata, type VaultApiServer } from '../../src/demo/servers/vault-api.js';
import { basicContext, runKind, type BasicContext } from '../support/check-context-basic.js';
import { fixturesDir } from '../support/fixtures.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// the real OpenBao docs sample: current_version 3, created 2018-03-22 → years old
const sample = (
  JSON.parse(readFileSync(path.join(fixturesDir, 'secrets/openbao-docs-kv2-metadata-sample.json'), 'utf8')) as {
    data: KvMetadata;
  }
).data;
const TOKEN = ['s', 'rotation', String(process.pid)].join('.');
const daysAgo = (d: number): Date => new Date(Date.now() - d * 86_400_000);

let server: VaultApiServer | undefined;
let ctx: BasicContext | undefined;
afterEach(async () => {
  await server?.close();
  await ctx?.dispose();
  server = undefined;
  ctx = undefined;
});

async function start(kv: Record<string, KvMetadata>, extra: Parameters<typeof startVaultApiServer>[0] = {}): Promise<BasicContext> {
  server = await startVaultApiServer({ token: TOKEN, kv: { secret: kv }, ...extra });
  ctx = await basicContext({ env: { VAULT_ADDR: server.url, VAULT_TOKEN: TOKEN } });
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

describe('vault.rotation against the loopback Vault API', () => {
  it('listed paths: fresh secrets are rotatable, the OpenBao sample (2018) is stale with its age', async () => {
    const c = await start({
      'detektor/db': kvMetadataFor([daysAgo(200), daysAgo(110), daysAgo(12)]),
      'detektor/api-key': kvMetadataFor([daysAgo(30)]),
      'detektor/legacy': sample,
    });
    const out = await runKind(vaultRotation, { paths: ['detektor/db', 'detektor/api-key', 'detektor/legacy'], maxAge: '90d' }, c);
    const r = out.result as Record<string, any>;
    expect(r.total).toBe(3);
    expect(r.rotatable).toBe(2);
    expect(r.stale).toHaveLength(1);
    const expectedAge = Math.floor((Date.now() - Date.parse('2018-03-22T02:36:43.986212308Z')) / 86_400_000);
    expect(r.stale[0]).toMatchObject({ path: 'detektor/legacy', currentVersion: 3, ageDays: expectedAge });
    expect(r.stale[0].reason).toBe(`current version is ${expectedAge} days old (max 90d)`);
    const db = r.secrets.find((s: any) => s.path === 'detektor/db');
    expect(db).toMatchObject({ currentVersion: 3, ageDays: 12, rotatedBefore: true, rotatable: true });
    expect(out.measured).toBe('2/3 rotatable');
    expect(out.summary).toMatch(/1 of 3 secret\(s\) under secret\/ are not younger than 90d — rotate them: detektor\/legacy/);
    expect(server!.requests.every((q) => q.hadToken)).toBe(true);
    expect(c.everything()).not.toContain(TOKEN);
    expect(c.attachments.has('vault-rotation.json')).toBe(true);
  });

  it('prefix: LIST recursion finds nested secrets; rotationKey and require: either', async () => {
    const c = await start({
      'detektor/db': kvMetadataFor([daysAgo(5)]),
      'detektor/tls/cert': kvMetadataFor([daysAgo(400)], { rotation: 'cert-manager' }),
      'detektor/tls/old': kvMetadataFor([daysAgo(400)]),
      'other/x': kvMetadataFor([daysAgo(1)]),
    });
    const out = await runKind(vaultRotation, { prefix: 'detektor/', maxAge: '90d', rotationKey: 'rotation', require: 'either' }, c);
    const r = out.result as Record<string, any>;
    expect(r.secrets.map((s: any) => s.path)).toEqual(['detektor/db', 'detektor/tls/cert', 'detektor/tls/old']);
    expect(r.total).toBe(3);
    expect(r.rotatable).toBe(2);
    expect(r.stale.map((s: any) => s.path)).toEqual(['detektor/tls/old']);
    expect(server!.requests.filter((q) => q.path.endsWith('/')).map((q) => q.path)).toEqual([
      '/v1/secret/metadata/detektor/',
      '/v1/secret/metadata/detektor/tls/',
    ]);

    const both = await runKind(vaultRotation, { prefix: 'detektor', maxAge: '90d', rotationKey: 'rotation' }, c);
    // both rules: only a young secret WITH the key would pass — none here
    expect((both.result as any).rotatable).toBe(0);
  });

  it('a listed path missing from Vault is not rotatable (a finding, not an error)', async () => {
    const c = await start({ 'detektor/db': kvMetadataFor([daysAgo(1)]) });
    const out = await runKind(vaultRotation, { paths: ['detektor/db', 'detektor/missing'], maxAge: '30d' }, c);
    expect((out.result as any).stale).toEqual([{ path: 'detektor/missing', ageDays: null, currentVersion: null, reason: 'not found in Vault' }]);
  });

  it('nothing under the prefix → inconclusive', async () => {
    const c = await start({ 'other/x': kvMetadataFor([daysAgo(1)]) });
    const out = await runKind(vaultRotation, { prefix: 'detektor/', maxAge: '30d' }, c);
    expect(out.verdict).toBe('inconclusive');
    expect((out.result as any).total).toBe(0);
  });

  it('403 → error with a hint about the token policy', async () => {
    const c = await start({ 'detektor/db': kvMetadataFor([daysAgo(1)]) }, { forbidden: ['secret/detektor/db'] });
    const e = await rejected(runKind(vaultRotation, { paths: ['detektor/db'], maxAge: '30d' }, c));
    expect(e.message).toBe('Vault refused /v1/secret/metadata/detektor/db (HTTP 403: permission denied)');
    expect(e.hint).toMatch(/policy needs "read" on secret\/metadata\/detektor\/db/);
  });

  it('a wrong token on LIST → 403 error naming the list capability', async () => {
    const c = await start({ 'detektor/db': kvMetadataFor([daysAgo(1)]) });
    c.env.VAULT_TOKEN = 'not-the-token';
    const e = await rejected(runKind(vaultRotation, { prefix: 'detektor/', maxAge: '30d' }, c));
    expect(e.hint).toMatch(/"list"/);
  });

  it('no token at all → error saying how to provide one', async () => {
    server = await startVaultApiServer({ token: TOKEN });
    ctx = await basicContext({ env: {} });
    const e = await rejected(runKind(vaultRotation, { address: server.url, paths: ['a'], maxAge: '30d' }, ctx));
    expect(e.message).toMatch(/no Vault token/);
  });

  it('a sealed Vault → error pointing at vault.health', async () => {
    const c = await start({ 'detektor/db': kvMetadataFor([daysAgo(1)]) }, { state: 'sealed' });
    const e = await rejected(runKind(vaultRotation, { paths: ['detektor/db'], maxAge: '30d' }, c));
    expect(e.message).toMatch(/HTTP 503/);
    expect(e.hint).toMatch(/sealed/);
  });

  it('params: paths or prefix, and maxAge or rotationKey, are required; describe() shows the requests', () => {
    expect(vaultRotation.params.safeParse({ maxAge: '30d' }).success).toBe(false);
    expect(vaultRotation.params.safeParse({ paths: ['a'] }).success).toBe(false);
    expect(vaultRotation.params.safeParse({ paths: ['a'], maxAge: '30 days' }).success).toBe(false);
    const p = vaultRotation.params.parse({ address: 'https://vault:8200', paths: ['detektor/db'], maxAge: '90d' });
    expect(vaultRotation.describe(p, {})).toBe('GET https://vault:8200/v1/secret/metadata/{detektor/db} with X-Vault-Token from $VAULT_TOKEN');
  });
});
