/**
 * Streaming line splitter: byte chunks in, complete lines out.
 *
 * - UTF-8 safe: a multi-byte character split across two chunks is decoded once both halves arrived
 *   (TextDecoder in stream mode); invalid bytes become U+FFFD instead of throwing.
 * - "\n" ends a line; a "\r" right before it (CRLF) is dropped. A lone "\r" stays in the line: sanitizeLine()
 *   turns progress redraws into the last state of the line.
 * - `end()` returns the final partial line (output that did not end with a newline).
 * - Memory stays bounded: a "line" that grows past `maxLineChars` without a newline is cut and emitted in pieces
 *   (the evidence file keeps the bytes; this only feeds the screen).
 */
/** how many "\n" bytes `b` holds (a native scan per line end) */
export function countNewlines(b: Buffer): number {
  let n = 0;
  let i = -1;
  while ((i = b.indexOf(10, i + 1)) !== -1) n++;
  return n;
}

export interface LineSplitterOptions {
  /** longest line kept in memory before it is emitted in pieces (default 65536 UTF-16 units) */
  maxLineChars?: number;
}

export class LineSplitter {
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });
  private partial = '';
  private readonly maxLineChars: number;

  constructor(o: LineSplitterOptions = {}) {
    this.maxLineChars = Math.max(16, o.maxLineChars ?? 65536);
  }

  /** Feed a chunk; returns the lines it completed (without their line ending). */
  push(chunk: Uint8Array | string): string[] {
    const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    return this.split(text, false);
  }

  /** The stream ended: returns the last line if it had no newline (and any bytes still held by the decoder). */
  end(): string[] {
    const rest = this.decoder.decode();
    return this.split(rest, true);
  }

  private split(text: string, final: boolean): string[] {
    const out: string[] = [];
    let data = this.partial ? this.partial + text : text;
    let start = 0;
    for (;;) {
      const nl = data.indexOf('\n', start);
      if (nl < 0) break;
      let endAt = nl;
      if (endAt > start && data.charCodeAt(endAt - 1) === 13) endAt--;
      this.emit(out, data.slice(start, endAt));
      start = nl + 1;
    }
    data = start === 0 ? data : data.slice(start);
    while (data.length > this.maxLineChars) {
      let cut = this.maxLineChars;
      // never cut a surrogate pair in half
      const c = data.charCodeAt(cut - 1);
      if (c >= 0xd800 && c <= 0xdbff) cut--;
      out.push(data.slice(0, cut));
      data = data.slice(cut);
    }
    if (final) {
      if (data.length) out.push(data.charCodeAt(data.length - 1) === 13 ? data.slice(0, -1) : data);
      this.partial = '';
    } else {
      this.partial = data;
    }
    return out;
  }

  private emit(out: string[], line: string): void {
    if (line.length <= this.maxLineChars) {
      out.push(line);
      return;
    }
    let rest = line;
    while (rest.length > this.maxLineChars) {
      let cut = this.maxLineChars;
      const c = rest.charCodeAt(cut - 1);
      if (c >= 0xd800 && c <= 0xdbff) cut--;
      out.push(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    out.push(rest);
  }
}
