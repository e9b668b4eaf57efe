/**
 * `readiness-tui kinds [KIND] [--json]`: the reference of every check kind, like `kubectl explain`, generated from
 * the same zod schemas the validator uses (parameters via z.toJSONSchema), the kind's result documentation (what
 * `expect` is written against), its default expectation and an example.
 */
import { z } from 'zod';
import { KINDS } from '../checks/index.js';
import type { CheckKind, Outcomes } from '../checks/contract.js';
import { didYouMean } from '../checklist/suggest.js';
import { EXIT, UsageError, exitQuietlyOnClosedPipe } from './exit.js';

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
};

export interface KindParam {
  name: string;
  type: string;
  required: boolean;
  description?: string;
  default?: unknown;
}

export interface KindReference {
  kind: string;
  title: string;
  description: string;
  planned: boolean;
  /** JSON Schema of the params (input side), or undefined when it cannot be expressed */
  paramsSchema?: unknown;
  parameters: KindParam[];
  result: Record<string, string>;
  /** what makes this kind `error`, `fail` or `inconclusive`, one line each */
  outcomes: Outcomes;
  defaultExpect: string;
  example: string;
}

/** JSON Schema of a kind's params; undefined when the schema cannot be represented */
export function paramsJsonSchema(k: CheckKind): JsonSchema | undefined {
  try {
    const s = z.toJSONSchema(k.params, { io: 'input', unrepresentable: 'any' }) as JsonSchema & { $schema?: string };
    delete s.$schema;
    return s;
  } catch {
    return undefined;
  }
}

function typeOf(s: JsonSchema | undefined): string {
  if (!s) return 'any';
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join('|');
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return [...new Set(alts.map(typeOf))].join('|');
  const t = Array.isArray(s.type) ? s.type.join('|') : s.type;
  if (t === 'array') return `[]${typeOf(s.items)}`;
  if (t === 'object') {
    if (s.properties && Object.keys(s.properties).length) return 'object';
    if (s.additionalProperties && typeof s.additionalProperties === 'object') return `map[string]${typeOf(s.additionalProperties)}`;
    return 'map';
  }
  if (t === 'integer') return 'int';
  return t ?? 'any';
}

/** the object schema(s) inside a property: itself, its array items, or object members of a union */
function objectsIn(p: JsonSchema): { schema: JsonSchema; suffix: string }[] {
  if (p.properties && Object.keys(p.properties).length) return [{ schema: p, suffix: '' }];
  if (p.items) return objectsIn(p.items).map((o) => ({ ...o, suffix: '[]' + o.suffix }));
  return (p.anyOf ?? p.oneOf ?? []).flatMap(objectsIn);
}

/**
 * Flatten a params schema into rows: top-level properties (objects, unions and intersections of objects) and,
 * like `kubectl explain --recursive`, nested fields as dotted paths (`probe.from.namespace`, `targets[].url`).
 */
function paramsOf(s: JsonSchema | undefined): KindParam[] {
  if (!s) return [];
  const out = new Map<string, KindParam>();
  const visit = (x: JsonSchema, requiredAll: boolean, prefix: string, depth: number) => {
    const req = new Set(x.required ?? []);
    for (const [key, p] of Object.entries(x.properties ?? {})) {
      const name = prefix + key;
      if (!out.has(name)) {
        out.set(name, { name, type: typeOf(p), required: requiredAll && req.has(key), description: p.description, default: p.default });
      }
      // nested `required` is relative to the parent object (as kubectl explain shows it)
      if (depth < 3) for (const o of objectsIn(p)) visit(o.schema, true, `${name}${o.suffix}.`, depth + 1);
    }
    for (const sub of x.allOf ?? []) visit(sub, requiredAll, prefix, depth);
    for (const sub of x.anyOf ?? x.oneOf ?? []) visit(sub, false, prefix, depth);
  };
  visit(s, true, '', 0);
  return [...out.values()];
}

export function kindReference(k: CheckKind): KindReference {
  const schema = paramsJsonSchema(k);
  return {
    kind: k.kind,
    title: k.title,
    description: k.description,
    planned: k.planned === true,
    paramsSchema: schema,
    parameters: paramsOf(schema),
    result: k.resultDoc,
    outcomes: k.outcomes,
    defaultExpect: k.defaultExpect,
    example: k.example,
  };
}

function indent(text: string, n = 2): string {
  const pad = ' '.repeat(n);
  return text
    .replace(/\s+$/, '')
    .split('\n')
    .map((l) => (l ? pad + l : l))
    .join('\n');
}

