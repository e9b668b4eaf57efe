// The package's own `prepare` builds dist/ for a checkout (`npm ci`, `npm install` from a git URL), where the dev
// dependencies that build it are installed. A consumer of the packed tarball gets dist/ built already, but npm 11
// lists a tarball's `prepare` as an install script not covered by allowScripts and warns every `npx` user about it
// (measured: "npm warn install-scripts … readiness-tui@0.1.0 (prepare: npm run build)"). So, like pinst does for
// postinstall: `prepack` builds and renames the script to `_prepare` in package.json, `postpack` renames it back.
//   node scripts/pack-manifest.mjs strip | restore
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package.json', import.meta.url);
const text = readFileSync(file, 'utf8');
const pkg = JSON.parse(text);
const [from, to] = process.argv[2] === 'strip' ? ['prepare', '_prepare'] : process.argv[2] === 'restore' ? ['_prepare', 'prepare'] : [];
if (!from) {
  console.error('usage: node scripts/pack-manifest.mjs strip|restore');
  process.exit(2);
}
if (pkg.scripts?.[from] !== undefined) {
  // keep the key order and the file's formatting: rename the key in place
  pkg.scripts = Object.fromEntries(Object.entries(pkg.scripts).map(([k, v]) => [k === from ? to : k, v]));
  writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
}
