/**
 * Watch the file-system calls of journal appends through src/engine/journal.ts's one seam (`journalFs.open`):
 * every open, write, truncate, fsync and close on a journal file handle is logged in the order it completes, as
 * "<call> <basename>". Re-reading the file cannot show durability (that reads the page cache); the order of these
 * calls can.
 */
import path from 'node:path';
import { journalFs } from '../../src/engine/journal.js';

const LOGGED = new Set(['write', 'sync', 'datasync', 'truncate', 'close']);

export async function watchJournalFs(fn: (calls: string[]) => Promise<void>): Promise<string[]> {
  const calls: string[] = [];
  const real = journalFs.open;
  journalFs.open = async (p, flags, mode) => {
    const fh = await real(p, flags, mode);
    const name = path.basename(p);
    calls.push(`open ${name}`);
    return new Proxy(fh, {
      get(target, prop) {
        const v = Reflect.get(target, prop, target) as unknown;
        if (typeof v !== 'function') return v;
        return async (...args: unknown[]) => {
          const r = await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          if (LOGGED.has(String(prop))) calls.push(`${String(prop)} ${name}`);
          return r;
        };
      },
    });
  };
  try {
    await fn(calls);
    return calls;
  } finally {
    journalFs.open = real;
  }
}
