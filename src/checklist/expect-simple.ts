/**
 * A recognizer for the plain JSONata most expectations are written in: paths (`captures.seconds`), `$variables`,
 * numbers, strings without escapes, true/false/null, comparisons, arithmetic, `&`, `and`/`or`, parentheses and
 * `$function(calls)`. It tells — without loading jsonata — that such an expression parses. It only ever answers
 * "yes, this parses"; for anything else (false) the caller asks jsonata itself, which also gives the error.
 */

/** characters that end a JSONata name (its operator characters), besides whitespace */
const NAME_END = new Set('.[]{}(),@#;:?+-*/%|=<>^&!~'.split(''));
const SPACE = /[ \t\n\r\v]*/y;
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /(?:0|[1-9][0-9]*)(?:\.[0-9]+)?/y;
const STRING = /"[^"\\]*"|'[^'\\]*'/y;
/** infix operators; `and` / `or` only when a space or `(` follows (else JSONata reads a longer name) */
const INFIX = /!=|<=|>=|[=<>+\-*/%&]|(?:and|or)(?=[ \t\n\r\v(])/y;
const RESERVED = new Set(['and', 'or', 'in', 'true', 'false', 'null', 'function']);
const LITERALS = new Set(['true', 'false', 'null']);

/** true when `expr` is plain JSONata that certainly parses */
export function isSimpleExpect(expr: string): boolean {
  const n = expr.length;
  let i = 0;
  const stack: ('group' | 'call')[] = [];
  const match = (re: RegExp): number => {
    re.lastIndex = i;
    return re.test(expr) ? re.lastIndex : -1;
  };
  const skip = () => {
    i = match(SPACE);
  };
  /** a name or variable name ends where JSONata's would */
  const nameEnds = (at: number) => at >= n || NAME_END.has(expr[at]!) || ' \t\n\r\v'.includes(expr[at]!);

  skip();
  if (i >= n) return false;
  for (;;) {
    // an operand
    skip();
    const c = expr[i];
    if (c === '-') {
      i++;
      continue;
    }
    if (c === '(') {
      i++;
      skip();
      if (expr[i] === ')') return false; // an empty block
      stack.push('group');
      continue;
    }
    if (c === '"' || c === "'") {
      const e = match(STRING);
      if (e < 0) return false;
      i = e;
    } else if (c !== undefined && c >= '0' && c <= '9') {
      const e = match(NUMBER);
      if (e < 0) return false;
      i = e;
    } else {
      const variable = c === '$';
      if (variable) i++;
      const e = match(NAME);
      if (e < 0 || !nameEnds(e)) return false;
      const name = expr.slice(i, e);
      i = e;
      if (!variable && RESERVED.has(name)) {
        if (!LITERALS.has(name)) return false;
      } else {
        skip();
        if (variable && expr[i] === '(') {
          // a function call
          i++;
          skip();
          if (expr[i] === ')') i++;
          else {
            stack.push('call');
            continue;
          }
        } else {
          // a path: .name steps
          while (expr[i] === '.') {
            i++;
            skip();
            const s = match(NAME);
            if (s < 0 || !nameEnds(s) || RESERVED.has(expr.slice(i, s))) return false;
            i = s;
            skip();
          }
        }
      }
    }
    // after an operand: closing brackets, then an infix operator, a call's next argument, or the end
    for (;;) {
      skip();
      if (expr[i] !== ')') break;
      if (stack.length === 0) return false;
      stack.pop();
      i++;
    }
    if (i >= n) return stack.length === 0;
    if (expr[i] === ',') {
      if (stack[stack.length - 1] !== 'call') return false;
      i++;
      continue;
    }
    const e = match(INFIX);
    if (e < 0) return false;
    i = e;
  }
}
