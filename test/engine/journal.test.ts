import { execFile, spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, appendFileSync, existsSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import canonicalize from 'canonicalize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendRecord, appendRecords, hashLine, readJournal, verifyChain, JournalTamperError } from '../../src/engine/journal.js';
import type { JournalRecord } from '../../src/engine/events.js';
import { bundleScript } from '../support/bundle-script.js';
import { watchJournalFs } from '../support/journal-fs.js';
import { tempDir } from '../support/session-fixtures.js';

const run = promisify(execFile);

let tmp: { dir: string; cleanup: () => Promise<void> };
let child: string;
let n = 0;
const fresh = () => path.join(tmp.dir, `j${n++}`, 'journal.jsonl');

beforeAll(async () => {
  tmp = await tempDir('rt-journal-');
  child = await bundleScript('test/support/journal-child.ts', tmp.dir);
});
afterAll(async () => tmp.cleanup());

async function appendNotes(p: string, count: number, actor = 'alice@example.com'): Promise<JournalRecord[]> {
  const { mkdirSync } = await import('node:fs');
  mkdirSync(path.dirname(p), { recursive: true });
  const out: JournalRecord[] = [];
  for (let i = 0; i < count; i++) {
    out.push((await appendRecord(p, { type: 'note', actor, data: { text: `note ${i} — żółw ✓`, by: actor } })).record);
  }
  return out;
}

const fileLines = (p: string) => readFileSync(p, 'utf8').split('\n');

describe('journal chain', () => {
  it('writes canonical lines linked by sha256 of the previous line', async () => {
    const p = fresh();
    const recs = await appendNotes(p, 5);
    expect(recs.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4]);
    const raw = readFileSync(p, 'utf8');
    expect(raw.endsWith('\n')).toBe(true);
    const lines = raw.slice(0, -1).split('\n');
    expect(lines).toHaveLength(5);
    lines.forEach((l, i) => {
      const rec = JSON.parse(l) as JournalRecord;
      expect(canonicalize(rec)).toBe(l);
      expect(rec.v).toBe(1);
      expect(rec.prev).toBe(i === 0 ? null : hashLine(lines[i - 1]!));
    });
    // the hash is over the exact bytes, independently recomputed
    const { createHash } = await import('node:crypto');
    expect(JSON.parse(lines[1]!).prev).toBe('sha256:' + createHash('sha256').update(Buffer.from(lines[0]!, 'utf8')).digest('hex'));
    const j = await readJournal(p);
    expect(j.problems).toEqual([]);
    expect(j.warnings).toEqual([]);
    expect(j.records).toHaveLength(5);
    expect(j.head).toBe(hashLine(lines[4]!));
    expect(verifyChain(lines).problems).toEqual([]);
  });

  it('a record is in the file when append resolves (the line is in the file read right after)', async () => {
    const p = fresh();
    await appendNotes(p, 1);
    for (let i = 0; i < 10; i++) {
      const { record, line } = await appendRecord(p, { type: 'note', actor: 'bob', data: { text: `x${i}`, by: 'bob' } });
      const lines = fileLines(p);
      expect(lines[record.seq]).toBe(line);
      expect(lines[record.seq + 1]).toBe('');
    }
  });

  it('refuses values JSON cannot hold, without writing anything', async () => {
    const p = fresh();
    await appendNotes(p, 1);
    const before = readFileSync(p);
    // the message says what could not be written, and canonicalize's own reason after a colon
    await expect(appendRecord(p, { type: 'note', actor: 'a', data: { n: Number.NaN } })).rejects.toThrow(/^journal: event cannot be written as canonical JSON: \S/);
    expect(readFileSync(p).equals(before)).toBe(true);
    expect(existsSync(path.join(path.dirname(p), 'journal.lock'))).toBe(false);
    await expect(appendRecord(p, { type: 'note', actor: 'a', ts: 'yesterday', data: {} })).rejects.toThrow(/ts "yesterday" is not a timestamp/);
    expect(readFileSync(p).equals(before)).toBe(true);
    // a record without data is written with data: null, so it still verifies
    await appendRecord(p, { type: 'session.resume', actor: 'a', data: undefined });
    expect((await readJournal(p)).problems).toEqual([]);
  });
});

