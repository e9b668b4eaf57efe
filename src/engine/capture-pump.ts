/**
 * The capture pump: a check's stdout pipe is read on a worker thread with blocking reads (capture-worker.mjs) into a
 * ring of shared memory; the main thread takes the bytes from the ring in large pieces and hands them to onData.
 *
 * Why. A pipe holds 64 KB and a writer such as `head` writes 8 KB at a time, so a reader on Node's event loop wakes
 * for every 8 KB (an epoll round, a read, a JavaScript callback): ~25,000 wake-ups for 200 MB. Measured on this
 * 2-core machine with a 200 MB stream against `sh -c 'gen > file'` (1.0): reading on the event loop 1.2–1.45×, the
 * same process with blocking reads in a plain loop 1.05–1.25×. Blocking reads cannot run on the main thread (it must
 * stay responsive), hence a worker; the main thread now wakes once per 256 KB, or every POLL_MS for slow output.
 *
 * - Memory is bounded: the ring holds RING_BYTES; when it is full the worker waits (the writer waits as on a full
 *   pipe).
 * - Order with stderr (read on the main thread): call drain() before handling a stderr chunk, so stdout bytes that
 *   arrived first are handled first.
 * - Stopping: a process that escaped its group may hold the pipe open forever, leaving the worker blocked in read().
 *   stop() sets a flag and wakes the read with one byte written through /proc/self/fd (a second write end of the
 *   same pipe); bytes read after the stop are discarded. The same happens to every reading worker when the process
 *   exits, as Node waits for its workers then.
 * - The same workers also hash evidence files that a check's child writes to directly (hashOnWorker(), used by
 *   evidence-direct.ts): following the file as it grows, off the main thread.
 * - A worker runs at nice 10 (its own thread only): when the CPU is short, the main thread (keys, the screen, the
 *   journal) goes first. Measured in the TUI bench (a check writing as fast as it can): key → repaint p95 71–82 ms
 *   without it, 54–58 ms with it.
 * - Workers are kept in a small pool (one per concurrently read pipe) and started ahead by prewarmCapture(). Where
 *   a worker cannot run (no /proc/self/fd, the worker file missing, a worker failed), the caller's main-thread
 *   reader takes over the same descriptor, and no worker is used again in this process.
 */
import { closeSync, constants, existsSync, openSync, writeSync } from 'node:fs';
import type { Socket } from 'node:net';
import { Worker } from 'node:worker_threads';

/** shared memory per pipe being read */
const RING_BYTES = 4 * 1024 * 1024;
/** the largest piece handed to onData at once (a copy in one reused buffer, valid during the call) */
const PIECE_BYTES = 256 * 1024;
/** how often the main thread looks at the ring while a pipe is read (the worker announces large amounts itself) */
const POLL_MS = 20;
/** ctl indexes, as in capture-worker.mjs */
const USED = 0;
const STOP = 1;

let unavailable = process.platform !== 'linux' || !existsSync('/proc/self/fd');
const idle: Worker[] = [];
/** channels whose worker may be blocked in read(): woken when the process exits (see below) */
const reading = new Map<number, Int32Array>();
let exitHookInstalled = false;

/** set the stop flag and wake a read blocked on `fd` with one byte through a second write end; false if it cannot */
function wake(fd: number, ctl: Int32Array): boolean {
  Atomics.store(ctl, STOP, 1);
  Atomics.notify(ctl, USED);
  try {
    const w = openSync(`/proc/self/fd/${fd}`, constants.O_WRONLY | constants.O_NONBLOCK);
    try {
      writeSync(w, Buffer.of(0));
    } catch {
      // the pipe is full: the worker is not blocked in a read then
    } finally {
      closeSync(w);
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * Node waits for its worker threads when the process exits; one blocked in read() on a pipe that a stray process
 * keeps open would hold the exit forever. So on exit every worker still reading is woken and told to stop.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [fd, ctl] of reading) wake(fd, ctl);
  });
}

