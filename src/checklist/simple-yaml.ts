/**
 * A reader for the plain, block-style YAML checklists are written in: mappings with simple keys, lists, one-line
 * plain and quoted scalars, one-line flow collections (`[a, b]`, `{K: v}`), `|` / `>` block scalars and comments.
 * For such a text it gives exactly what js-yaml (core schema) gives, in less time and with less garbage (a 1.2 MB
 * checklist: ~60 ms against ~110-170 ms for js-yaml, cold, on the 2-core test machine), and it notes on the way what
 * the validator would otherwise walk the data for: where blocks and items start, and the strings holding "${".
 *
 * Anything outside that subset — anchors, aliases, tags, directives, several documents, multi-line plain, quoted or
 * flow scalars, complex or quoted keys, duplicate keys, tabs, CR line ends, numbers in forms other than plain
 * decimals — makes it return undefined, and the caller reads the text with a full YAML parser. It never decides
 * that a text is invalid YAML: when in doubt it gives up.
 */

export interface SimpleYaml {
  data: Record<string, unknown>;
  /** where each mapping that is a list entry starts (offset of its first key, or of `{`), in document order */
  entryOffsets: Map<object, number>;
  /** every string value containing "${" (candidate variable references), so nobody has to walk the data for them */
  refStrings: string[];
  /** every mapping with a `var` key (candidate secret references) */
  varMappings: Record<string, unknown>[];
}

/** thrown inside the reader when the text leaves the subset; never escapes readSimpleYaml */
const GIVE_UP: unique symbol = Symbol('give up');

const SPACE = 32;
const NL = 10;
const HASH = 35;
const DASH = 45;
const COLON = 58;

