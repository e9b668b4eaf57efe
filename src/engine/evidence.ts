/**
 * The evidence writer: the full output of one check run, written losslessly to a file as it streams.
 *
 * - Bytes go to the file as they arrive, with synchronous writes: the kernel's page cache absorbs them and the
 *   producer is naturally held back, so a check printing hundreds of MB never piles up in memory.
 * - Batched mode (`{ batched: true }`, used by the runner): chunks are copied into one reused buffer of
 *   WRITE_BYTES and each full buffer is written with one write, so a flood costs a few hundred system calls instead
 *   of tens of thousands and allocates nothing (the caller may reuse its chunk as soon as write() returns). A chunk
 *   of WRITE_BYTES or more is written straight from the caller's memory. A partly filled buffer is written after
 *   WRITE_DELAY_MS, so a slow check's output still reaches the file promptly. While streaming, an fdatasync is started now and then in the
 *   background (thread pool), so the final fsync has little left to do; `await finish()` does that final fsync
 *   without blocking the event loop. close() stays synchronous and safe in both modes.
 * - sha256 and the byte count are computed on the fly over exactly the bytes written.
 * - Secret values are masked in-stream (one StreamRedactor per stream, each with a carry-over window so a secret
 *   split across two chunks is still masked). Without secrets the bytes pass through untouched (fast path).
 * - stdout and stderr are interleaved in arrival order, as a terminal would show them.
 * - Bounded: past `limitBytes` (the output limit) nothing more is written — the file keeps exactly the first
 *   `limitBytes` — and the writer stops with an EvidenceStop('limit'); every SPACE_EVERY bytes the free space of
 *   the file's filesystem is checked and below `reserveBytes` it stops with an EvidenceStop('space'). Either way
 *   onFail tells the runner, which stops the check.
 */
import { createHash, type Hash } from 'node:crypto';
import { close as closeCb, closeSync, fdatasync, fsync, fsyncSync, openSync, statfsSync, writeSync } from 'node:fs';
import { formatSize } from '../checklist/size.js';
import { dirname } from 'node:path';
import { mkdirShared, shareFd } from './shared-files.js';
import type { Redactor, StreamRedactor } from './redact.js';

export type EvidenceStream = 'stdout' | 'stderr' | 'info';

export interface EvidenceSummary {
  /** absolute path of the file */
  file: string;
  sha256: string;
  bytes: number;
}

export interface EvidenceWriterOptions {
  /** coalesce chunks into large writes (see the module comment); finish with `await finish()` */
  batched?: boolean;
  /** the output limit: bytes kept at most (see the module comment) */
  limitBytes?: number;
  /** stop when the filesystem has less than this free */
  reserveBytes?: number;
}

/** why the writer stopped on purpose: the output limit or the free-space reserve (`failed` holds it) */
export class EvidenceStop extends Error {
  constructor(
    readonly reason: 'limit' | 'space',
    message: string,
  ) {
    super(message);
    this.name = 'EvidenceStop';
  }
}

/** bytes free for an unprivileged writer on the filesystem holding `dir` (undefined when it cannot be told) */
export function freeBytes(dir: string): number | undefined {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

/** undefined when `dir`'s filesystem has at least `reserve` bytes free, else what to say */
export function belowReserve(dir: string, reserve: number): string | undefined {
  const free = freeBytes(dir);
  if (free === undefined || free >= reserve) return undefined;
  return `the state directory's filesystem has ${formatSize(free)} free, below the reserve of ${formatSize(reserve)}`;
}

export interface EvidenceWriter {
  /**
   * Write raw bytes; returns the redacted bytes that were written (what the screen should show, so the pane and
   * the evidence agree). Some bytes may be held back until the next chunk (possible start of a secret).
   * The writer keeps no reference to `chunk` (batched mode copies it), but the returned buffer may be `chunk`
   * itself: use it before reusing `chunk`.
   */
  write(chunk: Buffer | string, stream: EvidenceStream): Buffer;
  /** flush held-back bytes of one stream (it ended); returns them */
  endStream(stream: EvidenceStream): Buffer;
  /** flush everything, fsync, close; returns the digest. Idempotent. */
  close(): EvidenceSummary;
  /** like close(), but the final fsync does not block the event loop. Idempotent. */
  finish(): Promise<EvidenceSummary>;
  readonly bytes: number;
  /** set when writing failed (disk full, I/O error): nothing more is written and the evidence is incomplete */
  readonly failed: Error | undefined;
  /** called once when writing fails */
  onFail?: (err: Error) => void;
}

/** size of one coalesced write in batched mode */
export const WRITE_BYTES = 256 * 1024;
/** a partly filled group is written after this long */
const WRITE_DELAY_MS = 20;
/** start a background fdatasync after this many bytes */
const SYNC_EVERY = 32 * 1024 * 1024;
/** check the free space after this many bytes */
const SPACE_EVERY = 64 * 1024 * 1024;

const toErr = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/**
 * Batched mode's coalescing: chunks are copied into one group (so callers may reuse their chunks at once) and
 * written together when it holds WRITE_BYTES or WRITE_DELAY_MS after its first bytes; a chunk as large as a whole
 * group goes straight to the file, no copy.
 */
function createWriteGroup(writeOut: (buf: Buffer) => void): { push(buf: Buffer): void; flush(): void; readonly pending: number } {
  /** bytes waiting to be written (allocated on first use) */
  let group: Buffer | undefined;
  let groupLen = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (!groupLen || !group) return;
    const len = groupLen;
    groupLen = 0;
    writeOut(group.subarray(0, len));
  };
  return {
    push(buf) {
      if (groupLen + buf.length > WRITE_BYTES) {
        flush();
        if (buf.length >= WRITE_BYTES) {
          writeOut(buf);
          return;
        }
      }
      group ??= Buffer.allocUnsafe(WRITE_BYTES);
      buf.copy(group, groupLen);
      groupLen += buf.length;
      if (groupLen === WRITE_BYTES) flush();
      else if (!timer) {
        timer = setTimeout(flush, WRITE_DELAY_MS);
        timer.unref?.();
      }
    },
    flush,
    get pending() {
      return groupLen;
    },
  };
}

