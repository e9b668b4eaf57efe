/**
 * Sessions: one directory per run of a checklist under `<stateDir>/sessions/<id>/` (layout in session-api.ts).
 *
 * - `openSession` creates a session, or resumes the latest unfinished one of the same checklist (same name, same
 *   sha256), replaying its journal into a fresh store. The TUI / `run` take `owner.lock`: one driver per session.
 * - `openSessionDir` opens an existing session without the owner lock (`signoff`, `waive`, `note` from any shell).
 * - `Session.record` appends durably (journal.ts) and only then applies the event to the store; `follow` applies
 *   records appended by other processes (a second operator's sign-off) as they arrive.
 * - `replaySession` is the pure read-only replay used by report and verify.
 *
 * Over 400 lines: LocalSession and the functions that create, resume, take over and replay a session share its
 * directory layout (session-api.ts), the owner lock and the pending journal writes, which stay private to this file.
 * The listing of sessions (listSessions, describeSession, findSession) only reads journals and is the part to move out
 * when this file grows.
 */
import { createHash, randomBytes } from 'node:crypto';
import { watch, promises as fsp, type FSWatcher } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { Checklist } from '../checklist/model.js';
import { loadChecklist } from '../checklist/load.js';
import { KINDS } from '../checks/index.js';
import { ChecklistError } from '../checklist/errors.js';
import { UsageError } from '../checklist/errors.js';
import { VERSION } from '../version.js';
import type { JournalEvent, JournalRecord, SessionStartData } from './events.js';
import { runVars, varChanges, type VarChange } from './run-vars.js';
import {
  appendRecords,
  JOURNAL_FILE,
  JournalTamperError,
  readJournal,
  verifyChain,
  hashLine,
  type AppendInput,
  type AppendOutcome,
  type JournalProblem,
} from './journal.js';
import { fsyncDir } from './durable.js';
import {
  acquireLock,
  describeHolder,
  holderIdleMs,
  LockBusyError,
  ownTty,
  pidAlive,
  readLockInfo,
  replaceLock,
  tryLock,
  type HeldLock,
  type LockInfo,
} from './lock.js';
import type { OpenSessionOptions, RecordOptions, Session } from './session-api.js';
import { initialState, reduce, type SessionState } from './session-state.js';
import { createSessionStore, type SessionStore } from './store.js';
import { groupAccessWarning, mkdirShared, shareFd, sharePath } from './shared-files.js';

export const SESSIONS_DIR = 'sessions';
export const OWNER_LOCK = 'owner.lock';
export const CHECKLIST_FILE = 'checklist.yaml';
/** held for the moment of find-or-create in openSession */
export const OPEN_LOCK = 'open.lock';
/** how often `follow` polls the journal in addition to fs.watch (which can miss events on some filesystems) */
export const FOLLOW_POLL_MS = 500;

/** UTC timestamp + short random: 20261127T120301Z-3f9a (sorts by creation time). */
export function newSessionId(now = new Date()): string {
  const ts = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${ts}-${randomBytes(2).toString('hex')}`;
}

/** Evidence and statement file names are restricted to [A-Za-z0-9._@-] (no "." or ".." either). */
export function safeName(s: string): string {
  const t = s.replace(/[^A-Za-z0-9._@-]/g, '_');
  if (t === '' || /^\.+$/.test(t)) return t.replace(/\./g, '_') || '_';
  return t;
}

function toEvent(r: JournalRecord): JournalEvent {
  return { type: r.type, actor: r.actor, ts: r.ts, data: r.data } as JournalEvent;
}

async function writeFileDurably(path: string, bytes: Buffer): Promise<void> {
  const fh = await fsp.open(path, 'wx', 0o666);
  try {
    shareFd(fh.fd, 'file');
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
}


function describeRecord(r: JournalRecord): string | undefined {
  const d = r.data as Record<string, unknown>;
  switch (r.type) {
    case 'signoff':
      return `sign-off #${r.seq} on ${d.item}: ${d.decision} by ${d.by}${d.statement ? ' (signed)' : ' (unsigned)'}`;
    case 'waiver':
      return `waiver on ${d.item} by ${d.by} until ${d.expires}${d.statement ? ' (signed)' : ' (unsigned)'}`;
    case 'waiver.approval':
      return `approval of waiver #${d.waiver} on ${d.item} by ${d.by}${d.statement ? ' (signed)' : ' (unsigned)'}`;
    case 'note':
      return `note${d.item ? ` on ${d.item}` : ''} by ${d.by}: ${d.text}`;
    default:
      return undefined;
  }
}

