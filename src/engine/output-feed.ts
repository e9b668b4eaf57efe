/**
 * The output feed between a running check and the live store: raw (already redacted) bytes in, sanitized lines
 * out, at most every FLUSH_MS, at most OUTPUT_LINES_KEPT lines per item per flush.
 *
 * It is built for floods: a check printing hundreds of MB must cost neither memory nor much CPU. Per item it
 * keeps at most WINDOW_BYTES of not-yet-flushed output, copied into one reused ring (the chunks it is given belong
 * to their reader, which reuses them); when more arrives, the oldest chunks are dropped and only their newlines are
 * counted (a native scan). Only what survives to a flush is decoded and split into lines. Dropped lines are
 * reported in OutputEvent.dropped (the evidence file keeps every byte).
 *
 * WINDOW_BYTES is 64 KB (about 650 log lines per 100 ms, 6,500 a second, shown live per item). A flush runs on the
 * main thread and everything else waits for it; measured with a 200 MB stream, a 512 KB window cost 240 ms of
 * flushes (up to 28 ms each), 64 KB cost 47 ms.
 *
 * Lines are split on "\n" (CRLF's "\r" dropped); decoding happens only on whole lines, so a multi-byte character
 * split across chunks is never broken. Only complete lines enter the window: the line still open on each stream
 * waits beside it, keeping at most its first LONG_LINE_BYTES and counting the rest. A line longer than LINE_MAX
 * characters is shown cut, with what was left out: `… (+1,048,320 bytes)` (the evidence keeps it whole).
 *
 * Credential-shaped text is masked in the delivered lines (`[MASKED:aws]`, credential-mask.ts) unless the item
 * says `maskCredentials: false`; the evidence file keeps it as written.
 */
import type { OutputEvent } from './events.js';
import { countNewlines } from '../process/line-splitter.js';
import { sanitizeLine } from '../process/sanitize.js';
import { FLUSH_MS, OUTPUT_LINES_KEPT } from './store.js';

type Stream = OutputEvent['stream'];
/** output bytes held in the item's ring (`at`, `len`), or a whole line */
type Seg = { stream: Stream; at: number; len: number; line?: undefined } | { stream: Stream; line: string; at?: undefined; len?: undefined };

export const WINDOW_BYTES = 64 * 1024;
const LINE_MAX = 2000;
const CARRY_MAX = 64 * 1024;
/** of a line still open, only this much is kept (enough for its first LINE_MAX characters) */
const LONG_LINE_BYTES = 4 * LINE_MAX;

/** a line shown cut: its first LINE_MAX characters and how many bytes of `totalBytes` were left out */
export function cutLine(text: string, totalBytes: number): string {
  let shown = text.slice(0, LINE_MAX);
  const c = shown.charCodeAt(shown.length - 1);
  if (c >= 0xd800 && c <= 0xdbff) shown = shown.slice(0, -1);
  if (shown.endsWith('\r')) shown = shown.slice(0, -1);
  return `${shown}… (+${(totalBytes - Buffer.byteLength(shown)).toLocaleString('en-US')} bytes)`;
}

interface Feed {
  segs: Seg[];
  /** not-yet-flushed output of every seg (ring bytes + line lengths); at most WINDOW_BYTES after a push */
  bytes: number;
  dropped: number;
  /**
   * Copies of the bytes of the data segs, in arrival order, wrapping around (allocated on the first bytes, reused:
   * the chunks handed to bytes() belong to their reader and are reused as soon as it returns).
   */
  ring?: Buffer;
  /** where the next bytes go in the ring */
  head: number;
  carry: Map<Stream, Buffer>;
  /** output of this stream was dropped mid-line: skip up to the next newline */
  skip: Set<Stream>;
  /** per stream, the line still open: its first LONG_LINE_BYTES and its length so far */
  open: Map<Stream, { head: Buffer; len: number }>;
}

const decoder = new TextDecoder('utf-8');

/** the bytes of a data seg: one view into the ring, or two when they wrap around its end */
function segParts(ring: Buffer, at: number, len: number): Buffer[] {
  if (at + len <= ring.length) return [ring.subarray(at, at + len)];
  return [ring.subarray(at), ring.subarray(0, at + len - ring.length)];
}

