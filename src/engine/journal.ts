/**
 * The durable, hash-chained session journal (`journal.jsonl`).
 *
 * Each line is the RFC 8785 canonical JSON of a JournalRecord {v:1, seq, prev, ts, type, actor, data};
 * `prev` is null for seq 0, else "sha256:" + hex(sha256(previous line bytes without "\n")).
 *
 * Appending (`appendRecord`): take `journal.lock` next to the journal, read the tail of the file to learn the last
 * seq and hash (never trust memory: another process may have appended), cut away a torn last line left by a crashed
 * writer, write the new line + "\n" in one write, fsync the file (and the directory when the file was created),
 * release the lock. Only when that promise resolves is the event recorded.
 *
 * Reading (`readJournal`, `verifyChain`): every line is checked. A torn last line (no trailing newline, or invalid
 * JSON as the very last line: a crash mid-write) is a warning and is ignored; anything else wrong (bad JSON in the
 * middle, non-canonical line, seq gap, broken `prev` link) is a problem naming the line — tampering or corruption,
 * never silently accepted.
 *
 * Over 400 lines: the journal's format (canonical JSON, the hash chain), its reading (torn tail, tamper findings) and
 * its appending (fsync, the lock) are one file format; a reader and a writer in separate files would split the chain
 * rule in two.
 */
import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../checklist/errors.js';
import type { JournalEventType, JournalRecord } from './events.js';
import { fsyncDir } from './durable.js';
import { acquireLock } from './lock.js';
import { shareFd } from './shared-files.js';

export const JOURNAL_FILE = 'journal.jsonl';
export const JOURNAL_LOCK = 'journal.lock';

export interface JournalProblem {
  /** 1-based line number in journal.jsonl (0 = the file as a whole) */
  line: number;
  message: string;
}

export interface JournalRead {
  records: JournalRecord[];
  /** the raw text of every complete, accepted line (no "\n"), index = seq */
  lines: string[];
  /** e.g. a torn last line that was ignored */
  warnings: string[];
  /** tampering or corruption; empty when the chain is intact */
  problems: JournalProblem[];
  /** "sha256:<hex>" of the last accepted line, null when empty */
  head: string | null;
  /** byte length of the accepted prefix (everything before a torn tail) */
  validBytes: number;
  /** a torn tail was found (it is removed by the next append) */
  torn?: { line: number; bytes: number };
}

/** One line's identity in the chain: "sha256:" + hex of its exact bytes (without "\n"). */
export function hashLine(line: string | Buffer): string {
  return 'sha256:' + createHash('sha256').update(line).digest('hex');
}

/** Canonical JSON (RFC 8785) of a value; throws a clear error for values JSON cannot hold. */
export function canonicalJson(value: unknown): string {
  let s: string | undefined;
  try {
    s = canonicalize(value);
  } catch (err) {
    throw new Error(`journal: event cannot be written as canonical JSON: ${(err as Error).message}`);
  }
  if (typeof s !== 'string') throw new Error('journal: event cannot be written as canonical JSON');
  return s;
}

/** Thrown when a journal fails its integrity check; names each bad line. Exit 2 through the CLI. */
export class JournalTamperError extends UsageError {
  constructor(
    readonly path: string,
    readonly problems: JournalProblem[],
    hint = '',
  ) {
    super(
      `${path} failed its integrity check (tampering or corruption):\n` +
        formatProblems(path, problems) +
        (hint ? `\n${hint}` : ''),
    );
    this.name = 'JournalTamperError';
  }
}

export function formatProblems(path: string, problems: JournalProblem[], max = 20): string {
  const shown = problems.slice(0, max).map((p) => `  ${basename(path)}:${p.line}: ${p.message}`);
  if (problems.length > max) shown.push(`  … and ${problems.length - max} more`);
  return shown.join('\n');
}

const FIELDS = ['actor', 'data', 'prev', 'seq', 'ts', 'type', 'v'];

