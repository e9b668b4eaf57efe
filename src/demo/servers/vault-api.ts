/**
 * A loopback Vault/OpenBao HTTP API for tests and the demo (one implementation for both). It speaks the real wire
 * format of the few endpoints readiness-tui reads; the data is passed in by the caller (tests feed the captured
 * samples in test/fixtures/secrets/, the demo its own scenario):
 *
 *   GET  /v1/sys/health                     unauthenticated; status from the node's state, with Vault's query
 *                                           overrides (standbyok, perfstandbyok, activecode, standbycode,
 *                                           drsecondarycode, performancestandbycode, sealedcode, uninitcode,
 *                                           haunhealthycode, removedcode); body = caller's sample + state fields
 *   GET  /v1/auth/token/lookup-self         the token's policies and ttl (403 for an unknown token)
 *   GET  /v1/<mount>/metadata/<path>        KV v2 metadata: {data: {current_version, versions{…}, custom_metadata, …}}
 *   GET  /v1/<mount>/metadata/<prefix>/?list=true   {data: {keys: ["a", "dir/"]}} — Vault's LIST; the LIST verb
 *                                           itself cannot reach a Node server (its HTTP parser refuses unknown
 *                                           methods), so clients use the ?list=true form, which Vault treats the same
 *
 * Authenticated endpoints take the token from X-Vault-Token (or Authorization: Bearer); a missing or wrong token,
 * or a path listed in `forbidden`, answers 403 {"errors":["permission denied"]} as Vault does.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

/** the node states /v1/sys/health distinguishes, with the status code Vault answers by default */
export const VAULT_HEALTH_STATES = {
  active: 200,
  standby: 429,
  'dr-secondary': 472,
  'performance-standby': 473,
  'standby-unhealthy': 474,
  uninitialized: 501,
  sealed: 503,
  removed: 530,
} as const;
export type VaultHealthState = keyof typeof VAULT_HEALTH_STATES;

/** KV v2 metadata as Vault returns it under `data` */
export interface KvMetadata {
  created_time: string;
  updated_time: string;
  current_version: number;
  oldest_version?: number;
  max_versions?: number;
  cas_required?: boolean;
  delete_version_after?: string;
  custom_metadata?: Record<string, string> | null;
  versions: Record<string, { created_time: string; deletion_time: string; destroyed: boolean }>;
}

export interface VaultApiOptions {
  /** the node's state (default active) */
  state?: VaultHealthState;
  /** answer /v1/sys/health with exactly this status, whatever the state and query say */
  healthStatus?: number;
  /** base health body (e.g. the OpenBao sample); state fields (initialized, sealed, standby …) are set from `state` */
  healthBody?: Record<string, unknown>;
  /** the server's clock runs this many seconds ahead (negative: behind) of this process's: server_time_utc shows it */
  clockOffsetSeconds?: number;
  /** the one valid token for authenticated endpoints */
  token?: string;
  /** token lookup-self data (policies, ttl …) */
  tokenInfo?: Record<string, unknown>;
  /** KV v2 mounts: mount → secret path → metadata (the `data` object of a metadata response) */
  kv?: Record<string, Record<string, KvMetadata>>;
  /** "mount/path" entries (metadata or list prefixes) the token may not read → 403 */
  forbidden?: string[];
  /** serve https with this key/certificate */
  tls?: { key: string; cert: string };
  host?: string;
  port?: number;
}

export interface VaultRequest {
  method: string;
  path: string;
  /** whether a token header was present (its value is never kept) */
  hadToken: boolean;
  status: number;
}

export interface VaultApiServer {
  /** base address, e.g. http://127.0.0.1:41234 (what VAULT_ADDR would be) */
  url: string;
  port: number;
  requests: VaultRequest[];
  setState(state: VaultHealthState): void;
  setHealthStatus(status: number | undefined): void;
  /** add or replace one secret's metadata */
  setMetadata(mount: string, secretPath: string, meta: KvMetadata): void;
  close(): Promise<void>;
}

/** metadata for a secret whose versions were created at these times (oldest first); the last one is current */
export function kvMetadataFor(created: Date[], customMetadata?: Record<string, string>): KvMetadata {
  if (created.length === 0) throw new Error('kvMetadataFor needs at least one version time');
  const versions: KvMetadata['versions'] = {};
  created.forEach((d, i) => {
    versions[String(i + 1)] = { created_time: d.toISOString(), deletion_time: '', destroyed: false };
  });
  return {
    created_time: created[0]!.toISOString(),
    updated_time: created[created.length - 1]!.toISOString(),
    current_version: created.length,
    oldest_version: 0,
    max_versions: 0,
    cas_required: false,
    delete_version_after: '0s',
    custom_metadata: customMetadata ?? null,
    versions,
  };
}

function healthStatusFor(state: VaultHealthState, q: URLSearchParams): number {
  const code = (name: string, dflt: number): number => {
    const v = q.get(name);
    const n = v === null ? NaN : Number(v);
    return Number.isInteger(n) && n >= 100 && n <= 599 ? n : dflt;
  };
  const truthy = (name: string): boolean => q.has(name) && q.get(name) !== 'false';
  switch (state) {
    case 'active':
      return code('activecode', 200);
    case 'standby':
      return truthy('standbyok') ? code('activecode', 200) : code('standbycode', 429);
    case 'dr-secondary':
      return code('drsecondarycode', 472);
    case 'performance-standby':
      return truthy('perfstandbyok') ? code('activecode', 200) : code('performancestandbycode', 473);
    case 'standby-unhealthy':
      return code('haunhealthycode', 474);
    case 'uninitialized':
      return code('uninitcode', 501);
    case 'sealed':
      return code('sealedcode', 503);
    case 'removed':
      return code('removedcode', 530);
  }
}

