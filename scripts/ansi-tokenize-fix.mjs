// esbuild plugin: @alcalzone/ansi-tokenize's styledCharsToString (Ink turns every row of every frame back into a
// string with it) diffs the styles of each cell against the previous cell's — three Sets and four arrays per cell,
// for a 100×30 frame 3,000 times, although neighbouring cells nearly always have the same style (a run of text, a
// blank row). Two style lists with the same codes in the same order diff to nothing, so skip the diff for them; the
// string produced is the same. A changed file fails the build so nobody ships without re-checking.
import { readFile } from 'node:fs/promises';
import { applyPatches } from './patch-source.mjs';

const SAME_CODES = `
function sameAnsiCodes(a, b) {
    if (a === b) return true;
    if (a.length !== b.length) return false;
    for (let k = 0; k < a.length; k++) if (a[k].code !== b[k].code || a[k].endCode !== b[k].endCode) return false;
    return true;
}
`;

const PATCHES = [
  ['export function styledCharsToString(chars) {', `${SAME_CODES}export function styledCharsToString(chars) {`],
  [
    'ret += ansiCodesToString(diffAnsiCodes(chars[i - 1].styles, char.styles));',
    'if (!sameAnsiCodes(chars[i - 1].styles, char.styles)) ret += ansiCodesToString(diffAnsiCodes(chars[i - 1].styles, char.styles));',
  ],
  ['ret += ansiCodesToString(diffAnsiCodes(char.styles, []));', 'if (char.styles.length) ret += ansiCodesToString(diffAnsiCodes(char.styles, []));'],
];

/** ansi-tokenize's styledChars.js with the patches applied (exported for the test). */
export function patchStyledChars(src, file = '@alcalzone/ansi-tokenize/build/styledChars.js') {
  return applyPatches(src, PATCHES, { plugin: 'ansi-tokenize-same-style', file, pkg: 'ansi-tokenize', script: 'scripts/ansi-tokenize-fix.mjs' });
}

export const ansiTokenizeFix = {
  name: 'ansi-tokenize-same-style',
  setup(build) {
    build.onLoad({ filter: /[\\/]@alcalzone[\\/]ansi-tokenize[\\/]build[\\/]styledChars\.js$/ }, async (args) => ({
      contents: patchStyledChars(await readFile(args.path, 'utf8'), args.path),
      loader: 'js',
    }));
  },
};
