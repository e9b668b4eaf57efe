import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEvidenceWriter } from '../../src/engine/evidence.js';
import { createRedactor } from '../../src/engine/redact.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rt-ev-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('evidence writer', () => {
  it('writes bytes losslessly (binary, invalid UTF-8) and records sha256 and size of the file', async () => {
    const file = path.join(dir, 'evidence', '1.1', '1.log');
    const w = createEvidenceWriter(file, createRedactor([]));
    const chunks = [Buffer.from([0, 1, 2, 0xff, 0xfe]), Buffer.from('héllo\r\n'), Buffer.from('\x1b[31mred\x1b[0m')];
    for (const c of chunks) w.write(c, 'stdout');
    const s = w.close();
    const onDisk = await readFile(file);
    expect(onDisk.equals(Buffer.concat(chunks))).toBe(true);
    expect(s.bytes).toBe(onDisk.length);
    expect(s.sha256).toBe(createHash('sha256').update(onDisk).digest('hex'));
    // close is idempotent
    expect(w.close()).toEqual(s);
  });

  it('masks secrets split across chunks, per stream, and the digest matches the redacted file', async () => {
    const file = path.join(dir, 'e.log');
    const w = createEvidenceWriter(file, createRedactor([{ name: 'pw', value: 'hunter2hunter2' }]));
    w.write('out: hunter', 'stdout');
    w.write('2hunter2 end\n', 'stdout');
    w.write('err: hunter2h', 'stderr');
    // the other stream writes while stderr holds back a possible secret prefix
    w.write('plain\n', 'stdout');
    w.write('unter2\n', 'stderr');
    const s = w.close();
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain('hunter');
    expect(text).toBe('out: [REDACTED:pw] end\nerr: plain\n[REDACTED:pw]\n');
    expect(s.sha256).toBe(createHash('sha256').update(text).digest('hex'));
  });

  it('reports a write failure (disk full) once and stops writing instead of throwing', () => {
    const w = createEvidenceWriter('/dev/full', createRedactor([]));
    const seen: Error[] = [];
    w.onFail = (e) => seen.push(e);
    expect(() => w.write(Buffer.alloc(8192, 1), 'stdout')).not.toThrow();
    w.write('more', 'stdout');
    expect(seen).toHaveLength(1);
    expect((w.failed as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(w.close().bytes).toBe(0);
  });
});
