// esbuild plugin: yoga-layout 3.x (Ink's layout engine) ships its WebAssembly as a base64 `data:` URL and, whenever
// a global `fetch` exists (Node ≥ 18), loads it with fetch(): that pulls in Node's bundled undici and costs
// ~50–90 ms of TUI start-up. Emscripten's own non-fetch path (decode the base64 in place, instantiate from bytes)
// gives the same module; take it. A changed file fails the build so nobody ships without re-checking.
import { readFile } from 'node:fs/promises';

const FROM = 'function ya(){return w||"function"!=typeof fetch?';
const TO = 'function ya(){return true?';

export const yogaFix = {
  name: 'yoga-no-fetch',
  setup(build) {
    build.onLoad({ filter: /[\\/]yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/ }, async (args) => {
      const src = await readFile(args.path, 'utf8');
      if (!src.includes(FROM)) {
        throw new Error(`yoga-no-fetch: ${args.path} changed (yoga-layout upgraded?); re-check it and drop or update the patch in scripts/yoga-fix.mjs`);
      }
      return { contents: src.replace(FROM, TO), loader: 'js' };
    });
  },
};
