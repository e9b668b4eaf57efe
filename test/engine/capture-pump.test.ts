import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, constants, copyFileSync, fstatSync, mkdtempSync, readFileSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pumpPipe } from '../../src/engine/capture-pump.js';
import { openFifos, type FifoChannel } from '../../src/engine/fifo.js';
import { bundleScript } from '../support/bundle-script.js';
import { repoRoot } from '../support/session-fixtures.js';

/** what `seq 1 n` prints */
function seqText(n: number): string {
  let s = '';
  for (let i = 1; i <= n; i++) s += `${i}\n`;
  return s;
}

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

interface Taken {
  hash: ReturnType<typeof createHash>;
  bytes: number;
  largest: number;
  memories: Set<ArrayBufferLike>;
  mainReaderUsed: boolean;
}

/** pump one FIFO channel, hashing what arrives; `each` runs after every piece (a slow consumer) */
function take(ch: FifoChannel, each?: (t: Taken) => void) {
  const t: Taken = { hash: createHash('sha256'), bytes: 0, largest: 0, memories: new Set(), mainReaderUsed: false };
  const onData = (c: Buffer) => {
    t.hash.update(c);
    t.bytes += c.length;
    t.largest = Math.max(t.largest, c.length);
    t.memories.add(c.buffer);
    each?.(t);
  };
  const pump = pumpPipe(ch.readFd, onData, () => {
    t.mainReaderUsed = true;
    return ch.reader(onData);
  });
  return { t, pump };
}

function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // a consumer that is slower than the producer
  }
}

describe('pumpPipe (stdout read by a capture worker)', () => {
  it('the read end a worker gets is blocking (a read waits for data instead of failing with EAGAIN)', async () => {
    const [ch] = (await openFifos(1))!;
    const flags = /flags:\s+(\d+)/.exec(readFileSync(`/proc/self/fdinfo/${ch!.readFd}`, 'utf8'))![1]!;
    expect(parseInt(flags, 8) & constants.O_NONBLOCK).toBe(0);
    ch!.closeWriteEnd();
    const { pump, t } = take(ch!);
    await pump.done;
    expect(t.bytes).toBe(0);
  });

  it('reads a 7 MB flood of a real child in order, in pieces of at most 256 KB taken from one reused buffer', async () => {
    const [ch] = (await openFifos(1))!;
    const n = 1_000_000;
    const child = spawn('seq', ['1', String(n)], { stdio: ['ignore', ch!.writeFd, 'ignore'] });
    ch!.closeWriteEnd();
    const { t, pump } = take(ch!);
    await pump.done;
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    const expected = seqText(n);
    expect(t.bytes).toBe(Buffer.byteLength(expected));
    expect(t.hash.digest('hex')).toBe(sha(expected));
    expect(t.mainReaderUsed).toBe(false);
    expect(t.largest).toBeLessThanOrEqual(256 * 1024);
    expect(t.memories.size).toBe(1);
  });

  it('a consumer slower than the producer: the producer waits (bounded memory) and nothing is lost', async () => {
    const [ch] = (await openFifos(1))!;
    const n = 1_500_000; // ~10.9 MB: more than the 4 MB ring
    const doneAt = path.join(os.tmpdir(), `rt-pump-${process.pid}-${Date.now()}`);
    // the producer notes when it could hand over its last byte
    const child = spawn('/bin/sh', ['-c', `seq 1 ${n}; date +%s%N > ${doneAt}`], { stdio: ['ignore', ch!.writeFd, 'ignore'] });
    ch!.closeWriteEnd();
    /** [wall-clock ms, bytes taken so far] */
    const progress: [number, number][] = [];
    const { t, pump } = take(ch!, () => {
      busyWait(10);
      progress.push([performance.timeOrigin + performance.now(), t.bytes]);
    });
    await pump.done;
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    const expected = seqText(n);
    expect(t.bytes).toBe(Buffer.byteLength(expected));
    expect(t.hash.digest('hex')).toBe(sha(expected));
    // when the producer finished, the consumer had taken all but what the ring, the pipe and one piece hold
    const finishedAt = Number(readFileSync(doneAt, 'utf8').trim()) / 1e6;
    rmSync(doneAt, { force: true });
    const takenThen = progress.filter(([at]) => at <= finishedAt).pop()?.[1] ?? 0;
    expect(t.bytes - takenThen).toBeLessThanOrEqual(4 * 1024 * 1024 + 64 * 1024 + 2 * 256 * 1024);
    expect(t.bytes - takenThen).toBeGreaterThan(0);
  });

  it('a writer that never closes the pipe (an escaped process) does not hold it: stopAfter ends it, the worker serves the next pipe', async () => {
    const [held] = (await openFifos(1))!;
    // we keep the write end: nobody will ever close it during the test, as a daemon that escaped the group would
    writeSync(held!.writeFd, 'before the stop\n');
    // once the bytes written so far were handed over, the worker reads again: a read nothing will ever answer
    let handedOver!: () => void;
    const arrived = new Promise<void>((r) => (handedOver = r));
    const first = take(held!, (t) => t.bytes === 'before the stop\n'.length && handedOver());
    let ended = false;
    void first.pump.done.then(() => (ended = true));
    await arrived;
    expect(ended).toBe(false); // the held pipe keeps it reading
    first.pump.stopAfter(150);
    await first.pump.done;
    expect(first.t.bytes).toBe('before the stop\n'.length);
    // bytes written after the stop are not handed over
    try {
      writeSync(held!.writeFd, 'after the stop\n');
    } catch {
      // the read end is closed already: EPIPE is fine too
    }
    held!.closeWriteEnd();

    // the same (pooled) worker reads the next pipe
    const [next] = (await openFifos(1))!;
    const child = spawn('seq', ['1', '1000'], { stdio: ['ignore', next!.writeFd, 'ignore'] });
    next!.closeWriteEnd();
    const second = take(next!);
    await second.pump.done;
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    expect(second.t.hash.digest('hex')).toBe(sha(seqText(1000)));
    expect(second.t.mainReaderUsed).toBe(false);
  });

  it('a process exiting while its worker is blocked in read() on a pipe nobody closes still ends', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rt-pump-exit-'));
    try {
      const script = await bundleScript('test/support/pump-exit-child.ts', dir);
      // the bundle starts the worker from the file next to it, as the shipped CLI does
      copyFileSync(path.join(repoRoot, 'src/engine/capture-worker.mjs'), path.join(dir, 'capture-worker.mjs'));
      const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 10_000 });
      expect(r.error).toBeUndefined(); // no ETIMEDOUT: it did not hang
      expect(r.stdout).toBe('exiting\n');
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a read that fails (here: a descriptor not open for reading) ends the pipe with an error, not silently', async () => {
    const [ch] = (await openFifos(1))!;
    // hand the worker the WRITE end: its first read fails with EBADF
    const { pump, t } = take({ ...ch!, readFd: ch!.writeFd });
    await pump.done;
    expect(t.bytes).toBe(0);
    expect(pump.error).toMatch(/EBADF/);
    ch!.closeReadEnd(); // the pump closed the write end it was given
  });

  it('closes the read end once the pipe has ended (no descriptor leaks)', async () => {
    const [ch] = (await openFifos(1))!;
    const fd = ch!.readFd;
    writeSync(ch!.writeFd, 'x\n');
    ch!.closeWriteEnd();
    const { pump } = take(ch!);
    await pump.done;
    expect(() => fstatSync(fd)).toThrow(/EBADF/);
    // nothing else to close
    expect(() => closeSync(fd)).toThrow(/EBADF/);
  });
});
