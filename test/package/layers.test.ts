/**
 * The house's layers point one way: checklist → checks → engine → report → ui → cli (src/commands, src/cli.ts). This
 * holds the two top arrows: nothing below the command layer imports a command (or cli.ts), and nothing below the UI
 * imports the UI — the engine never does. Every static and dynamic import of every file under src/ is read. (The
 * lower layers still share some code across their arrows — the checklist validates a check's parameters with the
 * kinds' own schemas, the kinds use the engine's process helpers — which this test does not police.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/fixtures.js';

const LAYER: Record<string, number> = { checklist: 0, checks: 0, engine: 0, report: 0, ui: 4, commands: 5 };

function importsOf(text: string): string[] {
  return [...text.matchAll(/(?:from\s+|import\(\s*)'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
}

describe('layers', () => {
  it('nothing imports the command layer but itself, and nothing below the UI imports the UI', () => {
    const src = path.join(repoRoot, 'src');
    const upward: string[] = [];
    for (const rel of readdirSync(src, { recursive: true }) as string[]) {
      if (!/\.tsx?$/.test(rel)) continue;
      const from = rel.split(path.sep)[0]!;
      if (!(from in LAYER)) continue;
      for (const spec of importsOf(readFileSync(path.join(src, rel), 'utf8'))) {
        const target = path.relative(src, path.resolve(path.dirname(path.join(src, rel)), spec)).replace(/\.js$/, '.ts');
        const to = target === 'cli.ts' ? 'commands' : target.split(path.sep)[0]!;
        if (!(to in LAYER) || LAYER[to]! <= LAYER[from]!) continue;
        upward.push(`${rel.split(path.sep).join('/')} → ${target.split(path.sep).join('/')}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('the reader finds static and dynamic imports alike', () => {
    expect(importsOf(`import { a } from '../ui/x.js';\nconst { b } = await import('../commands/y.js');\nexport { c } from './z.js';`)).toEqual([
      '../ui/x.js',
      '../commands/y.js',
      './z.js',
    ]);
  });
});
