/**
 * vault.rotation — are the KV v2 secrets rotated? For each listed path (or every secret found by listing a
 * prefix recursively) read `GET /v1/<mount>/metadata/<path>`; the age of a secret is now − created_time of its
 * current version. A secret is rotatable when it is younger than `maxAge` and/or carries the team's rotation
 * custom_metadata key (`rotationKey`), as `require` says.
 */
import { z } from 'zod';
import { RULES } from './rules.js';
import { CheckError, type CheckContext, type CheckKind, type CheckOutput } from './contract.js';
import { DURATION_HINT, formatDuration, parseDuration } from '../checklist/duration.js';
import {
  describeAddress,
  describeToken,
  permissionDenied,
  vaultAddress,
  vaultConnectionParams,
  vaultErrors,
  vaultRequest,
  vaultToken,
  type VaultCall,
} from './support/vault.js';

const DAY = 86_400_000;

const params = z
  .object({
    ...vaultConnectionParams,
    mount: z.string().min(1).default('secret').describe('KV v2 mount path, e.g. "secret" or "kv/detektor"'),
    paths: z
      .array(z.string().min(1))
      .default([])
      .describe('secret paths under the mount, e.g. ["detektor/db", "detektor/api-key"]'),
    prefix: z
      .string()
      .optional()
      .describe('list this prefix recursively and check every secret under it ("" = the whole mount)'),
    maxAge: z
      .string()
      .refine(RULES.isDuration, DURATION_HINT)
      .optional()
      .describe('rotation period: the current version must be younger than this, e.g. "90d"'),
    rotationKey: z
      .string()
      .optional()
      .describe('custom_metadata key your rotation tooling sets on rotated secrets, e.g. "rotation"'),
    require: z
      .enum(['both', 'either'])
      .default('both')
      .describe('with both maxAge and rotationKey: must a secret satisfy both, or either one'),
    maxSecrets: z.number().int().positive().default(2000).describe('stop listing after this many secrets (error beyond)'),
    concurrency: z.number().int().min(1).max(32).default(8).describe('metadata reads at the same time'),
  })
  .strict()
  .refine(RULES.pathsOrPrefix, { message: 'give `paths` or `prefix` (or both)' })
  .refine(RULES.maxAgeOrRotationKey, { message: 'give `maxAge`, `rotationKey`, or both' });

export type VaultRotationParams = z.infer<typeof params>;

interface SecretState {
  path: string;
  found: boolean;
  currentVersion: number | null;
  createdTime: string | null;
  ageDays: number | null;
  rotatedBefore: boolean;
  hasRotationKey: boolean;
  rotatable: boolean;
  reason: string;
}

const trimSlashes = (s: string): string => s.replace(/^\/+|\/+$/g, '');
const enc = (p: string): string => p.split('/').map(encodeURIComponent).join('/');

async function listRecursive(c: VaultCall, mount: string, prefix: string, limit: number, ctx: CheckContext): Promise<string[]> {
  const out: string[] = [];
  const queue = [trimSlashes(prefix)];
  while (queue.length) {
    if (ctx.signal.aborted) throw new CheckError('listing Vault secrets was cancelled', 're-run the item');
    const dir = queue.shift()!;
    const apiPath = `/v1/${mount}/metadata/${dir ? `${enc(dir)}/` : ''}`;
    const res = await vaultRequest(c, `${apiPath}?list=true`);
    if (res.status === 404) continue; // empty prefix
    if (res.status === 403) throw permissionDenied(apiPath, 'list', res);
    if (res.status !== 200) {
      throw new CheckError(`Vault answered HTTP ${res.status} to LIST ${apiPath} (${vaultErrors(res)})`, hintFor(res.status, mount));
    }
    const keys = res.json<{ data?: { keys?: unknown } }>().data?.keys;
    if (!Array.isArray(keys)) throw new CheckError(`LIST ${apiPath} returned no data.keys`, `check that ${mount} is a KV version 2 mount`);
    for (const k of keys.map(String)) {
      const full = dir ? `${dir}/${k}` : k;
      if (k.endsWith('/')) queue.push(trimSlashes(full));
      else out.push(full);
      if (out.length > limit) {
        throw new CheckError(`more than ${limit} secrets under ${mount}/${prefix}`, 'narrow `prefix`, or raise maxSecrets');
      }
    }
    ctx.emit(`listed ${apiPath}: ${keys.length} key(s)`, 'info');
  }
  return out;
}

function hintFor(status: number, mount: string): string {
  if (status === 503) return 'Vault is sealed or unavailable: run vault.health, unseal it, then re-run';
  if (status === 400 || status === 405) return `check that "${mount}" is a KV version 2 mount (metadata/ exists only in v2)`;
  return 'check the address, the mount name and the namespace';
}

