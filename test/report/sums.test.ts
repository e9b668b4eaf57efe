import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeSums, isSafeBundlePath, listFiles, parseSums, safeSegment } from '../../src/report/sums.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rt-sums-'));
  mkdirSync(path.join(dir, 'evidence', '1.1'), { recursive: true });
  writeFileSync(path.join(dir, 'b.txt'), 'b\n');
  writeFileSync(path.join(dir, 'B.txt'), 'B\n');
  writeFileSync(path.join(dir, '_x'), '');
  writeFileSync(path.join(dir, 'evidence', '1.1', '1.log'), 'x'.repeat(100_000));
  writeFileSync(path.join(dir, 'evidence', '1.1', '10.log'), 'ten');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SHA256SUMS', () => {
  it('is exactly what coreutils writes, in LC_ALL=C order, and sha256sum --strict -c accepts it', async () => {
    const files = await listFiles(dir);
    expect(files).toEqual(['B.txt', '_x', 'b.txt', 'evidence/1.1/1.log', 'evidence/1.1/10.log']);
    const { text } = await computeSums(dir, files);
    const gnu = spawnSync('sha256sum', files, { cwd: dir, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
    expect(text).toBe(gnu.stdout);
    writeFileSync(path.join(dir, 'SHA256SUMS'), text);
    expect(spawnSync('sha256sum', ['--strict', '-c', 'SHA256SUMS'], { cwd: dir }).status).toBe(0);
    rmSync(path.join(dir, 'SHA256SUMS'));
    expect(parseSums(text)).toEqual({ entries: files.map((f, i) => ({ path: f, sha256: text.split('\n')[i]!.slice(0, 64) })), problems: [] });
  });

  it('refuses names outside [A-Za-z0-9._/@-] and reports malformed lines', async () => {
    expect(isSafeBundlePath('signoffs/3-alice@example.com.json')).toBe(true);
    for (const bad of ['a b', 'a\\b', '../x', 'x/../y', '/abs', 'a\nb', 'ä']) expect(isSafeBundlePath(bad), bad).toBe(false);
    await expect(computeSums(dir, ['a b'])).rejects.toThrow(/outside \[A-Za-z0-9\._\/@-\]/);
    const p = parseSums(`${'0'.repeat(64)}  ok\nnot a line\n${'1'.repeat(64)}  ok\n${'2'.repeat(64)}  bad name`);
    expect(p.problems).toEqual([
      'line 4: no newline at end of file',
      'line 2: not "<sha256>  <file>"',
      'line 4: file name "bad name" is outside [A-Za-z0-9._/@-]',
      'ok is listed twice',
    ]);
  });

  it('maps odd path segments onto the safe charset, never to . or ..; reads the binary-mode marker', () => {
    expect(safeSegment('run log #1.txt')).toBe('run_log__1.txt');
    expect(safeSegment('ok-name_1.2@x')).toBe('ok-name_1.2@x');
    expect(safeSegment('.')).toBe('_');
    expect(safeSegment('..')).toBe('__');
    expect(safeSegment('')).toBe('_');
    expect(isSafeBundlePath('a/./b')).toBe(false);
    expect(isSafeBundlePath('a//b')).toBe(false);
    expect(isSafeBundlePath('.hidden')).toBe(true);
    const bin = parseSums(`${'a'.repeat(64)} *evidence/x.log\n`);
    expect(bin).toEqual({ entries: [{ sha256: 'a'.repeat(64), path: 'evidence/x.log' }], problems: [] });
    expect(parseSums('')).toEqual({ entries: [], problems: [] });
    expect(parseSums(`${'A'.repeat(64)}  x\n`).problems).toEqual(['line 1: not "<sha256>  <file>"']);
    // text before the digest is not the format either
    expect(parseSums(`x${'a'.repeat(64)}  x\n`).problems).toEqual(['line 1: not "<sha256>  <file>"']);
  });

  it('a path that is not a string is not a bundle path (a statement may name anything)', () => {
    for (const v of [undefined, null, 42, ['a'], { p: 'a' }]) expect(isSafeBundlePath(v), String(v)).toBe(false);
  });

  it('computeSums writes its lines in LC_ALL=C byte order whatever order it is given (upper case before lower, 1.log before 10.log)', async () => {
    const given = ['evidence/1.1/10.log', 'b.txt', 'evidence/1.1/1.log', '_x', 'B.txt', 'b.txt'];
    const { text, entries } = await computeSums(dir, given);
    expect(entries.map((e) => e.path)).toEqual(['B.txt', '_x', 'b.txt', 'evidence/1.1/1.log', 'evidence/1.1/10.log']);
    expect(text.split('\n').slice(0, -1).map((l) => l.slice(66))).toEqual(entries.map((e) => e.path));
  });
});
