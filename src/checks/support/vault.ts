/**
 * What vault.health and vault.rotation share: the connection parameters (address, token reference, namespace,
 * TLS, timeout), their resolution (param → VAULT_ADDR / VAULT_TOKEN), and one authenticated request that turns
 * Vault's 403/404/5xx answers into messages that say what to do. The token is only ever placed in the
 * X-Vault-Token header; it is never part of a message, a result, or describe().
 * Like the vault CLI, VAULT_ADDR, VAULT_TOKEN, VAULT_NAMESPACE and VAULT_CACERT are the defaults.
 */
import { z } from 'zod';
import { RULES } from '../rules.js';
import { CheckError, type CheckContext } from '../contract.js';
import { DURATION_HINT, parseDuration } from '../../checklist/duration.js';
import { httpRequest, httpTlsParams, joinUrl, safeUrl, type HttpResponse } from './http.js';
import { resolveSecretRef, secretRefSchema, type SecretRef } from './secret-ref.js';

export const vaultConnectionParams = {
  address: z
    .string()
    .optional()
    .describe('Vault address, e.g. https://vault.example.com:8200 or ${vars.vaultAddr}; default $VAULT_ADDR'),
  token: secretRefSchema
    .optional()
    .describe('where the Vault token comes from: {env: NAME} or {var: secretVarName}; default the VAULT_TOKEN environment variable'),
  namespace: z.string().optional().describe('Vault Enterprise / OpenBao namespace, sent as X-Vault-Namespace; default $VAULT_NAMESPACE'),
  timeout: z
    .string()
    .refine(RULES.isDuration, DURATION_HINT)
    .default('10s')
    .describe('deadline of each HTTP request'),
  ...httpTlsParams,
};

export interface VaultConnection {
  address?: string;
  token?: SecretRef;
  namespace?: string;
  timeout: string;
  caFile?: string;
  insecure: boolean;
}

/** the Vault address from the params or VAULT_ADDR; CheckError when neither is set */
export function vaultAddress(p: VaultConnection, ctx: Pick<CheckContext, 'env'>): string {
  const a = (p.address ?? ctx.env.VAULT_ADDR ?? '').trim();
  if (!a) {
    throw new CheckError('no Vault address: the check has no `address` and VAULT_ADDR is not set', 'set `address:` in the check (e.g. ${vars.vaultAddr}) or export VAULT_ADDR');
  }
  return a;
}

/** describe() form of the address (never a secret, but user-info and token-like query params are masked) */
export function describeAddress(p: VaultConnection): string {
  return p.address ? safeUrl(p.address).replace(/\/+$/, '') : '$VAULT_ADDR';
}

/** describe() form of where the token comes from */
export function describeToken(p: VaultConnection): string {
  if (p.token?.env) return `$${p.token.env}`;
  if (p.token?.var) return `secret variable ${p.token.var}`;
  return '$VAULT_TOKEN';
}

/**
 * The token: from the explicit reference (missing → CheckError), else VAULT_TOKEN when set, else undefined
 * (when `required`, a missing token is a CheckError that says how to provide one).
 */
export function vaultToken(p: VaultConnection, ctx: Pick<CheckContext, 'env' | 'vars'>, required: boolean): string | undefined {
  if (p.token) return resolveSecretRef(p.token, ctx, 'Vault token');
  const t = ctx.env.VAULT_TOKEN;
  if (t) return t;
  if (required) {
    throw new CheckError(
      'no Vault token: VAULT_TOKEN is not set and the check names no `token:`',
      'export VAULT_TOKEN (a token whose policy can read the metadata), or set token: {var: vaultToken} with a secret variable',
    );
  }
  return undefined;
}

/** Vault's error list from a response body, joined (e.g. "permission denied") */
export function vaultErrors(res: HttpResponse): string {
  try {
    const b = JSON.parse(res.body) as { errors?: unknown };
    if (Array.isArray(b.errors) && b.errors.length) return b.errors.map(String).join('; ');
  } catch {
    /* not JSON */
  }
  return res.statusText || `HTTP ${res.status}`;
}

export interface VaultCall {
  address: string;
  token?: string;
  p: VaultConnection;
  ctx: CheckContext;
}

/** one request to the Vault API (path like "/v1/sys/health"); every HTTP status is returned */
export function vaultRequest(c: VaultCall, apiPath: string, method = 'GET'): Promise<HttpResponse> {
  const headers: Record<string, string> = {};
  if (c.token) headers['X-Vault-Token'] = c.token;
  const namespace = c.p.namespace ?? c.ctx.env.VAULT_NAMESPACE;
  if (namespace) headers['X-Vault-Namespace'] = namespace;
  return httpRequest(joinUrl(c.address, apiPath), {
    method,
    headers,
    signal: c.ctx.signal,
    timeoutMs: parseDuration(c.p.timeout) ?? 10_000,
    // like the vault CLI: VAULT_CACERT when the check names no caFile (VAULT_SKIP_VERIFY is NOT honoured: turning
    // verification off must be visible in the checklist as `insecure: true`)
    tls: { caFile: c.p.caFile ?? (c.ctx.env.VAULT_CACERT || undefined), insecure: c.p.insecure },
    cwd: c.ctx.cwd,
    emit: c.ctx.emit,
    service: 'Vault',
  });
}

/** CheckError for a 403 on an authenticated path, with the policy the token needs */
export function permissionDenied(apiPath: string, capability: string, res: HttpResponse): CheckError {
  return new CheckError(
    `Vault refused ${apiPath} (HTTP ${res.status}: ${vaultErrors(res)})`,
    `the token's policy needs "${capability}" on ${apiPath.replace(/^\/v1\//, '')} — check the token (expired? wrong namespace?) and its policy`,
  );
}
