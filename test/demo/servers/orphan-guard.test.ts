import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { guardAgainstOrphan } from '../../../src/demo/servers/orphan-guard.js';

/** a pid, or a process group as -pgid */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (alive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  return !alive(pid);
}

const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
};
const childrenOf = (pid: number) =>
  readdirSync(`/proc/${pid}/task`).flatMap((t) => {
    try {
      return readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  });

/**
 * The guard is a shell loop that checks the parent and the server, then runs `sleep 0.5`. Once it has started two
 * different sleeps, it has checked at least twice with the parent alive: the moment to look at the server (the
 * guard's own progress, not a guess at how long it needs).
 */
async function guardLooped(parentPid: number): Promise<void> {
  const guard = childrenOf(process.pid).find((p) => cmdline(p).includes(`while kill -0 ${parentPid} `));
  if (!guard) throw new Error('the guard process was not found among our children');
  const sleeps = new Set<number>();
  while (sleeps.size < 2) {
    for (const c of childrenOf(guard)) if (cmdline(c) === 'sleep 0.5') sleeps.add(c);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('guardAgainstOrphan', () => {
  it('stops the server group when its parent dies without any exit hook (SIGKILL)', async () => {
    // the "parent": a process we can kill the hard way; the "server": its own group, with a child of its own
    const parent = spawn('sleep', ['613.7'], { stdio: 'ignore' });
    const server = spawn('/bin/sh', ['-c', 'sleep 617.3 & wait'], { detached: true, stdio: 'ignore' });
    const guard = guardAgainstOrphan(server.pid!, parent.pid!);
    try {
      await guardLooped(parent.pid!);
      expect(alive(server.pid!)).toBe(true); // the parent lives: the guard leaves the server alone
      parent.kill('SIGKILL');
      // the whole group: the server and its own child
      expect(await waitGone(-server.pid!, 10_000)).toBe(true);
    } finally {
      guard.stop();
      try {
        process.kill(-server.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });

  it('stop() ends the guard when the server is stopped the ordinary way', async () => {
    const server = spawn('sleep', ['619.1'], { detached: true, stdio: 'ignore' });
    const guard = guardAgainstOrphan(server.pid!);
    server.kill('SIGTERM');
    guard.stop();
    expect(await waitGone(server.pid!, 5000)).toBe(true);
  });
});
