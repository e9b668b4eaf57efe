/**
 * Masking secret variable values, in strings (ctx.redact, describe lines, results) and in byte streams (evidence).
 *
 * Every value of a `secret: true` variable is replaced by `[REDACTED:<name>]`, and so are its common encodings
 * (URL-encoded, base64) because scripts print those too (an Authorization header, a connection URL).
 * Values shorter than MIN_SECRET_LENGTH are still masked — leaking a short secret is worse than noisy output.
 */
export interface SecretValue {
  name: string;
  value: string;
}

interface Needle {
  text: string;
  bytes: Buffer;
  mask: string;
  maskBytes: Buffer;
}

export interface Redactor {
  /** true when there is at least one secret value to mask */
  readonly active: boolean;
  redact(text: string): string;
  /** deep copy of a JSON-like value with every string redacted (object keys too) */
  redactValue<T>(value: T): T;
  /** a byte-stream redactor (one per stream: it keeps a carry-over window between chunks) */
  stream(): StreamRedactor;
}

export interface StreamRedactor {
  /** redact a chunk; returns the bytes that are safe to write now (a possible secret prefix is held back) */
  push(chunk: Buffer): Buffer;
  /** end of stream: the held-back bytes */
  end(): Buffer;
}

function variants(v: string): string[] {
  const out = new Set<string>([v]);
  const uri = encodeURIComponent(v);
  if (uri !== v) out.add(uri);
  if (v.length >= 4) {
    out.add(Buffer.from(v, 'utf8').toString('base64'));
    out.add(Buffer.from(v, 'utf8').toString('base64').replace(/=+$/, ''));
  }
  return [...out];
}

function needlesOf(secrets: SecretValue[]): Needle[] {
  const seen = new Set<string>();
  const out: Needle[] = [];
  for (const s of secrets) {
    if (!s.value) continue;
    for (const text of variants(s.value)) {
      if (!text || seen.has(text)) continue;
      seen.add(text);
      const mask = `[REDACTED:${s.name}]`;
      out.push({ text, bytes: Buffer.from(text, 'utf8'), mask, maskBytes: Buffer.from(mask, 'utf8') });
    }
  }
  // longest first: at one position the longest secret wins
  out.sort((a, b) => b.bytes.length - a.bytes.length);
  return out;
}

/** buf[q..] (up to the end of buf) equals the start of `needle` */
function couldStart(buf: Buffer, q: number, needle: Buffer): boolean {
  const n = Math.min(needle.length, buf.length - q);
  for (let i = 0; i < n; i++) if (buf[q + i] !== needle[i]) return false;
  return true;
}

export function createRedactor(secrets: SecretValue[]): Redactor {
  const needles = needlesOf(secrets);
  const active = needles.length > 0;
  const maxBytes = needles.reduce((m, n) => Math.max(m, n.bytes.length), 0);

  const redact = (text: string): string => {
    if (!active || !text) return text;
    let out = text;
    for (const n of needles) if (out.includes(n.text)) out = out.split(n.text).join(n.mask);
    return out;
  };

  const redactValue = <T>(value: T): T => {
    if (!active) return value;
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return redact(v);
      if (Array.isArray(v)) return v.map(walk);
      if (v && typeof v === 'object') {
        if (Buffer.isBuffer(v)) return v;
        const o: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v as Record<string, unknown>)) o[redact(k)] = walk(x);
        return o;
      }
      return v;
    };
    return walk(value) as T;
  };

  const stream = (): StreamRedactor => {
    if (!active) return { push: (c) => c, end: () => Buffer.alloc(0) };
    let carry: Buffer = Buffer.alloc(0);
    const process = (buf: Buffer, final: boolean): Buffer => {
      // a match starting before `safeEnd` is complete in `buf` for every secret length
      const safeEnd = final ? buf.length : Math.max(0, buf.length - (maxBytes - 1));
      const parts: Buffer[] = [];
      let pos = 0;
      for (;;) {
        let best = -1;
        let bestNeedle: Needle | undefined;
        for (const n of needles) {
          const at = buf.indexOf(n.bytes, pos);
          if (at >= 0 && (best < 0 || at < best)) {
            best = at;
            bestNeedle = n;
          }
        }
        if (!bestNeedle) break;
        if (!final && best >= safeEnd) {
          // a longer secret that does not fit in `buf` yet could start at or before this match: wait for more
          let ambiguous = false;
          for (let q = Math.max(pos, safeEnd); q <= best && !ambiguous; q++) {
            ambiguous = needles.some((m) => buf.length - q < m.bytes.length && couldStart(buf, q, m.bytes));
          }
          if (ambiguous) break;
        }
        if (best > pos) parts.push(buf.subarray(pos, best));
        parts.push(bestNeedle.maskBytes);
        pos = best + bestNeedle.bytes.length;
      }
      // hold back only from the first position where a secret could start (keeps streams interleaved in order)
      let emitTo = buf.length;
      if (!final) {
        for (let q = Math.max(pos, safeEnd); q < buf.length; q++) {
          if (needles.some((n) => couldStart(buf, q, n.bytes))) {
            emitTo = q;
            break;
          }
        }
      }
      if (emitTo > pos) parts.push(buf.subarray(pos, emitTo));
      carry = final ? Buffer.alloc(0) : Buffer.from(buf.subarray(emitTo));
      return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    };
    return {
      push(chunk) {
        const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
        return process(buf, false);
      },
      end() {
        return process(carry, true);
      },
    };
  };

  return { active, redact, redactValue, stream };
}
