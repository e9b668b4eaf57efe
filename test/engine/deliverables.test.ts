/**
 * The deliverable checks (src/engine/deliverables.ts) on their own: a real session (journal, store, evidence
 * directory), the real check execution (runOneCheck with real `command` checks and child processes), no runner.
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CheckSpec, Checklist } from '../../src/checklist/model.js';
import { runOneCheck, type CheckRunEnv } from '../../src/engine/check-run.js';
import { createDeliverables, deliverableTarget } from '../../src/engine/deliverables.js';
import type { JournalEvent, JournalRecord } from '../../src/engine/events.js';
import { OutputFeed } from '../../src/engine/output-feed.js';
import { createRedactor } from '../../src/engine/redact.js';
import { openSession } from '../../src/engine/session.js';
import type { Session } from '../../src/engine/session-api.js';
import { makeChecklist } from './helpers/checklist.js';

let dir: string;
let session: Session;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rt-deliverables-'));
});
afterEach(async () => {
  await session?.close().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

const command = (run: string): CheckSpec => ({ kind: 'command', params: { run }, mutating: false });

async function setup(deliverables: Checklist['deliverables'], timeoutMs = 10_000) {
  const checklist = { ...makeChecklist(dir, [{ id: 'x' }]), deliverables };
  session = await openSession({ checklist, stateDir: path.join(dir, 'state'), mode: 'ci', vars: {}, secretVars: [], operator: 'alice@example.com', owner: true });
  const redactor = createRedactor([{ name: 'token', value: 'T0ken-Value' }]);
  const feed = new OutputFeed((e) => session.store.apply(e), false);
  const env: CheckRunEnv = {
    session,
    redactor,
    vars: { token: 'T0ken-Value' },
    env: process.env,
    cwd: dir,
    killGraceMs: 300,
    feed,
    kube: () => () => Promise.reject(new Error('no kube in this test')),
  };
  const d = createDeliverables(checklist.deliverables, {
    session,
    feed,
    redactor,
    timeoutMs,
    record: async (e) => {
      await session.record(e as JournalEvent);
    },
    describe: (spec) => `command: ${String(spec.params.run)}`,
    runCheck: (target, spec, attempt, controller, t) => runOneCheck(env, target, spec, attempt, undefined, controller, t),
  });
  return d;
}

/** resolves once the store shows the first deliverable's check under way (its deliverable.start recorded) */
function startedCheck(): Promise<void> {
  const running = () => session.store.store.getState().deliverables[0]?.status === 'running';
  return new Promise((resolve) => {
    if (running()) return resolve();
    const stop = session.store.store.subscribe(() => {
      if (!running()) return;
      stop();
      resolve();
    });
  });
}

async function journal(): Promise<JournalRecord[]> {
  const text = await readFile(path.join(session.dir, 'journal.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JournalRecord)
    .filter((r) => r.type.startsWith('deliverable.'));
}

describe('deliverableTarget', () => {
  it('keys the output as deliverables[<n>] and the evidence as _deliverable-<n> (never an item id)', () => {
    expect(deliverableTarget(2, { path: 'a.md' })).toEqual({ id: 'deliverables[2]', title: 'a.md', evidenceKey: '_deliverable-2' });
    expect(deliverableTarget(0, { path: 'a.md', description: 'Guide' }).title).toBe('Guide');
  });
});

describe('createDeliverables', () => {
  it('checks each deliverable with a check, one after another, journaled start → result, evidence under _deliverable-<n>', async () => {
    const d = await setup([
      { path: 'ok.md', check: command('echo fine T0ken-Value') },
      { path: 'listed-only.md' },
      { path: 'bad.md', check: command('exit 4') },
    ]);
    await d.check();
    const recs = await journal();
    expect(recs.map((r) => `${r.type} ${(r.data as { index: number }).index}`)).toEqual([
      'deliverable.start 0',
      'deliverable.result 0',
      'deliverable.start 2',
      'deliverable.result 2',
    ]);
    const [, ok, , bad] = recs.map((r) => r.data as { verdict?: string; attempt: number; describe?: string; evidence?: { path: string }[] });
    expect(ok).toMatchObject({ verdict: 'pass', attempt: 1 });
    expect(bad).toMatchObject({ verdict: 'fail', attempt: 1 });
    expect(ok!.evidence![0]!.path.split(path.sep)).toContain('_deliverable-0');
    expect(await readFile(path.join(session.dir, ok!.evidence![0]!.path), 'utf8')).toBe('fine [REDACTED:token]\n');
    expect(session.store.store.getState().deliverables.map((x) => x.status)).toEqual(['pass', 'unchecked', 'fail']);
    await d.check();
    expect((await journal()).filter((r) => r.type === 'deliverable.start').map((r) => (r.data as { attempt: number }).attempt)).toEqual([1, 1, 2, 2]);
  });

  it('a second call while a check is under way returns it; running() names the deliverable being checked', async () => {
    const d = await setup([{ path: 'slow.md', check: command('sleep 0.3') }]);
    const first = d.check();
    expect(d.check()).toBe(first);
    await startedCheck();
    expect(d.running()).toBe('deliverables[0]');
    await first;
    expect(d.running()).toBeUndefined();
  });

  it('cancel() stops the running check and skips the rest with the reason; a timeout is a timeout, not a cancel', async () => {
    const d = await setup([
      { path: 'slow.md', check: command('sleep 30') },
      { path: 'next.md', check: command('true') },
    ]);
    const done = d.check();
    await startedCheck();
    d.cancel('cancelled by alice@example.com');
    await done;
    const recs = await journal();
    expect(recs.map((r) => r.type)).toEqual(['deliverable.start', 'deliverable.skip', 'deliverable.skip']);
    expect(recs.slice(1).map((r) => (r.data as { reason: string }).reason)).toEqual(['cancelled by alice@example.com', 'cancelled by alice@example.com']);
    d.cancel('nothing under way: no effect');

    await session.close();
    const t = await setup([{ path: 'slow.md', check: command('sleep 30') }], 300);
    await t.check();
    const last = (await journal()).at(-1)!;
    expect(last.type).toBe('deliverable.result');
    expect(last.data).toMatchObject({ verdict: 'timeout', summary: 'timed out after 300ms' });
  });
});