/** an event waiting to be written, and its caller's promise */
interface PendingEvent {
  input: AppendInput;
  /** a deciding event's rule (RecordOptions.check): such an event is committed alone */
  check?: RecordOptions['check'];
  resolve: (r: JournalRecord) => void;
  reject: (err: unknown) => void;
}

class LocalSession implements Session {
  readonly journalPath: string;
  readonly store: SessionStore;
  resumed = false;
  varChanges?: VarChange[];
  readonly warnings: string[] = [];
  ownerLock?: HeldLock;
  /** set when the owner lock was taken from another holder: journaled as a note once the session is open */
  takeover?: string;

  /** bytes of the journal already applied to the store, the hash of the last applied line, the next seq */
  private offset = 0;
  private lastHash: string | null = null;
  private nextSeq = 0;
  private broken?: string;
  private readonly own = new Set<number>();
  private readonly listeners = new Set<(r: JournalRecord) => void>();
  private followers = 0;
  private watcher?: FSWatcher;
  private poll?: NodeJS.Timeout;
  private appendQueue: Promise<unknown> = Promise.resolve();
  /** events waiting for the append in flight to finish; written together as the next batch */
  private nextBatch?: PendingEvent[];
  private syncQueue: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly onExit = () => this.ownerLock?.release();

  constructor(
    readonly id: string,
    readonly dir: string,
    readonly checklist: Checklist,
    readonly operator: string,
    readonly operatorKey?: string,
  ) {
    this.journalPath = join(dir, JOURNAL_FILE);
    this.store = createSessionStore(checklist);
  }

  /** Say what the state dir's group cannot use in this session (the state dir is the parent of `sessions/`). */
  checkGroupAccess(): void {
    const parent = dirname(this.dir);
    if (basename(parent) !== SESSIONS_DIR) return;
    const w = groupAccessWarning(dirname(parent), this.dir);
    if (!w) return;
    this.warnings.push(w);
    this.store.message('warn', w);
  }

  setOwnerLock(l: HeldLock): void {
    this.ownerLock = l;
    process.once('exit', this.onExit);
  }

  /** Apply what was read at open (already checked) and remember where the accepted bytes end. */
  load(records: JournalRecord[], validBytes: number, head: string | null): void {
    for (const r of records) this.applyRecord(r);
    this.offset = validBytes;
    this.lastHash = head;
    this.nextSeq = records.length;
  }

  private applyRecord(r: JournalRecord): void {
    try {
      this.store.apply(toEvent(r), r.seq);
    } catch (err) {
      const msg = `journal line ${r.seq + 1} (${r.type}) could not be applied: ${(err as Error).message}`;
      this.warnings.push(msg);
      this.store.message('error', msg);
    }
  }

  /**
   * Record an event: resolves once its line is fsynced in the journal (and replayed into the store), never before.
   * Group commit: events recorded while an append is in flight wait for it and are then written together, with
   * one lock, one write and one fsync — concurrent checks share the cost of reaching the disk. A deciding event
   * (`o.check`: sign-off, waiver, decision) is committed on its own, its rule checked under the journal lock.
   */
  record<E extends JournalEvent>(e: Omit<E, 'ts' | 'actor'> & { actor?: string; ts?: string }, o: RecordOptions = {}): Promise<JournalRecord> {
    if (this.closed) return Promise.reject(new Error(`session ${this.id} is closed`));
    return new Promise<JournalRecord>((resolve, reject) => {
      const ev = e as unknown as { type: JournalEvent['type']; data: unknown; actor?: string; ts?: string };
      const waiting: PendingEvent = { input: { type: ev.type, actor: ev.actor ?? this.operator, ts: ev.ts, data: ev.data }, check: o.check, resolve, reject };
      if (this.nextBatch && !o.check) {
        this.nextBatch.push(waiting);
        return;
      }
      const batch = [waiting];
      if (!o.check) this.nextBatch = batch;
      const run = () => {
        if (this.nextBatch === batch) this.nextBatch = undefined; // later events form the next batch
        return this.commit(batch);
      };
      this.appendQueue = this.appendQueue.then(run, run).catch(() => undefined);
    });
  }

