/**
 * The session: one directory under the state dir holding the hash-chained journal, the exact checklist bytes,
 * evidence and sign-off statements. Implemented in session.ts / journal.ts.
 *
 *   <stateDir>/sessions/<sessionId>/
 *     journal.jsonl        hash-chained canonical JSON, one record per line (see events.ts)
 *     checklist.yaml       the exact bytes that ran (sha256 in session.start)
 *     evidence/<item>/<attempt>[-<check>].log   full redacted output of each check run
 *     signoffs/<seq>-<principal>.json (+ .sig)  signed sign-off statements
 *     owner.lock           the process that runs checks (TUI or run --ci); a second one is refused
 *     journal.lock         held for the few ms of one append; any process (e.g. `signoff` from another shell) may append
 */
import type { Checklist } from '../checklist/model.js';
import type { VarChange } from './run-vars.js';
import type { JournalEvent, JournalRecord, KubeTargetInfo } from './events.js';
import type { LockInfo } from './lock.js';
import type { SessionState } from './session-state.js';
import type { SessionStore } from './store.js';

export interface OpenSessionOptions {
  checklist: Checklist;
  stateDir: string;
  /** start a new session even if an unfinished one exists */
  fresh?: boolean;
  mode: 'tui' | 'ci';
  /** resolved variables; secret ones are listed in secretVars and never journaled */
  vars: Record<string, string>;
  secretVars: string[];
  kube?: KubeTargetInfo;
  operator: string;
  /** the fingerprint of the operator's SSH key (--sign-key, else the agent's): recorded as who drives and runs */
  operatorKey?: string;
  sandbox?: boolean;
  /** demo sandbox: programs replaced by its own stand-ins (recorded in session.start) */
  standIns?: string[];
  /** a rehearsal of the real run (recorded in session.start) */
  rehearsal?: boolean;
  /** take the owner lock (runs checks). Commands like `signoff` open without it. */
  owner: boolean;
  /**
   * the operator confirmed taking the driver role from a holder whose terminal is idle or gone, or who holds it from
   * another host (--take-over); journaled as a note
   */
  takeOver?: boolean;
}

export interface RecordOptions {
  /**
   * The rule a deciding append must still meet (sign-off, waiver, final decision). Run while the journal lock is
   * held, after every record appended so far (by any process) was applied: it sees the journal as it is at the moment
   * of the append. Throwing refuses the event; nothing is recorded.
   */
  check?: (state: SessionState) => void;
}

export interface Session {
  id: string;
  dir: string;
  checklist: Checklist;
  store: SessionStore;
  operator: string;
  /** the fingerprint of the operator's SSH key, when one was found: every item.start of this process names it */
  operatorKey?: string;
  /** true when an unfinished session was resumed rather than created */
  resumed: boolean;
  /** a resumed session: the variables that differ from its previous run (journaled on session.resume; tell the operator) */
  varChanges?: VarChange[];
  /** problems found while loading (torn last line ignored, etc.) — shown to the operator */
  warnings: string[];
  /**
   * Append an event durably (canonical JSON, hash chain, fsync) and only then apply it to the store.
   * Resolves with the record's seq. Safe against other processes appending to the same journal.
   */
  record<E extends JournalEvent>(e: Omit<E, 'ts' | 'actor'> & { actor?: string; ts?: string }, o?: RecordOptions): Promise<JournalRecord>;
  /** Pick up records appended by other processes (a second operator's sign-off) and apply them to the store. */
  follow(onRecord?: (r: JournalRecord) => void): () => void;
  /** give up the owner lock (a handover): the session stays open for reading and contributing */
  releaseOwner(): void;
  /** the holder that took the driver role from this process (its owner lock now carries another token), if any */
  driverTakenBy(): LockInfo | undefined;
  /** directory for evidence files of an item attempt */
  evidencePath(item: string, attempt: number, check?: string): string;
  close(): Promise<void>;
}
