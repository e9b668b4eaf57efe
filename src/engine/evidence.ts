/**
 * The evidence writer: the full output of one check run, written losslessly to a file as it streams.
 *
 * - Bytes go to the file as they arrive (synchronous writes: the kernel's page cache absorbs them and the
 *   producer is naturally held back, so a check printing hundreds of MB never piles up in memory).
 * - sha256 and the byte count are computed on the fly over exactly the bytes written.
 * - Secret values are masked in-stream (one StreamRedactor per stream, each with a carry-over window so a secret
 *   split across two chunks is still masked). Without secrets the bytes pass through untouched (fast path).
 * - stdout and stderr are interleaved in arrival order, as a terminal would show them.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Redactor, StreamRedactor } from './redact.js';

export type EvidenceStream = 'stdout' | 'stderr' | 'info';

export interface EvidenceSummary {
  /** absolute path of the file */
  file: string;
  sha256: string;
  bytes: number;
}

export interface EvidenceWriter {
  /**
   * Write raw bytes; returns the redacted bytes that were written (what the screen should show, so the pane and
   * the evidence agree). Some bytes may be held back until the next chunk (possible start of a secret).
   */
  write(chunk: Buffer | string, stream: EvidenceStream): Buffer;
  /** flush held-back bytes of one stream (it ended); returns them */
  endStream(stream: EvidenceStream): Buffer;
  /** flush everything, fsync, close; returns the digest. Idempotent. */
  close(): EvidenceSummary;
  readonly bytes: number;
  /** set when writing failed (disk full, I/O error): nothing more is written and the evidence is incomplete */
  readonly failed: Error | undefined;
  /** called once when writing fails */
  onFail?: (err: Error) => void;
}

export function createEvidenceWriter(file: string, redactor: Redactor): EvidenceWriter {
  mkdirSync(dirname(file), { recursive: true });
  const fd = openSync(file, 'w', 0o600);
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
  const raw = (buf: Buffer) => {
    if (!buf.length || closed || failed) return;
    try {
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    } catch (err) {
      failed = err instanceof Error ? err : new Error(String(err));
      w.onFail?.(failed);
      return;
    }
    hash.update(buf);
    bytes += buf.length;
  };

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
      try {
        fsyncSync(fd);
      } catch {
        // fsync is refused on some filesystems (e.g. some FUSE mounts); the bytes are written either way
      }
      try {
        closeSync(fd);
      } catch (err) {
        failed ??= err instanceof Error ? err : new Error(String(err));
      }
      closed = { file, sha256: hash.digest('hex'), bytes };
      return closed;
    },
    get bytes() {
      return bytes;
    },
    get failed() {
      return failed;
    },
  };
  return w;
}