  private async checkUnderLock(check: NonNullable<RecordOptions['check']>): Promise<void> {
    await this.sync();
    if (this.broken) throw new JournalTamperError(this.journalPath, [{ line: 0, message: this.broken }], 'Nothing was recorded.');
    check(this.store.store.getState());
  }

  /** write one batch of events (see record) and settle each caller's promise */
  private async commit(batch: PendingEvent[]): Promise<void> {
    const fail = (err: unknown) => {
      for (const w of batch) w.reject(err);
    };
    try {
      await this.sync(); // catch up first: never extend a chain that fails its check
    } catch (err) {
      return fail(err);
    }
    if (this.broken) return fail(new JournalTamperError(this.journalPath, [{ line: 0, message: this.broken }], 'Nothing was recorded.'));
    const pending: number[] = [];
    let outcomes: AppendOutcome[];
    try {
      outcomes = await appendRecords(
        this.journalPath,
        batch.map((w) => w.input),
        {
          // a deciding event: catch up with what others appended, then check its rule while no one else can append
          underLock: batch[0]!.check ? () => this.checkUnderLock(batch[0]!.check!) : undefined,
          // mark the lines as ours before they become visible, so a follower does not report them as foreign
          beforeWrite: (rec) => {
            pending.push(rec.seq);
            this.own.add(rec.seq);
          },
        },
      );
    } catch (err) {
      for (const seq of pending) this.own.delete(seq);
      return fail(err);
    }
    for (const out of outcomes) {
      if (out.ok && out.result.repaired) {
        this.warnings.push(out.result.repaired);
        this.store.message('warn', out.result.repaired);
      }
    }
    try {
      await this.sync();
    } catch (err) {
      return fail(err);
    }
    outcomes.forEach((out, i) => {
      const w = batch[i]!;
      if (!out.ok) return w.reject(out.error);
      if (this.nextSeq <= out.result.record.seq) {
        return w.reject(
          new Error(`event recorded as journal line ${out.result.record.seq + 1}, but the journal could not be replayed up to it: ${this.broken ?? 'unknown problem'}`),
        );
      }
      w.resolve(out.result.record);
    });
  }

  /** Read records appended since the last sync (by anyone) and apply them in order. */
  sync(): Promise<void> {
    const p = this.syncQueue.then(() => this.doSync());
    this.syncQueue = p.catch(() => undefined);
    return p;
  }

