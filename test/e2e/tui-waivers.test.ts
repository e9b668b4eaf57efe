/**
 * The decision screen in a real pseudo-terminal lists the waivers with their expiry and approval state, and follows
 * a second operator's approval given from another shell (`waive ITEM --approve SEQ`, signed with their own key) or
 * from their own watcher TUI (`a` on the item).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchTui, type Tui } from '../support/pty.js';
import { cli, ensureBuilt } from '../support/cli-run.js';
import { loadChecklist } from '../../src/checklist/load.js';
import { KINDS } from '../../src/checks/index.js';
import { createRunner } from '../../src/engine/runner.js';
import { openSession } from '../../src/engine/session.js';
import { genKey, startAgent, type TestAgent } from '../report/helpers/ssh.js';

const CHECKLIST = `apiVersion: readiness/v1
name: waivers
title: Waivers on the decision screen
waiverApprovals: 1
blocks:
  - id: "B"
    title: Security
    items:
      - id: "b1"
        title: No critical CVE
        check:
          kind: command
          run: 'echo CVE-2026-0001 critical; exit 1'
      - id: "b2"
        title: Health
        check:
          kind: command
          run: 'echo ok'
      - id: "b3"
        title: Docs (not blocking)
        blocking: false
        check:
          kind: command
          run: 'echo missing page; exit 1'
`;

let dir: string;
let tuis: Tui[] = [];
let agents: TestAgent[] = [];

beforeAll(() => ensureBuilt());
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'rt-e2e-waivers-'));
  writeFileSync(path.join(dir, 'checklist.yaml'), CHECKLIST);
});
afterEach(async () => {
  for (const t of tuis) t.kill('SIGKILL');
  tuis = [];
  for (const a of agents) await a.stop();
  agents = [];
  rmSync(dir, { recursive: true, force: true });
});

/** an ssh-agent holding one new key of `who`, and the environment of a shell using it */
async function person(who: string): Promise<NodeJS.ProcessEnv> {
  const kdir = path.join(dir, 'keys');
  mkdirSync(kdir, { recursive: true });
  const a = await startAgent(kdir);
  agents.push(a);
  a.add(genKey(kdir, who));
  return { PATH: process.env.PATH, HOME: dir, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', LANG: 'C.UTF-8', SSH_AUTH_SOCK: a.sock };
}

describe('decision screen: waivers', () => {
  it('lists each waiver with its expiry and approval state, and shows a second approver’s approval as it arrives', { timeout: 90_000 }, async () => {
    const checklist = await loadChecklist(path.join(dir, 'checklist.yaml'), KINDS);
    const state = path.join(dir, 'state');
    const s = await openSession({ checklist, stateDir: state, mode: 'ci', vars: {}, secretVars: [], operator: 'captain@example.com', owner: true });
    await createRunner({ session: s, vars: {}, secretVars: [] }).run(['b1', 'b2', 'b3']);
    await s.close();
    const alice = await person('alice');
    const bob = await person('bob');
    const waive = (item: string, as: string, env: NodeJS.ProcessEnv, extra: string[]) =>
      cli(['waive', item, '--as', as, '--state-dir', state, ...extra], { cwd: dir, env });
    const w = await waive('b1', 'alice@example.com', alice, ['--reason', 'not reachable from outside', '--expires', '2999-12-31']);
    expect(w.code, w.stderr).toBe(0);
    const seq = /waiver #(\d+)/.exec(w.stdout)![1]!;
    expect((await waive('b3', 'alice@example.com', alice, ['--reason', 'docs follow next week', '--expires', '2999-11-30'])).code).toBe(0);

    const t = await launchTui({ args: ['checklist.yaml', '--state-dir', state, '--as', 'captain@example.com'], cwd: dir, env: { HOME: dir, SSH_AUTH_SOCK: '' }, cols: 140, rows: 30 });
    tuis.push(t);
    await t.press('d');
    const before = await t.waitForScreen(/Waivers \(2\):/);
    expect(before).toMatch(/^ NO-GO\s*$/m);
    expect(before).toMatch(new RegExp(`b1 #${seq} by alice@example\\.com until 2999-12-31 — awaits 1 more approval by someone else \\(0 of 1\\): not reachable from outside`));
    expect(before).toMatch(/b3 #\d+ by alice@example\.com until 2999-11-30 — in force: docs follow next week/);

    // the item screen (Enter on the deciding row) says the same of its waiver
    await t.press('enter');
    await t.waitForScreen(new RegExp(`waiver:\\s+#${seq} until 2999-12-31 by alice@example\\.com — awaits 1 more approval by someone else`));
    await t.press('d');
    await t.waitForScreen(/Waivers \(2\):/);

    // bob approves from his own shell, with his own key: the waiver counts, the decision follows on screen
    const a = await waive('b1', 'bob@example.com', bob, ['--approve', seq, '--comment', 'checked the network policy']);
    expect(a.code, a.stderr).toBe(0);
    const after = await t.waitForScreen(/in force, approved by bob@example\.com: not reachable/, 20_000);
    expect(after).toMatch(/^ GO\s*$/m);
    expect(after).toMatch(new RegExp(`b1 #${seq} by alice@example\\.com until 2999-12-31 — in force, approved by bob@example\\.com`));
  });

  it('bob approves alice’s waiver from his watcher TUI with a (signed with his key), the decision turns GO; alice’s own a is refused', { timeout: 120_000 }, async () => {
    const checklist = await loadChecklist(path.join(dir, 'checklist.yaml'), KINDS);
    const state = path.join(dir, 'state');
    const s = await openSession({ checklist, stateDir: state, mode: 'ci', vars: {}, secretVars: [], operator: 'alice@example.com', owner: true });
    await createRunner({ session: s, vars: {}, secretVars: [] }).run(['b1', 'b2']);
    await s.close();
    const alice = await person('alice');
    const bob = await person('bob');

    // alice drives, and waives b1 from her TUI (d, Enter on the deciding row, w)
    const a = await launchTui({ args: ['checklist.yaml', '--state-dir', state, '--as', 'alice@example.com'], cwd: dir, env: alice, cols: 140, rows: 32 });
    tuis.push(a);
    await a.press('d');
    await a.waitForScreen(/^ NO-GO\s*$/m);
    await a.press('enter');
    await a.waitForScreen('b1 No critical CVE');
    await a.press('w');
    await a.waitForScreen('Waive b1 No critical CVE');
    await a.type('not reachable from outside');
    await a.press('tab', 'ctrl-u');
    await a.type('2999-12-31');
    await a.press('enter');
    const saved = await a.waitForScreen(/saved: waived b1 until 2999-12-31 \(waiver #(\d+)\), signed with SHA256:/);
    const seq = /waiver #(\d+)/.exec(saved)![1]!;
    await a.press('escape');
    const own = await a.waitForScreen(new RegExp(`waiver:\\s+#${seq} until 2999-12-31 by alice@example\\.com — awaits 1 more approval`));
    expect(own).not.toMatch(/a approve waiver/); // not offered to its author
    await a.press('a');
    await a.waitForScreen(`alice@example.com wrote waiver #${seq} on b1: someone else must approve it (four-eyes)`);
    expect(a.screen()).not.toMatch(/Approve waiver/);

    // bob watches, opens b1 from the decision screen: a is offered there and on the item
    const b = await launchTui({ args: ['watch', '--state-dir', state, '--as', 'bob@example.com'], cwd: dir, env: bob, cols: 140, rows: 32 });
    tuis.push(b);
    await b.press('d');
    await b.waitForScreen(/a approve waiver/);
    await b.press('enter');
    await b.waitForScreen(/b1 No critical CVE[\s\S]*a approve waiver/);
    await b.press('a');
    const dialog = await b.waitForScreen(`Approve waiver #${seq} on b1 No critical CVE?`);
    expect(dialog).toMatch(/waived by alice@example\.com, key SHA256:\S+/);
    expect(dialog).toContain('reason: not reachable from outside');
    expect(dialog).toContain('expires: 2999-12-31');
    expect(dialog).toMatch(/accepts: attempt 1 FAIL: /);
    expect(dialog).toMatch(/evidence: evidence\/b1\/\S+ \([0-9a-f]{12}\)/);
    expect(dialog).toMatch(/approvals: 0 of 1 · awaits 1 more approval by someone else/);
    expect(dialog).toContain('approving as bob@example.com');
    await b.press('tab');
    await b.type('checked the network policy');
    await b.press('enter');
    // the dialog's status line wraps inside its border: read it as one line
    const approved = new RegExp(`saved: approved waiver #${seq} on b1 \\(journal #\\d+\\), signed with SHA256:\\S+ — the waiver is in force, approved by bob@example\\.com \\(any key\\)`);
    await b.waitForScreen((scr) => approved.test(scr.replace(/[│\s]+/g, ' ')));
    await b.press('escape');
    await b.waitForScreen(/waiver:\s+#\d+ until 2999-12-31 by alice@example\.com — in force, approved by bob@example\.com/);
    expect(b.screen()).not.toMatch(/a approve waiver/); // nothing left to approve
    await b.press('d');
    await b.waitForScreen(/^ GO\s*$/m);
    // the driver follows: GO on alice's screen too
    await a.press('d');
    await a.waitForScreen(new RegExp(`b1 #${seq} by alice@example\\.com until 2999-12-31 — in force, approved by bob@example\\.com`));
    expect(a.screen()).toMatch(/^ GO\s*$/m);

    // journaled as `waive --approve` journals it: bob's signed statement, with his comment
    const sessions = path.join(state, 'sessions');
    const sdir = path.join(sessions, readdirSync(sessions).filter((n) => !n.endsWith('.lock'))[0]!);
    const approvals = readFileSync(path.join(sdir, 'journal.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; data: Record<string, unknown> })
      .filter((r) => r.type === 'waiver.approval');
    expect(approvals.map((r) => r.data)).toEqual([
      expect.objectContaining({ item: 'b1', waiver: Number(seq), comment: 'checked the network policy', by: 'bob@example.com', statement: expect.objectContaining({ keyFingerprint: expect.stringMatching(/^SHA256:/) }) }),
    ]);
  });
});
