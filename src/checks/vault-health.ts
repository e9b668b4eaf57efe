/**
 * vault.health — is Vault (or OpenBao) up, initialised, unsealed and serving? The verdict comes from the HTTP
 * status of `GET /v1/sys/health` (unauthenticated), exactly as Vault defines it:
 *   200 active · 429 standby (healthy) · 472 DR secondary · 473 performance standby · 474 standby that cannot
 *   reach the active node · 501 not initialised · 503 sealed · 530 removed from the cluster.
 * With a token available, `GET /v1/auth/token/lookup-self` then proves the integration works (token accepted).
 */
import { z } from 'zod';
import { CheckError, type CheckContext, type CheckKind, type CheckOutput } from './contract.js';
import {
  describeAddress,
  describeToken,
  permissionDenied,
  vaultAddress,
  vaultConnectionParams,
  vaultErrors,
  vaultRequest,
  vaultToken,
} from './support/vault.js';

/** what each /v1/sys/health status means, and what to do about it */
export const HEALTH_STATUS: Record<number, { state: string; meaning: string; todo?: string }> = {
  200: { state: 'active', meaning: 'initialised, unsealed and active' },
  429: { state: 'standby', meaning: 'unsealed standby (healthy: requests are forwarded to the active node)' },
  472: {
    state: 'dr-secondary',
    meaning: 'a disaster-recovery secondary: it does not serve clients',
    todo: 'point the check at the primary cluster, or promote this one if a DR failover is intended',
  },
  473: {
    state: 'performance-standby',
    meaning: 'a performance standby (serves reads only)',
    todo: 'check the active node, or add 473 to acceptStatuses if performance standbys count as healthy here',
  },
  474: {
    state: 'standby-unhealthy',
    meaning: 'a standby that cannot reach the active node',
    todo: 'check the active node and the network between the cluster nodes (raft / HA storage)',
  },
  501: {
    state: 'uninitialized',
    meaning: 'not initialised',
    todo: 'initialise it (vault operator init) or point the check at the right cluster',
  },
  503: { state: 'sealed', meaning: 'sealed', todo: 'unseal it (vault operator unseal, or check the auto-unseal KMS)' },
  530: {
    state: 'removed',
    meaning: 'removed from the cluster',
    todo: 'the node was removed from the raft cluster: point the check at a member node',
  },
};

const params = z
  .object({
    ...vaultConnectionParams,
    acceptStatuses: z
      .array(z.number().int())
      .default([200, 429])
      .describe('health statuses that count as healthy (default active 200 and standby 429)'),
    standbyOk: z
      .boolean()
      .default(false)
      .describe('send ?standbyok=true&perfstandbyok=true (as a load balancer probe would): standbys then answer 200'),
    checkToken: z
      .boolean()
      .default(true)
      .describe('when a token is available, also call /v1/auth/token/lookup-self to prove it is accepted (403 → error)'),
    maxClockSkewSeconds: z
      .number()
      .positive()
      .default(60)
      .describe(
        "warn when Vault's clock (server_time_utc) and this machine's differ by more than this: token TTLs and rotation ages depend on it. A warning, not a fail: write `expect: healthy and clockSkewExceeded = false` to fail on it",
      ),
  })
  .strict();

export type VaultHealthParams = z.infer<typeof params>;

/** "2.9 years", "25 min", "90 s": the size of a clock difference in words */
export function skewText(seconds: number): string {
  const a = Math.abs(seconds);
  const [n, unit] =
    a >= 365.25 * 86400 ? [a / (365.25 * 86400), 'years'] : a >= 86400 ? [a / 86400, 'days'] : a >= 3600 ? [a / 3600, 'h'] : a >= 60 ? [a / 60, 'min'] : [a, 's'];
  return `${unit === 's' ? Math.round(n) : Math.round(n * 10) / 10} ${unit}`;
}

const healthPath = (p: VaultHealthParams): string => `/v1/sys/health${p.standbyOk ? '?standbyok=true&perfstandbyok=true' : ''}`;