  private async doSync(): Promise<void> {
    if (this.broken) return;
    let buf: Buffer;
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(this.journalPath, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      if (this.offset > 0) this.fail('the journal file was removed while the session was open');
      return; // else: not created yet
    }
    try {
      const size = (await fh.stat()).size;
      if (size < this.offset) {
        this.fail(`the journal shrank from ${this.offset} to ${size} bytes while the session was open (truncated by another process?)`);
        return;
      }
      if (size === this.offset) return;
      buf = Buffer.alloc(size - this.offset);
      await fh.read(buf, 0, buf.length, this.offset);
    } finally {
      await fh.close();
    }
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, start);
      if (nl < 0) break; // incomplete line: being written, or torn (repaired by the next append)
      const line = buf.subarray(start, nl);
      const isLast = buf.indexOf(0x0a, nl + 1) < 0;
      const { records, problems } = verifyChain([line], { firstLine: this.nextSeq + 1, prevHash: this.lastHash });
      if (problems.length || !records[0]) {
        // a complete but invalid very last line may be a torn write with its newline: wait for the repair
        if (isLast && !records[0]) return;
        this.fail(problems.map((p) => `line ${p.line}: ${p.message}`).join('; '));
        return;
      }
      const r = records[0];
      this.applyRecord(r);
      this.offset += nl + 1 - start;
      this.lastHash = hashLine(line);
      this.nextSeq = r.seq + 1;
      start = nl + 1;
      if (!this.own.has(r.seq)) {
        const d = describeRecord(r);
        if (d) this.store.message('info', `${d} (from another session)`);
        for (const cb of this.listeners) {
          try {
            cb(r);
          } catch {
            /* a listener's problem is not the journal's */
          }
        }
      }
    }
  }

  private fail(msg: string): void {
    this.broken = `${this.journalPath}: ${msg}`;
    this.store.message('error', `journal integrity problem, following stopped: ${msg}`);
    this.warnings.push(this.broken);
  }

  follow(onRecord?: (r: JournalRecord) => void): () => void {
    if (onRecord) this.listeners.add(onRecord);
    this.followers += 1;
    if (this.followers === 1) {
      const kick = () => {
        this.sync().catch(() => undefined);
      };
      try {
        this.watcher = watch(this.journalPath, { persistent: false }, kick);
        this.watcher.on('error', () => undefined);
      } catch {
        this.watcher = undefined; // polling alone still works
      }
      this.poll = setInterval(kick, FOLLOW_POLL_MS);
      this.poll.unref();
      kick();
    }
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (onRecord) this.listeners.delete(onRecord);
      this.followers -= 1;
      if (this.followers === 0) this.stopFollowing();
    };
  }

  private stopFollowing(): void {
    this.watcher?.close();
    this.watcher = undefined;
    if (this.poll) clearInterval(this.poll);
    this.poll = undefined;
  }

  releaseOwner(): void {
    this.ownerLock?.release();
    this.ownerLock = undefined;
    process.removeListener('exit', this.onExit);
  }

  driverTakenBy(): LockInfo | undefined {
    if (!this.ownerLock || this.closed) return undefined;
    const now = readLockInfo(this.ownerLock.path);
    return now && now.token !== this.ownerLock.info.token ? now : undefined;
  }

  evidencePath(item: string, attempt: number, check?: string): string {
    const d = join(this.dir, 'evidence', safeName(item));
    mkdirShared(d);
    return join(d, `${Math.max(0, Math.trunc(attempt))}${check ? '-' + safeName(check) : ''}.log`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopFollowing();
    this.followers = 0;
    this.listeners.clear();
    await this.appendQueue;
    await this.syncQueue;
    this.ownerLock?.release();
    process.removeListener('exit', this.onExit);
    this.store.dispose();
  }
}

/** A holder whose terminal has had no input for this long may be replaced (after the operator confirms). */
export const TAKEOVER_IDLE_MS = 10 * 60_000;

