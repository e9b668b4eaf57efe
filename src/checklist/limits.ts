/**
 * Limits on checklist input (docs/checklist-format.md, "Limits"). A checklist past one of them is refused with the
 * file:line:col where the limit was crossed, before anything that would recurse over the input (the `yaml`
 * composer, zod, the validator's walks, JSONata's parser) can run out of stack or memory on it.
 *
 * - the file's size;
 * - how deeply collections (mappings and lists, block or flow) nest, checked on the parser's tokens (the parser keeps
 *   its own stack; the composer, which recurses, only sees input within the limit);
 * - aliases: none may sit inside the node it refers to (a cycle), and all of them together may expand to a bounded
 *   number of nodes and depth (an "alias bomb" of a few lines expands to billions);
 * - an expectation's length and how deeply its brackets nest.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, type CST, type Document, type Node } from 'yaml';

export const LIMITS = {
  /** bytes in a checklist file */
  fileBytes: 8 * 1024 * 1024,
  /** mappings and lists nested in each other, aliases expanded */
  depth: 64,
  /** nodes that aliases expand to, counted over the whole file */
  aliasNodes: 10_000,
  /** characters in one expectation */
  expressionChars: 4096,
  /** ( [ { nested in one expectation */
  expressionDepth: 32,
} as const;

/** where a limit was crossed (an offset into the text, or into the expression) and what the limit is */
export interface LimitCrossed {
  offset: number;
  message: string;
}

const count = (n: number) => n.toLocaleString('en-US');

/** the file's size: the offset of the first character past the limit */
export function fileSizeLimit(bytes: Buffer): LimitCrossed | undefined {
  if (bytes.length <= LIMITS.fileBytes) return undefined;
  const offset = bytes.subarray(0, LIMITS.fileBytes).toString('utf8').length;
  return { offset, message: `the file is ${count(bytes.length)} bytes; a checklist may have at most ${count(LIMITS.fileBytes)} (8 MiB)` };
}

/** collection nesting on the parser's tokens, without recursion: the offset of the first collection too deep */
export function nestingLimit(tokens: readonly CST.Token[]): LimitCrossed | undefined {
  const stack: [CST.Token | undefined, number][] = tokens.map((t) => [t, 0]);
  while (stack.length) {
    const [t, depth] = stack.pop()!;
    if (!t) continue;
    if (t.type === 'document') stack.push([t.value, depth]);
    else if (t.type === 'block-map' || t.type === 'block-seq' || t.type === 'flow-collection') {
      if (depth + 1 > LIMITS.depth) return { offset: t.offset, message: tooDeep() };
      for (const it of t.items as { key?: CST.Token | null; value?: CST.Token }[]) {
        stack.push([it.value, depth + 1]);
        if (it.key) stack.push([it.key, depth + 1]);
      }
    }
  }
  return undefined;
}

const tooDeep = () => `mappings and lists nest more than ${LIMITS.depth} levels deep`;

/**
 * Aliases of a composed Document (its nesting already within the limit, so this walk may recurse): an alias inside
 * the node it refers to, or aliases expanding past the node count or the depth limit.
 */
export function aliasLimit(doc: Document): LimitCrossed | undefined {
  // per collection node: how many nodes it expands to and how deep it is, aliases expanded
  const measured = new Map<Node, { nodes: number; depth: number }>();
  let expanded = 0;
  let crossed: LimitCrossed | undefined;
  const measure = (n: unknown, level: number): { nodes: number; depth: number } => {
    if (crossed || !n) return { nodes: 1, depth: 0 };
    if (isAlias(n)) {
      const target = n.resolve(doc);
      if (!target) return { nodes: 1, depth: 0 }; // an unknown anchor: the YAML errors say so
      const m = measured.get(target);
      const at = n.range?.[0] ?? 0;
      if (!m && !isScalar(target)) {
        crossed = { offset: at, message: `alias *${n.source} refers to a node that contains it (a cycle)` };
      } else if (m) {
        expanded += m.nodes;
        if (expanded > LIMITS.aliasNodes) crossed = { offset: at, message: `aliases expand to more than ${count(LIMITS.aliasNodes)} nodes in all` };
        else if (level + m.depth > LIMITS.depth) crossed = { offset: at, message: `${tooDeep()} once alias *${n.source} is expanded` };
      }
      return m ?? { nodes: 1, depth: 0 };
    }
    if (isPair(n)) {
      const k = measure(n.key, level);
      const v = measure(n.value, level);
      return { nodes: k.nodes + v.nodes, depth: Math.max(k.depth, v.depth) };
    }
    if (!isMap(n) && !isSeq(n)) return { nodes: 1, depth: 0 };
    let nodes = 1;
    let depth = 0;
    for (const it of n.items) {
      const m = measure(it, level + 1);
      nodes += m.nodes;
      depth = Math.max(depth, m.depth);
    }
    const m = { nodes, depth: depth + 1 };
    measured.set(n, m);
    return m;
  };
  measure(doc.contents, 0);
  return crossed;
}

/** an expectation's length and bracket nesting (quoted strings skipped): the character where a limit is crossed */
export function expressionLimit(expr: string): LimitCrossed | undefined {
  if (expr.length > LIMITS.expressionChars) {
    return { offset: LIMITS.expressionChars, message: `the expression is ${count(expr.length)} characters; an expectation may have at most ${count(LIMITS.expressionChars)}` };
  }
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(' || c === '[' || c === '{') {
      if (++depth > LIMITS.expressionDepth) return { offset: i, message: `brackets nest more than ${LIMITS.expressionDepth} levels deep in the expression` };
    } else if (c === ')' || c === ']' || c === '}') depth = Math.max(0, depth - 1);
  }
  return undefined;
}
