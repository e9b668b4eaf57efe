import { describe, expect, it } from 'vitest';
import { fence, mdCell, mdText } from '../../src/report/markdown.js';

describe('markdown escaping', () => {
  it('escapes table pipes and Markdown/HTML syntax in cells', () => {
    expect(mdCell('a | b')).toBe('a \\| b');
    expect(mdCell('<img src=x onerror=alert(1)>')).toBe('\\<img src=x onerror=alert\\(1\\)\\>');
    expect(mdCell('*bold* _it_ [link](http://x) `code`')).toBe('\\*bold\\* \\_it\\_ \\[link\\]\\(http://x\\) \\`code\\`');
    expect(mdCell('line1\nline2')).toBe('line1 line2');
  });

  it('neutralises @mentions and #123 autolinks but leaves e-mail addresses readable', () => {
    expect(mdText('ping @octocat and @org/team')).toBe('ping @\u200doctocat and @\u200dorg/team');
    expect(mdText('alice@example.com')).toBe('alice@example.com');
    expect(mdText('fixes #123')).toBe('fixes \\#\u200d123');
  });

  it('strips ANSI/OSC sequences', () => {
    expect(mdText('\x1b[31mred\x1b[0m \x1b]0;title\x07ok')).toBe('red ok');
  });

  it('uses a fence longer than any backtick run inside', () => {
    expect(fence('plain')).toBe('```text\nplain\n```');
    const f = fence('a ```` b ``` c');
    expect(f.startsWith('`````text\n')).toBe(true);
    expect(f.endsWith('\n`````')).toBe(true);
  });
});