function judge(p: VaultRotationParams, secretPath: string, data: Record<string, unknown>, now: number): SecretState {
  const current = typeof data.current_version === 'number' ? data.current_version : null;
  const versions = (data.versions ?? {}) as Record<string, { created_time?: string; deletion_time?: string; destroyed?: boolean }>;
  const v = current !== null ? versions[String(current)] : undefined;
  const created = v?.created_time ?? (typeof data.updated_time === 'string' ? data.updated_time : null);
  const t = created ? Date.parse(created) : NaN;
  const ageMs = Number.isFinite(t) ? Math.max(0, now - t) : null;
  const custom = (data.custom_metadata ?? {}) as Record<string, unknown> | null;
  const hasKey = p.rotationKey !== undefined && custom !== null && typeof custom === 'object' && custom[p.rotationKey] !== undefined && custom[p.rotationKey] !== '';
  const maxAgeMs = p.maxAge ? parseDuration(p.maxAge)! : undefined;
  const reasons: string[] = [];
  let ageOk: boolean | undefined;
  if (maxAgeMs !== undefined) {
    ageOk = ageMs !== null && ageMs <= maxAgeMs;
    if (ageMs === null) reasons.push('no creation time for the current version');
    else if (!ageOk) {
      const age = ageMs >= DAY ? `${Math.floor(ageMs / DAY)} days` : formatDuration(ageMs);
      reasons.push(`current version is ${age} old (max ${p.maxAge})`);
    }
  }
  let keyOk: boolean | undefined;
  if (p.rotationKey !== undefined) {
    keyOk = hasKey;
    if (!keyOk) reasons.push(`no custom_metadata "${p.rotationKey}"`);
  }
  const deleted = !!v && (v.destroyed === true || (typeof v.deletion_time === 'string' && v.deletion_time !== ''));
  if (deleted) reasons.push('the current version is deleted or destroyed');
  const checks = [ageOk, keyOk].filter((x): x is boolean => x !== undefined);
  const ok = !deleted && (p.require === 'either' ? checks.some(Boolean) : checks.every(Boolean));
  return {
    path: secretPath,
    found: true,
    currentVersion: current,
    createdTime: created,
    ageDays: ageMs === null ? null : Math.floor(ageMs / DAY),
    rotatedBefore: (current ?? 0) > 1,
    hasRotationKey: hasKey,
    rotatable: ok,
    reason: ok ? '' : reasons.join('; '),
  };
}

async function run(p: VaultRotationParams, ctx: CheckContext): Promise<CheckOutput> {
  const address = vaultAddress(p, ctx);
  const token = vaultToken(p, ctx, true);
  const c: VaultCall = { address, token, p, ctx };
  const mount = trimSlashes(p.mount);
  const wanted = new Set(p.paths.map(trimSlashes));
  if (p.prefix !== undefined) {
    ctx.emit(`LIST ${describeAddress({ ...p, address })}/v1/${mount}/metadata/${trimSlashes(p.prefix)} (recursive)`, 'info');
    for (const s of await listRecursive(c, mount, p.prefix, p.maxSecrets, ctx)) wanted.add(s);
  }
  const all = [...wanted].sort();
  ctx.emit(`reading metadata of ${all.length} secret(s) under ${mount}/`, 'info');
  const now = Date.now();
  const states: SecretState[] = new Array(all.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (next < all.length && !failed && !ctx.signal.aborted) {
      const i = next++;
      const sp = all[i]!;
      const apiPath = `/v1/${mount}/metadata/${enc(sp)}`;
      const res = await vaultRequest(c, apiPath).catch((e: unknown) => {
        failed = true;
        throw e;
      });
      if (res.status !== 200 && res.status !== 404) failed = true;
      if (res.status === 403) throw permissionDenied(apiPath, 'read', res);
      if (res.status === 404) {
        states[i] = {
          path: sp,
          found: false,
          currentVersion: null,
          createdTime: null,
          ageDays: null,
          rotatedBefore: false,
          hasRotationKey: false,
          rotatable: false,
          reason: 'not found in Vault',
        };
      } else if (res.status === 200) {
        const data = res.json<{ data?: Record<string, unknown> }>().data;
        if (!data || typeof data !== 'object') {
          throw new CheckError(`${apiPath} returned no metadata (data is missing)`, `check that ${mount} is a KV version 2 mount`);
        }
        states[i] = judge(p, sp, data, now);
      } else {
        throw new CheckError(`Vault answered HTTP ${res.status} to GET ${apiPath} (${vaultErrors(res)})`, hintFor(res.status, mount));
      }
      const s = states[i]!;
      ctx.emit(
        `${s.rotatable ? 'ok   ' : 'STALE'} ${mount}/${s.path}  v${s.currentVersion ?? '-'}  ${s.ageDays ?? '?'} d${s.reason ? `  — ${s.reason}` : ''}`,
        'stdout',
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(p.concurrency, Math.max(1, all.length)) }, worker));
  if (ctx.signal.aborted) throw new CheckError('reading Vault metadata was cancelled', 're-run the item');

  const stale = states.filter((s) => !s.rotatable);
  if (states.length > 0 && states.every((s) => !s.found)) {
    ctx.emit(`none of the ${states.length} path(s) exist under ${mount}/ — is "${mount}" the right mount, and is it KV version 2?`, 'stderr');
  }
  const result = {
    address,
    mount,
    total: states.length,
    rotatable: states.length - stale.length,
    maxAgeDays: p.maxAge ? +(parseDuration(p.maxAge)! / DAY).toFixed(2) : null,
    rotationKey: p.rotationKey ?? null,
    stale: stale.map((s) => ({ path: s.path, ageDays: s.ageDays, currentVersion: s.currentVersion, reason: s.reason })),
    secrets: states,
  };
  await ctx.attach('vault-rotation.json', JSON.stringify(result, null, 2) + '\n');
  const rule = [p.maxAge ? `younger than ${p.maxAge}` : '', p.rotationKey ? `custom_metadata "${p.rotationKey}"` : '']
    .filter(Boolean)
    .join(p.require === 'either' ? ' or ' : ' and ');
  if (states.length === 0) {
    return {
      result,
      summary: `no secrets found under ${mount}/${trimSlashes(p.prefix ?? '')}: nothing to judge — check mount and prefix (KV version 2 only)`,
      measured: '0 secrets',
      threshold: `all ${rule}`,
      verdict: 'inconclusive',
    };
  }
  return {
    result,
    summary:
      stale.length === 0
        ? `all ${states.length} secret(s) under ${mount}/ are ${rule}`
        : `${stale.length} of ${states.length} secret(s) under ${mount}/ are not ${rule} — rotate them: ${stale
            .slice(0, 5)
            .map((s) => s.path)
            .join(', ')}${stale.length > 5 ? ', …' : ''}`,
    measured: `${result.rotatable}/${result.total} rotatable`,
    threshold: `all ${rule}`,
    offending: result.stale.map((s) => ({ ...s })),
  };
}

