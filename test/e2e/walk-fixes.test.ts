/**
 * Fixes from a walk of the TUI at 80×24, in a real pty (the built CLI, node-pty + @xterm/headless): the confirmation
 * of a mutating run shows every command whole (wrapped, scrolled), yes/no dialogs and forms have their own footer,
 * Enter saves a form from any field and Tab goes round, a label never runs into its value, and the exit summary
 * prints absolute paths.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchTui, type Tui } from '../support/pty.js';
import { ensureBuilt } from '../support/cli-run.js';
import { loadChecklist } from '../../src/checklist/load.js';
import { KINDS } from '../../src/checks/index.js';
import { createRunner } from '../../src/engine/runner.js';
import { openSession } from '../../src/engine/session.js';

const long = (n: number) => `echo step-${n} ${'x'.repeat(90)} END-${n}`;

const CHECKLIST = `apiVersion: readiness/v1
name: walk
title: Walk fixes
blocks:
  - id: "A"
    title: Changes
    items:
      - id: "a1"
        title: Eight long mutating steps
        checks:
${Array.from({ length: 8 }, (_, i) => `          s${i + 1}:\n            kind: command\n            mutating: true\n            run: "${long(i + 1)}"`).join('\n')}
`;

/** a NO-GO whose rollback plan is longer than an 80×24 screen */
const NO_GO = `apiVersion: readiness/v1
name: walk-nogo
title: Walk NO-GO
blocks:
  - id: "A"
    title: Checks
    items:
      - id: "a1"
        title: Fails
        check:
          kind: command
          run: "exit 1"
rollback:
  detection: [error rate above 5%]
  steps:
${Array.from({ length: 30 }, (_, i) => `    - rollback step ${i + 1}`).join('\n')}
  time: 15m
`;

let dir: string;
let tui: Tui | undefined;