function startWorker(): Worker | undefined {
  if (unavailable) return undefined;
  installExitHook();
  let w: Worker;
  try {
    w = new Worker(new URL('./capture-worker.mjs', import.meta.url), { stdout: false, stderr: false });
  } catch {
    unavailable = true;
    return undefined;
  }
  w.unref();
  // an error event without a listener would end the process; a failed worker is never used again
  w.on('error', () => {
    unavailable = true;
    const i = idle.indexOf(w);
    if (i >= 0) idle.splice(i, 1);
  });
  return w;
}

/** an idle worker, or a new one; undefined when none can run */
function takeWorker(): Worker | undefined {
  return idle.pop() ?? startWorker();
}

/** a worker done with its job (it keeps the process alive no longer) goes back to the pool, unless workers failed */
function giveBack(worker: Worker): void {
  worker.unref();
  if (!unavailable) idle.push(worker);
}

/** Start one worker ahead of the first check that reads a pipe. */
export function prewarmCapture(): void {
  if (!idle.length) {
    const w = startWorker();
    if (w) idle.push(w);
  }
}

export interface WorkerHash {
  /**
   * The file's final length is known: resolves with the digest of its first `length` bytes, or undefined when the
   * worker could not hash them (the caller hashes the file itself then).
   */
  finish(length: number): Promise<{ sha256: string; bytes: number } | undefined>;
  /** stop hashing; resolves when the worker has stopped (it no longer uses the descriptor) */
  cancel(): Promise<void>;
}

/**
 * Hash a file that is still being written on a worker (evidence-direct.ts): it follows `fd` (a read descriptor of its
 * own, kept open until finish() has resolved) from the start as the file grows. undefined when no worker can run.
 */
export function hashOnWorker(fd: number, syncEvery: number): WorkerHash | undefined {
  const found = takeWorker();
  if (!found) return undefined;
  const worker: Worker = found;
  const ctl = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  const end = new Float64Array(new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT));
  type Hashed = { sha256: string; bytes: number } | undefined;
  let settle!: (r: Hashed) => void;
  const result = new Promise<Hashed>((r) => (settle = r));
  let finished = false;
  const done = (r: Hashed, reusable: boolean) => {
    if (finished) return;
    finished = true;
    worker.off('message', onMessage);
    worker.off('error', onFailure);
    worker.off('exit', onFailure);
    if (reusable) giveBack(worker);
    else worker.unref();
    settle(r);
  };
  const onMessage = (m: { type: string; sha256?: string; bytes?: number; error?: string }) => {
    if (m.type === 'hashed') done(m.error || m.sha256 === undefined ? undefined : { sha256: m.sha256, bytes: m.bytes ?? 0 }, true);
  };
  const onFailure = () => done(undefined, false);
  worker.on('message', onMessage);
  worker.on('error', onFailure);
  worker.on('exit', onFailure);
  worker.ref(); // the process waits for the digest
  worker.postMessage({ type: 'hash', fd, ctl: ctl.buffer, end: end.buffer, syncEvery });
  const tell = (state: number) => {
    Atomics.store(ctl, 0, state);
    Atomics.notify(ctl, 0);
  };
  return {
    finish(length) {
      end[0] = length;
      tell(1);
      return result;
    },
    cancel() {
      tell(2);
      return result.then(() => undefined);
    },
  };
}

export interface PumpChannel {
  /** resolves when the pipe has ended (or was stopped) and every byte read was handed to onData */
  done: Promise<void>;
  /** hand over what the worker has read so far (call before handling another stream's output) */
  drain(): void;
  /** stop reading in `ms` unless the pipe has ended by then */
  stopAfter(ms: number): void;
  /** set when reading failed part-way (an I/O error): the output handed over is incomplete */
  readonly error: string | undefined;
}

/**
 * Read `fd` (a blocking read end) on a worker. `mainReader` reads the same descriptor on the main thread instead;
 * it is used when no worker can run. onData's chunk is valid only during the call.
 */
