import { describe, expect, it } from 'vitest';
import { sanitizeLine, stripSgr, visibleControls } from '../../src/process/sanitize.js';

const ESC = '\x1b';

describe('sanitizeLine', () => {
  it('returns plain text unchanged', () => {
    expect(sanitizeLine('kubectl get nodes\tReady')).toBe('kubectl get nodes\tReady');
  });

  it('removes OSC title, OSC 52 clipboard writes and hyperlinks (with their payload)', () => {
    expect(sanitizeLine(`${ESC}]0;pwned title\x07ok`)).toBe('ok');
    expect(sanitizeLine(`a${ESC}]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x07b`)).toBe('ab');
    expect(sanitizeLine(`${ESC}]8;;https://evil.example/${ESC}\\click${ESC}]8;;${ESC}\\`)).toBe('click');
    // unterminated OSC swallows the rest of the line rather than leaking it
    expect(sanitizeLine(`x${ESC}]0;never ends`)).toBe('x');
  });

  it('removes cursor moves, screen clears, DCS and lone ESC', () => {
    expect(sanitizeLine(`${ESC}[2J${ESC}[H${ESC}[10;5Hhello${ESC}[?25l${ESC}[K`)).toBe('hello');
    expect(sanitizeLine(`${ESC}P1$r0m${ESC}\\after`)).toBe('after');
    expect(sanitizeLine(`${ESC}7a${ESC}8b${ESC}(Bc${ESC}cd`)).toBe('abcd');
    expect(sanitizeLine(`end${ESC}`)).toBe('end');
    // C1 CSI and OSC
    expect(sanitizeLine('a\x9b2Jb\x9d0;t\x9cc')).toBe('abc');
  });

  it('removes C0 controls except tab, DEL, and bidi overrides', () => {
    expect(sanitizeLine('a\x00b\x07c\x08d\x7fe\tf')).toBe('abcde\tf');
    expect(sanitizeLine('admin\u202egnp.exe')).toBe('admingnp.exe');
  });

  it('keeps SGR only when asked', () => {
    const red = `${ESC}[31mFAIL${ESC}[0m`;
    expect(sanitizeLine(red)).toBe('FAIL');
    expect(sanitizeLine(red, 2000, { keepSgr: true })).toBe(red);
    expect(sanitizeLine(`${ESC}[31m${ESC}[2Jx`, 2000, { keepSgr: true })).toBe(`${ESC}[31mx`);
    expect(stripSgr(red)).toBe('FAIL');
  });

  it('shows the last state of a \\r progress redraw', () => {
    expect(sanitizeLine('10%\r50%\r100% done')).toBe('100% done');
    expect(sanitizeLine('Downloading 42%\r')).toBe('Downloading 42%');
    expect(sanitizeLine(`\r${ESC}[2K 3/3 pulled`)).toBe(' 3/3 pulled');
  });

  it('caps the length with a marker, counting visible characters', () => {
    const out = sanitizeLine('x'.repeat(50), 10);
    expect(out).toBe('x'.repeat(10) + '… [+40 chars]');
    // escape sequences do not count, surrogate pairs are not split
    expect(sanitizeLine(`${ESC}[2J` + '🚀'.repeat(5), 3)).toBe('🚀🚀🚀… [+2 chars]');
  });
});

describe('visibleControls', () => {
  it('shows every control and escape sequence instead of letting a terminal interpret it', () => {
    expect(visibleControls('title \x1b]0;pwned\x07 ok')).toBe('title ␛]0;pwned␇ ok');
    expect(visibleControls('\x1b]52;c;ZXZpbA==\x1b\\')).toBe('␛]52;c;ZXZpbA==␛\\');
    expect(visibleControls('a\tb\rc\x00d\x7fe')).toBe('a␉b␍c␀d␡e');
    expect(visibleControls('\x9b31m \x9d8;;x\x9c')).toBe('␛[31m ␛]8;;x␛\\');
    expect(visibleControls('abc\u202Efed')).toBe('abc<U+202E>fed');
    expect(visibleControls('two\nlines')).toBe('two\nlines');
    const once = visibleControls('\x1b[2J\x07');
    expect(visibleControls(once)).toBe(once);
    expect(once).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
  });
});
