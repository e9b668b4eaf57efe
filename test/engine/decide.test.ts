import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { findItem, parseExpiry, planSignoff, planWaiver, recordDecision, recordSignoff, settleDecision, teamFileIn } from '../../src/engine/decide.js';
import type { ItemResultData } from '../../src/engine/events.js';
import type { Session } from '../../src/engine/session-api.js';
import { openSession } from '../../src/engine/session.js';
import { makeChecklist, tempDir } from '../support/session-fixtures.js';
import { genKey, type TestKey } from '../report/helpers/ssh.js';

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
/** real SSH keys: only a signed approval counts */
const keys: Record<string, TestKey> = {};
/** no agent, no ~/.ssh: signing uses the key given, or fails */
let bare: NodeJS.ProcessEnv;
beforeAll(async () => {
  tmp = await tempDir('rt-decide-');
  for (const n of ['bob', 'carol', 'ron', 'x']) keys[n] = genKey(tmp.dir, n);
  bare = { PATH: process.env.PATH, HOME: tmp.dir };
});
const fingerprint = (k: TestKey) =>
  'SHA256:' + createHash('sha256').update(Buffer.from(k.pubLine.split(/\s+/)[1]!, 'base64')).digest('base64').replace(/=+$/, '');
const signedBy = (n: string) => ({ sign: true, signKey: keys[n]!.priv, env: bare });
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
    expect(p1.comment).toBe('');
    // an unsigned approval is recorded, and counts for nothing: bob may still approve it signed
    const r0 = await recordSignoff(s, p1, { sign: false });
    expect(r0.statement).toBeUndefined();
    expect(r0.unsignedReason).toBeUndefined();
    expect(s.store.store.getState().items['b']!.status).toBe('needs-signoff');
    const r1 = await recordSignoff(s, await planSignoff(s, { item: 'b', decision: 'approve', by: 'bob@example.com' }), signedBy('bob'));
    expect(r1.statement?.keyFingerprint).toMatch(/^SHA256:/);
    expect(s.store.store.getState().items['b']!.status).toBe('needs-signoff');
    await expect(planSignoff(s, { item: 'b', decision: 'approve', by: 'bob@example.com' })).rejects.toThrow(
      /bob@example.com already approved item b \(journal #3\); its 2 approvals must come from different people/,
    );
    // bob's key under another name is bob again: refused inside the lock (one approval per key)
    await expect(
      recordSignoff(s, await planSignoff(s, { item: 'b', decision: 'approve', by: 'dave@example.com' }), { ...signedBy('bob'), allowedSigners: undefined }),
    ).rejects.toThrow(/acted as bob@example.com earlier in this session/);
    await recordSignoff(s, await planSignoff(s, { item: 'b', decision: 'approve', by: 'carol@example.com' }), signedBy('carol'));
    expect(s.store.store.getState().items['b']!.status).toBe('pass');
    // a re-run with new evidence makes both approvals stale: the same people may approve again
    await s.record({ type: 'item.result', actor: 'ron@example.com', data: result('b', 'e2') });
    expect(s.store.store.getState().items['b']!.status).toBe('needs-signoff');
    expect((await planSignoff(s, { item: 'b', decision: 'approve', by: 'bob@example.com' })).evidence).toEqual(['e2']);
  });

  it('four-eyes by key: the key that started the attempt (item.start) cannot approve it, under any name', async () => {
    const s = await session();
    const ron = fingerprint(keys['ron']!);
    await s.record({ type: 'item.start', actor: 'ron@example.com', data: { item: 'b', attempt: 1, describe: 'true', keyFingerprint: ron } });
    await s.record({ type: 'item.result', actor: 'ron@example.com', data: result('b', 'e1') });
    expect(s.store.store.getState().items['b']!.ranBy).toEqual({ by: 'ron@example.com', seq: 2, key: ron });
    // the name passes the quick check; the key is refused inside the lock, and no statement is left behind
    const plan = await planSignoff(s, { item: 'b', decision: 'approve', by: 'rita@example.com' });
    await expect(recordSignoff(s, plan, signedBy('ron'))).rejects.toThrow(
      `item b requires four-eyes approval (noSelfApproval) and key ${ron} ran it (journal line 3, as ron@example.com): someone else must approve it with their own key — nothing was recorded`,
    );
    expect(readdirSync(path.join(s.dir, 'signoffs'))).toEqual([]);
    expect(s.store.store.getState().items['b']!.signoffs).toEqual([]);
    // another key may
    await recordSignoff(s, plan, signedBy('carol'));
    expect(s.store.store.getState().items['b']!.signoffs).toHaveLength(1);
  });

  it('a final decision is the operator\'s signed statement, in the sign-off directory and namespace', async () => {
    const s = await session();
    await s.record({ type: 'item.result', data: result('a', 'a1') });
    await s.record({ type: 'item.result', data: { ...result('b', 'b1'), verdict: 'fail', summary: 'broke' } });
    const r = await recordDecision(s, signedBy('x'));
    expect(r.record?.data).toMatchObject({ decision: 'NO-GO', final: true, by: 'alice@example.com', statement: { keyFingerprint: fingerprint(keys['x']!) } });
    const st = JSON.parse(readFileSync(path.join(s.dir, r.statement!.path), 'utf8'));
    expect(st).toMatchObject({ _type: 'readiness-tui/decision/v1', principal: 'alice@example.com', decision: 'NO-GO', final: true, deciding: [{ item: 'b', status: 'fail' }] });
    expect(r.statement!.path).toMatch(/^signoffs\/\d+-decision-alice@example\.com\.json$/);
  });

  it('defaults the single allowed role, warns about an item that has not run', async () => {
    const s = await session();
    const p = await planSignoff(s, { item: 'm', decision: 'approve', by: 'x' });
    expect(p.role).toBe('captain');
    expect(p.warnings).toEqual([]);
    expect(p.evidence).toEqual([]);
    expect((await planSignoff(s, { item: 'm', decision: 'approve', role: ' captain ', by: 'x' })).role).toBe('captain');
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
    expect(parseExpiry('2026-12-01T18:00:00.250Z', now)).toBe('2026-12-01T18:00:00.250Z');
    expect(parseExpiry('2026-12-01T18:00+0200', now)).toBe('2026-12-01T16:00:00.000Z');
    // a duration is a number and a unit, nothing around or between them
    for (const bad of ['x7d', '7dx', '7xd']) expect(() => parseExpiry(bad, now)).toThrow(`--expires "${bad}" is not a date`);
    expect(() => parseExpiry('x2026-11-30', now)).toThrow('--expires "x2026-11-30" is not a date');
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
    const rejection = await planSignoff(s, { item: 'b', decision: 'reject', comment: 'no', by: 'ron@example.com' });
    expect(rejection.decision).toBe('reject');
    // and recorded: the approval rules are not checked again for it inside the lock
    await recordSignoff(s, rejection, { sign: false });
    // one approval where one is needed: nothing to do
    const p = await planSignoff(s, { item: 'm', decision: 'approve', by: 'x' });
    await recordSignoff(s, p, signedBy('x'));
    // the same person, whatever the case and spaces (named as they wrote it)
    await expect(planSignoff(s, { item: 'm', decision: 'approve', by: ' X ' })).rejects.toThrow(
      ' X  already approved item m (journal #3); nothing to do',
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
    await expect(recordDecision(s, { sign: false })).rejects.toThrow('a final GO needs every required sign-off; missing: n — nothing was recorded');
    expect(s.store.store.getState().finalDecision).toBeUndefined();
  });

  it('one final decision per state of the journal: again with nothing changed records nothing; after a change it records anew', async () => {
    const s = await open();
    await recordSignoff(s, await planSignoff(s, { item: 'n', decision: 'approve', by: 'bob@example.com' }), signedBy('bob'));
    const first = await recordDecision(s, { sign: false });
    expect(first.record?.data).toMatchObject({ decision: 'GO', final: true });
    await s.record({ type: 'note', data: { text: 'coffee', by: 'alice@example.com' } });
    const again = await recordDecision(s, { sign: false });
    expect(again).toEqual({ already: { decision: 'GO', seq: first.record!.seq } });
    await s.record({ type: 'item.result', data: { ...result('a', 'a2'), verdict: 'fail', summary: 'broke' } });
    const changed = await recordDecision(s, { sign: false });
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
      const r = await recordDecision(s, { sign: false });
      expect(r.record?.data).toEqual({ decision: 'INCOMPLETE', deciding: [{ item: 'a', status: 'pass', stale: true }], final: false, by: 'alice@example.com' });
      expect(s.store.store.getState().finalDecision).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('settleDecision (the decision of run --ci and decide)', () => {
  const gated = makeChecklist('settle', [{ id: 'a' }, { id: 'n', blocking: false, signoff: 'required' }]);
  async function open(): Promise<Session> {
    const s = await openSession({ checklist: gated, stateDir: path.join(tmp.dir, `d${k++}`), mode: 'tui', vars: {}, secretVars: [], operator: 'alice@example.com', owner: false });
    sessions.push(s);
    await s.record({ type: 'item.result', data: result('a', 'a1') });
    await s.record({ type: 'item.result', data: result('n', 'n1') });
    return s;
  }
  const decisions = (s: Session) => readFileSync(path.join(s.dir, 'journal.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"type":"decision"')).map((l) => JSON.parse(l).data);

  it('a GO with a required sign-off missing is withheld: recorded INCOMPLETE (interim) with the missing items, or not at all', async () => {
    const s = await open();
    await expect(settleDecision(s, { expect: 'GO' })).rejects.toThrow('the decision is now INCOMPLETE, not the GO that was confirmed: look again — nothing was recorded');
    const quiet = await settleDecision(s, { recordInterim: false });
    expect(quiet).toMatchObject({ decision: 'INCOMPLETE', final: false, withheld: ['n'] });
    expect(quiet.record).toBeUndefined();
    expect(decisions(s)).toEqual([]);
    const r = await settleDecision(s);
    expect(r).toMatchObject({ decision: 'INCOMPLETE', final: false, withheld: ['n'], line: 'INCOMPLETE — no final GO without every required sign-off: n needs a sign-off' });
    expect(r.basis.missing).toEqual(['n']);
    expect(decisions(s)).toEqual([{ decision: 'INCOMPLETE', deciding: [{ item: 'n', status: 'needs-signoff' }], final: false }]);
  });

  it('records a final GO once; again with nothing changed records nothing; a failure after it is a final NO-GO', async () => {
    const s = await open();
    await recordSignoff(s, await planSignoff(s, { item: 'n', decision: 'approve', by: 'bob@example.com' }), signedBy('bob'));
    const go = await settleDecision(s, { expect: 'GO' });
    expect(go).toMatchObject({ decision: 'GO', final: true, line: 'GO — all 1 blocking item passed or are waived' });
    expect(go.withheld).toBeUndefined();
    expect(go.record?.data).toEqual({ decision: 'GO', deciding: [], final: true });
    const again = await settleDecision(s);
    expect(again).toMatchObject({ decision: 'GO', final: true, already: { decision: 'GO', seq: go.record!.seq } });
    expect(again.record).toBeUndefined();
    await s.record({ type: 'item.result', data: { ...result('a', 'a2'), verdict: 'fail', summary: 'broke' } });
    const nogo = await settleDecision(s, { recordInterim: false });
    expect(nogo).toMatchObject({ decision: 'NO-GO', final: true, line: 'NO-GO — a failed: broke' });
    expect(decisions(s)).toEqual([
      { decision: 'GO', deciding: [], final: true },
      { decision: 'NO-GO', deciding: [{ item: 'a', status: 'fail' }], final: true },
    ]);
  });

  it('a NO-GO stays a final NO-GO while a required sign-off is missing (only a GO is withheld)', async () => {
    const s = await open();
    await s.record({ type: 'item.result', data: { ...result('a', 'a2'), verdict: 'fail', summary: 'broke' } });
    const r = await settleDecision(s);
    expect(r).toMatchObject({ decision: 'NO-GO', final: true, line: 'NO-GO — a failed: broke' });
    expect(r.withheld).toBeUndefined();
    expect(decisions(s)).toEqual([{ decision: 'NO-GO', deciding: [{ item: 'a', status: 'fail' }], final: true }]);
  });

  it('nothing run yet: INCOMPLETE, recorded as interim unless told not to', async () => {
    const s = await openSession({ checklist: gated, stateDir: path.join(tmp.dir, `d${k++}`), mode: 'tui', vars: {}, secretVars: [], operator: 'alice@example.com', owner: false });
    sessions.push(s);
    const r = await settleDecision(s);
    expect(r).toMatchObject({ decision: 'INCOMPLETE', final: false, line: 'INCOMPLETE — a has not run' });
    expect(r.withheld).toBeUndefined();
    expect(decisions(s)).toEqual([{ decision: 'INCOMPLETE', deciding: [{ item: 'a', status: 'pending' }], final: false }]);
  });
});

describe('teamFileIn (which allowed_signers says who may sign)', () => {
  it('--allowed-signers must exist; else the file the checklist names (relative to it, must exist); else the state directory’s; else none', async () => {
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const dir = path.join(tmp.dir, `team${k++}`);
    mkdirSync(path.join(dir, 'state'), { recursive: true });
    const given = path.join(dir, 'given_signers');
    expect(() => teamFileIn(path.join(dir, 'state'), given)).toThrow(`--allowed-signers ${given}: no such file (the team's allowed_signers)`);
    writeFileSync(given, '');
    expect(teamFileIn(path.join(dir, 'state'), given)).toBe(given);
    expect(teamFileIn(path.join(dir, 'state'))).toBeUndefined();
    writeFileSync(path.join(dir, 'state', 'allowed_signers'), '');
    expect(teamFileIn(path.join(dir, 'state'))).toBe(path.join(dir, 'state', 'allowed_signers'));
    const named = makeChecklist('team', [{ id: 'a' }]);
    named.allowedSigners = { path: 'team/signers', pos: { file: path.join(dir, 'c.yaml'), line: 3, col: 17 } };
    const origin = { checklist: named, file: path.join(dir, 'c.yaml') };
    expect(() => teamFileIn(path.join(dir, 'state'), undefined, origin)).toThrow(
      `${path.join(dir, 'c.yaml')}:3:17: allowedSigners team/signers: no such file ${path.join(dir, 'team', 'signers')} (the team's allowed_signers the checklist names) — nothing was recorded`,
    );
    mkdirSync(path.join(dir, 'team'));
    writeFileSync(path.join(dir, 'team', 'signers'), '');
    expect(teamFileIn(path.join(dir, 'state'), undefined, origin)).toBe(path.join(dir, 'team', 'signers'));
    // a checklist that names no file: the state directory's
    expect(teamFileIn(path.join(dir, 'state'), undefined, { checklist: makeChecklist('plain', [{ id: 'a' }]), file: path.join(dir, 'c.yaml') })).toBe(
      path.join(dir, 'state', 'allowed_signers'),
    );
    // --allowed-signers wins over the checklist's
    expect(teamFileIn(path.join(dir, 'state'), given, origin)).toBe(given);
  });
});
