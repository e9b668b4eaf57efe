import { createHash } from 'node:crypto';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashOnWorker } from '../../src/engine/capture-pump.js';
import { openDirectEvidence } from '../../src/engine/evidence-direct.js';
import { sharedMode } from '../../src/engine/shared-files.js';
import { createEvidenceWriter, type EvidenceWriter } from '../../src/engine/evidence.js';
import { spawnGroup } from '../../src/engine/process.js';
import { createRedactor } from '../../src/engine/redact.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rt-evd-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/**
 * Run a shell line the way the runner runs a command check whose output needs no masking: stdout straight into the
 * evidence file, everything handed to onData written through the writer (as ctx.write does).
 */
async function capture(
  line: string,
  w: EvidenceWriter = createEvidenceWriter(path.join(dir, 'e.log'), createRedactor([]), { batched: true }),
  onChunk?: (got: { stdout: Buffer[] }) => void,
) {
  const sink = w.directStdout();
  expect(sink).toBeDefined();
  const got = { stdout: [] as Buffer[], stderr: [] as Buffer[], order: [] as string[], modeWhileRunning: -1 };
  const r = await spawnGroup({
    file: '/bin/sh',
    args: ['-c', line],
    stdoutSink: sink,
    onData(chunk, stream) {
      if (got.modeWhileRunning < 0) got.modeWhileRunning = statSync(path.join(dir, 'e.log')).mode & 0o777;
      w.write(chunk, stream);
      got[stream].push(Buffer.from(chunk));
      got.order.push(...chunk.toString().trim().split('\n').map((l) => `${stream}:${l}`));
      onChunk?.(got);
    },
  });
  const summary = await w.finish();
  return { r, summary, w, onDisk: await readFile(summary.file), stdout: Buffer.concat(got.stdout), stderr: Buffer.concat(got.stderr), got };
}

