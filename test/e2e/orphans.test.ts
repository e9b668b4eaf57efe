/**
 * The TUI finds check groups a runner that died left running (recorded under <session>/process-groups), shows them
 * in a dialog at start and terminates them only when the operator agrees (y); n leaves them running and asks again
 * next time. Both answers are journaled. Built CLI in a real pty, real process groups (Linux: /proc).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { groupMembers } from '../../src/process/spawn.js';
import { launchTui, type Tui } from '../support/pty.js';
import { ensureBuilt } from '../support/cli-run.js';

const CHECKLIST = `apiVersion: readiness/v1
name: orphans
title: Orphans
blocks:
  - id: "A"
    title: Block
    items:
      - id: "a1"
        title: manual one
        check: { kind: manual }
`;
const AS = 'tester@example.com';

let dir: string;
let tui: Tui | undefined;
let group: ChildProcess | undefined;
/** groups a test left behind if it failed half-way */
const groups: number[] = [];

/** a real process group (sh + 2 sleeps) recorded as started by a runner that has exited */
async function leaveOrphan(state: string): Promise<number> {
  const ledger = path.join(state, 'sessions', 'died', 'process-groups');
  mkdirSync(ledger, { recursive: true });
  group = spawn('sh', ['-c', 'sleep 305 & sleep 306'], { detached: true, stdio: 'ignore' });
  const dead = spawn('true');
  await new Promise((r) => dead.on('exit', r));
  const pgid = group.pid!;
  const entry = { pgid, runner: { pid: dead.pid!, start: '1' }, command: 'sh -c sleep 305 & sleep 306', startedAt: '2026-01-02T03:04:05.000Z' };
  writeFileSync(path.join(ledger, `${pgid}.json`), JSON.stringify(entry));
  for (const until = Date.now() + 10_000; groupMembers(pgid).length < 3 && Date.now() < until; ) await new Promise((r) => setImmediate(r));
  return pgid;
}

async function until(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  for (const end = Date.now() + ms; !cond(); ) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function journalNotes(state: string): string[] {
  const sessions = path.join(state, 'sessions');
  const out: string[] = [];
  for (const id of readdirSync(sessions)) {
    const j = path.join(sessions, id, 'journal.jsonl');
    if (!existsSync(j)) continue;
    for (const l of readFileSync(j, 'utf8').split('\n').filter(Boolean)) {
      const e = JSON.parse(l) as { type: string; data: { text?: string } };
      if (e.type === 'note' && e.data.text) out.push(e.data.text);
    }
  }
  return out;
}

describe.skipIf(process.platform !== 'linux')('leftover check processes at TUI start', () => {
  beforeAll(ensureBuilt);
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rt-e2e-orphans-'));
    writeFileSync(path.join(dir, 'checklist.yaml'), CHECKLIST);
  });
  afterEach(async () => {
    tui?.kill('SIGKILL');
    if (tui) await tui.exited;
    tui = undefined;
    for (const g of [group?.pid, ...groups.splice(0)]) if (g && groupMembers(g).length) process.kill(-g, 'SIGKILL');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('shows them and terminates them once the operator agrees (y), journaled', { timeout: 60_000 }, async () => {
    const state = path.join(dir, 'state-y');
    const pgid = await leaveOrphan(state);
    tui = await launchTui({ args: ['checklist.yaml', '--state-dir', state, '--as', AS], cwd: dir, cols: 120, rows: 30 });
    await tui.waitForScreen('Leftover check processes: 1 process group');
    await tui.waitForScreen(`process group ${pgid} of a check`);
    expect(groupMembers(pgid).length).toBe(3); // nothing is killed before the operator answers
    await tui.press('y');
    await until(() => groupMembers(pgid).length === 0, 'the group to be terminated');
    await until(() => journalNotes(state).some((t) => t.includes(`process group ${pgid}`) && t.includes(`terminated (${AS} agreed)`)), 'the journal note');
    expect(readdirSync(path.join(state, 'sessions', 'died', 'process-groups'))).toEqual([]);
  });

  it('leaves them running on n, journals that, and asks again at the next start', { timeout: 60_000 }, async () => {
    const state = path.join(dir, 'state-n');
    const pgid = await leaveOrphan(state);
    tui = await launchTui({ args: ['checklist.yaml', '--state-dir', state, '--as', AS], cwd: dir, cols: 120, rows: 30 });
    await tui.waitForScreen('Leftover check processes: 1 process group');
    await tui.press('n');
    await until(() => journalNotes(state).some((t) => t.includes(`process group ${pgid}`) && t.includes(`left running (${AS} declined to terminate it)`)), 'the journal note');
    expect(groupMembers(pgid).length).toBe(3);
    await tui.press('q');
    await tui.exited;
    tui = await launchTui({ args: ['checklist.yaml', '--state-dir', state, '--as', AS], cwd: dir, cols: 120, rows: 30 });
    await tui.waitForScreen(`process group ${pgid} of a check`);
  });

  it('records its own check groups; after a SIGKILL of the TUI the next start finds and terminates them', { timeout: 90_000 }, async () => {
    const state = path.join(dir, 'state-kill');
    writeFileSync(
      path.join(dir, 'long.yaml'),
      CHECKLIST.replace('name: orphans', 'name: long').replace('check: { kind: manual }', 'check: { kind: command, run: "sleep 301" }'),
    );
    tui = await launchTui({ args: ['long.yaml', '--state-dir', state, '--as', AS], cwd: dir, cols: 120, rows: 30 });
    await tui.waitForScreen('Block');
    await tui.press('enter', 'enter', 'r');
    let pgid = 0;
    await until(() => {
      for (const id of existsSync(path.join(state, 'sessions')) ? readdirSync(path.join(state, 'sessions')) : []) {
        const d = path.join(state, 'sessions', id, 'process-groups');
        const f = existsSync(d) ? readdirSync(d) : [];
        if (f.length) pgid = (JSON.parse(readFileSync(path.join(d, f[0]!), 'utf8')) as { pgid: number }).pgid;
      }
      return pgid > 0 && groupMembers(pgid).length > 0;
    }, 'the check group to be recorded');
    groups.push(pgid);
    tui.kill('SIGKILL');
    await tui.exited;
    expect(groupMembers(pgid).length).toBeGreaterThan(0); // it outlived its runner
    tui = await launchTui({ args: ['long.yaml', '--state-dir', state, '--as', AS], cwd: dir, cols: 120, rows: 30 });
    await tui.waitForScreen(`process group ${pgid} of a check`);
    await tui.press('y');
    await until(() => groupMembers(pgid).length === 0, 'the leftover group to be terminated');
  });
});
