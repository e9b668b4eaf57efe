// Writes the files generated from the zod schemas: `npm run schema`.
// - checklist/schema.json (src/checklist/json-schema.ts): the JSON Schema editors use;
// - src/checklist/fast-schema.generated.ts (src/checklist/fast-schema-plan.ts): the zod-free plans the validator's
//   fast path checks a valid checklist with.
// Tests assert the committed files equal what this generates, so run it after changing the format or a kind.
import { build } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = mkdtempSync(path.join(repo, 'node_modules', '.schema-'));
try {
  const out = path.join(tmp, 'gen.mjs');
  await build({
    stdin: {
      contents:
        "export { checklistJsonSchemaText } from './src/checklist/json-schema.ts';\n" +
        "export { fastSchemaPlansText } from './src/checklist/fast-schema-plan.ts';\n",
      resolveDir: repo,
      loader: 'ts',
    },
    outfile: out,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
    packages: 'external',
  });
  const { checklistJsonSchemaText, fastSchemaPlansText } = await import(pathToFileURL(out).href);
  for (const [rel, text] of [
    ['checklist/schema.json', checklistJsonSchemaText()],
    ['src/checklist/fast-schema.generated.ts', fastSchemaPlansText()],
  ]) {
    writeFileSync(path.join(repo, rel), text);
    console.log(`wrote ${rel}`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
