/**
 * The malformed-checklist corpus: every file in test/checklist/malformed/ ends with `# expect: LINE:COL PATH: MESSAGE`
 * lines naming EVERY error the validator must report (exact position and path; the message may be a prefix).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateFile } from '../../src/checklist/validate.js';
import { KINDS } from '../../src/checks/index.js';

const dir = path.resolve(import.meta.dirname, 'malformed');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

function expectations(file: string): { line: number; col: number; text: string }[] {
  return readFileSync(path.join(dir, file), 'utf8')
    .split('\n')
    .map((l) => /^# expect: (\d+):(\d+) (.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ line: Number(m[1]), col: Number(m[2]), text: m[3]! }));
}

describe('malformed checklist corpus', () => {
  it('has at least 30 files, each declaring its expected errors', () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
    for (const f of files) expect(expectations(f).length, f).toBeGreaterThan(0);
  });

  for (const f of files) {
    it(f, async () => {
      const rel = path.join('test/checklist/malformed', f);
      const { checklist, problems } = await validateFile(path.join(dir, f), KINDS);
      expect(checklist).toBeUndefined();
      const errors = problems.filter((p) => p.severity === 'error');
      const want = expectations(f);
      expect(errors.map((e) => `${e.line}:${e.col}`)).toEqual(want.map((w) => `${w.line}:${w.col}`));
      want.forEach((w, i) => {
        const e = errors[i]!;
        const got = `${e.path ? e.path + ': ' : ''}${e.message}`;
        expect(got.startsWith(w.text), `${f}: got "${got}", want prefix "${w.text}"`).toBe(true);
        expect(e.file).toBe(path.join(dir, f));
      });
      void rel;
    });
  }
});
