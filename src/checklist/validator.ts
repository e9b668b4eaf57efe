/**
 * The checklist validator: YAML data → every problem with file:line:col, the YAML path and what was expected → the
 * typed model of model.ts. Never throws for bad content.
 *
 * Order: YAML syntax (stop there: positions after a syntax error are unreliable) → structure (zod schema) →
 * kinds and their params (each kind's own zod schema) → expectations (JSONata syntax) → ids, dependencies, cycles
 * → variables. All problems are collected; the model is built only when there is no error.
 *
 * What it reads with is passed in (ValidatorSupport), so the same rules run on two paths:
 * - validator-zod.ts: zod, js-yaml and the `yaml` Document (positions, exact syntax errors) — every problem.
 * - validator-fast.ts: no zod, no YAML library, no jsonata; it settles a valid checklist (the common case, and the
 *   one that must be fast) and throws NEEDS_FULL at the first thing it cannot settle — any problem at all — and
 *   validateFile() (validate-file.ts) goes on with the zod path, reusing what was read, which reports it.
 */
import { createRequire } from 'node:module';
import type { Document } from 'yaml';
import type { z } from 'zod';
import type { CheckKind } from '../checks/contract.js';
import { parseDuration } from './duration.js';
import type { Problem } from './errors.js';
import { findMalformedVarRefs, findVarRefs, simpleVarRefNames } from './interpolate.js';
import type { Block, CheckSpec, Checklist, Item, Position, SignoffPolicy, VarDef } from './model.js';
import { formatPath, type LineCol, type PathSeg } from './path-format.js';
import type { SourcePositions } from './positions.js';
import { API_VERSION, CHECK_BASE_KEYS } from './schema-constants.js';
import { didYouMean } from './suggest.js';

export interface ValidationResult {
  /** present only when there is no error (warnings allowed) */
  checklist?: Checklist;
  problems: Problem[];
}

/** thrown by the fast path when it meets something only the zod path can settle (it never escapes validate*()) */
export const NEEDS_FULL: unique symbol = Symbol('needs the full validator');

/** the text must be read as a YAML Document */
export const SLOW: unique symbol = Symbol('slow');

export interface ReadYaml {
  data: unknown;
  /** where mappings that are list entries start (blocks, items): their `pos` without a YAML Document */
  entryOffsets?: Map<object, number>;
  /** every string value containing "${", and every mapping with a `var` key: variables are checked without a walk */
  refStrings?: string[];
  varMappings?: Record<string, unknown>[];
}

/** problems a zod schema found, with the schema (for "expected one of" key lists) */
export interface SchemaIssues {
  issues: readonly z.core.$ZodIssue[];
  schema: z.ZodType;
}

export interface KindSupport {
  planned?: boolean;
  /** the params as the kind runs them (defaults applied), or what is wrong with them */
  parseParams(params: Record<string, unknown>): { data: unknown } | SchemaIssues;
  mutating?(params: Record<string, unknown>): boolean;
}

/** a JSONata syntax error: its message and the character of the expression it points at */
export interface ExpectError {
  message: string;
  position?: number;
}

export interface ValidatorSupport {
  /** the data of a YAML text, or SLOW when only the YAML Document can read it */
  read(text: string): ReadYaml | typeof SLOW;
  /** the YAML Document with positions (numeric ids turned into their exact text); absent on the fast path */
  document?(text: string): { doc: Document; pos: SourcePositions };
  /** undefined when the data has the checklist's structure */
  structure(data: unknown): SchemaIssues | undefined;
  /** a registered kind; undefined when there is no such kind */
  kind(name: string): KindSupport | undefined;
  /** implemented kinds, for "known kinds: …" */
  knownKinds(): string[];
  /** undefined when the JSONata expression parses */
  expectSyntax(expr: string): ExpectError | undefined;
}

type Obj = Record<string, unknown>;
const MAX_YAML_ERRORS = 5;
const SECRET_REF_KEYS = new Set(['var', 'env', 'prefix']);
const BASE_KEYS = new Set<string>(CHECK_BASE_KEYS);
const FAILED = Symbol('failed');
const NO_IDS: string[] = [];
const NO_AT: number[] = [];

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

