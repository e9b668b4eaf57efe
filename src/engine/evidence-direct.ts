/**
 * Direct stdout: a check's child writes its stdout straight into the evidence file, as `cmd > file` does, and this
 * process follows the file to hash it and to hand the bytes on (line counts, tails, the live pane).
 *
 * Why. Reading a flood through a pipe puts a consumer between the writer and the disk, woken for every few KB; on a
 * small machine it takes CPU from the check itself. Measured on 2 cores with 200 MB of log lines from one `awk`,
 * against `sh -c 'awk … > file'` (1.0): read through a pipe by this process 1.45–1.55×, written straight to the file
 * and followed here 1.10–1.17×. (With `awk … | head -c` as the writer both are at 1.25–1.5×: head's own wake-ups
 * then take the generator's core whenever the other one is busy; native `… | tee file | openssl sha256` is at
 * 1.05–1.4× there too.)
 *
 * How.
 * - The child gets a descriptor opened O_APPEND on the evidence file. While it runs the file is read-only (for
 *   owner and group), so a script that reopens its stdout (`echo x > /dev/stdout`, `tee /dev/stdout`) is refused instead of truncating
 *   the evidence; root ignores file modes, and a file that shrank under the follower is reported (end()).
 * - Bytes of the check's other streams (its stderr, read from a pipe) are appended by this process through its own
 *   O_APPEND descriptor (append()). Where they landed is known from the file's size just before and after: when the
 *   child wrote nothing in between, at the size before; otherwise they are looked up in that small window. The file
 *   thus holds both streams in the order they reached it, as a terminal shows them.
 * - The follower reads the file from its start in pieces of up to PIECE_BYTES (positional reads, page cache): one
 *   piece per turn of the event loop while there is more, else a poll every POLL_MIN_MS…POLL_MAX_MS. The child's
 *   own bytes (not the appended ones) go to onData.
 * - The sha256 of the whole file is computed by a capture worker that follows the file on its own (hashOnWorker() in
 *   capture-pump.ts), with an fdatasync every SYNC_EVERY bytes so the final one has little left to do. Without a
 *   worker the follower hashes what it reads, and the fdatasyncs run on the thread pool.
 * - catchUp() reads what the child has written so far: called before another stream's bytes are handled, so onData
 *   sees the order of the file.
 * - A full filesystem makes the child's writes fail, not ours: when the filesystem has less than FULL_BYTES free at
 *   the end, the evidence is marked as possibly incomplete.
 * - A process that left the check's process group may keep the descriptor and append after the check has ended. The
 *   journal records the length and digest at the verdict; the report bundle copies exactly that length.
 *
 * Only for output that needs no masking: bytes that must pass through the redactor cannot be written by the child.
 */