/** characters js-yaml refuses or treats specially, plus tabs and CR (kept out of the subset), BOM, and surrogates */
const UNUSUAL = /[\x00-\x09\x0B-\x1F\x7F-\x9F\uD800-\uDFFF\uFEFF\uFFFE\uFFFF]/;
/** the same, but surrogates only when alone (a pair is fine: an emoji) */
const OUTSIDE_SUBSET = /[\x00-\x09\x0B-\x1F\x7F-\x9F\uFEFF\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** a key is letters, digits and _ - . / starting with a letter or _ ; these read as something other than their text */
const SPECIAL_KEYS = new Set(['null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE', '__proto__']);
// (a key that names an Object.prototype member, e.g. toString, is found "already present" and also gives up)

/** blank and comment-only lines, then the indentation of the next line */
const SKIP_TO_CONTENT = /(?:[ ]*(?:#[^\n]*)?\n)*[ ]*/y;
/** a simple key and its colon (followed by a space or the line end) */
const KEY = /[A-Za-z_][A-Za-z0-9_.\/-]{0,200}:(?= |\n|$)/y;
/** where a plain scalar in block context ends: the line end, a comment, or ": " (which gives up) */
const PLAIN_END = /\n| #|: /g;
/** the next character that ends or escapes a double-quoted scalar */
const DQ_SPECIAL = /["\\\n]/g;
const SQ_SPECIAL = /['\n]/g;
const INT = /^(?:0|-?[1-9][0-9]{0,14})$/;
const FLOAT = /^-?(?:0|[1-9][0-9]{0,14})\.[0-9]{1,15}$/;
/** everything js-yaml's core schema might read as a number (int in any base, float, .inf, .nan) */
const NUMBER_LIKE = /^[-+]?(?:[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9]+(?:[eE][-+]?[0-9]+)?|\.(?:inf|Inf|INF|nan|NaN|NAN)|0b[01]+|0x[0-9a-fA-F]+|0o[0-7]+)$/;

const ESCAPES: Record<string, string> = {
  '0': '\x00',
  a: '\x07',
  b: '\x08',
  t: '\t',
  n: '\n',
  v: '\x0B',
  f: '\x0C',
  r: '\r',
  e: '\x1B',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
};

/**
 * ASCII characters that certainly start a plain scalar (no indicator, quote, bracket, space or line break; `-`, `?`
 * and `:` are left out as they start one only when a non-space follows)
 */
const PLAIN_START = new Uint8Array(128);
for (let c = 33; c < 127; c++) if (!'#|>"\'[{&*!%@`,]}-?:'.includes(String.fromCharCode(c))) PLAIN_START[c] = 1;

/** first letters of SPECIAL_KEYS: n N t T f F _ */
function mayBeSpecial(c: number): boolean {
  return c === 110 || c === 78 || c === 116 || c === 84 || c === 102 || c === 70 || c === 95;
}
function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** a plain scalar's value under js-yaml's core schema, or GIVE_UP for the number forms this reader does not handle */
function plainValue(text: string): unknown {
  const c = text.charCodeAt(0);
  if (text === '<<') throw GIVE_UP; // a merge key's value
  // only texts starting with n N t T f F ~ . + - or a digit can be anything but a string
  if (c === 126 && text.length === 1) return null;
  if (c === 110 || c === 78) return text === 'null' || text === 'Null' || text === 'NULL' ? null : text;
  if (c === 116 || c === 84) return text === 'true' || text === 'True' || text === 'TRUE' ? true : text;
  if (c === 102 || c === 70) return text === 'false' || text === 'False' || text === 'FALSE' ? false : text;
  if ((c >= 48 && c <= 57) || c === DASH || c === 43 || c === 46) {
    if (INT.test(text)) return Number(text);
    if (FLOAT.test(text)) {
      const n = Number(text);
      if (n === 0 && c === DASH) throw GIVE_UP; // -0.0
      return n;
    }
    if (NUMBER_LIKE.test(text)) throw GIVE_UP;
  }
  return text;
}

/** a folded (`>`) scalar's lines: one line break between two lines becomes a space, each blank line a line break */
function fold(text: string): string {
  const lines = text.split('\n');
  let out = lines[0]!;
  let blanks = 0;
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (l === '') blanks++;
    else {
      out += blanks > 0 ? '\n'.repeat(blanks) : ' ';
      out += l;
      blanks = 0;
    }
  }
  return out;
}

class Reader {
  /** start of the line the reader is at */
  p = 0;
  /** offset just after the last quoted scalar or flow collection read */
  end = 0;
  readonly refStrings: string[] = [];
  /** /^ {0,n}/gm by indentation n */
  private readonly dedent = new Map<number, RegExp>();
  readonly varMappings: Record<string, unknown>[] = [];
  private readonly n: number;

  constructor(
    private readonly s: string,
    readonly entryOffsets: Map<object, number>,
  ) {
    this.n = s.length;
  }

  /** end of the line holding `at` (offset of its \n, or the text length) */
  private eol(at: number): number {
    const e = this.s.indexOf('\n', at);
    return e < 0 ? this.n : e;
  }

  /**
   * Move `p` to the start of the next line with content (blank and comment-only lines skipped); its indent, or -1 at
   * the end of the text. Document markers and directives give up.
   */
  nextContent(): number {
    const s = this.s;
    // blank and comment lines, then the next line's indentation
    SKIP_TO_CONTENT.lastIndex = this.p;
    SKIP_TO_CONTENT.test(s);
    const q = SKIP_TO_CONTENT.lastIndex;
    const c = s.charCodeAt(q);
    // the end, or a last line that is blank or a comment without a line break after it
    if (q >= this.n || c === HASH) {
      this.p = this.n;
      return -1;
    }
    const p = s.lastIndexOf('\n', q - 1) + 1;
    if (q === p && (c === 37 /* % */ || ((c === DASH || c === 46) && (s.startsWith('---', q) || s.startsWith('...', q))))) throw GIVE_UP;
    this.p = p;
    return q - p;
  }

  /** `- ` or a lone `-` at `at` */
  private isDash(at: number): boolean {
    if (this.s.charCodeAt(at) !== DASH) return false;
    const c = this.s.charCodeAt(at + 1);
    return c === SPACE || c === NL || at + 1 >= this.n;
  }

  /** offset just after `key:` when a simple key starts at `at`, else -1 */
  private keyEnd(at: number): number {
    KEY.lastIndex = at;
    return KEY.test(this.s) ? KEY.lastIndex : -1;
  }

  /** rest of the line from `at` must be blank or a comment; then move to the next line */
  private endLine(at: number): void {
    const s = this.s;
    let q = at;
    while (s.charCodeAt(q) === SPACE) q++;
    if (q < this.n && s.charCodeAt(q) !== NL) {
      if (s.charCodeAt(q) !== HASH || q === at) throw GIVE_UP;
    }
    this.p = this.eol(q) + 1;
  }

  /** a block mapping whose keys sit at column `indent`; the first key starts at `at` */
  mapping(indent: number, at: number, out: Record<string, unknown> = {}): Record<string, unknown> {
    const s = this.s;
    for (;;) {
      KEY.lastIndex = at;
      if (!KEY.test(s)) throw GIVE_UP;
      const end = KEY.lastIndex;
      const key = s.slice(at, end - 1);
      // a repeated key, or one that reads as something else (null, true, ...) or names an Object.prototype member
      if (out[key] !== undefined || (mayBeSpecial(s.charCodeAt(at)) && SPECIAL_KEYS.has(key))) throw GIVE_UP;
      // the common `key: plain text` goes straight to the plain scalar
      const c = s.charCodeAt(end + 1);
      const v = s.charCodeAt(end) === SPACE && c < 128 && PLAIN_START[c] === 1 ? this.blockPlain(end + 1) : this.value(indent, end, true);
      if (typeof v === 'string' && v.includes('${')) this.refStrings.push(v);
      if (key === 'var') this.varMappings.push(out);
      out[key] = v;
      const ind = this.nextContent();
      if (ind < indent) return out;
      if (ind > indent) throw GIVE_UP;
      at = this.p + ind;
    }
  }

  /** a block list whose dashes sit at column `indent`, starting on the current line */
  list(indent: number): unknown[] {
    const s = this.s;
    const out: unknown[] = [];
    for (;;) {
      const dash = this.p + indent;
      let q = dash + 1;
      while (s.charCodeAt(q) === SPACE) q++;
      const c = s.charCodeAt(q);
      if (q >= this.n || c === NL || c === HASH) {
        // the entry's content starts on a following line
        out.push(this.entry(indent, dash + 1));
      } else if (this.isDash(q)) {
        throw GIVE_UP; // `- - x`
      } else if (this.keyEnd(q) >= 0) {
        // recorded before its content: entryOffsets stays in document order
        const m: Record<string, unknown> = {};
        this.entryOffsets.set(m, q);
        out.push(this.mapping(q - this.p, q, m));
        // mapping() stopped at the next content line (or the end)
        const ind = this.p >= this.n ? -1 : this.indentHere();
        if (!this.continueList(ind, indent)) return out;
        continue;
      } else {
        out.push(this.entry(indent, dash + 1));
      }
      const ind = this.nextContent();
      if (!this.continueList(ind, indent)) return out;
    }
  }

  private indentHere(): number {
    let q = this.p;
    while (this.s.charCodeAt(q) === SPACE) q++;
    return q - this.p;
  }

  /** after an entry: true when the next entry of the list at `indent` follows */
  private continueList(ind: number, indent: number): boolean {
    if (ind < indent) return false;
    if (ind > indent) throw GIVE_UP;
    // same column: another entry, or (for a list written at its key's column) the parent mapping's next key
    return this.isDash(this.p + ind);
  }

  /** a list entry's value (see value()) */
  private entry(parent: number, at: number): unknown {
    const v = this.value(parent, at, false);
    if (typeof v === 'string' && v.includes('${')) this.refStrings.push(v);
    return v;
  }

  /**
   * The value after `key:` or `- ` (from offset `at`, just past the indicator). `parent` is the column of the key or
   * of the dash. Leaves `p` at the start of a line after the value.
   */
  private value(parent: number, at: number, inMapping: boolean): unknown {
    const s = this.s;
    let q = at;
    while (s.charCodeAt(q) === SPACE) q++;
    const c = q < this.n ? s.charCodeAt(q) : NL;
    if (c === NL || c === HASH) {
      if (c === HASH && q === at) throw GIVE_UP;
      this.p = this.eol(q) + 1;
      const ind = this.nextContent();
      const line = this.p;
      if (ind > parent) {
        if (this.isDash(line + ind)) return this.list(ind);
        const m: Record<string, unknown> = {};
        if (!inMapping) this.entryOffsets.set(m, line + ind);
        return this.mapping(ind, line + ind, m);
      }
      if (ind === parent && inMapping && this.isDash(line + ind)) return this.list(ind);
      return null;
    }
    if (c === 124 /* | */ || c === 62 /* > */) return this.blockScalar(parent, q);
    if (c === 34 /* " */ || c === 39 /* ' */) {
      const v = c === 34 ? this.doubleQuoted(q) : this.singleQuoted(q);
      this.endLine(this.end);
      return v;
    }
    if (c === 91 /* [ */ || c === 123 /* { */) {
      const v = this.flow(q);
      if (!inMapping && c === 123) this.entryOffsets.set(v as object, q);
      this.endLine(this.end);
      return v;
    }
    return this.blockPlain(q);
  }

  /** a one-line plain scalar in block context starting at `q` */
  private blockPlain(q: number): unknown {
    const s = this.s;
    const c = s.charCodeAt(q);
    if (!(c < 128 && PLAIN_START[c] === 1)) {
      // indicators that start something else (anchor, alias, tag, directive, reserved, flow end, complex key, ...)
      if ('&*!%@`,]}#'.includes(s[q]!)) throw GIVE_UP;
      if ((c === DASH || c === 63 /* ? */ || c === COLON) && (s.charCodeAt(q + 1) === SPACE || s.charCodeAt(q + 1) === NL || q + 1 >= this.n)) throw GIVE_UP;
    }
    // up to the end of the line or a comment (" #"); "a: b" would be a mapping
    PLAIN_END.lastIndex = q;
    let end: number;
    let e: number;
    if (!PLAIN_END.test(s)) end = e = this.n;
    else {
      const m = PLAIN_END.lastIndex;
      if (s.charCodeAt(m - 1) === NL) end = e = m - 1;
      else if (s.charCodeAt(m - 1) === SPACE) throw GIVE_UP; // ": "
      else {
        end = m - 2;
        e = this.eol(m);
      }
    }
    while (end > q && s.charCodeAt(end - 1) === SPACE) end--;
    // "a:" would be a key
    if (s.charCodeAt(end - 1) === COLON) throw GIVE_UP;
    const text = s.slice(q, end);
    this.p = e + 1;
    return plainValue(text);
  }

  /** a block scalar (`|`, `|-`, `>`, `>-`) whose header is at `q`; `parent` is the column of its key or dash */
  private blockScalar(parent: number, q: number): string {
    const s = this.s;
    const folded = s.charCodeAt(q) === 62;
    let h = q + 1;
    let strip = false;
    if (s.charCodeAt(h) === DASH) {
      strip = true;
      h++;
    }
    while (s.charCodeAt(h) === SPACE) h++;
    // keep (+), explicit indentation and comments after the header are left to the full parser
    if (h < this.n && s.charCodeAt(h) !== NL) throw GIVE_UP;
    const first = h + 1;
    let line = first;
    /** end of the last line with content */
    let last = first;
    let indent = -1;
    let moreIndented = false;
    while (line < this.n) {
      let k = line;
      while (s.charCodeAt(k) === SPACE) k++;
      const e = this.eol(k);
      if (k === e) {
        // a blank line: part of the scalar, unless it is the first (indentation not known yet) or holds extra spaces
        if (indent < 0 || k - line > indent) throw GIVE_UP;
        line = e + 1;
        continue;
      }
      const ind = k - line;
      if (indent < 0) {
        if (ind <= parent) throw GIVE_UP; // empty block scalar
        indent = ind;
      } else if (ind < indent) break;
      if (ind > indent) moreIndented = true;
      last = e;
      line = e + 1;
    }
    if (indent < 0) throw GIVE_UP;
    // more-indented lines are not folded
    if (folded && moreIndented) throw GIVE_UP;
    this.p = Math.min(line, this.n);
    // the lines without their indentation (blank lines inside hold at most `indent` spaces: they become empty)
    let re = this.dedent.get(indent);
    if (!re) {
      re = new RegExp(`^ {0,${indent}}`, 'gm');
      this.dedent.set(indent, re);
    }
    let text = s.slice(first, last).replace(re, '');
    if (folded) text = fold(text);
    return strip ? text : text + '\n';
  }

  /** a one-line double-quoted scalar at `q`; `end` is set to the offset after the closing quote */
  private doubleQuoted(q: number): string {
    const s = this.s;
    let out = '';
    let from = q + 1;
    for (;;) {
      DQ_SPECIAL.lastIndex = from;
      if (!DQ_SPECIAL.test(s)) throw GIVE_UP;
      const i = DQ_SPECIAL.lastIndex - 1;
      const c = s.charCodeAt(i);
      if (c === NL) throw GIVE_UP; // over several lines
      if (c === 34) {
        this.end = i + 1;
        return from === q + 1 ? s.slice(from, i) : out + s.slice(from, i);
      }
      out += s.slice(from, i);
      const e = s[i + 1];
      if (e === undefined) throw GIVE_UP;
      const simple = ESCAPES[e];
      if (simple !== undefined) {
        out += simple;
        from = i + 2;
      } else {
        const len = e === 'x' ? 2 : e === 'u' ? 4 : 0;
        if (len === 0) throw GIVE_UP;
        for (let k = 0; k < len; k++) if (!isHex(s.charCodeAt(i + 2 + k))) throw GIVE_UP;
        out += String.fromCharCode(parseInt(s.slice(i + 2, i + 2 + len), 16));
        from = i + 2 + len;
      }
    }
  }

  /** a one-line single-quoted scalar at `q`; `end` is set to the offset after the closing quote */
  private singleQuoted(q: number): string {
    const s = this.s;
    let out = '';
    let from = q + 1;
    for (;;) {
      SQ_SPECIAL.lastIndex = from;
      if (!SQ_SPECIAL.test(s)) throw GIVE_UP;
      const i = SQ_SPECIAL.lastIndex - 1;
      if (s.charCodeAt(i) === NL) throw GIVE_UP;
      out += s.slice(from, i);
      if (s.charCodeAt(i + 1) !== 39) {
        this.end = i + 1;
        return out;
      }
      out += "'";
      from = i + 2;
    }
  }

  /** a flow collection on one line at `q`; `end` is set to the offset after its closing bracket */
  private flow(q: number): unknown {
    const s = this.s;
    const isSeq = s.charCodeAt(q) === 91;
    const close = isSeq ? 93 : 125;
    // a list is created with its first entry (most flow lists have one), a mapping only when needed
    let seq: unknown[] | undefined;
    let map: Record<string, unknown> | undefined;
    let i = this.skipFlowSpaces(q + 1);
    if (s.charCodeAt(i) === close) {
      this.end = i + 1;
      return isSeq ? [] : {};
    }
    for (;;) {
      if (isSeq) {
        const v = this.flowNode(i);
        if (typeof v === 'string' && v.includes('${')) this.refStrings.push(v);
        if (seq) seq.push(v);
        else seq = [v];
        i = this.end;
      } else {
        let key: string;
        const c = s.charCodeAt(i);
        if (c === 34 || c === 39) {
          key = c === 34 ? this.doubleQuoted(i) : this.singleQuoted(i);
          if (s.charCodeAt(this.end) !== COLON) throw GIVE_UP;
          i = this.end + 1;
        } else {
          const end = this.keyEnd(i);
          if (end < 0) throw GIVE_UP;
          key = s.slice(i, end - 1);
          if (SPECIAL_KEYS.has(key)) throw GIVE_UP;
          i = end;
        }
        map ??= {};
        if (key === '__proto__' || map[key] !== undefined) throw GIVE_UP;
        if (s.charCodeAt(i) !== SPACE) throw GIVE_UP;
        const v = this.flowNode(this.skipFlowSpaces(i));
        if (typeof v === 'string' && v.includes('${')) this.refStrings.push(v);
        if (key === 'var') this.varMappings.push(map);
        map[key] = v;
        i = this.end;
      }
      i = this.skipFlowSpaces(i);
      const c = s.charCodeAt(i);
      if (c === close) {
        this.end = i + 1;
        return isSeq ? seq : map;
      }
      if (c !== 44 /* , */) throw GIVE_UP;
      i = this.skipFlowSpaces(i + 1);
      if (s.charCodeAt(i) === close) throw GIVE_UP; // trailing comma
    }
  }

  private skipFlowSpaces(i: number): number {
    while (this.s.charCodeAt(i) === SPACE) i++;
    if (i >= this.n || this.s.charCodeAt(i) === NL) throw GIVE_UP; // a flow collection over several lines
    return i;
  }

  /** a node inside a flow collection at `i`; `end` is set to the offset after it */
  private flowNode(i: number): unknown {
    const s = this.s;
    const c = s.charCodeAt(i);
    if (c === 34) return this.doubleQuoted(i);
    if (c === 39) return this.singleQuoted(i);
    if (c === 91 || c === 123) return this.flow(i);
    if ('&*!%@`,]}#|>?:'.includes(s[i]!)) throw GIVE_UP;
    if (c === DASH) {
      const f = s.charCodeAt(i + 1);
      if (f === SPACE || f === NL || f === 44 || f === 93 || f === 125 || f === 91 || f === 123) throw GIVE_UP;
    }
    let j = i;
    for (; j < this.n; j++) {
      const d = s.charCodeAt(j);
      if (d === 44 || d === 93 || d === 125) break;
      if (d === NL || d === 91 || d === 123) throw GIVE_UP;
      if (d === HASH && s.charCodeAt(j - 1) === SPACE) throw GIVE_UP;
      if (d === COLON) {
        const f = s.charCodeAt(j + 1);
        if (f === SPACE || f === NL || f === 44 || f === 93 || f === 125 || f === 91 || f === 123 || j + 1 >= this.n) throw GIVE_UP;
      }
    }
    let end = j;
    while (end > i && s.charCodeAt(end - 1) === SPACE) end--;
    if (end === i) throw GIVE_UP;
    this.end = end;
    return plainValue(s.slice(i, end));
  }
}

/** the data of a checklist text written in the plain subset of YAML, or undefined when a full parser must read it */
export function readSimpleYaml(text: string): SimpleYaml | undefined {
  // (the simple class scans a large text several times faster; the exact test only runs when it finds something)
  if (UNUSUAL.test(text) && OUTSIDE_SUBSET.test(text)) return undefined;
  const r = new Reader(text, new Map());
  try {
    // the top level must be a mapping starting at column 0
    if (r.nextContent() !== 0) return undefined;
    const data = r.mapping(0, r.p);
    if (r.p < text.length && r.nextContent() !== -1) return undefined;
    return { data, entryOffsets: r.entryOffsets, refStrings: r.refStrings, varMappings: r.varMappings };
  } catch (err) {
    if (err === GIVE_UP) return undefined;
    throw err;
  }
}
