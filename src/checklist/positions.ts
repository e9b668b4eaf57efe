/**
 * The checklist's YAML Document (the `yaml` package: exact syntax errors, positions) and its source positions: YAML path → file line:col, and a character inside a scalar → line:col
 * (used to point at the exact spot of a bad `${vars.x}` or a JSONata syntax error inside an expression).
 */
import { Composer, Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, Parser, YAMLParseError, type Node, type Scalar } from 'yaml';
import { aliasLimit, nestingLimit, type LimitCrossed } from './limits.js';
import type { LineCol, PathSeg } from './path-format.js';

export { formatPath, type LineCol, type PathSeg } from './path-format.js';

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

/**
 * The YAML Document with positions (numeric ids turned into their exact text), or where an input limit (limits.ts)
 * was crossed — then `doc` is empty. parseDocument() in two steps, so that nesting is checked on the parser's tokens
 * before the composer (which recurses) sees them.
 */
export function readDocument(text: string, tooBig?: LimitCrossed): { doc: Document; pos: SourcePositions; limit?: LimitCrossed } {
  const lc = new LineCounter();
  if (tooBig) {
    // not parsed at all: only the line breaks, for the position
    lc.addNewLine(0);
    for (let i = text.indexOf('\n'); i !== -1 && i < tooBig.offset; i = text.indexOf('\n', i + 1)) lc.addNewLine(i + 1);
    const doc = new Document();
    return { doc, pos: new SourcePositions(doc, lc, text), limit: tooBig };
  }
  const tokens = [...new Parser(lc.addNewLine).parse(text)];
  const tooDeep = nestingLimit(tokens);
  if (tooDeep) {
    const doc = new Document();
    return { doc, pos: new SourcePositions(doc, lc, text), limit: tooDeep };
  }
  let doc: Document | undefined;
  const options = { prettyErrors: false, uniqueKeys: true, strict: true, merge: true } as const;
  for (const d of new Composer(options).compose(tokens, true, text.length)) {
    if (!doc) doc = d;
    else {
      doc.errors.push(new YAMLParseError(d.range.slice(0, 2) as [number, number], 'MULTIPLE_DOCS', 'Source contains multiple documents'));
      break;
    }
  }
  doc ??= new Document();
  const pos = new SourcePositions(doc, lc, text);
  stringifyNumericIds(doc, text);
  return { doc, pos, limit: doc.errors.length ? undefined : aliasLimit(doc) };
}

export class SourcePositions {
  constructor(
    private readonly doc: Document,
    private readonly lc: LineCounter,
    private readonly source: string,
  ) {}

  at(offset: number): LineCol {
    const p = this.lc.linePos(Math.max(0, offset));
    return { line: p.line, col: p.col };
  }

  private deref(n: unknown): unknown {
    return isAlias(n) ? n.resolve(this.doc) : n;
  }

