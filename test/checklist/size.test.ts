import { describe, expect, it } from 'vitest';
import { formatSize, parseSize } from '../../src/checklist/size.js';

describe('sizes', () => {
  it('parses binary and decimal units and bare bytes; refuses anything else and zero', () => {
    expect(parseSize('1GiB')).toBe(2 ** 30);
    expect(parseSize('500 MiB')).toBe(500 * 2 ** 20);
    expect(parseSize('1.5KiB')).toBe(1536);
    expect(parseSize('2GB')).toBe(2e9);
    expect(parseSize('4096')).toBe(4096);
    expect(parseSize('10b')).toBe(10);
    for (const bad of ['', 'GiB', '1 GiBs', '-1MiB', '0', '1e3', 'ten MiB']) expect(parseSize(bad), bad).toBeUndefined();
  });

  it('formats byte counts in binary units', () => {
    expect(formatSize(2 ** 30)).toBe('1 GiB');
    expect(formatSize(1536)).toBe('1.5 KiB');
    expect(formatSize(300 * 2 ** 20)).toBe('300 MiB');
    expect(formatSize(800)).toBe('800 bytes');
  });
});
