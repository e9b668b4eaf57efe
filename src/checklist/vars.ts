/**
 * Resolve checklist variables. Precedence, lowest to highest (like Terraform):
 *   default in the checklist  <  env READINESS_VAR_<NAME>  <  --vars FILE  <  --set name=value
 * (<NAME> is the name upper-cased with non-alphanumerics as _; the name exactly as written is accepted too)
 * Secret variables: never from --set (it would land in shell history and `ps`), only from env or a vars file, and
 * never with a default. A secret nobody provided is NOT an error here: it is listed in `missing` and a check that
 * uses it fails with `error` when it runs (MissingVariableError), so items that don't need it still run.
 * A non-secret variable without any value is a UsageError naming it and how to set it.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isMap, isScalar } from 'yaml';
import type { Checklist } from './model.js';
import { UsageError } from './errors.js';
import { envVarName } from './interpolate.js';
import { didYouMean } from './suggest.js';

export interface VarSources {
  /** --set k=v (repeatable); refused for secret variables */
  set?: string[];
  /** --vars file.yaml */
  varsFile?: string;
  /** READINESS_VAR_<NAME> */
  env?: NodeJS.ProcessEnv;
}

export interface ResolvedVars {
  /** name → value of every variable that has one (secrets included: never print them) */
  values: Record<string, string>;
  /** names of the secret variables (look their values up in `values` to redact them) */
  secret: string[];
  /** (additive) secret variables without a value: checks that use them fail with `error` when run */
  missing: string[];
  /** (additive) where each value came from, for `info`/the journal: default | env | file | set */
  origin: Record<string, 'default' | 'env' | 'file' | 'set'>;
}

function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function readVarsFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read vars file ${file}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const at = (off: number) => {
    const p = lc.linePos(off);
    return `${file}:${p.line}:${p.col}`;
  };
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new UsageError(`${at(e.pos[0])}: YAML: ${e.message.replace(/\s+at line \d+, column \d+:?[\s\S]*$/, '')}`);
  }
  if (doc.contents === null) return {};
  if (!isMap(doc.contents)) throw new UsageError(`${at(doc.contents.range?.[0] ?? 0)}: a vars file is a mapping of name: value`);
  const out: Record<string, string> = {};
  for (const pair of doc.contents.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
    const keyPos = (pair.key as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
    if (key === undefined) throw new UsageError(`${at(keyPos)}: expected a variable name`);
    const node = pair.value;
    const value = isScalar(node) ? scalarText(node.value) : undefined;
    if (value === undefined) throw new UsageError(`${at(keyPos)}: ${key}: expected a string, number or boolean value`);
    out[key] = value;
  }
  return out;
}

export function resolveVars(c: Checklist, o: VarSources): ResolvedVars {
  const defs = new Map(c.vars.map((v) => [v.name, v]));
  const names = [...defs.keys()];
  const unknown = (name: string, where: string) =>
    new UsageError(
      `${where}: the checklist has no variable "${name}"${didYouMean(name, names)}` +
        (names.length ? `; its variables: ${names.join(', ')}` : '; it defines no variables'),
    );

  const values: Record<string, string> = {};
  const origin: ResolvedVars['origin'] = {};
  for (const v of c.vars) {
    if (v.default !== undefined && !v.secret) {
      values[v.name] = v.default;
      origin[v.name] = 'default';
    }
  }

  const env = o.env ?? {};
  for (const v of c.vars) {
    // READINESS_VAR_<NAME> (upper-cased); the name as written (READINESS_VAR_grafanaToken) is accepted too
    const e = env[envVarName(v.name)] ?? env[`READINESS_VAR_${v.name}`];
    if (e !== undefined) {
      values[v.name] = e;
      origin[v.name] = 'env';
    }
  }

  if (o.varsFile) {
    for (const [k, val] of Object.entries(readVarsFile(o.varsFile))) {
      if (!defs.has(k)) throw unknown(k, `--vars ${o.varsFile}`);
      values[k] = val;
      origin[k] = 'file';
    }
  }

  for (const s of o.set ?? []) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set ${s}: expected name=value`);
    const k = s.slice(0, eq);
    const val = s.slice(eq + 1);
    const def = defs.get(k);
    if (!def) throw unknown(k, `--set ${k}`);
    if (def.secret) {
      throw new UsageError(
        `--set ${k}: "${k}" is a secret variable and cannot be set on the command line (it would end up in shell history); ` +
          `use env ${envVarName(k)} or a --vars file`,
      );
    }
    values[k] = val;
    origin[k] = 'set';
  }

  const missingPlain = c.vars.filter((v) => !v.secret && values[v.name] === undefined).map((v) => v.name);
  if (missingPlain.length) {
    const how = missingPlain.map((n) => `--set ${n}=... or ${envVarName(n)}`).join('; ');
    throw new UsageError(`variable${missingPlain.length > 1 ? 's' : ''} without a value: ${missingPlain.join(', ')} (${how})`);
  }
  const secret = c.vars.filter((v) => v.secret).map((v) => v.name);
  const missing = secret.filter((n) => values[n] === undefined);
  return { values, secret, missing, origin };
}
