import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { NoteData } from '../../src/engine/events.js';
import { allowedLine, genKey, sshVerify, startAgent } from '../report/helpers/ssh.js';
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

describe('note: a signed statement of its author (identity = key)', () => {
  it('signed with the agent key; plain ssh-keygen -Y verify accepts it; a team file refuses a key not allowed for the author, exit 2', async () => {
    const s = await cliSession(path.join(tmp.dir, `w${n++}`), ITEMS);
    const keys = path.join(tmp.dir, `k${n++}`);
    mkdirSync(keys);
    const alice = genKey(keys, 'alice');
    const agent = await startAgent(keys);
    try {
      agent.add(alice);
      const e = { ...env(), SSH_AUTH_SOCK: agent.sock };
      const a = await cli(['note', 'rollback plan reviewed', '--as', 'alice@example.com'], { cwd: s.cwd, env: e });
      expect(a.code).toBe(0);
      expect(a.stdout).toMatch(/^recorded note #3 by alice@example\.com, signed with SHA256:\S+ \(signoffs\/2-note-alice@example\.com\.json\)\n$/);
      const j = await readJournal(path.join(s.dir, 'journal.jsonl'));
      const st = (j.records[3]!.data as NoteData).statement!;
      expect(JSON.parse(readFileSync(path.join(s.dir, st.path), 'utf8'))).toMatchObject({
        _type: 'readiness-tui/note/v1',
        principal: 'alice@example.com',
        text: 'rollback plan reviewed',
      });
      const team = path.join(keys, 'allowed_signers');
      writeFileSync(team, allowedLine('alice@example.com', alice, 'signoff@readiness-tui') + '\n');
      const v = sshVerify(team, 'alice@example.com', 'signoff@readiness-tui', path.join(s.dir, st.sigPath), path.join(s.dir, st.path));
      expect(v.status, v.stderr).toBe(0);
      // alice's key as bob: the team file says no, live, and nothing is recorded
      const bob = await cli(['note', 'all good', '--as', 'bob@example.com', '--allowed-signers', team], { cwd: s.cwd, env: e });
      expect(bob.code).toBe(2);
      expect(bob.stderr).toMatch(new RegExp(`^error: key ${st.keyFingerprint.replace(/[+/]/g, '\\$&')} is not allowed for principal bob@example\\.com`));
      // without a team file: trust on first use binds alice's key to alice for the session
      const tofu = await cli(['note', 'all good', '--as', 'bob@example.com'], { cwd: s.cwd, env: e });
      expect(tofu.code).toBe(2);
      expect(tofu.stderr).toMatch(/acted as alice@example\.com earlier in this session \(journal #3\), so it cannot sign as bob@example\.com/);
      expect((await readJournal(path.join(s.dir, 'journal.jsonl'))).records).toHaveLength(4);
      expect(readdirSync(path.join(s.dir, 'signoffs')).sort()).toEqual([path.basename(st.path), path.basename(st.sigPath)].sort());
      // the default principal is the one the team file gives the key (no --as)
      const def = await cli(['note', 'handover at 03:00', '--allowed-signers', team], { cwd: s.cwd, env: e });
      expect(def.code, def.stderr).toBe(0);
      expect(def.stdout).toMatch(/^recorded note #4 by alice@example\.com, signed with /);
    } finally {
      await agent.stop();
    }
  });

  it("the checklist's team file (allowedSigners, relative to the checklist) gives the author's principal and refuses another", async () => {
    const s = await cliSession(path.join(tmp.dir, `w${n++}`), ITEMS, { extra: 'allowedSigners: keys/allowed_signers\n' });
    const keys = path.join(s.cwd, 'keys');
    mkdirSync(keys);
    const alice = genKey(keys, 'alice');
    writeFileSync(path.join(keys, 'allowed_signers'), allowedLine('alice@example.com', alice) + '\n');
    const agent = await startAgent(keys);
    try {
      agent.add(alice);
      const e = { ...env(), SSH_AUTH_SOCK: agent.sock };
      const def = await cli(['note', 'handover at 03:00'], { cwd: s.cwd, env: e });
      expect(def.code, def.stderr).toBe(0);
      expect(def.stdout).toMatch(/^recorded note #3 by alice@example\.com, signed with /);
      const bob = await cli(['note', 'all good', '--as', 'bob@example.com'], { cwd: s.cwd, env: e });
      expect(bob.code).toBe(2);
      expect(bob.stderr).toContain(`is not allowed for principal bob@example.com (team file ${path.join(keys, 'allowed_signers')}`);
      expect((await readJournal(path.join(s.dir, 'journal.jsonl'))).records).toHaveLength(4);
    } finally {
      await agent.stop();
    }
  });
});

describe('note', () => {
  it('records a session note and an item note; an unknown item is exit 2', async () => {
    const s = await cliSession(path.join(tmp.dir, `w${n++}`), ITEMS);
    const a = await cli(['note', 'cutover paused for 10 min', '--as', 'alice', '--no-sign'], { cwd: s.cwd, env: env() });
    expect(a.code).toBe(0);
    expect(a.stdout).toBe('recorded note #3 by alice, unsigned\n');
    expect(a.stderr).toBe('');
    // no agent and no key: recorded all the same, unsigned, and said so
    const b = await cli(['note', 'flaky first run', '--item', '1', '--as', 'alice', '--session', s.dir], { cwd: tmp.dir, env: env() });
    expect(b.code).toBe(0);
    expect(b.stdout).toBe('recorded note #4 on 1 by alice, unsigned\n');
    expect(b.stderr).toMatch(/^warning: the note was recorded UNSIGNED \(no SSH signature\): no SSH key to sign with/);
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
