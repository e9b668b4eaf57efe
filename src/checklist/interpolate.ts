/**
 * Variable references: `${vars.name}` in any string of a check (params, expect, context) and elsewhere.
 * `$${vars.name}` is an escape for the literal text `${vars.name}`. Unknown names are refused by the validator
 * with their position; a known variable without a value (a secret nobody provided) fails only where it is used.
 */

export const VAR_REF = /\$(\$?)\{vars\.([A-Za-z_][A-Za-z0-9_]*)\}/g;

export interface VarRef {
  name: string;
  /** index of the `$` in the string */
  index: number;
  length: number;
}

// scanners private to this module (compiled once; a global regex carries lastIndex, so it is reset before each scan)
const VAR_REF_SCAN = new RegExp(VAR_REF.source, 'g');
const MALFORMED_SCAN = /\$(\$?)\{vars\.([^}]*)\}?/g;
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** every `${vars.x}` reference in a string (escaped `$${vars.x}` excluded) */
export function findVarRefs(text: string): VarRef[] {
  const out: VarRef[] = [];
  if (!text.includes('${')) return out; // every reference contains "${"
  VAR_REF_SCAN.lastIndex = 0;
  for (let m = VAR_REF_SCAN.exec(text); m !== null; m = VAR_REF_SCAN.exec(text)) {
    if (m[1]) continue;
    out.push({ name: m[2]!, index: m.index, length: m[0].length });
  }
  return out;
}

/** `${vars...}` texts that are not a valid reference (e.g. `${vars.kube-context}`, `${vars.}`) */
export function findMalformedVarRefs(text: string): { text: string; index: number }[] {
  const out: { text: string; index: number }[] = [];
  if (!text.includes('${')) return out; // every candidate contains "${"
  MALFORMED_SCAN.lastIndex = 0;
  for (let m = MALFORMED_SCAN.exec(text); m !== null; m = MALFORMED_SCAN.exec(text)) {
    if (m[1]) continue;
    if (VAR_NAME.test(m[2]!) && m[0].endsWith('}')) continue;
    out.push({ text: m[0], index: m.index });
  }
  return out;
}

/** the environment variable that sets checklist variable `name`: READINESS_VAR_<NAME>, non-alphanumerics → _ */
export function envVarName(name: string): string {
  return 'READINESS_VAR_' + name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/** a referenced variable has no value (typically a secret that was not provided): the check cannot run */
export class MissingVariableError extends Error {
  constructor(readonly variable: string) {
    super(
      `variable "${variable}" has no value: set ${envVarName(variable)} or put it in a --vars file` +
        ` (non-secret variables can also be given with --set ${variable}=...)`,
    );
    this.name = 'MissingVariableError';
  }
}

function replaceIn(text: string, vars: Record<string, string>): string {
  return text.replace(VAR_REF, (whole, escape: string, name: string) => {
    if (escape) return whole.slice(1);
    const v = vars[name];
    if (v === undefined) throw new MissingVariableError(name);
    return v;
  });
}

/**
 * Replace `${vars.name}` in every string inside `value` (recursively through arrays and plain objects; keys are
 * left alone). Throws MissingVariableError when a referenced variable has no value.
 */
export function interpolate<T>(value: T, vars: Record<string, string>): T {
  if (typeof value === 'string') return (value.includes('${') ? replaceIn(value, vars) : value) as T;
  if (Array.isArray(value)) return value.map((v) => interpolate(v, vars)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = interpolate(v, vars);
    return out as T;
  }
  return value;
}