function wrap(text: string, width: number): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let cur = '';
  for (const w of words) {
    if (cur && cur.length + 1 + w.length > width) {
      lines.push(cur);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) lines.push(cur);
  return lines.length ? lines : [''];
}

/** columns padded to their widest cell; the last column wraps to `width` */
function table(rows: string[][], width: number): string {
  const n = rows[0]?.length ?? 0;
  const widths = Array.from({ length: n - 1 }, (_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lead = 2 + widths.reduce((a, w) => a + w + 2, 0);
  const descW = Math.max(30, width - lead);
  return rows
    .map((r) => {
      const d = wrap(r[n - 1]!, descW);
      const head = ('  ' + widths.map((w, i) => r[i]!.padEnd(w) + '  ').join('') + d[0]).trimEnd();
      return [head, ...d.slice(1).map((l) => ' '.repeat(lead) + l)].join('\n');
    })
    .join('\n');
}

export function explainKind(ref: KindReference, width = 100): string {
  const out: string[] = [];
  out.push(`KIND:     ${ref.kind}${ref.planned ? '   (planned: not implemented in this version)' : ''}`);
  out.push(`TITLE:    ${ref.title}`);
  out.push('', 'DESCRIPTION:', ...wrap(ref.description, width - 2).map((l) => '  ' + l));
  out.push('', 'PARAMETERS (keys of the check mapping besides kind/expect/mutating/context):');
  if (ref.parameters.length === 0) out.push(ref.paramsSchema ? '  (none)' : '  (not expressible as JSON Schema; see the example)');
  else
    out.push(
      table(
        ref.parameters.map((p) => [
          p.name,
          `<${p.type}>`,
          [p.required ? '-required-' : '', p.description ?? '', p.default !== undefined && !/\bdefault\b/i.test(p.description ?? '') ? `(default ${JSON.stringify(p.default)})` : '']
            .filter(Boolean)
            .join(' '),
        ]),
        width,
      ),
    );
  out.push('', 'COMMON KEYS:');
  out.push(
    table(
      [
        ['kind', '<string>', `-required- ${ref.kind}`],
        ['expect', '<string>', 'JSONata over the result below; truthy = pass'],
        ['mutating', '<boolean>', 'the check changes the environment: the TUI confirms first'],
        ['context', '<string>', 'kube context for this check (overrides --kube-context)'],
        ['maskCredentials', '<boolean>', 'false: output shown verbatim (default: credential-shaped text masked on screen/report)'],
      ],
      width,
    ),
  );
  out.push('', 'RESULT (what `expect` is evaluated against):');
  const res = Object.entries(ref.result);
  out.push(res.length ? table(res.map(([k, v]) => [k, v]), width) : '  (undocumented)');
  out.push('', 'DEFAULT EXPECT:', `  ${ref.defaultExpect}`);
  out.push('', 'OUTCOMES (besides pass; every kind is also `timeout` when the item\'s timeout expires, `error` when `expect` cannot be evaluated):');
  out.push(table((['error', 'fail', 'inconclusive'] as const).map((o) => [o, ref.outcomes[o]]), width));
  if (ref.example.trim()) out.push('', 'EXAMPLE:', indent(ref.example));
  return out.join('\n') + '\n';
}

function listKinds(refs: KindReference[]): string {
  const w = Math.max(...refs.map((r) => r.kind.length));
  const lines = refs.map((r) => `  ${r.kind.padEnd(w)}  ${r.planned && !r.title.startsWith('(planned)') ? '(planned) ' : ''}${r.title}`.trimEnd());
  return (
    'CHECK KINDS (readiness-tui kinds KIND for parameters, result shape and an example):\n' + lines.join('\n') + '\n'
  );
}

export async function kindsCommand(kind: string | undefined, opts: { json?: boolean } = {}): Promise<number> {
  exitQuietlyOnClosedPipe([process.stdout]);
  const all = [...KINDS.values()];
  if (kind !== undefined) {
    const k = KINDS.get(kind);
    if (!k) {
      const names = all.map((x) => x.kind);
      throw new UsageError(`unknown check kind "${kind}"${didYouMean(kind, names)}; known kinds: ${names.join(', ')}`);
    }
    const ref = kindReference(k);
    process.stdout.write(opts.json ? JSON.stringify(ref, null, 2) + '\n' : explainKind(ref, Math.max(60, process.stdout.columns ?? 100)));
    return EXIT.OK;
  }
  const refs = all.map(kindReference);
  process.stdout.write(opts.json ? JSON.stringify(refs, null, 2) + '\n' : listKinds(refs));
  return EXIT.OK;
}