const minutes = (ms: number) => (ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`);

/** What is known about a busy holder, and whether the driver role may be taken from it. */
function holderState(h: LockInfo | undefined): { text: string; mayTake: boolean } {
  if (!h) return { text: 'The lock file cannot be read.', mayTake: true };
  if (h.host !== hostname())
    return { text: `It is held from another host (${h.host}): whether that process is still there cannot be told from here.`, mayTake: true };
  const idle = holderIdleMs(h);
  if (idle === 'gone') return { text: `Its terminal ${String(h.tty)} is gone.`, mayTake: true };
  if (idle === undefined) return { text: 'It has no terminal (a headless run).', mayTake: false };
  return { text: `Its terminal ${String(h.tty)} has had no input for ${minutes(idle)}.`, mayTake: idle >= TAKEOVER_IDLE_MS };
}

function takeOwnerLock(session: LocalSession, o: { mode: string; operator: string; takeOver?: boolean }): void {
  const path = join(session.dir, OWNER_LOCK);
  const extra = { mode: o.mode, operator: o.operator, tty: ownTty() };
  const r = tryLock(path, extra);
  let lock: HeldLock;
  if ('busy' in r) {
    const st = holderState(r.busy);
    const refuse = (why: string) =>
      new LockBusyError(
        `session ${session.id} is driven by ${describeHolder(r.busy)}. ${st.text} ${why} ` +
          `To follow it meanwhile: readiness-tui watch --session ${session.dir} (sign-offs, waivers and notes work there too). Lock file: ${path}`,
        r.busy,
      );
    if (!st.mayTake) throw refuse(`Only one TUI or run drives a session: it can be taken over once its terminal has had no input for ${minutes(TAKEOVER_IDLE_MS)}.`);
    if (!o.takeOver) throw refuse('To take the driver role from it, run again with --take-over (journaled; the old holder becomes a watcher).');
    const l = r.busy && replaceLock(path, r.busy, extra);
    if (!l) throw refuse('The lock changed while it was being taken over: try again.');
    lock = l;
    session.takeover = `took over the driver role from ${describeHolder(r.busy)} (confirmed with --take-over): ${st.text}`;
  } else {
    lock = r.lock;
    if (lock.tookOver) session.takeover = `took over the driver role from ${describeHolder(lock.tookOver)}: that process is gone`;
  }
  if (session.takeover) {
    session.warnings.push(session.takeover);
    session.store.message('warn', session.takeover);
  }
  session.setOwnerLock(lock);
}

export interface SessionSummary {
  id: string;
  dir: string;
  checklist?: SessionStartData['checklist'];
  /** started with --rehearsal */
  rehearsal?: boolean;
  startedAt?: string;
  lastEventAt?: string;
  records: number;
  closed: boolean;
  /** the decision of session.close, else the last recorded decision event */
  decision?: string;
  problems: JournalProblem[];
  warnings: string[];
  /** the live owner (TUI or run) if one holds the session */
  owner?: LockInfo;
}

/** Journals above this size are summarised from their first line and their tail when not verifying. */
const QUICK_SUMMARY_BYTES = 512 * 1024;

async function readRange(path: string, start: number, length: number): Promise<Buffer> {
  const fh = await fsp.open(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await fh.read(buf, 0, length, start);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function parseLine(b: Buffer): JournalRecord | undefined {
  try {
    const r = JSON.parse(b.toString('utf8')) as JournalRecord;
    return r && typeof r === 'object' && typeof r.type === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
}

/** The records a summary needs (first and last ones), without reading and verifying a big journal in full. */
async function summaryRecords(
  path: string,
  verify: boolean,
): Promise<{ first?: JournalRecord; tail: JournalRecord[]; count: number; problems: JournalProblem[]; warnings: string[] } | undefined> {
  let size: number;
  try {
    size = (await fsp.stat(path)).size;
  } catch {
    return undefined;
  }
  if (verify || size <= QUICK_SUMMARY_BYTES) {
    const j = await readJournal(path);
    return { first: j.records[0], tail: j.records, count: j.records.length, problems: j.problems, warnings: j.warnings };
  }
  const head = await readRange(path, 0, 64 * 1024);
  const nl = head.indexOf(0x0a);
  const first = nl >= 0 ? parseLine(head.subarray(0, nl)) : undefined;
  const tailBuf = await readRange(path, size - QUICK_SUMMARY_BYTES, QUICK_SUMMARY_BYTES);
  const parts: Buffer[] = [];
  let at = tailBuf.indexOf(0x0a) + 1; // skip the partial first line
  for (let e = tailBuf.indexOf(0x0a, at); e >= 0; e = tailBuf.indexOf(0x0a, at)) {
    parts.push(tailBuf.subarray(at, e));
    at = e + 1;
  }
  const tail = parts.map(parseLine).filter((r): r is JournalRecord => Boolean(r));
  const last = tail[tail.length - 1];
  return { first, tail, count: last && Number.isSafeInteger(last.seq) ? last.seq + 1 : 0, problems: [], warnings: [] };
}

/**
 * Every session under a state dir, oldest first. `verify` (default true) checks each journal's whole chain (for
 * `info`); without it big journals are summarised from their first line and tail (finding the session to open —
 * opening it verifies it anyway).
 */
export async function listSessions(stateDir: string, o: { verify?: boolean } = {}): Promise<SessionSummary[]> {
  const root = join(resolve(stateDir), SESSIONS_DIR);
  let names: string[];
  try {
    names = (await fsp.readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
  const out: SessionSummary[] = [];
  for (const id of names) {
    const dir = join(root, id);
    const j = await summaryRecords(join(dir, JOURNAL_FILE), o.verify ?? true);
    if (!j) continue; // not a session directory (or one that crashed before its first record)
    const start = j.first?.type === 'session.start' ? j.first : undefined;
    const close = [...j.tail].reverse().find((r) => r.type === 'session.close');
    const lastDecision = [...j.tail].reverse().find((r) => r.type === 'decision');
    const owner = readLockInfo(join(dir, OWNER_LOCK));
    out.push({
      id,
      dir,
      checklist: (start?.data as SessionStartData | undefined)?.checklist,
      ...((start?.data as SessionStartData | undefined)?.rehearsal ? { rehearsal: true } : {}),
      startedAt: start?.ts,
      lastEventAt: j.tail[j.tail.length - 1]?.ts,
      records: j.count,
      closed: Boolean(close),
      decision: ((close ?? lastDecision)?.data as { decision?: string } | undefined)?.decision,
      problems: j.problems,
      warnings: j.warnings,
      owner: owner && (owner.host !== hostname() || pidAlive(owner.pid)) ? owner : undefined,
    });
  }
  return out.sort((a, b) => (a.startedAt ?? '').localeCompare(b.startedAt ?? '') || a.id.localeCompare(b.id));
}

/** One line naming a session for a choice: id, checklist, driver, start time, and how to pick it. */
export function describeSession(s: SessionSummary): string {
  const driver = s.owner ? `driven by ${describeHolder(s.owner)}` : 'no driver now';
  return `${s.id} (checklist ${s.checklist?.name ?? '?'}, ${driver}, started ${s.startedAt ?? '?'}): --session ${s.dir}`;
}

/** The latest (unfinished) session directory in a state dir, optionally for one checklist name. */
export async function findSession(
  stateDir: string,
  o: { checklistName?: string; unfinished?: boolean } = {},
): Promise<string | undefined> {
  const all = await listSessions(stateDir, { verify: false });
  const hits = all.filter(
    (s) => (!o.checklistName || s.checklist?.name === o.checklistName) && (!o.unfinished || !s.closed),
  );
  return hits[hits.length - 1]?.dir;
}

/** who opens the session and with which key (journaled in session.start / session.resume) */
function operatorOf(o: { operator: string; operatorKey?: string }): SessionStartData['operator'] {
  return { principal: o.operator, ...(o.operatorKey ? { keyFingerprint: o.operatorKey } : {}) };
}

function sessionStartData(id: string, o: OpenSessionOptions): SessionStartData {
  const { vars, secrets } = runVars(o.vars, o.secretVars);
  return {
    sessionId: id,
    checklist: {
      name: o.checklist.name,
      title: o.checklist.title,
      path: o.checklist.source.path,
      sha256: o.checklist.source.sha256,
    },
    vars,
    secretVars: [...o.secretVars].sort(),
    ...(Object.keys(secrets).length ? { secrets } : {}),
    kube: o.kube,
    host: hostname(),
    tool: { name: 'readiness-tui', version: VERSION, node: process.version },
    sandbox: o.sandbox ? true : undefined,
    standIns: o.standIns?.length ? o.standIns : undefined,
    rehearsal: o.rehearsal ? true : undefined,
    mode: o.mode,
    operator: operatorOf(o),
  };
}

async function createSession(stateDir: string, o: OpenSessionOptions): Promise<LocalSession> {
  const root = join(stateDir, SESSIONS_DIR);
  mkdirShared(root);
  let id = '';
  let dir = '';
  for (let i = 0; ; i++) {
    id = newSessionId();
    dir = join(root, id);
    try {
      await fsp.mkdir(dir);
      sharePath(dir, 'dir');
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || i > 20) throw err;
    }
  }
  await fsyncDir(root);
  await writeFileDurably(join(dir, CHECKLIST_FILE), o.checklist.source.bytes);
  const s = new LocalSession(id, dir, o.checklist, o.operator, o.operatorKey);
  if (o.owner) takeOwnerLock(s, o);
  try {
    await s.record({ type: 'session.start', data: sessionStartData(id, o) });
  } catch (err) {
    await s.close();
    throw err;
  }
  return s;
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

function sameSha(a: string | undefined, b: string): boolean {
  const norm = (x: string) => x.replace(/^sha256:/, '').toLowerCase();
  return a !== undefined && norm(a) === norm(b);
}

async function resumeSession(dir: string, o: OpenSessionOptions): Promise<LocalSession> {
  const id = basename(dir);
  const j = await readJournal(join(dir, JOURNAL_FILE));
  if (j.problems.length) {
    throw new JournalTamperError(
      join(dir, JOURNAL_FILE),
      j.problems,
      `Session ${id} cannot be resumed for writing. Keep it for audit, and start a new session with --new.`,
    );
  }
  const s = new LocalSession(id, dir, o.checklist, o.operator, o.operatorKey);
  s.resumed = true;
  // the owner lock first: if someone is driving this session, that is what the operator needs to hear
  if (o.owner) takeOwnerLock(s, o);
  const start = j.records[0]?.data as SessionStartData | undefined;
  if (!sameSha(start?.checklist?.sha256, o.checklist.source.sha256)) {
    await s.close();
    throw new UsageError(
      `the checklist changed since unfinished session ${id} started: it ran ${start?.checklist?.path ?? '?'} ` +
        `(sha256 ${start?.checklist?.sha256 ?? '?'}), now ${o.checklist.source.path} has sha256 ${o.checklist.source.sha256}. ` +
        `Resuming would mix results of two different checklists. Start a new session with --new ` +
        `(the old one stays in ${dir}).`,
    );
  }
  s.warnings.push(...j.warnings);
  for (const w of j.warnings) s.store.message('warn', w);
  s.load(j.records, j.validBytes, j.head);
  if (o.owner) {
    try {
      // the variables are part of the record: journaled, and what changed since the previous run is said
      const now = runVars(o.vars, o.secretVars);
      const before = s.store.store.getState().runVars;
      const changed = before ? varChanges(before, now) : [];
      await s.record({ type: 'session.resume', data: { pid: process.pid, mode: o.mode, operator: operatorOf(o), ...now, ...(changed.length ? { changed } : {}) } });
      if (changed.length) s.varChanges = changed;
      if (s.takeover) await s.record({ type: 'note', data: { text: s.takeover, by: o.operator } });
    } catch (err) {
      await s.close();
      throw err;
    }
  }
  return s;
}

function withAccessCheck(s: LocalSession): LocalSession {
  s.checkGroupAccess();
  return s;
}

/** Create a session, or resume the latest unfinished one of the same checklist in the state dir (unless `fresh`). */
export async function openSession(o: OpenSessionOptions): Promise<Session> {
  const stateDir = resolve(o.stateDir);
  mkdirShared(join(stateDir, SESSIONS_DIR));
  // find-or-create is atomic across processes: two TUIs started at once end up on one session (the second is
  // refused by its owner lock) instead of two parallel sessions of the same checklist
  const guard = await acquireLock(join(stateDir, SESSIONS_DIR, OPEN_LOCK), { timeoutMs: 10_000, what: 'session open lock' });
  try {
    if (!o.fresh) {
      const dir = await findSession(stateDir, { checklistName: o.checklist.name, unfinished: true });
      if (dir) return withAccessCheck(await resumeSession(dir, o));
    }
    const others = (await listSessions(stateDir, { verify: false })).filter((s) => !s.closed && s.checklist?.name === o.checklist.name);
    const s = withAccessCheck(await createSession(stateDir, o));
    if (others.length) {
      // never a silent second session: say which one is already open, and what the others now have to choose
      const w =
        `started a second open session ${s.id} of checklist ${o.checklist.name} (--new); already open: ` +
        others.map(describeSession).join('; ') +
        `. \`signoff\`, \`waive\`, \`note\`, \`report\` and \`watch\` now ask which one (--session DIR).`;
      s.warnings.push(w);
      s.store.message('warn', w);
    }
    return s;
  } finally {
    guard.release();
  }
}

