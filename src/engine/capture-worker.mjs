// @ts-check
/**
 * A capture worker: reads one pipe at a time with blocking reads into a ring of shared memory, which the main thread
 * empties (capture-pump.ts starts these workers and explains why); or hashes an evidence file that a check's child
 * writes to directly (evidence-direct.ts), following it as it grows.
 *
 * Plain JavaScript on purpose: a worker is started from a file, and this one must run as it is both from the bundle
 * (scripts/build.mjs copies it into dist/) and from the sources under the test runner.
 *
 * Protocol (reading a pipe). In:  {type: 'read', fd, ring: SharedArrayBuffer, ctl: SharedArrayBuffer}
 *               read `fd` until end of file or until ctl[STOP] is set; the descriptor stays open (the main thread
 *               closes it after 'end', so its number cannot be reused while the main thread may still use it).
 *           Out: {type: 'data'}  there is new data in the ring (sent at most every NOTIFY_BYTES or NOTIFY_MS)
 *                {type: 'end', error?: string}  nothing more will be written to the ring
 * ctl (Int32Array): [USED] bytes in the ring not yet taken by the main thread (worker adds, main subtracts);
 *                   [STOP] set to 1 by the main thread to stop reading.
 *
 * Protocol (hashing a growing file, evidence-direct.ts). In: {type: 'hash', fd, ctl, end, syncEvery}, see hash().
 *           Out: {type: 'hashed', sha256, bytes} or {type: 'hashed', error}
 */
import { createHash } from 'node:crypto';
import { fdatasyncSync, readlinkSync, readSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';

/** nice value of a capture worker thread (the main thread keeps the process's) */
const WORKER_NICE = 10;
const USED = 0;
const STOP = 1;
/** a 'data' message after this many new bytes … */
const NOTIFY_BYTES = 256 * 1024;
/** … or after this long since the last one (the main thread also looks at the ring on a timer) */
const NOTIFY_MS = 10;
/** while the ring is full: how long one wait for the main thread lasts before the stop flag is looked at again */
const FULL_WAIT_MS = 50;

const port = parentPort;
if (!port) throw new Error('capture-worker.mjs runs as a worker thread only');

// Background work: the main thread (the screen, keys, the journal) goes first when the CPU is short. On Linux a
// thread's nice value is its own (setpriority on the thread id); raising it needs no privilege.
try {
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  if (tid > 0) setPriority(tid, WORKER_NICE);
} catch {
  // not Linux, or refused: the worker keeps the process's priority
}

/**
 * @param {number} fd
 * @param {SharedArrayBuffer} ringMemory
 * @param {SharedArrayBuffer} ctlMemory
 */
function read(fd, ringMemory, ctlMemory) {
  const ring = new Uint8Array(ringMemory);
  const ctl = new Int32Array(ctlMemory);
  const size = ring.length;
  let pos = 0;
  let unannounced = 0;
  let announced = performance.now();
  /** @type {string | undefined} */
  let error;
  for (;;) {
    if (Atomics.load(ctl, STOP)) break;
    const used = Atomics.load(ctl, USED);
    if (used >= size) {
      // the main thread is behind: wait for it (bounded memory; the writer waits as on a full pipe)
      Atomics.wait(ctl, USED, used, FULL_WAIT_MS);
      continue;
    }
    const room = Math.min(size - used, size - pos);
    let n;
    try {
      n = readSync(fd, ring, pos, room, null);
    } catch (err) {
      const code = /** @type {NodeJS.ErrnoException} */ (err).code;
      if (code === 'EAGAIN') {
        // someone made the descriptor non-blocking: wait a little instead of spinning
        Atomics.wait(ctl, STOP, 0, 5);
        continue;
      }
      if (code === 'EINTR') continue;
      error = String(/** @type {Error} */ (err).message ?? err);
      break;
    }
    if (n === 0) break; // end of file: every writer is gone
    pos = (pos + n) % size;
    Atomics.add(ctl, USED, n);
    unannounced += n;
    const now = performance.now();
    if (unannounced >= NOTIFY_BYTES || now - announced >= NOTIFY_MS) {
      port?.postMessage({ type: 'data' });
      unannounced = 0;
      announced = now;
    }
  }
  port?.postMessage(error ? { type: 'end', error } : { type: 'end' });
}

/** END (ctl index): 0 while the file still grows; 1 once its final length is in `end`; 2 to give up */
const END = 0;
/** how long one wait for the file to grow lasts: HASH_POLL_MS after new bytes, doubled while none come, up to HASH_POLL_MAX_MS */
const HASH_POLL_MS = 5;
const HASH_POLL_MAX_MS = 50;
/** the largest piece hashed at once */
const HASH_PIECE = 1024 * 1024;

/**
 * Hash a file that is still being written, from its start, following it as it grows; done when the main thread has
 * set its final length. `syncEvery` > 0: an fdatasync after every so many bytes (this thread waits for it, nobody
 * else does).
 * @param {number} fd
 * @param {SharedArrayBuffer} ctlMemory  Int32Array [END]
 * @param {SharedArrayBuffer} endMemory  Float64Array [final length]
 * @param {number} syncEvery
 */
function hash(fd, ctlMemory, endMemory, syncEvery) {
  const ctl = new Int32Array(ctlMemory);
  const end = new Float64Array(endMemory);
  const h = createHash('sha256');
  const piece = Buffer.allocUnsafe(HASH_PIECE);
  let pos = 0;
  let sinceSync = 0;
  let waitMs = HASH_POLL_MS;
  for (;;) {
    const state = Atomics.load(ctl, END);
    if (state === 2) return port?.postMessage({ type: 'hashed', error: 'given up' });
    const limit = state === 1 ? end[0] - pos : HASH_PIECE;
    if (state === 1 && limit < 0) {
      // the file grew past the length the main thread settled on before it said so: this digest is of no use
      return port?.postMessage({ type: 'hashed', error: `read ${pos} bytes, past the end at ${end[0]}` });
    }
    if (state === 1 && limit === 0) break;
    let n;
    try {
      n = readSync(fd, piece, 0, Math.min(HASH_PIECE, limit), pos);
    } catch (err) {
      if (/** @type {NodeJS.ErrnoException} */ (err).code === 'EINTR') continue;
      return port?.postMessage({ type: 'hashed', error: String(/** @type {Error} */ (err).message ?? err) });
    }
    if (n > 0) {
      h.update(piece.subarray(0, n));
      pos += n;
      waitMs = HASH_POLL_MS;
      sinceSync += n;
      if (syncEvery > 0 && sinceSync >= syncEvery) {
        sinceSync = 0;
        try {
          fdatasyncSync(fd);
        } catch {
          // refused on some filesystems: the final fsync decides
        }
      }
      continue;
    }
    if (state === 1) return port?.postMessage({ type: 'hashed', error: `the file ended at ${pos} bytes, ${end[0]} were expected` });
    // the main thread's notify ends the wait at once
    Atomics.wait(ctl, END, 0, waitMs);
    waitMs = Math.min(waitMs * 2, HASH_POLL_MAX_MS);
  }
  port?.postMessage({ type: 'hashed', sha256: h.digest('hex'), bytes: pos });
}

port.on(
  'message',
  (
    /** @type {{type: string, fd: number, ring: SharedArrayBuffer, ctl: SharedArrayBuffer, end: SharedArrayBuffer, syncEvery: number}} */ m,
  ) => {
    if (m.type === 'read') read(m.fd, m.ring, m.ctl);
    else if (m.type === 'hash') hash(m.fd, m.ctl, m.end, m.syncEvery);
  },
);
