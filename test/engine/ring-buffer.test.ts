import { describe, expect, it } from 'vitest';
import { RingBuffer } from '../../src/engine/ring-buffer.js';

describe('RingBuffer', () => {
  it('keeps the newest `capacity` lines, in order, through wrap-around and clear', () => {
    const r = new RingBuffer(3);
    expect(r.tail(5)).toEqual([]);
    r.push('a');
    r.push('b');
    expect(r.tail(5)).toEqual(['a', 'b']);
    for (const l of ['c', 'd', 'e']) r.push(l);
    expect(r.size).toBe(3);
    expect(r.total).toBe(5);
    expect(r.tail(3)).toEqual(['c', 'd', 'e']);
    expect(r.tail(2, 1)).toEqual(['c', 'd']);
    r.clear();
    expect(r.tail(3)).toEqual([]);
    r.push('f');
    r.push('g');
    expect(r.tail(3)).toEqual(['f', 'g']);
  });
});