/** Load the exact checklist a session ran (checklist.yaml in its directory), with a clear error. */
export async function loadSessionChecklist(dir: string): Promise<Checklist> {
  const file = join(dir, CHECKLIST_FILE);
  try {
    await fsp.access(file);
  } catch {
    throw new UsageError(`session ${dir} has no ${CHECKLIST_FILE}: not a session directory, or it was damaged`);
  }
  try {
    return await loadChecklist(file, KINDS);
  } catch (err) {
    if (err instanceof ChecklistError) {
      throw new UsageError(`the checklist of session ${dir} could not be loaded:\n${err.message}`);
    }
    throw err;
  }
}

/**
 * A session's checklist (the copy it pinned) and the file it was loaded from (session.start), to resolve the paths the
 * checklist names relative to that file. Undefined when `dir` holds no session journal (opening it says so).
 */
export async function sessionChecklistOrigin(dir: string): Promise<{ checklist: Checklist; file: string } | undefined> {
  const abs = resolve(dir);
  const j = await summaryRecords(join(abs, JOURNAL_FILE), false);
  const start = j?.first?.type === 'session.start' ? (j.first.data as SessionStartData) : undefined;
  if (!start?.checklist?.path) return undefined;
  return { checklist: await loadSessionChecklist(abs), file: start.checklist.path };
}