import { createHash } from 'node:crypto';
import { closeSync, fdatasync, fdatasyncSync, fstatSync, openSync, readSync, statfsSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { hashOnWorker } from './capture-pump.js';
import { sharePath } from './shared-files.js';

/**
 * the largest piece read from the file at once: one per turn of the event loop, so keys and the screen wait for at
 * most one (TUI bench, a check writing as fast as it can: key → repaint p95 54–58 ms with 1 MiB, 32–35 ms with this)
 */
const PIECE_BYTES = 256 * 1024;
/** poll interval after output was seen; doubled while the file does not grow, up to POLL_MAX_MS */
const POLL_MIN_MS = 5;
const POLL_MAX_MS = 50;
/** an fdatasync after this many bytes (as evidence.ts), so that the final one has little left to do */
const SYNC_EVERY = 32 * 1024 * 1024;
/** less free space than this at the end: the child's writes may have failed */
const FULL_BYTES = 1024 * 1024;

export interface StdoutSink {
  /** give this to the child as its stdout; call closeChildEnd() once the child has it */
  readonly fd: number;
  closeChildEnd(): void;
  /** start following: the child's bytes go to onData in order, each chunk valid only during the call */
  follow(onData: (chunk: Buffer) => void): void;
  /** hand over what the child has written so far (before another stream's output is handled) */
  catchUp(): void;
  /** the child's processes are gone (or no longer waited for): hand over the rest; resolves when done */
  end(): Promise<void>;
}

export interface DirectEvidence {
  readonly sink: StdoutSink;
  /** append bytes of another stream now (written whole, or the writer fails) */
  append(buf: Buffer): void;
  /** bytes of the file read so far */
  readonly bytes: number;
  /** appends that had to be looked up because the child wrote at the same moment (for tests and diagnostics) */
  readonly appendsLookedUp: number;
  /** read to the end, fsync, close; the digest of the whole file. Idempotent. */
  finish(): Promise<{ sha256: string; bytes: number }>;
  /** the same without waiting (synchronous reads and fsync). Idempotent. */
  close(): { sha256: string; bytes: number };
}

/**
 * sha256 of the first `length` bytes of the file behind `fd` (all of it when undefined), read here: when no worker
 * hashed it, or the file is no longer what was read
 */
function hashHere(fd: number, length: number | undefined, piece: Buffer): { sha256: string; bytes: number } {
  const h = createHash('sha256');
  let at = 0;
  while (length === undefined || at < length) {
    const n = readSync(fd, piece, 0, length === undefined ? piece.length : Math.min(piece.length, length - at), at);
    if (n === 0) {
      if (length === undefined) break;
      throw new Error(`the evidence file ended at ${at} bytes, ${length} were read before`);
    }
    h.update(piece.subarray(0, n));
    at += n;
  }
  return { sha256: h.digest('hex'), bytes: at };
}

/**
 * Follow `file` (created empty and group-shared by the caller; read-only while the child writes) as the evidence file of a child writing to it directly.
 * `startHasher` starts the worker that computes the digest (tests pass one that returns undefined, so it is computed
 * here).
 */
export function openDirectEvidence(
  file: string,
  /** called once, with the first error: the evidence is incomplete or untrustworthy from then on */
  onFail: (err: unknown) => void,
  startHasher: typeof hashOnWorker = hashOnWorker,
): DirectEvidence {
  const opened: number[] = [];
  try {
    // the follower's, ours for appending, the child's, and the hashing worker's (closed once it is done)
    for (const flags of ['r', 'a', 'a', 'r'] as const) opened.push(openSync(file, flags));
    if (!fstatSync(opened[0]!).isFile()) throw new Error(`${file} is not a regular file`);
    sharePath(file, 'readonly');
  } catch (err) {
    for (const fd of opened) closeSync(fd);
    throw err;
  }
  const [readFd, ownFd, , hashFd] = opened as [number, number, number, number];
  let childFd: number | undefined = opened[2];
  const hasher = startHasher(hashFd, SYNC_EVERY);
  let hashFdOpen = true;
  /** only once the worker has stopped reading it (its number could otherwise be reused under the worker) */
  const closeHashFd = () => {
    if (!hashFdOpen) return;
    hashFdOpen = false;
    closeSync(hashFd);
  };
  if (!hasher) closeHashFd();
  /** the digest computed here instead, while following (no worker) */
  const hash = hasher ? undefined : createHash('sha256');

  const piece = Buffer.allocUnsafe(PIECE_BYTES);
  /** bytes of the file read */
  let pos = 0;
  /** appended by us and not yet read past: [at, at + len), in file order */
  const own: { at: number; len: number }[] = [];
  let onData: ((chunk: Buffer) => void) | undefined;
  let failed = false;
  let done: { sha256: string; bytes: number } | undefined;
  let following = false;
  let ending: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  let idleMs = POLL_MIN_MS;
  let sinceSync = 0;
  let syncing: Promise<void> | undefined;
  let synced = false;
  let lookedUp = 0;

  const fail = (err: unknown) => {
    if (failed) return;
    failed = true;
    onFail(err);
  };

  /** hand the child's bytes in a piece read at `pos` to onData (and hash it when no worker does) */
  const take = (b: Buffer) => {
    const start = pos;
    let from = 0;
    while (from < b.length) {
      const r = own[0];
      const rStart = r ? r.at - start : Infinity;
      if (rStart > from) {
        const to = Math.min(rStart, b.length);
        onData?.(b.subarray(from, to));
        from = to;
      } else {
        // our own appended bytes: already handed on when they were appended
        const rEnd = r!.at + r!.len - start;
        from = Math.min(rEnd, b.length);
        if (from === rEnd) own.shift();
      }
    }
    pos += b.length;
    if (!hash) return;
    hash.update(b);
    sinceSync += b.length;
    if (sinceSync >= SYNC_EVERY && !syncing && !done) {
      sinceSync = 0;
      syncing = new Promise<void>((resolve) => fdatasync(readFd, () => resolve())).then(() => {
        syncing = undefined;
      });
    }
  };

  /** read one piece at `pos` (at most `limit` bytes); returns how many bytes were read */
  const readPiece = (limit = PIECE_BYTES): number => {
    if (failed || done) return 0;
    let n: number;
    try {
      n = readSync(readFd, piece, 0, Math.min(PIECE_BYTES, limit), pos);
    } catch (err) {
      fail(err);
      return 0;
    }
    if (n > 0) take(piece.subarray(0, n));
    return n;
  };

  const sizeNow = (): number => {
    try {
      return fstatSync(readFd).size;
    } catch (err) {
      fail(err);
      return pos;
    }
  };

  /** read up to the file's present end, now (catchUp(), close()) */
  const readNowSync = () => {
    const size = sizeNow();
    while (pos < size && readPiece(size - pos) > 0);
  };

  const checkNotShrunk = () => {
    const size = sizeNow();
    if (size < pos) {
      fail(new Error(`the evidence file shrank from ${pos} to ${size} bytes while the check ran: its stdout was reopened or truncated`));
    }
  };

  const stopPolling = () => {
    if (timer) clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
    timer = undefined;
    immediate = undefined;
  };

  const step = () => {
    timer = undefined;
    immediate = undefined;
    if (!following || ending || failed || done) return;
    if (readPiece() > 0) {
      idleMs = POLL_MIN_MS;
      immediate = setImmediate(step);
    } else {
      checkNotShrunk();
      timer = setTimeout(step, idleMs);
      idleMs = Math.min(idleMs * 2, POLL_MAX_MS);
    }
  };

  /**
   * read up to the file's present end, a piece per turn of the event loop (only that far: a process that escaped
   * the check's group and keeps writing could otherwise hold this forever)
   */
  const readToEnd = async () => {
    const size = sizeNow();
    while (pos < size && readPiece(size - pos) > 0) await new Promise<void>((r) => setImmediate(r));
    checkNotShrunk();
  };

  const closeChildEnd = () => {
    if (childFd === undefined) return;
    const fd = childFd;
    childFd = undefined;
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
  };

  /** the filesystem is (nearly) full: the child's writes may have failed */
  const checkSpace = () => {
    try {
      const st = statfsSync(dirname(file));
      const free = (process.getuid?.() === 0 ? st.bfree : st.bavail) * st.bsize;
      if (free < FULL_BYTES) fail(new Error(`the filesystem of ${dirname(file)} is full: the check's output may not all have reached the evidence file`));
    } catch {
      // statfs is refused on some filesystems: nothing to conclude
    }
  };

  /** the digest of the `pos` bytes read: from the worker, or computed here */
  const digestOf = (fromWorker: { sha256: string; bytes: number } | undefined): { sha256: string; bytes: number } => {
    if (hash) return { sha256: hash.digest('hex'), bytes: pos };
    if (fromWorker && fromWorker.bytes === pos) return fromWorker;
    return hashHere(readFd, pos, piece);
  };

  /** last steps of finish() and close(): the child's descriptor, digest, fsync, mode, descriptors */
  const seal = (fromWorker: { sha256: string; bytes: number } | undefined) => {
    closeChildEnd();
    let sum: { sha256: string; bytes: number };
    try {
      // failed evidence (e.g. the file shrank): the digest recorded is that of what the file holds now
      sum = failed ? hashHere(readFd, undefined, piece) : digestOf(fromWorker);
    } catch (err) {
      // the file is not what was read: as above
      fail(err);
      try {
        sum = hashHere(readFd, undefined, piece);
      } catch {
        sum = { sha256: '', bytes: 0 };
      }
    }
    try {
      if (!synced) fdatasyncSync(readFd);
    } catch {
      // refused on some filesystems: the bytes are written either way
    }
    try {
      closeSync(ownFd);
      sharePath(file, 'file');
    } catch (err) {
      fail(err);
    }
    done = sum;
    if (syncing) void syncing.then(() => closeSync(readFd));
    else closeSync(readFd);
    return done;
  };

  const sink: StdoutSink = {
    get fd() {
      if (childFd === undefined) throw new Error('the stdout descriptor was already handed over and closed');
      return childFd;
    },
    closeChildEnd,
    follow(fn) {
      onData = fn;
      following = true;
      step();
    },
    catchUp() {
      if (!following || failed || done) return;
      readNowSync();
    },
    end() {
      ending ??= (async () => {
        stopPolling();
        await readToEnd();
      })();
      return ending;
    },
  };

  const d: DirectEvidence = {
    sink,
    append(buf) {
      if (!buf.length || failed || done) return;
      try {
        const before = fstatSync(ownFd).size;
        let off = 0;
        while (off < buf.length) off += writeSync(ownFd, buf, off, buf.length - off);
        const after = fstatSync(ownFd).size;
        let at = before;
        if (after - before !== buf.length) {
          // the child wrote at the same time: find our bytes in what was added meanwhile
          const window = Buffer.allocUnsafe(after - before);
          readSync(readFd, window, 0, window.length, before);
          const i = window.indexOf(buf);
          if (i < 0) throw new Error('the evidence file changed while output was appended to it');
          at = before + i;
          lookedUp++;
        }
        own.push({ at, len: buf.length });
      } catch (err) {
        fail(err);
      }
    },
    get bytes() {
      return pos;
    },
    get appendsLookedUp() {
      return lookedUp;
    },
    async finish() {
      if (done) return done;
      stopPolling();
      following = false;
      await readToEnd();
      if (done) return done;
      checkSpace();
      const fromWorker = hasher ? await hasher.finish(pos) : undefined;
      closeHashFd();
      if (syncing) await syncing;
      if (done) return done;
      // refused on some filesystems (some FUSE mounts): the bytes are written either way
      await new Promise<void>((r) => fdatasync(readFd, () => r()));
      synced = true;
      return seal(fromWorker);
    },
    close() {
      if (done) return done;
      stopPolling();
      following = false;
      readNowSync();
      checkNotShrunk();
      if (hasher) {
        // not waited for here: the digest is computed below, the worker's descriptor closed when it has stopped
        void hasher.cancel().then(closeHashFd);
      }
      return seal(undefined);
    },
  };
  return d;
}
