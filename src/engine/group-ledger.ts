/**
 * Process groups of checks, recorded in the session so that a runner that died (SIGKILL, power loss) does not leave
 * them running unnoticed.
 *
 * While a check's group may run, `<session>/process-groups/<pgid>.json` names it, the runner (pid and start time)
 * and the command; the file is removed once the group is gone. At the next start, findOrphanGroups() looks through
 * every session of the state dir: a file whose runner is no longer alive and whose group still has members is an
 * orphan group, reported and (headless: by default) terminated with SIGTERM, then SIGKILL after the grace period.
 * A file whose group is gone is removed quietly. Linux only (/proc); elsewhere nothing is recorded or found.
 *
 * A pgid cannot be handed to a new process while its group has members, so members found for a recorded pgid are
 * the check's own (or its children's).
 */
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { groupMembers, procStartTime, terminateGroup, watchGroups } from '../process/spawn.js';
import { mkdirShared, shareFd } from './shared-files.js';

const DIR = 'process-groups';

interface LedgerEntry {
  pgid: number;
  runner: { pid: number; start?: string };
  command: string;
  startedAt: string;
}

export interface OrphanGroup {
  pgid: number;
  command: string;
  startedAt: string;
  runnerPid: number;
  /** members found when it was looked at */
  pids: number[];
  session: string;
  terminated: boolean;
}

const SUPPORTED = process.platform === 'linux' && existsSync('/proc/self/stat');

/**
 * Record every check group this process starts in `sessionDir` until it is gone; returns a function to stop.
 * `redact` masks secret values in the command line before it is written.
 */
export function recordGroupsIn(sessionDir: string, redact: (s: string) => string, now: () => Date = () => new Date()): () => void {
  if (!SUPPORTED) return () => undefined;
  const dir = path.join(sessionDir, DIR);
  mkdirShared(dir); // another member's next run reads these records and removes them
  const runner = { pid: process.pid, start: procStartTime(process.pid) };
  watchGroups({
    started(pgid, command) {
      const entry: LedgerEntry = { pgid, runner, command: redact(command).slice(0, 300), startedAt: now().toISOString() };
      try {
        // durable before the check does anything: a power loss must not lose the record of a running group
        const fd = openSync(path.join(dir, `${pgid}.json`), 'w', 0o666);
        try {
          shareFd(fd, 'file');
          writeSync(fd, JSON.stringify(entry) + '\n');
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      } catch {
        // the session dir went away (or is full): the check still runs; only the orphan search loses it
      }
    },
    ended(pgid) {
      rmSync(path.join(dir, `${pgid}.json`), { force: true });
    },
  });
  return () => watchGroups(undefined);
}

function runnerAlive(r: LedgerEntry['runner']): boolean {
  if (r.pid === process.pid) return true;
  const start = procStartTime(r.pid);
  return start !== undefined && (r.start === undefined || start === r.start);
}

/**
 * Groups recorded under `stateDir/sessions/*` whose runner is gone but which still have members; with `terminate`
 * they are stopped (SIGTERM, SIGKILL after `graceMs`). Records of groups that are gone are removed. `only`: look at
 * these pgids alone (the TUI terminates exactly the groups it showed the operator, none found since).
 */
export async function findOrphanGroups(stateDir: string, o: { terminate: boolean; graceMs?: number; only?: number[] }): Promise<OrphanGroup[]> {
  if (!SUPPORTED) return [];
  const sessions = path.join(stateDir, 'sessions');
  const found: OrphanGroup[] = [];
  let ids: string[] = [];
  try {
    ids = readdirSync(sessions);
  } catch {
    return [];
  }
  for (const id of ids) {
    const dir = path.join(sessions, id, DIR);
    let files: string[] = [];
    try {
      files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    } catch {
      continue;
    }
    for (const f of files) {
      let e: LedgerEntry;
      try {
        e = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as LedgerEntry;
        if (!Number.isSafeInteger(e.pgid) || e.pgid <= 1) throw new Error('no pgid');
      } catch {
        rmSync(path.join(dir, f), { force: true }); // half-written when the power went: nothing to go by
        continue;
      }
      if (runnerAlive(e.runner) || (o.only && !o.only.includes(e.pgid))) continue;
      const pids = groupMembers(e.pgid);
      if (pids.length && o.terminate) await terminateGroup(e.pgid, o.graceMs ?? 3000);
      if (pids.length)
        found.push({ pgid: e.pgid, command: e.command, startedAt: e.startedAt, runnerPid: e.runner.pid, pids, session: id, terminated: o.terminate });
      if (!pids.length || o.terminate) rmSync(path.join(dir, f), { force: true });
    }
  }
  return found;
}

/** One line for an orphan group found at start. */
export function describeOrphan(g: OrphanGroup): string {
  const n = g.pids.length;
  return (
    `process group ${g.pgid} of a check (${g.command}) started ${g.startedAt} by readiness-tui pid ${g.runnerPid}, which is gone, ` +
    `was still running: ${n} process${n === 1 ? '' : 'es'} (pids ${g.pids.join(', ')})${g.terminated ? '; terminated' : '; left running'}`
  );
}
