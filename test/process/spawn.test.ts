import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { liveGroups, spawnGroup } from '../../src/process/spawn.js';

/** pids of live (non-zombie) processes whose command line contains `marker` */
function pidsWith(marker: string): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => l.includes(marker) && !l.includes('ps -eo'))
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => !f[1]!.startsWith('Z'))
    .map((f) => Number(f[0]));
}

async function waitGone(marker: string, ms = 3000): Promise<number[]> {
  const until = Date.now() + ms;
  let left = pidsWith(marker);
  while (left.length && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
    left = pidsWith(marker);
  }
  return left;
}

describe('spawnGroup', () => {
  it('streams stdout and stderr and reports the exit code', async () => {
    const got: string[] = [];
    const r = await spawnGroup({
      file: '/bin/sh',
      args: ['-c', 'echo out; echo err >&2; exit 7'],
      onData: (c, s) => got.push(`${s}:${c.toString()}`),
    });
    expect(r.exitCode).toBe(7);
    expect(r.aborted).toBe(false);
    expect(got.join('')).toContain('stdout:out\n');
    expect(got.join('')).toContain('stderr:err\n');
  });

  it('keeps the order of stdout and stderr', async () => {
    const got: string[] = [];
    await spawnGroup({
      file: '/bin/sh',
      args: ['-c', 'for i in 1 2 3; do echo o$i; sleep 0.03; echo e$i >&2; sleep 0.03; done'],
      onData: (c, s) => got.push(...c.toString().trim().split('\n').map((l) => `${s}:${l}`)),
    });
    expect(got).toEqual(['stdout:o1', 'stderr:e1', 'stdout:o2', 'stderr:e2', 'stdout:o3', 'stderr:e3']);
  });

  it('on abort kills the whole process group (grandchildren too): no orphans', async () => {
    const marker = `rt-orphan-${process.pid}-${Date.now()}`;
    const ac = new AbortController();
    // the shell starts two grandchildren, one of them through a subshell
    const p = spawnGroup({
      file: '/bin/sh',
      args: ['-c', `sh -c "sleep 300; : ${marker}" & (sh -c "sleep 301; : ${marker}") & wait`],
      signal: ac.signal,
      killGraceMs: 500,
      onData: () => undefined,
    });
    const until = Date.now() + 3000;
    while (pidsWith(marker).length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 30));
    expect(pidsWith(marker).length).toBeGreaterThanOrEqual(2);
    ac.abort();
    const r = await p;
    expect(r.aborted).toBe(true);
    expect(await waitGone(marker)).toEqual([]);
    expect(liveGroups()).not.toContain(r.pid);
  });

  it('escalates to SIGKILL when the group ignores SIGTERM', async () => {
    const marker = `rt-stubborn-${process.pid}-${Date.now()}`;
    const ac = new AbortController();
    const p = spawnGroup({
      file: '/bin/sh',
      args: ['-c', `trap '' TERM; sh -c "trap '' TERM; sleep 300; : ${marker}" & wait; : ${marker}`],
      signal: ac.signal,
      killGraceMs: 300,
      onData: () => undefined,
    });
    const until = Date.now() + 3000;
    while (pidsWith(marker).length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 30));
    const t0 = Date.now();
    ac.abort();
    const r = await p;
    expect(r.aborted).toBe(true);
    expect(r.signal).toBe('SIGKILL');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(await waitGone(marker)).toEqual([]);
  });

  it('kills helpers left in the background when the main child exits', async () => {
    const marker = `rt-bg-${process.pid}-${Date.now()}`;
    const r = await spawnGroup({
      file: '/bin/sh',
      // the background sleep keeps stdout open; without the group kill this would hang for 300 s
      args: ['-c', `sh -c "sleep 300; : ${marker}" & echo started`],
      killGraceMs: 500,
      onData: () => undefined,
    });
    // returned at all (the test's time limit is far below 300 s), with the helper gone
    expect(r.exitCode).toBe(0);
    expect(await waitGone(marker)).toEqual([]);
  });

  it('reports a program that cannot be started', async () => {
    const r = await spawnGroup({ file: 'no-such-program-rt', args: [], onData: () => undefined });
    expect(r.spawnError?.code).toBe('ENOENT');
    expect(r.exitCode).toBeUndefined();
  });

  it('reports a program whose path runs through a regular file (a spawn that fails at once) instead of hanging', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rt-notdir-'));
    try {
      writeFileSync(path.join(dir, 'file'), '');
      const r = await spawnGroup({ file: path.join(dir, 'file', 'tool'), args: [], onData: () => undefined });
      expect(r.spawnError?.code).toBe('ENOTDIR');
      expect(r.exitCode).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('spawnGroup output channels', () => {
  it('back-pressure: while onData is busy the child cannot write ahead (its output waits in the pipe, not in memory)', async () => {
    const flag = path.join(os.tmpdir(), `rt-backpressure-${process.pid}-${Date.now()}`);
    let first = true;
    let doneWhileBlocked: boolean | undefined;
    let bytes = 0;
    const r = await spawnGroup({
      file: '/bin/sh',
      args: ['-c', `head -c 8388608 /dev/zero; touch '${flag}'`],
      onData: (c) => {
        bytes += c.length;
        if (!first) return;
        first = false;
        // hold the event loop for 300 ms: nothing is read meanwhile, so the child blocks on the full pipe
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
        doneWhileBlocked = existsSync(flag);
      },
    });
    rmSync(flag, { force: true });
    expect(r.exitCode).toBe(0);
    expect(doneWhileBlocked).toBe(false);
    expect(bytes).toBe(8388608);
  });

  it('a check finishing while another still runs is not held by it (no inherited write ends)', async () => {
    const ac = new AbortController();
    let longDone = false;
    const long = spawnGroup({ file: 'sleep', args: ['41.73'], signal: ac.signal, killGraceMs: 200, onData: () => undefined }).then(
      (r) => ((longDone = true), r),
    );
    let out = '';
    const short = await spawnGroup({ file: '/bin/sh', args: ['-c', 'echo quick'], onData: (c) => (out += c.toString()) });
    expect(short.exitCode).toBe(0);
    expect(out).toBe('quick\n');
    expect(longDone).toBe(false);
    ac.abort();
    expect((await long).aborted).toBe(true);
  });

  it('a process that left the group (setsid) but keeps stdout open does not hold the check', async () => {
    const marker = `rt-escaped-${process.pid}-${Date.now()}`;
    const flag = path.join(os.tmpdir(), `${marker}.started`);
    let out = '';
    const r = await spawnGroup({
      file: '/bin/sh',
      // setsid puts the sleeper in a new session: the group kill cannot reach it, and it inherits our stdout
      // (the main shell waits until the sleeper has left the group, then exits)
      args: ['-c', `setsid sh -c "touch ${flag}; sleep 300; : ${marker}" & while [ ! -e ${flag} ]; do sleep 0.05; done; echo before-exit`],
      killGraceMs: 300,
      onData: (c) => (out += c.toString()),
    });
    try {
      expect(r.exitCode).toBe(0);
      expect(out).toBe('before-exit\n');
      // it returned while the escaped process still runs
      expect(pidsWith(marker).length).toBeGreaterThan(0);
    } finally {
      // the escaped shell leads its own session and process group (setsid): kill the group, its sleep included
      for (const pid of pidsWith(marker)) process.kill(-pid, 'SIGKILL');
      expect(await waitGone(marker)).toEqual([]);
      rmSync(flag, { force: true });
    }
  });
});