export function createEvidenceWriter(file: string, redactor: Redactor, opts: EvidenceWriterOptions = {}): EvidenceWriter {
  mkdirShared(dirname(file));
  const fd = openSync(file, 'w', 0o666);
  shareFd(fd, 'file');
  const hash: Hash = createHash('sha256');
  let bytes = 0;
  let closed: EvidenceSummary | undefined;
  const streams = new Map<EvidenceStream, StreamRedactor>();
  const redactorOf = (s: EvidenceStream) => {
    let r = streams.get(s);
    if (!r) streams.set(s, (r = redactor.stream()));
    return r;
  };

  let failed: Error | undefined;
  const fail = (err: unknown) => {
    if (failed) return;
    failed = toErr(err);
    w.onFail?.(failed);
  };

  // ---- batched mode -----------------------------------------------------------------------------------------
  const batched = opts.batched === true;
  let sinceSync = 0;
  let syncing = false;
  let closeAfterSync = false;
  let syncDone: (() => void)[] = [];

  const limit = opts.limitBytes ?? Infinity;
  let sinceSpace = 0;
  const dir = dirname(file);

  /** write `buf` whole (up to the limit), hash it, count it; in batched mode, a background fdatasync now and then */
  const writeOut = (whole: Buffer) => {
    if (failed) return;
    const over = bytes + whole.length > limit;
    const buf = over ? whole.subarray(0, limit - bytes) : whole;
    try {
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    } catch (err) {
      fail(err);
      return;
    }
    hash.update(buf);
    bytes += buf.length;
    sinceSync += buf.length;
    sinceSpace += buf.length;
    if (over) fail(new EvidenceStop('limit', `output exceeded ${formatSize(limit)}`));
    else if (opts.reserveBytes && sinceSpace >= SPACE_EVERY) {
      sinceSpace = 0;
      const low = belowReserve(dir, opts.reserveBytes);
      if (low) fail(new EvidenceStop('space', low));
    }
    if (batched && sinceSync >= SYNC_EVERY && !syncing && !closed) {
      // start writeback now, off the main thread, so the final fsync has little left to do
      sinceSync = 0;
      syncing = true;
      fdatasync(fd, () => {
        syncing = false;
        if (closeAfterSync) closeCb(fd, () => undefined);
        for (const f of syncDone.splice(0)) f();
      });
    }
  };

  const group = createWriteGroup(writeOut);
  const writeGroup = group.flush;

  const rawBatched = (buf: Buffer) => {
    if (!buf.length || closed || failed) return;
    group.push(buf);
  };

  const rawSync = (buf: Buffer) => {
    if (buf.length && !closed) writeOut(buf);
  };

  const raw = batched ? rawBatched : rawSync;

  const w: EvidenceWriter = {
    write(chunk, stream) {
      if (closed) return Buffer.alloc(0);
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      const out = redactor.active ? redactorOf(stream).push(buf) : buf;
      raw(out);
      return out;
    },
    endStream(stream) {
      const r = streams.get(stream);
      if (!r || closed) return Buffer.alloc(0);
      const out = r.end();
      raw(out);
      return out;
    },
    close() {
      if (closed) return closed;
      for (const r of streams.values()) raw(r.end());
      if (batched) writeGroup();
      try {
        fsyncSync(fd);
      } catch {
        // fsync is refused on some filesystems (e.g. some FUSE mounts); the bytes are written either way
      }
      if (syncing) {
        // a background fdatasync still uses the descriptor: close it when that is done
        closeAfterSync = true;
      } else {
        try {
          closeSync(fd);
        } catch (err) {
          failed ??= toErr(err);
        }
      }
      closed = { file, sha256: hash.digest('hex'), bytes };
      return closed;
    },
    async finish() {
      if (closed || !batched) return w.close();
      for (const r of streams.values()) raw(r.end());
      writeGroup();
      if (syncing) await new Promise<void>((r) => syncDone.push(r));
      if (closed) return closed;
      if (!failed) {
        // refused on some filesystems (some FUSE mounts): the bytes are written either way
        await new Promise<void>((r) => fsync(fd, () => r()));
      }
      return w.close(); // the final fsync there finds nothing left to flush
    },
    get bytes() {
      return bytes + group.pending;
    },
    get failed() {
      return failed;
    },
  };
  return w;
}