describe('journal durability (fsync)', () => {
  it('a new journal: the line is written, the file fsynced, then its directory fsynced, all before append resolves', async () => {
    const p = fresh();
    const dir = path.dirname(p);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    // umask 022 (as over `ssh host cmd`) would leave the group read-only
    const saved = process.umask(0o022);
    const calls = await watchJournalFs(async (calls) => {
      await appendRecord(p, { type: 'note', actor: 'a', data: { text: 'first', by: 'a' } });
      calls.push('resolved');
    }).finally(() => process.umask(saved));
    // the journal it created gives its group what its owner has (a state dir is a team's shared place)
    expect(statSync(p).mode & 0o777).toBe(0o664);
    const d = path.basename(dir);
    expect(calls).toEqual(['open journal.jsonl', 'write journal.jsonl', 'sync journal.jsonl', `open ${d}`, `sync ${d}`, `close ${d}`, 'close journal.jsonl', 'resolved']);
  });

  it('an existing journal: every append fsyncs the file after its last write and before it resolves', async () => {
    const p = fresh();
    await appendNotes(p, 1);
    const calls = await watchJournalFs(async (calls) => {
      for (let i = 0; i < 3; i++) {
        await appendRecord(p, { type: 'note', actor: 'a', data: { text: `n${i}`, by: 'a' } });
        calls.push('resolved');
      }
    });
    const round = ['open journal.jsonl', 'write journal.jsonl', 'sync journal.jsonl', 'close journal.jsonl', 'resolved'];
    expect(calls).toEqual([...round, ...round, ...round]);
  });

  it('cutting away a torn tail is fsynced together with the new line', async () => {
    const p = fresh();
    await appendNotes(p, 1);
    appendFileSync(p, '{"half');
    const calls = await watchJournalFs(async (calls) => {
      await appendRecord(p, { type: 'note', actor: 'a', data: { text: 'after', by: 'a' } });
      calls.push('resolved');
    });
    expect(calls).toEqual(['open journal.jsonl', 'truncate journal.jsonl', 'write journal.jsonl', 'sync journal.jsonl', 'close journal.jsonl', 'resolved']);
  });
});

describe('group commit (appendRecords)', () => {
  it('writes several records in order under one lock, chained, and gives each its own outcome', async () => {
    const p = fresh();
    await appendNotes(p, 2);
    const seen: number[] = [];
    const out = await appendRecords(
      p,
      [
        { type: 'note', actor: 'a', data: { text: 'one', by: 'a' } },
        { type: 'note', actor: 'a', data: { n: Number.NaN } },
        { type: 'note', actor: 'b', data: { text: 'three', by: 'b' } },
      ],
      { beforeWrite: (r) => seen.push(r.seq) },
    );
    expect(out.map((o) => o.ok)).toEqual([true, false, true]);
    expect(out[1]!.ok ? '' : out[1]!.error.message).toMatch(/canonical JSON/);
    // the refused one takes no seq: the chain has no gap
    expect(out.flatMap((o) => (o.ok ? [o.result.record.seq] : []))).toEqual([2, 3]);
    expect(seen).toEqual([2, 3]);
    const j = await readJournal(p);
    expect(j.problems).toEqual([]);
    expect(j.records.map((r) => (r.data as { text?: string }).text)).toEqual(['note 0 — żółw ✓', 'note 1 — żółw ✓', 'one', 'three']);
    expect(existsSync(path.join(path.dirname(p), 'journal.lock'))).toBe(false);
  });

  it('after cutting away a torn tail, only the first record of the group says so', async () => {
    const p = fresh();
    await appendNotes(p, 1);
    appendFileSync(p, '{"half');
    const out = await appendRecords(p, [
      { type: 'note', actor: 'a', data: { text: 'one', by: 'a' } },
      { type: 'note', actor: 'a', data: { text: 'two', by: 'a' } },
    ]);
    expect(out.map((o) => (o.ok ? o.result.repaired : 'refused'))).toEqual([
      'journal.jsonl: removed a torn last line left by an interrupted write (6 bytes without a trailing newline)',
      undefined,
    ]);
    expect(out.map((o) => (o.ok ? 'repaired' in o.result : 'refused'))).toEqual([true, false]);
  });
});

