/**
 * The waiver rules on the one reducer's state, at an injected clock: a waiver bound to evidence turns stale when a
 * re-run changes it, a blocking item's waiver with `waiverApprovals` counts once other people (other keys) approved
 * it, and waiverApprovalBroken says why an approval is refused. (The CLI and the journal lock: test/commands/waive*.)
 */
import { describe, expect, it } from 'vitest';
import type { Checklist } from '../../src/checklist/model.js';
import type { JournalEvent } from '../../src/engine/events.js';
import { initialState, reduce, waiverInForce, waiverStateText, type SessionState } from '../../src/engine/session-state.js';
import { planBoundWaiver, planWaiverApproval, recordWaiver, recordWaiverApproval, waiverApprovalBroken } from '../../src/engine/waiver.js';
import { DecisionRefused } from '../../src/engine/signed-act.js';
import { openSessionDir } from '../../src/engine/session.js';
import { cliSession, resultOf } from '../support/cli-session.js';
import { tempDir } from '../support/session-fixtures.js';
import path from 'node:path';
import { cmd, makeChecklist } from './helpers/checklist.js';

const T0 = Date.parse('2026-11-27T10:00:00Z');
const NOW = new Date(T0 + 60_000);
const key = (who: string) => ({ path: `signoffs/x-${who}.json`, sha256: 'a'.repeat(64), sigPath: `signoffs/x-${who}.json.sig`, sigSha256: 'b'.repeat(64), keyFingerprint: `SHA256:${who}` });

function checklist(waiverApprovals: number, blocking = true): Checklist {
  return makeChecklist('/tmp/rt-waiver', [{ id: '1', check: cmd('true'), blocking, waiverApprovals }]);
}

function play(c: Checklist, events: Omit<JournalEvent, 'ts'>[]): SessionState {
  return events.reduce((s, e, i) => reduce(s, { ...e, ts: new Date(T0 + i * 1000).toISOString() } as JournalEvent, i, c), initialState(c));
}

const result = (sha: string, attempt = 1): Omit<JournalEvent, 'ts'> => ({
  type: 'item.result',
  actor: 'runner',
  data: { item: '1', attempt, verdict: 'fail', summary: '1 critical CVE', durationMs: 1, evidence: [{ path: `evidence/1/${attempt}.log`, sha256: sha, bytes: 1 }] },
});
const waiver = (by: string, evidence = ['e1']): Omit<JournalEvent, 'ts'> => ({
  type: 'waiver',
  actor: by,
  data: { item: '1', reason: 'not reachable', expires: '2999-01-01', by, evidence, statement: key(by) },
});
const approval = (by: string, seq: number, signer = by): Omit<JournalEvent, 'ts'> => ({
  type: 'waiver.approval',
  actor: by,
  data: { item: '1', waiver: seq, comment: '', by, evidence: ['e1'], statement: key(signer) },
});

