// esbuild plugin: string-width 8 (Ink's text measuring, through widest-line and cli-truncate too) tests every
// non-ASCII grapheme against /^\p{RGI_Emoji}$/v. V8 compiles that regular expression (every emoji sequence there
// is) on its first use — 35–50 ms, then ~10 ms more when it tiers up — so the TUI's first frame paid for it as soon as
// a line held a box-drawing character or a middle dot, and building it at load time costs ~5 ms more.
// Fix: build it on first use, and only ask it about a grapheme that can be an emoji at all. By the definitions of
// UTS #51 every RGI emoji holds a code point with Emoji_Presentation (basic emoji, flags, modifiers), or U+FE0F
// (text-default emoji shown as emoji), U+20E3 (keycaps), U+200D (ZWJ sequences) or a tag character (tag
// sequences); a grapheme without any of them is not an RGI emoji, and the answer is the same without the expensive
// test. test/scripts/string-width-fix.test.ts checks the guard against the real expression for every code point.
// A changed file fails the build so nobody ships without re-checking.
import { readFile } from 'node:fs/promises';
import { applyPatches } from './patch-source.mjs';
import path from 'node:path';

/** Source of the guard: a grapheme that does not match it cannot match /^\p{RGI_Emoji}$/v. */
export const MAY_BE_RGI_EMOJI = String.raw`/[\p{Emoji_Presentation}\p{Emoji_Modifier}\p{Regional_Indicator}\u{FE0F}\u{20E3}\u{200D}\u{E0020}-\u{E007F}]/u`;

const PATCHES = [
  [
    'const rgiEmojiRegex = /^\\p{RGI_Emoji}$/v;',
    `let rgiEmojiRegex;\nconst mayBeRgiEmoji = ${MAY_BE_RGI_EMOJI};\nconst isRgiEmoji = (s) => mayBeRgiEmoji.test(s) && (rgiEmojiRegex ??= new RegExp('^\\\\p{RGI_Emoji}$', 'v')).test(s);`,
  ],
  ['if (rgiEmojiRegex.test(segment) || isDoubleWidthNonRgiEmojiSequence(segment)) {', 'if (isRgiEmoji(segment) || isDoubleWidthNonRgiEmojiSequence(segment)) {'],
];

/** string-width 8's index.js with the patches applied (exported for the test). */
export function patchStringWidth(src, file = 'string-width/index.js') {
  return applyPatches(src, PATCHES, { plugin: 'string-width-lazy-emoji', file, pkg: 'string-width', script: 'scripts/string-width-fix.mjs' });
}

export const stringWidthFix = {
  name: 'string-width-lazy-emoji',
  setup(build) {
    build.onLoad({ filter: /[\\/]string-width[\\/]index\.js$/ }, async (args) => {
      const pkg = JSON.parse(await readFile(path.join(path.dirname(args.path), 'package.json'), 'utf8'));
      // string-width 7 (used by wrap-ansi and src/ui/format.ts) tests emoji with emoji-regex: leave it alone
      if (Number.parseInt(pkg.version, 10) < 8) return undefined;
      return { contents: patchStringWidth(await readFile(args.path, 'utf8'), args.path), loader: 'js' };
    });
  },
};
