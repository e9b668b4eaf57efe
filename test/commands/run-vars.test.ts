/**
 * Variables are part of the record, through the built CLI: each item.start names the values its attempt ran with
 * (secrets as set / unset only), a resume with other values is said on stderr and journaled on session.resume, and
 * the report (report.json, HTML, Markdown) shows the latest values and what each attempt ran with.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ItemStartData, JournalRecord, SessionResumeData } from '../../src/engine/events.js';
import { readJournal } from '../../src/engine/journal.js';
import { cli, ensureBuilt } from '../support/cli-run.js';
import { tempDir } from '../support/session-fixtures.js';

let tmp: { dir: string; cleanup: () => Promise<void> };
let env: NodeJS.ProcessEnv;

const SECRET = 'hunter2-never-in-the-record';

beforeAll(async () => {
  ensureBuilt();
  tmp = await tempDir('rt-run-vars-');
  const home = path.join(tmp.dir, 'home');
  mkdirSync(home);
  env = { PATH: process.env.PATH, HOME: home, USER: 'zed', GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', LANG: 'C.UTF-8', NO_COLOR: '1' };
});
afterAll(async () => tmp.cleanup());

const CHECKLIST = `apiVersion: readiness/v1
name: vars-test
title: Variables test
vars:
  cmd:
    default: "true"
  token:
    secret: true
blocks:
  - id: "1"
    title: One
    items:
      - id: "1.1"
        title: runs the command a variable names
        check:
          kind: command
          run: "\${vars.cmd}"
`;

async function journal(cwd: string): Promise<JournalRecord[]> {
  const sessions = path.join(cwd, '.readiness', 'sessions');
  const [id] = readdirSync(sessions);
  const j = await readJournal(path.join(sessions, id!, 'journal.jsonl'));
  expect(j.problems).toEqual([]);
  return j.records;
}

function latestReport(cwd: string): string {
  const root = path.join(cwd, 'reports', 'readiness');
  return path.join(root, readdirSync(root).sort().at(-1)!);
}

describe('run --ci: the variables each attempt ran with', () => {
  it('journals them on item.start and session.resume, says a change on stderr, and the report shows each attempt', async () => {
    const cwd = path.join(tmp.dir, 'resume');
    mkdirSync(cwd);
    writeFileSync(path.join(cwd, 'c.yaml'), CHECKLIST);
    // attempt 1 cannot run (no such program): INCOMPLETE keeps the session open
    const first = await cli(['run', 'c.yaml', '--ci', '--set', 'cmd=/nonexistent/program'], { cwd, env });
    expect(first.code).toBe(3);
    expect(first.stderr).not.toContain('variables changed');

    const second = await cli(['run', 'c.yaml', '--ci', '--set', 'cmd=true'], { cwd, env: { ...env, READINESS_VAR_TOKEN: SECRET } });
    expect(second.code).toBe(0);
    expect(second.stderr).toContain(
      `variables changed since this session's previous run (journaled): cmd "/nonexistent/program" → "true"; token (secret) unset → set\n`,
    );

    const recs = await journal(cwd);
    expect(JSON.stringify(recs)).not.toContain(SECRET);
    const starts = recs.filter((r) => r.type === 'item.start').map((r) => r.data as ItemStartData);
    expect(starts.map((s) => [s.attempt, s.vars, s.secrets])).toEqual([
      [1, { cmd: '/nonexistent/program' }, { token: 'unset' }],
      [2, { cmd: 'true' }, { token: 'set' }],
    ]);
    const resume = recs.find((r) => r.type === 'session.resume')!.data as SessionResumeData;
    expect(resume).toMatchObject({
      vars: { cmd: 'true' },
      secrets: { token: 'set' },
      changed: [
        { name: 'cmd', from: '/nonexistent/program', to: 'true' },
        { name: 'token', secret: true, from: 'unset', to: 'set' },
      ],
    });

    const bundle = latestReport(cwd);
    const report = JSON.parse(readFileSync(path.join(bundle, 'report.json'), 'utf8'));
    // the latest values, not the ones the session started with
    expect(report.vars).toEqual({ cmd: 'true' });
    expect(report.secrets).toEqual({ token: 'set' });
    const attempts = report.blocks[0].items[0].attempts;
    expect(attempts.map((a: { attempt: number; vars: unknown }) => [a.attempt, a.vars])).toEqual([
      [1, { cmd: '/nonexistent/program' }],
      [2, { cmd: 'true' }],
    ]);
    const md = readFileSync(path.join(bundle, 'summary.md'), 'utf8');
    expect(md).toContain('### Variables\n`cmd` = `true`, `token` secret (set)\n- 1.1 attempt 1 ran with `cmd` = `/nonexistent/program`, `token` = `secret unset`\n');
    const html = readFileSync(path.join(bundle, 'report.html'), 'utf8');
    expect(html).toContain('<dt>Ran with</dt><dd>attempt 1: <code>cmd</code> = /nonexistent/program, <code>token</code> = secret unset<br>attempt 2: the variables above</dd>');
    for (const f of ['report.json', 'summary.md', 'report.html']) expect(readFileSync(path.join(bundle, f), 'utf8')).not.toContain(SECRET);
  });

  it('a resume with the same variables records them and says nothing changed', async () => {
    const cwd = path.join(tmp.dir, 'same');
    mkdirSync(cwd);
    writeFileSync(path.join(cwd, 'c.yaml'), CHECKLIST);
    expect((await cli(['run', 'c.yaml', '--ci', '--set', 'cmd=/nonexistent/program'], { cwd, env })).code).toBe(3);
    const again = await cli(['run', 'c.yaml', '--ci', '--set', 'cmd=/nonexistent/program'], { cwd, env });
    expect(again.code).toBe(3);
    expect(again.stderr).not.toContain('variables changed');
    const resume = (await journal(cwd)).find((r) => r.type === 'session.resume')!.data as SessionResumeData;
    expect(resume.vars).toEqual({ cmd: '/nonexistent/program' });
    expect(resume.changed).toBeUndefined();
  });
});
