import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ItemResultData, JournalRecord } from '../../src/engine/events.js';
import { readJournal } from '../../src/engine/journal.js';
import type { Session } from '../../src/engine/session-api.js';
import { findSession, listSessions, openSession, openSessionDir, replaySession, safeName } from '../../src/engine/session.js';
import { bundleScript } from '../support/bundle-script.js';
import { watchJournalFs } from '../support/journal-fs.js';
import { makeChecklist, signedBy, tempDir, type ItemSpec } from '../support/session-fixtures.js';

const ITEMS: ItemSpec[] = [{ id: '1' }, { id: '2', manual: true, signoff: 'required' }];
const checklist = makeChecklist('demo', ITEMS);

let tmp: { dir: string; cleanup: () => Promise<void> };
let child: string;
let k = 0;
const stateDir = () => path.join(tmp.dir, `state${k++}`);
const open: Session[] = [];
const children: ChildProcessWithoutNullStreams[] = [];

beforeAll(async () => {
  tmp = await tempDir('rt-sess-');
  child = await bundleScript('test/support/journal-child.ts', tmp.dir);
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const s of open.splice(0)) await s.close();
});
afterAll(async () => tmp.cleanup());

async function start(sd: string, o: Partial<Parameters<typeof openSession>[0]> = {}): Promise<Session> {
  const s = await openSession({
    checklist,
    stateDir: sd,
    mode: 'ci',
    vars: { image: 'detektor:1.2', token: 's3cr3t-value' },
    secretVars: ['token'],
    operator: 'alice@example.com',
    owner: true,
    ...o,
  });
  open.push(s);
  return s;
}

const result = (item: string, sha: string): ItemResultData => ({
  item,
  attempt: 1,
  verdict: 'pass',
  summary: 'all good',
  durationMs: 12,
  evidence: [{ path: `evidence/${item}/1.log`, sha256: sha, bytes: 10 }],
});

function startChild(cmd: object): Promise<{ proc: ChildProcessWithoutNullStreams; first: string }> {
  const proc = spawn(process.execPath, [child, JSON.stringify(cmd)]);
  children.push(proc);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve({ proc, first: out.slice(0, nl) });
    });
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.on('exit', (code) => reject(new Error(`child exited ${code}: ${err}`)));
  });
}

const exited = (p: ChildProcessWithoutNullStreams) =>
  new Promise<void>((r) => (p.exitCode !== null || p.signalCode !== null ? r() : p.on('exit', () => r())));