function healthBodyFor(state: VaultHealthState, base: Record<string, unknown>, clockOffsetSeconds = 0): Record<string, unknown> {
  const body: Record<string, unknown> = {
    initialized: true,
    sealed: false,
    standby: false,
    performance_standby: false,
    replication_performance_mode: 'disabled',
    replication_dr_mode: 'disabled',
    version: '1.14.8',
    cluster_name: 'vault-cluster-loopback',
    cluster_id: '00000000-0000-4000-8000-000000000000',
    ...base,
    server_time_utc: Math.floor(Date.now() / 1000) + clockOffsetSeconds,
  };
  if (state === 'standby' || state === 'standby-unhealthy' || state === 'performance-standby') body.standby = true;
  if (state === 'performance-standby') body.performance_standby = true;
  if (state === 'dr-secondary') body.replication_dr_mode = 'secondary';
  if (state === 'sealed') body.sealed = true;
  if (state === 'removed') body.removed_from_cluster = true;
  if (state === 'uninitialized') {
    body.initialized = false;
    body.sealed = true;
    delete body.cluster_name;
    delete body.cluster_id;
  }
  return body;
}

export async function startVaultApiServer(o: VaultApiOptions = {}): Promise<VaultApiServer> {
  let state: VaultHealthState = o.state ?? 'active';
  let forcedHealth = o.healthStatus;
  const kv: Record<string, Record<string, KvMetadata>> = structuredClone(o.kv ?? {});
  const forbidden = new Set((o.forbidden ?? []).map((f) => f.replace(/^\/+|\/+$/g, '')));
  const requests: VaultRequest[] = [];

  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://vault.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const token = (req.headers['x-vault-token'] as string | undefined) ?? bearer;
    const send = (status: number, body: unknown): void => {
      requests.push({ method, path: url.pathname, hadToken: token !== undefined, status });
      const text = body === undefined ? '' : JSON.stringify(body) + '\n';
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    const envelope = (data: unknown) => ({
      request_id: globalThis.crypto.randomUUID(),
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data,
      wrap_info: null,
      warnings: null,
      auth: null,
    });
    const denied = (): void => send(403, { errors: ['permission denied'] });
    req.resume();

    if (url.pathname === '/v1/sys/health' && (method === 'GET' || method === 'HEAD')) {
      const status = forcedHealth ?? healthStatusFor(state, url.searchParams);
      send(status, healthBodyFor(state, o.healthBody ?? {}, o.clockOffsetSeconds));
      return;
    }
    if (state === 'sealed' || state === 'uninitialized') {
      send(503, { errors: ['Vault is sealed'] });
      return;
    }
    if (o.token === undefined || token !== o.token) {
      denied();
      return;
    }
    if (url.pathname === '/v1/auth/token/lookup-self' && method === 'GET') {
      send(200, envelope({ display_name: 'token', policies: ['default'], ttl: 3600, renewable: true, type: 'service', ...o.tokenInfo }));
      return;
    }
    const m = /^\/v1\/([^/]+)\/metadata\/?(.*)$/.exec(url.pathname);
    if (!m) {
      send(404, { errors: [] });
      return;
    }
    const mount = decodeURIComponent(m[1]!);
    const rest = decodeURIComponent(m[2] ?? '');
    const isList = method === 'LIST' || (method === 'GET' && url.searchParams.get('list') === 'true');
    const key = `${mount}/${rest}`.replace(/\/+$/, '');
    if (forbidden.has(key) || forbidden.has(mount)) {
      denied();
      return;
    }
    const secrets = kv[mount];
    if (!secrets) {
      send(403, { errors: ['permission denied'] }); // Vault answers an unknown mount with 403 too (no policy matches)
      return;
    }
    if (isList) {
      const prefix = rest === '' ? '' : rest.replace(/\/*$/, '/');
      const keys = new Set<string>();
      for (const p of Object.keys(secrets)) {
        if (!p.startsWith(prefix)) continue;
        const tail = p.slice(prefix.length);
        const slash = tail.indexOf('/');
        keys.add(slash === -1 ? tail : tail.slice(0, slash + 1));
      }
      if (keys.size === 0) send(404, { errors: [] });
      else send(200, envelope({ keys: [...keys].sort() }));
      return;
    }
    if (method !== 'GET') {
      send(405, { errors: [`unsupported operation ${method}`] });
      return;
    }
    const meta = secrets[rest];
    if (!meta) send(404, { errors: [] });
    else send(200, envelope(meta));
  };

  const server = o.tls ? https.createServer({ key: o.tls.key, cert: o.tls.cert }, handler) : http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = o.host ?? '127.0.0.1';
  return {
    url: `${o.tls ? 'https' : 'http'}://${host}:${port}`,
    port,
    requests,
    setState: (s) => {
      state = s;
    },
    setHealthStatus: (s) => {
      forcedHealth = s;
    },
    setMetadata: (mount, p, meta) => {
      (kv[mount] ??= {})[p] = meta;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
