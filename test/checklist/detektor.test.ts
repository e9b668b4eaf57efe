/** The shipped detektor checklist: the seed's blocks, items, metrics, estimates, references, and a sound graph. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { validateFile, validateSource } from '../../src/checklist/validate.js';
import { KINDS } from '../../src/checks/index.js';
import { checklistSchema } from '../../src/checklist/schema.js';
import { formatProblem } from '../../src/checklist/errors.js';

const repo = path.resolve(import.meta.dirname, '../..');
const file = path.join(repo, 'checklist/detektor.yaml');
const seed = readFileSync(path.join(repo, 'test/fixtures/seed/000_30c046164ca06b8e.txt'), 'utf8');

describe('checklist/detektor.yaml', () => {
  const text = readFileSync(file, 'utf8');

  it('starts with the yaml-language-server schema line', () => {
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./schema.json');
  });

  it('validates: no errors (kinds still placeholders at this stage are the only tolerated refusal)', async () => {
    const { problems } = await validateFile(file, KINDS);
    const errors = problems.filter((p) => p.severity === 'error' && !/is not implemented in this version$/.test(p.message));
    expect(errors.map(formatProblem)).toEqual([]);
  });

  it('item positions point at the item\'s `id:` line', () => {
    const r = validateSource(Buffer.from(text), 'detektor.yaml', KINDS);
    expect(r.checklist).toBeDefined();
    const lines = text.split('\n');
    for (const it of r.checklist?.blocks.flatMap((b) => b.items) ?? []) {
      expect(lines[it.pos.line - 1]!.slice(it.pos.col - 1), it.id).toBe(`id: "${it.id}"`);
    }
  });

  it('matches the structure of the seed', () => {
    const raw = checklistSchema.parse(parse(text));
    expect(raw.blocks.map((b) => b.id)).toEqual(['0', '1', '2', '3', '4']);
    expect(raw.blocks.map((b) => b.title)).toEqual([
      'Prerequisites check',
      'Security hardening',
      'Reliability engineering',
      'Observability completeness',
      'Operational readiness',
    ]);
    const items = raw.blocks.flatMap((b) => b.items);
    expect(items.map((i) => i.id)).toEqual(['0.1', '0.2', '1.1', '1.2', '1.3', '2.1', '2.2', '2.3', '3.1', '3.2', '3.3', '4.1', '4.2', '4.3']);
    // every title, metric and estimate is the seed's
    for (const it of items) {
      expect(seed, it.id).toContain(`**[ ] ${it.title}**`);
      expect(seed, it.id).toContain(`**Metryka**: ${it.metric}`);
      expect(seed, it.id).toContain(`**Czas**: ${it.estimate}`);
      // the reference is the seed's validation code (first line verbatim)
      const first = it.reference!.split('\n')[0]!.trim();
      expect(seed, it.id).toContain(first);
      expect(it.blocking ?? true).toBe(true);
    }
    for (const b of raw.blocks) expect(b.successMetrics!.length, b.id).toBe(b.id === '0' ? 2 : 3);
    expect(raw.successMetrics).toHaveLength(3);
    expect(raw.deliverables!.map((d) => d.path)).toEqual([
      'docs/production-runbook.md',
      'scripts/remediation/',
      'dashboards/slo-tracking.json',
      'configs/security/',
      'reports/production-readiness.html',
    ]);
    expect(raw.risks!.map((r) => r.risk)).toEqual(['Security breach', 'Data loss', 'Extended downtime']);
    expect(raw.rollback!.steps).toHaveLength(4);
    expect(raw.rollback!.detection).toHaveLength(3);
    expect(raw.rollback!.time).toBe('Variable by issue type');
  });

  it('has the seed values as variable defaults and secrets without defaults', () => {
    const raw = checklistSchema.parse(parse(text));
    const v = raw.vars!;
    expect(v.image!.default).toBe('detektor:latest');
    expect(v.kubeContext!.default).toBe('production');
    expect(v.namespace!.default).toBe('detektor');
    expect(v.grafanaUrl!.default).toBe('http://grafana:3000');
    expect(v.sloDashboardUid!.default).toBe('slo-dashboard');
    expect(v.scriptsDir!.default).toBe('./scripts');
    for (const s of ['grafanaToken', 'vaultToken']) {
      expect(v[s]!.secret).toBe(true);
      expect(v[s]!.default).toBeUndefined();
    }
  });

  it('4.3 is the signed decision depending on every other item; 4.2 DR is mutating', () => {
    const raw = checklistSchema.parse(parse(text));
    const items = raw.blocks.flatMap((b) => b.items);
    const last = items.find((i) => i.id === '4.3')!;
    expect(last.check!.kind).toBe('manual');
    expect(last.signoff).toBe('required');
    expect(last.signoffRoles).toEqual(['release-captain']);
    expect([...(last.dependsOn as string[])].sort()).toEqual(items.filter((i) => i.id !== '4.3').map((i) => i.id).sort());
    const dr = items.find((i) => i.id === '4.2')!;
    expect(dr.check!.mutating).toBe(true);
  });
});