describe('waivers: approvals and staleness', () => {
  it('without waiverApprovals a waiver is in force at once; with 1, only after another person with another key approves', () => {
    const none = checklist(0);
    expect(play(none, [result('e1'), waiver('alice')]).items['1']!.status).toBe('waived');

    const one = checklist(1);
    const waiting = play(one, [result('e1'), waiver('alice')]);
    expect(waiting.items['1']!.status).toBe('fail');
    expect(stateText(one, waiting)).toBe('awaits 1 more approval by someone else (0 of 1)');
    // the author approving, or another name with the author's key, does not count
    expect(play(one, [result('e1'), waiver('alice'), approval('alice', 1)]).items['1']!.status).toBe('fail');
    expect(play(one, [result('e1'), waiver('alice'), approval('bob', 1, 'alice')]).items['1']!.status).toBe('fail');
    const approved = play(one, [result('e1'), waiver('alice'), approval('bob', 1)]);
    expect(approved.items['1']!.status).toBe('waived');
    expect(approved.decision).toBe('GO');
    expect(stateText(one, approved)).toBe('in force, approved by bob');
  });

  it('an approval names its waiver: one for an earlier waiver does not count for a new one', () => {
    const one = checklist(1);
    const s = play(one, [result('e1'), waiver('alice'), approval('bob', 1), waiver('carol')]);
    expect(s.items['1']!.waiver).toMatchObject({ seq: 3, by: 'carol', approvals: [] });
    expect(s.items['1']!.status).toBe('fail');
  });

  it('a non-blocking item needs no approval, whatever waiverApprovals says', () => {
    const c = checklist(1, false);
    expect(play(c, [result('e1'), waiver('alice')]).items['1']!.status).toBe('waived');
  });

  it('a re-run whose evidence changes makes the waiver stale; one with the same evidence does not; an unbound (old) waiver never', () => {
    const c = checklist(0);
    const stale = play(c, [result('e1'), waiver('alice'), result('e2', 2)]);
    expect(stale.items['1']!.waiver!.stale).toBe(true);
    expect(stale.items['1']!.status).toBe('fail');
    expect(waiverStateText(c.blocks[0]!.items[0]!, stale.items['1']!.waiver!, NOW)).toMatch(/^STALE: /);
    expect(play(c, [result('e1'), waiver('alice'), result('e1', 2)]).items['1']!.status).toBe('waived');
    const old = { type: 'waiver' as const, actor: 'alice', data: { item: '1', reason: 'r', expires: '2999-01-01', by: 'alice' } };
    expect(play(c, [result('e1'), old, result('e2', 2)]).items['1']!.status).toBe('waived');
  });

  it('waiverApprovalBroken: not the current waiver, expired, stale, the author, the author’s key, twice, not needed', () => {
    const one = checklist(1);
    const item = one.blocks[0]!.items[0]!;
    const s = play(one, [result('e1'), waiver('alice')]);
    const st = s.items['1']!;
    expect(waiverApprovalBroken(item, st, 0, 'bob', undefined, NOW)).toBe('#0 is not the current waiver of item 1 (that is #1, by alice): nothing to approve');
    expect(waiverApprovalBroken(item, st, 1, 'bob', undefined, new Date('3000-01-01T00:00:00Z'))).toMatch(/^waiver #1 on 1 expired \(2999-01-01\)/);
    expect(waiverApprovalBroken(item, st, 1, 'Alice', undefined, NOW)).toBe('Alice wrote waiver #1 on 1: someone else must approve it (four-eyes)');
    expect(waiverApprovalBroken(item, st, 1, 'bob', 'SHA256:alice', NOW)).toBe("key SHA256:alice signed waiver #1 on 1 itself: its approval must come from another person's key");
    expect(waiverApprovalBroken(item, st, 1, 'bob', 'SHA256:bob', NOW)).toBeUndefined();
    const after = play(one, [result('e1'), waiver('alice'), approval('bob', 1)]).items['1']!;
    expect(waiverApprovalBroken(item, after, 1, 'bob', 'SHA256:bob', NOW)).toBe('bob already approved waiver #1 on 1 (journal #2): nothing to do');
    expect(waiverApprovalBroken(item, after, 1, 'carol', 'SHA256:carol', NOW)).toBe('waiver #1 on 1 already has its 1 approval: nothing to do');
    const stale = play(one, [result('e1'), waiver('alice'), result('e2', 2)]).items['1']!;
    expect(waiverApprovalBroken(item, stale, 1, 'bob', undefined, NOW)).toMatch(/^waiver #1 on 1 is stale: the item was re-run/);
    expect(waiverApprovalBroken(item, { ...st, waiver: undefined }, 1, 'bob', undefined, NOW)).toBe('#1 is not the current waiver of item 1 (it has none): nothing to approve');
    expect(waiverInForce(item, st.waiver, NOW)).toBe(false);
  });
});

function stateText(c: Checklist, s: SessionState): string {
  return waiverStateText(c.blocks[0]!.items[0]!, s.items['1']!.waiver!, NOW);
}

describe('waiver approvals inside the journal lock', () => {
  it('two approvals by one person planned at the same moment: the second append is refused by the rule in the lock', async () => {
    const tmp = await tempDir('rt-waiver-lock-');
    try {
      const s = await cliSession(path.join(tmp.dir, 'w'), [{ id: '1', waiverApprovals: 2 }], { run: [] });
      const session = await openSessionDir(s.dir, { operator: 'runner' });
      try {
        await session.record({ type: 'item.result', data: resultOf('1', 'f'.repeat(64)) });
        const w = await recordWaiver(session, planBoundWaiver(session, { item: '1', reason: 'accepted', expires: '2999-01-01', by: 'alice' }), { sign: false });
        // both plans pass: neither approval is recorded yet
        const plans = [0, 1].map(() => planWaiverApproval(session, { item: '1', waiver: w.record.seq, by: 'bob' }));
        const out = await Promise.allSettled(plans.map((p) => recordWaiverApproval(session, p, { sign: false })));
        expect(out.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
        const refused = out.find((o) => o.status === 'rejected') as PromiseRejectedResult;
        expect(refused.reason).toBeInstanceOf(DecisionRefused);
        expect((refused.reason as Error).message).toMatch(/^bob already approved waiver #\d+ on 1 \(journal #\d+\): nothing to do — nothing was recorded$/);
        expect(session.store.store.getState().items['1']!.waiver!.approvals).toHaveLength(1);
      } finally {
        await session.close();
      }
    } finally {
      await tmp.cleanup();
    }
  });
});
