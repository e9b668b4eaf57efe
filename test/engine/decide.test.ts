import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { findItem, parseExpiry, planSignoff, planWaiver, recordDecision, recordSignoff } from '../../src/engine/decide.js';
import type { ItemResultData } from '../../src/engine/events.js';
import type { Session } from '../../src/engine/session-api.js';
import { openSession } from '../../src/engine/session.js';
import { makeChecklist, tempDir } from '../support/session-fixtures.js';

const checklist = (() => {
  const c = makeChecklist('dec', [
    { id: 'a' },
    { id: 'b', signoff: 'required', approvals: 2, noSelfApproval: true },
    { id: 'm', manual: true, signoff: 'required', signoffRoles: ['captain'] },
  ]);
  c.blocks[0]!.items[1]!.owner = 'olga@example.com';
  return c;
})();

let tmp: { dir: string; cleanup: () => Promise<void> };
let k = 0;
const sessions: Session[] = [];
beforeAll(async () => {
  tmp = await tempDir('rt-decide-');
});
afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close();
});
afterAll(async () => tmp.cleanup());

async function session(): Promise<Session> {
  const s = await openSession({ checklist, stateDir: path.join(tmp.dir, `s${k++}`), mode: 'tui', vars: {}, secretVars: [], operator: 'alice@example.com', owner: false });
  sessions.push(s);
  return s;
}
const result = (item: string, sha: string): ItemResultData => ({ item, attempt: 1, verdict: 'pass', summary: 'ok', durationMs: 1, evidence: [{ path: `evidence/${item}/1.log`, sha256: sha, bytes: 1 }] });