async function run(p: VaultHealthParams, ctx: CheckContext): Promise<CheckOutput> {
  const address = vaultAddress(p, ctx);
  const token = vaultToken(p, ctx, false);
  const call = { address, token, p, ctx };
  ctx.emit(`GET ${describeAddress({ ...p, address })}${healthPath(p)}`, 'info');
  const res = await vaultRequest({ ...call, token: undefined }, healthPath(p));
  const known = HEALTH_STATUS[res.status];
  ctx.emit(`← HTTP ${res.status}${known ? ` (${known.state})` : ''} in ${res.durationMs} ms`, 'info');
  if (!known) {
    throw new CheckError(
      `Vault at ${res.url} answered HTTP ${res.status} on /v1/sys/health (${vaultErrors(res)}) — not a health status Vault defines`,
      res.status === 404
        ? 'the address does not point at the Vault API (missing :8200? a path prefix?)'
        : 'check that the address is the Vault API itself and not a proxy or load balancer page',
    );
  }
  // a proxy or load balancer can answer 200/503 with its own page: only Vault's health document counts
  let body: Record<string, unknown> | undefined;
  try {
    const parsed = JSON.parse(res.body) as unknown;
    if (parsed && typeof parsed === 'object' && typeof (parsed as Record<string, unknown>).sealed === 'boolean') {
      body = parsed as Record<string, unknown>;
    }
  } catch {
    /* not JSON */
  }
  if (!body) {
    const type = res.headers['content-type'] ?? 'no content type';
    throw new CheckError(
      `${res.url} answered HTTP ${res.status} without Vault's health document (${type}) — something else answered, not Vault`,
      'point `address` at the Vault API itself; a proxy or load balancer in front may be answering for a dead backend',
    );
  }
  const healthy = p.acceptStatuses.includes(res.status);
  const serverTime = typeof body.server_time_utc === 'number' ? body.server_time_utc : undefined;
  const result: Record<string, unknown> = {
    address: res.url.replace(/\/v1\/sys\/health.*$/, ''),
    status: res.status,
    state: known.state,
    healthy,
    initialized: body.initialized ?? null,
    sealed: body.sealed ?? null,
    standby: body.standby ?? null,
    performanceStandby: body.performance_standby ?? null,
    version: body.version ?? null,
    clusterName: body.cluster_name ?? null,
    drMode: body.replication_dr_mode ?? null,
    performanceMode: body.replication_performance_mode ?? null,
    clockSkewSeconds: serverTime !== undefined ? Math.round(serverTime - Date.now() / 1000) : null,
    clockSkewExceeded: null,
    token: 'not checked',
  };
  let skewWarning = '';
  if (typeof result.clockSkewSeconds === 'number') {
    const skew = result.clockSkewSeconds;
    result.clockSkewExceeded = Math.abs(skew) > p.maxClockSkewSeconds;
    if (result.clockSkewExceeded) {
      skewWarning =
        `WARNING: Vault's clock is ${skewText(skew)} ${skew < 0 ? 'behind' : 'ahead of'} this machine's (clockSkewSeconds ${skew}, ` +
        `more than ${p.maxClockSkewSeconds} s): token TTLs and rotation ages are off by as much — check NTP on both`;
      ctx.emit(skewWarning, 'stderr');
    }
  }

  if (healthy && token && p.checkToken) {
    ctx.emit('GET /v1/auth/token/lookup-self (X-Vault-Token: ***)', 'info');
    const t = await vaultRequest(call, '/v1/auth/token/lookup-self');
    if (t.status === 403 || t.status === 401) throw permissionDenied('/v1/auth/token/lookup-self', 'read', t);
    if (t.status !== 200) {
      throw new CheckError(
        `Vault answered HTTP ${t.status} to the token lookup (${vaultErrors(t)})`,
        'check the token and the namespace, or set checkToken: false to test health only',
      );
    }
    const data = (t.json<{ data?: Record<string, unknown> }>().data ?? {}) as Record<string, unknown>;
    result.token = 'valid';
    result.tokenTtlSeconds = typeof data.ttl === 'number' ? data.ttl : null;
    result.tokenPolicies = Array.isArray(data.policies) ? data.policies : [];
    ctx.emit(`token accepted (ttl ${result.tokenTtlSeconds ?? '?'} s, policies ${(result.tokenPolicies as string[]).join(', ') || '-'})`, 'info');
    if (typeof data.ttl === 'number' && data.ttl > 0 && data.ttl < 3600) {
      ctx.emit(`WARNING: the Vault token expires in ${data.ttl} s`, 'stderr');
    }
  }

  const who = `Vault ${body.cluster_name ? `${String(body.cluster_name)} ` : ''}${body.version ? `${String(body.version)} ` : ''}at ${result.address}`;
  const summary =
    (healthy
      ? `${who} is ${known.meaning} (HTTP ${res.status})${result.token === 'valid' ? '; token accepted' : ''}`
      : `${who} is ${known.meaning} (HTTP ${res.status})${known.todo ? ` — ${known.todo}` : ''}`) + (skewWarning ? `; ${skewWarning}` : '');
  return {
    result,
    summary,
    measured: `HTTP ${res.status} ${known.state}`,
    threshold: `status in [${p.acceptStatuses.join(', ')}]`,
    offending: healthy ? [] : [{ address: result.address, status: res.status, state: known.state, todo: known.todo ?? '' }],
  };
}

