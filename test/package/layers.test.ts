/**
 * The house's rooms point one way. Under src/, in order from the bottom:
 *
 *   version.ts → process → signing → checklist → checks → engine → report → ui → demo → commands → cli.ts
 *
 * A module imports only from its own room or from rooms to its left: the engine never imports the report or the UI,
 * a check kind never reaches into the engine, the checklist format never reads the kinds' registry. (`process` and
 * `signing` are the small rooms everything may use: spawning process groups and reading their output; SSH signatures
 * and digests. `demo` is the sandbox `readiness-tui demo` starts, so it sits just below the commands.) Every static
 * import, re-export, side-effect import and dynamic import() of every file under src/ is read; a file in a room the
 * order does not name fails too, so a new room has to be placed here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/fixtures.js';

const ORDER = ['version.ts', 'process', 'signing', 'checklist', 'checks', 'engine', 'report', 'ui', 'demo', 'commands', 'cli.ts'];

/** the relative specifiers a module imports: `from '…'`, `import '…'`, `import('…')` (either quote) */
function importsOf(text: string): string[] {
  return [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]+)\1/g)].map((m) => m[2]!);
}

/** the room of a path relative to src/ (its first segment), or the whole path when it leaves src/ */
const roomOf = (rel: string) => rel.split('/')[0]!;

/** Every import that points up the order (or into or out of a room the order does not name), as "from → to". */
function wrongWay(files: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const [rel, text] of files) {
    const from = ORDER.indexOf(roomOf(rel));
    for (const spec of importsOf(text)) {
      const target = path.posix.join(path.posix.dirname(rel), spec).replace(/\.js$/, '.ts');
      const to = ORDER.indexOf(roomOf(target));
      if (from >= 0 && to >= 0 && to <= from) continue;
      out.push(`${rel} → ${target}`);
    }
  }
  return out;
}

function sourceFiles(): Map<string, string> {
  const src = path.join(repoRoot, 'src');
  const files = new Map<string, string>();
  for (const rel of readdirSync(src, { recursive: true }) as string[]) {
    if (/\.tsx?$/.test(rel)) files.set(rel.split(path.sep).join('/'), readFileSync(path.join(src, rel), 'utf8'));
  }
  return files;
}

describe('layers', () => {
  it('no module under src/ imports from a room above its own', () => {
    const files = sourceFiles();
    expect(files.size).toBeGreaterThan(100);
    expect(wrongWay(files)).toEqual([]);
  });

  it('the checker names each import that points up, and only those', () => {
    const files = new Map([
      ['checklist/validator.ts', "import { KINDS } from '../checks/index.js';\nimport { formatPath } from './path-format.js';"],
      ['checks/command.ts', "import { spawnGroup } from '../process/spawn.js';\nimport type { X } from \"../engine/events.js\";"],
      ['engine/signed-act.ts', "const { signStatement } = await import('../report/signoff-sign.js');"],
      ['process/spawn.ts', "export { LineSplitter } from './line-splitter.js';\nimport '../signing/sign.js';"],
      ['signing/sign.ts', "export * from '../process/spawn.js';"],
      ['report/verify.ts', "import { x } from '../engine/journal.js';\nimport { VERSION } from '../version.js';"],
      ['ui/app.tsx', "import { run } from '../commands/run.js';"],
      ['demo/sandbox.ts', "import { main } from '../cli.js';"],
      ['commands/run.ts', "import { startSandbox } from '../demo/sandbox.js';"],
      ['cli.ts', "import { run } from './commands/run.js';"],
      ['plugins/x.ts', "import { a } from '../checks/index.js';"],
      ['checks/kind.ts', "import { b } from '../plugins/x.js';"],
    ]);
    expect(wrongWay(files)).toEqual([
      'checklist/validator.ts → checks/index.ts',
      'checks/command.ts → engine/events.ts',
      'engine/signed-act.ts → report/signoff-sign.ts',
      'process/spawn.ts → signing/sign.ts',
      'ui/app.tsx → commands/run.ts',
      'demo/sandbox.ts → cli.ts',
      'plugins/x.ts → checks/index.ts',
      'checks/kind.ts → plugins/x.ts',
    ]);
  });

  it('the reader finds static, re-exported, side-effect and dynamic imports alike, in either quote', () => {
    const text = [
      "import { a } from '../ui/x.js';",
      'const { b } = await import("../commands/y.js");',
      "export { c } from './z.js';",
      "import './side-effect.js';",
      "import type { T } from '../engine/t.js';",
      "const m = await import(\n  '../report/m.js'\n);",
      "import { readFile } from 'node:fs';",
    ].join('\n');
    expect(importsOf(text)).toEqual(['../ui/x.js', '../commands/y.js', './z.js', './side-effect.js', '../engine/t.js', '../report/m.js']);
  });
});
