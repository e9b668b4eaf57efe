/**
 * Two real Unix users in one group (alice and bob of the pairing tests), created on first use when the tests run as
 * root (useradd/groupadd). Tools such as ssh-keygen and sshd need a passwd entry for the uid, so bare uids do not do.
 */
import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';

export interface UnixUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export const TEAM_GROUP = 'rt-cutover';

function id(args: string[]): number | undefined {
  try {
    return Number(execFileSync('id', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    return undefined;
  }
}

function groupId(name: string): number | undefined {
  try {
    return Number(execFileSync('getent', ['group', name], { encoding: 'utf8' }).split(':')[2]);
  } catch {
    return undefined;
  }
}

/** Why the users cannot be had here, or undefined when they can. */
export function unixUsersUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'creating and switching to two Unix users needs root';
  try {
    execFileSync('sh', ['-c', 'command -v useradd && command -v groupadd'], { stdio: 'ignore' });
  } catch {
    return 'useradd/groupadd not found';
  }
  return undefined;
}

/** `rt-alice` and `rt-bob` (homes under `homeRoot`, made by the caller), both with primary group rt-cutover. */
export function teamUsers(homeRoot: string): { alice: UnixUser; bob: UnixUser } {
  if (groupId(TEAM_GROUP) === undefined) {
    try {
      execFileSync('groupadd', [TEAM_GROUP], { stdio: 'ignore' });
    } catch {
      /* created meanwhile by a parallel test */
    }
  }
  const gid = groupId(TEAM_GROUP)!;
  const make = (short: string): UnixUser => {
    const name = `rt-${short}`;
    if (id(['-u', name]) === undefined) {
      try {
        // password '*': no password login, but not a locked account (sshd refuses locked ones)
        execFileSync('useradd', ['-M', '-N', '-g', TEAM_GROUP, '-p', '*', '-s', '/bin/sh', '-d', `/nonexistent-${name}`, name], { stdio: 'ignore' });
      } catch {
        /* created meanwhile */
      }
    }
    execFileSync('usermod', ['-p', '*', name], { stdio: 'ignore' }); // made locked by an earlier version of this helper
    return { name, uid: id(['-u', name])!, gid, home: `${homeRoot}/home-${short}` };
  };
  return { alice: make('alice'), bob: make('bob') };
}

/** every path under dir with its mode (links not followed): what the team's members can do with each */
export function walk(dir: string, out: { path: string; mode: number; dir: boolean }[] = []): { path: string; mode: number; dir: boolean }[] {
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    const st = lstatSync(p);
    out.push({ path: p, mode: st.mode & 0o7777, dir: st.isDirectory() });
    if (st.isDirectory()) walk(p, out);
  }
  return out;
}
