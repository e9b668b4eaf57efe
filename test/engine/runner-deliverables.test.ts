/**
 * The runner checks the checklist's deliverables through the same check execution as items: a real checklist file
 * loaded by the real loader, real files on disk, the real `file` and `command` kinds, journal and evidence on disk.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadChecklist } from '../../src/checklist/load.js';
import { KINDS } from '../../src/checks/index.js';
import { createRunner } from '../../src/engine/runner.js';
import { openSession } from '../../src/engine/session.js';
import type { Session } from '../../src/engine/session-api.js';
import type { DeliverableResultData, EngineEvent, JournalRecord } from '../../src/engine/events.js';
import type { RunnerOptions } from '../../src/engine/runner-api.js';

let dir: string;
let sessions: Session[] = [];
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rt-deliv-'));
  sessions = [];
});
afterEach(async () => {
  for (const s of sessions) await s.close().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

const YAML = (deliverables: string) => `apiVersion: readiness/v1
name: deliv
title: Deliverables test
vars:
  repoDir: {default: ./repo}
  token: {secret: true}
blocks:
  - id: "1"
    title: Block
    items:
      - id: "1.1"
        title: Passes
        check: {kind: command, run: "echo item-ok"}
deliverables:
${deliverables}
`;

const FOUR = `  - path: docs/runbook.md
    description: Operations guide
    check: {kind: file, cwd: "\${vars.repoDir}", path: docs/runbook.md, type: file}
  - path: docs/missing.md
    check: {kind: file, cwd: "\${vars.repoDir}", path: docs/missing.md}
  - path: dashboards/slo.json
    description: SLO dashboard
    check: {kind: file, cwd: "\${vars.repoDir}", path: dashboards/slo.json, parse: json}
  - path: reports/final.html
    description: written at the end`;

async function setup(deliverables: string, o: Partial<RunnerOptions> = {}) {
  const repo = path.join(dir, 'repo');
  mkdirSync(path.join(repo, 'docs'), { recursive: true });
  mkdirSync(path.join(repo, 'dashboards'), { recursive: true });
  writeFileSync(path.join(repo, 'docs', 'runbook.md'), '# runbook\n');
  writeFileSync(path.join(repo, 'dashboards', 'slo.json'), '{"panels": [1, 2,]}\n');
  const file = path.join(dir, 'deliv.yaml');
  writeFileSync(file, YAML(deliverables));
  const checklist = await loadChecklist(file, KINDS);
  const vars = { repoDir: './repo', token: 'tok-s3cr3t-value' };
  const session = await openSession({
    checklist,
    stateDir: path.join(dir, 'state'),
    mode: 'ci',
    vars: { repoDir: './repo' },
    secretVars: ['token'],
    operator: 'alice@example.com',
    owner: true,
  });
  sessions.push(session);
  const events: EngineEvent[] = [];
  const runner = createRunner({ session, vars, secretVars: ['token'], killGraceMs: 300, onEvent: (e) => events.push(e), ...o });
  return { session, runner, events };
}

async function journal(session: Session): Promise<JournalRecord[]> {
  return (await readFile(path.join(session.dir, 'journal.jsonl'), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JournalRecord);
}

const delivResults = (recs: JournalRecord[]) => recs.filter((r) => r.type === 'deliverable.result').map((r) => r.data as DeliverableResultData);

describe('runner.checkDeliverables', () => {
  it('checks each deliverable with a check: present passes, missing fails, bad JSON fails with the parse error', async () => {
    const { session, runner, events } = await setup(FOUR);
    await runner.run(['1.1']);
    await runner.checkDeliverables();
    const recs = await journal(session);
    const res = delivResults(recs);
    expect(res.map((r) => [r.index, r.path, r.verdict])).toEqual([
      [0, 'docs/runbook.md', 'pass'],
      [1, 'docs/missing.md', 'fail'],
      [2, 'dashboards/slo.json', 'fail'],
    ]);
    expect(res[0]!.summary).toBe('found docs/runbook.md');
    expect(res[1]!.summary).toBe('not found: docs/missing.md');
    expect(res[1]!.expect).toBe('exists and parseError = null');
    expect(res[2]!.summary).toMatch(/^found dashboards\/slo\.json, but dashboards\/slo\.json: Unexpected token/);
    // each start precedes its result, with the exact check that runs (variables interpolated)
    const starts = recs.filter((r) => r.type === 'deliverable.start').map((r) => r.data as { index: number; describe: string; attempt: number });
    expect(starts.map((s) => s.index)).toEqual([0, 1, 2]);
    expect(starts[0]!.describe).toBe('test -e repo/docs/runbook.md');
    expect(starts[0]!.attempt).toBe(1);
    // evidence: its own directory (item ids cannot start with "_"), sha256 and size of the bytes on disk
    for (const r of res) {
      expect(r.evidence).toHaveLength(1);
      const ev = r.evidence[0]!;
      expect(ev.path).toBe(`evidence/_deliverable-${r.index}/1.log`);
      const bytes = await readFile(path.join(session.dir, ev.path));
      expect(ev.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(ev.bytes).toBe(bytes.length);
    }
    expect(await readFile(path.join(session.dir, res[0]!.evidence[0]!.path), 'utf8')).toContain('file docs/runbook.md (10 bytes)');
    expect(await readFile(path.join(session.dir, res[2]!.evidence[0]!.path), 'utf8')).toMatch(/parse error: dashboards\/slo\.json: /);
    // the store: results, and the one without a check is not checked
    const st = session.store.store.getState();
    expect(st.deliverables.map((d) => [d.path, d.hasCheck, d.status])).toEqual([
      ['docs/runbook.md', true, 'pass'],
      ['docs/missing.md', true, 'fail'],
      ['dashboards/slo.json', true, 'fail'],
      ['reports/final.html', false, 'unchecked'],
    ]);
    // deliverables never decide: the only blocking item passed, so GO despite two failed deliverables
    expect(st.decision).toBe('GO');
    // their output reached the listener under their own key, not an item's
    expect(events.some((e) => e.type === 'output' && e.item === 'deliverables[0]' && e.lines.some((l) => l.includes('docs/runbook.md')))).toBe(true);
    expect(events.filter((e) => e.type === 'deliverable.result')).toHaveLength(3);
  });

  it('redacts secrets and numbers each re-check, never overwriting earlier evidence', async () => {
    const { session, runner } = await setup(`  - path: scripts/token-check
    check: {kind: command, run: "echo token=\${vars.token}"}`);
    await runner.checkDeliverables();
    await runner.checkDeliverables();
    const res = delivResults(await journal(session));
    expect(res.map((r) => r.evidence[0]!.path)).toEqual(['evidence/_deliverable-0/1.log', 'evidence/_deliverable-0/2.log']);
    expect(res.map((r) => r.attempt)).toEqual([1, 2]);
    for (const r of res) {
      const text = await readFile(path.join(session.dir, r.evidence[0]!.path), 'utf8');
      expect(text).toContain('token=[REDACTED:token]');
      expect(createHash('sha256').update(text).digest('hex')).toBe(r.evidence[0]!.sha256);
    }
    const jtext = await readFile(path.join(session.dir, 'journal.jsonl'), 'utf8');
    expect(jtext).not.toContain('tok-s3cr3t-value');
    expect(session.store.store.getState().deliverables[0]).toMatchObject({ status: 'pass', attempt: 2 });
  });

  it('times out like an item, and an error (bad base directory) is error, not fail', async () => {
    const { session, runner } = await setup(
      `  - path: slow
    check: {kind: command, run: "sleep 30"}
  - path: elsewhere/x
    check: {kind: file, cwd: ./no-such-dir, path: x}`,
      { defaultTimeoutMs: 400 },
    );
    await runner.checkDeliverables();
    const res = delivResults(await journal(session));
    expect(res[0]).toMatchObject({ verdict: 'timeout', summary: 'timed out after 400ms' });
    expect(res[1]!.verdict).toBe('error');
    expect(res[1]!.error?.message).toMatch(/base directory not found/);
    expect(res[1]!.error?.hint).toMatch(/cwd/);
  });

  it('cancel() stops the running deliverable check and skips the rest; it is not a failure', async () => {
    const marker = `rt-deliv-cancel-${process.pid}-${Date.now()}`;
    const { session, runner } = await setup(`  - path: slow
    check: {kind: command, run: 'sh -c "sleep 300; : ${marker}"'}
  - path: docs/runbook.md
    check: {kind: file, cwd: "\${vars.repoDir}", path: docs/runbook.md}`);
    const done = runner.checkDeliverables();
    const until = Date.now() + 5000;
    while (!pids(marker).length && Date.now() < until) await new Promise((r) => setTimeout(r, 30));
    expect(runner.running()).toEqual(['deliverables[0]']);
    expect(session.store.store.getState().deliverables[0]!.status).toBe('running');
    runner.cancel();
    await done;
    const recs = await journal(session);
    expect(delivResults(recs)).toEqual([]);
    expect(recs.filter((r) => r.type === 'deliverable.skip').map((r) => r.data)).toEqual([
      { index: 0, path: 'slow', reason: 'cancelled by alice@example.com' },
      { index: 1, path: 'docs/runbook.md', reason: 'cancelled by alice@example.com' },
    ]);
    expect(session.store.store.getState().deliverables.map((d) => d.status)).toEqual(['skipped', 'skipped']);
    expect(pids(marker)).toEqual([]);
    expect(runner.running()).toEqual([]);
  });
});

function pids(marker: string): string[] {
  return execFileSync('ps', ['-eo', 'stat=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(marker) && !l.trim().startsWith('Z') && !l.includes('ps -eo'));
}
