// `npm run bench`: runs every scripts/bench/*.mjs in name order, each in its own Node process, and prints their
// figures. A script that crashes makes the whole bench exit 1; a missed target is a figure (MISS), not a crash.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = path.join(here, 'bench');
const only = process.argv.slice(2);
const scripts = readdirSync(dir)
  .filter((f) => f.endsWith('.mjs'))
  .filter((f) => !only.length || only.some((o) => f.includes(o)))
  .sort();

let failed = 0;
for (const s of scripts) {
  process.stdout.write(`\n== ${s} ==\n`);
  const r = spawnSync(process.execPath, [path.join(dir, s)], { stdio: 'inherit', cwd: path.resolve(here, '..') });
  if (r.status !== 0) {
    failed++;
    process.stdout.write(`!! ${s} exited with ${r.status ?? r.signal}\n`);
  }
}
process.stdout.write(`\n${scripts.length} bench script${scripts.length === 1 ? '' : 's'} run${failed ? `, ${failed} crashed` : ''}\n`);
process.exit(failed ? 1 : 0);
