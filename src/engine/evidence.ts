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
 * - Direct stdout (`directStdout()`, used by the `command` kind when there is nothing to mask): the child writes its
 *   stdout into this file itself and the bytes are read back from it (evidence-direct.ts); a flood then costs this
 *   process a read and a hash per byte instead of a pipe read, a copy, a write and a hash.
 */
import { createHash, type Hash } from 'node:crypto';
import { close as closeCb, closeSync, fdatasync, fstatSync, fsync, fsyncSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { mkdirShared, shareFd } from './shared-files.js';
import { openDirectEvidence, type DirectEvidence, type StdoutSink } from './evidence-direct.js';
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
  /**
   * Let a child write its stdout straight into this file (evidence-direct.ts). Returns undefined when it cannot be:
   * there are secrets to mask (every byte must pass through the redactor), the writer is not batched, or something
   * was written already. Once a sink is returned the caller must give it to the child: stdout bytes then handed to
   * write() are taken as read back from the file and not written again; other streams are appended.
   */
  directStdout(): StdoutSink | undefined;
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

const toErr = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

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
  /** bytes waiting to be written: a copy, so callers may reuse their chunks at once (allocated on first use) */
  let group: Buffer | undefined;
  let groupLen = 0;
  let timer: NodeJS.Timeout | undefined;
  let sinceSync = 0;
  let syncing = false;
  let closeAfterSync = false;
  let syncDone: (() => void)[] = [];

  /** write `buf` whole, hash it, count it; in batched mode, a background fdatasync now and then */
  const writeOut = (buf: Buffer) => {
    if (failed) return;
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

  const writeGroup = () => {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (!groupLen || !group) return;
    const len = groupLen;
    groupLen = 0;
    writeOut(group.subarray(0, len));
  };

  const rawBatched = (buf: Buffer) => {
    if (!buf.length || closed || failed) return;
    if (groupLen + buf.length > WRITE_BYTES) {
      writeGroup();
      // a chunk as large as a whole group goes straight to the file, no copy
      if (buf.length >= WRITE_BYTES) {
        writeOut(buf);
        return;
      }
    }
    group ??= Buffer.allocUnsafe(WRITE_BYTES);
    buf.copy(group, groupLen);
    groupLen += buf.length;
    if (groupLen === WRITE_BYTES) writeGroup();
    else if (!timer) {
      timer = setTimeout(writeGroup, WRITE_DELAY_MS);
      timer.unref?.();
    }
  };

  const rawSync = (buf: Buffer) => {
    if (buf.length && !closed) writeOut(buf);
  };

  const raw = batched ? rawBatched : rawSync;
  let direct: DirectEvidence | undefined;

  const w: EvidenceWriter = {
    write(chunk, stream) {
      if (closed) return Buffer.alloc(0);
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      if (direct) {
        // stdout is the child's own writes, read back from the file; anything else is appended
        if (stream !== 'stdout') direct.append(buf);
        return buf;
      }
      const out = redactor.active ? redactorOf(stream).push(buf) : buf;
      raw(out);
      return out;
    },
    directStdout() {
      if (direct || redactor.active || !batched || bytes + groupLen > 0 || closed || failed) return undefined;
      try {
        // a regular file only (a device such as /dev/full is neither followed nor given other modes)
        if (!fstatSync(fd).isFile()) return undefined;
        direct = openDirectEvidence(file, fail);
      } catch {
        return undefined;
      }
      try {
        closeSync(fd);
      } catch {
        // closed already
      }
      return direct.sink;
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
      if (direct) return (closed = { file, ...direct.close() });
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
      if (direct) {
        const sum = await direct.finish();
        return (closed ??= { file, ...sum });
      }
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
      if (direct) return direct.bytes;
      return bytes + groupLen;
    },
    get failed() {
      return failed;
    },
  };
  return w;
}
