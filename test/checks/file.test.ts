import { mkdir, symlink, writeFile } from 'node:fs/promises';
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
