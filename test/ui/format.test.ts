import { describe, expect, it } from 'vitest';
import { cutWithLength, fit, fmtDuration, fmtEstimate, stripSgr, truncate, truncateOutput, width } from '../../src/ui/format.js';

describe('format', () => {
  it('durations and estimates', () => {
    expect(fmtDuration(62_000)).toBe('1m02s');
    expect(fmtDuration(3_725_000)).toBe('1h02m');
    expect(fmtDuration(900)).toBe('1s');
    expect(fmtEstimate(2.5 * 3600_000)).toBe('2h30m');
    expect(fmtEstimate(3600_000)).toBe('1h');
    expect(fmtEstimate(undefined)).toBe('-');
  });

  it('truncates by terminal cells, keeping and closing SGR', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(width(truncate('日本語テキスト', 5))).toBeLessThanOrEqual(5);
    const t = truncateOutput('\x1b[31mred text here\x1b[0m', 6);
    expect(stripSgr(t)).toBe('red t…');
    expect(t.endsWith('\x1b[0m…')).toBe(true);
    expect(fit('ab', 4)).toBe('ab  ');
  });

  it('measures, cuts and pads text from files as it is shown: controls visible, never raw', () => {
    const osc52 = 'Block \x1b]52;c;ZXZpbA==\x07 done';
    expect(truncate(osc52, 100)).toBe('Block ␛]52;c;ZXZpbA==␇ done');
    expect(width(osc52)).toBe(width('Block ␛]52;c;ZXZpbA==␇ done'));
    expect(truncate(osc52, 10)).toBe('Block ␛]5…');
    expect(fit('\x1b[31mred', 8)).toBe('␛[31mred');
    expect(truncate('a\x9b2Jb', 10)).toBe('a␛[2Jb');
  });

  it('counts cells the same whether a line is plain ASCII (counted at once) or holds wide characters', () => {
    expect(cutWithLength('x'.repeat(40), 40)).toBe('x'.repeat(40));
    expect(cutWithLength('x'.repeat(41), 40)).toMatch(/^x+… \(\+\d+ bytes\)$/);
    expect(truncateOutput('日本語テキスト', 5)).toBe('日本…');
    expect(truncateOutput('ab日本語', 5)).toBe('ab日…');
    expect(truncateOutput('ab日本', 6)).toBe('ab日本');
    expect(fit('日本', 6)).toBe('日本  ');
    expect(fit('──·─', 6)).toBe('──·─  ');
  });

  it('cutWithLength: a line wider than the pane keeps its start and says how many bytes were left out', () => {
    expect(cutWithLength('short', 40)).toBe('short');
    const cut = cutWithLength('x'.repeat(100), 40);
    expect(width(cut)).toBeLessThanOrEqual(40);
    expect(cut).toMatch(/^x+… \(\+\d+ bytes\)$/);
    const shown = cut.indexOf('…');
    expect(cut).toBe(`${'x'.repeat(shown)}… (+${100 - shown} bytes)`);
    // a line the output feed cut already: both cuts counted
    const fed = 'é'.repeat(2000) + '… (+16,000 bytes)';
    const twice = cutWithLength(fed, 60);
    const kept = twice.indexOf('…');
    expect(twice).toBe(`${'é'.repeat(kept)}… (+${(16_000 + 2 * (2000 - kept)).toLocaleString('en-US')} bytes)`);
    expect(width(twice)).toBeLessThanOrEqual(60);
    // colours are dropped from a cut line, not counted as bytes
    expect(cutWithLength('\x1b[31m' + 'y'.repeat(50) + '\x1b[0m', 30)).toMatch(/^y+… \(\+\d+ bytes\)$/);
  });
});
