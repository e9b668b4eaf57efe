import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announce, followPresence, PRESENCE_DIR, readPresence, STALE_MS } from '../../src/engine/presence.js';
import { createSessionStore } from '../../src/engine/store.js';
import { makeChecklist } from '../support/session-fixtures.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rt-presence-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('presence', () => {
  it('shows who is attached with role and since; a stopped one is gone at once', () => {
    const sd = path.join(dir, 's1');
    mkdirSync(sd);
    const p = announce(sd, { principal: 'alice@example.com', role: 'driver' }, () => new Date('2026-12-06T02:00:00.000Z'));
    expect(readPresence(sd)).toEqual([
      { principal: 'alice@example.com', role: 'driver', since: '2026-12-06T02:00:00.000Z', pid: process.pid, host: hostname() },
    ]);
    p.setRole('watcher');
    expect(readPresence(sd)[0]!.role).toBe('watcher');
    p.stop();
    expect(readPresence(sd)).toEqual([]);
  });

  it('a crashed process (dead pid) or a file not touched for a while disappears by itself', () => {
    const sd = path.join(dir, 's2');
    mkdirSync(path.join(sd, PRESENCE_DIR), { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const entry = (pid: number, host: string, who: string, seen = new Date()) =>
      JSON.stringify({ principal: who, role: 'watcher', since: '2026-12-06T02:00:00.000Z', pid, host, seen: seen.toISOString() });
    writeFileSync(path.join(sd, PRESENCE_DIR, `${hostname()}-${dead}.json`), entry(dead, hostname(), 'crashed@example.com'));
    const remote = path.join(sd, PRESENCE_DIR, 'jump-1.json');
    writeFileSync(remote, entry(1, 'jump', 'bob@example.com'));
    const live = createSessionStore(makeChecklist('p', [{ id: '1' }]));
    const stop = followPresence(sd, live);
    expect(live.store.getState().presence.map((e) => e.principal)).toEqual(['bob@example.com']);
    expect(readdirSync(path.join(sd, PRESENCE_DIR))).toEqual(['jump-1.json']); // the dead one's file was removed
    // the heartbeat's own time decides, not the file system's: an old mtime (another clock) changes nothing
    const longAgo = new Date('2000-01-01T00:00:00Z');
    utimesSync(remote, longAgo, longAgo);
    expect(readPresence(sd).map((e) => e.principal)).toEqual(['bob@example.com']);
    // bob's host went away: his heartbeat stops
    writeFileSync(remote, entry(1, 'jump', 'bob@example.com', new Date(Date.now() - STALE_MS - 1000)));
    stop();
    const stop2 = followPresence(sd, live);
    expect(live.store.getState().presence).toEqual([]);
    stop2();
    live.dispose();
  });
});
