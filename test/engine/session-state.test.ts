/** The one reducer keeps the deliverables: listed from the checklist, updated by deliverable events, never deciding. */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Checklist } from '../../src/checklist/model.js';
import type { JournalEvent } from '../../src/engine/events.js';
import { initialState, reduce, type SessionState } from '../../src/engine/session-state.js';
import { cmd, makeChecklist } from './helpers/checklist.js';

const fileCheck = (p: string) => ({ kind: 'file', params: { path: p, type: 'any' as const }, mutating: false });

function checklist(): Checklist {
  const c = makeChecklist('/tmp/rt-reducer', [{ id: '1', check: cmd('true') }]);
  c.deliverables = [
    { path: 'docs/runbook.md', description: 'Operations guide', check: fileCheck('docs/runbook.md') },
    { path: 'dashboards/slo.json', check: fileCheck('dashboards/slo.json') },
    { path: 'reports/final.html', description: 'the report' },
  ];
  return c;
}

let seq = 0;
beforeEach(() => {
  seq = 0;
});
const ts = () => new Date(Date.parse('2026-11-27T10:00:00Z') + seq * 1000).toISOString();
function apply(s: SessionState, c: Checklist, e: Omit<JournalEvent, 'ts' | 'actor'>): SessionState {
  return reduce(s, { ...e, ts: ts(), actor: 'alice' } as JournalEvent, seq++, c);
}
const ev = (i: number, a: number) => [{ path: `evidence/_deliverable-${i}/${a}.log`, sha256: 'ab'.repeat(32), bytes: 10 }];

describe('reducer: deliverables', () => {
  it('lists every deliverable from the checklist: pending with a check, unchecked without', () => {
    const s = initialState(checklist());
    expect(s.deliverables).toEqual([
      { index: 0, path: 'docs/runbook.md', description: 'Operations guide', hasCheck: true, status: 'pending', attempt: 0 },
      { index: 1, path: 'dashboards/slo.json', hasCheck: true, status: 'pending', attempt: 0 },
      { index: 2, path: 'reports/final.html', description: 'the report', hasCheck: false, status: 'unchecked', attempt: 0 },
    ]);
  });

  it('start → running, result → its verdict with evidence and time; the decision only follows items', () => {
    const c = checklist();
    let s = initialState(c);
    s = apply(s, c, { type: 'item.start', data: { item: '1', attempt: 1, describe: 'true' } });
    s = apply(s, c, { type: 'item.result', data: { item: '1', attempt: 1, verdict: 'pass', summary: 'ok', durationMs: 5, evidence: [] } });
    s = apply(s, c, { type: 'deliverable.start', data: { index: 1, path: 'dashboards/slo.json', attempt: 1, describe: 'test -e dashboards/slo.json' } });
    expect(s.deliverables[1]).toMatchObject({ status: 'running', attempt: 1, describe: 'test -e dashboards/slo.json' });
    s = apply(s, c, {
      type: 'deliverable.result',
      data: { index: 1, path: 'dashboards/slo.json', attempt: 1, verdict: 'fail', summary: 'not found: dashboards/slo.json', durationMs: 3, evidence: ev(1, 1) },
    });
    const d = s.deliverables[1]!;
    expect(d).toMatchObject({ status: 'fail', attempt: 1, checkedAt: '2026-11-27T10:00:03.000Z' });
    expect(d.result?.summary).toBe('not found: dashboards/slo.json');
    expect(d.result?.evidence).toEqual(ev(1, 1));
    expect(s.decision).toBe('GO');
    expect(s.deciding).toEqual([]);
    expect(s.deliverables[0]!.status).toBe('pending');
  });

  it('a cancelled check is skipped, or keeps the verdict before it; a resume clears a check that was running', () => {
    const c = checklist();
    let s = initialState(c);
    s = apply(s, c, { type: 'deliverable.start', data: { index: 0, path: 'docs/runbook.md', attempt: 1, describe: 'x' } });
    s = apply(s, c, { type: 'deliverable.skip', data: { index: 0, path: 'docs/runbook.md', reason: 'cancelled by alice' } });
    expect(s.deliverables[0]).toMatchObject({ status: 'skipped', skip: { reason: 'cancelled by alice' } });
    s = apply(s, c, { type: 'deliverable.start', data: { index: 0, path: 'docs/runbook.md', attempt: 2, describe: 'x' } });
    expect(s.deliverables[0]!.skip).toBeUndefined();
    s = apply(s, c, { type: 'deliverable.result', data: { index: 0, path: 'docs/runbook.md', attempt: 2, verdict: 'pass', summary: 'found', durationMs: 1, evidence: ev(0, 2) } });
    s = apply(s, c, { type: 'deliverable.start', data: { index: 0, path: 'docs/runbook.md', attempt: 3, describe: 'x' } });
    s = apply(s, c, { type: 'deliverable.skip', data: { index: 0, path: 'docs/runbook.md', reason: 'cancelled by alice' } });
    expect(s.deliverables[0]).toMatchObject({ status: 'pass', attempt: 3 });
    s = apply(s, c, { type: 'deliverable.start', data: { index: 1, path: 'dashboards/slo.json', attempt: 1, describe: 'x' } });
    s = apply(s, c, { type: 'session.resume', data: { pid: 1, mode: 'ci' } });
    expect(s.deliverables[1]).toMatchObject({ status: 'pending', attempt: 1 });
  });

  it('ignores an event whose index and path do not name a checked deliverable of this checklist', () => {
    const c = checklist();
    let s = initialState(c);
    const before = s.deliverables;
    s = apply(s, c, { type: 'deliverable.result', data: { index: 0, path: 'docs/other.md', attempt: 1, verdict: 'pass', summary: 'x', durationMs: 1, evidence: [] } });
    s = apply(s, c, { type: 'deliverable.result', data: { index: 7, path: 'docs/runbook.md', attempt: 1, verdict: 'pass', summary: 'x', durationMs: 1, evidence: [] } });
    s = apply(s, c, { type: 'deliverable.result', data: { index: 2, path: 'reports/final.html', attempt: 1, verdict: 'pass', summary: 'x', durationMs: 1, evidence: [] } });
    expect(s.deliverables).toEqual(before);
  });
});
