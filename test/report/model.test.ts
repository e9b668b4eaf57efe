import canonicalize from 'canonicalize';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readJournal } from '../../src/engine/journal.js';
import { createRunner } from '../../src/engine/runner.js';
import type { Session } from '../../src/engine/session-api.js';
import { replaySession } from '../../src/engine/session.js';
import { deriveReport, firstDifference } from '../../src/report/model.js';
import { CAPTAIN, runShopSession } from './helpers/session.js';

let root: string;
let session: Session;

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'rt-model-'));
  session = await runShopSession(path.join(root, 'work'), 'model-secret', { only: ['1.2', '2.2'] });
  await createRunner({ session, vars: { greeting: 'hello', apiToken: 'model-secret' }, secretVars: ['apiToken'] }).run(['2.2']);
  await session.record({ type: 'note', data: { text: 'second run of 2.2 after a fix attempt', by: CAPTAIN } });
}, 120_000);
afterAll(async () => {
  await session?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('deriveReport', () => {
  it('is a pure function of the journal: the live session, and a copy replayed elsewhere years later, give the same bytes', async () => {
    // what the running session holds (its live store, reduced as each event was recorded)
    const j = await readJournal(path.join(session.dir, 'journal.jsonl'));
    const { outputVersion: _v, messages: _m, ...liveState } = session.store.store.getState();
    const live = deriveReport({ checklist: session.checklist, state: liveState, records: j.records, head: j.head });
    // a copy of the session directory, replayed from its files in another place with the clock far ahead
    const copy = path.join(root, 'copied-session');
    cpSync(session.dir, copy, { recursive: true });
    vi.useFakeTimers({ toFake: ['Date'] });
    let replayed: ReturnType<typeof deriveReport>;
    try {
      vi.setSystemTime(new Date('2099-06-01T00:00:00Z'));
      replayed = deriveReport(await replaySession(copy));
    } finally {
      vi.useRealTimers();
    }
    expect(firstDifference(live, replayed)).toBeUndefined();
    expect(canonicalize(replayed)).toBe(canonicalize(live));
    // and the bytes are about this session, not empty ones
    expect(live.session.id).toBe(session.id);
    expect(live.journal).toEqual({ head: j.head, count: j.records.length });
  });

  it('keeps every attempt with its times, and totals durations against estimates', async () => {
    const m = deriveReport(await replaySession(session.dir));
    const items = Object.fromEntries(m.blocks.flatMap((b) => b.items).map((i) => [i.id, i]));
    const flaky = items['2.2']!;
    expect(flaky.attempts.map((a) => a.verdict)).toEqual(['fail', 'fail']);
    for (const a of flaky.attempts) {
      expect(Date.parse(a.startedAt!)).toBeLessThanOrEqual(Date.parse(a.finishedAt));
      expect(a.evidence).toHaveLength(1);
    }
    expect(flaky.attempts[0]!.evidence[0]!.path).not.toBe(flaky.attempts[1]!.evidence[0]!.path);
    expect(flaky.durationMs).toBe(flaky.attempts[0]!.durationMs + flaky.attempts[1]!.durationMs);
    expect(flaky.evidence).toEqual(flaky.attempts[1]!.evidence);
    expect(items['1.1']!.status).toBe('pending');
    expect(items['1.2']!.status).toBe('needs-signoff');
    expect(m.blocks[0]!.estimateMs).toBe(120_000);
    expect(m.totals.estimateMs).toBe(60_000 + 60_000 + 30 * 60_000);
    expect(m.totals.byStatus).toMatchObject({ pending: 2, 'needs-signoff': 2, fail: 1 });
    expect(m.decision).toMatchObject({ decision: 'INCOMPLETE', final: false });
    expect(m.notes).toEqual([expect.objectContaining({ by: CAPTAIN, text: 'second run of 2.2 after a fix attempt' })]);
    expect(m.session).toMatchObject({ id: session.id, startedBy: CAPTAIN, mode: 'ci', sandbox: false });
    expect(m.journal.count).toBeGreaterThan(5);
    expect(m.journal.head).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('points at the first difference between two records', () => {
    expect(firstDifference({ a: [1, { b: 2 }] }, { a: [1, { b: 3 }] })).toBe('a[1].b');
    expect(firstDifference({ a: 1 }, { a: 1, c: 2 })).toBe('c');
    expect(firstDifference([1], [1, 2])).toBe('.length');
  });
});

describe('a regression found by the watch, in the report', () => {
  it('the watch run is an attempt with trigger watch; the item carries the regression; report.html says so', async () => {
    const { openSession } = await import('../../src/engine/session.js');
    const { buildReport } = await import('../../src/report/model.js');
    const { renderHtml } = await import('../../src/report/html.js');
    const work = path.join(root, 'watch-regression');
    const s = await openSession({ checklist: session.checklist, stateDir: path.join(work, 'state'), mode: 'tui', vars: {}, secretVars: [], operator: CAPTAIN, owner: true });
    try {
      const ev = (n: number) => [{ path: `evidence/1.2/${n}.log`, sha256: String(n).repeat(64), bytes: 1 }];
      await s.record({ type: 'item.start', data: { item: '1.2', attempt: 1, describe: 'x' } } as never);
      await s.record({ type: 'item.result', data: { item: '1.2', attempt: 1, verdict: 'pass', summary: '3/3 nodes Ready', durationMs: 5, evidence: ev(1) } } as never);
      await s.record({ type: 'item.start', data: { item: '1.2', attempt: 2, describe: 'x', trigger: 'watch' } } as never);
      await s.record({ type: 'item.result', data: { item: '1.2', attempt: 2, verdict: 'fail', summary: '2/3 nodes Ready', durationMs: 5, evidence: ev(2) } } as never);
      const m = buildReport(await replaySession(s.dir), { generatedAt: new Date().toISOString(), interim: true, signature: { status: 'unsigned', namespace: 'file', reason: 'test' } });
      const item = m.blocks.flatMap((b) => b.items).find((i) => i.id === '1.2')!;
      expect(item.attempts.map((a) => [a.attempt, a.verdict, a.trigger])).toEqual([
        [1, 'pass', undefined],
        [2, 'fail', 'watch'],
      ]);
      expect(item.regression).toMatchObject({ verdict: 'fail', summary: '2/3 nodes Ready' });
      const html = renderHtml(m, new Map());
      expect(html).toContain('(watch re-check) 2/3 nodes Ready');
      expect(html).toMatch(/passed before; the regression watch re-checked it at [^:]+:\d\d:[\d.]+Z: FAIL — 2\/3 nodes Ready/);
    } finally {
      await s.close();
    }
  });
});