  /**
   * Walk `path` from the document root. Returns the deepest node reached, the key node of the last map step (when
   * the last segment was found as a key) and whether the whole path exists.
   */
  walk(path: readonly PathSeg[]): { node?: Node; key?: Node; found: boolean; depth: number } {
    let node = this.deref(this.doc.contents) as Node | undefined;
    let key: Node | undefined;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) return { node, found: false, depth: i };
        key = pair.key as Node;
        const v = this.deref(pair.value) as Node | null;
        if (v == null) return { node: key, key, found: i === path.length - 1, depth: i + 1 };
        node = v;
      } else if (isSeq(node) && typeof seg === 'number') {
        const v = this.deref(node.items[seg]) as Node | undefined;
        if (v == null) return { node, found: false, depth: i };
        key = undefined;
        node = v;
      } else {
        return { node, found: false, depth: i };
      }
    }
    return { node, key, found: true, depth: path.length };
  }

  /** line:col of the value at `path` (or of its key with `key: true`); the nearest existing parent when missing */
  pos(path: readonly PathSeg[], opts: { key?: boolean } = {}): LineCol {
    const w = this.walk(path);
    const target = opts.key && w.found && w.key ? w.key : w.node;
    return this.at(target?.range?.[0] ?? 0);
  }

  node(path: readonly PathSeg[]): Node | undefined {
    const w = this.walk(path);
    return w.found ? w.node : undefined;
  }

  /**
   * line:col of character `index` of a scalar's value. Exact for single-line scalars of any style and for literal
   * block scalars (`|`); for folded or multi-line flow scalars it falls back to the scalar's start.
   */
  inScalar(node: Node | undefined, index: number): LineCol {
    if (!node || !isScalar(node) || !node.range) return this.at(node?.range?.[0] ?? 0);
    const s = node as Scalar;
    const [start, end] = node.range;
    const value = String(s.value);
    const src = this.text(start, end);
    const i = Math.max(0, Math.min(index, value.length));
    switch (s.type) {
      case 'PLAIN':
        if (!src.includes('\n')) return this.at(start + i);
        break;
      case 'QUOTE_DOUBLE':
      case 'QUOTE_SINGLE':
        if (!src.includes('\n')) return this.at(start + 1 + this.quotedOffset(src.slice(1), value, i, s.type));
        break;
      case 'BLOCK_LITERAL': {
        const lines = src.split('\n');
        const content = lines.slice(1);
        const indent = Math.min(
          ...content.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length),
        );
        const before = value.slice(0, i);
        const k = before.split('\n').length - 1;
        const c = before.length - (before.lastIndexOf('\n') + 1);
        const header = this.at(start);
        return { line: header.line + 1 + k, col: (Number.isFinite(indent) ? indent : 0) + c + 1 };
      }
      default:
        break;
    }
    return this.folded(s, start, src, value, i) ?? this.at(start);
  }

  /**
   * Multi-line plain/quoted scalars and folded blocks (`>`): the value is the source lines, trimmed and joined.
   * Find each source line's text in the value in order; the line holding `index` gives line:col.
   */
  private folded(s: Scalar, start: number, src: string, value: string, index: number): LineCol | undefined {
    const first = this.at(start);
    const lines = src.split('\n');
    const isBlock = s.type === 'BLOCK_FOLDED' || s.type === 'BLOCK_LITERAL';
    const quoted = s.type === 'QUOTE_DOUBLE' || s.type === 'QUOTE_SINGLE';
    let v = 0;
    let last: LineCol | undefined;
    for (let li = isBlock ? 1 : 0; li < lines.length; li++) {
      let raw = lines[li]!;
      let colBase = li === 0 ? first.col - 1 : 0;
      if (quoted && li === 0) {
        raw = raw.slice(1);
        colBase += 1;
      }
      if (quoted && li === lines.length - 1) raw = raw.replace(/["']\s*$/, '');
      const lead = raw.length - raw.trimStart().length;
      const text = raw.trim();
      if (!text) continue;
      const f = value.indexOf(text, v);
      if (f < 0 || f - v > 2) return undefined;
      if (index >= f && index < f + text.length) return { line: first.line + li, col: colBase + lead + (index - f) + 1 };
      v = f + text.length;
      last = { line: first.line + li, col: colBase + lead + text.length + 1 };
      if (index < v) return undefined;
    }
    return index >= v ? last : undefined;
  }

  /** map an index in the unescaped value of a one-line quoted scalar to an index in its source */
  private quotedOffset(src: string, value: string, index: number, type: string): number {
    let si = 0;
    let vi = 0;
    while (vi < index && si < src.length) {
      if (type === 'QUOTE_SINGLE' && src[si] === "'" && src[si + 1] === "'") si += 2;
      else if (type === 'QUOTE_DOUBLE' && src[si] === '\\') {
        const c = src[si + 1];
        si += c === 'x' ? 4 : c === 'u' ? 6 : c === 'U' ? 10 : 2;
      } else si += 1;
      vi += 1;
    }
    void value;
    return si;
  }

  private text(a: number, b: number): string {
    return this.source.slice(a, b);
  }
}
