import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAY_BE_RGI_EMOJI, patchStringWidth, stringWidthFix } from '../../scripts/string-width-fix.mjs';
import { bundleWith, removeBundles } from './bundle-with.js';
import { rng } from '../support/rng.js';

type StringWidth = (s: string, o?: { ambiguousIsNarrow?: boolean }) => number;

// string-width 8, as Ink gets it (resolved from Ink's directory)
const ENTRY = "export { default } from 'string-width';";
const INK_DIR = path.join(process.cwd(), 'node_modules', 'ink');

let original: StringWidth;
let patched: StringWidth;
beforeAll(async () => {
  original = (await bundleWith<{ default: StringWidth }>(ENTRY, [], INK_DIR)).default;
  patched = (await bundleWith<{ default: StringWidth }>(ENTRY, [stringWidthFix], INK_DIR)).default;
});
afterAll(removeBundles);

/** A small deterministic generator (mulberry32) for the random sequences. */

describe('string-width 8 with the lazy, guarded emoji test (scripts/string-width-fix.mjs)', () => {
  it('patches the installed string-width 8 and refuses a file it does not know', () => {
    const src = readFileSync(path.join(process.cwd(), 'node_modules/ink/node_modules/string-width/index.js'), 'utf8');
    const out = patchStringWidth(src);
    expect(out).not.toContain('const rgiEmojiRegex = /^\\p{RGI_Emoji}$/v;');
    expect(out).toContain('isRgiEmoji(segment)');
    expect(() => patchStringWidth(src.replace('rgiEmojiRegex.test(segment)', 'rgiEmojiRegex.exec(segment)'))).toThrow(/changed/);
  });

  it('the guard lets through every code point that is an RGI emoji, alone or with VS16', () => {
    const [, body, flags] = /^\/(.*)\/(\w*)$/.exec(MAY_BE_RGI_EMOJI)!;
    const guard = new RegExp(body!, flags);
    const rgi = new RegExp('^\\p{RGI_Emoji}$', 'v'); // (a /v literal needs an ES2024 target)
    const missed: string[] = [];
    let emoji = 0;
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      for (const s of [String.fromCodePoint(cp), String.fromCodePoint(cp, 0xfe0f)]) {
        if (!rgi.test(s)) continue;
        emoji++;
        if (!guard.test(s)) missed.push(s);
      }
    }
    expect(emoji).toBeGreaterThan(1000);
    expect(missed).toEqual([]);
  }, 60_000);

  it('gives the same widths as the original: every BMP code point, emoji sequences, random mixes of emoji parts and text', () => {
    const bmp = Array.from({ length: 0x10000 }, (_, cp) => (cp >= 0xd800 && cp <= 0xdfff ? '' : String.fromCharCode(cp)));
    const fixed = ['👍🏽', '🇩🇪', '1️⃣', '#️⃣', '*⃣', '👨‍👩‍👧‍👦', '🏳️‍🌈', '🏴󠁧󠁢󠁳󠁣󠁴󠁿', '❤️', '☺', '☺️', '✍🏿', '🧑🏻‍💻', 'a👍b', '│ ✓ PASS ·2 ✎1 ░░', 'ｶﾞ', '한국어', '\u1100\u1161\u11A8'];
    const parts = [
      '\u200D', '\uFE0F', '\uFE0E', '\u20E3', '\u{1F3FB}', '\u{1F3FF}', '\u{1F1E9}', '\u{1F1EA}', '\u{E0067}', '\u{E007F}',
      '\u{1F3F4}', '\u{1F468}', '\u{1F469}', '\u2764', '\u263A', '\u270D', '1', '#', 'a', '─', '·', '\u0301', '\u1100', '\u1161', '한', '文',
    ];
    const next = rng(42);
    const random = Array.from({ length: 20_000 }, () =>
      Array.from({ length: 1 + Math.floor(next() * 6) }, () => parts[Math.floor(next() * parts.length)]).join(''),
    );
    const all = [...bmp, ...fixed, ...random];
    expect(all.filter((s) => patched(s) !== original(s))).toEqual([]);
    expect(all.filter((s) => patched(s, { ambiguousIsNarrow: false }) !== original(s, { ambiguousIsNarrow: false }))).toEqual([]);
    expect([patched('👍🏽'), patched('🇩🇪'), patched('─'), patched('·2 ✎1')]).toEqual([2, 2, 1, 5]);
  }, 60_000);
});
