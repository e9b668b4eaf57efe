// Writes checklist/schema.json (src/checks/json-schema.ts), the JSON Schema editors use, from the zod schemas:
// `npm run schema`. A test asserts the committed file equals what this generates, so run it after changing the
// format or a kind.
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
        "export { checklistJsonSchemaText } from './src/checks/json-schema.ts';\n",
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
  const { checklistJsonSchemaText } = await import(pathToFileURL(out).href);
  writeFileSync(path.join(repo, 'checklist/schema.json'), checklistJsonSchemaText());
  console.log('wrote checklist/schema.json');
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
