import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJournal } from '../../src/engine/journal.js';
import { cli, ensureBuilt } from '../support/cli-run.js';
import { cliSession } from '../support/cli-session.js';
import { tempDir, type ItemSpec } from '../support/session-fixtures.js';

const ITEMS: ItemSpec[] = [{ id: '1' }, { id: '2', signoff: 'required' }];
let tmp: { dir: string; cleanup: () => Promise<void> };
let n = 0;
const env = () => ({ PATH: process.env.PATH, HOME: tmp.dir, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' });

beforeAll(async () => {
  ensureBuilt();
  tmp = await tempDir('rt-note-');
});
afterAll(async () => tmp.cleanup());

describe('note', () => {
  it('records a session note and an item note; an unknown item is exit 2', async () => {
    const s = await cliSession(path.join(tmp.dir, `w${n++}`), ITEMS);
    const a = await cli(['note', 'cutover paused for 10 min', '--as', 'alice'], { cwd: s.cwd, env: env() });
    expect(a.code).toBe(0);
    expect(a.stdout).toBe('recorded note #3 by alice\n');
    const b = await cli(['note', 'flaky first run', '--item', '1', '--as', 'alice', '--session', s.dir], { cwd: tmp.dir, env: env() });
    expect(b.code).toBe(0);
    expect(b.stdout).toBe('recorded note #4 on 1 by alice\n');
    const c = await cli(['note', 'x', '--item', '42', '--as', 'alice'], { cwd: s.cwd, env: env() });
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/unknown item "42"/);
    const e = await cli(['note', '   ', '--as', 'alice'], { cwd: s.cwd, env: env() });
    expect(e.code).toBe(2);
    expect(e.stderr).toBe('error: the note is empty\n');
    const j = await readJournal(path.join(s.dir, 'journal.jsonl'));
    expect(j.records.slice(3).map((r) => r.data)).toEqual([
      { text: 'cutover paused for 10 min', by: 'alice' },
      { item: '1', text: 'flaky first run', by: 'alice' },
    ]);
  });

  it('refuses to guess between unfinished sessions of different checklists', async () => {
    const cwd = path.join(tmp.dir, `w${n++}`);
    await cliSession(cwd, ITEMS, { name: 'alpha' });
    await cliSession(cwd, ITEMS, { name: 'beta' });
    const r = await cli(['note', 'which one?', '--as', 'alice'], { cwd, env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/2 unfinished sessions .* --session DIR:\n.*\(checklist alpha, no driver now, started .*\): --session .*\n.*\(checklist beta, no driver now, started/);
  });

  it('never picks one of two unfinished sessions of the same checklist silently; --new says which one is already open', async () => {
    const cwd = path.join(tmp.dir, `w${n++}`);
    const first = await cliSession(cwd, ITEMS, { name: 'alpha' });
    const file = path.join(cwd, 'alpha.yaml');
    const run = await cli(['run', file, '--ci', '--new', '--as', 'bob', '--only', '1'], { cwd, env: env() });
    expect(run.stdout + run.stderr).toMatch(
      new RegExp(`started a second open session \\S+ of checklist alpha \\(--new\\); already open: ${first.id} \\(checklist alpha, no driver now, started \\S+\\): --session ${first.dir}`),
    );
    const r = await cli(['note', 'which one?', '--as', 'alice'], { cwd, env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`2 unfinished sessions .*\n  ${first.id} \\(checklist alpha, no driver now, started .*\n  \\S+ \\(checklist alpha`));
    const j = await readJournal(path.join(first.dir, 'journal.jsonl'));
    expect(j.records.filter((x) => x.type === 'note')).toEqual([]);
  });
});
