import { describe, expect, it } from 'vitest';
import type { OutputEvent } from '../../src/engine/events.js';
import { OutputFeed, WINDOW_BYTES } from '../../src/engine/output-feed.js';

function collect() {
  const events: OutputEvent[] = [];
  const feed = new OutputFeed((e) => events.push(e), false);
  const lines = () => events.flatMap((e) => e.lines);
  const dropped = () => events.reduce((n, e) => n + e.dropped, 0);
  return { feed, events, lines, dropped };
}

describe('OutputFeed', () => {
  it('turns chunks into sanitized lines: split multi-byte chars, CRLF, and a final partial line', () => {
    const { feed, lines } = collect();
    const bytes = Buffer.from('zażółć\r\n\x1b]0;title\x07ok 🚀\nlast', 'utf8');
    for (const b of bytes) feed.bytes('1', 'stdout', Buffer.from([b]));
    feed.flush('1');
    expect(lines()).toEqual(['zażółć', 'ok 🚀']);
    feed.flush('1', true);
    expect(lines()).toEqual(['zażółć', 'ok 🚀', 'last']);
  });

  it('keeps streams and emitted lines in order, grouping runs of one stream', () => {
    const { feed, events } = collect();
    feed.bytes('1', 'stdout', Buffer.from('a\nb\n'));
    feed.bytes('1', 'stderr', Buffer.from('E\n'));
    feed.line('1', 'info', 'note');
    feed.flush('1', true);
    expect(events.map((e) => [e.stream, e.lines])).toEqual([
      ['stdout', ['a', 'b']],
      ['stderr', ['E']],
      ['info', ['note']],
    ]);
  });

  it('copies what it keeps: the caller may reuse its buffer as soon as bytes() returns', () => {
    const { feed, lines } = collect();
    const reused = Buffer.alloc(6);
    for (const word of ['alpha\n', 'bravo\n', 'charl', 'ie\n']) {
      reused.fill(0);
      const n = reused.write(word);
      feed.bytes('1', 'stdout', reused.subarray(0, n));
    }
    reused.fill(0x78);
    feed.flush('1', true);
    expect(lines()).toEqual(['alpha', 'bravo', 'charlie']);
  });

  it('under a flood keeps a bounded window and counts every dropped line exactly', () => {
    const { feed, lines, dropped, events } = collect();
    const total = 200_000;
    let text = '';
    for (let i = 1; i <= total; i++) text += `line ${i} ${'x'.repeat(i % 50)}\n`;
    const buf = Buffer.from(text);
    expect(buf.length).toBeGreaterThan(WINDOW_BYTES * 4);
    // irregular chunk sizes so chunk edges fall inside lines
    let off = 0;
    let k = 0;
    while (off < buf.length) {
      const n = 1000 + ((k++ * 7919) % 60000);
      feed.bytes('big', 'stdout', buf.subarray(off, off + n));
      off += n;
    }
    feed.flush('big', true);
    expect(lines().length + dropped()).toBe(total);
    expect(lines().length).toBeLessThanOrEqual(5000);
    expect(lines()[lines().length - 1]).toBe(`line ${total} ${'x'.repeat(total % 50)}`);
    // what is shown is a contiguous, intact tail
    const shown = lines();
    const firstN = Number(shown[0]!.split(' ')[1]);
    shown.forEach((l, i) => expect(l).toBe(`line ${firstN + i} ${'x'.repeat((firstN + i) % 50)}`));
    expect(events.every((e) => e.lines.length <= 5000)).toBe(true);
  });

  it('a long line is shown cut with how many bytes were left out: across chunks, inside one chunk, and as the last line', () => {
    const { feed, lines, dropped } = collect();
    // 1 MiB of "a" in 64 KB chunks, then its newline and a short line
    for (let i = 0; i < 16; i++) feed.bytes('1', 'stdout', Buffer.alloc(64 * 1024, 0x61));
    feed.bytes('1', 'stdout', Buffer.from('\nafter\n'));
    feed.flush('1');
    expect(lines()).toEqual(['a'.repeat(2000) + '… (+1,046,576 bytes)', 'after']);
    expect(dropped()).toBe(0);
    // a 10,000-character line inside one chunk (multi-byte characters counted as bytes), then one without a newline
    const { feed: f2, lines: l2 } = collect();
    f2.bytes('2', 'stderr', Buffer.from(`short\n${'é'.repeat(10_000)}\nmid\n${'b'.repeat(5000)}`));
    f2.flush('2', true);
    expect(l2()).toEqual(['short', 'é'.repeat(2000) + '… (+16,000 bytes)', 'mid', 'b'.repeat(2000) + '… (+3,000 bytes)']);
  });

  it('shows the start of a huge line without a newline and stays bounded', () => {
    const { feed, lines, dropped } = collect();
    for (let i = 0; i < 40; i++) feed.bytes('1', 'stdout', Buffer.alloc(64 * 1024, 0x61));
    feed.bytes('1', 'stdout', Buffer.from('\nafter\n'));
    feed.flush('1', true);
    const shown = lines();
    expect(shown[shown.length - 1]).toBe('after');
    expect(shown.every((l) => l.length <= 2000 + 40)).toBe(true);
    expect(shown[0]).toBe('a'.repeat(2000) + '… (+2,619,440 bytes)');
    expect(dropped()).toBeGreaterThanOrEqual(0);
  });
});
