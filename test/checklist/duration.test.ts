import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/checklist/duration.js';

describe('parseDuration', () => {
  it.each([
    ['2.5h', 9_000_000],
    ['30m', 1_800_000],
    ['90s', 90_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1d', 86_400_000],
    ['1m30s500ms', 90_500],
    ['0.5h', 1_800_000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '30', '2 hours', 'h', '1h1h', '-5m', '5 m', '1.h', '10x'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('formats compactly', () => {
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(1500)).toBe('1.5s');
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(86_400_000 + 60_000)).toBe('1d1m');
  });
});
