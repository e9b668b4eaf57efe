/**
 * Watch mode, two real TUIs in two ptys on one state dir: the driver runs a streaming check; the watcher
 * (`readiness-tui watch`) takes no lock, journals nothing of its own, shows the check's output as it streams, offers
 * no run/cancel, and signs off from its own terminal (the driver's screen shows it).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchTui, type Tui } from '../support/pty.js';
import { ensureBuilt } from '../support/cli-run.js';
import { isolatedEnv } from '../report/helpers/bundle.js';

const CHECKLIST = `apiVersion: readiness/v1
name: watched
title: Watched cutover
blocks:
  - id: "A"
    title: Live checks
    items:
      - id: "a1"
        title: Streams for ten seconds
        check:
          kind: command
          run: 'for i in $(seq 1 40); do echo "line-$i"; sleep 0.25; done'
      - id: "a2"
        title: Manual review
        noSelfApproval: true
        signoff: required
        check:
          kind: manual
`;

let dir: string;
let tuis: Tui[] = [];
const state = () => path.join(dir, 'state');

function sessionDir(): string {
  const sessions = path.join(state(), 'sessions');
  const ids = readdirSync(sessions).filter((n) => !n.endsWith('.lock')).sort();
  return path.join(sessions, ids[ids.length - 1]!);
}

function journal(): { type: string; actor: string; data: Record<string, unknown> }[] {
  return readFileSync(path.join(sessionDir(), 'journal.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; actor: string; data: Record<string, unknown> });
}

async function launch(args: string[]): Promise<Tui> {
  const t = await launchTui({ args, cwd: dir, cols: 110, rows: 32 });
  tuis.push(t);
  return t;
}

describe('watch mode: a second operator follows the session live', () => {
  beforeAll(ensureBuilt);
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rt-watch-'));
    writeFileSync(path.join(dir, 'checklist.yaml'), CHECKLIST);
  });
  afterEach(() => {
    for (const t of tuis) t.kill('SIGKILL');
    tuis = [];
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes no lock, journals nothing of its own, streams the running check, offers no run or cancel, signs off', { timeout: 90_000 }, async () => {
    const alice = await launch(['checklist.yaml', '--state-dir', state(), '--as', 'alice@example.com']);
    await alice.waitForScreen('Watched cutover');
    const lock = readFileSync(path.join(sessionDir(), 'owner.lock'), 'utf8');
    const before = journal().length;

    const bob = await launch(['watch', '--state-dir', state(), '--as', 'bob@example.com']);
    await bob.waitForScreen('Watched cutover');
    expect(bob.screen()).toMatch(/watching session \S+ as bob@example.com/);
    expect(bob.screen()).not.toMatch(/run block|run all|cancel/);
    expect(readFileSync(path.join(sessionDir(), 'owner.lock'), 'utf8')).toBe(lock); // the driver's lock, untouched
    expect(journal()).toHaveLength(before);
    // presence: each sees the other in the header, with role and since when (not a journal event)
    await alice.waitForScreen(/with bob@example\.com \(watcher since \d\d:\d\d\)/, 5000);
    await bob.waitForScreen(/with alice@example\.com \(driver since \d\d:\d\d\)/, 5000);

    // both go to a1; alice runs it
    await alice.press('enter');
    await alice.waitForScreen(/Status.*ID.*Title/);
    await alice.press('enter');
    await alice.waitForScreen('a1 Streams for ten seconds');
    await bob.press('enter');
    await bob.waitForScreen(/Status.*ID.*Title/);
    await bob.press('enter');
    await bob.waitForScreen('a1 Streams for ten seconds');
    expect(bob.screen()).not.toMatch(/ r run/);
    await alice.press('r');

    // the line alice sees, bob sees within a second, while the check still runs
    const seen = await alice.waitForScreen((s) => /line-(1[0-9])\b/.test(s), 20_000);
    const n = /line-(1[0-9])\b/.exec(seen)![1];
    const at = Date.now();
    await bob.waitForScreen((s) => s.includes(`line-${n}`), 1000);
    expect(Date.now() - at).toBeLessThanOrEqual(1000);
    expect(bob.screen()).toMatch(/RUNNING/);

    // a watcher's c and Ctrl-C cancel nothing; r runs nothing
    await bob.press('c', 'r');
    await bob.sendRaw('\x03');
    await bob.waitForScreen(/press Ctrl-C again to quit/);
    await alice.waitForScreen(/✓ PASS/, 30_000);
    await bob.waitForScreen(/✓ PASS/, 2000);
    expect(bob.screen()).toContain('line-40');
    const j = journal();
    expect(j.filter((r) => r.type === 'item.start')).toHaveLength(1);
    expect(j.find((r) => r.type === 'item.result')?.data.verdict).toBe('pass');
    expect(j.filter((r) => r.actor === 'bob@example.com')).toEqual([]);

    // bob signs off the manual item from his own terminal; alice's screen shows it
    await bob.press('tab');
    await bob.waitForScreen('a2 Manual review');
    await bob.press('s');
    await bob.waitForScreen('Sign off a2');
    await bob.press('tab', 'tab');
    await bob.type('reviewed by bob');
    await bob.press('enter');
    await bob.waitForScreen(/saved: approved a2/);
    expect(journal().find((r) => r.type === 'signoff')).toMatchObject({ actor: 'bob@example.com', data: { item: 'a2', decision: 'approve', by: 'bob@example.com' } });
    await alice.waitForScreen(/sign-off #\d+ on a2: approve by bob@example.com/, 3000);

    // bob leaves: the driver's lock and session are as they were
    await bob.press('x', 'q');
    const e = await bob.exited;
    expect(e.exitCode).toBe(0);
    expect(bob.screen()).toMatch(/watch: +readiness-tui watch --session /);
    expect(existsSync(path.join(sessionDir(), 'owner.lock'))).toBe(true);
    await alice.waitForScreen(/bob@example\.com \(watcher\) left/, 5000);
    expect(alice.screen()).not.toMatch(/with bob@example\.com/);
    expect(journal().filter((r) => r.actor === 'bob@example.com').map((r) => r.type)).toEqual(['signoff']);
  });

  it('is refused without a terminal, and with --new (exit 2)', async () => {
    const { cli } = await import('../support/cli-run.js');
    const env = isolatedEnv(dir);
    const r = await cli(['watch', '--state-dir', state()], { cwd: dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/watching needs a terminal/);
    const n = await cli(['checklist.yaml', '--readonly', '--new', '--state-dir', state()], { cwd: dir, env });
    expect(n.code).toBe(2);
    expect(n.stderr).toMatch(/--new starts a session to drive; a watcher \(--readonly\) follows an existing one/);
  });
});
