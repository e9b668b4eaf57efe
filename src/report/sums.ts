/**
 * SHA256SUMS in GNU coreutils format ("<64 hex>  <path>\n"), sorted in LC_ALL=C byte order, so that
 * `sha256sum --strict -c SHA256SUMS` (or `shasum -a 256 -c`) checks a bundle with nothing but coreutils.
 * File names are restricted to [A-Za-z0-9._/@-]: sha256sum escapes anything else with a leading backslash.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { sha256File } from '../signing/digest.js';

export const SUMS_FILE = 'SHA256SUMS';
export const SUMS_SIG_FILE = 'SHA256SUMS.sig';

const SAFE_NAME = /^[A-Za-z0-9._@-]+(\/[A-Za-z0-9._@-]+)*$/;

/** A relative path inside a bundle in the safe charset, no `.`/`..` segment (anything not a string is not one). */
export function isSafeBundlePath(p: unknown): p is string {
  return typeof p === 'string' && SAFE_NAME.test(p) && !p.split('/').some((seg) => seg === '.' || seg === '..');
}

/** Map one path segment onto the safe charset (used when copying evidence with odd names into a bundle). */
export function safeSegment(seg: string): string {
  const s = seg.replace(/[^A-Za-z0-9._@-]/g, '_');
  return s === '.' || s === '..' || s === '' ? s.replace(/\./g, '_') || '_' : s;
}

/** LC_ALL=C order: plain byte comparison of the UTF-8 encoding. */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Every regular file under `dir`, as sorted relative POSIX paths. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(rel: string): Promise<void> {
    const entries = await readdir(path.join(dir, rel), { withFileTypes: true });
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else out.push(r);
    }
  }
  await walk('');
  return out.sort(byteOrder);
}

export interface SumEntry {
  sha256: string;
  path: string;
}

/** Build the SHA256SUMS text for `files` (relative to `dir`). Throws on a file name outside the safe charset. */
export async function computeSums(dir: string, files: string[]): Promise<{ text: string; entries: SumEntry[] }> {
  const sorted = [...new Set(files)].sort(byteOrder);
  const entries: SumEntry[] = [];
  for (const f of sorted) {
    if (!isSafeBundlePath(f)) throw new Error(`bundle file name "${f}" has characters outside [A-Za-z0-9._/@-]`);
    entries.push({ sha256: await sha256File(path.join(dir, f)), path: f });
  }
  return { text: entries.map((e) => `${e.sha256}  ${e.path}\n`).join(''), entries };
}

export interface ParsedSums {
  entries: SumEntry[];
  /** "line N: problem" for lines that are not in the strict format */
  problems: string[];
}

/** Parse SHA256SUMS strictly (what `sha256sum --strict -c` accepts, minus the escaped-name form we never write). */
export function parseSums(text: string): ParsedSums {
  const entries: SumEntry[] = [];
  const problems: string[] = [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  else if (text.length) problems.push(`line ${lines.length}: no newline at end of file`);
  lines.forEach((line, i) => {
    const m = /^([0-9a-f]{64}) [ *]([^\n]+)$/.exec(line);
    if (!m) {
      problems.push(`line ${i + 1}: not "<sha256>  <file>"`);
      return;
    }
    if (!isSafeBundlePath(m[2]!)) problems.push(`line ${i + 1}: file name "${m[2]}" is outside [A-Za-z0-9._/@-]`);
    entries.push({ sha256: m[1]!, path: m[2]! });
  });
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.path)) problems.push(`${e.path} is listed twice`);
    seen.add(e.path);
  }
  return { entries, problems };
}
