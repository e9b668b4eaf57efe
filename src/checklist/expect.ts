/**
 * Expectations: JSONata (2.x) expressions evaluated over a check's result. A truthy result (JSONata's $boolean
 * rules) is a pass. Syntax is checked at validation time with the error's character position, so the validator can
 * point at file:line:col inside the expression.
 */
import jsonata from 'jsonata';

type Compiled = ReturnType<typeof jsonata>;

interface JsonataError {
  code?: string;
  position?: number;
  token?: string;
  message?: string;
}

const cache = new Map<string, Compiled>();

function compile(expr: string): Compiled {
  let c = cache.get(expr);
  if (!c) {
    c = jsonata(expr);
    if (cache.size > 500) cache.clear();
    cache.set(expr, c);
  }
  return c;
}

/**
 * JSONata's $boolean: arrays are true when any member is; empty objects, functions, empty strings, 0, NaN, null and
 * undefined are false (the last four by `Boolean`)
 */
export function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(truthy);
  if (typeof v === 'function') return false;
  if (v !== null && typeof v === 'object') return Object.keys(v).length > 0;
  return Boolean(v);
}

/** undefined when the expression parses, else the JSONata error with the character index of the offending token */
export function checkExpectSyntax(expr: string): { message: string; position?: number } | undefined {
  if (expr.trim() === '') return { message: 'empty expression', position: 0 };
  if (cache.has(expr)) return undefined;
  try {
    compile(expr);
    return undefined;
  } catch (err) {
    const e = err as JsonataError;
    const message = String(e.message ?? err);
    if (typeof e.position !== 'number') return { message };
    // JSONata reports the index just after the offending token; point at its start
    const tokenLen = e.token && e.token !== '(end)' ? String(e.token).length : 0;
    // "unexpected end" errors point just after the last character that is not trailing whitespace
    const position = Math.max(0, Math.min(expr.trimEnd().length, e.position - tokenLen));
    return { message, position };
  }
}

/**
 * Evaluate `expr` over `input` (the kind's result object). `bindings` become $-variables (e.g. {vars} → $vars).
 * Never throws: a syntax or evaluation error comes back as `error` with ok=false.
 */
export async function evaluateExpect(
  expr: string,
  input: unknown,
  bindings?: Record<string, unknown>,
): Promise<{ ok: boolean; value: unknown; error?: string }> {
  let compiled: Compiled;
  try {
    compiled = compile(expr);
  } catch (err) {
    const syn = checkExpectSyntax(expr);
    const where = syn?.position !== undefined ? ` at character ${syn.position + 1}` : '';
    return { ok: false, value: undefined, error: `expect syntax error${where}: ${syn?.message ?? String(err)}` };
  }
  try {
    const value = await compiled.evaluate(input, bindings);
    return { ok: truthy(value), value };
  } catch (err) {
    const e = err as JsonataError;
    return { ok: false, value: undefined, error: `expect could not be evaluated: ${e.message ?? String(err)}` };
  }
}

type Ast = { type?: string; value?: unknown; steps?: Ast[] } & Record<string, unknown>;

/** a step that only names a field: no filter, sort, group or index on it */
const plainName = (step: Ast): boolean =>
  step.type === 'name' && typeof step.value === 'string' && !step.stages && !step.predicate && !step.group && !step.focus && !step.index;

/**
 * The result fields an expression reads, as dotted paths of plain names in order of appearance
 * (`captures.readyNodes >= 5 and $count(missingFields) = 0` → captures.readyNodes, missingFields).
 */
export function fieldsRead(expr: string): string[] {
  let ast: Ast;
  try {
    ast = compile(expr).ast() as Ast;
  } catch {
    return [];
  }
  const out: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    const n = node as Ast;
    if (n.type === 'path') {
      const steps = n.steps ?? [];
      const names: string[] = [];
      for (const step of steps) {
        if (!plainName(step)) break;
        names.push(step.value as string);
      }
      // a filtered first step still reads that field ("byAlert[episodes > 3]"); what follows is relative to it
      if (names.length === 0 && steps[0]?.type === 'name' && typeof steps[0].value === 'string') names.push(steps[0].value);
      const dotted = names.join('.');
      if (dotted && !out.includes(dotted)) out.push(dotted);
      if (steps[0] && steps[0].type !== 'name') visit(steps[0]);
      return;
    }
    for (const v of Object.values(n)) visit(v);
  };
  visit(ast);
  return out;
}

/** the value at a dotted path, walking objects only (undefined past an array or a missing key) */
function valueAt(result: Record<string, unknown>, dotted: string): unknown {
  let v: unknown = result;
  for (const name of dotted.split('.')) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[name];
  }
  return v;
}

/**
 * What an expression was evaluated against, in words: each field it reads with its value
 * ("alertsPerDay 2.14, missingFields (0 items)"), so `measured` describes the expression that decided.
 */
export function describeMeasured(expr: string, result: Record<string, unknown>): string {
  const show = (v: unknown): string => {
    if (Array.isArray(v)) return `(${v.length} item${v.length === 1 ? '' : 's'})`;
    if (v !== null && typeof v === 'object') return '{…}';
    if (v === undefined) return '(absent)';
    const text = JSON.stringify(v);
    return text.length > 80 ? `${text.slice(0, 80)}…` : text;
  };
  return fieldsRead(expr)
    .map((f) => `${f} ${show(valueAt(result, f))}`)
    .join(', ');
}
