/**
 * Turn a check as written into the params its kind runs with: interpolate `${vars.x}` into the params as written,
 * then apply the kind's zod schema (defaults, transforms). Used by the runner right before a check runs. (In checks/,
 * not checklist/: it needs the kinds' registry, and the checklist format sits a room below the kinds.)
 */
import { getKind } from './index.js';
import { CheckError } from './contract.js';
import { formatPath, type PathSeg } from '../checklist/path-format.js';
import { interpolate, MissingVariableError } from '../checklist/interpolate.js';
import type { CheckSpec } from '../checklist/model.js';

export function resolveCheckParams(spec: CheckSpec, vars: Record<string, string>): Record<string, unknown> {
  const kind = getKind(spec.kind);
  if (!kind || kind.planned) throw new CheckError(`check kind ${spec.kind} is not implemented in this version`);
  let raw: Record<string, unknown>;
  try {
    raw = interpolate(spec.rawParams ?? spec.params, vars);
  } catch (err) {
    if (err instanceof MissingVariableError) throw new CheckError(err.message, `provide variable ${err.variable}`);
    throw err;
  }
  const r = kind.params.safeParse(raw);
  if (!r.success) {
    const msg = r.error.issues.map((i) => `${formatPath(i.path as PathSeg[]) || '(params)'}: ${i.message}`).join('; ');
    throw new CheckError(`invalid parameters for ${spec.kind} after variable substitution: ${msg}`, 'check the variables this check uses');
  }
  return r.data as Record<string, unknown>;
}