describe('the walk fixes in a real pty at 80×24', () => {
  beforeAll(ensureBuilt);
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rt-walk-'));
    writeFileSync(path.join(dir, 'checklist.yaml'), CHECKLIST);
  });
  afterEach(() => {
    tui?.kill();
    tui = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async () => {
    tui = await launchTui({ args: ['checklist.yaml', '--state-dir', 'state', '--as', 'tester@example.com'], cwd: dir, cols: 80, rows: 24 });
    return tui;
  };

  it('the mutating-run confirmation wraps each command whole and scrolls; its footer says y / n / scroll', async () => {
    const t = await start();
    await t.press('enter', 'enter');
    await t.waitForScreen('a1 Eight long mutating steps');
    await t.press('r');
    const first = await t.waitForScreen('This changes the environment');
    expect(first).toMatch(/y run · n \/ Esc cancel · ↑\/↓ scroll/);
    // the first command, wrapped: its end is on the next row, never cut
    expect(first).toContain('$ s1: echo step-1');
    expect(first).toContain('END-1');
    expect(first).toMatch(/↓ \d+ more lines below \(↑\/↓ scroll\)/);
    expect(first).not.toContain('END-8');
    await t.press('end');
    const last = await t.waitForScreen('END-8');
    expect(last).toMatch(/↑ \d+ more lines above/);
    expect(last).not.toMatch(/more lines below/);
    await t.press('home');
    await t.waitForScreen((s) => s.includes('END-1') && !s.includes('more lines above'));
    // one row at a time
    await t.press('down');
    await t.waitForScreen(/↑ 1 more line above/);
    await t.press('n');
    await t.waitForScreen((s) => !s.includes('This changes the environment'));
  });

  it('a form: its own footer, Tab goes round, the label stands apart from its value, Enter saves from the first field', async () => {
    const t = await start();
    await t.press('enter', 'enter');
    await t.waitForScreen('a1 Eight long mutating steps');
    await t.press('w');
    const form = await t.waitForScreen('Waive a1');
    expect(form).toContain('Tab next field · Enter save (from any field) · Esc cancel');
    // Shift-Tab from the first field goes round to the last one
    await t.press('shift-tab');
    await t.type('WAF');
    await t.waitForScreen(/compensating ctl +WAF_/);
    // Tab from the last field goes round to the first
    await t.press('tab');
    await t.type('accepted for the walk');
    await t.waitForScreen(/reason +accepted for the walk_/);
    await t.press('enter');
    await t.waitForScreen(/saved: waived a1 until \d{4}-\d{2}-\d{2}/);
    expect(t.screen()).toContain('any key continues');
  });

  it('the decision screen scrolls (PgDn / PgUp) instead of hiding lines at 80×24', async () => {
    writeFileSync(path.join(dir, 'checklist.yaml'), NO_GO);
    const checklist = await loadChecklist(path.join(dir, 'checklist.yaml'), KINDS);
    const s = await openSession({ checklist, stateDir: path.join(dir, 'state'), mode: 'tui', vars: {}, secretVars: [], operator: 'tester@example.com', owner: true });
    try {
      await createRunner({ session: s, vars: {}, secretVars: [] }).run(['a1']);
    } finally {
      await s.close();
    }
    const t = await start();
    await t.waitForScreen('Walk NO-GO');
    await t.press('d');
    const top = await t.waitForScreen('Rollback plan');
    expect(top).toContain('rollback step 1');
    expect(top).not.toContain('rollback step 30');
    expect(top).toMatch(/↓ \d+ more lines below \(PgDn\)/);
    expect(top).not.toContain('hidden');
    await t.press('pagedown', 'pagedown', 'pagedown');
    const bottom = await t.waitForScreen('rollback step 30');
    expect(bottom).toMatch(/↑ \d+ more lines above \(PgUp\)/);
    expect(bottom).not.toMatch(/more lines? below/);
    // at the end already: one PgUp goes back a page (no presses lost past the end)
    await t.press('pageup');
    await t.waitForScreen((x) => !x.includes('rollback step 30') && /more lines? below/.test(x));
    await t.press('pageup', 'pageup', 'pageup');
    await t.waitForScreen((x) => x.includes('rollback step 1') && !x.includes('more line above') && !x.includes('more lines above'));
  });

  it('resumed with another variable: the status line says what changed (journaled), and the message goes away by itself', async () => {
    writeFileSync(
      path.join(dir, 'checklist.yaml'),
      `apiVersion: readiness/v1\nname: walk-vars\ntitle: Walk vars\nvars:\n  cmd:\n    default: "true"\nblocks:\n  - id: "A"\n    title: A\n    items:\n      - id: "a1"\n        title: runs cmd\n        check:\n          kind: command\n          run: "\${vars.cmd}"\n`,
    );
    const first = await launchTui({ args: ['checklist.yaml', '--state-dir', 'state', '--as', 'tester@example.com', '--set', 'cmd=true'], cwd: dir, cols: 80, rows: 24 });
    tui = first;
    await first.waitForScreen('Walk vars');
    await first.press('q');
    await first.exited;
    const t = await launchTui({
      args: ['checklist.yaml', '--state-dir', 'state', '--as', 'tester@example.com', '--set', 'cmd=echo changed'],
      cwd: dir,
      cols: 120,
      rows: 24,
      env: { READINESS_MESSAGE_MS: '1500' },
    });
    tui = t;
    await t.waitForScreen(`variables changed since this session's previous run (journaled): cmd "true" → "echo changed"`);
    await t.waitForScreen((s) => s.includes('Walk vars') && !s.includes('variables changed'), 10_000);
    const sessions = path.join(dir, 'state', 'sessions');
    const [id] = readdirSync(sessions);
    const resume = readFileSync(path.join(sessions, id!, 'journal.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; data: Record<string, unknown> })
      .find((r) => r.type === 'session.resume');
    expect(resume?.data).toMatchObject({ mode: 'tui', vars: { cmd: 'echo changed' }, changed: [{ name: 'cmd', from: 'true', to: 'echo changed' }] });
  });

  it('quitting prints the summary with absolute paths', async () => {
    const t = await start();
    await t.waitForScreen('Walk fixes');
    await t.press('q');
    await t.exited;
    const s = t.screen();
    const flat = s.replace(/\n/g, ''); // long paths wrap at 80 columns
    expect(flat).toContain(`session:  ${path.join(dir, 'state', 'sessions')}/`);
    expect(flat).toContain(`resume:   readiness-tui ${path.join(dir, 'checklist.yaml')} --state-dir ${path.join(dir, 'state')}`);
  });
});
