import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExpiry } from '../../src/commands/waive.js';
import { readJournal } from '../../src/engine/journal.js';
import { cli, ensureBuilt } from '../support/cli-run.js';
import { cliSession } from '../support/cli-session.js';
import { tempDir, type ItemSpec } from '../support/session-fixtures.js';

const ITEMS: ItemSpec[] = [{ id: '1' }, { id: '2', signoff: 'required' }];
let tmp: { dir: string; cleanup: () => Promise<void> };
let n = 0;
const env = () => ({ PATH: process.env.PATH, HOME: tmp.dir, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' });

beforeAll(async () => {
  ensureBuilt();
  tmp = await tempDir('rt-waive-');
});
afterAll(async () => tmp.cleanup());

describe('parseExpiry', () => {
  const now = new Date('2026-11-27T12:00:00Z');
  it('keeps a date, normalises timestamps and durations, refuses the past and nonsense', () => {
    expect(parseExpiry('2026-11-27', now)).toBe('2026-11-27'); // valid through the end of today (UTC)
    expect(parseExpiry('2026-12-01T18:00:00+02:00', now)).toBe('2026-12-01T16:00:00.000Z');
    expect(parseExpiry('72h', now)).toBe('2026-11-30T12:00:00.000Z');
    expect(parseExpiry('2w', now)).toBe('2026-12-11T12:00:00.000Z');
    expect(() => parseExpiry('2026-11-26', now)).toThrow(/in the past/);
    expect(() => parseExpiry('2026-11-27T11:59:00Z', now)).toThrow(/in the past/);
    expect(() => parseExpiry('2026-02-30', now)).toThrow(/not a real calendar date/);
    expect(() => parseExpiry('next week', now)).toThrow(/is not a date: use YYYY-MM-DD/);
    expect(() => parseExpiry('0d', now)).toThrow(/must last some time/);
  });
});

describe('waive', () => {
  it('records a waiver; the item becomes waived and the decision follows', async () => {
    const s = await cliSession(path.join(tmp.dir, `w${n++}`), ITEMS);
    const r = await cli(['waive', '2', '--reason', 'vendor fix due next sprint', '--expires', '2999-01-31', '--control', 'on-call watches dashboard', '--as', 'carol@example.com', '--no-sign'], { cwd: s.cwd, env: env() });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'recorded waiver #3 on 2 by carol@example.com, valid until 2999-01-31 (compensating control: on-call watches dashboard), unsigned — item is now waived, decision GO\n',
    );
    const j = await readJournal(path.join(s.dir, 'journal.jsonl'));
    expect(j.problems).toEqual([]);
    expect(j.records[3]).toMatchObject({
      type: 'waiver',
      actor: 'carol@example.com',
      data: { item: '2', reason: 'vendor fix due next sprint', expires: '2999-01-31', compensatingControl: 'on-call watches dashboard', by: 'carol@example.com', evidence: [`2${'a'.repeat(63)}`] },
    });
  });

  it('an expiry in the past or unparseable, an unknown item, a missing session: exit 2, nothing recorded', async () => {
    const s = await cliSession(path.join(tmp.dir, `w${n++}`), ITEMS);
    const past = await cli(['waive', '2', '--reason', 'x', '--expires', '2001-01-01', '--as', 'c'], { cwd: s.cwd, env: env() });
    expect(past.code).toBe(2);
    expect(past.stderr).toMatch(/^error: --expires 2001-01-01 is in the past/);
    const junk = await cli(['waive', '2', '--reason', 'x', '--expires', 'soonish', '--as', 'c'], { cwd: s.cwd, env: env() });
    expect(junk.code).toBe(2);
    expect(junk.stderr).toMatch(/--expires "soonish" is not a date/);
    const unknown = await cli(['waive', '7', '--reason', 'x', '--expires', '3d', '--as', 'c'], { cwd: s.cwd, env: env() });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('error: unknown item "7" in checklist demo. Items: 1, 2\n');
    const missing = await cli(['waive', '2', '--reason', 'x', '--expires', '3d', '--state-dir', path.join(tmp.dir, 'none')], { cwd: s.cwd, env: env() });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no unfinished session in/);
    expect((await readJournal(path.join(s.dir, 'journal.jsonl'))).records).toHaveLength(3);
  });
});