export const vaultRotation: CheckKind<VaultRotationParams> = {
  kind: 'vault.rotation',
  title: 'Vault KV v2 secrets are rotated (metadata age / rotation marker)',
  description:
    'Reads GET /v1/<mount>/metadata/<path> for each listed path, or for every secret found by listing `prefix` ' +
    'recursively (GET …/metadata/<prefix>/?list=true). Age = now − created_time of the current version. A secret is ' +
    'rotatable when it is younger than `maxAge` and/or carries custom_metadata `rotationKey` (see `require`); a ' +
    'listed path that does not exist, or whose current version is deleted, is not. Needs a token (VAULT_TOKEN or ' +
    '`token:`) with read (and list) on the metadata paths: 403, a sealed Vault or an unreachable address are errors. ' +
    'No secret found at all is inconclusive. Secret values are never read — only metadata.',
  outcomes: {
    error: 'no token, 403 on the metadata paths, Vault sealed or unreachable',
    fail: 'a secret is older than maxAge and/or lacks its rotation metadata (see require), or a listed path does not exist',
    inconclusive: 'no secret found at all',
  },
  params,
  resultDoc: {
    address: 'the Vault address',
    mount: 'the KV v2 mount',
    total: 'secrets checked',
    rotatable: 'secrets that satisfy the rotation rule (the default expectation wants rotatable = total)',
    maxAgeDays: 'maxAge in days (null when not used)',
    rotationKey: 'the custom_metadata key required (null when not used)',
    stale: '[{path, ageDays, currentVersion, reason}] for every secret that is not rotatable',
    secrets: '[{path, found, currentVersion, createdTime, ageDays, rotatedBefore, hasRotationKey, rotatable, reason}]',
  },
  example: [
    'check:',
    '  kind: vault.rotation',
    '  address: ${vars.vaultAddr}',
    '  token: {var: vaultToken}',
    '  mount: secret',
    '  prefix: detektor/',
    '  maxAge: 90d',
    '  # rotationKey: rotation',
  ].join('\n'),
  defaultExpect: 'rotatable = total',
  describe(p) {
    const base = `${describeAddress(p)}/v1/${trimSlashes(p.mount)}/metadata`;
    const parts: string[] = [];
    if (p.prefix !== undefined) parts.push(`GET ${base}/${trimSlashes(p.prefix)}${p.prefix ? '/' : ''}?list=true (recursive)`);
    if (p.paths.length) parts.push(`GET ${base}/{${p.paths.map(trimSlashes).join(',')}}`);
    if (p.prefix !== undefined) parts.push(`GET ${base}/<each listed secret>`);
    return `${parts.join('; ')} with X-Vault-Token from ${describeToken(p)}`;
  },
  run,
};
