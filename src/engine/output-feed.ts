/**
 * The output feed between a running check and the live store: raw (already redacted) bytes in, sanitized lines
 * out, at most every FLUSH_MS, at most OUTPUT_LINES_KEPT lines per item per flush.
 *
 * It is built for floods: a check printing hundreds of MB must cost neither memory nor much CPU. Per item it
 * keeps at most WINDOW_BYTES of not-yet-flushed output; when more arrives, the oldest chunks are dropped and only
 * their newlines are counted (a native scan). Only what survives to a flush is decoded and split into lines, so a
 * flood costs a few thousand lines of JavaScript work per flush instead of millions. Dropped lines are reported in
 * OutputEvent.dropped (the evidence file keeps every byte).
 *
 * Lines are split on "\n" (CRLF's "\r" dropped); decoding happens only on whole lines, so a multi-byte character
 * split across chunks is never broken; a line still open at a flush waits for the next one (bounded length).
 */
import type { OutputEvent } from './events.js';
import { sanitizeLine } from './sanitize.js';
import { FLUSH_MS, OUTPUT_LINES_KEPT } from './store.js';

type Stream = OutputEvent['stream'];
type Seg = { stream: Stream; data: Buffer; line?: undefined } | { stream: Stream; line: string; data?: undefined };

export const WINDOW_BYTES = 512 * 1024;
const LINE_MAX = 2000;
const CARRY_MAX = 64 * 1024;

interface Feed {
  segs: Seg[];
  bytes: number;
  dropped: number;
  carry: Map<Stream, Buffer>;
  /** output of this stream was dropped mid-line: skip up to the next newline */
  skip: Set<Stream>;
}

function newlines(b: Buffer): number {
  let n = 0;
  let i = -1;
  while ((i = b.indexOf(10, i + 1)) !== -1) n++;
  return n;
}

const decoder = new TextDecoder('utf-8');

export class OutputFeed {
  private feeds = new Map<string, Feed>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deliver: (e: OutputEvent) => void,
    private readonly keepSgr: boolean,
  ) {}

  private feed(item: string): Feed {
    let f = this.feeds.get(item);
    if (!f) this.feeds.set(item, (f = { segs: [], bytes: 0, dropped: 0, carry: new Map(), skip: new Set() }));
    return f;
  }

  private schedule(): void {
    if (!this.timer) this.timer = setTimeout(() => this.flush(), FLUSH_MS);
  }

  /** raw bytes of a stream (already redacted) */
  bytes(item: string, stream: Stream, data: Buffer): void {
    if (!data.length) return;
    const f = this.feed(item);
    f.segs.push({ stream, data });
    f.bytes += data.length;
    this.trim(f);
    this.schedule();
  }

  /** a whole line (ctx.emit, section headers) */
  line(item: string, stream: Stream, line: string): void {
    const f = this.feed(item);
    f.segs.push({ stream, line });
    f.bytes += line.length + 1;
    this.trim(f);
    this.schedule();
  }

  private trim(f: Feed): void {
    while (f.bytes > WINDOW_BYTES && f.segs.length > 1) {
      const s = f.segs.shift()!;
      if (s.data) {
        f.bytes -= s.data.length;
        // every line ending in the dropped chunk is dropped; a line it leaves open is skipped up to its end
        f.dropped += newlines(s.data);
        if (s.data[s.data.length - 1] === 10) f.skip.delete(s.stream);
        else f.skip.add(s.stream);
        f.carry.delete(s.stream);
      } else {
        f.bytes -= s.line.length + 1;
        f.dropped += 1;
      }
    }
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
        let buf = prev ? Buffer.concat([prev, s.data]) : s.data;
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
          for (const l of text.split('\n')) rows.push({ stream: s.stream, line: l.endsWith('\r') ? l.slice(0, -1) : l });
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
      if (final) {
        for (const [stream, rest] of f.carry) {
          const l = decoder.decode(rest);
          rows.push({ stream, line: l.endsWith('\r') ? l.slice(0, -1) : l });
        }
        f.carry.clear();
        f.skip.clear();
      }
      let dropped = f.dropped;
      f.dropped = 0;
      let kept = rows;
      if (kept.length > OUTPUT_LINES_KEPT) {
        dropped += kept.length - OUTPUT_LINES_KEPT;
        kept = kept.slice(-OUTPUT_LINES_KEPT);
      }
      let i = 0;
      while (i < kept.length) {
        const stream = kept[i]!.stream;
        const lines: string[] = [];
        while (i < kept.length && kept[i]!.stream === stream) {
          lines.push(sanitizeLine(kept[i]!.line, LINE_MAX, { keepSgr: this.keepSgr }));
          i++;
        }
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
