/**
 * Group sharing by design: a state dir (and a reports dir) is a team's shared place.
 *
 * Every file and directory the product creates there gives its group the same access as its owner, whatever the
 * caller's umask (`ssh host cmd` runs with 022): the umask still decides what *others* get. Directories also get
 * setgid, so what anybody creates inside keeps the directory's group. Only the creator can chmod a file, so this is
 * done right after creation, by the creator.
 *
 * `groupAccessProblems` is the check made when a session is opened: it says what the group cannot use and the exact
 * command that fixes it.
 */
import { chmodSync, fchmodSync, fstatSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/** what a created path is: a file, a directory */
export type ShareKind = 'file' | 'dir';

const BASE: Record<ShareKind, number> = { file: 0o666, dir: 0o777 };
const SETGID = 0o2000;

/** The mode for a created path: the umask's choice for others, the owner's bits copied to the group. */
export function sharedMode(kind: ShareKind, umask = process.umask()): number {
  const m = BASE[kind] & ~umask & 0o777;
  const owner = BASE[kind] & 0o700;
  return (m | (owner >> 3)) | (kind === 'dir' ? SETGID : 0);
}

const notOurs = (err: unknown) => ['EPERM', 'EACCES'].includes((err as NodeJS.ErrnoException).code ?? '');

/** Give a file this process just created (open descriptor) its shared mode. */
export function shareFd(fd: number, kind: ShareKind = 'file'): void {
  try {
    if (!fstatSync(fd).isFile()) return; // a device given as a path (/dev/null) is nobody's to chmod
    fchmodSync(fd, sharedMode(kind));
  } catch (err) {
    if (!notOurs(err)) throw err; // another member's file: theirs to share (the open check names it)
  }
}

/** Give a path this process just created its shared mode. */
export function sharePath(path: string, kind: ShareKind = 'file'): void {
  try {
    const st = lstatSync(path);
    if (kind === 'dir' ? !st.isDirectory() : !st.isFile()) return; // devices, links: nobody's to chmod
    chmodSync(path, sharedMode(kind));
  } catch (err) {
    if (!notOurs(err)) throw err;
  }
}

/** `mkdir -p` whose created directories (only those) are group-shared and setgid. */
export function mkdirShared(dir: string): void {
  const first = mkdirSync(dir, { recursive: true });
  if (first === undefined) return;
  const abs = resolve(dir);
  const parts = relative(first, abs).split('/').filter(Boolean);
  let p = first;
  sharePath(p, 'dir');
  for (const part of parts) sharePath((p = join(p, part)), 'dir');
}

/** Every file and directory under `dir` (all made by this process) shared with the group. */
export function shareTree(dir: string): void {
  sharePath(dir, 'dir');
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) shareTree(p);
    else if (e.isFile()) sharePath(p, 'file');
  }
}

/** files of a session directory the group must be able to write to (locks are created and removed: dir write) */
const GROUP_WRITES = new Set(['journal.jsonl']);

function idNames(file: string): Map<number, string> {
  const m = new Map<number, string>();
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length >= 3 && f[0]) m.set(Number(f[2]), f[0]);
    }
  } catch {
    /* no such database: numbers are shown */
  }
  return m;
}

/** `drwxr-sr-x`-style text of a mode. */
export function modeText(st: Stats): string {
  const m = st.mode;
  const t = st.isDirectory() ? 'd' : '-';
  const r = (bits: number, x: number, special: boolean, s: string) =>
    `${bits & 4 ? 'r' : '-'}${bits & 2 ? 'w' : '-'}${special ? (x ? s : s.toUpperCase()) : x ? 'x' : '-'}`;
  return (
    t +
    r((m >> 6) & 7, m & 0o100, Boolean(m & 0o4000), 's') +
    r((m >> 3) & 7, m & 0o010, Boolean(m & 0o2000), 's') +
    r(m & 7, m & 0o001, Boolean(m & 0o1000), 't')
  );
}

interface Need {
  path: string;
  st: Stats;
  missing: string;
}

function needOf(path: string, st: Stats, write: boolean, gid: number): Need | undefined {
  const m = st.mode;
  const dir = st.isDirectory();
  const need = dir ? 'rwxs' : write ? 'rw' : 'r';
  const has = { r: m & 0o040, w: m & 0o020, x: m & 0o010, s: m & SETGID };
  const missing = [...need].filter((c) => !has[c as keyof typeof has]).join('');
  if (!missing && st.gid === gid) return undefined;
  return { path, st, missing };
}

/**
 * What the state dir's group cannot use in it: the state dir, `sessions/`, and (when given) one session directory
 * with everything in it. A state dir owned by the caller that grants its group nothing is a private one and is not
 * checked. Each problem is one line naming the path, its mode and owner, and the command that fixes it.
 */
export function groupAccessProblems(stateDir: string, sessionDir?: string): string[] {
  const root = resolve(stateDir);
  let rootSt: Stats;
  try {
    rootSt = statSync(root);
  } catch {
    return [];
  }
  const uid = process.getuid?.() ?? -1;
  if (rootSt.uid === uid && (rootSt.mode & 0o070) === 0) return []; // private state dir
  const gid = rootSt.gid;
  const needs: Need[] = [];
  const look = (p: string, write = false) => {
    let st: Stats;
    try {
      st = lstatSync(p);
    } catch {
      return;
    }
    if (!st.isFile() && !st.isDirectory()) return;
    const n = needOf(p, st, write, gid);
    if (n) needs.push(n);
    if (st.isDirectory() && p !== root && sessionDir && resolve(p).startsWith(resolve(sessionDir))) {
      for (const e of readdirSync(p)) look(join(p, e), GROUP_WRITES.has(e));
    }
  };
  look(root);
  look(join(root, 'sessions'));
  if (sessionDir) look(resolve(sessionDir));
  if (!needs.length) return [];
  const users = idNames('/etc/passwd');
  const groups = idNames('/etc/group');
  const group = groups.get(gid) ?? String(gid);
  return needs.map((n) => {
    const owner = users.get(n.st.uid) ?? String(n.st.uid);
    const ownerGroup = groups.get(n.st.gid) ?? String(n.st.gid);
    const fix: string[] = [];
    if (n.missing) fix.push(`chmod g+${n.missing} '${n.path}'`);
    if (n.st.gid !== gid) fix.push(`chgrp ${group} '${n.path}'`);
    return (
      `${n.path} (${modeText(n.st)} ${owner}:${ownerGroup}) cannot be used by the state dir's group ${group}` +
      `: run as ${owner}: ${fix.join(' && ')}`
    );
  });
}

/** One warning for the problems (at most `max` listed), or undefined. */
export function groupAccessWarning(stateDir: string, sessionDir?: string, max = 6): string | undefined {
  const p = groupAccessProblems(stateDir, sessionDir);
  if (!p.length) return undefined;
  const more = p.length > max ? `\n  … and ${p.length - max} more; for all at once: chmod -R g+rwX '${resolve(stateDir)}' && find '${resolve(stateDir)}' -type d -exec chmod g+s {} +` : '';
  return `the state dir is shared by its group, but ${p.length} path(s) in it are not usable by that group:\n  ${p.slice(0, max).join('\n  ')}${more}`;
}
