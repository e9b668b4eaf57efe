/**
 * Lock files for a session directory.
 *
 * - `journal.lock`: held for the few milliseconds of one append by whichever process appends (the TUI, `run`,
 *   `signoff` from another shell). Waited for with a short backoff.
 * - `owner.lock`: held for the whole life of the process that runs checks (TUI or `run`). Not waited for: a second
 *   owner is refused at once with a message naming the holder.
 *
 * A lock file holds JSON {pid, host, since, token, ...}. It is written whole under a private name first and then
 * linked into place (link fails when the lock exists), so a lock file is never seen empty or half written: one that
 * cannot be read is a leftover (a crash of an older version) and is stale at once. A lock whose pid is dead on this
 * host is stale too. A stale lock is taken over by renaming it away first, so two processes breaking the same stale
 * lock cannot remove each other's fresh one. A process only ever removes a lock file that carries its own token.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, openSync, closeSync, readFileSync, readlinkSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { formatDuration } from '../checklist/duration.js';
import { UsageError } from '../checklist/errors.js';
import { shareFd } from './shared-files.js';

export interface LockInfo {
  pid: number;
  host: string;
  /** ISO time the lock was taken */
  since: string;
  /** random, identifies this holder (so release never removes someone else's lock) */
  token: string;
  /** free-form details: mode (tui/ci), operator */
  [k: string]: unknown;
}

export interface HeldLock {
  path: string;
  info: LockInfo;
  /** the stale lock this one replaced, if any */
  tookOver?: LockInfo;
  release(): void;
}

export class LockBusyError extends UsageError {
  constructor(
    message: string,
    readonly holder: LockInfo | undefined,
  ) {
    super(message);
    this.name = 'LockBusyError';
  }
}

/** True when a process with this pid exists on this machine (EPERM: exists but not ours). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readLockInfo(path: string): LockInfo | undefined {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
    if (v && typeof v === 'object' && typeof v.pid === 'number' && typeof v.host === 'string') return v;
  } catch {
    /* missing, empty or being written */
  }
  return undefined;
}

/**
 * Stale = held by a dead process on this host, or unreadable (empty or garbage: nobody holds it). `info` undefined
 * is what an earlier read gave: the lock may have been released and taken again since, so it is read once more —
 * a lock that reads whole now is someone's, not a leftover.
 */
export function lockIsStale(path: string, info: LockInfo | undefined): boolean {
  if (info) return info.host === hostname() && !pidAlive(info.pid);
  return existsSync(path) && readLockInfo(path) === undefined;
}

export function describeHolder(info: LockInfo | undefined): string {
  if (!info) return 'another process (lock file unreadable)';
  const extra = [info.mode, info.operator].filter((x) => typeof x === 'string' && x).join(', ');
  return `pid ${info.pid} on host ${info.host} since ${info.since}${extra ? ` (${extra})` : ''}`;
}

function newInfo(extra: Record<string, unknown>): LockInfo {
  return {
    ...extra,
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
  };
}

/** Write `info` beside the lock file, whole and group-shared, so it can be linked or renamed into place at once. */
function writeAside(path: string, info: LockInfo): string {
  const aside = `${dirname(path)}/.${basename(path)}.${process.pid}-${info.token}`;
  const fd = openSync(aside, 'wx', 0o666);
  try {
    shareFd(fd, 'file');
    writeSync(fd, JSON.stringify(info) + '\n');
  } finally {
    closeSync(fd);
  }
  return aside;
}

