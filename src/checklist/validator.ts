/**
 * The checklist validator: YAML text → every problem with file:line:col, the YAML path and what was expected → the
 * typed model of model.ts. Never throws for bad content.
 *
 * One way to read a checklist: the `yaml` package's Document (exact syntax errors, positions; positions.ts) and the
 * zod schemas. Order: input limits (limits.ts) → YAML syntax (stop there: positions after a syntax error are
 * unreliable) → structure (zod schema, worded by schema-issues.ts) → kinds and their params (each kind's own zod
 * schema, from the catalog of kinds the reader passes in: kinds.ts) → expectations (JSONata syntax) → ids,
 * dependencies, cycles (ids.ts) → variables. All problems are collected; the model is built only when there is no
 * error.
 *
 * Over 400 lines: the per-item rules, the checks, the variables and the model all add problems at YAML paths that
 * become positions only at the end (resolve()); they share that list and the Document, so they stay one class.
 */
import { createHash } from 'node:crypto';
import type { Document } from 'yaml';
import { parseDuration } from './duration.js';
import type { AddProblem, Message, Problem } from './errors.js';
import type { KindCatalog, KindSpec } from './kinds.js';
import { findMalformedVarRefs, findVarRefs } from './interpolate.js';
import type { Block, CheckSpec, Checklist, Item, Position, SignoffPolicy, VarDef } from './model.js';
import { formatPath, type LineCol, type PathSeg } from './path-format.js';
import { checkExpectSyntax } from './expect.js';
import { expressionLimit, fileSizeLimit, type LimitCrossed } from './limits.js';
import { readDocument, type SourcePositions } from './positions.js';
import { parseSize, SIZE_PATTERN } from './size.js';
import { checklistSchema } from './schema.js';
import { API_VERSION, CHECK_BASE_KEYS } from './schema-constants.js';
import { didYouMean } from './suggest.js';
import { checkIds } from './ids.js';
import { getAt, schemaIssues, typeName } from './schema-issues.js';

export interface ValidationResult {
  /** present only when there is no error (warnings allowed) */
  checklist?: Checklist;
  problems: Problem[];
}

/** a JSONata syntax error: its message and the character of the expression it points at */
export interface ExpectError {
  message: string;
  position?: number;
}

