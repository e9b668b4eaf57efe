/**
 * Glob patterns over relative POSIX paths, with .gitignore semantics where it matters (for secrets.scan and any
 * kind that walks a tree):
 *   - `*` any run within one path segment, `?` one character, `[a-z]` / `[!a-z]` classes, `{a,b}` alternatives,
 *     `**` any number of segments (`**\/x`, `a/**`, `a/**\/b`);
 *   - a pattern without a slash (other than a trailing one) matches the name at any depth (`node_modules`, `*.pem`);
 *     with a slash it is anchored at the root (a leading `/` is dropped);
 *   - a trailing `/` matches directories only (and so everything under them);
 *   - `!pattern` re-includes what an earlier pattern excluded; the last matching pattern wins.
 * Not supported (documented, not guessed): escaped `\*`, nested `.gitignore` files below the root.
 */

function globBody(glob: string): string {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const before = i === 0 || glob[i - 1] === '/';
        const after = glob[i + 2];
        if (before && after === '/') {
          re += '(?:.*/)?';
          i += 2;
        } else if (before && after === undefined) {
          re += '.*';
          i += 1;
        } else {
          re += '[^/]*';
          i += 1;
        }
      } else {
        re += '[^/]*';
      }
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end === -1) {
        re += '\\[';
      } else {
        let cls = glob.slice(i + 1, end);
        if (cls.startsWith('!')) cls = '^' + cls.slice(1);
        re += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '{') {
      const end = glob.indexOf('}', i);
      if (end === -1) {
        re += '\\{';
      } else {
        re += '(?:' + glob.slice(i + 1, end).split(',').map(globBody).join('|') + ')';
        i = end;
      }
    } else {
      re += c.replace(/[.+^${}()|\\]/g, '\\$&');
    }
  }
  return re;
}

interface Rule {
  negate: boolean;
  dirOnly: boolean;
  re: RegExp;
  /** matches something strictly below a match (for directory-only rules on files) */
  below: RegExp;
}

function compile(pattern: string): Rule | undefined {
  let p = pattern.trim();
  if (p === '' || p.startsWith('#')) return undefined;
  const negate = p.startsWith('!');
  if (negate) p = p.slice(1);
  const dirOnly = p.endsWith('/');
  p = p.replace(/\/+$/, '');
  if (p === '') return undefined;
  const anchored = p.includes('/');
  p = p.replace(/^\/+/, '');
  const body = globBody(p);
  const head = anchored ? '^' : '(?:^|/)';
  return { negate, dirOnly, re: new RegExp(`${head}${body}(?:/.*)?$`), below: new RegExp(`${head}${body}/.+$`) };
}

/** a compiled list of gitignore-style patterns; `ignores(path, isDir)` says whether the path is excluded */
export class PathMatcher {
  private readonly rules: Rule[];

  constructor(patterns: readonly string[]) {
    this.rules = patterns.map(compile).filter((r): r is Rule => r !== undefined);
  }

  get size(): number {
    return this.rules.length;
  }

  /** true when the last pattern matching `relPath` (POSIX, relative to the root) is not negated */
  matches(relPath: string, isDir = false): boolean {
    let hit = false;
    for (const r of this.rules) {
      const ok = r.dirOnly && !isDir ? r.below.test(relPath) : r.re.test(relPath);
      if (ok) hit = !r.negate;
    }
    return hit;
  }
}

/** the lines of a .gitignore-style file as patterns (comments and blanks dropped) */
export function ignoreFileLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.replace(/\s+$/, ''))
    .filter((l) => l !== '' && !l.startsWith('#'));
}