export const vaultHealth: CheckKind<VaultHealthParams> = {
  kind: 'vault.health',
  title: 'Vault / OpenBao is initialised, unsealed and serving (sys/health)',
  description:
    'GET {address}/v1/sys/health (no token needed) and judge the HTTP status as Vault defines it: 200 active and 429 ' +
    'standby are healthy; 472 DR secondary, 473 performance standby, 474 standby without its active node, 501 not ' +
    'initialised, 503 sealed and 530 removed fail, named in the message. With a token (VAULT_TOKEN or `token:`), ' +
    'GET /v1/auth/token/lookup-self then proves the token is accepted. Unreachable, TLS problems, a 403 on the token ' +
    'lookup, or a status Vault does not define (e.g. 404 from a wrong address) are errors. No query parameters are ' +
    'sent unless standbyOk is set. A clock difference between Vault and this machine above maxClockSkewSeconds ' +
    '(default 60) is a warning in the summary and clockSkewExceeded = true (fail on it with your own `expect`).',
  outcomes: {
    error: 'Vault unreachable, TLS problems, a status Vault does not define (wrong address), something other than Vault answered, the token lookup refused (403)',
    fail: 'sys/health answers a status outside acceptStatuses: DR secondary 472, performance standby 473, unhealthy standby 474, not initialised 501, sealed 503, removed 530 (clock skew above maxClockSkewSeconds only warns)',
    inconclusive: 'never',
  },
  params,
  resultDoc: {
    address: 'the Vault address that answered',
    status: 'HTTP status of /v1/sys/health',
    state: 'active | standby | dr-secondary | performance-standby | standby-unhealthy | uninitialized | sealed | removed',
    healthy: 'true when status is in acceptStatuses (default 200, 429)',
    initialized: 'from the body (null when absent)',
    sealed: 'from the body',
    standby: 'from the body',
    performanceStandby: 'from the body',
    version: 'Vault / OpenBao version',
    clusterName: 'cluster name',
    drMode: 'replication_dr_mode',
    performanceMode: 'replication_performance_mode',
    clockSkewSeconds: "server_time_utc minus this machine's clock (null when absent)",
    clockSkewExceeded: '|clockSkewSeconds| > maxClockSkewSeconds (null when Vault sent no server_time_utc)',
    token: '"valid" after a successful lookup-self, "not checked" without a token or when unhealthy',
    tokenTtlSeconds: 'remaining token ttl (only when checked)',
    tokenPolicies: 'policies of the token (only when checked)',
  },
  example: [
    'check:',
    '  kind: vault.health',
    '  address: ${vars.vaultAddr}',
    '  token: {var: vaultToken}     # a variable declared secret: true; default $VAULT_TOKEN',
    '  # caFile: ca.pem',
    '  # acceptStatuses: [200, 429, 473]',
  ].join('\n'),
  defaultExpect: 'healthy = true',
  describe(p) {
    const base = `GET ${describeAddress(p)}${healthPath(p)}`;
    return p.checkToken ? `${base}; with a token (${describeToken(p)}): GET /v1/auth/token/lookup-self` : base;
  },
  run,
};
