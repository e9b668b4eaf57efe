// esbuild plugin: zod 4 re-exports all of its ~60 message locales as `z.locales` (≈ 300 KB of the bundle), and a
// namespace re-export cannot be tree-shaken, so every command that validates anything parsed them at start-up
// (~20 ms). readiness-tui uses the English messages only — zod loads those itself from locales/en.js, which stays
// bundled — and never calls z.locales.*. The bundle gets stand-ins with the same names that throw a clear error if
// someone starts using a locale, so that can't fail silently. (Tests run against the real zod, not the bundle.)
import { readFile } from 'node:fs/promises';

export const zodLocales = {
  name: 'zod-locales-stub',
  setup(build) {
    build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, async (args) => {
      const src = await readFile(args.path, 'utf8');
      const names = [...src.matchAll(/export \{ default as (\w+) \} from "\.\/[\w-]+\.js";/g)].map((m) => m[1]);
      const lines = src.split('\n').filter((l) => l.trim() !== '');
      if (names.length < 10 || names.length !== lines.length || !names.includes('en')) {
        throw new Error(`zod-locales-stub: ${args.path} changed (zod upgraded?); re-check it and drop or update scripts/zod-locales.mjs`);
      }
      const stub = (n) =>
        `export function ${n}() { throw new Error('zod locale "${n}" is not bundled (scripts/zod-locales.mjs): add it there before using z.locales'); }`;
      return { contents: names.map(stub).join('\n') + '\n', loader: 'js' };
    });
  },
};