/**
 * Open an existing session directory without the owner lock (for `signoff`, `waive`, `note`, `report`). Refuses a
 * journal that fails its integrity check. `checklist` may be given to skip loading checklist.yaml.
 */
export async function openSessionDir(dir: string, o: { operator: string; operatorKey?: string; checklist?: Checklist }): Promise<Session> {
  const abs = resolve(dir);
  const jp = join(abs, JOURNAL_FILE);
  try {
    await fsp.access(jp);
  } catch {
    throw new UsageError(`no session at ${abs}: ${JOURNAL_FILE} not found`);
  }
  const j = await readJournal(jp);
  if (j.problems.length) {
    throw new JournalTamperError(jp, j.problems, `Session ${basename(abs)} cannot be written to; keep it for audit.`);
  }
  if (j.records[0]?.type !== 'session.start') {
    throw new JournalTamperError(jp, [{ line: 1, message: 'the first record is not session.start' }]);
  }
  const checklist = o.checklist ?? (await loadSessionChecklist(abs));
  const pinned = (j.records[0].data as SessionStartData).checklist?.sha256;
  if (!o.checklist && !sameSha(pinned, checklist.source.sha256)) {
    throw new UsageError(
      `${join(abs, CHECKLIST_FILE)} (sha256 ${checklist.source.sha256}) is not the checklist this session ran ` +
        `(session.start pins ${pinned ?? 'nothing'}): it was replaced or edited, so its rules cannot be trusted. Nothing was recorded.`,
    );
  }
  const s = new LocalSession(basename(abs), abs, checklist, o.operator, o.operatorKey);
  s.warnings.push(...j.warnings);
  s.load(j.records, j.validBytes, j.head);
  return withAccessCheck(s);
}

