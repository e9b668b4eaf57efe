import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ansiTokenizeFix, patchStyledChars } from '../../scripts/ansi-tokenize-fix.mjs';
import { bundleWith, removeBundles } from './bundle-with.js';
import { rng } from '../support/rng.js';

interface StyledChar {
  type: 'char';
  value: string;
  fullWidth: boolean;
  styles: { code: string; endCode: string }[];
}
interface AnsiTokenize {
  tokenize(s: string): unknown[];
  styledCharsFromTokens(t: unknown[]): StyledChar[];
  styledCharsToString(c: StyledChar[]): string;
}

// ansi-tokenize as Ink's output.ts gets it (resolved from Ink's directory)
const ENTRY = "export { tokenize, styledCharsFromTokens, styledCharsToString } from '@alcalzone/ansi-tokenize';";
const INK_DIR = path.join(process.cwd(), 'node_modules', 'ink');

let original: AnsiTokenize;
let patched: AnsiTokenize;
beforeAll(async () => {
  original = await bundleWith<AnsiTokenize>(ENTRY, [], INK_DIR);
  patched = await bundleWith<AnsiTokenize>(ENTRY, [ansiTokenizeFix], INK_DIR);
});
afterAll(removeBundles);

const E = '\x1b[';
const CODES = [
  `${E}0m`, `${E}1m`, `${E}2m`, `${E}22m`, `${E}3m`, `${E}23m`, `${E}4m`, `${E}24m`, `${E}7m`, `${E}27m`, `${E}9m`, `${E}29m`,
  `${E}31m`, `${E}32m`, `${E}90m`, `${E}39m`, `${E}41m`, `${E}49m`, `${E}38;5;208m`, `${E}48;2;10;20;30m`,
  '\x1b]8;;https://example.com\x07', '\x1b]8;;\x07',
];
const TEXT = ['a', 'b', ' ', '─', '·', '✓', '文', '👍🏽'];

/** A row the way Ink's Output builds one: cells from styled text, blank cells with their own empty style list. */
function row(t: AnsiTokenize, line: string, width: number): StyledChar[] {
  const cells = t.styledCharsFromTokens(t.tokenize(line));
  while (cells.length < width) cells.push({ type: 'char', value: ' ', fullWidth: false, styles: [] });
  return cells;
}

describe('ansi-tokenize without a style diff between cells of the same style (scripts/ansi-tokenize-fix.mjs)', () => {
  it('patches the installed ansi-tokenize and refuses a file it does not know', () => {
    const file = path.join(process.cwd(), 'node_modules/@alcalzone/ansi-tokenize/build/styledChars.js');
    const src = readFileSync(file, 'utf8');
    expect(patchStyledChars(src)).toContain('sameAnsiCodes(chars[i - 1].styles, char.styles)');
    expect(() => patchStyledChars(src.replace('diffAnsiCodes(char.styles, [])', 'diffAnsiCodes(char.styles, none)'))).toThrow(/changed/);
  });

  it('turns rows of styled cells into the same string as the original', () => {
    const next = rng(7);
    const pick = <T,>(a: T[]): T => a[Math.floor(next() * a.length)]!;
    const lines = [
      '',
      'plain text',
      `${E}1mbold${E}22m and ${E}2mdim${E}22m ${E}1m${E}2mboth${E}22m`,
      `${E}7m${E}1m› Prerequisites${E}22m${E}27m ${E}90m░░░░${E}39m  0/2`,
      ...Array.from({ length: 3000 }, () => Array.from({ length: 1 + Math.floor(next() * 30) }, () => (next() < 0.4 ? pick(CODES) : pick(TEXT))).join('')),
    ];
    const differ = lines.filter((l) => {
      const width = 40;
      return patched.styledCharsToString(row(patched, l, width)) !== original.styledCharsToString(row(original, l, width));
    });
    expect(differ).toEqual([]);
    // and a row of cells that share one style list object
    const shared = [{ code: `${E}31m`, endCode: `${E}39m` }];
    const cells: StyledChar[] = ['x', 'y', 'z'].map((value) => ({ type: 'char', value, fullWidth: false, styles: shared }));
    expect(patched.styledCharsToString(cells)).toBe(original.styledCharsToString(cells));
    expect(patched.styledCharsToString(cells)).toBe(`${E}31mxyz${E}39m`);
  });
});
