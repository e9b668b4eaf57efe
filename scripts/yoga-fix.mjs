// esbuild plugin: yoga-layout 3.x (Ink's layout engine) ships its WebAssembly as a base64 `data:` URL and, whenever
// a global `fetch` exists (Node ≥ 18), loads it with fetch(): that pulls in Node's bundled undici and costs
// ~50–90 ms of TUI start-up. Emscripten's own non-fetch path (decode the base64 in place, instantiate from bytes)
// gives the same module; take it. That path decodes the ~95 KB of base64 with atob() and a byte-by-byte copy
// (~4 ms); Buffer.from(…, 'base64') gives the same bytes in a tenth of that.
// A changed file fails the build so nobody ships without re-checking.
import { readFile } from 'node:fs/promises';
import { applyPatches } from './patch-source.mjs';

const PATCHES = [
  ['function ya(){return w||"function"!=typeof fetch?', 'function ya(){return true?'],
  [
    'var b=xa(a.slice(37)),c=new Uint8Array(b.length);for(a=0;a<b.length;++a)c[a]=b.charCodeAt(a);var d=c',
    'var d=Buffer.from(a.slice(37),"base64")',
  ],
];

export const yogaFix = {
  name: 'yoga-no-fetch',
  setup(build) {
    build.onLoad({ filter: /[\\/]yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/ }, async (args) => {
      const src = await readFile(args.path, 'utf8');
      const opts = { plugin: 'yoga-no-fetch', file: args.path, pkg: 'yoga-layout', script: 'scripts/yoga-fix.mjs' };
      return { contents: applyPatches(src, PATCHES, opts), loader: 'js' };
    });
  },
};
