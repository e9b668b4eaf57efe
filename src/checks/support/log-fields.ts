/**
 * Structured-log field detection (check-domain §5): which keys carry the timestamp, level, service and trace id in
 * the common logging libraries, how OTLP/JSON and container-runtime wrappers are unwrapped, and how a sample of
 * lines is scored. Pure functions: logs-structured.ts feeds it lines from files, commands or pods.
 */

export type Json = Record<string, unknown>;

/**
 * Default synonyms per required field. Names are matched case-insensitively (`LEVEL`, `Level` and `level` are one
 * name), so each is listed once; dotted names are tried both as a literal key ("log.level") and as a path
 * ({log: {level}}).
 */
export const DEFAULT_FIELDS: Record<string, string[]> = {
  timestamp: ['timestamp', 'ts', 'time', '@timestamp', 't', '@t', 'timeUnixNano', 'observedTimeUnixNano', 'timeMillis', 'asctime'],
  level: ['level', 'severity', 'lvl', 'log.level', '@l', 'severityText', 'severityNumber', 'levelname'],
  service: ['service', 'service.name', 'app', 'logger', 'serviceName', 'service_name', 'dd.service', 'application'],
  trace_id: ['trace_id', 'traceId', 'trace.id', 'dd.trace_id', 'otelTraceID', '@tr'],
};

