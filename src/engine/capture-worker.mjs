// @ts-check
/**
 * A capture worker: reads one pipe at a time with blocking reads into a ring of shared memory, which the main thread
 * empties (capture-pump.ts starts these workers and explains why).
 *
 * Plain JavaScript on purpose: a worker is started from a file, and this one must run as it is both from the bundle
 * (scripts/build.mjs copies it into dist/) and from the sources under the test runner.
 *
 * Protocol. In:  {type: 'read', fd, ring: SharedArrayBuffer, ctl: SharedArrayBuffer}
 *               read `fd` until end of file or until ctl[STOP] is set; the descriptor stays open (the main thread
 *               closes it after 'end', so its number cannot be reused while the main thread may still use it).
 *           Out: {type: 'data'}  there is new data in the ring (sent at most every NOTIFY_BYTES or NOTIFY_MS)
 *                {type: 'end', error?: string}  nothing more will be written to the ring
 * ctl (Int32Array): [USED] bytes in the ring not yet taken by the main thread (worker adds, main subtracts);
 *                   [STOP] set to 1 by the main thread to stop reading.
 */
import { readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

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

port.on('message', (/** @type {{type: string, fd: number, ring: SharedArrayBuffer, ctl: SharedArrayBuffer}} */ m) => {
  if (m.type === 'read') read(m.fd, m.ring, m.ctl);
});
