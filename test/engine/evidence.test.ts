import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { belowReserve, createEvidenceWriter, EvidenceStop, freeBytes } from '../../src/engine/evidence.js';
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

  it('batched: coalesces many chunks into large writes, keeps order and masking, and finish() fsyncs and digests', async () => {
    const file = path.join(dir, 'b.log');
    const w = createEvidenceWriter(file, createRedactor([{ name: 'tok', value: 's3cr3t-token' }]), { batched: true });
    const expected: string[] = [];
    for (let i = 0; i < 20000; i++) {
      // the secret is split across two chunks every 1000 lines
      if (i % 1000 === 0) {
        w.write(`line ${i} s3cr3t`, 'stdout');
        w.write('-token end\n', 'stdout');
        expected.push(`line ${i} [REDACTED:tok] end\n`);
      } else {
        w.write(`line ${i} ${'x'.repeat(i % 50)}\n`, i % 7 ? 'stdout' : 'stderr');
        expected.push(`line ${i} ${'x'.repeat(i % 50)}\n`);
      }
    }
    const s = await w.finish();
    const onDisk = await readFile(file);
    expect(onDisk.toString('utf8')).toBe(expected.join(''));
    expect(onDisk.includes('s3cr3t')).toBe(false);
    expect(s.bytes).toBe(onDisk.length);
    expect(s.sha256).toBe(createHash('sha256').update(onDisk).digest('hex'));
    expect(await w.finish()).toEqual(s);
    expect(w.close()).toEqual(s);
  });

  it('batched: keeps no reference to a chunk, so a reader may reuse its buffer at once (small and large chunks)', async () => {
    const file = path.join(dir, 'reuse.log');
    const w = createEvidenceWriter(file, createRedactor([]), { batched: true });
    const small = Buffer.alloc(1000);
    const large = Buffer.alloc(300 * 1024);
    const expected: Buffer[] = [];
    for (let i = 0; i < 600; i++) {
      // the same memory every time, refilled as a reader's reused buffer would be
      const buf = i % 100 === 99 ? large : small;
      buf.fill(65 + (i % 26));
      expected.push(Buffer.from(buf));
      w.write(buf, 'stdout');
    }
    small.fill(0);
    large.fill(0);
    const s = await w.finish();
    const onDisk = await readFile(file);
    expect(onDisk.equals(Buffer.concat(expected))).toBe(true);
    expect(s.sha256).toBe(createHash('sha256').update(onDisk).digest('hex'));
  });

  it('batched: a slow trickle still reaches the file without waiting for close', async () => {
    const file = path.join(dir, 't.log');
    // the writer's own timer, not a guess at how long it takes: a partly filled group is written when it fires
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const w = createEvidenceWriter(file, createRedactor([]), { batched: true });
      w.write('first line\n', 'stdout');
      expect(readFileSync(file, 'utf8')).toBe(''); // held in the group
      vi.runOnlyPendingTimers();
      expect(readFileSync(file, 'utf8')).toBe('first line\n');
      w.write('second\n', 'stderr');
      const s = w.close(); // synchronous close writes what is still pending
      expect(readFileSync(file, 'utf8')).toBe('first line\nsecond\n');
      expect(s.bytes).toBe(18);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('batched: a write failure is reported once and finish() still resolves', async () => {
    const w = createEvidenceWriter('/dev/full', createRedactor([]), { batched: true });
    const seen: Error[] = [];
    w.onFail = (e) => seen.push(e);
    w.write(Buffer.alloc(300 * 1024, 1), 'stdout'); // more than one group: written right away
    w.write('more', 'stdout');
    const s = await w.finish();
    expect(seen).toHaveLength(1);
    expect((w.failed as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(s.bytes).toBe(0);
  });

  it('bounded: past limitBytes the file keeps exactly the first limitBytes and the writer stops once, with the reason', async () => {
    const file = path.join(dir, 'limited.log');
    const w = createEvidenceWriter(file, createRedactor([]), { batched: true, limitBytes: 100_000 });
    const stops: Error[] = [];
    w.onFail = (e) => stops.push(e);
    const chunk = Buffer.alloc(30_000, 'a');
    for (let i = 0; i < 10; i++) w.write(chunk, i % 2 ? 'stderr' : 'stdout');
    const sum = await w.finish();
    const bytes = await readFile(file);
    expect(bytes.length).toBe(100_000);
    expect(sum).toMatchObject({ bytes: 100_000, sha256: createHash('sha256').update(bytes).digest('hex') });
    expect(stops).toHaveLength(1);
    expect(stops[0]).toBeInstanceOf(EvidenceStop);
    expect(stops[0]).toMatchObject({ reason: 'limit', message: 'output exceeded 97.7 KiB' });
    expect(w.failed).toBe(stops[0]);
  });

  it('the free-space reserve: belowReserve says how much is free against the reserve', () => {
    expect(freeBytes(dir)).toBeGreaterThan(0);
    expect(belowReserve(dir, 1)).toBeUndefined();
    expect(belowReserve(dir, Number.MAX_SAFE_INTEGER)).toMatch(/^the state directory's filesystem has [\d.]+ [KMGT]iB free, below the reserve of 8192 TiB$/);
  });
});
