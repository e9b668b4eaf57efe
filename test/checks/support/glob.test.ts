import { describe, expect, it } from 'vitest';
import { PathMatcher, ignoreFileLines } from '../../../src/checks/support/glob.js';

describe('PathMatcher (gitignore-style)', () => {
  it('matches names at any depth, anchors patterns with a slash, dir-only, negation, ** and braces', () => {
    const m = new PathMatcher(['node_modules/', '*.log', '/build', 'docs/**/*.md', '!docs/keep.md', 'a/{x,y}.txt']);
    expect(m.matches('node_modules', true)).toBe(true);
    expect(m.matches('pkg/node_modules/x.js')).toBe(true);
    expect(m.matches('node_modules')).toBe(false); // a file named node_modules is not a directory
    expect(m.matches('deep/dir/server.log')).toBe(true);
    expect(m.matches('build/out.js')).toBe(true);
    expect(m.matches('src/build/out.js')).toBe(false);
    expect(m.matches('docs/a/b/readme.md')).toBe(true);
    expect(m.matches('docs/keep.md')).toBe(false);
    expect(m.matches('a/y.txt')).toBe(true);
    expect(m.matches('a/z.txt')).toBe(false);
    expect(new PathMatcher(['**/*']).matches('any/where/file.txt')).toBe(true);
  });

  it('an empty pattern list matches nothing; comments and blanks in ignore files are dropped', () => {
    expect(new PathMatcher([]).matches('a')).toBe(false);
    expect(ignoreFileLines('# build output\n\ndist/\n*.log  \n')).toEqual(['dist/', '*.log']);
  });

  it('character classes and ? stay within one segment', () => {
    const m = new PathMatcher(['file[0-9].txt', 'a?c']);
    expect(m.matches('x/file7.txt')).toBe(true);
    expect(m.matches('x/fileA.txt')).toBe(false);
    expect(m.matches('abc')).toBe(true);
    expect(m.matches('a/c')).toBe(false);
  });
});
