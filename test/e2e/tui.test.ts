/**
 * The built CLI in a real pseudo-terminal: navigate, run a command check and watch its output stream, cancel a long
 * one (its process group is gone), sign off, waive, quit and resume, resize, NO_COLOR, hostile output.
 * Each test has its own directory and state: none depends on another having run before it. A test that starts from
 * a session in progress has it made by the engine (prepareSession), as the first test makes it through the keys.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchTui, READY_TITLE, type Tui } from '../support/pty.js';
import { ensureBuilt } from '../support/cli-run.js';
import { loadChecklist } from '../../src/checklist/load.js';
import { KINDS } from '../../src/checks/index.js';
import { createRunner } from '../../src/engine/runner.js';
import { openSession } from '../../src/engine/session.js';
import { recordSignedAct } from '../../src/engine/signed-act.js';
import { genKey, startAgent } from '../report/helpers/ssh.js';

const CHECKLIST = `apiVersion: readiness/v1
name: e2e
title: E2E pty checklist
blocks:
  - id: "A"
    title: Live checks
    successMetrics: [streams]
    items:
      - id: "a1"
        title: Streams lines for three seconds
        metric: exit 0
        estimate: 1m
        check:
          kind: command
          run: 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo "tick-$i"; sleep 0.25; done'
      - id: "a2"
        title: Sleeps until cancelled
        metric: never finishes
        estimate: 5m
        check:
          kind: command
          run: 'echo started-a2; sleep 3017'
      - id: "a3"
        title: Manual review
        metric: reviewed
        estimate: 10m
        check:
          kind: manual
      - id: "a4"
        title: Hostile output
        metric: exit 0
        estimate: 1m
        blocking: false
        check:
          kind: command
          run: "printf 'before\\\\033]52;c;ZXZpbA==\\\\007\\\\033]0;pwned-title\\\\007\\\\033[5;10H\\\\033[2J\\\\033[?1049l marker-visible\\\\n'"
`;

let dir: string;
let tuis: Tui[] = [];

function journal(): { type: string; data: Record<string, unknown> }[] {
  const sessions = path.join(dir, 'state', 'sessions');
  const ids = readdirSync(sessions).sort();
  const file = path.join(sessions, ids[ids.length - 1]!, 'journal.jsonl');
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; data: Record<string, unknown> });
}

/**
 * the session the first test leaves behind — a1 passed, a2 waived, a3 approved (signed with the tester's own key:
 * only a signed approval counts) — made with the engine's own calls
 */
async function prepareSession(): Promise<void> {
  const checklist = await loadChecklist(path.join(dir, 'checklist.yaml'), KINDS);
  const by = 'tester@example.com';
  const s = await openSession({ checklist, stateDir: path.join(dir, 'state'), mode: 'tui', vars: {}, secretVars: [], operator: by, owner: true });
  try {
    await createRunner({ session: s, vars: {}, secretVars: [] }).run(['a1']);
    await s.record({ type: 'waiver', data: { item: 'a2', reason: 'accepted for the drill', expires: '2999-12-31', by } });
    const key = genKey(dir, 'tester-key');
    const signed = { sign: true, signKey: key.priv, env: { PATH: process.env.PATH, HOME: dir } };
    await recordSignedAct(s, { type: 'signoff', data: { item: 'a3', decision: 'approve', comment: 'runbook read', by, evidence: [] } }, signed);
  } finally {
    await s.close();
  }
}

async function start(extra: { env?: Record<string, string>; cols?: number; rows?: number; args?: string[] } = {}): Promise<Tui> {
  const t = await launchTui({
    args: ['checklist.yaml', '--state-dir', path.join(dir, 'state'), '--as', 'tester@example.com', ...(extra.args ?? [])],
    cwd: dir,
    env: extra.env,
    cols: extra.cols,
    rows: extra.rows,
  });
  tuis.push(t);
  return t;
}