function shapeProblem(r: unknown): string | undefined {
  if (!r || typeof r !== 'object' || Array.isArray(r)) return 'not a JSON object';
  const o = r as Record<string, unknown>;
  const keys = Object.keys(o).sort();
  const missing = FIELDS.filter((k) => !(k in o));
  if (missing.length) return `missing field(s) ${missing.join(', ')}`;
  const extra = keys.filter((k) => !FIELDS.includes(k));
  if (extra.length) return `unexpected field(s) ${extra.join(', ')}`;
  if (o.v !== 1) return `unknown record version ${JSON.stringify(o.v)} (expected 1)`;
  if (!Number.isSafeInteger(o.seq) || (o.seq as number) < 0) return `seq ${JSON.stringify(o.seq)} is not a non-negative integer`;
  if (o.prev !== null && typeof o.prev !== 'string') return 'prev is neither null nor a string';
  if (typeof o.ts !== 'string' || !Number.isFinite(Date.parse(o.ts))) return `ts ${JSON.stringify(o.ts)} is not a timestamp`;
  if (typeof o.type !== 'string' || !o.type) return 'type is not a string';
  if (typeof o.actor !== 'string') return 'actor is not a string';
  return undefined;
}

export interface ChainCheck {
  records: JournalRecord[];
  problems: JournalProblem[];
}

/**
 * Check a sequence of journal lines (no "\n"; Buffers are hashed as stored, strings as UTF-8): each is a JSON
 * record of the right shape in canonical form, seq equals its position, and prev links to the line before.
 * `firstLine`/`prevHash` let a follower check a continuation (line numbers are 1-based).
 */
export function verifyChain(
  lines: (string | Buffer)[],
  o: { firstLine?: number; prevHash?: string | null } = {},
): ChainCheck {
  const first = o.firstLine ?? 1;
  let prevHash: string | null = o.prevHash ?? null;
  const records: JournalRecord[] = [];
  const problems: JournalProblem[] = [];
  lines.forEach((raw, i) => {
    const lineNo = first + i;
    const expectSeq = lineNo - 1;
    const text = typeof raw === 'string' ? raw : raw.toString('utf8');
    const hash = hashLine(raw);
    const prevOfThis = prevHash;
    prevHash = hash;
    const bad = (message: string) => problems.push({ line: lineNo, message });
    if (typeof raw !== 'string' && !Buffer.from(text, 'utf8').equals(raw)) {
      bad('not valid UTF-8');
      return;
    }
    if (text.trim() === '') {
      bad('empty line');
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      bad(`not valid JSON (${(err as Error).message})`);
      return;
    }
    const shape = shapeProblem(parsed);
    if (shape) {
      bad(shape);
      return;
    }
    const rec = parsed as JournalRecord;
    records.push(rec);
    let canon: string | undefined;
    try {
      canon = canonicalize(parsed);
    } catch {
      canon = undefined;
    }
    if (canon !== text) bad('not in canonical JSON form (RFC 8785): the line was edited or written by another tool');
    if (rec.seq !== expectSeq) {
      bad(`seq is ${rec.seq}, expected ${expectSeq}: a line was removed, inserted or reordered`);
    }
    if (expectSeq === 0 && first === 1) {
      if (rec.prev !== null) bad(`prev must be null on the first line, found ${JSON.stringify(rec.prev)}`);
    } else if (rec.prev !== prevOfThis) {
      bad(
        `prev does not match the sha256 of line ${lineNo - 1}: line ${lineNo - 1} was changed, or lines were removed or inserted before line ${lineNo}`,
      );
    }
  });
  return { records, problems };
}

/** Split a buffer into "\n"-terminated lines; the part after the last "\n" (if any) is returned as `tail`. */
function splitLines(buf: Buffer): { lines: Buffer[]; tail: Buffer } {
  const lines: Buffer[] = [];
  let start = 0;
  for (;;) {
    const nl = buf.indexOf(0x0a, start);
    if (nl < 0) break;
    lines.push(buf.subarray(start, nl));
    start = nl + 1;
  }
  return { lines, tail: buf.subarray(start) };
}