/** expectations repeat across items: check each text once */
const expectErrors = new Map<string, ExpectError | undefined>();
function expectError(expr: string, support: ValidatorSupport): ExpectError | undefined {
  if (expectErrors.has(expr)) return expectErrors.get(expr);
  // ${vars.x} → a same-length JSONata variable name so positions stay right
  const masked = expr.includes('${') ? expr.replace(/\$\{vars\.([A-Za-z_][A-Za-z0-9_]*)\}/g, (m) => '$' + 'v'.repeat(m.length - 1)) : expr;
  const err = support.expectSyntax(masked);
  if (expectErrors.size < 1000) expectErrors.set(expr, err);
  return err;
}

/** durations repeat (30m, 10m, …): parse each text once */
const durations = new Map<string, number | undefined>();
function durationMs(text: string): number | undefined {
  if (durations.has(text)) return durations.get(text);
  const ms = parseDuration(text);
  if (durations.size < 1000) durations.set(text, ms);
  return ms;
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

/**
 * The Position of each node from its offset in the text (line:col as the `yaml` package's LineCounter counts them).
 * The offsets come in document order (as the YAML reader records them), so one pass over the line breaks does.
 */
function positionsOf(text: string, offsets: Map<object, number>, file: string): Map<object, Position> {
  const out = new Map<object, Position>();
  let line = 1;
  let lineStart = 0;
  let nl = text.indexOf('\n');
  let last = -1;
  offsets.forEach((offset, node) => {
    if (offset < last) {
      // not in document order after all: start again from the top
      line = 1;
      lineStart = 0;
      nl = text.indexOf('\n');
    }
    last = offset;
    while (nl !== -1 && nl < offset) {
      line++;
      lineStart = nl + 1;
      nl = text.indexOf('\n', lineStart);
    }
    out.set(node, { file, line, col: offset - lineStart + 1 });
  });
  return out;
}

// node:crypto (a dozen internal modules) is loaded only when a sha256 is wanted
const requireBuiltin = createRequire(import.meta.url);

/** checklist.source; the sha256 is computed when first read (`validate` never reads it) */
function sourceOf(bytes: Buffer): Checklist['source'] {
  let sha256: string | undefined;
  return {
    path: '',
    get sha256() {
      return (sha256 ??= (requireBuiltin('node:crypto') as typeof import('node:crypto')).createHash('sha256').update(bytes).digest('hex'));
    },
    bytes,
  };
}

interface CheckRef {
  path: PathSeg[];
  raw: Obj;
  spec?: CheckSpec;
}

export class Validator {
  readonly problems: Problem[] = [];
  private readonly pending: Pending[] = [];
  private posCache?: SourcePositions;
  private doc?: Document;
  private readonly text: string;
  private knownKinds?: string[];
  private entryOffsets?: Map<object, number>;
  private refs?: { strings: string[]; mappings: Record<string, unknown>[] };
  private entryPositions?: Map<object, Position>;

  constructor(
    private readonly bytes: Buffer,
    private readonly file: string,
    private readonly support: ValidatorSupport,
    /** read with the YAML Document only (tests compare both paths) */
    private readonly documentOnly = false,
  ) {
    this.text = bytes.toString('utf8');
  }

  private add(
    p: readonly PathSeg[],
    message: Message,
    o: { key?: boolean; at?: LineCol; severity?: 'error' | 'warning'; scalarIndex?: number } = {},
  ) {
    // a problem needs positions: the fast path has none
    if (!this.support.document) throw NEEDS_FULL;
    this.pending.push({ path: [...p], message, severity: o.severity ?? 'error', key: o.key, at: o.at, scalarIndex: o.scalarIndex });
  }
  private warn(p: readonly PathSeg[], message: Message, o: { key?: boolean; at?: LineCol; scalarIndex?: number } = {}) {
    this.add(p, message, { ...o, severity: 'warning' });
  }

  /** the YAML Document with positions, built on first need */
  private get pos(): SourcePositions {
    if (!this.posCache) {
      if (!this.support.document) throw NEEDS_FULL;
      const { doc, pos } = this.support.document(this.text);
      this.doc = doc;
      this.posCache = pos;
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

  /** the data without a YAML Document when possible; SLOW when the Document path is needed */
  private fastLoad(): unknown {
    if (this.documentOnly) return SLOW;
    const r = this.support.read(this.text);
    if (r === SLOW || hasNumericIds(r.data)) return SLOW;
    this.entryOffsets = r.entryOffsets;
    if (r.refStrings && r.varMappings) this.refs = { strings: r.refStrings, mappings: r.varMappings };
    return r.data;
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
    for (let i = 0; i < checks.length; i++) this.check(checks[i]!);
    this.itemRules(data);
    this.ids(data);
    this.variables(data);
    this.secretsOnCommandLines(data);
    return this.finish(data, checks);
  }

  private finish(data?: Obj, checks?: CheckRef[]): Checklist | undefined {
    this.resolve();
    if (!data || !checks || this.problems.some((p) => p.severity === 'error')) return undefined;
    return this.build(data, checks);
  }

  // ── structure ────────────────────────────────────────────────────────────
  private structure(data: unknown) {
    const r = this.support.structure(data);
    if (r) this.zodIssues(r.issues, [], data, r.schema);
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
    for (let bi = 0; bi < blocks.length; bi++) {
      const b: unknown = blocks[bi];
      if (!isObj(b) || !Array.isArray(b.items)) continue;
      for (let ii = 0; ii < b.items.length; ii++) {
        const it: unknown = b.items[ii];
        if (!isObj(it)) continue;
        if (isObj(it.check)) out.push({ path: ['blocks', bi, 'items', ii, 'check'], raw: it.check });
        if (isObj(it.checks)) {
          for (const [name, c] of Object.entries(it.checks)) if (isObj(c)) out.push({ path: ['blocks', bi, 'items', ii, 'checks', name], raw: c });
        }
      }
    }
    const dels = Array.isArray(data.deliverables) ? data.deliverables : [];
    dels.forEach((d, di) => {
      if (isObj(d) && isObj(d.check)) out.push({ path: ['deliverables', di, 'check'], raw: d.check });
    });
    return out;
  }

  private check(c: CheckRef) {
    const kindName = str(c.raw.kind);
    if (kindName === undefined) return; // structure() reported it
    const def = this.support.kind(kindName);
    if (!def) this.knownKinds ??= this.support.knownKinds();
    const problem = kindProblem(kindName, def, this.knownKinds ?? []);
    if (problem) {
      this.add([...c.path, 'kind'], problem);
    }
    const expect = str(c.raw.expect);
    if (expect !== undefined) this.expectSyntax(c.path, 'expect', expect);
    if (problem || !def) return;

    const params: Obj = {};
    for (const k in c.raw) if (!BASE_KEYS.has(k)) params[k] = c.raw[k];
    const r = def.parseParams(params);
    let parsed: Obj = params;
    if ('data' in r) parsed = (isObj(r.data) ? r.data : params) as Obj;
    else {
      // a parameter written as ${vars.x} can only be judged once the variable has its value (at run time)
      const issues = r.issues.filter((i) => {
        const v = getAt(params, i.path as PathSeg[]);
        return !(typeof v === 'string' && findVarRefs(v).length > 0);
      });
      if (issues.length > 0) this.zodIssues(issues, c.path, params, r.schema);
    }
    let mutating = c.raw.mutating === true;
    if (c.raw.mutating === undefined && def.mutating) {
      try {
        mutating = def.mutating(parsed);
      } catch {
        mutating = false;
      }
    }
    if (mutating && c.path[0] === 'deliverables') {
      this.add(
        c.raw.mutating === true ? [...c.path, 'mutating'] : [...c.path, 'kind'],
        "a deliverable's check runs without asking the operator, so it must not change the environment; make it an item (mutating checks are confirmed there)",
      );
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

  /** JSONata syntax of the expression at `parent`.`key` */
  private expectSyntax(parent: readonly PathSeg[], key: string, expr: string) {
    const err = expectError(expr, this.support);
    if (!err) return;
    this.add([...parent, key], `invalid JSONata expression: ${err.message}`, { scalarIndex: err.position });
  }

  // ── per-item rules ──────────────────────────────────────────────────────
  private itemRules(data: unknown) {
    if (!isObj(data) || !Array.isArray(data.blocks)) return;
    data.blocks.forEach((b, bi) => {
      if (!isObj(b) || !Array.isArray(b.items)) return;
      b.items.forEach((it, ii) => {
        if (!isObj(it)) return;
        // the item's path, built only for a problem
        const p = (...rest: PathSeg[]): PathSeg[] => ['blocks', bi, 'items', ii, ...rest];
        const hasCheck = it.check !== undefined;
        const hasChecks = it.checks !== undefined;
        if (hasCheck && hasChecks) this.add(p('checks'), 'use either `check` or `checks`, not both', { key: true });
        if (!hasCheck && !hasChecks) this.add(p(), 'expected `check` or `checks` (write `check: {kind: manual}` for a human-only item)');
        if (hasChecks && isObj(it.checks) && Object.keys(it.checks).length === 0) this.add(p('checks'), 'expected at least one named check');
        if (it.expect !== undefined && !hasChecks) {
          this.add(p('expect'), 'item-level `expect` aggregates `checks`; with a single `check`, put it in check.expect', { key: true });
        } else if (typeof it.expect === 'string') this.expectSyntax(p(), 'expect', it.expect);
        // the kinds of the item's checks: how many, and whether all are manual
        let kindCount = 0;
        let manualOnly = false;
        if (hasCheck && isObj(it.check)) {
          kindCount = 1;
          manualOnly = it.check.kind === 'manual';
        } else if (isObj(it.checks)) {
          const kinds = Object.values(it.checks).map((c) => (isObj(c) ? c.kind : undefined));
          kindCount = kinds.length;
          manualOnly = kinds.length > 0 && kinds.every((k) => k === 'manual');
        }
        if (manualOnly && it.signoff === 'none') this.add(p('signoff'), 'a manual check passes only by sign-off: use `optional` or `required`');
        if (it.signoff === 'none' || (it.signoff === undefined && !manualOnly)) {
          if (it.approvals !== undefined) this.warn(p('approvals'), 'ignored: the item needs no sign-off (set `signoff: required`)', { key: true });
          if (it.signoffRoles !== undefined) this.warn(p('signoffRoles'), 'ignored: the item needs no sign-off (set `signoff: required`)', { key: true });
        }
        const retries = typeof it.retries === 'number' ? it.retries : 0;
        if (retries > 0 && kindCount > 0) {
          const anyMutating = [it.check, ...(isObj(it.checks) ? Object.values(it.checks) : [])].some((c) => isObj(c) && c.mutating === true);
          if (anyMutating) this.warn(p('retries'), 'retrying a mutating check repeats its changes to the environment', { key: true });
        }
        if (typeof it.estimate === 'string' && durationMs(it.estimate) === 0) this.add(p('estimate'), `expected a duration greater than zero, got ${typeName(it.estimate)}`);
        if (typeof it.timeout === 'string' && durationMs(it.timeout) === 0) this.add(p('timeout'), `expected a duration greater than zero, got ${typeName(it.timeout)}`);
      });
    });
  }

  // ── ids and dependencies ────────────────────────────────────────────────
  private ids(data: unknown) {
    if (!isObj(data) || !Array.isArray(data.blocks)) return;
    // items by number (their block and index); paths are only built for a problem
    const bis: number[] = [];
    const iis: number[] = [];
    const itemPath = (n: number, ...rest: PathSeg[]): PathSeg[] => ['blocks', bis[n]!, 'items', iis[n]!, ...rest];
    const blockIds = new Map<string, number>();
    const itemIds = new Map<string, number>();
    /** per item id: the ids it depends on, and where each is written (-1: `dependsOn: x`, else the list index) */
    const deps = new Map<string, { n: number; ids: string[]; at: number[] }>();
    const order: string[] = [];
    const depPath = (d: { n: number; at: number[] }, k: number) => (d.at[k]! < 0 ? itemPath(d.n, 'dependsOn') : itemPath(d.n, 'dependsOn', d.at[k]!));
    data.blocks.forEach((b, bi) => {
      if (!isObj(b)) return;
      const bid = str(b.id);
      if (bid !== undefined) {
        const first = blockIds.get(bid);
        if (first !== undefined) this.add(['blocks', bi, 'id'], (lineOf) => `duplicate block id "${bid}" (first used at line ${lineOf(['blocks', first, 'id'])})`);
        else blockIds.set(bid, bi);
      }
      if (!Array.isArray(b.items)) return;
      b.items.forEach((it, ii) => {
        if (!isObj(it)) return;
        const id = str(it.id);
        if (id === undefined) return;
        const n = bis.length;
        bis.push(bi);
        iis.push(ii);
        const first = itemIds.get(id);
        if (first !== undefined) {
          this.add(itemPath(n, 'id'), (lineOf) => `duplicate item id "${id}" (first used at line ${lineOf(itemPath(first, 'id'))})`);
          return;
        }
        itemIds.set(id, n);
        order.push(id);
        const d = it.dependsOn;
        if (typeof d === 'string') deps.set(id, { n, ids: [d], at: [-1] });
        else if (Array.isArray(d) && d.length === 1 && typeof d[0] === 'string') deps.set(id, { n, ids: [d[0]], at: [0] });
        else if (Array.isArray(d)) {
          const ids: string[] = [];
          const at: number[] = [];
          for (let xi = 0; xi < d.length; xi++) {
            const x: unknown = d[xi];
            if (typeof x === 'string') {
              ids.push(x);
              at.push(xi);
            }
          }
          deps.set(id, { n, ids, at });
        } else deps.set(id, { n, ids: NO_IDS, at: NO_AT });
      });
    });
    deps.forEach((d, id) => {
      for (let k = 0; k < d.ids.length; k++) {
        const dep = d.ids[k]!;
        if (dep === id) this.add(depPath(d, k), `item "${id}" cannot depend on itself`);
        else if (!itemIds.has(dep)) {
          const isBlock = blockIds.has(dep) ? ` ("${dep}" is a block id; list the block's item ids)` : '';
          this.add(depPath(d, k), `unknown item "${dep}" in dependsOn${isBlock || didYouMean(dep, [...itemIds.keys()].filter((k) => k !== id))}`);
        }
      }
    });
    // cycles (self-dependencies already reported); none is possible when every item depends only on items above it
    let backward = true;
    deps.forEach((d) => {
      for (let k = 0; k < d.ids.length && backward; k++) {
        const to = itemIds.get(d.ids[k]!);
        if (to !== undefined && to >= d.n) backward = false;
      }
    });
    if (backward) return;
    const state = new Map<string, 1 | 2>();
    const stack: string[] = [];
    const seen = new Set<string>();
    const visit = (id: string) => {
      state.set(id, 1);
      stack.push(id);
      const mine = deps.get(id)!.ids;
      for (let k = 0; k < mine.length; k++) {
        const dep = mine[k]!;
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
            const d = deps.get(firstInFile)!;
            this.add(depPath(d, d.ids.indexOf(next)), `dependency cycle: ${[...rotated, firstInFile].join(' → ')}`);
          }
        } else if (s === undefined) visit(dep);
      }
      stack.pop();
      state.set(id, 2);
    };
    for (let i = 0; i < order.length; i++) if (!state.has(order[i]!)) visit(order[i]!);
  }

  /**
   * A secret interpolated into a command's `run:` or `argv:` is on its command line while it runs, and every user of
   * the machine reads command lines (`ps`): warn, and show the form that keeps it in the environment.
   */
  private secretsOnCommandLines(data: Obj) {
    const vars = isObj(data) && isObj(data.vars) ? data.vars : {};
    const secret = (name: string) => isObj(vars[name]) && (vars[name] as Obj).secret === true;
    if (!Object.keys(vars).some(secret)) return;
    const checkAt = (check: unknown, at: PathSeg[]) => {
      if (!isObj(check) || check.kind !== 'command') return;
      const lines: [PathSeg[], unknown][] = [[[...at, 'run'], check.run]];
      if (Array.isArray(check.argv)) check.argv.forEach((a, i) => lines.push([[...at, 'argv', i], a]));
      for (const [path, text] of lines) {
        if (typeof text !== 'string') continue;
        for (const ref of findVarRefs(text)) {
          if (!secret(ref.name)) continue;
          const envName = ref.name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
          this.warn(
            path,
            `secret variable "${ref.name}" is interpolated into the command line, which every user of the machine can read (ps) while it runs; ` +
              `pass it in the environment instead: env: {${envName}: "\${vars.${ref.name}}"} and use "$${envName}"`,
            { scalarIndex: ref.index },
          );
        }
      }
    };
    const blocks = isObj(data) && Array.isArray(data.blocks) ? data.blocks : [];
    blocks.forEach((b, bi) => {
      const items = isObj(b) && Array.isArray(b.items) ? b.items : [];
      items.forEach((it, ii) => {
        if (!isObj(it)) return;
        checkAt(it.check, ['blocks', bi, 'items', ii, 'check']);
        if (isObj(it.checks)) for (const [name, c] of Object.entries(it.checks)) checkAt(c, ['blocks', bi, 'items', ii, 'checks', name]);
      });
    });
    const deliverables = isObj(data) && Array.isArray(data.deliverables) ? data.deliverables : [];
    deliverables.forEach((d, di) => isObj(d) && checkAt(d.check, ['deliverables', di, 'check']));
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
    if (this.refs && this.variablesFine(vars, names, this.refs)) return;
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
        for (const k in v) {
          p.push(k);
          walk(v[k]);
          p.pop();
        }
      }
    };
    walk(data);
    for (const name of names) if (!used.has(name)) this.warn(['vars', name], `variable "${name}" is never used`, { key: true });
  }

  /**
   * With the YAML reader's list of strings holding "${" and mappings with a `var` key: true when the walk in
   * variables() would report nothing. (When it would, the walk runs and reports each problem at its path.)
   */
  private variablesFine(vars: Obj, names: string[], refs: { strings: string[]; mappings: Obj[] }): boolean {
    const used = new Set<string>();
    const strings = [...new Set(refs.strings)];
    const found: string[] = [];
    for (let i = 0; i < strings.length; i++) {
      const v = strings[i]!;
      found.length = 0;
      if (!simpleVarRefNames(v, found)) {
        if (findMalformedVarRefs(v).length > 0) return false;
        for (const ref of findVarRefs(v)) found.push(ref.name);
      }
      for (let k = 0; k < found.length; k++) {
        const name = found[k]!;
        if (!(name in vars)) return false;
        used.add(name);
      }
    }
    for (let i = 0; i < refs.mappings.length; i++) {
      const m = refs.mappings[i]!;
      const ref = m.var;
      if (typeof ref !== 'string' || !Object.keys(m).every((k) => SECRET_REF_KEYS.has(k))) continue;
      const def = vars[ref];
      if (!(ref in vars) || (isObj(def) && def.secret !== true)) return false;
      used.add(ref);
    }
    return names.every((name) => used.has(name));
  }

  // ── model ───────────────────────────────────────────────────────────────
  /**
   * The Position of a block or item (`node` at path `p`): from where the YAML reader saw it start, else computed from
   * the YAML Document when first read.
   */
  private position(node: object, p: PathSeg[]): Position {
    if (this.entryOffsets) {
      this.entryPositions ??= positionsOf(this.text, this.entryOffsets, this.file);
      const pos = this.entryPositions.get(node);
      if (pos) return pos;
    }
    let at: LineCol | undefined;
    const get = () => (at ??= this.pos.pos(p));
    const out = { file: this.file } as Position;
    Object.defineProperty(out, 'line', { get: () => get().line, enumerable: true });
    Object.defineProperty(out, 'col', { get: () => get().col, enumerable: true });
    return out;
  }

  private build(data: Obj, checks: CheckRef[]): Checklist {
    // build() meets the checks in the order collectChecks() listed them
    let next = 0;
    const specOf = (raw: Obj): CheckSpec | undefined => {
      const c = checks[next];
      if (c?.raw === raw) {
        next++;
        return c.spec;
      }
      return checks.find((x) => x.raw === raw)?.spec;
    };
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
        const check = it.check ? specOf(it.check as Obj) : undefined;
        const checksObj = isObj(it.checks) ? it.checks : undefined;
        const checks = checksObj ? Object.fromEntries(Object.keys(checksObj).map((name) => [name, specOf(checksObj[name] as Obj)!])) : undefined;
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
          estimateMs: typeof it.estimate === 'string' ? durationMs(it.estimate) : undefined,
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
          timeoutMs: typeof it.timeout === 'string' ? durationMs(it.timeout) : undefined,
          retries: typeof it.retries === 'number' ? it.retries : 0,
          reference: str(it.reference),
          pos: this.position(it, ['blocks', bi, 'items', ii]),
        } satisfies Item;
      });
      return {
        id: bid,
        title: String(b.title),
        description: str(b.description),
        successMetrics: Array.isArray(b.successMetrics) ? b.successMetrics.map(String) : [],
        items,
        pos: this.position(b, ['blocks', bi]),
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
      deliverables: (Array.isArray(data.deliverables) ? (data.deliverables as Obj[]) : []).map((d) => ({
        path: String(d.path),
        description: str(d.description),
        check: d.check ? specOf(d.check as Obj) : undefined,
      })),
      risks: (Array.isArray(data.risks) ? (data.risks as Obj[]) : []).map((r) => ({
        risk: String(r.risk),
        probability: str(r.probability),
        impact: str(r.impact),
        mitigation: str(r.mitigation),
        earlyWarning: str(r.earlyWarning),
      })),
      rollback: rb ? { detection: list(rb.detection), steps: list(rb.steps), time: str(rb.time) } : undefined,
      source: sourceOf(this.bytes),
    };
  }
}