type Obj = Record<string, unknown>;
const MAX_YAML_ERRORS = 5;
const SECRET_REF_KEYS = new Set(['var', 'env', 'prefix']);
const BASE_KEYS = new Set<string>(CHECK_BASE_KEYS);
const FAILED = Symbol('failed');
interface Pending {
  path: PathSeg[];
  message: Message;
  severity: 'error' | 'warning';
  key?: boolean;
  at?: LineCol;
  /** a character inside the scalar at `path` */
  scalarIndex?: number;
}

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** expectations repeat across items: check each text once */
const expectErrors = new Map<string, ExpectError | undefined>();
function expectError(expr: string): ExpectError | undefined {
  if (expectErrors.has(expr)) return expectErrors.get(expr);
  // ${vars.x} → a same-length JSONata variable name so positions stay right
  const masked = expr.includes('${') ? expr.replace(/\$\{vars\.([A-Za-z_][A-Za-z0-9_]*)\}/g, (m) => '$' + 'v'.repeat(m.length - 1)) : expr;
  const err = checkExpectSyntax(masked);
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
export function kindProblem(name: string, def: Pick<KindSpec, 'planned'> | undefined, known: readonly string[]): string | undefined {
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

/** checklist.source; the sha256 is computed when first read */
function sourceOf(bytes: Buffer): Checklist['source'] {
  let sha256: string | undefined;
  return {
    path: '',
    get sha256() {
      return (sha256 ??= createHash('sha256').update(bytes).digest('hex'));
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
  private readonly text: string;
  private readonly doc: Document;
  private readonly pos: SourcePositions;
  private readonly limit?: LimitCrossed;
  private knownKinds?: string[];

  constructor(
    private readonly bytes: Buffer,
    private readonly file: string,
    private readonly kinds: KindCatalog,
  ) {
    this.text = bytes.toString('utf8');
    ({ doc: this.doc, pos: this.pos, limit: this.limit } = readDocument(this.text, fileSizeLimit(bytes)));
  }

  private add(
    p: readonly PathSeg[],
    message: Message,
    o: { key?: boolean; at?: LineCol; severity?: 'error' | 'warning'; scalarIndex?: number } = {},
  ) {
    this.pending.push({ path: [...p], message, severity: o.severity ?? 'error', key: o.key, at: o.at, scalarIndex: o.scalarIndex });
  }
  private readonly addFn: AddProblem = (p, message, o) => this.add(p, message, o);
  private warn(p: readonly PathSeg[], message: Message, o: { key?: boolean; at?: LineCol; scalarIndex?: number } = {}) {
    this.add(p, message, { ...o, severity: 'warning' });
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

  /** the data of the `yaml` Document: exact syntax errors with positions, numeric ids as written, alias limits */
  private load(): unknown {
    const pos = this.pos;
    const doc = this.doc;
    if (this.limit) {
      this.add([], `${this.limit.message} (see "Limits" in docs/checklist-format.md)`, { at: pos.at(this.limit.offset) });
      return FAILED;
    }
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
      // aliases are bounded by aliasLimit() (limits.ts), which says where
      return doc.toJS({ maxAliasCount: -1 });
    } catch (err) {
      this.add([], `YAML: ${(err as Error).message}`);
      return FAILED;
    }
  }

  run(): Checklist | undefined {
    const data = this.load();
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
    checkIds(data, this.addFn);
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
    const r = checklistSchema.safeParse(data);
    if (!r.success) schemaIssues(r.error.issues, [], data, checklistSchema, this.addFn);
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
    const def = this.kinds.get(kindName);
    if (!def) this.knownKinds ??= [...this.kinds.values()].filter((k) => !k.planned).map((k) => k.kind);
    const problem = kindProblem(kindName, def, this.knownKinds ?? []);
    if (problem) {
      this.add([...c.path, 'kind'], problem);
    }
    const expect = str(c.raw.expect);
    if (expect !== undefined) this.expectSyntax(c.path, 'expect', expect);
    if (problem || !def) return;

    const params: Obj = {};
    for (const k in c.raw) if (!BASE_KEYS.has(k)) params[k] = c.raw[k];
    // the params as the kind runs them (defaults applied), or what is wrong with them
    const r = def.params.safeParse(params);
    let parsed: Obj = params;
    if (r.success) parsed = (isObj(r.data) ? r.data : params) as Obj;
    else {
      // a parameter written as ${vars.x} can only be judged once the variable has its value (at run time)
      const issues = r.error.issues.filter((i) => {
        const v = getAt(params, i.path as PathSeg[]);
        return !(typeof v === 'string' && findVarRefs(v).length > 0);
      });
      if (issues.length > 0) schemaIssues(issues, c.path, params, def.params, this.addFn);
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
    const limit = expressionLimit(expr);
    if (limit) {
      this.add([...parent, key], `${limit.message} (see "Limits" in docs/checklist-format.md)`, { scalarIndex: limit.offset });
      return;
    }
    const err = expectError(expr);
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
        if (it.blocking === false && typeof it.waiverApprovals === 'number' && it.waiverApprovals > 0)
          this.warn(p('waiverApprovals'), 'ignored: only a blocking item\'s waivers need approval (the item says `blocking: false`)', { key: true });
        const retries = typeof it.retries === 'number' ? it.retries : 0;
        if (retries > 0 && kindCount > 0) {
          const anyMutating = [it.check, ...(isObj(it.checks) ? Object.values(it.checks) : [])].some((c) => isObj(c) && c.mutating === true);
          if (anyMutating) this.warn(p('retries'), 'retrying a mutating check repeats its changes to the environment', { key: true });
        }
        if (typeof it.estimate === 'string' && durationMs(it.estimate) === 0) this.add(p('estimate'), `expected a duration greater than zero, got ${typeName(it.estimate)}`);
        if (typeof it.timeout === 'string' && durationMs(it.timeout) === 0) this.add(p('timeout'), `expected a duration greater than zero, got ${typeName(it.timeout)}`);
        if (typeof it.maxAge === 'string' && durationMs(it.maxAge) === 0) this.add(p('maxAge'), `expected a duration greater than zero, got ${typeName(it.maxAge)}`);
        if (typeof it.watch === 'string' && durationMs(it.watch) === 0) this.add(p('watch'), `expected a duration greater than zero, got ${typeName(it.watch)}`);
        if (typeof it.outputLimit === 'string' && new RegExp(SIZE_PATTERN, 'i').test(it.outputLimit) && parseSize(it.outputLimit) === undefined) {
          this.add(p('outputLimit'), `expected a size greater than zero, got ${typeName(it.outputLimit)}`);
        }
      });
    });
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

  // ── model ───────────────────────────────────────────────────────────────
  /** the Position of a block or item at path `p` (of its key with `key: true`) */
  private position(p: PathSeg[], opts: { key?: boolean } = {}): Position {
    return { file: this.file, ...this.pos.pos(p, opts) };
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
    const maxAgeOf = (o: Obj) => (typeof o.maxAge === 'string' ? durationMs(o.maxAge) : undefined);
    const watchOf = (o: Obj) => (typeof o.watch === 'string' ? durationMs(o.watch) : undefined);
    const waiverApprovalsOf = (o: Obj) => (typeof o.waiverApprovals === 'number' ? o.waiverApprovals : undefined);
    const blocks: Block[] = (data.blocks as Obj[]).map((b, bi) => {
      const bid = String(b.id);
      const blockMaxAge = maxAgeOf(b) ?? maxAgeOf(data);
      const blockWatch = watchOf(b) ?? watchOf(data);
      const blockWaiverApprovals = waiverApprovalsOf(b) ?? waiverApprovalsOf(data);
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
          maxAgeMs: maxAgeOf(it) ?? blockMaxAge,
          watchMs: watchOf(it) ?? blockWatch,
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
          waiverApprovals: waiverApprovalsOf(it) ?? blockWaiverApprovals ?? 0,
          remediation: rem ? { text: str(rem.text), command: str(rem.command) } : undefined,
          runbook: str(it.runbook),
          dependsOn: typeof deps === 'string' ? [deps] : Array.isArray(deps) ? deps.map(String) : [],
          timeoutMs: typeof it.timeout === 'string' ? durationMs(it.timeout) : undefined,
          outputLimitBytes: typeof it.outputLimit === 'string' ? parseSize(it.outputLimit) : undefined,
          retries: typeof it.retries === 'number' ? it.retries : 0,
          reference: str(it.reference),
          maskCredentials: it.maskCredentials === false || [it.check, ...Object.values(isObj(it.checks) ? it.checks : {})].some((c) => isObj(c) && c.maskCredentials === false) ? false : undefined,
          pos: this.position(['blocks', bi, 'items', ii]),
        } satisfies Item;
      });
      return {
        id: bid,
        title: String(b.title),
        description: str(b.description),
        successMetrics: Array.isArray(b.successMetrics) ? b.successMetrics.map(String) : [],
        items,
        pos: this.position(['blocks', bi]),
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
      allowedSigners:
        typeof data.allowedSigners === 'string' ? { path: data.allowedSigners, pos: this.position(['allowedSigners'], { key: true }) } : undefined,
      source: sourceOf(this.bytes),
    };
  }
}
