// Writes checklist/schema.json from the zod schemas (src/checklist/json-schema.ts): `npm run schema`.
// A test asserts the committed file equals what this generates, so run it after changing the format or a kind.
import { build } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = mkdtempSync(path.join(repo, 'node_modules', '.schema-'));
try {
  const out = path.join(tmp, 'gen.mjs');
  await build({
    entryPoints: [path.join(repo, 'src/checklist/json-schema.ts')],
    outfile: out,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
    packages: 'external',
  });
  const { checklistJsonSchemaText } = await import(pathToFileURL(out).href);
  const target = path.join(repo, 'checklist/schema.json');
  writeFileSync(target, checklistJsonSchemaText());
  console.log(`wrote ${path.relative(process.cwd(), target) || target}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
