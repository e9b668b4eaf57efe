import { describe, expect, it } from 'vitest';
import { xml } from '../../src/report/junit.js';

describe('junit XML escaping', () => {
  it('escapes markup and drops characters XML 1.0 cannot carry', () => {
    expect(xml('<a href="x">&\'</a>')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;');
    expect(xml('bell\x07 nul\x00 esc\x1b[31mred\x1b[0m vt\x0b')).toBe('bell nul escred vt');
    expect(xml(']]> CDATA end')).toBe(']]&gt; CDATA end');
    expect(xml(undefined)).toBe('');
  });
});