describe('direct stdout: the child writes into the evidence file', () => {
  it('the file holds every byte, its digest is recorded, and the same bytes are handed on', async () => {
    // 5 MB of numbered lines, more than one piece the follower reads at once
    const c = await capture(`awk 'BEGIN{for(i=0;i<200000;i++) printf "line %08d of the flood\\n", i}'`);
    expect(c.r.exitCode).toBe(0);
    expect(c.onDisk.length).toBe(200000 * 27);
    expect(c.summary.bytes).toBe(c.onDisk.length);
    expect(c.summary.sha256).toBe(sha(c.onDisk));
    expect(c.stdout.equals(c.onDisk)).toBe(true);
    expect(c.stderr.length).toBe(0);
    // read-only while the child ran (a reopened /dev/stdout is refused), writable by its owner again afterwards
    // read-only for owner and group while the child writes, then shared with the group (engine/shared-files.ts)
    expect(c.got.modeWhileRunning).toBe(sharedMode('readonly'));
    expect(statSync(c.summary.file).mode & 0o777).toBe(sharedMode('file'));
  });

  it('stderr is appended where it arrived: the file reads like a terminal, and each stream is handed on apart', async () => {
    const c = await capture('for i in 1 2 3; do echo o$i; sleep 0.03; echo e$i >&2; sleep 0.03; done');
    expect(c.onDisk.toString()).toBe('o1\ne1\no2\ne2\no3\ne3\n');
    expect(c.got.order).toEqual(['stdout:o1', 'stderr:e1', 'stdout:o2', 'stderr:e2', 'stdout:o3', 'stderr:e3']);
    expect(c.stdout.toString()).toBe('o1\no2\no3\n');
    expect(c.stderr.toString()).toBe('e1\ne2\ne3\n');
    expect(c.summary.sha256).toBe(sha(c.onDisk));
  });

  it('stderr written during a stdout flood is still told apart from stdout, byte for byte', async () => {
    // stdout floods while every 500th line also goes to stderr: appends race the child's own writes
    const c = await capture(
      `awk 'BEGIN{for(i=0;i<300000;i++){ printf "out %07d\\n", i; if (i%500==0) { printf "err %07d\\n", i > "/dev/stderr"; fflush("/dev/stderr") } }}'`,
    );
    expect(c.r.exitCode).toBe(0);
    const outLines = c.stdout.toString().split('\n').filter(Boolean);
    const errLines = c.stderr.toString().split('\n').filter(Boolean);
    expect(outLines.length).toBe(300000);
    expect(outLines.every((l, i) => l === `out ${String(i).padStart(7, '0')}`)).toBe(true);
    expect(errLines).toEqual(Array.from({ length: 600 }, (_, k) => `err ${String(k * 500).padStart(7, '0')}`));
    // the file has both, whole lines or not, in the order they reached it
    expect(c.onDisk.length).toBe(c.stdout.length + c.stderr.length);
    expect(c.summary.sha256).toBe(sha(c.onDisk));
  });

  it('bytes appended while the writer writes are found in the window between the sizes before and after', async () => {
    const { closeSync, openSync } = await import('node:fs');
    const { Worker } = await import('node:worker_threads');
    const file = path.join(dir, 'race.log');
    closeSync(openSync(file, 'w', 0o600));
    const d = openDirectEvidence(file, (e) => {
      throw e;
    });
    // the writer's bytes handed on: counted, and checked to be all 'o' (not kept: they may be hundreds of MB)
    const ohs = Buffer.alloc(1024 * 1024, 'o');
    let outBytes = 0;
    let onlyWriterBytes = true;
    d.sink.follow((c) => {
      outBytes += c.length;
      for (let at = 0; at < c.length && onlyWriterBytes; at += ohs.length) {
        const part = c.subarray(at, at + ohs.length);
        if (!part.equals(ohs.subarray(0, part.length))) onlyWriterBytes = false;
      }
    });
    // the "child": a thread writing bursts of 4 KB blocks of 'o' to the sink's descriptor (16 back to back, then a
    // pause of 0.05 ms: often enough to land between an append's two sizes, without writing hundreds of MB)
    const stop = new Int32Array(new SharedArrayBuffer(4));
    const writer = new Worker(
      `const { writeSync } = require('node:fs'); const { workerData: w } = require('node:worker_threads');
       const b = Buffer.alloc(4096, 'o'); let n = 0;
       while (!Atomics.load(w.stop, 0)) { writeSync(w.fd, b); if (++n % 16 === 0) Atomics.wait(w.stop, 0, 0, 0.05); }
       require('node:worker_threads').parentPort.postMessage(n);`,
      { eval: true, workerData: { fd: d.sink.fd, stop } },
    );
    const written = new Promise<number>((r) => writer.once('message', r));
    // appends start once the writer is writing
    while (statSync(file).size === 0) await new Promise((r) => setTimeout(r, 2));
    // until 20 appends had to be looked up (the writer wrote between their two sizes), or 5,000 appends
    const appended: string[] = [];
    for (let i = 0; i < 5000 && d.appendsLookedUp < 20; i++) {
      const line = `[stderr line ${i}]`;
      d.append(Buffer.from(line));
      appended.push(line);
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(d.appendsLookedUp).toBeGreaterThan(0);
    Atomics.store(stop, 0, 1);
    const blocks = await written;
    await writer.terminate();
    d.sink.closeChildEnd();
    await d.sink.end();
    const s = await d.finish();
    const onDisk = await readFile(file);
    expect(s).toEqual({ sha256: sha(onDisk), bytes: onDisk.length });
    // everything handed on as stdout is the writer's bytes, all of them; our appended lines are all in the file
    expect(outBytes).toBe(blocks * 4096);
    expect(onlyWriterBytes).toBe(true);
    expect(onDisk.length).toBe(blocks * 4096 + appended.join('').length);
    // and in the order they were appended
    let from = 0;
    const missing = appended.filter((l) => {
      const at = onDisk.indexOf(l, from);
      if (at < 0) return true;
      from = at + l.length;
      return false;
    });
    expect(missing).toEqual([]);
  });

  it('a child that truncates its own stdout is caught: the evidence is marked failed, not trusted', async () => {
    const w = createEvidenceWriter(path.join(dir, 'e.log'), createRedactor([]), { batched: true });
    const failures: Error[] = [];
    w.onFail = (e) => failures.push(e);
    // 64 KB; once the follower has handed them on, `: > /dev/stdout` reopens the file with O_TRUNC
    const mark = path.join(dir, 'read-them');
    const c = await capture(
      `head -c 65536 /dev/zero | tr '\\0' x; while [ ! -e ${mark} ]; do sleep 0.01; done; : > /dev/stdout; echo done`,
      w,
      (got) => {
        if (Buffer.concat(got.stdout).length >= 65536 && !existsSync(mark)) writeFileSync(mark, '');
      },
    );
    if (process.getuid?.() === 0) {
      // root is not stopped by the file's mode: the shrink is seen
      expect(failures.map((e) => e.message).join('\n')).toMatch(/shrank from 65536 to \d+ bytes/);
      expect(c.w.failed).toBeDefined();
      // what is recorded is what the file holds now
      expect(c.summary).toMatchObject({ sha256: sha(c.onDisk), bytes: c.onDisk.length });
    } else {
      // refused by the read-only mode; the evidence stays whole
      expect(c.stderr.toString()).toMatch(/Permission denied/);
      expect(failures).toEqual([]);
      expect(c.onDisk.subarray(0, 65536).equals(Buffer.alloc(65536, 'x'))).toBe(true);
    }
  });

  it('without a worker the digest is computed while following, to the same value', async () => {
    const file = path.join(dir, 'e.log');
    const w = createEvidenceWriter(file, createRedactor([]), { batched: true });
    const withWorker = await capture(`awk 'BEGIN{for(i=0;i<50000;i++) print "row", i}'`, w);
    await rm(file);
    const { closeSync, openSync } = await import('node:fs');
    closeSync(openSync(file, 'w', 0o600));
    const fails: unknown[] = [];
    const d = openDirectEvidence(file, (e) => fails.push(e), () => undefined);
    const r = await spawnGroup({ file: '/bin/sh', args: ['-c', `awk 'BEGIN{for(i=0;i<50000;i++) print "row", i}'`], stdoutSink: d.sink, onData: () => undefined });
    const s = await d.finish();
    expect(r.exitCode).toBe(0);
    expect(fails).toEqual([]);
    expect(s).toEqual({ sha256: withWorker.summary.sha256, bytes: withWorker.summary.bytes });
    expect(sha(await readFile(file))).toBe(s.sha256);
  });

  it('is not offered when output must be masked, or when the writer is not batched', () => {
    const masked = createEvidenceWriter(path.join(dir, 'm.log'), createRedactor([{ name: 'pw', value: 'hunter2hunter2' }]), { batched: true });
    expect(masked.directStdout()).toBeUndefined();
    masked.close();
    const plain = createEvidenceWriter(path.join(dir, 'p.log'), createRedactor([]));
    expect(plain.directStdout()).toBeUndefined();
    plain.close();
    const written = createEvidenceWriter(path.join(dir, 'w.log'), createRedactor([]), { batched: true });
    written.write('already here\n', 'stdout');
    expect(written.directStdout()).toBeUndefined();
    written.close();
  });

  it('is not offered for anything but a regular file, whose mode is left alone', () => {
    const before = statSync('/dev/full').mode;
    const device = createEvidenceWriter('/dev/full', createRedactor([]), { batched: true });
    expect(device.directStdout()).toBeUndefined();
    device.close();
    expect(statSync('/dev/full').mode).toBe(before);
    expect(() => openDirectEvidence('/dev/null', () => undefined, () => undefined)).toThrow(/is not a regular file/);
    expect(statSync('/dev/null').mode).toBe(statSync('/dev/null').mode | 0o666);
  });
});

describe('hashOnWorker', () => {
  // (run at the default priority: under `nice -n 15 npm test` a thread could not go back to 10)
  it.runIf(process.platform === 'linux' && os.getPriority() === 0)('runs on a worker thread at nice 10, the main thread keeps its priority', async () => {
    const { closeSync, openSync, readdirSync, readFileSync, writeFileSync } = await import('node:fs');
    const file = path.join(dir, 'n.bin');
    writeFileSync(file, 'x');
    const fd = openSync(file, 'r');
    const h = hashOnWorker(fd, 0)!;
    const nice = () =>
      readdirSync('/proc/self/task').map((tid) => {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        return { tid: Number(tid), nice: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]) };
      });
    const until = Date.now() + 5000;
    while (!nice().some((t) => t.nice === 10) && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    const threads = nice();
    expect(threads.some((t) => t.nice === 10)).toBe(true);
    expect(threads.find((t) => t.tid === process.pid)!.nice).toBe(0);
    expect(await h.finish(1)).toEqual({ sha256: sha('x'), bytes: 1 });
    closeSync(fd);
  });

  it('hashes a file while it grows and stops at the length it is given', async () => {
    const { appendFileSync, closeSync, openSync } = await import('node:fs');
    const file = path.join(dir, 'g.bin');
    closeSync(openSync(file, 'w'));
    const fd = openSync(file, 'r');
    const h = hashOnWorker(fd, 0)!;
    expect(h).toBeDefined();
    const parts: Buffer[] = [];
    for (let i = 0; i < 20; i++) {
      const b = Buffer.alloc(300_000, i);
      parts.push(b);
      appendFileSync(file, b);
      await new Promise((r) => setTimeout(r, 3));
    }
    const all = Buffer.concat(parts);
    expect(await h.finish(all.length)).toEqual({ sha256: sha(all), bytes: all.length });
    closeSync(fd);
  });

  it('a file that grew past the length it is given: that length, or no digest (never a digest of other bytes)', async () => {
    const { closeSync, openSync, writeFileSync } = await import('node:fs');
    const file = path.join(dir, 'p.bin');
    writeFileSync(file, Buffer.alloc(1000, 'a'));
    const fd = openSync(file, 'r');
    const h = hashOnWorker(fd, 0)!;
    await new Promise((r) => setTimeout(r, 30));
    const r = await h.finish(500);
    // the worker has normally read all 1000 bytes by now; if it had not started yet, it stops at 500
    if (r) expect(r).toEqual({ sha256: sha(Buffer.alloc(500, 'a')), bytes: 500 });
    else expect(r).toBeUndefined();
    closeSync(fd);
  });

  it('says so when the file is shorter than the length it is given, and can be cancelled', async () => {
    const { closeSync, openSync, writeFileSync } = await import('node:fs');
    const file = path.join(dir, 's.bin');
    writeFileSync(file, 'short');
    const fd = openSync(file, 'r');
    expect(await hashOnWorker(fd, 0)!.finish(100)).toBeUndefined();
    // cancelled while it waits for the file to grow: it stops, and the worker serves the next file
    const c = hashOnWorker(fd, 0)!;
    await new Promise((r) => setTimeout(r, 20));
    await c.cancel();
    expect(await hashOnWorker(fd, 0)!.finish(5)).toEqual({ sha256: sha('short'), bytes: 5 });
    closeSync(fd);
  });
});