/** Create the lock file exclusively, whole (written aside, then linked into place). False when it already exists. */
function tryCreate(path: string, info: LockInfo): boolean {
  const aside = writeAside(path, info);
  try {
    linkSync(aside, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(aside);
  }
}

/**
 * Remove a stale lock we looked at. Renames it away first and checks that what we moved is the lock we judged
 * stale; if another process had meanwhile replaced it with a fresh lock, that one is put back.
 */
function breakStale(path: string, seen: LockInfo | undefined): boolean {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch {
    return false; // someone else moved it already
  }
  const moved = readLockInfo(aside);
  // what was moved is not the lock judged stale (a fresh one took its place, or a readable one where an unreadable
  // one was seen): it goes back
  if (moved && moved.token !== seen?.token) {
    try {
      linkSync(aside, path); // put the fresh lock back (fails if yet another one exists: then both exist… rare)
    } catch {
      /* ignore */
    }
    try {
      unlinkSync(aside);
    } catch {
      /* ignore */
    }
    return false;
  }
  try {
    unlinkSync(aside);
  } catch {
    /* ignore */
  }
  return true;
}

function held(path: string, info: LockInfo, tookOver?: LockInfo): HeldLock {
  let released = false;
  return {
    path,
    info,
    tookOver,
    release() {
      if (released) return;
      released = true;
      const now = readLockInfo(path);
      if (now && now.token === info.token) {
        try {
          unlinkSync(path);
        } catch {
          /* already gone */
        }
      }
    },
  };
}

/** The terminal this process reads from (the owner lock names it so a takeover can see how long it has been idle). */
export function ownTty(): string | undefined {
  if (!process.stdin.isTTY) return undefined;
  try {
    return readlinkSync('/proc/self/fd/0');
  } catch {
    return undefined;
  }
}

/**
 * The kernel's time as it stamps files (a file made now, its mtime), for comparing with other file times. A
 * process's own clock may be shifted (faketime) or the files may come from another clock: the two sides of an
 * age must come from the same clock.
 */
export function fileSystemNowMs(): number {
  const probe = join(tmpdir(), `.rt-clock-${process.pid}-${randomBytes(4).toString('hex')}`);
  writeFileSync(probe, '');
  try {
    return statSync(probe).mtimeMs;
  } finally {
    unlinkSync(probe);
  }
}

/**
 * How long the holder's terminal has had no input (the tty's access time, as `w` shows it, against the kernel's
 * clock), or 'gone' when that terminal no longer exists. Undefined when it cannot be told (another host, no tty).
 */
export function holderIdleMs(info: LockInfo): number | 'gone' | undefined {
  if (info.host !== hostname() || typeof info.tty !== 'string') return undefined;
  let atimeMs: number;
  try {
    atimeMs = statSync(info.tty).atimeMs;
  } catch {
    return 'gone';
  }
  return Math.max(0, fileSystemNowMs() - atimeMs);
}

/**
 * Replace a live or unknowable holder's lock by our own (an explicit takeover the operator confirmed). Written aside
 * and renamed over the lock, only if the lock is still the one `seen`; undefined when it changed meanwhile.
 */
export function replaceLock(path: string, seen: LockInfo, extra: Record<string, unknown> = {}): HeldLock | undefined {
  const info = newInfo(extra);
  const aside = writeAside(path, info);
  if (readLockInfo(path)?.token !== seen.token) {
    unlinkSync(aside);
    return undefined;
  }
  renameSync(aside, path);
  return held(path, info, seen);
}

/** Try once (taking over a stale lock). Returns the lock, or the current holder when busy. */
export function tryLock(
  path: string,
  extra: Record<string, unknown> = {},
): { lock: HeldLock } | { busy: LockInfo | undefined } {
  for (let i = 0; i < 3; i++) {
    const info = newInfo(extra);
    if (tryCreate(path, info)) return { lock: held(path, info) };
    const holder = readLockInfo(path);
    if (lockIsStale(path, holder)) {
      if (breakStale(path, holder) && tryCreate(path, info)) return { lock: held(path, info, holder ?? undefined) };
      continue;
    }
    return { busy: holder };
  }
  return { busy: readLockInfo(path) };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Wait for a short-lived lock (the journal append lock): retry with exponential backoff and jitter, take over a
 * stale one, and give up after `timeoutMs` with a message naming the holder.
 */
export async function acquireLock(
  path: string,
  o: { timeoutMs?: number; what?: string; extra?: Record<string, unknown> } = {},
): Promise<HeldLock> {
  const timeoutMs = o.timeoutMs ?? 5_000;
  const deadline = Date.now() + timeoutMs;
  let delay = 1;
  for (;;) {
    const r = tryLock(path, o.extra);
    if ('lock' in r) return r.lock;
    if (Date.now() >= deadline) {
      throw new LockBusyError(
        `${o.what ?? 'lock'} ${path} is held by ${describeHolder(r.busy)} and was not released within ${formatDuration(timeoutMs)}. ` +
          `If that process is gone (e.g. on another host), remove the file by hand.`,
        r.busy,
      );
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 50);
  }
}
