/**
 * What the validator reads with on its full path: js-yaml (after the simple reader), the `yaml` Document for exact
 * syntax errors and positions, the checklist's zod schema and every kind's zod params schema. Every problem gets
 * its position and message here.
 */
import jsYaml from 'js-yaml';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { getKind, KINDS } from '../checks/index.js';
import { checkExpectSyntax } from './expect.js';
import { SourcePositions } from './positions.js';
import { checklistSchema } from './schema.js';
import { readSimpleYaml } from './simple-yaml.js';
import { SLOW, type KindSupport, type ValidatorSupport } from './validator.js';

// YAML 1.2 core schema (as the `yaml` package reads it) plus merge keys; `types` is missing from @types/js-yaml
const JS_YAML_SCHEMA = jsYaml.CORE_SCHEMA.extend({ implicit: [(jsYaml as unknown as { types: { merge: jsYaml.Type } }).types.merge] });
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

/** ids and dependsOn written as numbers (1.1, 2) become the exact text written, so "1.10" stays "1.10" */
function stringifyNumericIds(doc: Document, text: string) {
  const fix = (n: unknown) => {
    if (isScalar(n) && typeof n.value === 'number' && n.range) n.value = text.slice(n.range[0], n.range[1]).trim();
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

const kindSupports = new Map<string, KindSupport>();

export const zodSupport: ValidatorSupport = {
  read(text) {
    const simple = readSimpleYaml(text);
    if (simple) return simple;
    if (hasAlias(text)) return SLOW;
    try {
      return { data: jsYaml.load(text, { schema: JS_YAML_SCHEMA }) };
    } catch {
      return SLOW;
    }
  },

  document(text) {
    const lc = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true, strict: true, merge: true });
    const pos = new SourcePositions(doc, lc, text);
    stringifyNumericIds(doc, text);
    return { doc, pos };
  },

  structure(data) {
    const r = checklistSchema.safeParse(data);
    return r.success ? undefined : { issues: r.error.issues, schema: checklistSchema };
  },

  kind(name) {
    let s = kindSupports.get(name);
    if (s) return s;
    const k = getKind(name);
    if (!k) return undefined;
    s = {
      planned: k.planned,
      parseParams(params) {
        const r = k.params.safeParse(params);
        return r.success ? { data: r.data } : { issues: r.error.issues, schema: k.params };
      },
      mutating: k.mutating ? (p) => k.mutating!(p) : undefined,
    };
    kindSupports.set(name, s);
    return s;
  },

  knownKinds: () => [...KINDS.values()].filter((k) => !k.planned).map((k) => k.kind),

  expectSyntax: checkExpectSyntax,
};
