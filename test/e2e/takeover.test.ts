/**
 * Takeover of the driver role, with real TUIs in real ptys: a second driver is refused with the holder named and how
 * long its terminal has been idle; once idle for the takeover time (its tty's access time set back, as `w` reads it),
 * `--take-over` takes the role, the takeover is journaled, and the old holder becomes a watcher. A holder that died
 * is taken over at once, with a note.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchTui, type Tui } from '../support/pty.js';
import { ensureBuilt } from '../support/cli-run.js';
import { fileSystemNowMs } from '../../src/engine/lock.js';

const CHECKLIST = `apiVersion: readiness/v1
name: handover
title: Handover drill
blocks:
  - id: "A"
    title: Checks
    items:
      - id: "a1"
        title: Quick
        check:
          kind: command
          run: 'echo ok'
`;

let dir: string;
let tuis: Tui[] = [];
const state = () => path.join(dir, 'state');

function journal(): { type: string; actor: string; data: Record<string, unknown> }[] {
  const sessions = path.join(state(), 'sessions');
  const id = readdirSync(sessions).filter((n) => !n.endsWith('.lock')).sort().pop()!;
  return readFileSync(path.join(sessions, id, 'journal.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; actor: string; data: Record<string, unknown> });
}

async function launch(as: string, extra: string[] = [], waitReady = true): Promise<Tui> {
  const t = await launchTui({ args: ['checklist.yaml', '--state-dir', state(), '--as', as, ...extra], cwd: dir, cols: 110, rows: 30, waitReady });
  tuis.push(t);
  return t;
}

/** everything the app wrote, without escape sequences, lines joined */
const plain = (t: Tui) => t.raw().replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07/g, '').replace(/\s*\r?\n\s*/g, ' ');

const exitOf = (t: Tui) => Promise.race([t.exited, new Promise<never>((_r, rej) => setTimeout(() => rej(new Error(`no exit; screen:\n${t.screen()}`)), 15_000))]);

describe('taking over the driver role', () => {
  beforeAll(ensureBuilt);
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rt-takeover-'));
    writeFileSync(path.join(dir, 'checklist.yaml'), CHECKLIST);
  });
  afterEach(() => {
    for (const t of tuis) t.kill('SIGKILL');
    tuis = [];
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses while the holder is in use, takes over after --take-over once its terminal is idle; the old holder watches', async () => {
    const alice = await launch('alice@example.com');
    await alice.waitForScreen('Handover drill');
    const tty = readlinkSync(`/proc/${alice.pid}/fd/0`);

    const bob1 = await launch('bob@example.com', [], false);
    await exitOf(bob1);
    expect(plain(bob1)).toMatch(
      new RegExp(`is driven by pid ${alice.pid} on host \\S+ since \\S+ \\(tui, alice@example.com\\)\\. Its terminal ${tty} has had no input for \\d+ s\\. Only one TUI or run drives a session`),
    );

    // alice's terminal has been idle for 20 minutes (her ssh connection is half-open)
    // (against the kernel's clock, which the product compares the tty's access time with: not this process's clock,
    // which faketime may shift)
    execFileSync('touch', ['-a', '-d', `@${Math.floor(fileSystemNowMs() / 1000) - 20 * 60}`, tty]);
    const bob2 = await launch('bob@example.com', [], false);
    await exitOf(bob2);
    expect(plain(bob2)).toMatch(/has had no input for 20 min\. To take the driver role from it, run again with --take-over/);

    const before = journal().length;
    const bob = await launch('bob@example.com', ['--take-over']);
    await bob.waitForScreen('Handover drill');
    const note = journal().slice(before).find((r) => r.type === 'note');
    expect(note).toMatchObject({ actor: 'bob@example.com' });
    expect(note!.data.text).toMatch(new RegExp(`^took over the driver role from pid ${alice.pid} .*alice@example.com.* \\(confirmed with --take-over\\): Its terminal ${tty} has had no input for 20 min`));

    // alice comes back: she is a watcher now
    await alice.waitForScreen(/the driver role was taken over by pid \d+ .*bob@example.com/, 15_000);
    await alice.press('enter');
    await alice.waitForScreen(/Status.*ID.*Title/);
    expect(alice.screen()).not.toMatch(/run block|run all/);
    await alice.press('R');
    expect(journal().filter((r) => r.type === 'item.start')).toEqual([]);
    await alice.press('q');
    await exitOf(alice);
    // her leaving does not remove bob's lock: he still drives
    await bob.press('enter', 'enter', 'r');
    await bob.waitForScreen(/✓ PASS/, 20_000);
  });

  it('H hands the driver role over (confirmed): journaled, the lock released, the driver watches; the watcher then drives', async () => {
    const alice = await launch('alice@example.com');
    await alice.waitForScreen('Handover drill');
    const bobW = await launchTui({ args: ['watch', '--state-dir', state(), '--as', 'bob@example.com'], cwd: dir, cols: 110, rows: 30 });
    tuis.push(bobW);
    await bobW.waitForScreen('Handover drill');
    const before = journal().length;
    await alice.press('H');
    await alice.waitForScreen('Hand the driver role over?');
    await alice.press('y');
    await alice.waitForScreen(/you handed the driver role over and are watching now/, 15_000);
    const note = journal().slice(before).find((r) => r.type === 'note');
    expect(note).toMatchObject({ actor: 'alice@example.com' });
    expect(note!.data.text).toMatch(/^alice@example\.com hands the driver role over: running checks finish in pid \d+, then the session is free to drive$/);
    const sessions = path.join(state(), 'sessions');
    const sd = path.join(sessions, readdirSync(sessions).filter((n) => !n.endsWith('.lock')).sort().pop()!);
    expect(readdirSync(sd)).not.toContain('owner.lock');
    await alice.press('enter');
    await alice.waitForScreen(/Status.*ID.*Title/);
    expect(alice.screen()).not.toMatch(/run block|run all|hand over/);
    // bob confirms by taking the role: he leaves his watcher and drives
    await bobW.waitForScreen(/hands the driver role over/, 15_000);
    await bobW.press('q');
    await exitOf(bobW);
    const bob = await launch('bob@example.com');
    await bob.waitForScreen(/with alice@example\.com \(watcher since/, 8000);
    await alice.waitForScreen(/with bob@example\.com \(driver since/, 8000);
  });

  it('a holder that died is taken over at once, with a note', async () => {
    const a = await launch('alice@example.com');
    await a.waitForScreen('Handover drill');
    a.kill('SIGKILL');
    await exitOf(a);
    const before = journal().length;
    const b = await launch('bob@example.com');
    await b.waitForScreen(/took over the driver role from pid \d+/);
    expect(journal().slice(before).find((r) => r.type === 'note')?.data.text).toMatch(/^took over the driver role from pid \d+ .*: that process is gone$/);
  });
});
