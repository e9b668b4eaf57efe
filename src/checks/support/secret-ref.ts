/**
 * Tokens and header values come from an environment variable or a (secret) checklist variable named in the
 * params — never from the params themselves, so they are never written to the checklist, journal or report.
 */
import { z } from 'zod';
import { RULES } from '../rules.js';
import { CheckError } from '../contract.js';

const refFields = {
  env: z.string().optional().describe('name of the environment variable holding the value'),
  var: z.string().optional().describe('name of the checklist variable (declare it `secret: true`) holding the value'),
};

/** a header value from env or a secret variable, e.g. {env: HEALTH_TOKEN, prefix: "Bearer "} */
export const secretRefSchema = z
  .object({ ...refFields, prefix: z.string().default('').describe('text put before the value, e.g. "Bearer "') })
  .refine(RULES.envXorVar, { message: 'give exactly one of `env` or `var`' });

export type SecretRef = z.infer<typeof secretRefSchema>;

/**
 * A token sent as `Authorization: <prefix><value>`: `prefix` is the scheme and defaults to "Bearer "; give
 * `prefix: "Basic "` for a proxy wanting basic auth, or `prefix: ""` when the value already holds its scheme.
 */
export const tokenRefSchema = z
  .object({
    ...refFields,
    prefix: z
      .string()
      .default('Bearer ')
      .describe('the Authorization scheme put before the value: "Bearer " (the default), "Basic ", or "" when the value already starts with its scheme'),
  })
  .refine(RULES.envXorVar, { message: 'give exactly one of `env` or `var`' });

export type TokenRef = z.infer<typeof tokenRefSchema>;

const SCHEME = /^(Bearer|Basic|Token|Negotiate|Digest|ApiKey)\s/i;

/**
 * The `Authorization` header value of a token ref. A value that already starts with a scheme while a prefix is set
 * would be sent as "Bearer Bearer …" and refused: that is a CheckError saying which of the two to drop.
 */
export function authorizationValue(ref: TokenRef, ctx: { env: NodeJS.ProcessEnv; vars: Record<string, string> }, what: string): string {
  const value = resolveSecretRef({ ...ref, prefix: '' }, ctx, what);
  const scheme = SCHEME.exec(value)?.[1];
  if (scheme && ref.prefix !== '') {
    const where = ref.env ? `environment variable ${ref.env}` : `variable ${ref.var}`;
    throw new CheckError(
      `${what}: ${where} already starts with "${scheme} " and the token's prefix "${ref.prefix}" would be put before it`,
      `set \`prefix: ""\` on the token to send the value as it is, or store the token without "${scheme} "`,
    );
  }
  return ref.prefix + value;
}

/** the value, or a CheckError naming the variable that is missing (never the value) */
export function resolveSecretRef(
  ref: SecretRef,
  ctx: { env: NodeJS.ProcessEnv; vars: Record<string, string> },
  what: string,
): string {
  const value = ref.env ? ctx.env[ref.env] : ctx.vars[ref.var ?? ''];
  if (value === undefined || value === '') {
    const where = ref.env ? `environment variable ${ref.env}` : `variable ${ref.var}`;
    throw new CheckError(
      `${what}: ${where} is not set`,
      ref.env
        ? `export ${ref.env}=… in the shell that runs readiness-tui`
        : `set it with READINESS_VAR_${ref.var} in the environment or in a --vars file`,
    );
  }
  return ref.prefix + value;
}