describe('torn last line', () => {
  it('is reported, ignored, and cut away by the next append; nothing before it is lost', async () => {
    const p = fresh();
    await appendNotes(p, 3);
    const good = readFileSync(p, 'utf8');
    const half = '{"actor":"alice","data":{"text":"never fin';
    appendFileSync(p, half);
    const j = await readJournal(p);
    expect(j.problems).toEqual([]);
    expect(j.records).toHaveLength(3);
    expect(j.torn).toEqual({ line: 4, bytes: half.length });
    // the answer names exactly what was kept: the accepted lines, their bytes and the hash of the last one
    expect(j.lines).toEqual(good.slice(0, -1).split('\n'));
    expect(j.validBytes).toBe(Buffer.byteLength(good));
    expect(j.head).toBe(hashLine(j.lines[2]!));
    expect(j.warnings).toEqual([
      `journal.jsonl:4: the last line (${half.length} bytes) has no trailing newline: a write was interrupted (crash or power loss). ` +
        'It was never acknowledged; it is ignored and will be removed on the next append. Nothing before it is lost.',
    ]);
    const { record, repaired } = await appendRecord(p, { type: 'note', actor: 'bob', data: { text: 'after crash', by: 'bob' } });
    expect(repaired).toMatch(/removed a torn last line/);
    expect(record.seq).toBe(3);
    const after = readFileSync(p, 'utf8');
    expect(after.startsWith(good)).toBe(true);
    expect(after).not.toContain('never fin');
    const j2 = await readJournal(p);
    expect(j2.problems).toEqual([]);
    expect(j2.warnings).toEqual([]);
    expect(j2.records.map((r) => (r.data as { text: string }).text)).toEqual([
      'note 0 — żółw ✓',
      'note 1 — żółw ✓',
      'note 2 — żółw ✓',
      'after crash',
    ]);
  });

  it('a last line of NUL bytes with a newline (filesystem crash) is also treated as torn', async () => {
    const p = fresh();
    await appendNotes(p, 2);
    appendFileSync(p, Buffer.concat([Buffer.alloc(40), Buffer.from('\n')]));
    const j = await readJournal(p);
    expect(j.problems).toEqual([]);
    expect(j.records).toHaveLength(2);
    expect(j.warnings[0]).toMatch(/:3: the last line \(41 bytes\) is not valid JSON: a write was interrupted/);
    expect(j.torn).toEqual({ line: 3, bytes: 41 });
    expect(j.validBytes).toBe(readFileSync(p).length - 41);
    expect(j.lines).toHaveLength(2);
    expect(j.head).toBe(hashLine(j.lines[1]!));
    await appendRecord(p, { type: 'note', actor: 'bob', data: { text: 'ok', by: 'bob' } });
    const j2 = await readJournal(p);
    expect(j2.problems).toEqual([]);
    expect(j2.records).toHaveLength(3);
  });
});

