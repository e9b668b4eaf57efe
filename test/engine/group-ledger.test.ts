import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeOrphan, findOrphanGroups, recordGroupsIn } from '../../src/engine/group-ledger.js';
import { groupMembers, spawnGroup } from '../../src/process/spawn.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'rt-ledger-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.skipIf(process.platform !== 'linux')('group ledger', () => {
  it("records a check's group while it runs (secrets masked) and removes the record when the group is gone", async () => {
    const session = path.join(root, 'state', 'sessions', 's1');
    mkdirSync(session, { recursive: true });
    const stop = recordGroupsIn(session, (s) => s.replaceAll('hunter2', '[REDACTED:pw]'), () => new Date('2026-01-02T03:04:05Z'));
    let seen: string[] = [];
    let record: unknown;
    try {
      const r = await spawnGroup({
        file: '/bin/sh',
        args: ['-c', 'echo hunter2; sleep 0.3'],
        onData() {
          if (seen.length) return;
          seen = readdirSync(path.join(session, 'process-groups'));
          record = JSON.parse(readFileSync(path.join(session, 'process-groups', seen[0]!), 'utf8'));
        },
      });
      expect(seen).toEqual([`${r.pid}.json`]);
      expect(record).toEqual({ pgid: r.pid, runner: { pid: process.pid, start: expect.any(String) }, command: '/bin/sh -c echo [REDACTED:pw]; sleep 0.3', startedAt: '2026-01-02T03:04:05.000Z' });
      expect(readdirSync(path.join(session, 'process-groups'))).toEqual([]);
    } finally {
      stop();
    }
  });

  it("finds a group whose runner is gone, terminates it and drops the record; leaves a live runner's group alone", async () => {
    const state = path.join(root, 'orphans');
    const dir = path.join(state, 'sessions', 's2', 'process-groups');
    mkdirSync(dir, { recursive: true });
    // a real group, and a runner that has exited
    const group = spawn('sh', ['-c', 'sleep 305 & sleep 306'], { detached: true, stdio: 'ignore' });
    const dead = spawn('true');
    await new Promise((r) => dead.on('exit', r));
    const orphan = { pgid: group.pid!, runner: { pid: dead.pid!, start: '1' }, command: 'sh -c sleep 305 & sleep 306', startedAt: '2026-01-02T03:04:05.000Z' };
    writeFileSync(path.join(dir, `${group.pid}.json`), JSON.stringify(orphan));
    const mine = spawn('sleep', ['307'], { detached: true, stdio: 'ignore' });
    writeFileSync(path.join(dir, `${mine.pid}.json`), JSON.stringify({ ...orphan, pgid: mine.pid, runner: { pid: process.pid } }));
    writeFileSync(path.join(dir, '1234567.json'), JSON.stringify({ ...orphan, pgid: 1234567 })); // long gone
    writeFileSync(path.join(dir, '99.json'), '{"pgid": 9'); // half-written
    try {
      // until `sh` has started both sleeps
      for (const until = Date.now() + 10_000; groupMembers(group.pid!).length < 3 && Date.now() < until; ) await new Promise((r) => setImmediate(r));
      const found = await findOrphanGroups(state, { terminate: true, graceMs: 500 });
      expect(found).toEqual([expect.objectContaining({ pgid: group.pid, runnerPid: dead.pid, session: 's2', terminated: true })]);
      expect(found[0]!.pids.length).toBe(3);
      expect(describeOrphan(found[0]!)).toMatch(/^process group \d+ of a check \(sh -c sleep 305 & sleep 306\) started 2026-01-02T03:04:05\.000Z by readiness-tui pid \d+, which is gone, was still running: 3 processes \(pids [\d, ]+\); terminated$/);
      expect(groupMembers(group.pid!)).toEqual([]);
      expect(groupMembers(mine.pid!)).toEqual([mine.pid]);
      expect(readdirSync(dir)).toEqual([`${mine.pid}.json`]);
    } finally {
      mine.kill('SIGKILL');
      if (existsSync(`/proc/${group.pid}`)) process.kill(-group.pid!, 'SIGKILL');
    }
  });
});
