/**
 * The decision screen lists the deliverables (status symbol and word, path, what was found) from the real store fed
 * with deliverable events, at 80x24, without hiding the rollback plan; `A` asks for the deliverables after the items.
 */
import '../../support/no-ci.js';
import React from 'react';
import { describe, expect, it } from 'vitest';
import { App } from '../../../src/ui/app.js';
import { createUiStore } from '../../../src/ui/ui-store.js';
import type { Theme } from '../../../src/ui/theme.js';
import { renderTui, type Rendered } from '../../support/render.js';
import { newLive, recordingActions, testChecklist, type EventFeed, type RecordingActions, unmountAfterEach } from '../../support/ui-fixture.js';
import type { SessionStore } from '../../../src/engine/store.js';
import { signedBy } from '../../support/session-fixtures.js';

const MONO: Theme = { color: false, ascii: false, animation: true, screenReader: false };
const ASCII: Theme = { color: false, ascii: true, animation: true, screenReader: false };

const fileCheck = (path: string, extra: Record<string, unknown> = {}) => ({ kind: 'file', params: { path, type: 'any', ...extra }, mutating: false });

const checklist = () =>
  testChecklist({
    deliverables: [
      { path: 'docs/production-runbook.md', description: 'Operations guide', check: fileCheck('docs/production-runbook.md') },
      { path: 'dashboards/slo-tracking.json', description: 'SLO dashboard', check: fileCheck('dashboards/slo-tracking.json', { parse: 'json' }) },
      { path: 'configs/security/', description: 'Security policies', check: fileCheck('configs/security/') },
      { path: 'reports/production-readiness.html', description: 'Final report' },
    ],
  });

const keep = unmountAfterEach();

function deliverable(feed: EventFeed, index: number, path: string, verdict: 'pass' | 'fail' | 'error', summary: string): void {
  feed.apply({ type: 'deliverable.start', data: { index, path, attempt: 1, describe: `test -e ${path}` } } as never);
  feed.apply({
    type: 'deliverable.result',
    data: { index, path, attempt: 1, verdict, summary, durationMs: 3, evidence: [{ path: `evidence/_deliverable-${index}/1.log`, sha256: 'a'.repeat(64), bytes: 40 }] },
  } as never);
}

async function mount(theme: Theme, setup: (f: EventFeed) => void): Promise<{ r: Rendered; actions: RecordingActions; live: SessionStore }> {
  const { live, feed } = newLive(checklist());
  feed.start();
  setup(feed);
  const ui = createUiStore({ cols: 80, rows: 24 });
  const actions = recordingActions();
  const r = renderTui(<App live={live} ui={ui} actions={actions} theme={theme} />, { cols: 80, rows: 24 });
  keep(r, live);
  await r.waitFor('Shop cutover readiness');
  return { r, actions, live };
}