describe('the end of the journal, read before each append', () => {
  it('a missing or unreadable journal is a problem on line 0', async () => {
    const p = fresh();
    expect(await readJournal(p)).toEqual({
      records: [],
      lines: [],
      warnings: [],
      problems: [{ line: 0, message: 'journal file not found' }],
      head: null,
      validBytes: 0,
    });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(p, { recursive: true }); // a directory where the file should be
    expect((await readJournal(p)).problems).toEqual([{ line: 0, message: expect.stringMatching(/^cannot read: EISDIR/) }]);
  });

  it('appends after lines far longer than one read window, and after a tail longer than it', async () => {
    const p = fresh();
    await appendNotes(p, 2);
    // lines of 200 KB: the tail is read in a window that grows until it holds the whole last line
    for (let i = 0; i < 3; i++) await appendRecord(p, { type: 'note', actor: 'a', data: { text: 'x'.repeat(200_000 + i), by: 'a' } });
    const { record } = await appendRecord(p, { type: 'note', actor: 'b', data: { text: 'short', by: 'b' } });
    expect(record.seq).toBe(5);
    // a torn tail of 300 KB after them is cut away, and the chain goes on from the last whole line
    appendFileSync(p, '{"torn":"' + 'y'.repeat(300_000));
    const after = await appendRecord(p, { type: 'note', actor: 'c', data: { text: 'after', by: 'c' } });
    expect(after.record.seq).toBe(6);
    expect(after.repaired).toBe('journal.jsonl: removed a torn last line left by an interrupted write (300009 bytes without a trailing newline)');
    const j = await readJournal(p);
    expect(j.problems).toEqual([]);
    expect(j.records.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('a last line that is not JSON, ended by a newline, is cut away with its own reason', async () => {
    const p = fresh();
    await appendNotes(p, 2);
    appendFileSync(p, 'garbage\n');
    const r = await appendRecord(p, { type: 'note', actor: 'c', data: { text: 'after', by: 'c' } });
    expect(r.repaired).toBe('journal.jsonl: removed a torn last line left by an interrupted write (a last line that is not valid JSON (7 bytes))');
    expect(r.record.seq).toBe(2);
  });

  it('a journal that holds only a torn first line, or only one line that is not JSON, starts again at seq 0', async () => {
    for (const [junk, why] of [
      ['{"half', '6 bytes without a trailing newline'],
      ['garbage\n', 'a last line that is not valid JSON (7 bytes)'],
    ] as const) {
      const p = fresh();
      const { mkdirSync } = await import('node:fs');
      mkdirSync(path.dirname(p), { recursive: true });
      writeFileSync(p, junk);
      const r = await appendRecord(p, { type: 'note', actor: 'a', data: { text: 'first', by: 'a' } });
      expect(r.repaired).toBe(`journal.jsonl: removed a torn last line left by an interrupted write (${why})`);
      expect(r.record).toMatchObject({ seq: 0, prev: null });
      expect(readFileSync(p, 'utf8')).toBe(r.line + '\n');
    }
  });

  it('in a journal longer than the first read window, a torn tail or a last line that is not JSON is cut away', async () => {
    const p = fresh();
    await appendNotes(p, 1);
    // 80 KB of lines: the tail is read from past the start of the file
    for (let i = 0; i < 2; i++) await appendRecord(p, { type: 'note', actor: 'a', data: { text: 'x'.repeat(40_000), by: 'a' } });
    const good = readFileSync(p);
    appendFileSync(p, 'garbage\n');
    const r = await appendRecord(p, { type: 'note', actor: 'c', data: { text: 'after', by: 'c' } });
    expect(r.repaired).toBe('journal.jsonl: removed a torn last line left by an interrupted write (a last line that is not valid JSON (7 bytes))');
    expect(r.record.seq).toBe(3);
    appendFileSync(p, '{"half');
    const t = await appendRecord(p, { type: 'note', actor: 'c', data: { text: 'again', by: 'c' } });
    expect(t.repaired).toBe('journal.jsonl: removed a torn last line left by an interrupted write (6 bytes without a trailing newline)');
    expect(t.record.seq).toBe(4);
    expect(readFileSync(p).subarray(0, good.length).equals(good)).toBe(true);
    expect((await readJournal(p)).problems).toEqual([]);
  });

  it('refuses to append after a bad line that a torn tail follows, or a last line without a valid seq', async () => {
    const p = fresh();
    await appendNotes(p, 2);
    appendFileSync(p, 'garbage\n{"half');
    const before = readFileSync(p);
    await expect(appendRecord(p, { type: 'note', actor: 'c', data: { text: 'x', by: 'c' } })).rejects.toThrow(
      /journal\.jsonl:0: the end of the journal holds a line that is not valid JSON before the last one; refusing to append/,
    );
    expect(readFileSync(p).equals(before)).toBe(true);
    // two complete lines that are not JSON: more than one interrupted write
    const r = fresh();
    await appendNotes(r, 2);
    appendFileSync(r, 'garbage\nmore garbage\n');
    const rBefore = readFileSync(r);
    await expect(appendRecord(r, { type: 'note', actor: 'c', data: { text: 'x', by: 'c' } })).rejects.toThrow(/journal\.jsonl:0: the end of the journal holds a line that is not valid JSON before the last one/);
    expect(readFileSync(r).equals(rBefore)).toBe(true);
    const q = fresh();
    await appendNotes(q, 1);
    appendFileSync(q, '{"seq":"one"}\n');
    await expect(appendRecord(q, { type: 'note', actor: 'c', data: { text: 'x', by: 'c' } })).rejects.toThrow(
      /journal\.jsonl:0: the last line has no valid seq; cannot append/,
    );
    const z = fresh();
    await appendNotes(z, 1);
    appendFileSync(z, 'null\n');
    await expect(appendRecord(z, { type: 'note', actor: 'c', data: { text: 'x', by: 'c' } })).rejects.toThrow(
      /journal\.jsonl:0: the last line has no valid seq; cannot append/,
    );
  });
});

describe('tampering', () => {
  async function fiveLines(): Promise<{ p: string; lines: string[] }> {
    const p = fresh();
    await appendNotes(p, 5);
    return { p, lines: readFileSync(p, 'utf8').slice(0, -1).split('\n') };
  }
  const save = (p: string, lines: string[]) => writeFileSync(p, lines.join('\n') + '\n');

  it('one byte edited in a middle line breaks the next link, naming the line', async () => {
    const { p, lines } = await fiveLines();
    lines[2] = lines[2]!.replace('note 2', 'note 9'); // still valid, still canonical
    save(p, lines);
    const j = await readJournal(p);
    expect(j.problems).toEqual([
      { line: 4, message: expect.stringMatching(/prev does not match the sha256 of line 3: line 3 was changed/) },
    ]);
  });

  it('a re-serialised (non-canonical) line is reported', async () => {
    const { p, lines } = await fiveLines();
    lines[1] = JSON.stringify(JSON.parse(lines[1]!), null, 0).replace('"seq":1', '"seq": 1');
    save(p, lines);
    const j = await readJournal(p);
    expect(j.problems.map((x) => x.line)).toEqual([2, 3]);
    expect(j.problems[0]!.message).toMatch(/not in canonical JSON form/);
  });

  it('a removed middle line is reported as a seq gap and a broken link', async () => {
    const { p, lines } = await fiveLines();
    lines.splice(2, 1);
    save(p, lines);
    const j = await readJournal(p);
    expect(j.problems[0]).toEqual({ line: 3, message: expect.stringMatching(/seq is 3, expected 2/) });
    expect(j.problems.some((x) => x.line === 3 && /prev does not match/.test(x.message))).toBe(true);
  });

  it('garbage in the middle is tampering, not a torn line', async () => {
    const { p, lines } = await fiveLines();
    lines[1] = 'this is not json';
    save(p, lines);
    const j = await readJournal(p);
    expect(j.warnings).toEqual([]);
    expect(j.problems[0]).toEqual({ line: 2, message: expect.stringMatching(/not valid JSON/) });
    expect(new JournalTamperError(p, j.problems).message).toMatch(/journal\.jsonl:2: not valid JSON/);
  });

  it('verifyChain names what is wrong with each malformed line, exactly', () => {
    const ok = { v: 1, seq: 0, prev: null, ts: '2026-11-27T12:00:00.000Z', type: 'note', actor: 'a', data: {} };
    const one = (line: string | Buffer) => verifyChain([line]).problems.map((p) => p.message);
    const rec = (o: Record<string, unknown>) => canonicalize({ ...ok, ...o })!;
    expect(one(canonicalize(ok)!)).toEqual([]);
    expect(one('[1]')).toEqual(['not a JSON object']);
    expect(one('null')).toEqual(['not a JSON object']);
    expect(one('')).toEqual(['empty line']);
    expect(one('   ')).toEqual(['empty line']);
    expect(one(Buffer.from([0x7b, 0xff, 0x7d]))).toEqual(['not valid UTF-8']);
    const { actor: _a, data: _d, ...partial } = ok;
    expect(one(canonicalize(partial)!)).toEqual(['missing field(s) actor, data']);
    expect(one(rec({ extra: 1, more: 2 }))).toEqual(['unexpected field(s) extra, more']);
    expect(one('5')).toEqual(['not a JSON object']);
    expect(one('"note"')).toEqual(['not a JSON object']);
    // a hand-written line: the unexpected names are listed sorted, whatever their order in the line
    expect(one(JSON.stringify({ zz: 1, ...ok, aa: 2 }))).toEqual(['unexpected field(s) aa, zz']);
    expect(one(rec({ v: 2 }))).toEqual(['unknown record version 2 (expected 1)']);
    expect(one(rec({ seq: -1 }))).toEqual(['seq -1 is not a non-negative integer']);
    expect(one(rec({ seq: 1.5 }))).toEqual(['seq 1.5 is not a non-negative integer']);
    expect(one(rec({ prev: 5 }))).toEqual(['prev is neither null nor a string']);
    expect(one(rec({ ts: 'soon' }))).toEqual(['ts "soon" is not a timestamp']);
    expect(one(rec({ ts: 5 }))).toEqual(['ts 5 is not a timestamp']);
    expect(one(rec({ type: '' }))).toEqual(['type is not a string']);
    expect(one(rec({ type: 7 }))).toEqual(['type is not a string']);
    expect(one(rec({ actor: 7 }))).toEqual(['actor is not a string']);
    // seq 0 with a prev, and a later line whose seq is off
    expect(one(rec({ prev: 'sha256:00' }))).toEqual(['prev must be null on the first line, found "sha256:00"']);
    const first = canonicalize(ok)!;
    const second = rec({ seq: 2, prev: hashLine(first) });
    expect(verifyChain([first, second]).problems).toEqual([{ line: 2, message: 'seq is 2, expected 1: a line was removed, inserted or reordered' }]);
    // a continuation checked from line 3 on, linked to the line before it
    const third = rec({ seq: 2, prev: hashLine('x') });
    expect(verifyChain([third], { firstLine: 3, prevHash: hashLine('x') }).problems).toEqual([]);
    expect(verifyChain([third], { firstLine: 3, prevHash: hashLine('y') }).problems).toEqual([
      { line: 3, message: 'prev does not match the sha256 of line 2: line 2 was changed, or lines were removed or inserted before line 3' },
    ]);
  });

  it('a tamper error lists at most 20 problems, then how many more', () => {
    const problems = Array.from({ length: 23 }, (_, i) => ({ line: i + 1, message: `bad ${i + 1}` }));
    const msg = new JournalTamperError('/x/journal.jsonl', problems, 'Nothing was recorded.').message;
    expect(msg.split('\n')).toEqual([
      '/x/journal.jsonl failed its integrity check (tampering or corruption):',
      ...problems.slice(0, 20).map((p) => `  journal.jsonl:${p.line}: ${p.message}`),
      '  … and 3 more',
      'Nothing was recorded.',
    ]);
    const twenty = new JournalTamperError('/x/journal.jsonl', problems.slice(0, 20));
    expect(twenty.message).toBe(
      ['/x/journal.jsonl failed its integrity check (tampering or corruption):', ...problems.slice(0, 20).map((p) => `  journal.jsonl:${p.line}: ${p.message}`)].join('\n'),
    );
    expect(twenty.name).toBe('JournalTamperError');
  });

  it('a journal whose first line is empty: every line is checked, the empty one named', async () => {
    const { p, lines } = await fiveLines();
    writeFileSync(p, '\n' + lines.join('\n') + '\n');
    const j = await readJournal(p);
    expect(j.warnings).toEqual([]);
    expect(j.problems[0]).toEqual({ line: 1, message: 'empty line' });
    expect(j.problems.map((x) => x.line)).toEqual([1, 2, 2, 3, 4, 5, 6]);
  });

  it('verifyChain accepts raw strings and reports a bad first prev', () => {
    const rec = { v: 1, seq: 0, prev: 'sha256:00', ts: '2026-11-27T12:00:00.000Z', type: 'note', actor: 'a', data: {} };
    const r = verifyChain([canonicalize(rec)!]);
    expect(r.problems).toEqual([{ line: 1, message: expect.stringMatching(/prev must be null on the first line/) }]);
  });
});

describe('journal lock', () => {
  it('two processes appending 50 records each at once: 100 records, one valid chain', async () => {
    const p = fresh();
    const { mkdirSync } = await import('node:fs');
    mkdirSync(path.dirname(p), { recursive: true });
    const go = (actor: string) => run(process.execPath, [child, JSON.stringify({ op: 'append', journal: p, n: 50, actor })]);
    const [a, b] = await Promise.all([go('proc-a'), go('proc-b')]);
    expect(a.stdout).toBe('DONE 50\n');
    expect(b.stdout).toBe('DONE 50\n');
    const j = await readJournal(p);
    expect(j.problems).toEqual([]);
    expect(j.records).toHaveLength(100);
    expect(j.records.map((r) => r.seq)).toEqual([...Array(100).keys()]);
    for (const actor of ['proc-a', 'proc-b']) {
      const mine = j.records.filter((r) => r.actor === actor).map((r) => (r.data as { text: string }).text);
      expect(mine).toEqual([...Array(50).keys()].map((i) => `${actor} #${i}`));
    }
    expect(existsSync(path.join(path.dirname(p), 'journal.lock'))).toBe(false);
  });

  it('a writer killed with SIGKILL mid-stream leaves a valid journal (at most a torn tail) that the next append continues', async () => {
    const p = fresh();
    const { mkdirSync } = await import('node:fs');
    mkdirSync(path.dirname(p), { recursive: true });
    const proc = spawn(process.execPath, [child, JSON.stringify({ op: 'append', journal: p, n: 100000, actor: 'doomed' })]);
    // let it write for a while, then kill it without warning
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (existsSync(p) && readFileSync(p).length > 20_000) {
          clearInterval(t);
          resolve();
        }
      }, 20);
    });
    proc.kill('SIGKILL');
    await new Promise<void>((r) => proc.on('exit', () => r()));
    const j = await readJournal(p);
    expect(j.problems).toEqual([]);
    expect(j.records.length).toBeGreaterThan(10);
    const { record } = await appendRecord(p, { type: 'note', actor: 'survivor', data: { text: 'after the crash', by: 'survivor' } });
    expect(record.seq).toBe(j.records.length);
    const j2 = await readJournal(p);
    expect(j2.problems).toEqual([]);
    expect(j2.warnings).toEqual([]);
    expect(j2.records.at(-1)!.actor).toBe('survivor');
  });

  it('underLock runs while the lock is held, before the tail is read; throwing appends nothing', async () => {
    const p = fresh();
    await appendNotes(p, 1);
    const lockFile = path.join(path.dirname(p), 'journal.lock');
    let held = false;
    const r = await appendRecord(p, { type: 'note', actor: 'a', data: { text: 'x', by: 'a' } }, {
      underLock: async () => {
        held = existsSync(lockFile);
      },
    });
    expect(held).toBe(true);
    expect(r.record.seq).toBe(1);
    await expect(
      appendRecord(p, { type: 'note', actor: 'a', data: { text: 'refused', by: 'a' } }, { underLock: async () => Promise.reject(new Error('rule broken')) }),
    ).rejects.toThrow('rule broken');
    expect((await readJournal(p)).records).toHaveLength(2);
    expect(existsSync(lockFile)).toBe(false);
  });

  it('takes over a lock left by a dead process', async () => {
    const p = fresh();
    await appendNotes(p, 1);
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(
      path.join(path.dirname(p), 'journal.lock'),
      JSON.stringify({ pid: dead, host: hostname(), since: new Date().toISOString(), token: 'dead' }),
    );
    // at once, on the first try: with no time to wait for the lock, the append still goes through
    const { record } = await appendRecord(p, { type: 'note', actor: 'bob', data: { text: 'x', by: 'bob' } }, { lockTimeoutMs: 0 });
    expect(record.seq).toBe(1);
    expect(existsSync(path.join(path.dirname(p), 'journal.lock'))).toBe(false);
  });

  it('gives up with a clear message when a live process holds the lock', async () => {
    const p = fresh();
    await appendNotes(p, 1);
    const holder = { pid: process.pid, host: hostname(), since: '2026-11-27T12:00:00.000Z', token: 'other' };
    writeFileSync(path.join(path.dirname(p), 'journal.lock'), JSON.stringify(holder));
    await expect(
      appendRecord(p, { type: 'note', actor: 'bob', data: { text: 'x', by: 'bob' } }, { lockTimeoutMs: 1000 }),
    ).rejects.toThrow(
      new RegExp(`^journal lock \\S*journal\\.lock is held by pid ${process.pid} on host ${hostname()} since 2026-11-27T12:00:00\\.000Z.* not released within 1s\\.`),
    );
    expect((await readJournal(p)).records).toHaveLength(1);
    // the lock of the other holder is left alone
    expect(JSON.parse(readFileSync(path.join(path.dirname(p), 'journal.lock'), 'utf8')).token).toBe('other');
  });
});
