import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRunner } from '../../src/engine/runner.js';
import { openSession } from '../../src/engine/session.js';
import type { Session } from '../../src/engine/session-api.js';
import type { RunnerOptions } from '../../src/engine/runner-api.js';
import type { EngineEvent, ItemResultData, JournalRecord } from '../../src/engine/events.js';
import { cmd, makeChecklist, type ItemInput } from './helpers/checklist.js';
import { fixturesDir } from '../support/fixtures.js';

let dir: string;
let sessions: Session[] = [];
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rt-runner-'));
  sessions = [];
});
afterEach(async () => {
  for (const s of sessions) await s.close().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

async function setup(items: ItemInput[], o: { vars?: Record<string, string>; secretVars?: string[]; runner?: Partial<RunnerOptions> } = {}) {
  const checklist = makeChecklist(dir, items, { secretVars: o.secretVars });
  const session = await openSession({
    checklist,
    stateDir: path.join(dir, 'state'),
    mode: 'ci',
    vars: o.vars ?? {},
    secretVars: o.secretVars ?? [],
    operator: 'alice@example.com',
    owner: true,
  });
  sessions.push(session);
  const events: EngineEvent[] = [];
  const runner = createRunner({
    session,
    vars: o.vars,
    secretVars: o.secretVars,
    killGraceMs: 300,
    onEvent: (e) => events.push(e),
    ...o.runner,
  });
  return { session, runner, events };
}

async function journal(session: Session): Promise<JournalRecord[]> {
  const text = await readFile(path.join(session.dir, 'journal.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JournalRecord);
}

function results(recs: JournalRecord[], item?: string): ItemResultData[] {
  return recs
    .filter((r) => r.type === 'item.result')
    .map((r) => r.data as ItemResultData)
    .filter((d) => !item || d.item === item);
}

function pidsWith(marker: string): string[] {
  return execFileSync('ps', ['-eo', 'stat=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(marker) && !l.trim().startsWith('Z') && !l.includes('ps -eo'));
}

describe('runner', () => {
  it('runs checks, journals start and result with verdict, and keeps evidence with its sha256', async () => {
    const { session, runner, events } = await setup([
      { id: '1', check: cmd('echo hello; echo warn >&2') },
      { id: '2', check: cmd('echo broken; exit 4') },
    ]);
    await runner.run(['1', '2']);
    const recs = await journal(session);
    const [r1] = results(recs, '1');
    const [r2] = results(recs, '2');
    expect(r1!.verdict).toBe('pass');
    expect(r1!.expect).toBe('exitCode = 0');
    expect(r2!.verdict).toBe('fail');
    expect(r2!.summary).toContain('exit 4');
    const ev = r1!.evidence[0]!;
    const bytes = await readFile(path.join(session.dir, ev.path));
    expect(bytes.toString().split('\n').sort()).toEqual(['', 'hello', 'warn']);
    expect(ev.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(ev.bytes).toBe(bytes.length);
    // item.start comes before item.result, and the store agrees with the journal
    const types = recs.filter((r) => (r.data as { item?: string }).item === '1').map((r) => r.type);
    expect(types).toEqual(['item.start', 'item.result']);
    const st = session.store.store.getState();
    expect(st.items['1']!.status).toBe('pass');
    expect(st.items['2']!.status).toBe('fail');
    expect(st.decision).toBe('NO-GO');
    // output lines reached the store's ring buffer and the listener
    expect(session.store.output('1').tail(10)).toEqual(expect.arrayContaining(['hello', 'warn']));
    expect(events.some((e) => e.type === 'output' && e.item === '1' && e.lines.includes('hello'))).toBe(true);
  });

  it('blocks dependents of an item that did not pass, and runs the rest after their dependency', async () => {
    const marker = path.join(dir, 'ran-b');
    const order = path.join(dir, 'order');
    const { session, runner } = await setup([
      { id: 'a', check: cmd('exit 1') },
      { id: 'b', dependsOn: ['a'], check: cmd(`touch ${marker}`) },
      { id: 'c', check: cmd(`sleep 0.2; echo c >> ${order}`) },
      { id: 'd', dependsOn: ['c'], check: cmd(`echo d >> ${order}`) },
      { id: 'e', dependsOn: ['b'], check: cmd('true') },
    ]);
    await runner.run(['a', 'b', 'c', 'd', 'e']);
    const st = session.store.store.getState();
    expect(st.items['b']!.status).toBe('blocked');
    expect(st.items['b']!.skip?.reason).toContain('a (fail)');
    expect(st.items['e']!.status).toBe('blocked');
    expect(existsSync(marker)).toBe(false);
    expect(st.items['d']!.status).toBe('pass');
    expect((await readFile(order, 'utf8')).trim().split('\n')).toEqual(['c', 'd']);
  });

  it('honours the concurrency limit', async () => {
    const log = path.join(dir, 'spans');
    const marks = path.join(dir, 'started');
    await mkdir(marks);
    // each check holds until two have started: the first two surely overlap, whatever the machine's load; more than
    // two at once would show as a third start before an end
    const items = ['1', '2', '3', '4', '5'].map((id) => ({
      id,
      check: cmd(
        `echo "start $(date +%s%N)" >> ${log}; touch ${marks}/${id}; ` +
          `while [ "$(ls ${marks} | wc -l)" -lt 2 ]; do sleep 0.01; done; echo "end $(date +%s%N)" >> ${log}`,
      ),
    }));
    const checklist = makeChecklist(dir, items);
    const session = await openSession({
      checklist,
      stateDir: path.join(dir, 'state'),
      mode: 'ci',
      vars: {},
      secretVars: [],
      operator: 'op',
      owner: true,
    });
    sessions.push(session);
    await createRunner({ session, concurrency: 2 }).run(items.map((i) => i.id));
    const evs = (await readFile(log, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => l.split(' '))
      .map(([k, t]) => ({ k, t: BigInt(t!) }))
      .sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
    let cur = 0;
    let max = 0;
    for (const e of evs) {
      cur += e.k === 'start' ? 1 : -1;
      max = Math.max(max, cur);
    }
    expect(max).toBe(2);
    expect(Object.values(session.store.store.getState().items).every((i) => i.status === 'pass')).toBe(true);
  });

  it('on timeout kills the whole process group and records `timeout`', async () => {
    const marker = `rt-runner-timeout-${process.pid}-${Date.now()}`;
    const { session, runner } = await setup([
      { id: 't', timeoutMs: 600, check: cmd(`sh -c "sleep 300; : ${marker}" & sh -c "sleep 301; : ${marker}" & wait`) },
    ]);
    await runner.run(['t']);
    const [r] = results(await journal(session), 't');
    expect(r!.verdict).toBe('timeout');
    expect(r!.summary).toContain('timed out');
    const until = Date.now() + 3000;
    while (pidsWith(marker).length && Date.now() < until) await new Promise((res) => setTimeout(res, 50));
    expect(pidsWith(marker)).toEqual([]);
    expect(session.store.store.getState().items['t']!.status).toBe('timeout');
  });

  it('retries fail/error/timeout up to `retries`, journaling every attempt', async () => {
    const counter = path.join(dir, 'count');
    await writeFile(counter, '0');
    const { session, runner } = await setup([
      {
        id: 'r',
        retries: 3,
        check: cmd(`n=$(cat ${counter}); n=$((n+1)); echo $n > ${counter}; echo attempt $n; [ $n -ge 3 ]`),
      },
      { id: 'never', retries: 1, check: cmd('exit 2') },
    ]);
    await runner.run(['r', 'never']);
    const recs = await journal(session);
    expect(results(recs, 'r').map((d) => [d.attempt, d.verdict])).toEqual([
      [1, 'fail'],
      [2, 'fail'],
      [3, 'pass'],
    ]);
    expect(results(recs, 'never').map((d) => d.attempt)).toEqual([1, 2]);
    // each attempt has its own evidence file
    const ev = results(recs, 'r').map((d) => d.evidence[0]!.path);
    expect(new Set(ev).size).toBe(3);
    expect(await readFile(path.join(session.dir, ev[2]!), 'utf8')).toBe('attempt 3\n');
  });

  it('cancel kills a running check (CANCELLED, with its attempt) and skips queued ones, recorded as cancelled by the operator', async () => {
    const marker = `rt-runner-cancel-${process.pid}-${Date.now()}`;
    const { session, runner } = await setup([
      { id: 'long', check: cmd(`sh -c "sleep 300; : ${marker}"; true`) },
      { id: 'after', dependsOn: ['long'], check: cmd('true') },
    ]);
    const done = runner.run(['long', 'after']);
    const until = Date.now() + 5000;
    while (!pidsWith(marker).length && Date.now() < until) await new Promise((res) => setTimeout(res, 30));
    expect(runner.running()).toEqual(['long']);
    runner.cancel();
    await done;
    const st = session.store.store.getState();
    expect(st.items['long']!.status).toBe('cancelled');
    expect(st.items['long']!.skip?.reason).toBe('cancelled by alice@example.com');
    expect(st.items['long']!.cancelled).toMatchObject([{ attempt: 1, reason: 'cancelled by alice@example.com' }]);
    // the queued item never started: skipped, not cancelled
    expect(st.items['after']!.status).toBe('skipped');
    expect(pidsWith(marker)).toEqual([]);
    expect(results(await journal(session))).toEqual([]);
  });

  it('cancel(id) stops one item and lets the others finish', async () => {
    const marker = `rt-runner-cancel1-${process.pid}-${Date.now()}`;
    const { session, runner } = await setup([
      { id: 'slow', check: cmd(`sh -c "sleep 300; : ${marker}"`) },
      { id: 'other', check: cmd('sleep 0.5; echo fine') },
    ]);
    const done = runner.run(['slow', 'other']);
    const until = Date.now() + 5000;
    while (!pidsWith(marker).length && Date.now() < until) await new Promise((res) => setTimeout(res, 30));
    runner.cancel('slow');
    await done;
    const st = session.store.store.getState();
    expect(st.items['slow']!.status).toBe('cancelled');
    expect(st.items['other']!.status).toBe('pass');
    expect(pidsWith(marker)).toEqual([]);
  });

  it('a cancelled re-run never falls back to the earlier PASS; a mutating check says the environment may be half-changed', async () => {
    const marker = `rt-runner-cancel-mut-${process.pid}-${Date.now()}`;
    const flag = path.join(dir, 'second');
    // the first run passes at once; the second deletes "the namespace", then hangs until cancelled
    const run = `if [ -e ${flag} ]; then echo deleting namespace detektor; sh -c "sleep 300; : ${marker}"; fi; echo done`;
    const { session, runner } = await setup([{ id: 'dr', check: { ...cmd(run), mutating: true } }]);
    await runner.run(['dr']);
    expect(session.store.store.getState().items['dr']!.status).toBe('pass');
    await writeFile(flag, '');
    const done = runner.run(['dr']);
    const until = Date.now() + 5000;
    while (!pidsWith(marker).length && Date.now() < until) await new Promise((res) => setTimeout(res, 30));
    runner.cancel('dr', 'cancelled by alice@example.com (key c in the TUI)');
    await done;
    const st = session.store.store.getState().items['dr']!;
    expect(st.status).toBe('cancelled');
    expect(st.result?.verdict).toBe('pass'); // attempt 1's, kept as history, not as the item's state
    const skip = (await journal(session)).find((r) => r.type === 'item.skip')!.data as {
      status: string; attempt: number; reason: string; halfChanged: string; evidence: { path: string }[];
    };
    expect(skip).toMatchObject({ status: 'cancelled', attempt: 2, reason: 'cancelled by alice@example.com (key c in the TUI)' });
    expect(skip.halfChanged).toMatch(/^dr changes the environment and was cancelled part-way: the environment may be half-changed\. It was running: .*deleting namespace/);
    // the partial evidence is kept and referenced
    expect(await readFile(path.join(session.dir, skip.evidence[0]!.path), 'utf8')).toContain('deleting namespace detektor');
    expect(pidsWith(marker)).toEqual([]);
  });

  it('a mutating check that times out says the environment may be half-changed and what it ran', async () => {
    const { session, runner } = await setup([{ id: 'mig', timeoutMs: 300, check: { ...cmd('echo migrating; sleep 30'), mutating: true } }]);
    await runner.run(['mig']);
    const [r] = results(await journal(session), 'mig');
    expect(r!.verdict).toBe('timeout');
    expect(r!.halfChanged).toMatch(/^mig changes the environment and timed out part-way: the environment may be half-changed\. It was running: .*echo migrating; sleep 30/);
  });

  it('no evidence, no verdict: a failing evidence write stops the check and records an error', async () => {
    const marker = `rt-runner-enospc-${process.pid}-${Date.now()}`;
    const { session } = await setup([{ id: 'full', check: cmd(`echo data; sh -c "sleep 300; : ${marker}"`) }]);
    // the same session, but its evidence goes to a device that is always full
    const full = Object.create(session) as Session;
    full.evidencePath = () => '/dev/full';
    await createRunner({ session: full, killGraceMs: 300 }).run(['full']);
    const [r] = results(await journal(session), 'full');
    expect(r!.verdict).toBe('error');
    expect(r!.error?.message).toContain('evidence file could not be written');
    expect(pidsWith(marker)).toEqual([]);
  });

  it('an unexpected exception in a kind is `error` with its message; a kind ignoring abort is abandoned on timeout', async () => {
    const { command } = await import('../../src/checks/command.js');
    const original = command.run;
    try {
      const { session, runner } = await setup([
        { id: 'boom', check: cmd('true') },
        { id: 'deaf', timeoutMs: 300, check: cmd('true') },
      ]);
      // fault injection on the real kind object: one throws a TypeError, the other never settles
      command.run = async (_p, ctx) => {
        if (ctx.item.id === 'boom') throw new TypeError('boom: cannot read properties of undefined');
        return new Promise(() => undefined);
      };
      await runner.run(['boom', 'deaf']);
      const recs = await journal(session);
      const boom = results(recs, 'boom')[0]!;
      expect(boom.verdict).toBe('error');
      expect(boom.error?.message).toContain('boom: cannot read properties');
      // run() returned although the kind never settles: it was abandoned after its timeout
      expect(results(recs, 'deaf')[0]!.verdict).toBe('timeout');
    } finally {
      command.run = original;
    }
  });

  it('ctx.kube resolves the context: check override > check `context:` > runner kubeContext, via the runner env', async () => {
    const { command } = await import('../../src/checks/command.js');
    const original = command.run;
    const kubeconfig = path.join(dir, 'kubeconfig');
    const ctxEntry = (n: string) => `- name: ${n}\n  context: {cluster: c-${n}, user: u}\n`;
    await writeFile(
      kubeconfig,
      'apiVersion: v1\nkind: Config\ncurrent-context: current\n' +
        'clusters:\n' +
        ['current', 'global', 'pinned', 'override'].map((n) => `- name: c-${n}\n  cluster: {server: "https://127.0.0.1:1"}\n`).join('') +
        'users:\n- name: u\n  user: {token: t}\n' +
        'contexts:\n' +
        ['current', 'global', 'pinned', 'override'].map(ctxEntry).join(''),
    );
    try {
      command.run = async (_p, ctx) => {
        const t = ctx.item.id === 'over' ? await ctx.kube('override') : await ctx.kube();
        return { result: { context: t.context, cluster: t.cluster }, summary: t.context };
      };
      const checklist = makeChecklist(dir, [
        { id: 'plain', check: cmd('true', {}, "context = 'global'") },
        { id: 'pinned', check: { ...cmd('true', {}, "context = 'pinned'"), context: 'pinned' } },
        { id: 'over', check: { ...cmd('true', {}, "context = 'override'"), context: 'pinned' } },
      ]);
      const session = await openSession({ checklist, stateDir: path.join(dir, 'state'), mode: 'ci', vars: {}, secretVars: [], operator: 'op', owner: true });
      sessions.push(session);
      await createRunner({ session, kubeContext: 'global', env: { ...process.env, KUBECONFIG: kubeconfig } }).run(['plain', 'pinned', 'over']);
      const recs = await journal(session);
      for (const id of ['plain', 'pinned', 'over']) expect(results(recs, id)[0]!.verdict).toBe('pass');
      expect((results(recs, 'pinned')[0]!.result as { cluster: string }).cluster).toBe('c-pinned');
    } finally {
      command.run = original;
    }
  });

  it('a check that cannot run is `error` with a hint, and the run goes on', async () => {
    const { session, runner } = await setup([
      { id: 'x', check: { kind: 'command', params: { argv: ['rt-definitely-missing-tool'] } } },
      { id: 'y', check: { kind: 'command', params: { run: 'true', bogus: 1 } } },
      { id: 'z', check: { kind: 'no-such-kind', params: {} } },
      { id: 'ok', check: cmd('true') },
    ]);
    await runner.run(['x', 'y', 'z', 'ok']);
    const recs = await journal(session);
    const x = results(recs, 'x')[0]!;
    expect(x.verdict).toBe('error');
    expect(x.error?.message).toContain('command not found');
    expect(x.error?.hint).toBe('install it or add its directory to PATH');
    expect(results(recs, 'y')[0]!.verdict).toBe('error');
    expect(results(recs, 'z')[0]!.error?.message).toContain('no-such-kind');
    expect(results(recs, 'ok')[0]!.verdict).toBe('pass');
  });

  it('a command check\'s output comes through this process, not a file the child writes: the evidence is its bytes, stderr where it arrived', async () => {
    const { session, runner } = await setup([
      // "first" only when the child's stdout is not a regular file (it is a pipe read by the runner)
      { id: 'd', check: cmd('[ ! -f /dev/stdout ] && echo first; sleep 0.05; echo oops >&2; sleep 0.05; printf "last (no newline)"', { count: { lines: '.' } }) },
    ]);
    await runner.run(['d']);
    const [r] = results(await journal(session), 'd');
    expect(r!.verdict).toBe('pass');
    const file = path.join(session.dir, r!.evidence[0]!.path);
    const bytes = await readFile(file);
    expect(bytes.toString()).toBe('first\noops\nlast (no newline)');
    expect(r!.evidence[0]).toMatchObject({ bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    expect(r!.result).toMatchObject({ stdoutTail: 'first\nlast (no newline)', stderrTail: 'oops', lines: 3, captures: { lines: 3 } });
    expect(session.store.output('d').tail(10).join('\n')).toContain('oops');
  });

  it('the output limit: an item\'s outputLimit (else the run\'s) stops a flood with an error; the evidence keeps exactly the limit', async () => {
    const { session, runner } = await setup(
      [
        { id: 'own', outputLimitBytes: 64 * 1024, check: cmd('yes readiness') },
        { id: 'run', check: cmd('yes readiness') },
        { id: 'small', check: cmd('echo fine') },
      ],
      { runner: { outputLimitBytes: 200_000 } },
    );
    await runner.run(['own', 'run', 'small']);
    const recs = await journal(session);
    const own = results(recs, 'own')[0]!;
    expect(own.verdict).toBe('error');
    expect(own.error?.message).toMatch(/^output exceeded 64 KiB; the check was stopped/);
    expect(own.error?.hint).toMatch(/outputLimit/);
    const bytes = await readFile(path.join(session.dir, own.evidence[0]!.path));
    expect(bytes.length).toBe(64 * 1024);
    expect(own.evidence[0]).toMatchObject({ bytes: 64 * 1024, sha256: createHash('sha256').update(bytes).digest('hex') });
    expect(bytes.toString().split('\n').slice(0, -1).every((l) => l === 'readiness')).toBe(true);
    const run = results(recs, 'run')[0]!;
    expect(run.error?.message).toMatch(/^output exceeded 195.3 KiB/);
    expect(run.evidence[0]!.bytes).toBe(200_000);
    expect(results(recs, 'small')[0]!.verdict).toBe('pass');
  });

  it('a 1 MB line is shown cut with its length; the evidence keeps it whole', async () => {
    const { session, runner, events } = await setup([{ id: 'long', check: cmd("head -c 1048576 /dev/zero | tr '\\0' x; echo; echo done") }]);
    await runner.run(['long']);
    const r = results(await journal(session), 'long')[0]!;
    expect(r.verdict).toBe('pass');
    const bytes = await readFile(path.join(session.dir, r.evidence[0]!.path));
    expect(bytes.toString()).toBe('x'.repeat(1048576) + '\ndone\n');
    const shown = events.flatMap((e) => (e.type === 'output' && e.item === 'long' ? e.lines : []));
    expect(shown).toEqual(['x'.repeat(2000) + '… (+1,046,576 bytes)', 'done']);
  });

  it('the free-space reserve: a check does not start when the state directory\'s filesystem has less free', async () => {
    const { session, runner } = await setup([{ id: 'x', check: cmd('echo never') }], { runner: { freeSpaceReserveBytes: Number.MAX_SAFE_INTEGER } });
    await runner.run(['x']);
    const r = results(await journal(session), 'x')[0]!;
    expect(r.verdict).toBe('error');
    expect(r.error?.message).toMatch(/^not started: the state directory's filesystem has [\d.]+ [KMGT]iB free, below the reserve of /);
  });

  it('interpolates vars, evaluates expect over captures with $vars, and never writes a secret anywhere', async () => {
    const secret = 'Sup3r-S3cret-Value';
    const { session, runner } = await setup(
      [
        {
          id: 's',
          check: cmd(
            'echo "connecting with ${vars.password} to ${vars.host}"; echo "Total recovery time: 420"; [ ! -f /dev/stdout ] && echo through a pipe',
            { capture: { rto: 'Total recovery time: (\\d+)' } },
            'captures.rto < $number($vars.maxRto)',
          ),
        },
      ],
      { vars: { password: secret, host: 'db.internal', maxRto: '900' }, secretVars: ['password'] },
    );
    await runner.run(['s']);
    const text = await readFile(path.join(session.dir, 'journal.jsonl'), 'utf8');
    const [r] = results(await journal(session), 's');
    expect(r!.verdict).toBe('pass');
    expect((r!.result as { captures: Record<string, unknown> }).captures.rto).toBe(420);
    const evidence = await readFile(path.join(session.dir, r!.evidence[0]!.path), 'utf8');
    expect(evidence).toContain('connecting with [REDACTED:password] to db.internal');
    // output to mask is read through a pipe, never written by the child itself
    expect(evidence).toContain('through a pipe');
    expect(text).not.toContain(secret);
    expect(evidence).not.toContain(secret);
    expect(session.store.output('s').tail(10).join('\n')).not.toContain(secret);
    expect(runner.describe('s')[0]).toContain('[REDACTED:password]');
  });

  it('runs each named check of an item, one evidence file each, and aggregates with the item expect', async () => {
    const { session, runner } = await setup([
      {
        id: 'm',
        checks: { first: cmd('echo one'), second: cmd('echo two; exit 1') },
      },
      {
        id: 'n',
        checks: { first: cmd('echo one'), second: cmd('exit 1') },
        expect: "checks.first.status = 'pass'",
      },
      {
        id: 'slow',
        timeoutMs: 700,
        checks: { quick: cmd('true'), stuck: cmd('sleep 30'), never: cmd('true') },
      },
    ]);
    await runner.run(['m', 'n', 'slow']);
    const recs = await journal(session);
    const slow = results(recs, 'slow')[0]!;
    expect(slow.verdict).toBe('timeout');
    expect(slow.checks).toMatchObject({ quick: { verdict: 'pass' }, stuck: { verdict: 'timeout' } });
    expect(slow.checks?.never).toBeUndefined();
    const m = results(recs, 'm')[0]!;
    expect(m.verdict).toBe('fail');
    expect(m.checks).toMatchObject({ first: { verdict: 'pass' }, second: { verdict: 'fail' } });
    expect(m.summary).toContain('1/2 checks passed');
    expect(m.evidence.map((e) => path.basename(e.path))).toEqual(['1-first.log', '1-second.log']);
    expect(await readFile(path.join(session.dir, m.evidence[1]!.path), 'utf8')).toBe('two\n');
    expect(results(recs, 'n')[0]!.verdict).toBe('pass');
  });

  it('a checklist\'s own expect is what measured/threshold describe; a pass lists no offenders (real Thanos dashboard)', async () => {
    // thanos-bucket-replicate: 4 panels, none of them an SLO panel, so grafana.dashboard lists all 4 as offending
    const file = path.join(fixturesDir, 'grafana-dashboards/thanos-bucket-replicate-legacy-rows.json');
    const dash = (expect?: string) => ({ kind: 'grafana.dashboard', params: { file }, expect });
    const { session, runner } = await setup([
      { id: 'default', check: dash() },
      { id: 'own-pass', check: dash('panels >= 4 and found') },
      { id: 'own-fail', check: dash('matched >= 1') },
    ]);
    await runner.run(['default', 'own-pass', 'own-fail']);
    const recs = await journal(session);
    const [d] = results(recs, 'default');
    expect(d).toMatchObject({ verdict: 'fail', measured: '0 matching panels', threshold: '≥ 5' });
    expect(d!.offending).toHaveLength(4);
    const [p] = results(recs, 'own-pass');
    expect(p).toMatchObject({ verdict: 'pass', measured: 'panels 4, found true', threshold: 'panels >= 4 and found' });
    expect(p!.offending).toBeUndefined();
    const [f] = results(recs, 'own-fail');
    expect(f).toMatchObject({ verdict: 'fail', measured: 'matched 0', threshold: 'matched >= 1' });
    expect(f!.offending).toHaveLength(4);
  });

  it('keeps memory bounded for a check printing a lot, while the evidence gets every byte', async () => {
    const { session, runner, events } = await setup([
      { id: 'big', check: cmd('seq 1 300000') },
    ]);
    await runner.run(['big']);
    const [r] = results(await journal(session), 'big');
    const expected = Array.from({ length: 300000 }, (_, i) => `${i + 1}\n`).join('');
    const onDisk = await readFile(path.join(session.dir, r!.evidence[0]!.path), 'utf8');
    expect(onDisk.length).toBe(expected.length);
    expect(onDisk === expected).toBe(true);
    const buf = session.store.output('big');
    expect(buf.size).toBeLessThanOrEqual(5000);
    expect(buf.tail(1)).toEqual(['300000']);
    expect(session.store.outputStats('big').lines).toBe(300000);
    const outEvents = events.filter((e) => e.type === 'output');
    expect(outEvents.every((e) => e.type !== 'output' || e.lines.length <= 5000)).toBe(true);
  });
});