/** "timestamp: timestamp|ts|…; level: …" — the synonyms as the kind's documentation shows them */
export function describeFields(fields: Record<string, string[]> = DEFAULT_FIELDS): string {
  return Object.entries(fields)
    .map(([f, syn]) => `${f}: ${syn.join('|')}`)
    .join('; ');
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** per object: lower-cased key → the key as spelled (the first spelling wins), built once per record */
const lowerKeys = new WeakMap<Json, Map<string, string>>();

/** The key of `rec` equal to `name` ignoring case (the exact spelling wins when both exist). */
function keyOf(rec: Json, name: string): string | undefined {
  if (name in rec) return name;
  let index = lowerKeys.get(rec);
  if (!index) {
    index = new Map();
    for (const k of Object.keys(rec)) if (!index.has(k.toLowerCase())) index.set(k.toLowerCase(), k);
    lowerKeys.set(rec, index);
  }
  return index.get(name.toLowerCase());
}

/** A key found in a record: its value and the path as the record spells it (e.g. "Logger", "log.level"). */
export interface Found {
  key: string;
  value: unknown;
}

/**
 * Look a name up case-insensitively, as a literal key first ("service.name" flat), then as a dotted path
 * (service → name), trying every split point so "a.b.c" finds {"a.b": {c}} too.
 */
export function find(rec: Json, name: string): Found | undefined {
  const flat = keyOf(rec, name);
  if (flat !== undefined) return { key: flat, value: rec[flat] };
  if (!name.includes('.')) return undefined;
  const parts = name.split('.');
  for (let i = 1; i < parts.length; i++) {
    const head = keyOf(rec, parts.slice(0, i).join('.'));
    const v = head === undefined ? undefined : rec[head];
    if (isObj(v)) {
      const inner = find(v, parts.slice(i).join('.'));
      if (inner !== undefined) return { key: `${head}.${inner.key}`, value: inner.value };
    }
  }
  return undefined;
}

/** The value under a name (see find), or undefined. */
export function lookup(rec: Json, name: string): unknown {
  return find(rec, name)?.value;
}

const TRACE_RE = /^(?:[0-9a-f]{16}|[0-9a-f]{32})$/i;

/** A value that counts as absent: the key carries nothing. */
function empty(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}

/**
 * Is this present value well-formed for the field? (trace ids: 16/32 hex or decimal, not all zeros; levels: a
 * name, a number, or loguru's {Name}; OTel severityNumber 1–24). A present value that is not is *malformed*.
 */
export function validValue(field: string, key: string, v: unknown): boolean {
  if (empty(v)) return false;
  if (field === 'trace_id') {
    const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v : '';
    if (!s || /^0+$/.test(s)) return false;
    return TRACE_RE.test(s) || /^\d{1,20}$/.test(s);
  }
  if (field === 'level') {
    if (typeof v === 'number') return /(^|\.)severitynumber$/i.test(key) ? v >= 1 && v <= 24 : v >= 0;
    if (isObj(v)) return typeof v.Name === 'string' || typeof v.name === 'string'; // loguru {Level: {Name, No}}
    return typeof v === 'string';
  }
  if (field === 'timestamp') return typeof v === 'string' || typeof v === 'number' || isObj(v);
  return typeof v === 'string' || typeof v === 'number';
}

/** How a record carries a field: the key that holds it, and whether its value is well-formed. */
export interface FieldMatch {
  key: string;
  valid: boolean;
  /** the value as found (for reporting malformed ones) */
  value?: unknown;
}

/**
 * The key (of the synonyms) that carries the field, if any: a well-formed value wins over a malformed one (a record
 * with `traceId` valid and `trace_id` malformed carries a trace id); a present-but-malformed value is still present.
 */
export function matchField(rec: Json, field: string, synonyms: string[]): FieldMatch | undefined {
  let malformed: FieldMatch | undefined;
  for (const name of synonyms) {
    const f = find(rec, name);
    if (!f || empty(f.value)) continue;
    if (validValue(field, f.key, f.value)) return { key: f.key, valid: true };
    malformed ??= { key: f.key, valid: false, value: f.value };
  }
  // Serilog CLEF: an absent @l means "Information"
  if (!malformed && field === 'level' && '@t' in rec && ('@m' in rec || '@mt' in rec)) return { key: '@l (absent = Information)', valid: true };
  return malformed;
}

/** The key carrying a well-formed value for this field, if any. */
export function findField(rec: Json, field: string, synonyms: string[]): string | undefined {
  const m = matchField(rec, field, synonyms);
  return m?.valid ? m.key : undefined;
}

export type LineKind = 'json' | 'otlp' | 'wrapped' | 'text' | 'invalid-json' | 'non-object';

export interface UnwrappedLine {
  kind: LineKind;
  /** log records found on the line (OTLP lines can carry many; text lines none) */
  records: Json[];
}

/** OTLP/JSON LogsData → flat records with resource attributes merged (service.name from the resource). */
export function unwrapOtlp(doc: Json): Json[] | undefined {
  if (!Array.isArray(doc.resourceLogs)) return undefined;
  const out: Json[] = [];
  for (const rl of doc.resourceLogs) {
    if (!isObj(rl)) continue;
    const resource = isObj(rl.resource) ? attrs(rl.resource.attributes) : {};
    for (const sl of Array.isArray(rl.scopeLogs) ? rl.scopeLogs : []) {
      if (!isObj(sl)) continue;
      for (const r of Array.isArray(sl.logRecords) ? sl.logRecords : []) {
        if (!isObj(r)) continue;
        out.push({ ...resource, ...attrs(r.attributes), ...r });
      }
    }
  }
  return out;
}

function anyValue(v: unknown): unknown {
  if (!isObj(v)) return v;
  for (const k of ['stringValue', 'intValue', 'doubleValue', 'boolValue']) if (k in v) return v[k];
  return v;
}

function attrs(list: unknown): Json {
  const out: Json = {};
  if (!Array.isArray(list)) return out;
  for (const a of list) if (isObj(a) && typeof a.key === 'string') out[a.key] = anyValue(a.value);
  return out;
}

const CRI_RE = /^\d{4}-\d\d-\d\dT\S+ (?:stdout|stderr) [FP] (.*)$/;

/** Classify one line and extract its records (Docker json-file and CRI wrappers are unwrapped first). */
export function unwrapLine(line: string): UnwrappedLine {
  const cri = CRI_RE.exec(line);
  if (cri) {
    const inner = unwrapLine(cri[1] ?? '');
    return inner.kind === 'json' || inner.kind === 'otlp' ? { ...inner, kind: 'wrapped' } : inner;
  }
  const t = line.trim();
  if (!t.startsWith('{') && !t.startsWith('[')) return { kind: 'text', records: [] };
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    return { kind: 'invalid-json', records: [] };
  }
  if (!isObj(v)) return { kind: 'non-object', records: [] };
  const otlp = unwrapOtlp(v);
  if (otlp) return { kind: 'otlp', records: otlp };
  // Docker json-file driver: {"log":"<line>\n","stream":"stdout","time":"..."}
  if (typeof v.log === 'string' && typeof v.stream === 'string' && Object.keys(v).length <= 4) {
    const inner = unwrapLine(v.log.replace(/\n$/, ''));
    return inner.kind === 'json' || inner.kind === 'otlp' ? { ...inner, kind: 'wrapped' } : inner;
  }
  return { kind: 'json', records: [v] };
}

export interface Offender {
  line: number;
  source: string;
  reason: string;
  text: string;
}

export interface LogAnalysis {
  lines: number;
  structuredLines: number;
  structuredPercent: number;
  records: number;
  /**
   * field → {present, percent, keys: {key: count}, malformed} over records; `present` counts every record carrying
   * the field, `malformed` those whose value is not well-formed (e.g. a 15-digit trace id)
   */
  fields: Record<string, FieldStats>;
  commonFields: string[];
  /** fields with at least one malformed value */
  malformedFields: string[];
  /** up to maxOffenders malformed values per field, as found [{source, line, key, value}] */
  malformedValues: Record<string, MalformedValue[]>;
  kinds: Record<string, number>;
  offenders: Offender[];
}

export interface FieldStats {
  present: number;
  percent: number;
  keys: Record<string, number>;
  malformed: number;
}

export interface MalformedValue {
  source: string;
  line: number;
  key: string;
  value: string;
}

