/**
 * No function in src/ is longer than a reader can hold at once (the house rule: no function over ~150 lines), and no
 * file over ~400 lines without its header comment saying why ("Over 400 lines: …"). Every
 * function, method, arrow function and function expression with a body is measured from its first line to its last
 * (a factory's inner functions count inside it too), with the TypeScript compiler's own parser.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/fixtures.js';

const MAX_LINES = 150;
const MAX_FILE_LINES = 400;

/** the source files under src/ */
function sourceFiles(): string[] {
  return readdirSync(path.join(repoRoot, 'src'), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|tsx)$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

/** a file over `max` lines whose leading comment does not say why ("Over 400 lines: …"), else undefined */
function longFileWithoutReason(text: string, max: number): string | undefined {
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  if (lines <= max) return undefined;
  const header = /^(?:#![^\n]*\n)?\s*\/\*\*?([\s\S]*?)\*\//.exec(text)?.[1] ?? '';
  return /Over 400 lines\b/i.test(header) ? undefined : `${lines} lines, and its header comment does not say why (Over 400 lines: …)`;
}

/** every function with a body in `text` longer than `max` lines: "name (N lines) at line L" */
function longFunctions(file: string, text: string, max: number): string[] {
  const kind = file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const found: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isFunctionLike(n) && 'body' in n && n.body) {
      const first = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line;
      const last = sf.getLineAndCharacterOfPosition(n.end).line;
      const lines = last - first + 1;
      if (lines > max) found.push(`${nameOf(n)} (${lines} lines) at line ${first + 1}`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

function nameOf(n: ts.Node): string {
  const named = (n as { name?: ts.Node }).name;
  if (named) return named.getText();
  const p = n.parent;
  if (p && (ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p))) return p.name.getText();
  return '(anonymous function)';
}

describe('function length', () => {
  it(`no function in src/ is over ${MAX_LINES} lines`, () => {
    const files = sourceFiles();
    expect(files.length).toBeGreaterThan(100);
    const found = files.flatMap((f) =>
      longFunctions(f, readFileSync(f, 'utf8'), MAX_LINES).map((x) => `${path.relative(repoRoot, f)}: ${x}`),
    );
    expect(found).toEqual([]);
  });

  it('the measure finds a long function, method and arrow, inner ones included, and names them', () => {
    const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const text = [
      `export function long(): void {\n${body(10)}\n}`,
      `class C {\n  method(): void {\n${body(10)}\n  }\n}`,
      `const outer = () => {\n  const inner = function () {\n${body(10)}\n  };\n};`,
      `function short(): void {\n  return;\n}`,
    ].join('\n');
    expect(longFunctions('x.ts', text, 10)).toEqual([
      'long (12 lines) at line 1',
      'method (12 lines) at line 14',
      'outer (14 lines) at line 27',
      'inner (12 lines) at line 28',
    ]);
  });

  it(`a file in src/ over ${MAX_FILE_LINES} lines says why at its top`, () => {
    const found = sourceFiles().flatMap((f) => {
      const why = longFileWithoutReason(readFileSync(f, 'utf8'), MAX_FILE_LINES);
      return why ? [`${path.relative(repoRoot, f)}: ${why}`] : [];
    });
    expect(found).toEqual([]);
  });

  it('the file measure: a long file passes only with the reason in its leading comment', () => {
    const body = (n: number) => Array.from({ length: n }, (_, i) => `const v${i} = ${i};`).join('\n') + '\n';
    expect(longFileWithoutReason(body(4), 4)).toBeUndefined();
    expect(longFileWithoutReason(body(5), 4)).toBe('5 lines, and its header comment does not say why (Over 400 lines: …)');
    expect(longFileWithoutReason(`/**\n * What it does.\n *\n * Over 400 lines: one kind per file.\n */\n${body(5)}`, 4)).toBeUndefined();
    // the reason must be in the file's leading comment, not anywhere
    expect(longFileWithoutReason(`/** What it does. */\n${body(5)}// Over 400 lines: said too late\n`, 4)).toMatch(/^7 lines/);
  });
});
