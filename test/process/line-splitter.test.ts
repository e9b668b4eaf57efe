import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../src/process/line-splitter.js';

describe('LineSplitter', () => {
  it('splits chunks into lines and keeps the final partial line for end()', () => {
    const s = new LineSplitter();
    expect(s.push(Buffer.from('one\ntw'))).toEqual(['one']);
    expect(s.push(Buffer.from('o\nthree'))).toEqual(['two']);
    expect(s.end()).toEqual(['three']);
  });

  it('drops the \\r of CRLF but keeps a lone \\r inside a line (progress redraws)', () => {
    const s = new LineSplitter();
    expect(s.push('a\r\nb\rc\n')).toEqual(['a', 'b\rc']);
    // CRLF split across chunks
    expect(s.push('d\r')).toEqual([]);
    expect(s.push('\ne')).toEqual(['d']);
    expect(s.end()).toEqual(['e']);
  });

  it('decodes a multi-byte character split across chunks', () => {
    const bytes = Buffer.from('zażółć 🚀\n', 'utf8');
    const s = new LineSplitter();
    const out: string[] = [];
    // feed one byte at a time: every multi-byte char is split
    for (const b of bytes) out.push(...s.push(Buffer.from([b])));
    out.push(...s.end());
    expect(out).toEqual(['zażółć 🚀']);
  });

  it('turns invalid UTF-8 into U+FFFD instead of throwing', () => {
    const s = new LineSplitter();
    expect(s.push(Buffer.from([0x61, 0xff, 0x62, 0x0a]))).toEqual(['a\ufffdb']);
  });

  it('keeps memory bounded for a stream without newlines', () => {
    const s = new LineSplitter({ maxLineChars: 100 });
    const out = s.push('x'.repeat(250));
    expect(out).toEqual(['x'.repeat(100), 'x'.repeat(100)]);
    expect(s.end()).toEqual(['x'.repeat(50)]);
  });

  it('handles empty lines and an empty stream', () => {
    const s = new LineSplitter();
    expect(s.push('\n\nx\n')).toEqual(['', '', 'x']);
    expect(s.end()).toEqual([]);
    expect(new LineSplitter().end()).toEqual([]);
  });
});