describe('create', () => {
  it('creates the session directory, the exact checklist bytes and session.start without secrets', async () => {
    const sd = stateDir();
    const s = await start(sd);
    expect(s.resumed).toBe(false);
    expect(s.id).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{4}$/);
    expect(s.dir).toBe(path.join(sd, 'sessions', s.id));
    expect(readFileSync(path.join(s.dir, 'checklist.yaml')).equals(checklist.source.bytes)).toBe(true);
    const raw = readFileSync(path.join(s.dir, 'journal.jsonl'), 'utf8');
    expect(raw).not.toContain('s3cr3t-value');
    const j = await readJournal(path.join(s.dir, 'journal.jsonl'));
    expect(j.problems).toEqual([]);
    const st = j.records[0]!;
    expect(st.type).toBe('session.start');
    expect(st.actor).toBe('alice@example.com');
    expect(st.data).toMatchObject({
      sessionId: s.id,
      checklist: { name: 'demo', sha256: checklist.source.sha256, path: checklist.source.path },
      vars: { image: 'detektor:1.2' },
      secretVars: ['token'],
      host: hostname(),
      tool: { name: 'readiness-tui', node: process.version },
      mode: 'ci',
    });
    expect(s.store.store.getState().start?.sessionId).toBe(s.id);
    const lock = JSON.parse(readFileSync(path.join(s.dir, 'owner.lock'), 'utf8'));
    expect(lock).toMatchObject({ pid: process.pid, host: hostname(), mode: 'ci', operator: 'alice@example.com' });
    await s.close();
    expect(existsSync(path.join(s.dir, 'owner.lock'))).toBe(false);
  });

  it('record resolves only after the line is in the file, then the store shows it', async () => {
    const s = await start(stateDir());
    const r = await s.record({ type: 'item.result', data: result('1', 'aa') });
    const lines = readFileSync(path.join(s.dir, 'journal.jsonl'), 'utf8').split('\n');
    expect(JSON.parse(lines[r.seq]!)).toEqual(r);
    expect(s.store.store.getState().items['1']!.status).toBe('pass');
    expect(s.store.store.getState().seq).toBe(r.seq + 1);
  });

  it('a sign-off is written and fsynced before the store shows it and before record resolves', async () => {
    const s = await start(stateDir());
    const calls = await watchJournalFs(async (calls) => {
      const unsub = s.store.store.subscribe((st) => {
        if (st.items['2']!.signoffs.length && !calls.includes('shown')) calls.push('shown');
      });
      await s.record({ type: 'signoff', data: { item: '2', decision: 'approve', comment: 'ok', by: 'bob@example.com', evidence: [], ...signedBy('bob@example.com') } });
      calls.push('resolved');
      unsub();
    });
    const append = calls.filter((c) => !c.startsWith('open ') && !c.startsWith('close '));
    expect(append).toEqual(['write journal.jsonl', 'sync journal.jsonl', 'shown', 'resolved']);
    expect(s.store.store.getState().items['2']!.status).toBe('pass');
  });

  it('concurrent records are committed together, in call order, each on disk when it resolves', async () => {
    const s = await start(stateDir());
    const jp = path.join(s.dir, 'journal.jsonl');
    const onDiskAtResolve: boolean[] = [];
    const texts = Array.from({ length: 40 }, (_, i) => `concurrent ${i}`);
    const recs = await Promise.all(
      texts.map((text) =>
        s.record({ type: 'note', data: { text, by: 'alice@example.com' } }).then((r) => {
          onDiskAtResolve.push(readFileSync(jp, 'utf8').includes(`"text":"${text}"`));
          return r;
        }),
      ),
    );
    expect(onDiskAtResolve).toEqual(texts.map(() => true));
    const seqs = recs.map((r) => r.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(40);
    const j = await readJournal(jp);
    expect(j.problems).toEqual([]);
    expect(j.records.filter((r) => r.type === 'note').map((r) => (r.data as { text: string }).text)).toEqual(texts);
  });

  it('one event JSON cannot hold fails alone; the events committed with it are recorded', async () => {
    const s = await start(stateDir());
    const results = await Promise.allSettled([
      s.record({ type: 'note', data: { text: 'before', by: 'alice@example.com' } }),
      s.record({ type: 'note', data: { text: 'bad', by: 'alice@example.com', n: Number.NaN } } as never),
      s.record({ type: 'note', data: { text: 'after', by: 'alice@example.com' } }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const j = await readJournal(path.join(s.dir, 'journal.jsonl'));
    expect(j.problems).toEqual([]);
    expect(j.records.filter((r) => r.type === 'note').map((r) => (r.data as { text: string }).text)).toEqual(['before', 'after']);
  });

  it('evidence paths are created under evidence/<item>/ with safe names', async () => {
    const s = await start(stateDir());
    const p = s.evidencePath('1.1', 2, 'trivy scan/../x');
    expect(path.relative(s.dir, p)).toBe(path.join('evidence', '1.1', '2-trivy_scan_.._x.log'));
    expect(existsSync(path.dirname(p))).toBe(true);
    expect(path.relative(s.dir, s.evidencePath('..', 1))).toBe(path.join('evidence', '__', '1.log'));
    expect(safeName('a@b.c-d_e')).toBe('a@b.c-d_e');
  });
});

describe('resume', () => {
  it('resumes the unfinished session of the same checklist with results and sign-offs intact', async () => {
    const sd = stateDir();
    const a = await start(sd);
    await a.record({ type: 'item.result', data: result('1', 'aa') });
    await a.record({ type: 'signoff', actor: 'bob@example.com', data: { item: '2', decision: 'approve', comment: 'ok', by: 'bob@example.com', evidence: [], ...signedBy('bob@example.com') } });
    const before = a.store.store.getState();
    expect(before.items['2']!.status).toBe('pass');
    await a.close();
    open.splice(open.indexOf(a), 1);

    const b = await start(sd);
    expect(b.resumed).toBe(true);
    expect(b.id).toBe(a.id);
    const st = b.store.store.getState();
    expect(st.items['1']!.status).toBe('pass');
    expect(st.items['2']!.signoffs).toMatchObject([{ by: 'bob@example.com', decision: 'approve', seq: 2 }]);
    expect(st.items['2']!.status).toBe('pass');
    expect(st.resumes).toBe(1);
    const j = await readJournal(path.join(b.dir, 'journal.jsonl'));
    expect(j.records.map((r) => r.type)).toEqual(['session.start', 'item.result', 'signoff', 'session.resume']);
    // who resumed it (no key here: none was found for this operator), and the variables it runs with
    expect(j.records[3]!.data).toMatchObject({ pid: process.pid, mode: 'ci', vars: { image: 'detektor:1.2' }, secrets: { token: 'set' }, operator: { principal: expect.any(String) } });
    expect((j.records[3]!.data as { operator: { keyFingerprint?: string } }).operator.keyFingerprint).toBeUndefined();
  });

  it('--new (fresh) starts another session; a closed session is never resumed', async () => {
    const sd = stateDir();
    const a = await start(sd);
    const b = await start(sd, { fresh: true });
    expect(b.id).not.toBe(a.id);
    expect(b.resumed).toBe(false);
    await b.record({ type: 'session.close', data: { decision: 'INCOMPLETE' } });
    await b.close();
    await a.record({ type: 'session.close', data: { decision: 'INCOMPLETE' } });
    await a.close();
    const c = await start(sd);
    expect(c.resumed).toBe(false);
    expect([a.id, b.id]).not.toContain(c.id);
    expect(await findSession(sd, { checklistName: 'demo', unfinished: true })).toBe(c.dir);
    expect(await findSession(sd, { checklistName: 'other', unfinished: true })).toBeUndefined();
  });

  it('finds sessions with big journals from their first line and tail (and still sees session.close)', async () => {
    const sd = stateDir();
    const a = await start(sd);
    const text = 'x'.repeat(20_000);
    for (let i = 0; i < 30; i++) await a.record({ type: 'note', data: { text, by: 'alice' } });
    const { statSync } = await import('node:fs');
    expect(statSync(path.join(a.dir, 'journal.jsonl')).size).toBeGreaterThan(512 * 1024);
    const quick = await listSessions(sd, { verify: false });
    expect(quick).toMatchObject([{ id: a.id, records: 31, closed: false, checklist: { name: 'demo' } }]);
    expect(await findSession(sd, { checklistName: 'demo', unfinished: true })).toBe(a.dir);
    await a.record({ type: 'session.close', data: { decision: 'INCOMPLETE' } });
    await a.record({ type: 'report.generated', data: { path: 'r', signed: false, interim: false } });
    expect(await findSession(sd, { checklistName: 'demo', unfinished: true })).toBeUndefined();
    const full = await listSessions(sd);
    expect(full).toMatchObject([{ records: 33, closed: true, decision: 'INCOMPLETE', problems: [] }]);
  });

  it('refuses to resume when the checklist changed, suggesting --new', async () => {
    const sd = stateDir();
    const a = await start(sd);
    await a.close();
    const changed = makeChecklist('demo', [...ITEMS, { id: '3' }]);
    await expect(start(sd, { checklist: changed })).rejects.toThrow(/checklist changed since unfinished session .*--new/s);
  });

  it('refuses to resume a tampered journal, naming the line', async () => {
    const sd = stateDir();
    const a = await start(sd);
    await a.record({ type: 'note', data: { text: 'first', by: 'alice' } });
    await a.record({ type: 'note', data: { text: 'second', by: 'alice' } });
    await a.close();
    const jp = path.join(a.dir, 'journal.jsonl');
    writeFileSync(jp, readFileSync(jp, 'utf8').replace('"first"', '"fir5t"'));
    await expect(start(sd)).rejects.toThrow(/journal\.jsonl:3: prev does not match the sha256 of line 2/);
    await expect(openSessionDir(a.dir, { operator: 'x', checklist })).rejects.toThrow(/tampering or corruption/);
    const replay = await replaySession(a.dir, { checklist });
    expect(replay.problems).toEqual([{ line: 3, message: expect.stringMatching(/line 2 was changed/) }]);
  });

  it('a torn last line is reported on resume, prior records are intact and the next record repairs it', async () => {
    const sd = stateDir();
    const a = await start(sd);
    await a.record({ type: 'item.result', data: result('1', 'aa') });
    await a.close();
    appendFileSync(path.join(a.dir, 'journal.jsonl'), '{"actor":"alice","data":{"item":"2","dec');
    const b = await start(sd);
    expect(b.warnings.join('\n')).toMatch(/journal\.jsonl:3: the last line .* interrupted/);
    expect(b.store.store.getState().items['1']!.status).toBe('pass');
    const j = await readJournal(path.join(b.dir, 'journal.jsonl'));
    expect(j.problems).toEqual([]);
    expect(j.warnings).toEqual([]);
    expect(j.records.map((r) => r.type)).toEqual(['session.start', 'item.result', 'session.resume']);
  });
});

describe('owner lock', () => {
  it('a second real process is refused with the holder pid, host and start time; released on exit', async () => {
    const sd = stateDir();
    const { proc, first } = await startChild({ op: 'own', stateDir: sd, name: 'demo', items: ITEMS });
    const { ready } = JSON.parse(first) as { ready: string };
    const err = await start(sd).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('LockBusyError');
    expect((err as Error).message).toMatch(
      new RegExp(`is driven by pid ${proc.pid} on host ${hostname()} since \\d{4}-\\d\\d-\\d\\dT.* \\(ci, owner@test\\)\\. It has no terminal \\(a headless run\\)\\.`),
    );
    proc.stdin.end();
    await exited(proc);
    expect(existsSync(path.join(ready, 'owner.lock'))).toBe(false);
    const s = await start(sd);
    expect(s.resumed).toBe(true);
    expect(s.dir).toBe(ready);
  });

  it('two owners started at the same moment on an empty state dir: one session, the second refused', async () => {
    const sd = stateDir();
    const launch = () => {
      const proc = spawn(process.execPath, [child, JSON.stringify({ op: 'own', stateDir: sd, name: 'demo', items: ITEMS })]);
      children.push(proc);
      let out = '';
      let err = '';
      proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
      proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
      return { proc, out: () => out, err: () => err };
    };
    const a = launch();
    const b = launch();
    const settled = async (x: ReturnType<typeof launch>) => {
      for (let i = 0; i < 600 && !x.out() && x.proc.exitCode === null; i++) await new Promise((r) => setTimeout(r, 25));
    };
    await Promise.all([settled(a), settled(b)]);
    const winners = [a, b].filter((x) => x.out().includes('ready'));
    const losers = [a, b].filter((x) => !x.out().includes('ready'));
    expect(winners).toHaveLength(1);
    await exited(losers[0]!.proc);
    expect(losers[0]!.proc.exitCode).toBe(2);
    expect(losers[0]!.err()).toMatch(new RegExp(`is driven by pid ${winners[0]!.proc.pid} on host`));
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(path.join(sd, 'sessions')).filter((f) => !f.endsWith('.lock'))).toHaveLength(1);
    winners[0]!.proc.stdin.end();
    await exited(winners[0]!.proc);
  });

  it('a lock left by a killed process is taken over with a warning', async () => {
    const sd = stateDir();
    const { proc, first } = await startChild({ op: 'own', stateDir: sd, name: 'demo', items: ITEMS });
    const { ready } = JSON.parse(first) as { ready: string };
    proc.kill('SIGKILL');
    await exited(proc);
    expect(existsSync(path.join(ready, 'owner.lock'))).toBe(true);
    const s = await start(sd);
    expect(s.dir).toBe(ready);
    expect(s.warnings.join('\n')).toMatch(new RegExp(`took over the driver role from pid ${proc.pid} .*: that process is gone`));
    const j = await readJournal(path.join(s.dir, 'journal.jsonl'));
    expect(j.records.slice(-2).map((r) => r.type)).toEqual(['session.resume', 'note']);
    expect((j.records.at(-1)!.data as { text: string }).text).toMatch(new RegExp(`^took over the driver role from pid ${proc.pid} `));
  });

  it('a lock held from another host is shown with that host and only taken with --take-over, journaled', async () => {
    const sd = stateDir();
    const first = await start(sd);
    const dir = first.dir;
    await first.close();
    open.splice(open.indexOf(first), 1);
    const remote = { pid: 4242, host: 'jump-host-2', since: '2026-12-06T01:00:00.000Z', token: 'remote', mode: 'tui', operator: 'alice@example.com' };
    writeFileSync(path.join(dir, 'owner.lock'), JSON.stringify(remote));
    const err = await start(sd).catch((e: Error) => e);
    expect((err as Error).message).toContain(
      'is driven by pid 4242 on host jump-host-2 since 2026-12-06T01:00:00.000Z (tui, alice@example.com). It is held from another host (jump-host-2): whether that process is still there cannot be told from here. To take the driver role from it, run again with --take-over',
    );
    expect(JSON.parse(readFileSync(path.join(dir, 'owner.lock'), 'utf8'))).toEqual(remote); // never broken silently
    const s = await start(sd, { takeOver: true });
    expect(s.dir).toBe(dir);
    const j = await readJournal(path.join(dir, 'journal.jsonl'));
    expect((j.records.at(-1)!.data as { text: string }).text).toMatch(/^took over the driver role from pid 4242 on host jump-host-2 .*\(confirmed with --take-over\): It is held from another host/);
    expect(s.driverTakenBy()).toBeUndefined();
    writeFileSync(path.join(dir, 'owner.lock'), JSON.stringify(remote)); // taken back from over there
    expect(s.driverTakenBy()).toMatchObject({ host: 'jump-host-2' });
  });

  it('non-owners (signoff from another shell) can append while the owner holds the session', async () => {
    const s = await start(stateDir());
    const other = await openSessionDir(s.dir, { operator: 'bob@example.com', checklist });
    open.push(other);
    const r = await other.record({ type: 'note', data: { text: 'from bob', by: 'bob@example.com' } });
    expect(r.actor).toBe('bob@example.com');
  });
});

describe('follow', () => {
  it('applies a record appended by another process to the store and tells the listener', async () => {
    const s = await start(stateDir());
    const seen: JournalRecord[] = [];
    const got = new Promise<void>((resolve) => {
      s.follow((r) => {
        seen.push(r);
        resolve();
      });
    });
    const { first } = await startChild({ op: 'record', dir: s.dir, name: 'demo', items: ITEMS, text: 'hello from bob', actor: 'bob@example.com' });
    expect(first).toBe('SEQ 1');
    await got;
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ seq: 1, actor: 'bob@example.com', type: 'note' });
    const st = s.store.store.getState();
    expect(st.notes).toMatchObject([{ text: 'hello from bob', by: 'bob@example.com', seq: 1 }]);
    expect(st.messages.map((m) => m.text).join('\n')).toMatch(/note by bob@example.com: hello from bob/);
    // our own next record lands after it, and is not reported to the listener as foreign
    const mine = await s.record({ type: 'note', data: { text: 'mine', by: 'alice' } });
    expect(mine.seq).toBe(2);
    expect(s.store.store.getState().notes.map((n) => n.text)).toEqual(['hello from bob', 'mine']);
    expect(seen).toHaveLength(1);
  });

  it('interleaved appends from another process are applied in journal order before our own record', async () => {
    const s = await start(stateDir());
    await startChild({ op: 'record', dir: s.dir, name: 'demo', items: ITEMS, text: 'external', actor: 'bob' });
    // no follow(): record() itself catches up
    const r = await s.record({ type: 'note', data: { text: 'local', by: 'alice' } });
    expect(r.seq).toBe(2);
    expect(s.store.store.getState().notes.map((n) => [n.seq, n.text])).toEqual([
      [1, 'external'],
      [2, 'local'],
    ]);
  });
});

