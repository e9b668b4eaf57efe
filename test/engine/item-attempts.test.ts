/**
 * The attempts of one item (src/engine/item-attempts.ts) on their own: a real session (journal, store, evidence),
 * the real check execution (runOneCheck, real `command` checks and child processes), a job handed over directly —
 * no scheduler deciding when.
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunAbort, runOneCheck, type CheckRunEnv } from '../../src/engine/check-run.js';
import type { ItemResultData, JournalEvent, JournalRecord } from '../../src/engine/events.js';
import { createItemAttempts, specsOf } from '../../src/engine/item-attempts.js';
import { OutputFeed } from '../../src/engine/output-feed.js';
import { createRedactor } from '../../src/engine/redact.js';
import { createScheduler, type Job } from '../../src/engine/scheduler.js';
import { openSession } from '../../src/engine/session.js';
import type { Session } from '../../src/engine/session-api.js';
import { cmd, makeChecklist, type ItemInput } from './helpers/checklist.js';

let dir: string;
let session: Session;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rt-attempts-'));
});
afterEach(async () => {
  await session?.close().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

async function setup(items: ItemInput[], defaultTimeoutMs = 10_000) {
  const checklist = makeChecklist(dir, items);
  session = await openSession({ checklist, stateDir: path.join(dir, 'state'), mode: 'ci', vars: {}, secretVars: [], operator: 'alice@example.com', owner: true });
  const redactor = createRedactor([]);
  const feed = new OutputFeed((e) => session.store.apply(e), false);
  const env: CheckRunEnv = { session, redactor, vars: {}, env: process.env, cwd: dir, killGraceMs: 300, feed, kube: () => () => Promise.reject(new Error('no kube')) };
  const record = async (e: Omit<JournalEvent, 'ts' | 'actor'>) => {
    await session.record(e as JournalEvent);
  };
  const runItem = createItemAttempts({
    session,
    feed,
    redactor,
    vars: {},
    ranWith: { vars: {}, secrets: {} },
    defaultTimeoutMs,
    record,
    describe: (spec) => `${spec.kind}: ${String(spec.params.run)}`,
    isMutating: (item) => specsOf(item).some(([, s]) => s.mutating),
    runCheck: (target, spec, attempt, name, controller, t) => runOneCheck(env, target, spec, attempt, name, controller, t),
    cancelledSkip: (job) => scheduler.cancelledSkip(job),
  });
  const scheduler = createScheduler({ checklist, statusOf: () => undefined, record, runItem });
  const job = (id: string): Job => ({ item: checklist.blocks[0]!.items.find((i) => i.id === id)!, state: 'running' });
  return { runItem, job };
}

async function journal(): Promise<JournalRecord[]> {
  const text = await readFile(path.join(session.dir, 'journal.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JournalRecord)
    .filter((r) => r.type.startsWith('item.'));
}

describe('specsOf', () => {
  it('gives the named checks of `checks:`, else the one `check`, else none', () => {
    const [a, b, c] = makeChecklist(dir, [{ id: 'a', check: cmd('true') }, { id: 'b', checks: { x: cmd('true'), y: cmd('false') } }, { id: 'c' }]).blocks[0]!.items;
    expect(specsOf(a!).map(([n]) => n)).toEqual([undefined]);
    expect(specsOf(b!).map(([n]) => n)).toEqual(['x', 'y']);
    expect(specsOf(c!)).toEqual([]);
  });
});

describe('createItemAttempts', () => {
  it('retries after a fail and stops at the first pass, numbering the attempts', async () => {
    const { runItem, job } = await setup([{ id: 'flaky', retries: 3, check: cmd('test -f marker || { touch marker; exit 1; }') }]);
    await runItem(job('flaky'));
    const recs = await journal();
    expect(recs.map((r) => `${r.type} ${(r.data as { attempt: number }).attempt}`)).toEqual(['item.start 1', 'item.result 1', 'item.start 2', 'item.result 2']);
    expect(recs.filter((r) => r.type === 'item.result').map((r) => (r.data as ItemResultData).verdict)).toEqual(['fail', 'pass']);
    expect((recs[0]!.data as { describe: string }).describe).toContain('command: test -f marker');
  });

  it('judges named checks together: all must pass by default, one evidence file each', async () => {
    const { runItem, job } = await setup([{ id: 'two', checks: { up: cmd('echo up'), down: cmd('exit 2') } }]);
    await runItem(job('two'));
    const result = (await journal()).find((r) => r.type === 'item.result')!.data as ItemResultData;
    expect(result).toMatchObject({
      verdict: 'fail',
      measured: '1/2 checks passed',
      threshold: 'all checks pass',
      checks: { up: { verdict: 'pass' }, down: { verdict: 'fail' } },
    });
    expect(result.summary).toMatch(/^1\/2 checks passed — down: fail/);
    expect(result.evidence).toHaveLength(2);
  });

  it('a cancel during an attempt is journaled cancelled with its partial evidence, and the mutating check says half-changed', async () => {
    const { runItem, job } = await setup([{ id: 'dr', retries: 2, check: { ...cmd('echo deleting; sleep 30'), mutating: true } }]);
    const j = job('dr');
    const done = runItem(j);
    await new Promise<void>((resolve) => {
      const has = () => (session.store.store.getState().items['dr']?.attempt ?? 0) > 0;
      if (has()) return resolve();
      const stop = session.store.store.subscribe(() => {
        if (has()) {
          stop();
          resolve();
        }
      });
    });
    j.cancelled = 'cancelled by alice@example.com';
    j.controller!.abort(new RunAbort('cancel', j.cancelled));
    await done;
    const recs = await journal();
    expect(recs.map((r) => r.type)).toEqual(['item.start', 'item.skip']);
    const skip = recs[1]!.data as { status: string; reason: string; attempt: number; evidence: unknown[]; halfChanged: string };
    expect(skip).toMatchObject({ status: 'cancelled', reason: 'cancelled by alice@example.com', attempt: 1 });
    expect(skip.evidence).toHaveLength(1);
    expect(skip.halfChanged).toMatch(/^dr changes the environment and was cancelled part-way/);
  });

  it('a job cancelled before its next attempt is journaled skipped, not run', async () => {
    const { runItem, job } = await setup([{ id: 'a', check: cmd('true') }]);
    const j = job('a');
    j.cancelled = 'cancelled by bob';
    await runItem(j);
    const recs = await journal();
    expect(recs.map((r) => r.type)).toEqual(['item.skip']);
    expect(recs[0]!.data).toMatchObject({ status: 'skipped', reason: 'cancelled by bob' });
  });

  it('the item timeout (else the default) stops the attempt as `timeout`', async () => {
    const { runItem, job } = await setup([{ id: 'slow', check: cmd('sleep 30') }], 300);
    await runItem(job('slow'));
    const result = (await journal()).find((r) => r.type === 'item.result')!.data as ItemResultData;
    expect(result).toMatchObject({ verdict: 'timeout', summary: 'timed out after 300ms' });
  });
});