function parses(b: Buffer): boolean {
  try {
    JSON.parse(b.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

/** Decide what of a journal's bytes is accepted, and what is a torn tail. */
function analyse(buf: Buffer): { lines: Buffer[]; validBytes: number; torn?: { line: number; bytes: number; why: string } } {
  const { lines, tail } = splitLines(buf);
  let validBytes = buf.length - tail.length;
  if (tail.length > 0) {
    return { lines, validBytes, torn: { line: lines.length + 1, bytes: tail.length, why: 'has no trailing newline' } };
  }
  const last = lines[lines.length - 1];
  if (last && !parses(last)) {
    lines.pop();
    validBytes -= last.length + 1;
    return { lines, validBytes, torn: { line: lines.length + 1, bytes: last.length + 1, why: 'is not valid JSON' } };
  }
  return { lines, validBytes };
}

/** Read and check a whole journal. A missing file is reported as a problem (line 0). */
export async function readJournal(path: string): Promise<JournalRead> {
  let buf: Buffer;
  try {
    buf = await fsp.readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      records: [],
      lines: [],
      warnings: [],
      problems: [{ line: 0, message: code === 'ENOENT' ? 'journal file not found' : `cannot read: ${(err as Error).message}` }],
      head: null,
      validBytes: 0,
    };
  }
  return checkJournalBytes(buf, path);
}

/** Same as readJournal, on bytes already in memory. */
export function checkJournalBytes(buf: Buffer, path = JOURNAL_FILE): JournalRead {
  const a = analyse(buf);
  const warnings: string[] = [];
  if (a.torn) {
    warnings.push(
      `${basename(path)}:${a.torn.line}: the last line (${a.torn.bytes} bytes) ${a.torn.why}: a write was interrupted (crash or power loss). ` +
        `It was never acknowledged; it is ignored and will be removed on the next append. Nothing before it is lost.`,
    );
  }
  const { records, problems } = verifyChain(a.lines);
  const lastLine = a.lines[a.lines.length - 1];
  return {
    records,
    lines: a.lines.map((l) => l.toString('utf8')),
    warnings,
    problems,
    head: lastLine ? hashLine(lastLine) : null,
    validBytes: a.validBytes,
    torn: a.torn ? { line: a.torn.line, bytes: a.torn.bytes } : undefined,
  };
}

/** Read the end of an open journal: the last accepted line and where the accepted bytes end. */
async function readTail(
  fh: fsp.FileHandle,
  size: number,
): Promise<{ last?: Buffer; validBytes: number; torn?: string; bad?: boolean }> {
  let window = 64 * 1024;
  for (;;) {
    const start = Math.max(0, size - window);
    const buf = Buffer.alloc(size - start);
    await fh.read(buf, 0, buf.length, start);
    const covered = start === 0;
    // offsets of "\n" within buf
    const nls: number[] = [];
    for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, i + 1)) nls.push(i);
    // need: the end of accepted bytes and the full last accepted line. Up to 3 newlines suffice.
    if (!covered && nls.length < 3) {
      window *= 4;
      continue;
    }
    let end = nls.length ? nls[nls.length - 1]! + 1 : 0; // accepted bytes end (relative to buf)
    let torn: string | undefined;
    if (end < buf.length) torn = `${buf.length - end} bytes without a trailing newline`;
    const lineAt = (endExclusive: number): { from: number; line: Buffer } | undefined => {
      if (endExclusive <= 0) return undefined;
      const nlIdx = endExclusive - 1; // the "\n" that ends the line
      const before = nls.filter((n) => n < nlIdx);
      const from = before.length ? before[before.length - 1]! + 1 : 0;
      if (from === 0 && !covered) return undefined;
      return { from, line: buf.subarray(from, nlIdx) };
    };
    let l = lineAt(end);
    if (!l && end > 0) {
      window *= 4;
      continue;
    }
    if (l && !parses(l.line)) {
      if (torn) {
        // a torn tail AND a bad complete line before it: not a single interrupted write
        return { last: l.line, validBytes: start + end, torn, bad: true };
      }
      torn = `a last line that is not valid JSON (${l.line.length} bytes)`;
      end = l.from;
      l = lineAt(end);
      if (!l && end > 0) {
        window *= 4;
        continue;
      }
      if (l && !parses(l.line)) return { last: l.line, validBytes: start + end, torn, bad: true };
    }
    return { last: l?.line, validBytes: start + end, torn };
  }
}

export interface AppendInput {
  type: JournalEventType;
  actor: string;
  ts?: string;
  data: unknown;
}

export interface AppendResult {
  record: JournalRecord;
  line: string;
  /** set when a torn tail left by a crashed writer was cut away before this append */
  repaired?: string;
}

/**
 * The one way this module opens files for appending, so a test can watch the writes and fsyncs of an append in the
 * order they happen (test/engine/journal.test.ts). Nothing in the product replaces it.
 */
export const journalFs = {
  open: (path: string, flags: string | number, mode?: number): Promise<fsp.FileHandle> => fsp.open(path, flags, mode),
};


/** one input of appendRecords: its result, or why it alone could not be written (the others still are) */
export type AppendOutcome = { ok: true; result: AppendResult } | { ok: false; error: Error };

/**
 * Append one record durably. Resolves only after the line is written and fsynced (and the lock released).
 * Safe against other processes appending to the same journal at the same time.
 */