describe('integrity while open', () => {
  it('stops following and refuses to append when the journal is edited under it', async () => {
    const s = await start(stateDir());
    await s.record({ type: 'note', data: { text: 'one', by: 'alice' } });
    const jp = path.join(s.dir, 'journal.jsonl');
    // someone rewrites line 2 and appends a line chained to the rewritten one
    const lines = readFileSync(jp, 'utf8').split('\n');
    lines[1] = lines[1]!.replace('"one"', '"uno"');
    writeFileSync(jp, lines.join('\n'));
    const { appendRecord } = await import('../../src/engine/journal.js');
    await appendRecord(jp, { type: 'note', actor: 'mallory', data: { text: 'forged', by: 'mallory' } });
    await expect(s.record({ type: 'note', data: { text: 'two', by: 'alice' } })).rejects.toThrow(/Nothing was recorded/);
    expect(s.store.store.getState().messages.map((m) => m.text).join('\n')).toMatch(/journal integrity problem, following stopped: line 2: not in canonical|line 2|shrank|prev/);
    expect(readFileSync(jp, 'utf8')).not.toContain('"two"');
  });

});

describe('replaySession', () => {
  it('replays the journal into the same state the live store holds', async () => {
    const s = await start(stateDir());
    await s.record({ type: 'item.result', data: result('1', 'aa') });
    await s.record({ type: 'waiver', data: { item: '2', reason: 'accepted', expires: '2999-01-01', by: 'carol' } });
    const r = await replaySession(s.dir, { checklist });
    expect(r.problems).toEqual([]);
    const live = s.store.store.getState();
    expect(r.state.items).toEqual(live.items);
    expect(r.state.decision).toBe(live.decision);
    expect(r.state.decision).toBe('GO');
    expect(r.records).toHaveLength(3);
  });

  it('openSessionDir explains a missing session', async () => {
    await expect(openSessionDir(path.join(tmp.dir, 'nope'), { operator: 'x', checklist })).rejects.toThrow(
      /no session at .*nope: journal\.jsonl not found/,
    );
  });
});
