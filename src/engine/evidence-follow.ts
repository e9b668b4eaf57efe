/**
 * A watcher's live output: the driver's checks write their evidence files (evidence/<item>/<attempt>[-<check>].log)
 * as they run; a watcher (another process, maybe another user of the state dir's group) follows those files for
 * every item its store shows running, and feeds what they gain into its own store through the same OutputFeed the
 * runner uses (sanitized lines, bounded). Polled every POLL_MS: within a second of the driver, on any filesystem;
 * when an item's result arrives, its files are read to the end at once, so its output is complete when it shows.
 *
 * Evidence holds stdout and stderr as they arrived, in one file: the watcher shows them as one stream.
 */
import { closeSync, openSync, readdirSync, readSync, fstatSync } from 'node:fs';
import { join } from 'node:path';
import { allItems } from '../checklist/model.js';
import { credentialMasker } from './credential-mask.js';
import { OutputFeed } from './output-feed.js';
import { safeName } from './session.js';
import type { SessionStore } from './store.js';

export const POLL_MS = 250;
/** a watcher that arrives late starts this far before the end of a file */
export const TAIL_BYTES = 64 * 1024;
/** at most this much is read per file per poll (the rest on the next ones; the feed keeps a window anyway) */
const READ_BYTES = 1024 * 1024;

interface Followed {
  item: string;
  /** where the next read starts; -1 before the first look */
  offset: number;
}

export interface EvidenceFollower {
  /** read what is new now (the poll does this every POLL_MS) */
  poll(): void;
  stop(): void;
}

export function followEvidence(sessionDir: string, live: SessionStore, o: { pollMs?: number } = {}): EvidenceFollower {
  const verbatim = new Set(allItems(live.checklist).filter((i) => i.maskCredentials === false).map((i) => i.id));
  // the watcher masks credential-shaped lines like the driver's screen does (the evidence file itself is not masked)
  const feed = new OutputFeed((e) => live.apply(e), false, (id) => (verbatim.has(id) ? undefined : credentialMasker.mask));
  /** file path → where we are */
  const files = new Map<string, Followed>();
  /** the attempt of each running item whose files are followed */
  const attemptOf = new Map<string, number>();
  const buf = Buffer.alloc(READ_BYTES);

  const readNew = (file: string, f: Followed) => {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch {
      return;
    }
    try {
      const size = fstatSync(fd).size;
      if (f.offset < 0) f.offset = Math.max(0, size - TAIL_BYTES); // first look: a late watcher gets the tail
      if (size < f.offset) f.offset = 0; // replaced: read again from the start
      while (f.offset < size) {
        const n = readSync(fd, buf, 0, Math.min(READ_BYTES, size - f.offset), f.offset);
        if (n <= 0) break;
        feed.bytes(f.item, 'stdout', buf.subarray(0, n));
        f.offset += n;
        if (n === READ_BYTES) break;
      }
    } finally {
      closeSync(fd);
    }
  };

  const filesOf = (item: string, attempt: number): string[] => {
    const dir = join(sessionDir, 'evidence', safeName(item));
    try {
      return readdirSync(dir)
        .filter((n) => n === `${attempt}.log` || (n.startsWith(`${attempt}-`) && n.endsWith('.log')))
        .map((n) => join(dir, n));
    } catch {
      return [];
    }
  };

  const poll = () => {
    const items = live.store.getState().items;
    // items no longer running: read their files to the end once more, flush, forget
    for (const [file, f] of [...files]) {
      const st = items[f.item];
      if (st?.running && attemptOf.get(f.item) === st.attempt) continue;
      readNew(file, f);
      feed.flush(f.item, true);
      files.delete(file);
    }
    for (const [id, st] of Object.entries(items)) {
      if (!st.running) {
        attemptOf.delete(id);
        continue;
      }
      attemptOf.set(id, st.attempt);
      for (const file of filesOf(id, st.attempt)) if (!files.has(file)) files.set(file, { item: id, offset: -1 });
    }
    for (const [file, f] of files) readNew(file, f);
  };

  // a followed item that stops running (its result came in from the journal) gets its last bytes read at once, not
  // at the next poll: the watcher never shows a result above an output that is still missing its end
  let polling = false;
  const pollOnce = () => {
    if (polling) return;
    polling = true;
    try {
      poll();
    } finally {
      polling = false;
    }
  };
  const unsubscribe = live.store.subscribe((s) => {
    for (const f of files.values()) {
      if (!s.items[f.item]?.running || s.items[f.item]?.attempt !== attemptOf.get(f.item)) return pollOnce();
    }
  });
  const timer = setInterval(pollOnce, o.pollMs ?? POLL_MS);
  timer.unref();
  pollOnce();
  return {
    poll: pollOnce,
    stop() {
      clearInterval(timer);
      unsubscribe();
      feed.dispose();
    },
  };
}
