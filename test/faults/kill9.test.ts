/**
 * Fault suite (`npm run faults`): kill -9 at random instants (seeded) against the built CLI, and count acknowledged
 * acts that were lost.
 *
 * - `run --ci`: every result line the run printed before it was killed is acknowledged (the journal line is fsynced
 *   before the line is printed); each must be in the journal afterwards, the journal must pass its chain check, and
 *   the session must resume and finish.
 * - concurrent writers: `note`, `waive` and `signoff` from three shells at once on one session, one of them killed
 *   at a random instant; each writer that exited 0 was acknowledged and its act must be in the journal.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJournal } from '../../src/engine/journal.js';
import { BIN, ensureBuilt } from '../support/cli-run.js';
import { FULL_FAULTS, recordFaultRow } from '../support/faults.js';
import { rng } from '../support/rng.js';

const TRIALS = FULL_FAULTS ? 50 : 3;
let root: string;

beforeAll(() => {
  ensureBuilt();
  root = mkdtempSync(path.join(os.tmpdir(), 'rt-kill9-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const CHECKLIST = `apiVersion: readiness/v1
name: kill9
title: Kill -9
blocks:
  - id: "1"
    title: B
    items:
${Array.from({ length: 8 }, (_, i) => `      - id: "1.${i + 1}"
        title: item ${i + 1}
        check: {kind: command, run: 'echo start-${i + 1}; sleep 0.0${(i * 37) % 9}; echo done-${i + 1}'}
`).join('')}`;

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
}

function env(home: string): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, LANG: 'C.UTF-8', NO_COLOR: '1', USER: 'fault', GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
  return e;
}

/** run the CLI; SIGKILL it after `killAfterMs` (when given) */
function run(args: string[], cwd: string, killAfterMs?: number): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: env(cwd), stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout });
    });
  });
}

async function journalOf(stateDir: string) {
  const sessions = path.join(stateDir, 'sessions');
  const id = readdirSync(sessions).sort().pop()!;
  return { dir: path.join(sessions, id), j: await readJournal(path.join(sessions, id, 'journal.jsonl')) };
}

describe('kill -9 at random instants', () => {
  it('run --ci: no acknowledged result is lost, the session resumes', { timeout: 1_800_000 }, async () => {
    const next = rng(0x9a11);
    const lost: string[] = [];
    for (let t = 0; t < TRIALS; t++) {
      const cwd = path.join(root, `run-${t}`);
      mkdirSync(cwd);
      writeFileSync(path.join(cwd, 'c.yaml'), CHECKLIST);
      const killAt = Math.floor(150 + next() * 1600);
      const first = await run(['run', 'c.yaml', '--ci'], cwd, killAt);
      const acked = [...first.stdout.matchAll(/^\S+ (1\.\d) (PASS|FAIL|ERROR)/gm)].map((m) => m[1]!);
      // resumed (or, when the kill came after the end, started again): must finish
      const again = await run(['run', 'c.yaml', '--ci'], cwd);
      if (again.code !== 0) lost.push(`trial ${t} (kill at ${killAt} ms): the next run exited ${again.code}:\n${again.stdout}`);
      const dir = /session \S+ started in (\S+)/.exec(first.stdout)?.[1];
      if (!dir) {
        if (acked.length) lost.push(`trial ${t} (kill at ${killAt} ms): ${acked.length} results acknowledged before the session was named`);
        continue;
      }
      const j = await readJournal(path.join(dir, 'journal.jsonl'));
      if (j.problems.length) lost.push(`trial ${t} (kill at ${killAt} ms): journal problems after the resume ${JSON.stringify(j.problems)}`);
      const recorded = new Set(j.records.filter((r) => r.type === 'item.result').map((r) => (r.data as { item: string }).item));
      for (const id of acked) if (!recorded.has(id)) lost.push(`trial ${t} (kill at ${killAt} ms): result of ${id} acknowledged, not in the journal`);
    }
    recordFaultRow({ experiment: 'kill -9 of run --ci at a random instant (then resumed)', trials: TRIALS, failures: lost.length, goal: '0 acknowledged results lost, every session resumes' });
    expect(lost, lost.join('\n')).toEqual([]);
  });

  it('concurrent note / waive / signoff writers, one killed: no acknowledged act is lost', { timeout: 1_800_000 }, async () => {
    const next = rng(0x5eed9);
    const cwd = path.join(root, 'writers');
    mkdirSync(cwd);
    writeFileSync(path.join(cwd, 'c.yaml'), CHECKLIST.replace(/check: \{kind: command, run: '[^']*'\}/g, 'check: {kind: manual}'));
    // a session to write into: run --ci leaves it open (manual items need sign-offs)
    await run(['run', 'c.yaml', '--ci'], cwd);
    const lost: string[] = [];
    for (let t = 0; t < TRIALS; t++) {
      const victim = Math.floor(next() * 3);
      const killAt = Math.floor(next() * 600);
      const item = `1.${(t % 8) + 1}`;
      const writers = [
        ['note', `note-${t}`, '--item', item],
        ['waive', item, '--reason', `reason-${t}`, '--expires', '2999-01-01', '--as', `w${t}@example.com`, '--no-sign'],
        ['signoff', item, '--decision', 'reject', '--comment', `comment-${t}`, '--as', `s${t}@example.com`, '--no-sign'],
      ];
      const ran = await Promise.all(writers.map((w, i) => run(w, cwd, i === victim ? killAt : undefined)));
      const { j } = await journalOf(path.join(cwd, '.readiness'));
      if (j.problems.length) lost.push(`trial ${t}: journal problems ${JSON.stringify(j.problems)}`);
      const text = j.lines.join('\n');
      const marks = [`note-${t}`, `reason-${t}`, `comment-${t}`];
      ran.forEach((r, i) => {
        if (r.code === 0 && !text.includes(`"${marks[i]}"`)) lost.push(`trial ${t}: ${writers[i]![0]} exited 0, its act is not in the journal`);
      });
    }
    recordFaultRow({ experiment: 'kill -9 of one of three concurrent writers (note, waive, signoff)', trials: TRIALS, failures: lost.length, goal: '0 acknowledged acts lost, chain intact' });
    expect(lost, lost.join('\n')).toEqual([]);
  });
});