describe('decision screen: deliverables at 80x24', () => {
  it('lists each deliverable with symbol and word on NO-GO, and still shows the rollback plan', async () => {
    const { r } = await mount(MONO, (f) => {
      f.result('0.1', 'pass');
      f.result('0.2', 'fail');
      deliverable(f, 0, 'docs/production-runbook.md', 'pass', 'found docs/production-runbook.md');
      deliverable(f, 1, 'dashboards/slo-tracking.json', 'fail', 'found dashboards/slo-tracking.json, but Unexpected token');
    });
    await r.press('d');
    const s = await r.waitFor('Deliverables');
    expect(s).toMatch(/^ NO-GO\s*$/m);
    expect(s).toContain('Deliverables (not in the decision): 1 pass, 1 fail, 1 pending, 1 not checked');
    expect(s).toMatch(/✓ PASS\s+docs\/production-runbook\.md · Operations guide/);
    expect(s).toMatch(/✗ FAIL\s+dashboards\/slo-tracking\.json · found dashboards\/slo-tracking\.j/);
    expect(s).toMatch(/· PENDING\s+configs\/security\/ · Security policies/);
    expect(s).toMatch(/○ NOT CHECKED reports\/production-readiness\.html · Final report/);
    expect(s).toContain('Rollback plan (20 minutes):');
    expect(s).toContain('press g to generate the report bundle');
    // deliverables do not decide: only the blocking item is listed as deciding
    expect(s).toMatch(/Deciding blocking items \(\d+\)/);
    const lines = r.lines();
    expect(lines[23]).toBe('');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
  });

  it('GO is unchanged by a failed deliverable, and the ASCII theme has its own symbols', async () => {
    const { r } = await mount(ASCII, (f) => {
      for (const id of ['0.1', '0.2', '1.1', '1.2']) f.result(id, 'pass');
      f.apply({ type: 'signoff', data: { item: '0.2', decision: 'approve', comment: 'ok', by: 'bob@example.com', evidence: ['sha-0.2'], ...signedBy('bob@example.com') } } as never);
      f.apply({ type: 'signoff', data: { item: '0.3', decision: 'approve', comment: 'ok', by: 'bob@example.com', evidence: [], ...signedBy('bob@example.com') } } as never);
      deliverable(f, 0, 'docs/production-runbook.md', 'pass', 'found docs/production-runbook.md');
      deliverable(f, 1, 'dashboards/slo-tracking.json', 'fail', 'not found: dashboards/slo-tracking.json');
      deliverable(f, 2, 'configs/security/', 'error', 'base directory not found: /nope');
    });
    await r.press('d');
    const s = await r.waitFor('Deliverables');
    expect(s).toMatch(/^ GO\s*$/m);
    expect(s).toMatch(/\+ PASS\s+docs\/production-runbook\.md/);
    expect(s).toMatch(/x FAIL\s+dashboards\/slo-tracking\.json - not found: dashboards\/slo-track/);
    expect(s).toMatch(/! ERROR\s+configs\/security\/ - base directory not found: \/nope/);
    expect(s).toMatch(/o NOT CHECKED reports\/production-readiness\.html/);
    expect(r.lines()[23]).toBe('');
  });

  it('when the page is too full, lists only the deliverables that did not pass (the heading counts them all)', async () => {
    const many = testChecklist({
      deliverables: Array.from({ length: 9 }, (_, i) => ({ path: `docs/part-${i}.md`, check: fileCheck(`docs/part-${i}.md`) })),
    });
    const { live, feed } = newLive(many);
    feed.start();
    feed.result('0.2', 'fail');
    for (let i = 0; i < 9; i++) deliverable(feed, i, `docs/part-${i}.md`, i === 4 ? 'fail' : 'pass', i === 4 ? 'not found: docs/part-4.md' : `found docs/part-${i}.md`);
    const ui = createUiStore({ cols: 80, rows: 24 });
    const r = renderTui(<App live={live} ui={ui} actions={recordingActions()} theme={MONO} />, { cols: 80, rows: 24 });
    keep(r, live);
    await r.waitFor('Shop cutover readiness');
    await r.press('d');
    const s = await r.waitFor('Deliverables');
    expect(s).toContain('Deliverables (not in the decision): 8 pass, 1 fail');
    expect(s).toMatch(/✗ FAIL docs\/part-4\.md · not found: docs\/part-4\.md/);
    expect(s).not.toContain('docs/part-0.md');
    expect(s).toContain('Rollback plan (20 minutes):');
    expect(s).toContain('2. restore the database snapshot');
    expect(r.lines()[23]).toBe('');
  });

  it('A runs every automated item and asks for the deliverables after them (through the mutating confirmation too)', async () => {
    const { r, actions } = await mount(MONO, () => undefined);
    await r.press('A');
    await r.waitFor('This changes the environment');
    await r.press('y');
    const run = actions.calls.find((c) => c.name === 'run');
    expect(run?.args).toEqual([['0.1', '0.2', '1.1', '1.2'], { deliverables: true }]);
  });
});