describe('planSignoff / recordSignoff', () => {
  it('two different approvers are needed for approvals: 2, neither the runner nor the owner', async () => {
    const s = await session();
    await s.record({ type: 'item.result', actor: 'ron@example.com', data: result('b', 'e1') });
    await expect(planSignoff(s, { item: 'b', decision: 'approve', by: 'ron@example.com' })).rejects.toThrow(/ron@example.com ran it \(journal #1\)/);
    await expect(planSignoff(s, { item: 'b', decision: 'approve', by: 'OLGA@example.com' })).rejects.toThrow(/OLGA@example.com owns it/);
    const p1 = await planSignoff(s, { item: 'b', decision: 'approve', by: 'bob@example.com' });
    expect(p1.evidence).toEqual(['e1']);
    expect(p1.warnings).toEqual([]);
    const r1 = await recordSignoff(s, p1, { sign: false });
    expect(r1.statement).toBeUndefined();
    expect(r1.unsignedReason).toBeUndefined();
    expect(s.store.store.getState().items['b']!.status).toBe('needs-signoff');
    await expect(planSignoff(s, { item: 'b', decision: 'approve', by: 'bob@example.com' })).rejects.toThrow(
      /bob@example.com already approved item b \(journal #2\); its 2 approvals must come from different people/,
    );
    await recordSignoff(s, await planSignoff(s, { item: 'b', decision: 'approve', by: 'carol@example.com' }), { sign: false });
    expect(s.store.store.getState().items['b']!.status).toBe('pass');
    // a re-run with new evidence makes both approvals stale: the same people may approve again
    await s.record({ type: 'item.result', actor: 'ron@example.com', data: result('b', 'e2') });
    expect(s.store.store.getState().items['b']!.status).toBe('needs-signoff');
    expect((await planSignoff(s, { item: 'b', decision: 'approve', by: 'bob@example.com' })).evidence).toEqual(['e2']);
  });

  it('defaults the single allowed role, warns about an item that has not run', async () => {
    const s = await session();
    const p = await planSignoff(s, { item: 'm', decision: 'approve', by: 'x' });
    expect(p.role).toBe('captain');
    expect(p.warnings).toEqual([]);
    const q = await planSignoff(s, { item: 'a', decision: 'reject', comment: ' too early ', by: 'x' });
    expect(q.comment).toBe('too early');
    expect(q.warnings.join('\n')).toMatch(/does not ask for a sign-off[\s\S]*has not run yet/);
  });

  it('without a key and without --sign-key, signing failure still records (unsigned, with the reason)', async () => {
    const s = await session();
    const p = await planSignoff(s, { item: 'm', decision: 'approve', by: 'x@example.com' });
    const r = await recordSignoff(s, p, { sign: true, env: { PATH: process.env.PATH, HOME: tmp.dir } });
    const key = path.join(tmp.dir, '.ssh', 'id_ed25519');
    expect(r.unsignedReason).toBe(
      `no SSH key to sign with: SSH_AUTH_SOCK is not set (no agent); ${key} does not exist. Pass --sign-key, load a key into ssh-agent, or create ${key}`,
    );
    expect(r.record).toMatchObject({ type: 'signoff', actor: 'x@example.com', data: { item: 'm', role: 'captain' } });
    await expect(
      recordSignoff(s, p, { sign: true, signKey: path.join(tmp.dir, 'nokey'), env: { PATH: process.env.PATH, HOME: tmp.dir } }),
    ).rejects.toThrow(/nothing was recorded/);
    expect(s.store.store.getState().items['m']!.signoffs).toHaveLength(1);
  });
});

describe('planWaiver', () => {
  it('builds the waiver data and refuses unknown items, empty reasons and past expiries', () => {
    const now = new Date('2026-11-27T12:00:00Z');
    expect(planWaiver(checklist, { item: 'a', reason: ' risk ', expires: '48h', control: ' ', by: 'c' }, now)).toEqual({
      item: 'a',
      reason: 'risk',
      expires: '2026-11-29T12:00:00.000Z',
      compensatingControl: undefined,
      by: 'c',
    });
    expect(() => planWaiver(checklist, { item: 'zz', reason: 'r', expires: '1d', by: 'c' }, now)).toThrow(/unknown item "zz".*Items: a, b, m/);
    expect(() => planWaiver(checklist, { item: 'a', reason: '', expires: '1d', by: 'c' }, now)).toThrow(/--reason/);
    expect(() => parseExpiry('2026-11-01', now)).toThrow(/in the past/);
    expect(findItem(checklist, 'm').title).toBe('Item m');
  });
});

describe('parseExpiry and the sign-off policy, message by message', () => {
  const now = new Date('2026-11-27T12:00:00Z');

  it('relative, date and timestamp expiries; each refusal says what to write', () => {
    expect(parseExpiry('72h', now)).toBe('2026-11-30T12:00:00.000Z');
    expect(parseExpiry(' 7D ', now)).toBe('2026-12-04T12:00:00.000Z');
    expect(parseExpiry('2w', now)).toBe('2026-12-11T12:00:00.000Z');
    expect(parseExpiry('2026-11-27', now)).toBe('2026-11-27'); // through the end of today
    expect(parseExpiry('2026-12-01 18:00', now)).toBe('2026-12-01T18:00:00.000Z');
    expect(parseExpiry('2026-12-01T18:00:00+02:00', now)).toBe('2026-12-01T16:00:00.000Z');
    expect(() => parseExpiry('0h', now)).toThrow('--expires 0h: a waiver must last some time');
    expect(() => parseExpiry('2026-02-30', now)).toThrow('--expires 2026-02-30: not a real calendar date');
    expect(() => parseExpiry('soonish', now)).toThrow(
      '--expires "soonish" is not a date: use YYYY-MM-DD (valid through that day, UTC), an ISO timestamp (2026-12-01T18:00:00Z) or a duration from now (72h, 7d, 2w)',
    );
    expect(() => parseExpiry('2026-11-26', now)).toThrow(
      '--expires 2026-11-26 is in the past (now 2026-11-27T12:00:00.000Z): a waiver must expire in the future',
    );
    expect(() => parseExpiry('2026-11-27T11:59:59Z', now)).toThrow(/is in the past/);
    expect(planWaiver(checklist, { item: 'a', reason: 'r', expires: '1d', control: ' WAF ', by: 'c' }, now).compensatingControl).toBe('WAF');
  });

  it('refusals of a sign-off, exactly', async () => {
    const s = await session();
    await expect(planSignoff(s, { item: 'a', decision: 'maybe' as 'approve', by: 'x' })).rejects.toThrow('the decision must be approve or reject (got "maybe")');
    await expect(planSignoff(s, { item: 'a', decision: 'reject', comment: '  ', by: 'x' })).rejects.toThrow(
      'a rejection needs a reason: --comment "what is wrong and what must change"',
    );
    await expect(planSignoff(s, { item: 'q', decision: 'approve', by: 'x' })).rejects.toThrow('unknown item "q" in checklist dec. Items: a, b, m');
    await expect(planSignoff(s, { item: 'm', decision: 'approve', role: 'cook', by: 'x' })).rejects.toThrow(
      'role "cook" may not sign off item m; allowed roles: captain',
    );
    // a rejection by the person who ran it is allowed (four-eyes is about approvals)
    await s.record({ type: 'item.result', actor: 'ron@example.com', data: result('b', 'e1') });
    expect((await planSignoff(s, { item: 'b', decision: 'reject', comment: 'no', by: 'ron@example.com' })).decision).toBe('reject');
    // one approval where one is needed: nothing to do
    const p = await planSignoff(s, { item: 'm', decision: 'approve', by: 'x' });
    await recordSignoff(s, p, { sign: false });
    // the same person, whatever the case and spaces (named as they wrote it)
    await expect(planSignoff(s, { item: 'm', decision: 'approve', by: ' X ' })).rejects.toThrow(
      ' X  already approved item m (journal #2); nothing to do',
    );
  });
});

describe('recordDecision (the final decision is a deliberate act)', () => {
  const gated = makeChecklist('final', [{ id: 'a' }, { id: 'n', blocking: false, signoff: 'required' }]);
  async function open(): Promise<Session> {
    const s = await openSession({ checklist: gated, stateDir: path.join(tmp.dir, `f${k++}`), mode: 'tui', vars: {}, secretVars: [], operator: 'alice@example.com', owner: false });
    sessions.push(s);
    await s.record({ type: 'item.result', data: result('a', 'a1') });
    await s.record({ type: 'item.result', data: result('n', 'n1') });
    return s;
  }

  it('a final GO with a required sign-off missing is refused with the list; nothing is recorded', async () => {
    const s = await open();
    expect(s.store.store.getState().decision).toBe('GO');
    await expect(recordDecision(s)).rejects.toThrow('a final GO needs every required sign-off; missing: n — nothing was recorded');
    expect(s.store.store.getState().finalDecision).toBeUndefined();
  });

  it('one final decision per state of the journal: again with nothing changed records nothing; after a change it records anew', async () => {
    const s = await open();
    await s.record({ type: 'signoff', actor: 'bob@example.com', data: { item: 'n', decision: 'approve', comment: '', by: 'bob@example.com', evidence: ['n1'] } });
    const first = await recordDecision(s);
    expect(first.record?.data).toMatchObject({ decision: 'GO', final: true });
    await s.record({ type: 'note', data: { text: 'coffee', by: 'alice@example.com' } });
    const again = await recordDecision(s);
    expect(again).toEqual({ already: { decision: 'GO', seq: first.record!.seq } });
    await s.record({ type: 'item.result', data: { ...result('a', 'a2'), verdict: 'fail', summary: 'broke' } });
    const changed = await recordDecision(s);
    expect(changed.record?.data).toMatchObject({ decision: 'NO-GO', final: true });
  });

  it('a GO on evidence that went stale (maxAge) since it was recorded is not final: recorded INCOMPLETE, naming the stale item', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date('2026-11-27T22:00:00Z'));
      const fresh = makeChecklist('fresh', [{ id: 'a' }]);
      fresh.blocks[0]!.items[0]!.maxAgeMs = 3_600_000;
      const s = await openSession({ checklist: fresh, stateDir: path.join(tmp.dir, `m${k++}`), mode: 'tui', vars: {}, secretVars: [], operator: 'alice@example.com', owner: false });
      sessions.push(s);
      await s.record({ type: 'item.result', data: result('a', 'a1') });
      expect(s.store.store.getState().decision).toBe('GO');
      vi.setSystemTime(new Date('2026-11-27T23:00:01Z'));
      const r = await recordDecision(s);
      expect(r.record?.data).toEqual({ decision: 'INCOMPLETE', deciding: [{ item: 'a', status: 'pass', stale: true }], final: false });
      expect(s.store.store.getState().finalDecision).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });
});