/** the bytes of a data seg in one buffer (a copy only when they wrap) */
function segBytes(ring: Buffer, at: number, len: number): Buffer {
  const parts = segParts(ring, at, len);
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

export class OutputFeed {
  private feeds = new Map<string, Feed>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deliver: (e: OutputEvent) => void,
    private readonly keepSgr: boolean,
    /** the credential masking of an item's shown lines (engine/credential-mask.ts), undefined when it is off */
    private readonly maskOf?: (item: string) => ((text: string) => string) | undefined,
  ) {}

  private feed(item: string): Feed {
    let f = this.feeds.get(item);
    if (!f) this.feeds.set(item, (f = { segs: [], bytes: 0, dropped: 0, head: 0, carry: new Map(), skip: new Set(), open: new Map() }));
    return f;
  }

  private schedule(): void {
    if (!this.timer) this.timer = setTimeout(() => this.flush(), FLUSH_MS);
  }

  /** raw bytes of a stream (already redacted); copied: `data` may be reused by the caller once this returns */
  bytes(item: string, stream: Stream, data: Buffer): void {
    if (!data.length) return;
    const f = this.feed(item);
    const first = data.indexOf(10);
    if (first < 0) {
      this.extend(f, stream, data);
      return;
    }
    let rest = data;
    const open = f.open.get(stream);
    if (open) {
      // the open line ends here
      f.open.delete(stream);
      const len = open.len + first + 1;
      if (len <= LONG_LINE_BYTES) this.store(f, stream, Buffer.concat([open.head, data.subarray(0, first + 1)]));
      else {
        const head = Buffer.concat([open.head, data.subarray(0, Math.max(0, Math.min(first, LONG_LINE_BYTES - open.head.length)))]);
        this.line(item, stream, cutLine(decoder.decode(head), len - 1));
      }
      rest = data.subarray(first + 1);
    }
    const last = rest.lastIndexOf(10);
    if (last >= 0) this.store(f, stream, rest.subarray(0, last + 1));
    if (last + 1 < rest.length) this.extend(f, stream, rest.subarray(last + 1));
  }

  /** bytes of the line still open on `stream`: its first LONG_LINE_BYTES are kept (copied), the rest counted */
  private extend(f: Feed, stream: Stream, part: Buffer): void {
    const o = f.open.get(stream) ?? { head: Buffer.alloc(0), len: 0 };
    const room = LONG_LINE_BYTES - o.head.length;
    if (room > 0) o.head = Buffer.concat([o.head, part.subarray(0, room)]);
    o.len += part.length;
    f.open.set(stream, o);
  }

  /** complete lines into the window */
  private store(f: Feed, stream: Stream, data: Buffer): void {
    if (data.length > WINDOW_BYTES) {
      // more than a window at once: everything before its last WINDOW_BYTES is dropped
      const cut = data.length - WINDOW_BYTES;
      this.dropOldest(f, f.bytes);
      this.dropBytes(f, stream, [data.subarray(0, cut)]);
      data = data.subarray(cut);
    }
    // make room first: the oldest segs' bytes are about to be overwritten in the ring
    this.dropOldest(f, f.bytes + data.length - WINDOW_BYTES);
    const ring = (f.ring ??= Buffer.allocUnsafe(WINDOW_BYTES));
    const at = f.head;
    const first = Math.min(data.length, ring.length - at);
    data.copy(ring, at, 0, first);
    if (first < data.length) data.copy(ring, 0, first);
    f.head = (at + data.length) % ring.length;
    f.segs.push({ stream, at, len: data.length });
    f.bytes += data.length;
    this.schedule();
  }

  /** a whole line (ctx.emit, section headers) */
  line(item: string, stream: Stream, line: string): void {
    const f = this.feed(item);
    // the newest output is never dropped to make room for itself
    this.dropOldest(f, f.bytes + line.length + 1 - WINDOW_BYTES);
    f.segs.push({ stream, line });
    f.bytes += line.length + 1;
    this.schedule();
  }

  /** the bytes in `parts` (in order, not empty) are dropped; the stream resumes at the next line start */
  private dropBytes(f: Feed, stream: Stream, parts: Buffer[]): void {
    // every line ending in the dropped bytes is dropped; a line they leave open is skipped up to its end
    for (const p of parts) f.dropped += countNewlines(p);
    const last = parts[parts.length - 1]!;
    if (last[last.length - 1] === 10) f.skip.delete(stream);
    else f.skip.add(stream);
    f.carry.delete(stream);
  }

  /** drop the oldest segs until at least `need` bytes are freed (whole segs: a line seg counts as one line) */
  private dropOldest(f: Feed, need: number): void {
    let freed = 0;
    while (freed < need && f.segs.length) {
      const s = f.segs.shift()!;
      if (s.line === undefined) {
        this.dropBytes(f, s.stream, segParts(f.ring!, s.at, s.len));
        freed += s.len;
      } else {
        f.dropped += 1;
        freed += s.line.length + 1;
      }
    }
    f.bytes -= freed;
  }

  /** Deliver pending output (of one item, or all). `final`: the item's streams ended, flush open lines too. */
  flush(only?: string, final = false): void {
    if (!only && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    for (const [item, f] of this.feeds) {
      if (only !== undefined && item !== only) continue;
      const rows: { stream: Stream; line: string }[] = [];
      for (const s of f.segs) {
        if (s.line !== undefined) {
          rows.push({ stream: s.stream, line: s.line });
          continue;
        }
        const prev = f.carry.get(s.stream);
        const data = segBytes(f.ring!, s.at, s.len);
        let buf = prev ? Buffer.concat([prev, data]) : data;
        if (f.skip.has(s.stream)) {
          const nl = buf.indexOf(10);
          if (nl < 0) continue; // still inside the dropped line
          f.skip.delete(s.stream);
          f.dropped += 1;
          buf = buf.subarray(nl + 1);
        }
        const last = buf.lastIndexOf(10);
        let rest: Buffer = last < 0 ? buf : buf.subarray(last + 1);
        if (last >= 0) {
          const text = decoder.decode(buf.subarray(0, last));
          for (const l of text.split('\n')) {
            const line = l.endsWith('\r') ? l.slice(0, -1) : l;
            rows.push({ stream: s.stream, line: line.length > LINE_MAX ? cutLine(line, Buffer.byteLength(line)) : line });
          }
        }
        if (rest.length > CARRY_MAX) {
          // a very long line without a newline: show its start now (the screen caps lines anyway), skip its rest
          rows.push({ stream: s.stream, line: decoder.decode(rest.subarray(0, CARRY_MAX)) });
          f.skip.add(s.stream);
          rest = Buffer.alloc(0);
        }
        if (rest.length) f.carry.set(s.stream, Buffer.from(rest));
        else f.carry.delete(s.stream);
      }
      f.segs = [];
      f.bytes = 0;
      f.head = 0;
      if (final) {
        for (const [stream, rest] of f.carry) {
          const l = decoder.decode(rest);
          rows.push({ stream, line: l.endsWith('\r') ? l.slice(0, -1) : l });
        }
        f.carry.clear();
        f.skip.clear();
        // a last line without a newline
        for (const [stream, o] of f.open) {
          const l = decoder.decode(o.head);
          const line = l.endsWith('\r') ? l.slice(0, -1) : l;
          rows.push({ stream, line: o.len > o.head.length || line.length > LINE_MAX ? cutLine(line, o.len) : line });
        }
        f.open.clear();
      }
      let dropped = f.dropped;
      f.dropped = 0;
      let kept = rows;
      if (kept.length > OUTPUT_LINES_KEPT) {
        dropped += kept.length - OUTPUT_LINES_KEPT;
        kept = kept.slice(-OUTPUT_LINES_KEPT);
      }
      const mask = this.maskOf?.(item);
      let i = 0;
      while (i < kept.length) {
        const stream = kept[i]!.stream;
        let raw: string[] = [];
        while (i < kept.length && kept[i]!.stream === stream) raw.push(kept[i++]!.line);
        // credentials are masked over the run's lines together, so a private key printed at once is caught whole
        if (mask) raw = mask(raw.join('\n')).split('\n');
        // LINE_MAX plus room for the "… (+N bytes)" of a line cut above
        const lines = raw.map((l) => sanitizeLine(l, LINE_MAX + 40, { keepSgr: this.keepSgr }));
        this.deliver({ type: 'output', item, lines, dropped, stream });
        dropped = 0;
      }
      if (dropped > 0) this.deliver({ type: 'output', item, lines: [], dropped, stream: 'info' });
      if (final) this.feeds.delete(item);
    }
    let pending = false;
    for (const f of this.feeds.values()) if (f.segs.length) pending = true;
    if (pending && !this.timer) this.schedule();
  }

  dispose(): void {
    this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
