/**
 * Presence: who is attached to a session right now (driver and watchers), for the header. Not a journal event —
 * it changes no decision. Each TUI keeps one small file in `<session>/presence/` (`<host>-<pid>.json`: principal,
 * role, since, and `seen`, the time of its last heartbeat) and rewrites it every HEARTBEAT_MS; a file whose `seen` is
 * older than STALE_MS, or whose process is gone on this host, is not shown (and is removed by whoever sees it), so a
 * crashed watcher disappears by itself. The heartbeat's time is written inside the file, not read from its mtime:
 * the processes compare their own clocks, never a clock with the file system's (a shifted or skewed clock, e.g.
 * faketime, would otherwise make every entry look stale or fresh forever).
 */
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pidAlive } from './lock.js';
import { mkdirShared, sharePath } from './shared-files.js';
import type { SessionStore } from './store.js';

export const PRESENCE_DIR = 'presence';
export const HEARTBEAT_MS = 2_000;
export const STALE_MS = 10_000;

export type PresenceRole = 'driver' | 'watcher';

export interface PresenceEntry {
  principal: string;
  role: PresenceRole;
  /** ISO time this process attached */
  since: string;
  pid: number;
  host: string;
}

export interface Presence {
  /** the role changed (a driver taken over becomes a watcher) */
  setRole(role: PresenceRole): void;
  stop(): void;
}

/** Announce this process in the session until stop(): its file, rewritten every HEARTBEAT_MS. `now` dates `since`. */
export function announce(sessionDir: string, who: { principal: string; role: PresenceRole }, now = () => new Date()): Presence {
  const dir = join(sessionDir, PRESENCE_DIR);
  mkdirShared(dir);
  const file = join(dir, `${hostname().replace(/[^A-Za-z0-9._-]/g, '_')}-${process.pid}.json`);
  const entry: PresenceEntry = { principal: who.principal, role: who.role, since: now().toISOString(), pid: process.pid, host: hostname() };
  // written whole under a temporary name, then renamed: a reader never sees half a file (and so never a false "left")
  const write = () => {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ ...entry, seen: new Date().toISOString() }) + '\n');
    sharePath(tmp, 'file');
    renameSync(tmp, file);
  };
  write();
  const beat = setInterval(() => {
    try {
      write(); // also brings the file back if someone thought us gone and removed it
    } catch {
      /* the session dir is gone */
    }
  }, HEARTBEAT_MS);
  beat.unref();
  const remove = () => rmSync(file, { force: true });
  process.once('exit', remove);
  return {
    setRole(role) {
      entry.role = role;
      write();
    },
    stop() {
      clearInterval(beat);
      process.removeListener('exit', remove);
      remove();
    },
  };
}

/** Everyone attached now, oldest first; stale files are removed on the way. */
export function readPresence(sessionDir: string, nowMs = Date.now()): PresenceEntry[] {
  const dir = join(sessionDir, PRESENCE_DIR);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const out: PresenceEntry[] = [];
  for (const n of names) {
    const f = join(dir, n);
    try {
      const { seen, ...e } = JSON.parse(readFileSync(f, 'utf8')) as PresenceEntry & { seen?: string };
      const seenMs = seen ? Date.parse(seen) : NaN;
      const gone = (e.host === hostname() && !pidAlive(e.pid)) || !(nowMs - seenMs <= STALE_MS);
      if (gone) rmSync(f, { force: true });
      else out.push(e);
    } catch {
      /* being written, or removed meanwhile */
    }
  }
  return out.sort((a, b) => a.since.localeCompare(b.since) || a.pid - b.pid);
}

const key = (e: PresenceEntry) => `${e.host}/${e.pid}`;

/**
 * Keep the store's `presence` current (every HEARTBEAT_MS) and say who arrived and who left. `self` (this process)
 * is not announced to itself.
 */
export function followPresence(sessionDir: string, live: SessionStore, self?: { pid: number; host: string }): () => void {
  let known = new Map<string, PresenceEntry>();
  let first = true;
  const poll = () => {
    const now = readPresence(sessionDir);
    const next = new Map(now.map((e) => [key(e), e]));
    if (!first) {
      for (const [k, e] of next) if (!known.has(k) && !(self && e.pid === self.pid && e.host === self.host)) live.message('info', `${e.principal} (${e.role}) joined`);
      for (const [k, e] of known) if (!next.has(k)) live.message('info', `${e.principal} (${e.role}) left`);
    }
    first = false;
    known = next;
    const prev = live.store.getState().presence;
    if (JSON.stringify(prev) !== JSON.stringify(now)) live.store.setState({ presence: now });
  };
  poll();
  const timer = setInterval(poll, HEARTBEAT_MS);
  timer.unref();
  return () => clearInterval(timer);
}