async function quit(t: Tui): Promise<{ exitCode: number }> {
  await t.press('q');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_r, reject) => {
    timer = setTimeout(() => reject(new Error(`q did not quit within 15 s; screen:\n${t.screen()}`)), 15_000);
  });
  try {
    return await Promise.race([t.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** processes whose process group is `pgid` */
function groupMembers(pgid: number): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,pgid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => Number(f[1]) === pgid)
    .map((f) => f.join(' '));
}

/** the group's members after up to `ms` (TERM, then KILL after the runner's grace period) */
async function groupAfter(pgid: number, ms = 6000): Promise<string[]> {
  const until = Date.now() + ms;
  let m = groupMembers(pgid);
  while (m.length && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    m = groupMembers(pgid);
  }
  return m;
}

/** the long check's `sleep` (an unusual duration, so no other process on the machine is mistaken for it) */
function sleepPgid(): number | undefined {
  const out = execFileSync('ps', ['-eo', 'pid=,pgid=,args='], { encoding: 'utf8' });
  const line = out.split('\n').find((l) => /\bsleep 3017\b/.test(l) && !/sh -c/.test(l));
  return line ? Number(line.trim().split(/\s+/)[1]) : undefined;
}

describe('readiness-tui in a real pty', () => {
  beforeAll(ensureBuilt);
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rt-e2e-'));
    writeFileSync(path.join(dir, 'checklist.yaml'), CHECKLIST);
  });
  afterEach(() => {
    for (const t of tuis) t.kill('SIGKILL');
    tuis = [];
    rmSync(dir, { recursive: true, force: true });
  });

  it('navigates, streams a running check, cancels a long one, signs off and waives; all journaled', async () => {
    // the tester's own key in an agent: the driver's key is recorded, and the approval is signed (so it counts)
    const agent = await startAgent(dir);
    agent.add(genKey(dir, 'tester'));
    const fp = execFileSync('ssh-keygen', ['-lf', path.join(dir, 'tester.pub')], { encoding: 'utf8' }).split(' ')[1]!;
    try {
    const t = await start({ env: { SSH_AUTH_SOCK: agent.sock } });
    await t.waitForScreen('E2E pty checklist');
    expect(t.raw()).toContain('\x1b[?1049h'); // alternate screen entered by hand
    await t.press('enter');
    await t.waitForScreen(/Status.*ID.*Title/);
    await t.press('enter');
    await t.waitForScreen('a1 Streams lines for three seconds');
    await t.press('r');
    // output appears while the check still runs
    const during = await t.waitForScreen((s) => /tick-[3-9]/.test(s) && s.includes('RUNNING'));
    expect(during).toMatch(/output · following/);
    await t.waitForScreen(/✓ PASS/, 15_000);
    expect(t.screen()).toContain('tick-12');

    // cancel a long check: its whole process group goes away
    await t.press('tab');
    await t.waitForScreen('a2 Sleeps until cancelled');
    await t.press('r');
    await t.waitForScreen('started-a2');
    let pgid: number | undefined;
    for (let i = 0; i < 50 && !pgid; i++) {
      pgid = sleepPgid();
      if (!pgid) await new Promise((r) => setTimeout(r, 100));
    }
    expect(pgid).toBeTruthy();
    expect(groupMembers(pgid!).length).toBeGreaterThan(0);
    await t.press('c');
    const cancelled = await t.waitForScreen(/CANCELLED:\s+attempt 1 · cancelled by tester@example\.com \(key c in the TUI\)/, 15_000);
    expect(cancelled).toMatch(/⊗ CANCELLED/);
    expect(await groupAfter(pgid!)).toEqual([]);

    // waive a2 (it did not pass)
    await t.press('w');
    await t.waitForScreen('Waive a2');
    await t.type('accepted for the drill');
    await t.press('enter'); // Enter saves from any field
    await t.waitForScreen(/saved: waived a2 until \d{4}-\d{2}-\d{2}/);
    await t.press('x');
    await t.waitForScreen(/≈ WAIVED/);

    // sign off the manual item
    await t.press('tab');
    await t.waitForScreen('a3 Manual review');
    await t.press('s');
    await t.waitForScreen('Sign off a3');
    await t.press('tab', 'tab');
    await t.type('runbook read');
    await t.press('enter');
    await t.waitForScreen(/saved: approved a3/);
    await t.press('x');
    await t.waitForScreen(/a3 Manual review\s+✓ PASS/);

    const j = journal();
    const types = j.map((r) => `${r.type}:${(r.data.item as string) ?? ''}`);
    expect(types).toContain('item.start:a1');
    expect(j.find((r) => r.type === 'item.result' && r.data.item === 'a1')?.data.verdict).toBe('pass');
    expect(j.find((r) => r.type === 'item.skip' && r.data.item === 'a2')?.data).toMatchObject({
      status: 'cancelled',
      attempt: 1,
      reason: 'cancelled by tester@example.com (key c in the TUI)',
    });
    expect(j.find((r) => r.type === 'waiver')?.data).toMatchObject({ item: 'a2', reason: 'accepted for the drill', by: 'tester@example.com' });
    expect(j.find((r) => r.type === 'signoff')?.data).toMatchObject({ item: 'a3', decision: 'approve', comment: 'runbook read', by: 'tester@example.com', statement: { keyFingerprint: fp } });
    // identity = key: the driver's key opened the session and started every run
    expect(j[0]!.data).toMatchObject({ operator: { principal: 'tester@example.com', keyFingerprint: fp } });
    expect(j.filter((r) => r.type === 'item.start').every((r) => r.data.keyFingerprint === fp)).toBe(true);

    const e = await quit(t);
    expect(e.exitCode).toBe(0);
    const tail = t.raw().slice(-2000);
    expect(tail).toContain('\x1b[?1049l'); // left the alternate screen
    expect(tail).toContain('\x1b[?25h'); // cursor visible again
    expect(tail).toContain('\x1b[?7h'); // line wrap restored
    expect(t.screen()).toMatch(/readiness-tui: session \S+/);
    expect(t.screen()).toMatch(/decision so far: GO/); // a4 is not blocking
    } finally {
      await agent.stop();
    }
  });

  it('resumes the session with results, waiver and sign-off intact', async () => {
    await prepareSession();
    const t = await start();
    await t.press('enter');
    // the block table is written over more than one chunk: wait for its last row before reading the others
    const s = await t.waitForScreen(/✓ PASS\s+│ a3 .*ok tester/);
    expect(s).toMatch(/Status.*ID.*Title/);
    expect(s).toMatch(/✓ PASS\s+│ a1/);
    expect(s).toMatch(/≈ WAIVED\s+│ a2/);
    expect((await quit(t)).exitCode).toBe(0);
    expect(journal().some((r) => r.type === 'session.resume')).toBe(true);
  });

  it('g on the decision screen writes the report bundle (unsigned without a key, and says so)', { timeout: 60_000 }, async () => {
    await prepareSession();
    const t = await start({ env: { HOME: dir, SSH_AUTH_SOCK: '' }, args: ['--out', path.join(dir, 'reports')] });
    await t.press('d');
    await t.waitForScreen(/^ GO\s*$/m);
    // g first shows what the decision rests on and asks; nothing is recorded before y
    const decisions = () => journal().filter((r) => r.type === 'decision' && r.data.final === true);
    await t.press('g');
    const ask = await t.waitForScreen('Record the final decision GO and write the signed report?');
    expect(ask).toMatch(/a2 waived by tester@example\.com until \d{4}-\d{2}-\d{2}: accepted for the drill/);
    expect(ask).toMatch(/y record GO and write the report · n \/ Esc back/);
    expect(decisions()).toHaveLength(0);
    await t.press('y');
    const s = await t.waitForScreen(/report: (UNSIGNED|signed) report/, 25_000);
    expect(s.replace(/\s+/g, '')).toContain(path.join(dir, 'reports').replace(/\s+/g, ''));
    expect(decisions()).toMatchObject([{ data: { decision: 'GO', final: true } }]);
    // one final decision per state of the journal: g again writes the report again, records no second decision
    await t.press('g');
    await t.waitForScreen(/The final decision GO is recorded \(journal #\d+\) and nothing changed since/);
    await t.press('y');
    await t.waitForScreen((x) => journal().filter((r) => r.type === 'report.generated').length === 2 && /report: /.test(x), 25_000);
    expect(decisions()).toHaveLength(1);
    expect((await quit(t)).exitCode).toBe(0);
    expect(t.screen()).toMatch(/report: {3}\S+/);
  });

  it('relayouts on resize and shows "terminal too small" below 60x15', async () => {
    const t = await start({ cols: 100, rows: 30 });
    await t.waitForScreen('Live checks');
    await t.resize(50, 12);
    await t.waitForScreen('terminal too small');
    await t.resize(80, 24);
    const s = await t.waitForScreen('Live checks');
    expect(s).not.toContain('terminal too small');
    expect(t.lines()[23]).toBe(''); // the frame stays one row short of the terminal
    expect(t.raw()).not.toContain('\x1b[3J'); // scrollback never wiped
    expect((await quit(t)).exitCode).toBe(0);
  });

  it('NO_COLOR: no colour escapes at all, bold/inverse still used', async () => {
    await prepareSession();
    const t = await start({ env: { NO_COLOR: '1' } });
    await t.press('enter');
    await t.waitForScreen(/Status.*ID.*Title/);
    await t.press('d');
    await t.waitForScreen(/^ GO\s*$/m);
    expect((await quit(t)).exitCode).toBe(0);
    const colours = [...t.raw().matchAll(/\x1b\[([0-9;:]*)m/g)].filter((m) =>
      m[1]!.split(/[;:]/).filter(Boolean).map(Number).some((p) => (p >= 30 && p <= 49) || (p >= 90 && p <= 107)),
    );
    expect(colours.map((m) => m[0])).toEqual([]);
    expect(t.raw()).toMatch(/\x1b\[(1|7)m/);
  });

  /** colour parameters (30–49, 90–107) in the SGR sequences of `raw` */
  const colourEscapes = (raw: string) =>
    [...raw.matchAll(/\x1b\[([0-9;:]*)m/g)]
      .filter((m) => m[1]!.split(/[;:]/).filter(Boolean).map(Number).some((p) => (p >= 30 && p <= 49) || (p >= 90 && p <= 107)))
      .map((m) => m[0]);
  const NON_ASCII_DRAWING = /[─│┌┐└┘┼┬┴├┤✓✗⚠⧗⊘≈✍▶▸·…›→█░⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;

  it('--no-color: the same screens without one colour escape (and with colour by default)', async () => {
    await prepareSession();
    const plain = await start({ args: ['--no-color'] });
    await plain.press('enter');
    await plain.waitForScreen(/✓ PASS\s+│ a1/);
    expect((await quit(plain)).exitCode).toBe(0);
    expect(colourEscapes(plain.raw())).toEqual([]);
    // the flag is what took the colour away: the same session without it is in colour
    const coloured = await start();
    await coloured.press('enter');
    await coloured.waitForScreen(/✓ PASS\s+│ a1/);
    expect((await quit(coloured)).exitCode).toBe(0);
    expect(colourEscapes(coloured.raw()).length).toBeGreaterThan(0);
  });

  it('--ascii: ASCII borders and status symbols only', async () => {
    await prepareSession();
    const t = await start({ args: ['--ascii'] });
    await t.press('enter');
    const s = await t.waitForScreen(/\+ PASS\s+\| a1/);
    expect(s).toMatch(/~ WAIVED\s+\| a2/);
    expect(s).not.toMatch(NON_ASCII_DRAWING);
    expect((await quit(t)).exitCode).toBe(0);
  });

  it('--screen-reader: no alternate screen, no animation, ASCII symbols', async () => {
    await prepareSession();
    const t = await start({ args: ['--screen-reader'] });
    await t.press('enter');
    const s = await t.waitForScreen(/\+ PASS/);
    expect(s).toMatch(/a1/);
    expect(s).not.toMatch(NON_ASCII_DRAWING);
    expect((await quit(t)).exitCode).toBe(0);
    expect(t.raw()).not.toContain('\x1b[?1049h'); // stays on the normal screen, where a reader follows it
  });

  it('with no FILE offers ./checklist/ and the bundled checklists, then opens the chosen one', async () => {
    const sub = path.join(dir, 'picker');
    mkdirSync(path.join(sub, 'checklist'), { recursive: true });
    writeFileSync(path.join(sub, 'checklist', 'picked.yaml'), CHECKLIST.replace('title: E2E pty checklist', 'title: Picked from the list'));
    const t = await launchTui({ args: ['--state-dir', path.join(sub, 'state'), '--as', 'tester@example.com'], cwd: sub });
    tuis.push(t);
    const s = await t.waitForScreen('choose a checklist');
    expect(s).toMatch(/picked\.yaml/);
    expect(s).toMatch(/detektor\.yaml\s+\(bundled\)/);
    await t.press('enter');
    await t.waitForReady(2);
    await t.waitForScreen('Picked from the list');
    expect((await quit(t)).exitCode).toBe(0);
  });

  it('o hands the terminal to $PAGER with the evidence file and comes back', async () => {
    await prepareSession();
    const t = await start({ env: { PAGER: 'cat' } });
    await t.press('enter', 'enter');
    await t.waitForScreen('a1 Streams lines');
    await t.press('o');
    await t.waitForReady(2);
    await t.waitForScreen('a1 Streams lines');
    expect(t.raw()).toMatch(/tick-12/); // cat printed the evidence file on the normal screen
    expect((await quit(t)).exitCode).toBe(0);
  });

  it('--only in the TUI is refused with exit 2 and a hint (it is for headless runs), before anything is drawn', async () => {
    const t = await launchTui({ args: [path.join(dir, 'checklist.yaml'), '--state-dir', path.join(dir, 'only-state'), '--only', 'a1'], cwd: dir, waitReady: false });
    tuis.push(t);
    const { exitCode } = await t.exited;
    expect(exitCode).toBe(2);
    expect(t.raw()).toMatch(/--only is for headless runs: `readiness-tui run FILE --ci --only/);
    expect(t.raw()).toContain('press r to run just that one');
    expect(t.raw()).not.toContain('\x1b[?1049h'); // the alternate screen was never entered
  });

  it('Ctrl-C twice quits and restores the terminal', async () => {
    const t = await start();
    await t.waitForScreen('Live checks');
    await t.press('ctrl-c');
    await t.waitForScreen('press Ctrl-C again to quit');
    await t.press('ctrl-c');
    const e = await Promise.race([t.exited, new Promise<never>((_r, rej) => setTimeout(() => rej(new Error('no exit')), 15_000))]);
    expect(e.exitCode).toBe(0);
    const tail = t.raw().slice(-1500);
    for (const seq of ['\x1b[?1049l', '\x1b[?25h', '\x1b[?7h']) expect(tail).toContain(seq);
  });

  it('SIGHUP (the terminal hung up) while a check runs: the check runs to its end headless, its result is journaled, the session released', async () => {
    const t = await start();
    await t.press('enter', 'enter');
    await t.waitForScreen('a1 Streams lines for three seconds');
    await t.press('r');
    await t.waitForScreen('tick-2');
    const before = journal().length;
    t.kill('SIGHUP');
    const e = await Promise.race([t.exited, new Promise<never>((_r, rej) => setTimeout(() => rej(new Error('no exit')), 20_000))]);
    expect(e.exitCode === 129 || e.signal === 1, JSON.stringify(e)).toBe(true);
    const after = journal().slice(before);
    expect(after.find((r) => r.type === 'note')?.data.text).toMatch(/^the driver's terminal hung up: 1 running check\(s\) \(a1\) finish headless in pid \d+/);
    const res = after.find((r) => r.type === 'item.result' && r.data.item === 'a1');
    expect(res?.data.verdict).toBe('pass');
    expect(after.some((r) => r.type === 'item.skip')).toBe(false);
    const sessions = path.join(dir, 'state', 'sessions');
    const sd = path.join(sessions, readdirSync(sessions).filter((n) => !n.endsWith('.lock')).sort().pop()!);
    expect(readFileSync(path.join(sd, 'evidence', 'a1', `${res!.data.attempt as number}.log`), 'utf8')).toContain('tick-12');
    expect(readdirSync(sd)).not.toContain('owner.lock');
  });

  it('SIGTERM while a check runs: the check is cancelled, its group killed, the terminal restored', async () => {
    const sig = 'SIGTERM';
    const t = await start();
    await t.press('enter', 'j', 'enter');
    await t.waitForScreen('a2 Sleeps until cancelled');
    await t.press('r');
    await t.waitForScreen('started-a2');
    let pgid: number | undefined;
    for (let i = 0; i < 50 && !pgid; i++) {
      pgid = sleepPgid();
      if (!pgid) await new Promise((r) => setTimeout(r, 100));
    }
    expect(pgid).toBeTruthy();
    const before = journal().length;
    t.kill(sig);
    await Promise.race([t.exited, new Promise<never>((_r, rej) => setTimeout(() => rej(new Error('no exit')), 20_000))]);
    const tail = t.raw().slice(-2500);
    for (const seq of ['\x1b[?1049l', '\x1b[?25h', '\x1b[?7h']) expect(tail).toContain(seq);
    expect(await groupAfter(pgid!)).toEqual([]);
    const after = journal().slice(before);
    const skip = after.find((r) => r.type === 'item.skip' && r.data.item === 'a2');
    expect(skip?.data.status).toBe('cancelled');
    // the reason says what happened, and that no person cancelled it
    expect(skip?.data.reason).toBe('the TUI received SIGTERM (sent by the system or another process); not cancelled by a person');
  });

  it('hostile output: OSC 52, title changes, cursor moves and clear screen never reach the terminal', { timeout: 60_000 }, async () => {
    const t = await start();
    await t.press('enter', 'G', 'enter');
    await t.waitForScreen('a4 Hostile output');
    const before = t.raw().length;
    await t.press('r');
    await t.waitForScreen(/marker-visible/);
    await t.waitForScreen(/✓ PASS/);
    const after = t.raw().slice(before);
    expect(after).not.toContain('\x1b]52');
    expect(after).not.toContain('\x1b]0;pwned-title');
    expect(after).not.toMatch(/\x1b\[\d+;\d+H/);
    expect(after).not.toContain('\x1b[2J');
    expect(after).not.toContain('\x1b[?1049l');
    expect(t.titles.filter((x) => x !== READY_TITLE)).toEqual([]);
    expect(t.screen()).toContain('a4 Hostile output'); // still our screen, not cleared
    expect((await quit(t)).exitCode).toBe(0);
  });
});
