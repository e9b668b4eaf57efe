/**
 * Never a stack trace: random edits of the real detektor checklist (seeded, reproducible) must each give either a
 * checklist or problems with positions inside the file — validateSource must never throw.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateSource } from '../../src/checklist/validate.js';
import { KINDS } from '../../src/checks/index.js';
import { rng } from '../support/rng.js';

const repo = path.resolve(import.meta.dirname, '../..');
const original = readFileSync(path.join(repo, 'checklist/detektor.yaml'), 'utf8');

const JUNK = ['{', '}', '[', ']', ':', '- ', '"', "'", '\t', '&a', '*a', '${vars.', '!!int ', '|', '>', '#', '\u0000', '  ', '\n', '---\n', '1.1', 'kind: x'];

function mutate(text: string, r: () => number): string {
  const lines = text.split('\n');
  const n = 1 + Math.floor(r() * 3);
  for (let k = 0; k < n; k++) {
    const i = Math.floor(r() * lines.length);
    const op = Math.floor(r() * 5);
    const line = lines[i] ?? '';
    if (op === 0) lines.splice(i, 1);
    else if (op === 1) lines.splice(i, 0, line);
    else if (op === 2) lines[i] = ' '.repeat(Math.floor(r() * 4)) + line.trimStart();
    else if (op === 3) {
      const at = Math.floor(r() * (line.length + 1));
      lines[i] = line.slice(0, at) + JUNK[Math.floor(r() * JUNK.length)] + line.slice(at);
    } else lines[i] = line.replace(/: .*/, ': ' + JUNK[Math.floor(r() * JUNK.length)]);
  }
  return lines.join('\n');
}

describe('validator robustness', () => {
  it('150 random edits of detektor.yaml: never throws, every problem has a position inside the file', () => {
    const r = rng(20261127);
    let invalid = 0;
    for (let n = 0; n < 150; n++) {
      const text = mutate(original, r);
      const lineCount = text.split('\n').length;
      let res: ReturnType<typeof validateSource>;
      try {
        res = validateSource(Buffer.from(text), 'detektor.yaml', KINDS);
      } catch (err) {
        throw new Error(`edit #${n} made the validator throw: ${(err as Error).stack}\n---\n${text}`);
      }
      if (!res.checklist) {
        invalid++;
        expect(res.problems.some((p) => p.severity === 'error')).toBe(true);
      }
      for (const p of res.problems) {
        expect(p.line, `edit #${n}: ${p.message}`).toBeGreaterThanOrEqual(1);
        expect(p.line, `edit #${n}: ${p.message}`).toBeLessThanOrEqual(lineCount + 1);
        expect(p.col).toBeGreaterThanOrEqual(1);
        expect(p.message.length).toBeGreaterThan(0);
      }
    }
    // the edits are disruptive enough to matter
    expect(invalid).toBeGreaterThan(40);
  }, 120_000);
});