export async function appendRecord(
  path: string,
  e: AppendInput,
  o: {
    lockTimeoutMs?: number;
    /**
     * called once the journal lock is held, before anything is read or written: no other process can append until
     * the line is written, so a rule checked here holds against the journal as it is at that moment. Throwing
     * appends nothing.
     */
    underLock?: () => Promise<void>;
    /** called with the record just before its line is written */
    beforeWrite?: (r: JournalRecord) => void;
  } = {},
): Promise<AppendResult> {
  const [out] = await appendRecords(path, [e], o);
  if (!out!.ok) throw out!.error;
  return out!.result;
}

/**
 * Group commit: append several records under one lock with one write and ONE fsync, in order. Resolves only after
 * all their lines are on disk. An input that cannot be written (not canonical JSON, malformed) gets its own error
 * and takes no seq; the others are written. A failure of the file itself (lock, tamper, I/O) rejects the whole call:
 * then nothing of it was acknowledged.
 */
export async function appendRecords(
  path: string,
  inputs: AppendInput[],
  o: {
    lockTimeoutMs?: number;
    /** see appendRecord: run once the lock is held, before anything is read or written; throwing appends nothing */
    underLock?: () => Promise<void>;
    /** called with each record just before the lines are written */
    beforeWrite?: (r: JournalRecord) => void;
  } = {},
): Promise<AppendOutcome[]> {
  const dir = dirname(path);
  const lock = await acquireLock(join(dir, JOURNAL_LOCK), { timeoutMs: o.lockTimeoutMs ?? 5_000, what: 'journal lock' });
  try {
    await o.underLock?.();
    let created = false;
    try {
      await fsp.access(path);
    } catch {
      created = true;
    }
    const fh = await journalFs.open(path, 'a+', 0o666);
    try {
      if (created) shareFd(fh.fd, 'file');
      const size = (await fh.stat()).size;
      const tail = size > 0 ? await readTail(fh, size) : { validBytes: 0 as number, last: undefined, torn: undefined };
      let repaired: string | undefined;
      if ('bad' in tail && tail.bad) {
        throw new JournalTamperError(path, [
          { line: 0, message: 'the end of the journal holds a line that is not valid JSON before the last one; refusing to append' },
        ]);
      }
      if (tail.validBytes < size) {
        await fh.truncate(tail.validBytes);
        repaired = `${basename(path)}: removed a torn last line left by an interrupted write (${tail.torn ?? `${size - tail.validBytes} bytes`})`;
      }
      let seq = 0;
      let prev: string | null = null;
      if (tail.last) {
        const last = JSON.parse(tail.last.toString('utf8')) as JournalRecord;
        if (!Number.isSafeInteger(last?.seq)) {
          throw new JournalTamperError(path, [{ line: 0, message: 'the last line has no valid seq; cannot append' }]);
        }
        seq = last.seq + 1;
        prev = hashLine(tail.last);
      }
      const outcomes: AppendOutcome[] = [];
      const lines: string[] = [];
      for (const e of inputs) {
        try {
          const record: JournalRecord = {
            v: 1,
            seq,
            prev,
            ts: e.ts ?? new Date().toISOString(),
            type: e.type,
            actor: e.actor,
            data: e.data === undefined ? null : e.data,
          };
          const line = canonicalJson(record);
          // never write a line our own verifier would reject
          const shape = shapeProblem(JSON.parse(line));
          if (shape) throw new Error(`journal: refusing to write a malformed ${e.type} record: ${shape}`);
          outcomes.push({ ok: true, result: { record: JSON.parse(line) as JournalRecord, line, ...(repaired && lines.length === 0 ? { repaired } : {}) } });
          lines.push(line);
          seq++;
          prev = hashLine(line);
        } catch (err) {
          outcomes.push({ ok: false, error: err instanceof Error ? err : new Error(String(err)) });
        }
      }
      if (lines.length === 0) return outcomes;
      for (const out of outcomes) if (out.ok) o.beforeWrite?.(out.result.record);
      const bytes = Buffer.from(lines.join('\n') + '\n', 'utf8');
      let off = 0;
      while (off < bytes.length) {
        const { bytesWritten } = await fh.write(bytes, off, bytes.length - off);
        off += bytesWritten;
      }
      // the one place a journal append reaches the disk: nothing is acknowledged before this
      await fh.sync();
      if (created) await fsyncDir(dir, journalFs.open);
      return outcomes;
    } finally {
      await fh.close();
    }
  } finally {
    lock.release();
  }
}