export interface Replay {
  checklist: Checklist;
  state: SessionState;
  records: JournalRecord[];
  /** raw accepted lines, index = seq */
  lines: string[];
  head: string | null;
  warnings: string[];
  /** integrity problems (tampering); the state is still replayed from what could be parsed */
  problems: JournalProblem[];
}

/** Read-only replay of a session directory into the pure session state (report, verify, info). */
export async function replaySession(dir: string, o: { checklist?: Checklist } = {}): Promise<Replay> {
  const abs = resolve(dir);
  const j = await readJournal(join(abs, JOURNAL_FILE));
  const checklist = o.checklist ?? (await loadSessionChecklist(abs));
  const problems = [...j.problems];
  const start = j.records[0]?.type === 'session.start' ? (j.records[0].data as SessionStartData) : undefined;
  if (!start) problems.push({ line: 1, message: 'the first record is not session.start' });
  try {
    const bytes = await fsp.readFile(join(abs, CHECKLIST_FILE));
    if (start && !sameSha(start.checklist?.sha256, sha256(bytes))) {
      problems.push({
        line: 1,
        message: `${CHECKLIST_FILE} (sha256 ${sha256(bytes)}) is not the checklist pinned by session.start (${start.checklist?.sha256})`,
      });
    }
  } catch {
    if (!o.checklist) problems.push({ line: 0, message: `${CHECKLIST_FILE} is missing` });
  }
  let state = initialState(checklist);
  for (const r of j.records) {
    try {
      state = reduce(state, toEvent(r), r.seq, checklist);
    } catch (err) {
      problems.push({ line: r.seq + 1, message: `cannot be applied (${r.type}): ${(err as Error).message}` });
    }
  }
  return { checklist, state, records: j.records, lines: j.lines, head: j.head, warnings: j.warnings, problems };
}

/**
 * A resumed session stays what it was started as: a rehearsal is not continued as the real run, nor the other way
 * round (the session is closed again and nothing is recorded).
 */
export async function refuseRehearsalMix(session: Session, rehearsal: boolean | undefined): Promise<void> {
  const was = Boolean(session.store.store.getState().start?.rehearsal);
  if (!session.resumed || was === Boolean(rehearsal)) return;
  await session.close();
  throw new UsageError(
    `the unfinished session ${session.id} was started ${was ? 'as a rehearsal' : 'as the real run'}: ` +
      `${was ? 'pass --rehearsal to continue it' : 'it cannot be continued with --rehearsal'}, or start another with --new`,
  );
}
