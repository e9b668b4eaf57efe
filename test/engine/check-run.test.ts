/**
 * One run of one check (src/engine/check-run.ts) on its own: a real session's evidence directory, real child
 * processes, the real output feed — no runner around it.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CheckSpec } from '../../src/checklist/model.js';
import { RunAbort, runOneCheck, type CheckRunEnv, type CheckTarget } from '../../src/engine/check-run.js';
import type { OutputEvent } from '../../src/engine/events.js';
import { OutputFeed } from '../../src/engine/output-feed.js';
import { createRedactor } from '../../src/engine/redact.js';
import { openSession } from '../../src/engine/session.js';
import type { Session } from '../../src/engine/session-api.js';
import { makeChecklist } from './helpers/checklist.js';

let dir: string;
let session: Session;
let shown: OutputEvent[];
let env: CheckRunEnv;
const target: CheckTarget = { id: 'x', title: 'x', evidenceKey: 'x' };
const command = (run: string, expect?: string): CheckSpec => ({ kind: 'command', params: { run }, expect, mutating: false });

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rt-check-run-'));
  session = await openSession({ checklist: makeChecklist(dir, [{ id: 'x' }]), stateDir: path.join(dir, 'state'), mode: 'ci', vars: {}, secretVars: [], operator: 'alice@example.com', owner: true });
  shown = [];
  env = {
    session,
    redactor: createRedactor([{ name: 'token', value: 'T0ken-Value' }]),
    vars: { token: 'T0ken-Value' },
    env: process.env,
    cwd: dir,
    killGraceMs: 300,
    feed: new OutputFeed((e) => shown.push(e), false),
    kube: () => () => Promise.reject(new Error('no kube in this test')),
  };
});
afterEach(async () => {
  await session.close().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

describe('runOneCheck', () => {
  it('runs the kind, keeps its output (secrets masked) as evidence with its digest, shows it, and judges `expect`', async () => {
    const r = await runOneCheck(env, target, command('echo "token T0ken-Value"; echo done >&2', 'exitCode = 0'), 1, undefined, new AbortController(), 10_000);
    expect(r).toMatchObject({ verdict: 'pass', expect: 'exitCode = 0' });
    const file = path.join(session.dir, r.evidence[0]!.path);
    const bytes = await readFile(file);
    expect(bytes.toString()).toBe('token [REDACTED:token]\ndone\n');
    expect(r.evidence[0]).toMatchObject({ bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    expect(shown.flatMap((e) => e.lines)).toEqual(['token [REDACTED:token]', 'done']);
    const failing = await runOneCheck(env, target, command('exit 3'), 2, undefined, new AbortController(), 10_000);
    expect(failing.verdict).toBe('fail');
  });

  it('a timeout abort gives `timeout`, a cancel gives `cancelled`, both after the process group is gone', async () => {
    const timedOut = new AbortController();
    setTimeout(() => timedOut.abort(new RunAbort('timeout', 'timed out after 200ms')), 200);
    const t = await runOneCheck(env, target, command('sleep 30'), 1, undefined, timedOut, 200);
    expect(t).toMatchObject({ verdict: 'timeout', summary: 'timed out after 200ms' });
    const cancelled = new AbortController();
    setTimeout(() => cancelled.abort(new RunAbort('cancel', 'cancelled by alice')), 100);
    const c = await runOneCheck(env, target, command('sleep 30'), 2, undefined, cancelled, 10_000);
    expect(c).toMatchObject({ verdict: 'cancelled', summary: 'cancelled by alice' });
  });

  it('an unknown kind, bad params and an expectation that cannot be evaluated are `error` with a message', async () => {
    const unknown = await runOneCheck(env, target, { kind: 'nope', params: {}, mutating: false }, 1, undefined, new AbortController(), 1000);
    expect(unknown).toMatchObject({ verdict: 'error', summary: 'unknown check kind "nope"' });
    const badExpect = await runOneCheck(env, target, command('true', '$undefinedFn()'), 1, undefined, new AbortController(), 10_000);
    expect(badExpect.verdict).toBe('error');
    expect(badExpect.error?.message).toMatch(/^the expectation `\$undefinedFn\(\)` could not be evaluated/);
  });

  it('the output limit of the target, else of the run, stops the check; the evidence keeps exactly that much', async () => {
    const r = await runOneCheck({ ...env, outputLimitBytes: 1 << 20 }, { ...target, outputLimitBytes: 10_000 }, command('yes'), 1, undefined, new AbortController(), 10_000);
    expect(r.verdict).toBe('error');
    expect(r.summary).toMatch(/^output exceeded 9.8 KiB; the check was stopped/);
    expect(r.evidence[0]!.bytes).toBe(10_000);
    const run = await runOneCheck({ ...env, outputLimitBytes: 20_000 }, target, command('yes'), 2, undefined, new AbortController(), 10_000);
    expect(run.evidence[0]!.bytes).toBe(20_000);
  });
});
