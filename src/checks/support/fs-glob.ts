/**
 * A small glob matcher over the real file system (Node 20 has no fs.glob; it arrives in 22).
 *
 * Supported: `*` and `?` (not across "/"; a leading dot must be matched explicitly), `[abc]` / `[a-z]` / `[!x]`,
 * `{a,b}` alternatives, and `**` as a whole segment for any number of directories (symlinked directories are not
 * descended into, so a link loop cannot hang a check). Results are sorted, relative to `cwd` unless the pattern is
 * absolute, and capped at `limit`.
 */
import { lstatSync, readdirSync, statSync, type Dirent } from 'node:fs';
import path from 'node:path';

export function hasMagic(pattern: string): boolean {
  return /[*?[{]/.test(pattern);
}

function escapeRe(s: string): string {
  return s.replace(/[.+^$()|\\/]/g, '\\$&');
}

/** regex source for one path segment */
function segmentRe(seg: string): string {
  let out = '';
  let i = 0;
  let braces = 0;
  while (i < seg.length) {
    const c = seg[i]!;
    if (c === '\\' && i + 1 < seg.length) {
      out += escapeRe(seg[i + 1]!);
      i += 2;
      continue;
    }
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = seg.indexOf(']', i + 2);
      if (end < 0) out += '\\[';
      else {
        let body = seg.slice(i + 1, end);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        out += '[' + body.replace(/\\/g, '\\\\') + ']';
        i = end;
      }
    } else if (c === '{') {
      braces++;
      out += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (c === ',' && braces > 0) out += '|';
    else out += escapeRe(c);
    i++;
  }
  return out + ')'.repeat(braces);
}

function matcher(seg: string): (name: string) => boolean {
  const re = new RegExp('^' + segmentRe(seg) + '$');
  const dotOk = seg.startsWith('.');
  return (name) => (dotOk || !name.startsWith('.')) && re.test(name);
}

export interface GlobOptions {
  cwd: string;
  limit?: number;
}

/** Paths matching `pattern` that exist. A pattern without magic characters is just an existence test. */
export function glob(pattern: string, o: GlobOptions): string[] {
  const limit = o.limit ?? 10_000;
  const absolute = path.isAbsolute(pattern);
  const rootDir = absolute ? path.parse(pattern).root : o.cwd;
  const rel = absolute ? pattern.slice(rootDir.length) : pattern;
  const segs = rel.split('/').filter((s) => s !== '' && s !== '.');
  const present = (p: string) => {
    try {
      lstatSync(p);
      return true;
    } catch {
      return false;
    }
  };
  const shown = (full: string) => (absolute ? full : path.relative(o.cwd, full) || '.');
  if (!hasMagic(rel)) {
    const full = path.resolve(rootDir, rel);
    return present(full) ? [shown(full)] : [];
  }
  // leading literal segments become the starting directory
  let start = rootDir;
  let k = 0;
  while (k < segs.length && !hasMagic(segs[k]!)) start = path.join(start, segs[k++]!);
  const rest = segs.slice(k);
  const found = new Set<string>();
  const list = (dir: string): Dirent[] => {
    try {
      return readdirSync(dir, { withFileTypes: true });
    } catch {
      return [];
    }
  };
  const isDir = (dir: string, d: Dirent) => {
    if (d.isDirectory()) return true;
    if (!d.isSymbolicLink()) return false;
    try {
      return statSync(path.join(dir, d.name)).isDirectory();
    } catch {
      return false;
    }
  };
  const walk = (dir: string, i: number): void => {
    if (found.size >= limit) return;
    if (i === rest.length) {
      if (present(dir)) found.add(dir);
      return;
    }
    const seg = rest[i]!;
    if (seg === '**') {
      walk(dir, i + 1); // zero directories
      for (const d of list(dir)) {
        if (d.name.startsWith('.') || !d.isDirectory()) continue; // real directories only: no link loops
        walk(path.join(dir, d.name), i);
      }
      return;
    }
    if (!hasMagic(seg)) {
      const next = path.join(dir, seg);
      if (present(next)) walk(next, i + 1);
      return;
    }
    const m = matcher(seg);
    for (const d of list(dir)) {
      if (!m(d.name)) continue;
      if (i + 1 < rest.length && !isDir(dir, d)) continue;
      walk(path.join(dir, d.name), i + 1);
    }
  };
  walk(start, 0);
  return [...found].map(shown).sort().slice(0, limit);
}
