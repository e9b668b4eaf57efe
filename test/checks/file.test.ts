import { mkdir, symlink, truncate, utimes, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { file } from '../../src/checks/file.js';
import { CheckError } from '../../src/checks/contract.js';
import { evaluateExpect } from '../../src/checklist/expect.js';
import { glob } from '../../src/checks/support/fs-glob.js';
import { basicContext, runKind } from '../support/check-context-basic.js';

async function tree(root: string): Promise<void> {
  await mkdir(path.join(root, 'docs/ops'), { recursive: true });
  await mkdir(path.join(root, 'dashboards'), { recursive: true });
  await mkdir(path.join(root, 'scripts/remediation'), { recursive: true });
  await writeFile(path.join(root, 'docs/production-runbook.md'), '# Runbook\n');
  await writeFile(path.join(root, 'docs/ops/oncall.md'), '# On call\n');
  await writeFile(path.join(root, 'docs/.hidden.md'), 'x');
  await writeFile(path.join(root, 'dashboards/slo-tracking.json'), JSON.stringify({ panels: [1, 2, 3, 4] }));
  await writeFile(path.join(root, 'dashboards/broken.json'), '{"panels": [1,');
  await writeFile(path.join(root, 'policy.yaml'), 'kind: NetworkPolicy\nspec:\n  podSelector: {}\n');
  await symlink(root, path.join(root, 'docs/loop')); // a link loop must not hang `**`
}

describe('file kind', () => {
  it('finds a deliverable, parses JSON, and the default expect passes', async () => {
    const ctx = await basicContext();
    try {
      await tree(ctx.cwd);
      const out = await runKind(file, { path: 'dashboards/slo-tracking.json', parse: 'json' }, ctx);
      expect(out.result).toMatchObject({ exists: true, paths: ['dashboards/slo-tracking.json'], count: 1, parseError: null });
      expect(out.result.content).toEqual({ panels: [1, 2, 3, 4] });
      expect((await evaluateExpect(file.defaultExpect, out.result)).ok).toBe(true);
      expect((await evaluateExpect('$count(content.panels) >= 4', out.result)).ok).toBe(true);
    } finally {
      await ctx.dispose();
    }
  });

  it('a missing or unparsable deliverable fails the default expect (it is not an error)', async () => {
    const ctx = await basicContext();
    try {
      await tree(ctx.cwd);
      const missing = await runKind(file, { path: 'docs/missing.md' }, ctx);
      expect(missing.result.exists).toBe(false);
      expect(missing.summary).toContain('not found');
      expect((await evaluateExpect(file.defaultExpect, missing.result)).ok).toBe(false);
      const broken = await runKind(file, { path: 'dashboards/broken.json', parse: 'json' }, ctx);
      expect(broken.result.exists).toBe(true);
      expect(String(broken.result.parseError)).toContain('broken.json');
      expect((await evaluateExpect(file.defaultExpect, broken.result)).ok).toBe(false);
    } finally {
      await ctx.dispose();
    }
  });

  it('matches globs (*, **, {a,b}, directories with a trailing slash) and parses YAML', async () => {
    const ctx = await basicContext();
    try {
      await tree(ctx.cwd);
      const md = await runKind(file, { path: 'docs/**/*.md' }, ctx);
      expect(md.result.paths).toEqual(['docs/ops/oncall.md', 'docs/production-runbook.md']);
      const dir = await runKind(file, { path: 'scripts/remediation/' }, ctx);
      expect(dir.result).toMatchObject({ exists: true, paths: ['scripts/remediation'] });
      const notDir = await runKind(file, { path: 'policy.yaml', type: 'dir' }, ctx);
      expect(notDir.result.exists).toBe(false);
      const y = await runKind(file, { path: '{policy,other}.y*ml', parse: 'yaml' }, ctx);
      expect(y.result.content).toEqual({ kind: 'NetworkPolicy', spec: { podSelector: {} } });
      expect(glob('docs/*', { cwd: ctx.cwd })).toEqual(['docs/loop', 'docs/ops', 'docs/production-runbook.md']);
      expect(glob('docs/.*', { cwd: ctx.cwd })).toEqual(['docs/.hidden.md']);
      expect(glob(path.join(ctx.cwd, 'dash*/s?o-*.json'), { cwd: '/' })).toEqual([path.join(ctx.cwd, 'dashboards/slo-tracking.json')]);
    } finally {
      await ctx.dispose();
    }
  });

  it('an unreadable base directory is an error', async () => {
    const ctx = await basicContext();
    try {
      const err = await runKind(file, { path: 'x', cwd: 'no/such/base' }, ctx).catch((e) => e);
      expect(err).toBeInstanceOf(CheckError);
      expect(err.message).toContain('base directory not found');
    } finally {
      await ctx.dispose();
    }
  });
});

describe('file kind: results, summaries and parse errors, exactly', () => {
  it('each match is described (type, bytes, modified); type file/dir/any filter; summary and measured', async () => {
    const ctx = await basicContext();
    try {
      await mkdir(path.join(ctx.cwd, 'base/docs/sub'), { recursive: true });
      await writeFile(path.join(ctx.cwd, 'base/docs/a.md'), 'hello');
      await utimes(path.join(ctx.cwd, 'base/docs/a.md'), new Date('2024-01-02T03:04:05Z'), new Date('2024-01-02T03:04:05Z'));
      await symlink('nowhere', path.join(ctx.cwd, 'base/docs/dangling'));
      execFileSync('mkfifo', [path.join(ctx.cwd, 'base/docs/pipe')]);
      const any = await runKind(file, { path: 'docs/*', cwd: 'base' }, ctx);
      expect(any.result.files).toEqual([
        { path: 'docs/a.md', type: 'file', bytes: 5, modified: '2024-01-02T03:04:05.000Z' },
        { path: 'docs/dangling', type: 'other', bytes: 0, modified: null },
        { path: 'docs/pipe', type: 'other', bytes: 0, modified: expect.any(String) },
        { path: 'docs/sub', type: 'dir', bytes: expect.any(Number), modified: expect.any(String) },
      ]);
      expect(any.result).toMatchObject({ exists: true, count: 4, paths: ['docs/a.md', 'docs/dangling', 'docs/pipe', 'docs/sub'], content: null, parseError: null });
      expect(any.summary).toBe('found 4 matches for docs/*');
      expect(any.measured).toBe('4 matches');
      expect(ctx.lines.map((l) => l.line).slice(0, 2)).toEqual(['file docs/a.md (5 bytes)', 'file docs/dangling (0 bytes)']);
      expect(ctx.lines[3]!.line).toMatch(/^dir  docs\/sub \(\d+ bytes\)$/);
      const files = await runKind(file, { path: 'docs/*', cwd: 'base', type: 'file' }, ctx);
      expect(files.result.paths).toEqual(['docs/a.md']);
      expect(files.summary).toBe('found docs/a.md');
      expect(files.measured).toBe('1 match');
      const dirs = await runKind(file, { path: 'docs/*', cwd: 'base', type: 'dir' }, ctx);
      expect(dirs.result.paths).toEqual(['docs/sub']);
      const none = await runKind(file, { path: 'docs/*.txt', cwd: 'base' }, ctx);
      expect(none.result).toEqual({ exists: false, paths: [], count: 0, files: [], content: null, parseError: null });
      expect(none.summary).toBe('not found: docs/*.txt');
      expect(none.measured).toBe('0 matches');
    } finally {
      await ctx.dispose();
    }
  });

  it('more than 200 matches: 200 listed and a count of the rest', async () => {
    const ctx = await basicContext();
    try {
      await mkdir(path.join(ctx.cwd, 'm'));
      for (let i = 0; i < 203; i++) await writeFile(path.join(ctx.cwd, 'm', `${String(i).padStart(3, '0')}.txt`), '');
      const out = await runKind(file, { path: 'm/*.txt' }, ctx);
      expect(out.result.count).toBe(203);
      expect(ctx.lines).toHaveLength(201);
      expect(ctx.lines[199]!.line).toBe('file m/199.txt (0 bytes)');
      expect(ctx.lines[200]!.line).toBe('… 3 more');
      await runKind(file, { path: 'm/0*.txt' }, ctx);
      expect(ctx.lines).toHaveLength(301);
    } finally {
      await ctx.dispose();
    }
  });

  it('parse: text, the first regular file, no file to parse, a file too large, a parse error (emitted, first line only)', async () => {
    const ctx = await basicContext();
    try {
      await mkdir(path.join(ctx.cwd, 'd/a-dir'), { recursive: true });
      await writeFile(path.join(ctx.cwd, 'd/b.txt'), 'plain text\n');
      await writeFile(path.join(ctx.cwd, 'd/c.yaml'), 'a: [1\nb: 2\n');
      const text = await runKind(file, { path: 'd/*', parse: 'text' }, ctx);
      expect(text.result.content).toBe('plain text\n');
      expect(text.result.parseError).toBeNull();
      const dirOnly = await runKind(file, { path: 'd/a-dir', parse: 'json' }, ctx);
      expect(dirOnly.result.parseError).toBe('no regular file to parse among the matches');
      expect(dirOnly.summary).toBe('found d/a-dir, but no regular file to parse among the matches');
      const nothing = await runKind(file, { path: 'd/none', parse: 'json' }, ctx);
      expect(nothing.result.parseError).toBe('nothing to parse: no match');
      expect(nothing.summary).toBe('not found: d/none');
      const yaml = await runKind(file, { path: 'd/c.yaml', parse: 'yaml' }, ctx);
      expect(yaml.result.parseError).toMatch(/^d\/c\.yaml: [^\n]+$/);
      expect(yaml.result.content).toBeNull();
      expect(ctx.lines.filter((l) => l.stream === 'stderr').map((l) => l.line)).toEqual([`parse error: ${yaml.result.parseError}`]);
      const two = await runKind(file, { path: 'd/*.*', parse: 'json' }, ctx);
      expect(two.result.parseError).toMatch(/^d\/b\.txt: /);
      expect(two.summary).toBe(`found 2 matches, but ${two.result.parseError}`);
      await truncate(path.join(ctx.cwd, 'd/b.txt'), 10 * 1024 * 1024 + 1);
      const big = await runKind(file, { path: 'd/b.txt', parse: 'text' }, ctx);
      expect(big.result.parseError).toBe('d/b.txt is 10485761 bytes, more than the 10485760 parsed');
      expect(big.result.content).toBeNull();
      await truncate(path.join(ctx.cwd, 'd/b.txt'), 10 * 1024 * 1024);
      const edge = await runKind(file, { path: 'd/b.txt', parse: 'text' }, ctx);
      expect(edge.result.parseError).toBeNull();
      expect(edge.result.content).toHaveLength(10 * 1024 * 1024);
    } finally {
      await ctx.dispose();
    }
  });

  it('a trailing slash wants a directory; "/" is the root; a base that is a file is an error with its hint', async () => {
    const ctx = await basicContext();
    try {
      await writeFile(path.join(ctx.cwd, 'f'), 'x');
      const notDir = await runKind(file, { path: 'f/' }, ctx);
      expect(notDir.result.exists).toBe(false);
      const root = await runKind(file, { path: '/', type: 'dir' }, ctx);
      expect(root.result.paths).toEqual(['/']);
      const err = await runKind(file, { path: 'x', cwd: 'f' }, ctx).catch((e) => e);
      expect(err).toBeInstanceOf(CheckError);
      expect(err.message).toBe(`base directory not found: ${path.join(ctx.cwd, 'f')}`);
      expect(err.hint).toBe('fix `cwd` in the check (or the variable that sets it)');
    } finally {
      await ctx.dispose();
    }
  });
});
