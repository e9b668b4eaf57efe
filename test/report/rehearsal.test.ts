/**
 * Which session is the rehearsal of which (listRehearsals) and what the report says about it (rehearsalSummary), on
 * real sessions opened by the engine in one state dir and run by the real runner: only rehearsals of the same
 * checklist that started before the session count, newest first; a rehearsal whose journal was tampered with says so;
 * a rehearsal bundle that is gone is named without a digest.
 */
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunner } from '../../src/engine/runner.js';
import type { Session } from '../../src/engine/session-api.js';
import { openSession, replaySession } from '../../src/engine/session.js';
import { writeReportBundle } from '../../src/report/bundle.js';
import { listRehearsals, rehearsalLines, rehearsalSummary, stateDirOf } from '../../src/report/rehearsal.js';
import { makeChecklist, tempDir } from '../support/session-fixtures.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups) await c();
  cleanups = [];
});

async function session(stateDir: string, name: string, o: { rehearsal?: boolean; fail?: string } = {}): Promise<Session> {
  // the checks run where the checklist file is
  const checklist = makeChecklist(name, [{ id: '1.1' }, { id: '1.2' }], { file: path.join(stateDir, '..', `${name}.yaml`) });
  if (o.fail) checklist.blocks[0]!.items.find((i) => i.id === o.fail)!.check!.params.run = 'false';
  const s = await openSession({ checklist, stateDir, mode: 'ci', vars: {}, secretVars: [], operator: 'captain@example.com', owner: true, fresh: true, ...(o.rehearsal ? { rehearsal: true } : {}) });
  await createRunner({ session: s, vars: {}, secretVars: [], env: process.env }).run(['1.1', '1.2']);
  await s.close();
  return s;
}

describe('rehearsals of a session', () => {
  it('same checklist, started before, newest first; the summary names what changed and its bundle', async () => {
    const t = await tempDir('rt-rehearsal-');
    cleanups.push(t.cleanup);
    const st = path.join(t.dir, 'st');
    const older = await session(st, 'shop', { rehearsal: true });
    await session(st, 'other', { rehearsal: true }); // another checklist
    await session(st, 'shop'); // not a rehearsal
    const newest = await session(st, 'shop', { rehearsal: true });
    const real = await session(st, 'shop', { fail: '1.2' });
    await session(st, 'shop', { rehearsal: true }); // after the real run: not its rehearsal

    expect(stateDirOf(real.dir)).toBe(path.resolve(st));
    const start = (await replaySession(real.dir)).state.start!;
    const refs = await listRehearsals(st, { checklistName: 'shop', before: start.ts, exclude: real.dir });
    expect(refs.map((r) => r.dir)).toEqual([newest.dir, older.dir]);
    // a rehearsal is never its own
    expect((await listRehearsals(st, { checklistName: 'shop', exclude: newest.dir })).map((r) => r.dir)).not.toContain(newest.dir);

    const reh = await session(st, 'shop', { rehearsal: true });
    const journal = path.join(reh.dir, 'journal.jsonl');
    const realReplay = await replaySession(real.dir);
    let sum = await rehearsalSummary(newest.dir, realReplay);
    expect(sum).toMatchObject({ decision: 'GO', final: false, sameChecklist: true, byStatus: { pass: 2 }, changed: ['1.2 PASS → FAIL'] });
    expect(sum.bundle).toBeUndefined();
    expect(sum.journalProblems).toBeUndefined();
    expect(rehearsalLines(sum, (ms) => `${ms}ms`).map(([k]) => k)).toEqual(['Rehearsal', 'Rehearsal bundle', 'Changed since the rehearsal']);
    expect(rehearsalLines(sum, (ms) => `${ms}ms`)[1]![1]).toBe('none: the rehearsal wrote no report');

    // its report bundle (unsigned here) is named with the digest of its SHA256SUMS; once gone, without one
    const b = await writeReportBundle({ sessionDir: newest.dir, outDir: path.join(t.dir, 'reports'), sign: false, interim: false, operator: 'captain@example.com' });
    sum = await rehearsalSummary(newest.dir, realReplay);
    const sums = createHash('sha256').update(readFileSync(path.join(b.dir, 'SHA256SUMS'))).digest('hex');
    expect(sum.bundle).toEqual({ path: b.dir, sha256: sums, signed: false, interim: true });
    expect(rehearsalLines(sum, (ms) => `${ms}ms`)[1]![1]).toBe(`${b.dir} (interim), SHA256SUMS sha256 ${sums} (UNSIGNED)`);
    rmSync(b.dir, { recursive: true });
    sum = await rehearsalSummary(newest.dir, realReplay);
    expect(sum.bundle).toEqual({ path: b.dir, signed: false, interim: true, missing: true });
    expect(rehearsalLines(sum, (ms) => `${ms}ms`)[1]![1]).toBe(`${b.dir} (interim) — not found any more, digest unknown`);

    // tampered with: a line of its journal rewritten
    const lines = readFileSync(journal, 'utf8').split('\n');
    lines[1] = lines[1]!.replace('"captain@example.com"', '"mallory@example.com"');
    writeFileSync(journal, lines.join('\n'));
    sum = await rehearsalSummary(reh.dir, realReplay);
    expect(sum.journalProblems).toBeGreaterThan(0);
    expect(rehearsalLines(sum, (ms) => `${ms}ms`)[0]![1]).toMatch(/ITS JOURNAL FAILS ITS INTEGRITY CHECK \(\d+ problem\(s\)\)$/);
  }, 60_000);
});
