import { afterEach, describe, expect, it } from 'vitest';
import { httpRequest } from '../../../src/checks/support/http.js';
import { generateTls } from '../../../src/demo/servers/kube-api.js';
import { kvMetadataFor, startVaultApiServer, VAULT_HEALTH_STATES, type VaultApiServer } from '../../../src/demo/servers/vault-api.js';

const TOKEN = ['t', String(process.pid), 'loop'].join('-');
let server: VaultApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('loopback Vault API server', () => {
  it('answers /v1/sys/health with the status of each state, and Vault\'s query overrides', async () => {
    server = await startVaultApiServer();
    for (const [state, status] of Object.entries(VAULT_HEALTH_STATES)) {
      server.setState(state as keyof typeof VAULT_HEALTH_STATES);
      const r = await httpRequest(`${server.url}/v1/sys/health`);
      expect([state, r.status]).toEqual([state, status]);
      expect(typeof (r.json() as { sealed: unknown }).sealed).toBe('boolean');
    }
    server.setState('standby');
    expect((await httpRequest(`${server.url}/v1/sys/health?standbyok=true`)).status).toBe(200);
    expect((await httpRequest(`${server.url}/v1/sys/health?standbycode=299`)).status).toBe(299);
    server.setState('sealed');
    expect((await httpRequest(`${server.url}/v1/sys/health`)).json()).toMatchObject({ sealed: true, initialized: true });
    server.setHealthStatus(418);
    expect((await httpRequest(`${server.url}/v1/sys/health`)).status).toBe(418);
  });

  it('serves KV v2 metadata and ?list=true behind X-Vault-Token (or Bearer), 403 otherwise', async () => {
    const meta = kvMetadataFor([new Date('2026-01-01T00:00:00Z'), new Date('2026-02-01T00:00:00Z')], { rotation: 'auto' });
    server = await startVaultApiServer({ token: TOKEN, kv: { secret: { 'app/db': meta, 'app/tls/key': meta } }, forbidden: ['secret/app/tls/key'] });
    const get = (p: string, headers: Record<string, string> = { 'X-Vault-Token': TOKEN }) => httpRequest(`${server!.url}${p}`, { headers });
    const m = await get('/v1/secret/metadata/app/db');
    expect(m.status).toBe(200);
    expect((m.json() as { data: unknown }).data).toMatchObject({ current_version: 2, custom_metadata: { rotation: 'auto' } });
    expect((await get('/v1/secret/metadata/app/db', { Authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await get('/v1/secret/metadata/app/?list=true')).json()).toMatchObject({ data: { keys: ['db', 'tls/'] } });
    expect((await get('/v1/secret/metadata/nothing/?list=true')).status).toBe(404);
    expect((await get('/v1/secret/metadata/app/nope')).status).toBe(404);
    const denied = await get('/v1/secret/metadata/app/tls/key');
    expect([denied.status, denied.json()]).toEqual([403, { errors: ['permission denied'] }]);
    expect((await get('/v1/secret/metadata/app/db', {})).status).toBe(403);
    expect((await get('/v1/secret/metadata/app/db', { 'X-Vault-Token': 'other' })).status).toBe(403);
    expect(server.requests.at(-1)).toEqual({ method: 'GET', path: '/v1/secret/metadata/app/db', hadToken: true, status: 403 });
    expect(JSON.stringify(server.requests)).not.toContain(TOKEN);
  });

  it('serves https with the given certificate', async () => {
    const tls = generateTls();
    server = await startVaultApiServer({ tls: { key: tls.key, cert: tls.cert } });
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const r = await httpRequest(`${server.url}/v1/sys/health`, { tls: { insecure: true } });
    expect(r.status).toBe(200);
  });
});