export function pumpPipe(fd: number, onData: (chunk: Buffer) => void, mainReader: () => Socket): PumpChannel {
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  let finished = false;
  let error: string | undefined;
  let stopTimer: NodeJS.Timeout | undefined;
  let socket: Socket | undefined;

  const useMainThread = () => {
    socket = mainReader();
    const fin = () => finish(false);
    socket.once('end', fin);
    socket.once('close', fin);
    socket.once('error', fin);
  };

  const found = takeWorker();
  if (!found) {
    useMainThread();
    return { done, drain: () => undefined, stopAfter: (ms) => arm(ms), error: undefined };
  }
  const worker: Worker = found;

  const ringMemory = new SharedArrayBuffer(RING_BYTES);
  const ctlMemory = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
  const ring = Buffer.from(ringMemory);
  /** what onData gets: one buffer for every piece, reused (not shared with the worker) */
  const piece = Buffer.allocUnsafe(PIECE_BYTES);
  const ctl = new Int32Array(ctlMemory);
  let pos = 0;
  let stopped = false;

  /** hand over up to `limit` bytes from the ring; returns how many are left */
  const take = (limit: number): number => {
    if (stopped) return 0;
    let used = Atomics.load(ctl, USED);
    let budget = limit;
    while (used > 0 && budget > 0) {
      const len = Math.min(used, RING_BYTES - pos, PIECE_BYTES, budget);
      // copied out of the shared ring first: Node's fast paths (Buffer#indexOf, the hash, copies) do not take
      // memory that is shared between threads, and the slow ones cost more than this one copy
      ring.copy(piece, 0, pos, pos + len);
      pos = (pos + len) % RING_BYTES;
      Atomics.sub(ctl, USED, len);
      Atomics.notify(ctl, USED); // a worker waiting for room
      onData(piece.subarray(0, len));
      used -= len;
      budget -= len;
    }
    return used;
  };
  const drain = () => {
    take(Infinity);
  };

  // Under a flood the main thread hands over one piece per turn of the event loop, so keys, timers and the screen
  // get their turn in between (a 4 MB ring taken at once would block them for tens of ms).
  let scheduled = false;
  let ended = false;
  const step = () => {
    scheduled = false;
    if (finished) return;
    if (take(PIECE_BYTES) > 0) schedule();
    else if (ended) finish(true);
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(step);
  };

  const poll = setInterval(schedule, POLL_MS);
  const onMessage = (m: { type: string; error?: string }) => {
    if (m.type === 'end') {
      if (m.error && !stopped) error = m.error;
      ended = true;
    }
    schedule();
  };
  const onFailure = () => {
    // the worker is gone (it failed to load or crashed): read the rest here; bytes in the ring are handed over first
    if (finished) return;
    cleanup();
    drain();
    useMainThread();
  };
  const cleanup = () => {
    reading.delete(fd);
    clearInterval(poll);
    worker.off('message', onMessage);
    worker.off('error', onFailure);
    worker.off('exit', onFailure);
  };
  worker.on('message', onMessage);
  worker.on('error', onFailure);
  worker.on('exit', onFailure);
  worker.ref(); // the process waits for the pipe's end
  reading.set(fd, ctl);
  worker.postMessage({ type: 'read', fd, ring: ringMemory, ctl: ctlMemory });

  function finish(fromWorker: boolean): void {
    if (finished) return;
    finished = true;
    if (stopTimer) clearTimeout(stopTimer);
    if (fromWorker) {
      cleanup();
      giveBack(worker);
      // the worker leaves the descriptor open (see capture-worker.mjs); a main-thread socket closes its own
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
    resolve();
  }

  function stop(): void {
    if (finished) return;
    if (socket) {
      socket.destroy();
      return;
    }
    drain();
    stopped = true;
    // the wake-up byte is discarded with anything else read after the stop
    if (!wake(fd, ctl)) {
      // cannot wake it: give the worker up (it ends when the pipe does) and finish without it
      cleanup();
      worker.unref();
      unavailable = true;
      finished = true;
      resolve();
    }
  }

  function arm(ms: number): void {
    if (!stopTimer && !finished) stopTimer = setTimeout(stop, ms);
  }

  return {
    done,
    drain,
    stopAfter: arm,
    get error() {
      return error;
    },
  };
}
