import { describe, expect, it } from 'vitest';
import { STATUSES } from '../../src/engine/status.js';
import { width } from '../../src/ui/format.js';
import { asciiBox, colorEnabled, detectTheme, fg, localeIsUtf8, looksLikeProduction, statusSymbol, statusText } from '../../src/ui/theme.js';

describe('theme', () => {
  it('turns colour off for --no-color, NO_COLOR, FORCE_COLOR=0 and TERM=dumb', () => {
    expect(colorEnabled({ TERM: 'xterm-256color' })).toBe(true);
    expect(colorEnabled({ TERM: 'xterm-256color' }, false)).toBe(false);
    expect(colorEnabled({ NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled({ NO_COLOR: '' })).toBe(true); // no-color.org: only a non-empty value counts
    expect(colorEnabled({ FORCE_COLOR: '0' })).toBe(false);
    expect(colorEnabled({ TERM: 'dumb' })).toBe(false);
    expect(fg(detectTheme({ NO_COLOR: '1', LANG: 'C.UTF-8' }), 'bad')).toBeUndefined();
    expect(fg(detectTheme({ LANG: 'C.UTF-8' }), 'bad')).toBe('red');
  });

  it('falls back to ASCII when the locale is not UTF-8 or on the Linux console', () => {
    expect(localeIsUtf8({ LANG: 'en_US.UTF-8' })).toBe(true);
    expect(localeIsUtf8({ LC_ALL: 'C', LANG: 'en_US.UTF-8' })).toBe(false);
    expect(localeIsUtf8({})).toBe(false);
    expect(localeIsUtf8({ LANG: 'C.UTF-8', TERM: 'linux' })).toBe(false);
    expect(detectTheme({ LANG: 'POSIX' }).ascii).toBe(true);
    expect(detectTheme({ LANG: 'C.UTF-8' }, { ascii: true }).ascii).toBe(true);
  });

  it('screen-reader mode: ASCII, no animation', () => {
    const t = detectTheme({ LANG: 'C.UTF-8', INK_SCREEN_READER: 'true' });
    expect(t).toMatchObject({ screenReader: true, ascii: true, animation: false });
  });

  it('every status reads without colour: a one-cell symbol and a word', () => {
    const uni = detectTheme({ LANG: 'C.UTF-8' });
    const asc = detectTheme({ LANG: 'C' });
    const words = new Set<string>();
    for (const s of STATUSES) {
      expect(width(statusSymbol(uni, s))).toBe(1);
      expect(statusSymbol(asc, s)).toMatch(/^[\x20-\x7e]$/);
      words.add(statusText(uni, s).split(' ')[1]!);
    }
    expect(words.size).toBe(STATUSES.length);
  });

  it('production-looking context names are recognised', () => {
    for (const n of ['production', 'prod', 'gke_shop_europe-west1_prod-eu', 'prd-1', 'live', 'eu-live-2', 'PROD']) expect(looksLikeProduction(n)).toBe(true);
    for (const n of ['staging', 'dev', 'kind-e2e', 'delivery', 'olive', undefined]) expect(looksLikeProduction(n)).toBe(false);
  });

  it('maps box drawing to ASCII', () => {
    expect(asciiBox('┌──┬──┐│├┼┤└┴┘')).toBe('+--+--+|++++++');
  });
});
