/**
 * The final decision from a shell (`readiness-tui decide`) and in `run --ci`, through the built CLI: no final GO while
 * a required sign-off is missing (INCOMPLETE, exit 3, with the list), confirmation, and one final decision per state
 * of the journal (a resumed run or a second `decide` with nothing changed records nothing new).
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecisionData, JournalRecord } from '../../src/engine/events.js';
import { readJournal } from '../../src/engine/journal.js';
import { cli, ensureBuilt } from '../support/cli-run.js';
import { launchTui } from '../support/pty.js';
import { tempDir } from '../support/session-fixtures.js';
import { allowedLine, genKey, sshVerify } from '../report/helpers/ssh.js';
import { SIGNOFF_NAMESPACE } from '../../src/signing/sign.js';

let tmp: { dir: string; cleanup: () => Promise<void> };
let env: NodeJS.ProcessEnv;
let n = 0;
/** bob's own SSH key (--sign-key): only a signed approval counts */
let bobKey: string;

beforeAll(async () => {
  ensureBuilt();
  tmp = await tempDir('rt-decide-');
  bobKey = genKey(tmp.dir, 'bob').priv;
  const home = path.join(tmp.dir, 'home');
  mkdirSync(home);
  env = { PATH: process.env.PATH, HOME: home, USER: 'zed', GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', LANG: 'C.UTF-8', NO_COLOR: '1' };
});
afterAll(async () => tmp.cleanup());

/** 1.1 runs `cmd`; 1.2 is a manual, non-blocking item: its sign-off is still required before a final GO. */
const CHECKLIST = `apiVersion: readiness/v1
name: decide-test
title: Decide test
vars:
  cmd:
    default: "true"
blocks:
  - id: "1"
    title: One
    items:
      - id: "1.1"
        title: automated
        check:
          kind: command
          run: "\${vars.cmd}"
      - id: "1.2"
        title: manual, not blocking
        blocking: false
        check:
          kind: manual
`;

function workdir(): string {
  const cwd = path.join(tmp.dir, `w${n++}`);
  mkdirSync(cwd);
  writeFileSync(path.join(cwd, 'c.yaml'), CHECKLIST);
  return cwd;
}

const run = (cwd: string, ...args: string[]) => cli(['run', 'c.yaml', '--ci', '--as', 'alice@example.com', ...args], { cwd, env });
const decide = (cwd: string, ...args: string[]) => cli(['decide', '--as', 'carol@example.com', ...args], { cwd, env });

async function decisions(cwd: string): Promise<(JournalRecord & { data: DecisionData })[]> {
  const { listSessions } = await import('../../src/engine/session.js');
  const [s] = await listSessions(path.join(cwd, '.readiness'), { verify: false });
  const j = await readJournal(path.join(s!.dir, 'journal.jsonl'));
  expect(j.problems).toEqual([]);
  return j.records.filter((r) => r.type === 'decision') as (JournalRecord & { data: DecisionData })[];
}

const lastLine = (s: string) => s.trimEnd().split('\n').at(-1);

describe('run --ci and the final decision', () => {
  it('records no final GO while a manual item still needs its sign-off: INCOMPLETE with what is missing, exit 3, session open', async () => {
    const cwd = workdir();
    const r = await run(cwd);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('no final GO: required sign-off missing on 1.2');
    expect(lastLine(r.stdout)).toBe('INCOMPLETE — no final GO without every required sign-off: 1.2 needs a sign-off');
    expect(r.stdout).toContain('session stays open for sign-offs');
    const d = await decisions(cwd);
    expect(d).toHaveLength(1);
    expect(d[0]!.data).toMatchObject({ decision: 'INCOMPLETE', final: false, deciding: [{ item: '1.2', status: 'needs-signoff' }] });
  });

  it('a resumed run with nothing changed since the final decision records no second one', async () => {
    const cwd = workdir();
    expect((await run(cwd)).code).toBe(3);
    expect((await cli(['signoff', '1.2', '--decision', 'approve', '--as', 'bob@example.com', '--sign-key', bobKey], { cwd, env })).code).toBe(0);
    const first = await decide(cwd, '--yes');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const finals = (await decisions(cwd)).filter((d) => d.data.final);
    expect(finals).toHaveLength(1);
    expect(first.stdout).toContain(`recorded the final decision GO (journal #${finals[0]!.seq}), UNSIGNED (no SSH key to sign with, or --no-sign)`);

    const again = await run(cwd);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('kept from the earlier run of this session: 1.1');
    expect(again.stdout).toContain(`the final decision GO is already recorded (journal #${finals[0]!.seq}) and nothing changed since: not recorded again`);
    expect(again.stdout).toContain('SESSION CLOSED (GO)');
    expect(lastLine(again.stdout)).toBe('GO — all 1 blocking item passed or are waived');
    expect((await decisions(cwd)).filter((d) => d.data.final)).toHaveLength(1);
  });
});

describe('decide', () => {
  it('shows what is missing and refuses a final GO without the required sign-off (exit 3, nothing recorded)', async () => {
    const cwd = workdir();
    expect((await run(cwd)).code).toBe(3);
    const before = (await decisions(cwd)).length;
    const r = await decide(cwd, '--yes');
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('decision: GO\nwhat it rests on:\n  1.2 waits for a sign-off (non-blocking)\n');
    expect(r.stdout).toContain('no final decision recorded');
    expect(lastLine(r.stdout)).toBe('INCOMPLETE — no final GO without every required sign-off: 1.2 needs a sign-off');
    expect(await decisions(cwd)).toHaveLength(before);
  });

  it('without a terminal asks for --yes and records nothing (exit 2); with --yes records once, then says it stands', async () => {
    const cwd = workdir();
    await run(cwd);
    await cli(['signoff', '1.2', '--decision', 'approve', '--as', 'bob@example.com', '--sign-key', bobKey], { cwd, env });
    const before = (await decisions(cwd)).length;

    const unconfirmed = await decide(cwd);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stdout).toContain('decision: GO\nnothing is missing: every blocking item passed or is waived\n');
    expect(unconfirmed.stderr).toBe('error: decide records the final decision GO: confirm with --yes (nothing was recorded)\n');
    expect(await decisions(cwd)).toHaveLength(before);

    const yes = await decide(cwd, '--yes');
    expect(yes.code).toBe(0);
    const recorded = await decisions(cwd);
    expect(recorded).toHaveLength(before + 1);
    expect(recorded.at(-1)).toMatchObject({ actor: 'carol@example.com', data: { decision: 'GO', final: true } });

    const twice = await decide(cwd, '--yes');
    expect(twice.code).toBe(0);
    expect(twice.stdout).toContain(`the final decision GO is already recorded (journal #${recorded.at(-1)!.seq}) and nothing changed since`);
    expect(await decisions(cwd)).toHaveLength(before + 1);
  });

  it('the decision is the decider\'s signed statement (--sign-key), which plain ssh-keygen -Y verify accepts', async () => {
    const cwd = workdir();
    await run(cwd);
    await cli(['signoff', '1.2', '--decision', 'approve', '--as', 'bob@example.com', '--sign-key', bobKey], { cwd, env });
    const carol = genKey(tmp.dir, `carol${n}`);
    const r = await cli(['decide', '--as', 'carol@example.com', '--sign-key', carol.priv, '--yes'], { cwd, env });
    expect(r.code, r.stderr).toBe(0);
    const rec = (await decisions(cwd)).at(-1)!;
    const st = (rec.data as DecisionData & { statement?: { path: string; keyFingerprint: string } }).statement!;
    expect(rec).toMatchObject({ actor: 'carol@example.com', data: { decision: 'GO', final: true, by: 'carol@example.com' } });
    expect(r.stdout).toContain(`recorded the final decision GO (journal #${rec.seq}), signed with ${st.keyFingerprint} (${st.path})`);
    const sdir = path.join(cwd, '.readiness', 'sessions', readdirSync(path.join(cwd, '.readiness', 'sessions')).filter((x) => !x.endsWith('.lock'))[0]!);
    const team = path.join(cwd, 'team');
    writeFileSync(team, allowedLine('carol@example.com', carol, SIGNOFF_NAMESPACE) + '\n');
    const v = sshVerify(team, 'carol@example.com', SIGNOFF_NAMESPACE, path.join(sdir, st.path + '.sig'), path.join(sdir, st.path));
    expect(v.status, v.stderr).toBe(0);
  });

  it('in a terminal asks first: n records nothing (exit 2), y records the final decision', async () => {
    const cwd = workdir();
    await run(cwd);
    await cli(['signoff', '1.2', '--decision', 'approve', '--as', 'bob@example.com', '--sign-key', bobKey], { cwd, env });
    const before = (await decisions(cwd)).length;
    const ask = (answer: string) =>
      launchTui({ args: ['decide', '--as', 'carol@example.com'], cwd, env: { HOME: env.HOME, GIT_CONFIG_GLOBAL: '/dev/null' }, waitReady: false }).then(async (t) => {
        await t.waitForScreen('record the final decision GO as carol@example.com? [y/N]');
        await t.type(answer + '\r');
        return { exit: await t.exited, screen: t.screen() };
      });
    const no = await ask('n');
    expect(no.exit.exitCode).toBe(2);
    expect(no.screen).toContain('not confirmed: nothing was recorded');
    expect(await decisions(cwd)).toHaveLength(before);
    const yes = await ask('y');
    expect(yes.exit.exitCode).toBe(0);
    expect(yes.screen).toContain('recorded the final decision GO');
    expect((await decisions(cwd)).at(-1)).toMatchObject({ actor: 'carol@example.com', data: { decision: 'GO', final: true } });
  });

  it('records a final NO-GO (exit 1) when a blocking item failed', async () => {
    const cwd = workdir();
    const r = await run(cwd, '--set', 'cmd=false');
    expect(r.code).toBe(1);
    // run --ci closed the session on its final NO-GO: decide names it and finds it already decided
    const { listSessions } = await import('../../src/engine/session.js');
    const [s] = await listSessions(path.join(cwd, '.readiness'), { verify: false });
    const d = await decide(cwd, '--session', s!.dir, '--yes');
    expect(d.code).toBe(1);
    expect(d.stdout).toContain('decision: NO-GO\nwhat it rests on:\n  1.1 failed: exit 1');
    expect(d.stdout).toContain('the final decision NO-GO is already recorded');
    expect((await decisions(cwd)).filter((x) => x.data.final)).toHaveLength(1);
  });
});
