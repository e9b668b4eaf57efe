/**
 * Checklist validation: YAML (with positions) → every problem with file:line:col, the YAML path and what was
 * expected → the typed model of model.ts. Never throws for bad content; unreadable files are a UsageError.
 *
 * Order: YAML syntax (stop there: positions after a syntax error are unreliable) → structure (zod schema) →
 * kinds and their params (each kind's own zod schema) → expectations (JSONata syntax) → ids, dependencies, cycles
 * → variables. All problems are collected; the model is built only when there is no error.
 *
 * Speed: positions come from the `yaml` package's Document (exact, but ~20× slower than a plain parse). A valid
 * file is read with js-yaml and the Document is only built when a problem needs a position or someone reads an
 * item's `pos`. Files js-yaml refuses, that use aliases, or that write ids as numbers (whose exact text matters:
 * 1.10) take the Document path from the start.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import jsYaml from 'js-yaml';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { getKind, KINDS } from '../checks/index.js';
import type { CheckKind } from '../checks/contract.js';
import { UsageError } from '../commands/exit.js';
import { parseDuration } from './duration.js';
import type { Problem } from './errors.js';
import { checkExpectSyntax } from './expect.js';
import { findMalformedVarRefs, findVarRefs } from './interpolate.js';
import type { Block, CheckSpec, Checklist, Item, Position, SignoffPolicy, VarDef } from './model.js';
import { formatPath, SourcePositions, type LineCol, type PathSeg } from './positions.js';
import { API_VERSION, CHECK_BASE_KEYS, checklistSchema } from './schema.js';
import { didYouMean } from './suggest.js';

export interface ValidationResult {
  /** present only when there is no error (warnings allowed) */
  checklist?: Checklist;
  problems: Problem[];
}

type Obj = Record<string, unknown>;
const MAX_YAML_ERRORS = 5;
const SECRET_REF_KEYS = new Set(['var', 'env', 'prefix']);
// YAML 1.2 core schema (as the `yaml` package reads it) plus merge keys; `types` is missing from @types/js-yaml
const FAST_SCHEMA = jsYaml.CORE_SCHEMA.extend({ implicit: [(jsYaml as unknown as { types: { merge: jsYaml.Type } }).types.merge] });
/** an alias (`*name`) anywhere: js-yaml shares aliased objects, so walking them could explode — take the Document path */
const ALIAS_AT = /[\s[{,:-]\*[^\s,\]}]/y;
const ALIAS_AT_START = /^\*[^\s,\]}]/;
/**
 * Same answer as /(^|[\s[{,:-])\*[^\s,\]}]/m.test(text) (line starts follow a line break, which \s covers), but only
 * looks around each `*` instead of running the regex over the whole file (~10 ms for a 1 MB checklist).
 */
function hasAlias(text: string): boolean {
  for (let i = text.indexOf('*'); i !== -1; i = text.indexOf('*', i + 1)) {
    if (i === 0) {
      if (ALIAS_AT_START.test(text)) return true;
      continue;
    }
    ALIAS_AT.lastIndex = i - 1;
    if (ALIAS_AT.test(text)) return true;
  }
  return false;
}
const SLOW = Symbol('slow');
const FAILED = Symbol('failed');

type Message = string | ((lineOf: (p: readonly PathSeg[]) => number) => string);
interface Pending {
  path: PathSeg[];
  message: Message;
  severity: 'error' | 'warning';
  key?: boolean;
  at?: LineCol;
  /** a character inside the scalar at `path` */
  scalarIndex?: number;
}

