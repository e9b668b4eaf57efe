import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followEvidence, TAIL_BYTES } from '../../src/engine/evidence-follow.js';
import type { JournalEvent } from '../../src/engine/events.js';
import { createSessionStore } from '../../src/engine/store.js';
import { makeChecklist } from '../support/session-fixtures.js';
import { CANARIES } from '../support/canaries.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rt-evfollow-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const shown = (live: ReturnType<typeof createSessionStore>, id: string) => live.output(id).tail(live.output(id).size);
const checklist = makeChecklist('f', [{ id: '1' }, { id: '2' }]);
const ev = (type: string, data: object) => ({ type, actor: 'alice', ts: '2026-12-06T00:00:00.000Z', data }) as unknown as JournalEvent;
const start = (item: string, attempt: number) => ev('item.start', { item, attempt, describe: 'sh -c …' });
const result = (item: string, attempt: number) =>
  ev('item.result', { item, attempt, verdict: 'pass', summary: 'exit 0', durationMs: 1, evidence: [] });

describe('followEvidence', () => {
  it("feeds the running item's evidence into the store as it grows, and the rest once it has finished", () => {
    const sd = path.join(dir, 's1');
    mkdirSync(path.join(sd, 'evidence', '1'), { recursive: true });
    const live = createSessionStore(checklist);
    const f = followEvidence(sd, live, { pollMs: 60_000 }); // polled by hand here
    live.apply(start('1', 1), 1);
    f.poll(); // no file yet
    const file = path.join(sd, 'evidence', '1', '1.log');
    writeFileSync(file, 'first\nsec');
    f.poll();
    appendFileSync(file, 'ond\nthird\n');
    f.poll();
    appendFileSync(file, 'last line without newline');
    live.apply(result('1', 1), 2);
    f.poll();
    f.stop();
    expect(shown(live, '1')).toEqual(['first', 'second', 'third', 'last line without newline']);
    // a finished item's file is not followed any more
    appendFileSync(file, '\nafter the end\n');
    f.poll();
    expect(shown(live, '1')).not.toContain('after the end');
    live.dispose();
  });

  it('when the result arrives, the end of the output is read at once: no poll between the result and the last line', () => {
    const sd = path.join(dir, 's-end');
    mkdirSync(path.join(sd, 'evidence', '1'), { recursive: true });
    const live = createSessionStore(checklist);
    const f = followEvidence(sd, live, { pollMs: 60_000 }); // no timer poll during this test
    live.apply(start('1', 1), 1);
    const file = path.join(sd, 'evidence', '1', '1.log');
    writeFileSync(file, 'line-1\n');
    f.poll();
    appendFileSync(file, 'line-2\nline-40\n');
    live.apply(result('1', 1), 2); // the watcher's journal follower applies the result: nothing else is called
    expect(live.store.getState().items['1']!.running).toBeFalsy();
    expect(shown(live, '1')).toEqual(['line-1', 'line-2', 'line-40']);
    f.stop();
    live.dispose();
  });

  it('a late watcher starts near the end of a big file; a new attempt starts from its own file', () => {
    const sd = path.join(dir, 's2');
    mkdirSync(path.join(sd, 'evidence', '2'), { recursive: true });
    const file = path.join(sd, 'evidence', '2', '1.log');
    const lines = Array.from({ length: 20_000 }, (_, i) => `line-${i}`);
    writeFileSync(file, lines.join('\n') + '\n');
    const live = createSessionStore(checklist);
    live.apply(start('2', 1), 1);
    const f = followEvidence(sd, live, { pollMs: 60_000 });
    f.poll();
    live.apply(result('2', 1), 2);
    f.poll();
    const got = shown(live, '2');
    expect(got.at(-1)).toBe('line-19999');
    expect(got.join('\n').length).toBeLessThanOrEqual(TAIL_BYTES);
    expect(got).not.toContain('line-0');
    // attempt 2 and its sub-check file
    live.apply(start('2', 2), 3);
    writeFileSync(path.join(sd, 'evidence', '2', '2-probe.log'), 'attempt two\n');
    f.poll();
    live.apply(result('2', 2), 4);
    f.poll();
    f.stop();
    expect(shown(live, '2')).toEqual(['attempt two']);
    live.dispose();
  });

  it("masks credential-shaped lines like the driver's screen, except for an item that says maskCredentials: false", () => {
    const sd = path.join(dir, 's3');
    const base = makeChecklist('m', [{ id: '1' }, { id: '2' }]);
    const block = base.blocks[0]!;
    const cl = { ...base, blocks: [{ ...block, items: [block.items[0]!, { ...block.items[1]!, maskCredentials: false as const }] }] };
    for (const id of ['1', '2']) {
      mkdirSync(path.join(sd, 'evidence', id), { recursive: true });
      writeFileSync(path.join(sd, 'evidence', id, '1.log'), `token ${CANARIES.github}\n`);
    }
    const live = createSessionStore(cl);
    const f = followEvidence(sd, live, { pollMs: 60_000 });
    live.apply(start('1', 1), 1);
    live.apply(start('2', 1), 2);
    f.poll();
    live.apply(result('1', 1), 3);
    live.apply(result('2', 1), 4);
    f.poll();
    f.stop();
    expect(shown(live, '1')).toEqual(['token [MASKED:github]']);
    expect(shown(live, '2')).toEqual([`token ${CANARIES.github}`]);
    live.dispose();
  });
});

