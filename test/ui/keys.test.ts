import { describe, expect, it } from 'vitest';
import { footerHints, helpRows, KEYMAP, toKeys } from '../../src/ui/keys.js';
import { fitHints } from '../../src/ui/components/Footer.js';

describe('toKeys (the root dispatcher input splitter)', () => {
  it('splits coalesced plain keys, mapping CR to Enter', () => {
    expect(toKeys('jj', {})).toEqual(['j', 'j']);
    expect(toKeys('j\r', {})).toEqual(['j', 'enter']);
    expect(toKeys('ab\x7f', {})).toEqual(['a', 'b', 'backspace']);
    expect(toKeys('\x03', {})).toEqual(['ctrl-c']);
  });

  it('names special keys from Ink flags', () => {
    expect(toKeys('', { upArrow: true })).toEqual(['up']);
    expect(toKeys('', { return: true })).toEqual(['enter']);
    expect(toKeys('', { tab: true, shift: true })).toEqual(['shift-tab']);
    expect(toKeys('', { escape: true })).toEqual(['escape']);
    expect(toKeys('', { delete: true })).toEqual(['backspace']);
    expect(toKeys('c', { ctrl: true })).toEqual(['ctrl-c']);
    expect(toKeys('', { pageDown: true })).toEqual(['pagedown']);
  });

  it('drops unparsed escape sequences instead of typing them', () => {
    expect(toKeys('\x1b[99~', {})).toEqual([]);
  });

  it('keeps multi-byte characters whole', () => {
    expect(toKeys('żó', {})).toEqual(['ż', 'ó']);
  });
});

describe('keymap', () => {
  it('every issue-3 key is bound', () => {
    const keys = new Set(KEYMAP.flatMap((b) => b.keys));
    for (const k of ['up', 'down', 'j', 'k', 'g', 'G', 'enter', 'escape', 'backspace', 'tab', 'r', 'R', 'A', 'c', 's', 'w', 'n', '/', '?', 'q', 'ctrl-c', 'pageup', 'pagedown', 'o', 'f'])
      expect(keys.has(k), k).toBe(true);
  });

  it('help and footer are generated from it, per screen', () => {
    const item = helpRows('item', false).map((r) => r.keys);
    expect(item).toContain('o');
    expect(helpRows('overview', false).map((r) => r.keys)).not.toContain('o');
    expect(footerHints('decision', false)[0]).toEqual({ keys: 'g', label: 'report' });
    expect(footerHints('overview', false).map((h) => h.label)).not.toContain('report');
  });

  it('the footer always keeps help and quit, dropping whole hints', () => {
    const s = fitHints(['↑↓ j/k move', '⏎ open', 'r run', 'R run block', '? help', 'q quit'], 30);
    expect(s.endsWith('? help  q quit')).toBe(true);
    expect(s.length).toBeLessThanOrEqual(30);
    expect(s).not.toMatch(/…/);
  });
});
