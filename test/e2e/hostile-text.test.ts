/**
 * Checklist text reaches the terminal only as visible text: an OSC 52 (clipboard write) in a block title, an OSC 0
 * (window title) in an item title and both in a `reference:` are shown as `␛]52;…` / `␛]0;…` by the built CLI in a
 * real pty, and the terminal never receives them raw (no clipboard event, no title but the test's ready marker).
 * Runs the built CLI (ensureBuilt rebuilds a stale dist/).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchTui, READY_TITLE, type Tui } from '../support/pty.js';
import { ensureBuilt } from '../support/cli-run.js';

// YAML double-quoted escapes: \e is ESC, \a is BEL
const CHECKLIST = `apiVersion: readiness/v1
name: hostile
title: Hostile text
blocks:
  - id: "A"
    title: "Block \\e]52;c;ZXZpbA==\\a clip"
    successMetrics: [shown]
    items:
      - id: "a1"
        title: "Item \\e]0;pwned-title\\a named"
        metric: reviewed
        estimate: 1m
        reference: "see \\e]52;c;cmVm\\a and \\e]0;ref-title\\a here"
        check:
          kind: manual
`;

let dir: string;
let tui: Tui | undefined;

describe('checklist text in a real pty', () => {
  beforeAll(ensureBuilt);
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rt-e2e-hostile-'));
    writeFileSync(path.join(dir, 'checklist.yaml'), CHECKLIST);
  });
  afterAll(() => {
    tui?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('OSC 52 and OSC 0 in a block title, an item title and a reference are shown, never sent raw', { timeout: 60_000 }, async () => {
    tui = await launchTui({ args: ['checklist.yaml', '--state-dir', path.join(dir, 'state'), '--as', 'tester@example.com'], cwd: dir, cols: 120, rows: 30 });
    const t = tui;
    await t.waitForScreen('Block ␛]52;c;ZXZpbA==␇ clip');
    await t.press('enter');
    await t.waitForScreen('Item ␛]0;pwned-title␇ named');
    await t.press('enter');
    await t.waitForScreen('see ␛]52;c;cmVm␇ and ␛]0;ref-title␇ here');
    const raw = t.raw();
    expect(raw).not.toContain('\x1b]52');
    expect(raw).not.toContain('\x1b]0;pwned-title');
    expect(raw).not.toContain('\x1b]0;ref-title');
    expect(t.titles.filter((x) => x !== READY_TITLE)).toEqual([]);
    await t.press('q');
    expect((await t.exited).exitCode).toBe(0);
  });
});
