/**
 * Processes a test run leaves behind. The global setup marks the run: READINESS_TEST_RUN=<id> in the environment,
 * which every test worker, and every process a test starts with (a copy of) that environment, inherits — detached,
 * `setsid` and reparented ones included. Whatever still carries the mark when the run ends is a leftover.
 * (A process started with an environment built from nothing is not seen; the suite's helpers copy process.env.)
 */
import { readdirSync, readFileSync } from 'node:fs';

export const RUN_MARK = 'READINESS_TEST_RUN';

export interface Leftover {
  pid: number;
  cmdline: string;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // gone, or not ours to read
  }
}

/** live (non-zombie) processes whose environment holds `READINESS_TEST_RUN=<id>`, except `exceptPids` */
export function markedProcesses(id: string, exceptPids: number[] = []): Leftover[] {
  const mark = `${RUN_MARK}=${id}`;
  const out: Leftover[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || exceptPids.includes(pid)) continue;
    const env = read(`/proc/${pid}/environ`);
    if (!env || !env.split('\0').includes(mark)) continue;
    const stat = read(`/proc/${pid}/stat`);
    // the state is the field after the parenthesised command name
    if (!stat || stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') continue;
    out.push({ pid, cmdline: (read(`/proc/${pid}/cmdline`) ?? '').split('\0').join(' ').trim() });
  }
  return out;
}

/** vitest's own worker processes carry the mark too; they are not leftovers of a test */
export const isVitestWorker = (l: Leftover) => /node_modules\/(vitest|tinypool)\//.test(l.cmdline);
