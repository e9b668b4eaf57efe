/**
 * Structured-log field detection (check-domain §5): which keys carry the timestamp, level, service and trace id in
 * the common logging libraries, how OTLP/JSON and container-runtime wrappers are unwrapped, and how a sample of
 * lines is scored. Pure functions: logs-structured.ts feeds it lines from files, commands or pods.
 */

export type Json = Record<string, unknown>;

/** Default synonyms per required field. Dotted names are tried both as a literal key ("log.level") and as a path. */
export const DEFAULT_FIELDS: Record<string, string[]> = {
  timestamp: [
    'timestamp', 'ts', 'time', '@timestamp', 't', '@t', 'Timestamp', 'Time', 'timeUnixNano', 'observedTimeUnixNano',
    'timeMillis', 'asctime',
  ],
  level: ['level', 'severity', 'lvl', 'log.level', '@l', 'severityText', 'severityNumber', 'Level', 'levelname'],
  service: ['service', 'service.name', 'app', 'logger', 'serviceName', 'service_name', 'dd.service', 'application'],
  trace_id: ['trace_id', 'traceId', 'trace.id', 'dd.trace_id', 'traceID', 'TraceId', 'otelTraceID', '@tr'],
};

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Look a key up as a literal key first ("service.name" flat), then as a dotted path (service → name). */
export function lookup(rec: Json, key: string): unknown {
  if (key in rec) return rec[key];
  if (!key.includes('.')) return undefined;
  const parts = key.split('.');
  // try every split point so "log.level" finds {log: {level}} and "a.b.c" finds {"a.b": {c}} too
  for (let i = 1; i < parts.length; i++) {
    const head = parts.slice(0, i).join('.');
    const v = rec[head];
    if (isObj(v)) {
      const found = lookup(v, parts.slice(i).join('.'));
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

const TRACE_RE = /^(?:[0-9a-f]{16}|[0-9a-f]{32})$/i;

/** Is this a usable value for the field? (trace ids: 16/32 hex or decimal, not all zeros) */
export function validValue(field: string, key: string, v: unknown): boolean {
  if (v === undefined || v === null || v === '') return false;
  if (field === 'trace_id') {
    const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v : '';
    if (!s || /^0+$/.test(s)) return false;
    return TRACE_RE.test(s) || /^\d{1,20}$/.test(s);
  }
  if (field === 'level') {
    if (typeof v === 'number') return key === 'severityNumber' ? v >= 1 && v <= 24 : v >= 0;
    if (isObj(v)) return typeof v.Name === 'string' || typeof v.name === 'string'; // loguru {Level: {Name, No}}
    return typeof v === 'string';
  }
  if (field === 'timestamp') return typeof v === 'string' || typeof v === 'number' || isObj(v);
  return typeof v === 'string' || typeof v === 'number';
}

/** The key (of the synonyms) that carries a valid value for this field, if any. */
export function findField(rec: Json, field: string, synonyms: string[]): string | undefined {
  for (const key of synonyms) {
    if (validValue(field, key, lookup(rec, key))) return key;
  }
  // Serilog CLEF: an absent @l means "Information"
  if (field === 'level' && '@t' in rec && ('@m' in rec || '@mt' in rec)) return '@l (absent = Information)';
  return undefined;
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
  /** field → {present, percent, keys: {key: count}} over records */
  fields: Record<string, { present: number; percent: number; keys: Record<string, number> }>;
  commonFields: string[];
  kinds: Record<string, number>;
  offenders: Offender[];
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
  private readonly present: Record<string, { n: number; keys: Record<string, number> }> = {};
  private readonly kinds: Record<string, number> = {};
  private readonly offenders: Offender[] = [];

  constructor(opts: AnalyzeOptions = {}) {
    this.fields = opts.fields ?? DEFAULT_FIELDS;
    this.threshold = opts.commonThreshold ?? 0.9;
    this.maxOffenders = opts.maxOffenders ?? 5;
    for (const f of Object.keys(this.fields)) this.present[f] = { n: 0, keys: {} };
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
      for (const [field, syn] of Object.entries(this.fields)) {
        const key = findField(rec, field, syn);
        const slot = this.present[field]!;
        if (key) {
          slot.n++;
          slot.keys[key] = (slot.keys[key] ?? 0) + 1;
        } else missing.push(field);
      }
      if (missing.length) this.offend(source, lineNo, `missing ${missing.join(', ')}`, line);
    }
  }

  private offend(source: string, line: number, reason: string, text: string): void {
    if (this.offenders.length >= this.maxOffenders) return;
    this.offenders.push({ source, line, reason, text: text.length > 300 ? `${text.slice(0, 300)}…` : text });
  }

  result(): LogAnalysis {
    const pct = (n: number, d: number) => (d === 0 ? 0 : Math.round((n / d) * 10000) / 100);
    const fields: LogAnalysis['fields'] = {};
    for (const [f, slot] of Object.entries(this.present)) {
      fields[f] = { present: slot.n, percent: pct(slot.n, this.records), keys: slot.keys };
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
      kinds: { ...this.kinds },
      offenders: [...this.offenders],
    };
  }
}