export interface AnalyzeOptions {
  fields?: Record<string, string[]>;
  /** a field is common when present in at least this share of records (0..1) */
  commonThreshold?: number;
  maxOffenders?: number;
}

/** Incremental scorer: feed lines (and whole JSON documents), then read `result()`. */
export class LogScorer {
  private readonly fields: Record<string, string[]>;
  private readonly threshold: number;
  private readonly maxOffenders: number;
  private lines = 0;
  private structured = 0;
  private records = 0;
  private readonly present: Record<string, { n: number; keys: Record<string, number>; malformed: MalformedValue[]; malformedN: number }> = {};
  private readonly kinds: Record<string, number> = {};
  private readonly offenders: Offender[] = [];

  constructor(opts: AnalyzeOptions = {}) {
    this.fields = opts.fields ?? DEFAULT_FIELDS;
    this.threshold = opts.commonThreshold ?? 0.9;
    this.maxOffenders = opts.maxOffenders ?? 5;
    for (const f of Object.keys(this.fields)) this.present[f] = { n: 0, keys: {}, malformed: [], malformedN: 0 };
  }

  addLine(line: string, source: string, lineNo: number): void {
    if (line.trim() === '') return; // blank lines are not log lines
    this.lines++;
    const u = unwrapLine(line);
    this.kinds[u.kind] = (this.kinds[u.kind] ?? 0) + 1;
    if (u.kind === 'json' || u.kind === 'otlp' || u.kind === 'wrapped') {
      this.structured++;
      this.addRecords(u.records, line, source, lineNo);
    } else {
      this.offend(source, lineNo, u.kind === 'text' ? 'not JSON' : u.kind === 'invalid-json' ? 'invalid JSON' : 'JSON but not an object', line);
    }
  }

  /**
   * A whole multi-line JSON document (a pretty-printed OTLP export, or a JSON array of records): each record counts
   * as one structured "line", since the document's physical lines are formatting, not log lines.
   */
  addDocument(doc: unknown, source: string): void {
    const recs = isObj(doc) ? (unwrapOtlp(doc) ?? [doc]) : Array.isArray(doc) ? doc.filter(isObj) : [];
    const kind = isObj(doc) && Array.isArray(doc.resourceLogs) ? 'otlp-document' : 'json-document';
    this.kinds[kind] = (this.kinds[kind] ?? 0) + recs.length;
    this.lines += recs.length;
    this.structured += recs.length;
    this.addRecords(recs, JSON.stringify(doc), source, 1);
  }

  private addRecords(recs: Json[], line: string, source: string, lineNo: number): void {
    for (const rec of recs) {
      this.records++;
      const missing: string[] = [];
      const malformed: string[] = [];
      for (const [field, syn] of Object.entries(this.fields)) {
        const m = matchField(rec, field, syn);
        const slot = this.present[field]!;
        if (!m) {
          missing.push(field);
          continue;
        }
        slot.n++;
        slot.keys[m.key] = (slot.keys[m.key] ?? 0) + 1;
        if (m.valid) continue;
        slot.malformedN++;
        const value = typeof m.value === 'string' ? m.value : JSON.stringify(m.value);
        malformed.push(`${field} ${m.key}=${value.length > 80 ? `${value.slice(0, 80)}…` : value}`);
        if (slot.malformed.length < this.maxOffenders) slot.malformed.push({ source, line: lineNo, key: m.key, value });
      }
      const reasons = [missing.length ? `missing ${missing.join(', ')}` : '', malformed.length ? `malformed ${malformed.join(', ')}` : ''];
      if (missing.length || malformed.length) this.offend(source, lineNo, reasons.filter(Boolean).join('; '), line);
    }
  }

  private offend(source: string, line: number, reason: string, text: string): void {
    if (this.offenders.length >= this.maxOffenders) return;
    this.offenders.push({ source, line, reason, text: text.length > 300 ? `${text.slice(0, 300)}…` : text });
  }

  result(): LogAnalysis {
    const pct = (n: number, d: number) => (d === 0 ? 0 : Math.round((n / d) * 10000) / 100);
    const fields: LogAnalysis['fields'] = {};
    const malformedValues: LogAnalysis['malformedValues'] = {};
    for (const [f, slot] of Object.entries(this.present)) {
      fields[f] = { present: slot.n, percent: pct(slot.n, this.records), keys: slot.keys, malformed: slot.malformedN };
      if (slot.malformedN > 0) malformedValues[f] = [...slot.malformed];
    }
    const commonFields = Object.entries(this.present)
      .filter(([, s]) => this.records > 0 && s.n / this.records >= this.threshold)
      .map(([f]) => f);
    return {
      lines: this.lines,
      structuredLines: this.structured,
      structuredPercent: pct(this.structured, this.lines),
      records: this.records,
      fields,
      commonFields,
      malformedFields: Object.keys(malformedValues),
      malformedValues,
      kinds: { ...this.kinds },
      offenders: [...this.offenders],
    };
  }
}
