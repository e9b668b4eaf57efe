import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
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

  it('every field of every secret exactly: version fallbacks, deletion, the rotation key, sorted paths', async () => {
    const ver = (d: Date, deleted = '', destroyed = false) => ({ created_time: d.toISOString(), deletion_time: deleted, destroyed });
    const meta = (m: Partial<KvMetadata>): KvMetadata => m as KvMetadata;
    const kv: Record<string, KvMetadata> = {
      'a/fresh-key': kvMetadataFor([daysAgo(100), daysAgo(3)], { rotation: 'vault-rotator' }),
      'a/empty-key': kvMetadataFor([daysAgo(3)], { rotation: '' }),
      'a/other-key': kvMetadataFor([daysAgo(3)], { owner: 'team' }),
      // no time anywhere for the current version
      'a/no-time': meta({ current_version: 2, versions: { '2': { deletion_time: '', destroyed: false } as never }, custom_metadata: { rotation: 'x' } }),
      // the current version has no entry: updated_time is the fallback
      'a/version-gone': meta({ current_version: 5, updated_time: daysAgo(2).toISOString(), versions: { '1': ver(daysAgo(300)) }, custom_metadata: { rotation: 'x' } }),
      // the current version's own time wins over updated_time
      'a/updated-later': meta({ current_version: 1, updated_time: daysAgo(1).toISOString(), versions: { '1': ver(daysAgo(200)) }, custom_metadata: { rotation: 'x' } }),
      // no current_version: no version entry is used, updated_time is
      'a/no-current': meta({ updated_time: daysAgo(1).toISOString(), versions: { '1': ver(daysAgo(300)) }, custom_metadata: { rotation: 'x' } }),
      'a/deleted': meta({ current_version: 1, versions: { '1': ver(daysAgo(2), daysAgo(1).toISOString()) }, custom_metadata: { rotation: 'x' } }),
      'a/destroyed': meta({ current_version: 1, versions: { '1': ver(daysAgo(2), '', true) }, custom_metadata: { rotation: 'x' } }),
      'a/old-deleted': meta({ current_version: 2, versions: { '1': ver(daysAgo(9), daysAgo(8).toISOString(), true), '2': ver(daysAgo(4)) }, custom_metadata: { rotation: 'x' } }),
    };
    const c = await start(kv);
    const paths = ['z/missing', ...Object.keys(kv).reverse()];
    const out = await runKind(vaultRotation, { paths, maxAge: '90d', rotationKey: 'rotation' }, c);
    const r = out.result as Record<string, any>;
    const t = (p: string, v: string) => (kv[p]!.versions as Record<string, { created_time: string }>)[v]!.created_time;
    const s = (path: string, currentVersion: number | null, createdTime: string | null, ageDays: number | null, hasRotationKey: boolean, reason: string) => ({
      path,
      found: true,
      currentVersion,
      createdTime,
      ageDays,
      rotatedBefore: (currentVersion ?? 0) > 1,
      hasRotationKey,
      rotatable: reason === '',
      reason,
    });
    const gone = 'the current version is deleted or destroyed';
    expect(r.secrets).toEqual([
      s('a/deleted', 1, t('a/deleted', '1'), 2, true, gone),
      s('a/destroyed', 1, t('a/destroyed', '1'), 2, true, gone),
      s('a/empty-key', 1, t('a/empty-key', '1'), 3, false, 'no custom_metadata "rotation"'),
      s('a/fresh-key', 2, t('a/fresh-key', '2'), 3, true, ''),
      s('a/no-current', null, kv['a/no-current']!.updated_time, 1, true, ''),
      s('a/no-time', 2, null, null, true, 'no creation time for the current version'),
      s('a/old-deleted', 2, t('a/old-deleted', '2'), 4, true, ''),
      s('a/other-key', 1, t('a/other-key', '1'), 3, false, 'no custom_metadata "rotation"'),
      s('a/updated-later', 1, t('a/updated-later', '1'), 200, true, 'current version is 200 days old (max 90d)'),
      s('a/version-gone', 5, kv['a/version-gone']!.updated_time, 2, true, ''),
      { path: 'z/missing', found: false, currentVersion: null, createdTime: null, ageDays: null, rotatedBefore: false, hasRotationKey: false, rotatable: false, reason: 'not found in Vault' },
    ]);
    const staleOnes = r.secrets.filter((x: any) => !x.rotatable);
    expect(r).toMatchObject({ mount: 'secret', total: 11, rotatable: 4, maxAgeDays: 90, rotationKey: 'rotation' });
    expect(r.stale).toEqual(staleOnes.map((x: any) => ({ path: x.path, ageDays: x.ageDays, currentVersion: x.currentVersion, reason: x.reason })));
    expect(out.offending).toEqual(r.stale);
    expect(out.measured).toBe('4/11 rotatable');
    expect(out.threshold).toBe('all younger than 90d and custom_metadata "rotation"');
    expect(out.summary).toBe(
      '7 of 11 secret(s) under secret/ are not younger than 90d and custom_metadata "rotation" — rotate them: ' +
        'a/deleted, a/destroyed, a/empty-key, a/no-time, a/other-key, …',
    );
    expect(JSON.parse(c.attachments.get('vault-rotation.json')!)).toEqual(r);
    expect(c.lines.filter((l) => l.stream === 'stdout').map((l) => l.line)).toEqual(
      expect.arrayContaining([
        'ok    secret/a/fresh-key  v2  3 d',
        'ok    secret/a/no-current  v-  1 d',
        'STALE secret/a/no-time  v2  ? d  — no creation time for the current version',
        'STALE secret/z/missing  v-  ? d  — not found in Vault',
      ]),
    );
    expect(c.lines).toContainEqual({ line: 'reading metadata of 11 secret(s) under secret/', stream: 'info' });
    expect(c.lines.some((l) => l.line.startsWith('none of the'))).toBe(false);
  });

  it('rotationKey alone, maxAge alone, and either: thresholds, ages under a day, the all-rotatable summary', async () => {
    const c = await start({
      'k/old-with-key': kvMetadataFor([daysAgo(400)], { rotation: 'x' }),
      'k/new-with-key': kvMetadataFor([daysAgo(1)], { rotation: 'x' }),
      'h/two-hours': kvMetadataFor([new Date(Date.now() - 2 * 3_600_000)]),
      // a key literally named "undefined" is not a rotation key when none is asked for
      'o/undefined-key': kvMetadataFor([daysAgo(400)], { undefined: 'x' }),
      // deletion_time that is not a string does not mean deleted
      'o/null-deletion': { ...kvMetadataFor([daysAgo(1)]), versions: { '1': { created_time: daysAgo(1).toISOString(), deletion_time: null as never, destroyed: false } } },
    });
    const two = await runKind(vaultRotation, { paths: ['o/undefined-key', 'o/null-deletion'], maxAge: '90d' }, c);
    expect((two.result as any).secrets.map((x: any) => [x.path, x.hasRotationKey, x.rotatable, x.reason])).toEqual([
      ['o/null-deletion', false, true, ''],
      ['o/undefined-key', false, false, 'current version is 400 days old (max 90d)'],
    ]);
    // two reasons at once, joined
    const both = await runKind(vaultRotation, { paths: ['o/undefined-key'], maxAge: '90d', rotationKey: 'rotation' }, c);
    expect((both.result as any).stale[0].reason).toBe('current version is 400 days old (max 90d); no custom_metadata "rotation"');
    const key = await runKind(vaultRotation, { paths: ['k/old-with-key', 'k/new-with-key'], rotationKey: 'rotation' }, c);
    expect(key.result).toMatchObject({ total: 2, rotatable: 2, maxAgeDays: null, rotationKey: 'rotation', stale: [] });
    expect(key.summary).toBe('all 2 secret(s) under secret/ are custom_metadata "rotation"');
    expect(key.threshold).toBe('all custom_metadata "rotation"');
    expect(key.measured).toBe('2/2 rotatable');
    expect(key.offending).toEqual([]);
    expect(key.verdict).toBeUndefined();

    const age = await runKind(vaultRotation, { paths: ['h/two-hours'], maxAge: '1h' }, c);
    expect(age.result).toMatchObject({ total: 1, rotatable: 0, maxAgeDays: 0.04, rotationKey: null });
    // 2 h and whatever the request took, in formatDuration's words
    expect((age.result as any).stale[0].reason).toMatch(/^current version is 2h(\d+s)? old \(max 1h\)$/);
    expect((age.result as any).secrets[0]).toMatchObject({ ageDays: 0, hasRotationKey: false });
    expect(age.threshold).toBe('all younger than 1h');

    const either = await runKind(vaultRotation, { paths: ['h/two-hours', 'k/new-with-key'], maxAge: '36h', rotationKey: 'rotation', require: 'either' }, c);
    expect(either.result).toMatchObject({ total: 2, rotatable: 2, maxAgeDays: 1.5 });
    expect(either.threshold).toBe('all younger than 36h or custom_metadata "rotation"');
    expect(either.summary).toBe('all 2 secret(s) under secret/ are younger than 36h or custom_metadata "rotation"');
  });

  it('prefix: the LIST lines, maxSecrets is inclusive, more is an error; nothing found → the inconclusive answer exactly', async () => {
    const c = await start({ 'p/a': kvMetadataFor([daysAgo(1)]), 'p/b': kvMetadataFor([daysAgo(1)]), 'p/c': kvMetadataFor([daysAgo(1)]) });
    const out = await runKind(vaultRotation, { prefix: 'p/', maxAge: '30d', maxSecrets: 3 }, c);
    expect(out.result).toMatchObject({ total: 3, rotatable: 3 });
    expect(c.lines).toContainEqual({ line: `LIST ${server!.url}/v1/secret/metadata/p (recursive)`, stream: 'info' });
    expect(c.lines).toContainEqual({ line: 'listed /v1/secret/metadata/p/: 3 key(s)', stream: 'info' });
    const e = await rejected(runKind(vaultRotation, { prefix: 'p/', maxAge: '30d', maxSecrets: 2 }, c));
    expect(e.message).toBe('more than 2 secrets under secret/p/');
    expect(e.hint).toBe('narrow `prefix`, or raise maxSecrets');

    const none = await runKind(vaultRotation, { prefix: '/q/', maxAge: '30d' }, c);
    expect(none).toMatchObject({
      summary: 'no secrets found under secret/q: nothing to judge — check mount and prefix (KV version 2 only)',
      measured: '0 secrets',
      threshold: 'all younger than 30d',
      verdict: 'inconclusive',
    });
    expect(c.lines.some((l) => l.line.startsWith('none of the'))).toBe(false);
    expect(c.attachments.get('vault-rotation.json')).toMatch(/}\n$/);
    const whole = await runKind(vaultRotation, { paths: [], prefix: '', rotationKey: 'r' }, c);
    expect(whole.result).toMatchObject({ total: 3, rotatable: 0 });
  });

  it('every listed path missing → a warning about the mount; a sealed Vault on LIST → error with the sealed hint', async () => {
    const c = await start({ 'detektor/db': kvMetadataFor([daysAgo(1)]) });
    const out = await runKind(vaultRotation, { paths: ['x/1', 'x/2', 'x/3', 'x/4', 'x/5'], maxAge: '30d' }, c);
    expect((out.result as any).rotatable).toBe(0);
    // exactly five stale: all named, no ellipsis
    expect(out.summary).toBe('5 of 5 secret(s) under secret/ are not younger than 30d — rotate them: x/1, x/2, x/3, x/4, x/5');
    expect(c.lines).toContainEqual({ line: 'none of the 5 path(s) exist under secret/ — is "secret" the right mount, and is it KV version 2?', stream: 'stderr' });
    await server!.close();
    const sealed = await start({ 'detektor/db': kvMetadataFor([daysAgo(1)]) }, { state: 'sealed' });
    const e = await rejected(runKind(vaultRotation, { prefix: 'detektor', maxAge: '30d' }, sealed));
    expect(e.message).toBe('Vault answered HTTP 503 to LIST /v1/secret/metadata/detektor/ (Vault is sealed)');
    expect(e.hint).toBe('Vault is sealed or unavailable: run vault.health, unseal it, then re-run');
  });

  it('answers that are not KV v2 (400/405, other statuses, no data, no keys) → errors with the matching hint', async () => {
    // a raw server: path → [status, body]
    const answers: Record<string, [number, unknown]> = {
      '/v1/secret/metadata/v1-mount': [405, { errors: [] }],
      '/v1/secret/metadata/bad-request': [400, { errors: ['bad'] }],
      '/v1/secret/metadata/teapot': [418, { errors: ['short and stout'] }],
      '/v1/secret/metadata/no-data': [200, { request_id: 'x' }],
      '/v1/secret/metadata/string-data': [200, { data: 'x' }],
      '/v1/secret/metadata/list-no-data/?list=true': [200, {}],
      '/v1/secret/metadata/list-no-keys/?list=true': [200, { data: { keys: 'a' } }],
      '/v1/secret/metadata/list-teapot/?list=true': [418, { errors: ['no'] }],
    };
    const raw = http.createServer((q, s) => {
      const [status, body] = answers[q.url ?? ''] ?? [404, { errors: [] }];
      s.writeHead(status, { 'content-type': 'application/json' });
      s.end(JSON.stringify(body));
    });
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', () => r()));
    try {
      ctx = await basicContext({ env: { VAULT_ADDR: `http://127.0.0.1:${(raw.address() as AddressInfo).port}`, VAULT_TOKEN: TOKEN } });
      const err = (params: Record<string, unknown>) => rejected(runKind(vaultRotation, { maxAge: '30d', ...params }, ctx!));
      const kv2 = 'check that "secret" is a KV version 2 mount (metadata/ exists only in v2)';
      expect(await err({ paths: ['v1-mount'] })).toMatchObject({ message: 'Vault answered HTTP 405 to GET /v1/secret/metadata/v1-mount (Method Not Allowed)', hint: kv2 });
      expect(await err({ paths: ['bad-request'] })).toMatchObject({ message: 'Vault answered HTTP 400 to GET /v1/secret/metadata/bad-request (bad)', hint: kv2 });
      expect(await err({ paths: ['teapot'] })).toMatchObject({ hint: 'check the address, the mount name and the namespace' });
      const noData = { hint: 'check that secret is a KV version 2 mount' };
      expect(await err({ paths: ['no-data'] })).toMatchObject({ message: '/v1/secret/metadata/no-data returned no metadata (data is missing)', ...noData });
      expect(await err({ paths: ['string-data'] })).toMatchObject({ message: '/v1/secret/metadata/string-data returned no metadata (data is missing)' });
      expect(await err({ prefix: 'list-no-data' })).toMatchObject({ message: 'LIST /v1/secret/metadata/list-no-data/ returned no data.keys', ...noData });
      expect(await err({ prefix: 'list-no-keys' })).toMatchObject({ message: 'LIST /v1/secret/metadata/list-no-keys/ returned no data.keys' });
      expect(await err({ prefix: 'list-teapot' })).toMatchObject({
        message: "Vault answered HTTP 418 to LIST /v1/secret/metadata/list-teapot/ (no)",
        hint: 'check the address, the mount name and the namespace',
      });
    } finally {
      await new Promise((r) => raw.close(r));
    }
  });

  it('a cancelled run is an error, whether it was listing or reading', async () => {
    const c = await start({ 'detektor/db': kvMetadataFor([daysAgo(1)]) });
    c.abort();
    const listing = await rejected(runKind(vaultRotation, { prefix: 'detektor', maxAge: '30d' }, c));
    expect([listing.message, listing.hint]).toEqual(['listing Vault secrets was cancelled', 're-run the item']);
    const reading = await rejected(runKind(vaultRotation, { paths: ['detektor/db'], maxAge: '30d' }, c));
    expect([reading.message, reading.hint]).toEqual(['reading Vault metadata was cancelled', 're-run the item']);
    expect(server!.requests).toEqual([]);
  });
});
