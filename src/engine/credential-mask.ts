/**
 * Masking credential-shaped text (AWS access keys, GitHub tokens, private keys, JWTs, `password=` …) in what is
 * shown, journaled or reported — the live pane, `run --ci` lines, a check's recorded result (summary, result,
 * offending objects, error: maskCredentialsIn), the report's evidence tails. Evidence files are never masked
 * (they are hashed and signed as the check wrote them). Declared secrets are a different thing (redact.ts).
 *
 * Detection is secretlint's: the rules of @secretlint/secretlint-rule-preset-recommend (the same preset
 * secrets.scan runs), driven here through a minimal synchronous rule context instead of secretlint's async engine.
 * Why synchronous: the masking sits on the output flush path (output-feed.ts) and in report rendering, both
 * synchronous, and must not reorder or delay lines; the preset's rules are regex scanners whose `file` handler
 * reports synchronously for text without a file path (their only async work, PKCS#12 parsing, needs a file path,
 * which we never give). So secretlint's own patterns are reused, not copied. The preset covers neither JWTs nor
 * `password=`-style assignments; for those two shapes (named in issue #16) there are the two small patterns below.
 *
 * A match is replaced by `[MASKED:<rule>]` (e.g. `[MASKED:aws]`, `[MASKED:jwt]`). The preset is imported statically
 * (about 20 ms at start): masking is on by default, so it must be there before the first line is shown, and a
 * masker that could be forgotten or still loading would let that line through.
 */
import { creator } from '@secretlint/secretlint-rule-preset-recommend';

interface Rule {
  meta: { id: string };
  create(context: unknown, options: unknown): { file?: (source: unknown) => unknown };
}

/** the per-rule options secrets.scan uses too: AWS access key ids are reported (an `AKIA…` alone is a credential) */
const RULE_OPTIONS: Record<string, unknown> = { '@secretlint/secretlint-rule-aws': { enableIDScanRule: true } };
/** AWS account ids are not secrets (secrets.scan allows them too) */
const ALLOWED_MESSAGE_IDS = new Set(['AWSAccountID']);
/** filter-comments only acts on other rules' reports inside `secretlint-disable` comments: nothing to mask */
const SKIP_RULES = new Set(['@secretlint/secretlint-rule-filter-comments']);

/** shapes the preset does not know: a JWT (three base64url parts, the first two JSON objects) and the value of a `password=` */
const EXTRA: { name: string; re: RegExp; group: number }[] = [
  { name: 'jwt', re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, group: 0 },
  { name: 'password', re: /\b(?:password|passwd|pwd)\s*[=:]\s*["']?([^\s"'&;,]{3,})/gi, group: 1 },
];

export interface CredentialMasker {
  /** the text with every credential-shaped match replaced by `[MASKED:<rule>]` */
  mask(text: string): string;
}

type Range = [number, number, string];

function ruleName(id: string): string {
  return id.replace(/^@secretlint\/secretlint-rule-/, '');
}

/** ranges the preset's rules report in `text` (run synchronously) */
function presetRanges(rules: Rule[], text: string): Range[] {
  const out: Range[] = [];
  for (const rule of rules) {
    const name = ruleName(rule.meta.id);
    let messageId = '';
    const context = {
      report: (d: { range?: [number, number]; message?: { messageId?: string } }) => {
        const id = d.message?.messageId ?? messageId;
        if (d.range && !ALLOWED_MESSAGE_IDS.has(id)) out.push([d.range[0], d.range[1], name]);
      },
      ignore: () => {},
      createTranslator: () => (id: string, data: unknown) => ((messageId = id), { message: id, messageId: id, data }),
      sharedOptions: {},
      locale: 'en',
    };
    try {
      const handlers = rule.create(context, RULE_OPTIONS[rule.meta.id] ?? {});
      const ret = handlers.file?.({ content: text, ext: '.txt', contentType: 'text' });
      // an async handler's later reports are not waited for; its rejection must not surface as unhandled
      if (ret && typeof (ret as Promise<unknown>).catch === 'function') (ret as Promise<unknown>).catch(() => {});
    } catch {
      // a rule that throws on odd input masks nothing; the others still run
    }
  }
  return out;
}

export function createCredentialMasker(rules: Rule[]): CredentialMasker {
  const active = rules.filter((r) => !SKIP_RULES.has(r.meta.id));
  const mask = (text: string): string => {
    if (!text) return text;
    const ranges = presetRanges(active, text);
    for (const x of EXTRA) {
      for (const m of text.matchAll(x.re)) {
        const start = m.index + (x.group ? m[0].lastIndexOf(m[x.group]!) : 0);
        ranges.push([start, start + m[x.group]!.length, x.name]);
      }
    }
    if (!ranges.length) return text;
    ranges.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
    let out = '';
    let pos = 0;
    for (const [s, e, name] of ranges) {
      if (e <= pos) continue; // inside a range already masked
      out += text.slice(pos, Math.max(pos, s)) + `[MASKED:${name}]`;
      pos = e;
    }
    return out + text.slice(pos);
  };
  return { mask };
}

/** the masker with the recommended preset's rules */
export const credentialMasker: CredentialMasker = createCredentialMasker(creator.rules as unknown as Rule[]);

/**
 * Every string of a value (keys too) masked: for what a check hands back as its record (summary, measured value,
 * result, offending objects, error) before it is journaled and so shown to watchers and reported. The strings are
 * scanned once together first: a record with nothing credential-shaped in it (the common case, and a big one of
 * 3,000 nodes) is returned as it is without a scan per string.
 */
export function maskCredentialsIn<T>(value: T, masker: CredentialMasker = credentialMasker): T {
  const strings: string[] = [];
  const collect = (v: unknown): void => {
    if (typeof v === 'string') strings.push(v);
    else if (Array.isArray(v)) v.forEach(collect);
    else if (v && typeof v === 'object' && !Buffer.isBuffer(v))
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        strings.push(k);
        collect(x);
      }
  };
  collect(value);
  const all = strings.join('\n');
  if (masker.mask(all) === all) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return masker.mask(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object' && !Buffer.isBuffer(v))
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [masker.mask(k), walk(x)]));
    return v;
  };
  return walk(value) as T;
}
