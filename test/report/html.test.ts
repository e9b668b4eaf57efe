import { describe, expect, it } from 'vitest';
import { CSP, esc } from '../../src/report/html.js';

describe('HTML escaping', () => {
  it('escapes every markup character and removes control sequences', () => {
    expect(esc(`</script><img src=x onerror="alert('x')">&`)).toBe('&lt;/script&gt;&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;');
    // OSC 8 hyperlink, OSC 52 clipboard write, CSI cursor moves, C1 CSI
    expect(esc('a\x1b]8;;https://evil.example/\x07link\x1b]8;;\x07 \x1b]52;c;ZXZpbA==\x07\x1b[2J\x1b[Hb\x9b31mc')).toBe('alink bc');
    expect(esc(undefined)).toBe('');
  });

  it('the policy forbids scripts, remote loads and forms', () => {
    expect(CSP).toMatch(/^default-src 'none';/);
    expect(CSP).not.toMatch(/script-src|unsafe-eval|https?:/);
  });
});