/** ids / dependsOn written as numbers: their exact source text matters (1.10 is not 1.1) */
function hasNumericIds(data: unknown): boolean {
  if (!isObj(data) || !Array.isArray(data.blocks)) return false;
  for (const b of data.blocks) {
    if (!isObj(b)) continue;
    if (typeof b.id === 'number') return true;
    if (!Array.isArray(b.items)) continue;
    for (const it of b.items) {
      if (!isObj(it)) continue;
      if (typeof it.id === 'number' || typeof it.dependsOn === 'number') return true;
      if (Array.isArray(it.dependsOn) && it.dependsOn.some((d) => typeof d === 'number')) return true;
    }
  }
  return false;
}

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Read and validate a checklist file. Throws UsageError only when the file cannot be read. */
export async function validateFile(file: string): Promise<ValidationResult> {
  const abs = path.resolve(file);
  let bytes: Buffer;
  try {
    bytes = await readFile(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : String((err as Error).message);
    throw new UsageError(`cannot read checklist ${file}: ${why}`);
  }
  return validateSource(bytes, file, abs);
}

/**
 * Is this kind usable in a checklist? undefined when yes, else the message. Unknown kinds get a did-you-mean and
 * the list of known kinds; kinds still `planned` are refused (never silently skipped).
 */
export function kindProblem(name: string, def: Pick<CheckKind, 'planned'> | undefined, known: readonly string[]): string | undefined {
  if (!def) {
    return `unknown check kind "${name}"${didYouMean(name, known)}; known kinds: ${known.join(', ')}`;
  }
  if (def.planned) return `check kind ${name} is not implemented in this version`;
  return undefined;
}

/** offset of the innermost `[` or `{` still open at `end` (quotes and comments skipped), if any */
function unclosedFlowStart(text: string, end: number): number | undefined {
  const stack: number[] = [];
  let quote: string | undefined;
  for (let i = 0; i < end && i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      while (i < end && text[i] !== '\n') i++;
    } else if ((c === '"' || c === "'") && (i === 0 || /[\s[{,:]/.test(text[i - 1]!))) quote = c;
    else if (c === '[' || c === '{') stack.push(i);
    else if ((c === ']' || c === '}') && stack.length) stack.pop();
  }
  return stack.length ? stack[stack.length - 1] : undefined;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? v.slice(0, 37) + '...' : v)}`;
  return `${typeof v} ${String(v)}`;
}

const EXPECTED_NAMES: Record<string, string> = {
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
};

function getAt(data: unknown, p: readonly PathSeg[]): unknown {
  let cur = data;
  for (const seg of p) {
    if (Array.isArray(cur) && typeof seg === 'number') cur = cur[seg];
    else if (isObj(cur)) cur = cur[String(seg)];
    else return undefined;
  }
  return cur;
}

/** the keys an object schema allows at `p` (for did-you-mean on unknown keys) */
function keysAt(schema: z.ZodType, p: readonly PathSeg[]): string[] {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let s: any = schema;
  const unwrap = () => {
    while (s?.def && ['optional', 'default', 'nullable', 'readonly', 'pipe'].includes(s.def.type)) {
      s = s.def.type === 'pipe' ? s.def.in : s.def.innerType;
    }
  };
  unwrap();
  for (const seg of p) {
    if (!s?.def) return [];
    if (s.def.type === 'object') s = s.def.shape[String(seg)];
    else if (s.def.type === 'array') s = s.def.element;
    else if (s.def.type === 'record') s = s.def.valueType;
    else if (s.def.type === 'union') s = s.def.options.find((o: { def?: { type?: string } }) => o.def?.type === (typeof seg === 'number' ? 'array' : 'object'));
    else return [];
    unwrap();
  }
  return s?.def?.type === 'object' ? Object.keys(s.def.shape) : [];
}

interface CheckRef {
  path: PathSeg[];
  raw: Obj;
  spec?: CheckSpec;
}

class Validator {
  readonly problems: Problem[] = [];
  private readonly pending: Pending[] = [];
  private posCache?: SourcePositions;
  private doc?: Document;
  private text: string;
  private knownKinds?: string[];

  constructor(
    private readonly bytes: Buffer,
    private readonly file: string,
    /** skip the js-yaml fast path (tests compare both paths) */
    private readonly documentOnly = false,
  ) {
    this.text = bytes.toString('utf8');
  }

  private add(
    p: readonly PathSeg[],
    message: Message,
    o: { key?: boolean; at?: LineCol; severity?: 'error' | 'warning'; scalarIndex?: number } = {},
  ) {
    this.pending.push({ path: [...p], message, severity: o.severity ?? 'error', key: o.key, at: o.at, scalarIndex: o.scalarIndex });
  }
  private warn(p: readonly PathSeg[], message: Message, o: { key?: boolean; at?: LineCol; scalarIndex?: number } = {}) {
    this.add(p, message, { ...o, severity: 'warning' });
  }

  /** the YAML Document with positions, built on first need */
  private get pos(): SourcePositions {
    if (!this.posCache) {
      const lc = new LineCounter();
      this.doc = parseDocument(this.text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true, strict: true, merge: true });
      this.posCache = new SourcePositions(this.doc, lc, this.text);
      this.stringifyNumericIds(this.doc);
    }
    return this.posCache;
  }

  /** turn pending problems into positioned, sorted problems */
  private resolve(): void {
    if (this.pending.length === 0) return;
    const lineOf = (p: readonly PathSeg[]) => this.pos.pos(p).line;
    for (const q of this.pending) {
      const at =
        q.at ??
        (q.scalarIndex !== undefined ? this.pos.inScalar(this.pos.node(q.path), q.scalarIndex) : this.pos.pos(q.path, { key: q.key }));
      const message = typeof q.message === 'function' ? q.message(lineOf) : q.message;
      this.problems.push({ file: this.file, line: at.line, col: at.col, path: formatPath(q.path), message, severity: q.severity });
    }
    this.pending.length = 0;
    this.problems.sort((a, b) => a.line - b.line || a.col - b.col);
  }

  /** js-yaml for a file without problems; SLOW when the Document path is needed */
  private fastLoad(): unknown {
    if (this.documentOnly || hasAlias(this.text)) return SLOW;
    let data: unknown;
    try {
      data = jsYaml.load(this.text, { schema: FAST_SCHEMA });
    } catch {
      return SLOW;
    }
    return hasNumericIds(data) ? SLOW : data;
  }

  /** the `yaml` Document: exact syntax errors with positions, numeric ids as written, alias limits */
  private slowLoad(): unknown {
    const pos = this.pos;
    const doc = this.doc!;
    if (doc.errors.length > 0) {
      // after the first syntax error the parser's recovery produces follow-on noise: show the first few
      const shown = doc.errors.slice(0, MAX_YAML_ERRORS);
      for (const e of shown) {
        let at = pos.at(e.pos[0]);
        if (/^Flow (sequence|map)/.test(e.message)) {
          const open = unclosedFlowStart(this.text, e.pos[0]);
          if (open !== undefined) at = pos.at(open);
        }
        let msg =
          e.code === 'DUPLICATE_KEY'
            ? 'duplicate key: each key may appear once in a mapping'
            : e.code === 'MULTIPLE_DOCS'
              ? 'a checklist file holds one YAML document; found a second one ("---")'
              : e.message.replace(/\s+at line \d+, column \d+:?[\s\S]*$/, '');
        const lineText = this.text.split('\n')[at.line - 1] ?? '';
        if (/[{[][^}\]]*\$\{vars\./.test(lineText)) msg += ' (inside a flow mapping {...} or list [...], quote values that contain ${vars.x})';
        this.add([], `YAML: ${msg}`, { at });
      }
      if (doc.errors.length > shown.length) {
        const last = shown[shown.length - 1]!;
        this.add([], `YAML: ${doc.errors.length - shown.length} more syntax errors follow from the ones above; fix those first`, { at: pos.at(last.pos[0]) });
      }
      return FAILED;
    }
    for (const w of doc.warnings) this.warn([], `YAML: ${w.message}`, { at: pos.at(w.pos[0]) });
    try {
      return doc.toJS({ maxAliasCount: 1000 });
    } catch (err) {
      this.add([], `YAML: ${(err as Error).message}`);
      return FAILED;
    }
  }

  run(): Checklist | undefined {
    let data = this.fastLoad();
    if (data === SLOW) data = this.slowLoad();
    if (data === FAILED) return this.finish();
    if (data === undefined || data === null || data === '') {
      this.add([], `empty checklist: expected a mapping starting with "apiVersion: ${API_VERSION}"`);
      return this.finish();
    }
    if (!isObj(data)) {
      this.add([], `expected a mapping at the top level (apiVersion, name, title, blocks, ...)`);
      return this.finish();
    }

    this.structure(data);
    const checks = this.collectChecks(data);
    for (const c of checks) this.check(c);
    this.itemRules(data);
    this.ids(data);
    this.variables(data);
    return this.finish(data, checks);
  }

  private finish(data?: Obj, checks?: CheckRef[]): Checklist | undefined {
    this.resolve();
    if (!data || !checks || this.problems.some((p) => p.severity === 'error')) return undefined;
    return this.build(data, checks);
  }

  /** ids and dependsOn written as numbers (1.1, 2) become the exact text written, so "1.10" stays "1.10" */
  private stringifyNumericIds(doc: Document) {
    const fix = (n: unknown) => {
      if (isScalar(n) && typeof n.value === 'number' && n.range) n.value = this.text.slice(n.range[0], n.range[1]).trim();
    };
    const root = doc.contents;
    if (!isMap(root)) return;
    const blocks = root.get('blocks', true);
    if (!isSeq(blocks)) return;
    for (const b of blocks.items) {
      if (!isMap(b)) continue;
      fix(b.get('id', true));
      const items = b.get('items', true);
      if (!isSeq(items)) continue;
      for (const it of items.items) {
        if (!isMap(it)) continue;
        fix(it.get('id', true));
        const deps = it.get('dependsOn', true);
        if (isSeq(deps)) deps.items.forEach(fix);
        else fix(deps);
      }
    }
  }

  // ── structure ────────────────────────────────────────────────────────────
  private structure(data: unknown) {
    const r = checklistSchema.safeParse(data);
    if (!r.success) this.zodIssues(r.error.issues, [], data, checklistSchema);
  }

  private zodIssues(issues: readonly z.core.$ZodIssue[], base: readonly PathSeg[], data: unknown, schema: z.ZodType) {
    for (const issue of issues) {
      const rel = issue.path.map((s) => (typeof s === 'symbol' ? String(s) : s)) as PathSeg[];
      const p = [...base, ...rel];
      const value = getAt(data, rel);
      const last = rel[rel.length - 1];
      switch (issue.code) {
        case 'unrecognized_keys': {
          const allowed = keysAt(schema, rel);
          for (const key of issue.keys) {
            const hint = didYouMean(key, allowed);
            this.add([...p, key], `unknown key "${key}"${hint}${allowed.length && !hint ? `; expected one of: ${allowed.join(', ')}` : ''}`, { key: true });
          }
          break;
        }
        case 'invalid_type': {
          const parent = getAt(data, rel.slice(0, -1));
          if (value === undefined && (isObj(parent) || rel.length === 0) && !(isObj(parent) && last !== undefined && String(last) in parent)) {
            this.add(p, `missing required key "${String(last)}" (expected ${EXPECTED_NAMES[issue.expected] ?? issue.expected})`);
          } else if (issue.expected === 'string' && (last === 'estimate' || last === 'timeout') && typeof value === 'number') {
            this.add(p, `expected a duration with a unit such as 30m, 2.5h, 90s or 500ms, got number ${value} (no unit)`);
          } else {
            this.add(p, `expected ${EXPECTED_NAMES[issue.expected] ?? issue.expected}, got ${typeName(value)}`);
          }
          break;
        }
        case 'invalid_value': {
          const values = issue.values.map((v) => String(v));
          if (rel.length === 1 && last === 'apiVersion') {
            this.add(p, `unsupported apiVersion ${typeName(value)}: this version reads "${API_VERSION}"`);
          } else {
            const hint = typeof value === 'string' ? didYouMean(value, values) : '';
            this.add(p, `expected one of ${values.map((v) => JSON.stringify(v)).join(', ')}, got ${typeName(value)}${hint}`);
          }
          break;
        }
        case 'invalid_union': {
          const branches = issue.errors;
          const deeper = branches.find((b) => b.length > 0 && b.every((i) => i.path.length > 0));
          if (deeper) {
            this.zodIssues(deeper, p, value, schema);
            break;
          }
          const expected = [...new Set(branches.flat().filter((i) => i.path.length === 0 && i.code === 'invalid_type').map((i) => EXPECTED_NAMES[(i as z.core.$ZodIssueInvalidType).expected] ?? (i as z.core.$ZodIssueInvalidType).expected))];
          const other = branches.flat().find((i) => i.code !== 'invalid_type');
          if (other && typeof value === 'string') this.add(p, `${other.message}, got ${typeName(value)}`);
          else this.add(p, `expected ${expected.join(' or ') || 'a different value'}, got ${typeName(value)}`);
          break;
        }
        case 'invalid_key': {
          this.add(p, `invalid name "${String(last)}": ${issue.issues[0]?.message ?? 'not allowed'}`, { key: true });
          break;
        }
        case 'too_small':
          if (Array.isArray(value)) this.add(p, issue.message.startsWith('Too small') ? `expected at least ${String(issue.minimum)} entries` : issue.message);
          else this.add(p, `expected a value >= ${String(issue.minimum)}, got ${typeName(value)}`);
          break;
        case 'too_big':
          this.add(p, Array.isArray(value) ? `expected at most ${String(issue.maximum)} entries` : `expected a value <= ${String(issue.maximum)}, got ${typeName(value)}`);
          break;
        case 'invalid_format':
          this.add(p, `${issue.message.startsWith('Invalid') ? `invalid ${issue.format}` : issue.message}, got ${typeName(value)}`);
          break;
        default:
          this.add(p, issue.message);
      }
    }
  }

  // ── checks ───────────────────────────────────────────────────────────────
  private collectChecks(data: unknown): CheckRef[] {
    const out: CheckRef[] = [];
    if (!isObj(data)) return out;
    const blocks = Array.isArray(data.blocks) ? data.blocks : [];
    blocks.forEach((b, bi) => {
      if (!isObj(b) || !Array.isArray(b.items)) return;
      b.items.forEach((it, ii) => {
        if (!isObj(it)) return;
        const base: PathSeg[] = ['blocks', bi, 'items', ii];
        if (isObj(it.check)) out.push({ path: [...base, 'check'], raw: it.check });
        if (isObj(it.checks)) for (const [name, c] of Object.entries(it.checks)) if (isObj(c)) out.push({ path: [...base, 'checks', name], raw: c });
      });
    });
    const dels = Array.isArray(data.deliverables) ? data.deliverables : [];
    dels.forEach((d, di) => {
      if (isObj(d) && isObj(d.check)) out.push({ path: ['deliverables', di, 'check'], raw: d.check });
    });
    return out;
  }

  private check(c: CheckRef) {
    const kindName = str(c.raw.kind);
    if (kindName === undefined) return; // structure() reported it
    const def = getKind(kindName);
    this.knownKinds ??= [...KINDS.values()].filter((k) => !k.planned).map((k) => k.kind);
    const problem = kindProblem(kindName, def, this.knownKinds);
    if (problem) {
      this.add([...c.path, 'kind'], problem);
    }
    const expect = str(c.raw.expect);
    if (expect !== undefined) this.expectSyntax([...c.path, 'expect'], expect);
    if (problem || !def) return;

    const params: Obj = {};
    for (const [k, v] of Object.entries(c.raw)) if (!(CHECK_BASE_KEYS as readonly string[]).includes(k)) params[k] = v;
    const r = def.params.safeParse(params);
    let parsed: Obj = params;
    if (r.success) parsed = (isObj(r.data) ? r.data : params) as Obj;
    else {
      // a parameter written as ${vars.x} can only be judged once the variable has its value (at run time)
      const issues = r.error.issues.filter((i) => {
        const v = getAt(params, i.path as PathSeg[]);
        return !(typeof v === 'string' && findVarRefs(v).length > 0);
      });
      if (issues.length > 0) this.zodIssues(issues, c.path, params, def.params);
    }
    let mutating = c.raw.mutating === true;
    if (c.raw.mutating === undefined && def.mutating) {
      try {
        mutating = def.mutating(parsed);
      } catch {
        mutating = false;
      }
    }
    c.spec = {
      kind: kindName,
      expect,
      params: parsed,
      mutating,
      context: str(c.raw.context),
      rawParams: params,
    };
  }

  private expectSyntax(p: PathSeg[], expr: string) {
    // ${vars.x} → a same-length JSONata variable name so positions stay right
    const masked = expr.replace(/\$\{vars\.([A-Za-z_][A-Za-z0-9_]*)\}/g, (m) => '$' + 'v'.repeat(m.length - 1));
    const err = checkExpectSyntax(masked);
    if (!err) return;
    this.add(p, `invalid JSONata expression: ${err.message}`, { scalarIndex: err.position });
  }

  // ── per-item rules ──────────────────────────────────────────────────────
  private itemRules(data: unknown) {
    if (!isObj(data) || !Array.isArray(data.blocks)) return;
    data.blocks.forEach((b, bi) => {
      if (!isObj(b) || !Array.isArray(b.items)) return;
      b.items.forEach((it, ii) => {
        if (!isObj(it)) return;
        const p: PathSeg[] = ['blocks', bi, 'items', ii];
        const hasCheck = it.check !== undefined;
        const hasChecks = it.checks !== undefined;
        if (hasCheck && hasChecks) this.add([...p, 'checks'], 'use either `check` or `checks`, not both', { key: true });
        if (!hasCheck && !hasChecks) this.add(p, 'expected `check` or `checks` (write `check: {kind: manual}` for a human-only item)');
        if (hasChecks && isObj(it.checks) && Object.keys(it.checks).length === 0) this.add([...p, 'checks'], 'expected at least one named check');
        if (it.expect !== undefined && !hasChecks) {
          this.add([...p, 'expect'], 'item-level `expect` aggregates `checks`; with a single `check`, put it in check.expect', { key: true });
        } else if (typeof it.expect === 'string') this.expectSyntax([...p, 'expect'], it.expect);
        const kinds = hasCheck && isObj(it.check) ? [it.check.kind] : isObj(it.checks) ? Object.values(it.checks).map((c) => (isObj(c) ? c.kind : undefined)) : [];
        const manualOnly = kinds.length > 0 && kinds.every((k) => k === 'manual');
        if (manualOnly && it.signoff === 'none') this.add([...p, 'signoff'], 'a manual check passes only by sign-off: use `optional` or `required`');
        if (it.signoff === 'none' || (it.signoff === undefined && !manualOnly)) {
          if (it.approvals !== undefined) this.warn([...p, 'approvals'], 'ignored: the item needs no sign-off (set `signoff: required`)', { key: true });
          if (it.signoffRoles !== undefined) this.warn([...p, 'signoffRoles'], 'ignored: the item needs no sign-off (set `signoff: required`)', { key: true });
        }
        const retries = typeof it.retries === 'number' ? it.retries : 0;
        const anyMutating = kinds.length > 0 && [it.check, ...(isObj(it.checks) ? Object.values(it.checks) : [])].some((c) => isObj(c) && c.mutating === true);
        if (retries > 0 && anyMutating) this.warn([...p, 'retries'], 'retrying a mutating check repeats its changes to the environment', { key: true });
        for (const k of ['estimate', 'timeout'] as const) {
          const v = it[k];
          if (typeof v === 'string' && parseDuration(v) === 0) this.add([...p, k], `expected a duration greater than zero, got ${typeName(v)}`);
        }
      });
    });
  }

  // ── ids and dependencies ────────────────────────────────────────────────
  private ids(data: unknown) {
    if (!isObj(data) || !Array.isArray(data.blocks)) return;
    const blockIds = new Map<string, PathSeg[]>();
    const itemIds = new Map<string, PathSeg[]>();
    const deps = new Map<string, { dep: string; path: PathSeg[] }[]>();
    const order: string[] = [];
    data.blocks.forEach((b, bi) => {
      if (!isObj(b)) return;
      const bid = str(b.id);
      if (bid !== undefined) {
        const first = blockIds.get(bid);
        if (first) this.add(['blocks', bi, 'id'], (lineOf) => `duplicate block id "${bid}" (first used at line ${lineOf(first)})`);
        else blockIds.set(bid, ['blocks', bi, 'id']);
      }
      if (!Array.isArray(b.items)) return;
      b.items.forEach((it, ii) => {
        if (!isObj(it)) return;
        const p: PathSeg[] = ['blocks', bi, 'items', ii];
        const id = str(it.id);
        if (id === undefined) return;
        const first = itemIds.get(id);
        if (first) {
          this.add([...p, 'id'], (lineOf) => `duplicate item id "${id}" (first used at line ${lineOf(first)})`);
          return;
        }
        itemIds.set(id, [...p, 'id']);
        order.push(id);
        const d = it.dependsOn;
        const list: { dep: string; path: PathSeg[] }[] = [];
        if (typeof d === 'string') list.push({ dep: d, path: [...p, 'dependsOn'] });
        else if (Array.isArray(d)) d.forEach((x, xi) => typeof x === 'string' && list.push({ dep: x, path: [...p, 'dependsOn', xi] }));
        deps.set(id, list);
      });
    });
    for (const [id, list] of deps) {
      for (const { dep, path: dp } of list) {
        if (dep === id) this.add(dp, `item "${id}" cannot depend on itself`);
        else if (!itemIds.has(dep)) {
          const isBlock = blockIds.has(dep) ? ` ("${dep}" is a block id; list the block's item ids)` : '';
          this.add(dp, `unknown item "${dep}" in dependsOn${isBlock || didYouMean(dep, [...itemIds.keys()].filter((k) => k !== id))}`);
        }
      }
    }
    // cycles (self-dependencies already reported)
    const state = new Map<string, 1 | 2>();
    const stack: string[] = [];
    const seen = new Set<string>();
    const visit = (id: string) => {
      state.set(id, 1);
      stack.push(id);
      for (const { dep } of deps.get(id) ?? []) {
        if (dep === id || !deps.has(dep)) continue;
        const s = state.get(dep);
        if (s === 1) {
          const cycle = stack.slice(stack.indexOf(dep));
          const key = [...cycle].sort().join('\u0000');
          if (!seen.has(key)) {
            seen.add(key);
            const firstInFile = [...cycle].sort((a, b) => order.indexOf(a) - order.indexOf(b))[0]!;
            const i = cycle.indexOf(firstInFile);
            const rotated = [...cycle.slice(i), ...cycle.slice(0, i)];
            const next = rotated[1] ?? rotated[0]!;
            const at = deps.get(firstInFile)!.find((x) => x.dep === next)!.path;
            this.add(at, `dependency cycle: ${[...rotated, firstInFile].join(' → ')}`);
          }
        } else if (s === undefined) visit(dep);
      }
      stack.pop();
      state.set(id, 2);
    };
    for (const id of order) if (!state.has(id)) visit(id);
  }

  // ── variables ───────────────────────────────────────────────────────────
  private variables(data: Obj) {
    const vars = isObj(data) && isObj(data.vars) ? data.vars : {};
    const names = Object.keys(vars);
    for (const [name, def] of Object.entries(vars)) {
      if (isObj(def) && def.secret === true && def.default !== undefined) {
        this.add(['vars', name, 'default'], 'a secret variable cannot have a default (the checklist is copied into the report); set it with env or --vars', { key: true });
      }
    }
    const used = new Set<string>();
    // one pass over the data; the path is a shared stack, copied only when a problem is reported
    const p: PathSeg[] = [];
    const walk = (v: unknown) => {
      if (typeof v === 'string') {
        if (!v.includes('${')) return;
        for (const bad of findMalformedVarRefs(v)) {
          this.add(p, `malformed variable reference "${bad.text}": write \${vars.<name>} with a name of letters, digits and _`, {
            scalarIndex: bad.index,
          });
        }
        for (const ref of findVarRefs(v)) {
          used.add(ref.name);
          if (!(ref.name in vars)) {
            const hint = didYouMean(ref.name, names);
            this.add(p, `unknown variable "${ref.name}"${hint}${names.length && !hint ? `; defined: ${names.join(', ')}` : names.length ? '' : '; the checklist defines no vars'}`, {
              scalarIndex: ref.index,
            });
          }
        }
      } else if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          p.push(i);
          walk(v[i]);
          p.pop();
        }
      } else if (isObj(v)) {
        // a secret reference in check params, {var: name} (+ env/prefix): the kind reads the variable by name
        const ref = v.var;
        if (typeof ref === 'string' && Object.keys(v).every((k) => SECRET_REF_KEYS.has(k))) {
          used.add(ref);
          const def = vars[ref];
          if (!(ref in vars)) {
            this.add([...p, 'var'], `unknown variable "${ref}"${didYouMean(ref, names)}`);
          } else if (isObj(def) && def.secret !== true) {
            this.warn([...p, 'var'], `variable "${ref}" is used as a secret: declare it \`secret: true\` so it is never written anywhere`);
          }
        }
        for (const k of Object.keys(v)) {
          p.push(k);
          walk(v[k]);
          p.pop();
        }
      }
    };
    walk(data);
    for (const name of names) if (!used.has(name)) this.warn(['vars', name], `variable "${name}" is never used`, { key: true });
  }

  // ── model ───────────────────────────────────────────────────────────────
  /** a Position whose line/col are computed (from the YAML Document) only when first read */
  private lazyPos(p: PathSeg[]): Position {
    let at: LineCol | undefined;
    const get = () => (at ??= this.pos.pos(p));
    const out = { file: this.file } as Position;
    Object.defineProperty(out, 'line', { get: () => get().line, enumerable: true });
    Object.defineProperty(out, 'col', { get: () => get().col, enumerable: true });
    return out;
  }

  private build(data: Obj, checks: CheckRef[]): Checklist {
    const specAt = new Map(checks.map((c) => [formatPath(c.path), c.spec]));
    const vars: VarDef[] = Object.entries(isObj(data.vars) ? data.vars : {}).map(([name, d]) => {
      const def = (d ?? {}) as Obj;
      return {
        name,
        description: str(def.description),
        default: def.default === undefined ? undefined : String(def.default),
        secret: def.secret === true,
      };
    });
    const blocks: Block[] = (data.blocks as Obj[]).map((b, bi) => {
      const bid = String(b.id);
      const items: Item[] = (b.items as Obj[]).map((it, ii) => {
        const p: PathSeg[] = ['blocks', bi, 'items', ii];
        const check = it.check ? specAt.get(formatPath([...p, 'check'])) : undefined;
        const checksObj = isObj(it.checks) ? it.checks : undefined;
        const checks = checksObj
          ? Object.fromEntries(Object.keys(checksObj).map((name) => [name, specAt.get(formatPath([...p, 'checks', name]))!]))
          : undefined;
        const kinds = check ? [check.kind] : Object.values(checks ?? {}).map((c) => c.kind);
        const manualOnly = kinds.length > 0 && kinds.every((k) => k === 'manual');
        const signoff = (it.signoff as SignoffPolicy | undefined) ?? (manualOnly ? 'required' : 'none');
        const rem = isObj(it.remediation) ? it.remediation : undefined;
        const deps = it.dependsOn;
        return {
          id: String(it.id),
          blockId: bid,
          title: String(it.title),
          description: str(it.description),
          metric: str(it.metric),
          estimateMs: typeof it.estimate === 'string' ? parseDuration(it.estimate) : undefined,
          blocking: it.blocking !== false,
          owner: str(it.owner),
          role: str(it.role),
          check,
          checks,
          expect: str(it.expect),
          signoff,
          signoffRoles: Array.isArray(it.signoffRoles) ? it.signoffRoles.map(String) : [],
          approvals: typeof it.approvals === 'number' ? it.approvals : 1,
          noSelfApproval: it.noSelfApproval === true,
          remediation: rem ? { text: str(rem.text), command: str(rem.command) } : undefined,
          runbook: str(it.runbook),
          dependsOn: typeof deps === 'string' ? [deps] : Array.isArray(deps) ? deps.map(String) : [],
          timeoutMs: typeof it.timeout === 'string' ? parseDuration(it.timeout) : undefined,
          retries: typeof it.retries === 'number' ? it.retries : 0,
          reference: str(it.reference),
          pos: this.lazyPos(p),
        } satisfies Item;
      });
      return {
        id: bid,
        title: String(b.title),
        description: str(b.description),
        successMetrics: Array.isArray(b.successMetrics) ? b.successMetrics.map(String) : [],
        items,
        pos: this.lazyPos(['blocks', bi]),
      } satisfies Block;
    });
    const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
    const rb = isObj(data.rollback) ? data.rollback : undefined;
    return {
      apiVersion: API_VERSION,
      name: String(data.name),
      title: String(data.title),
      description: str(data.description),
      vars,
      blocks,
      successMetrics: list(data.successMetrics),
      deliverables: (Array.isArray(data.deliverables) ? (data.deliverables as Obj[]) : []).map((d, di) => ({
        path: String(d.path),
        description: str(d.description),
        check: d.check ? specAt.get(formatPath(['deliverables', di, 'check'])) : undefined,
      })),
      risks: (Array.isArray(data.risks) ? (data.risks as Obj[]) : []).map((r) => ({
        risk: String(r.risk),
        probability: str(r.probability),
        impact: str(r.impact),
        mitigation: str(r.mitigation),
        earlyWarning: str(r.earlyWarning),
      })),
      rollback: rb ? { detection: list(rb.detection), steps: list(rb.steps), time: str(rb.time) } : undefined,
      source: { path: '', sha256: createHash('sha256').update(this.bytes).digest('hex'), bytes: this.bytes },
    };
  }
}

/**
 * Validate checklist bytes. `file` is how positions name the file; `absPath` goes into checklist.source.path.
 * `documentPath` forces the (slower) YAML Document path for everything; results are the same.
 */
export function validateSource(
  bytes: Buffer,
  file: string,
  absPath: string = path.resolve(file),
  opts: { documentPath?: boolean } = {},
): ValidationResult {
  const v = new Validator(bytes, file, opts.documentPath === true);
  const checklist = v.run();
  if (checklist) checklist.source.path = absPath;
  return { checklist, problems: v.problems };
}

export function errorsOf(problems: Problem[]): Problem[] {
  return problems.filter((p) => p.severity === 'error');
}
