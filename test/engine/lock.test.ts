import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLock, lockIsStale, pidAlive, readLockInfo, tryLock } from '../../src/engine/lock.js';
import { tempDir } from '../support/session-fixtures.js';

let tmp: { dir: string; cleanup: () => Promise<void> };
let n = 0;
const lockPath = () => path.join(tmp.dir, `l${n++}.lock`);
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;

beforeAll(async () => {
  tmp = await tempDir('rt-lock-');
});
afterAll(async () => tmp.cleanup());

describe('lock files', () => {
  it('is exclusive, names its holder, and release removes only its own lock', () => {
    const p = lockPath();
    const a = tryLock(p, { mode: 'tui', operator: 'alice' });
    expect('lock' in a).toBe(true);
    const info = readLockInfo(p)!;
    expect(info).toMatchObject({ pid: process.pid, host: hostname(), mode: 'tui', operator: 'alice' });
    const b = tryLock(p);
    expect(b).toEqual({ busy: info });
    // someone else's lock replaced ours (e.g. after a takeover): our release leaves it alone
    writeFileSync(p, JSON.stringify({ ...info, token: 'someone-else' }));
    if ('lock' in a) a.lock.release();
    expect(readLockInfo(p)!.token).toBe('someone-else');
  });

  it('a dead pid on this host is stale and taken over; another host is never judged stale', () => {
    const p = lockPath();
    const dead = { pid: deadPid(), host: hostname(), since: '2026-11-27T00:00:00Z', token: 't' };
    expect(pidAlive(dead.pid)).toBe(false);
    expect(pidAlive(process.pid)).toBe(true);
    writeFileSync(p, JSON.stringify(dead));
    expect(lockIsStale(p, dead)).toBe(true);
    const r = tryLock(p);
    expect('lock' in r && r.lock.tookOver).toEqual(dead);
    expect(readdirSync(tmp.dir).filter((f) => f.includes('.stale-'))).toEqual([]);
    const remote = { ...dead, host: 'some-other-host' };
    expect(lockIsStale(p, remote)).toBe(false);
  });

  it('a lock file is never seen empty: an empty (or unreadable) one is a leftover, taken over at once', async () => {
    const p = lockPath();
    writeFileSync(p, '');
    expect(lockIsStale(p, undefined)).toBe(true);
    const t0 = Date.now();
    const l = await acquireLock(p, { timeoutMs: 5000 });
    expect(Date.now() - t0).toBeLessThan(1000); // not the 5 s wait of a busy lock
    expect(l.tookOver).toBeUndefined();
    expect(readLockInfo(p)?.pid).toBe(process.pid);
    l.release();
    // a lock being written by another process is never empty: it appears whole (written aside, then linked)
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('a lock that read as missing a moment ago and is held now is not stale, and tryLock leaves it to its holder', () => {
    // a reader whose read fell between a release and the next holder's lock: what it saw (nothing) is not a
    // leftover — breaking it would give two holders at once (two journal lines with one seq)
    const p = lockPath();
    const held = tryLock(p, { operator: 'next' });
    expect('lock' in held).toBe(true);
    expect(lockIsStale(p, undefined)).toBe(false);
    expect(tryLock(p)).toEqual({ busy: readLockInfo(p) });
    if ('lock' in held) held.lock.release();
    expect(lockIsStale(p, undefined)).toBe(false);
    expect(existsSync(p)).toBe(false);
  });

  it('acquireLock waits for a release', async () => {
    const p = lockPath();
    const first = await acquireLock(p);
    setTimeout(() => first.release(), 150);
    const t0 = Date.now();
    const second = await acquireLock(p, { timeoutMs: 3000 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
    second.release();
    expect(existsSync(p)).toBe(false);
  });

  it('acquireLock gives up with the holder named', async () => {
    const p = lockPath();
    writeFileSync(p, JSON.stringify({ pid: process.pid, host: hostname(), since: 'S', token: 'x', mode: 'ci' }));
    await expect(acquireLock(p, { timeoutMs: 200, what: 'journal lock' })).rejects.toThrow(
      `journal lock ${p} is held by pid ${process.pid} on host ${hostname()} since S (ci) and was not released within 200ms. `,
    );
    expect(readFileSync(p, 'utf8')).toContain('"token":"x"');
  });
});
