/**
 * Tokens and header values come from an environment variable or a (secret) checklist variable named in the
 * params — never from the params themselves, so they are never written to the checklist, journal or report.
 */
import { z } from 'zod';
import { RULES } from '../rules.js';
import { CheckError } from '../contract.js';

export const secretRefSchema = z
  .object({
    env: z.string().optional().describe('name of the environment variable holding the value'),
    var: z.string().optional().describe('name of the checklist variable (declare it `secret: true`) holding the value'),
    prefix: z.string().default('').describe('text put before the value, e.g. "Bearer "'),
  })
  .refine(RULES.envXorVar, { message: 'give exactly one of `env` or `var`' });

export type SecretRef = z.infer<typeof secretRefSchema>;

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
