/**
 * src/process/ is a room below the checks and the engine (both spawn through it): it imports nothing from the other
 * rooms of src/.
 *
 * Child processes of checks, and the one path their output takes: each runs in its OWN process group, and the whole
 * group is killed on timeout or cancel (SIGTERM, then SIGKILL after a grace period), and when the main child exits
 * while helpers it started in the background still run. No orphans survive a check.
 *
 * execa 9 is used with `detached: true` (new process group), `buffer: false` (output is streamed to the caller,
 * never accumulated) and `cleanup: true`. execa skips its exit cleanup for detached children, so this module keeps
 * its own registry of live groups and SIGKILLs them when the readiness-tui process exits (killAllGroups()).
 *
 * Output: the child's stdout and stderr are two pipes read by this process, and every chunk goes to onData as it is
 * read; the check run (engine/check-run.ts, CheckContext.write) hands it to the evidence writer (engine/evidence.ts:
 * secrets masked, written, hashed) and then to the live pane (engine/output-feed.ts). Pipes rather than the child
 * writing its own files (`>out 2>err`) because every byte then passes through one place before it reaches the disk:
 * secrets are masked before they are written, the output limit and free-space reserve stop a flood at once, and the
 * pane needs no second reader following a file. onData handles a chunk synchronously (the evidence write included),
 * so while this process is behind, the kernel's pipe buffer fills and the child's writes wait: back-pressure, and no
 * output piles up in memory. The output is complete when both pipes reach end-of-file; a process that escaped the
 * group (setsid) but still holds a pipe cannot hold the check forever: once the main child has exited and its group
 * is gone, the pipes get DRAIN_MS to finish, then they are closed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';

/** after the child and its group are gone: how long what is left in the pipes may take to arrive */
const DRAIN_MS = 2000;

export interface SpawnOptions {
  /** executable (for a shell line: "/bin/sh" with args ["-c", line]) */
  file: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** aborting kills the whole process group */
  signal?: AbortSignal;
  /** ms between SIGTERM and SIGKILL (default 3000) */
  killGraceMs?: number;
  /** Output as it is read from the pipes, in the order read. Copy what you keep beyond the call. */
  onData(chunk: Buffer, stream: 'stdout' | 'stderr'): void;
}

export interface SpawnResult {
  /** undefined when the process was killed by a signal or could not start */
  exitCode?: number;
  signal?: string;
  durationMs: number;
  /** the process could not be started at all (ENOENT, EACCES …) */
  spawnError?: { code?: string; message: string };
  /** we killed the group because `signal` aborted */
  aborted: boolean;
  /** reading the output failed part-way (an I/O error): what onData received is incomplete */
  outputLost?: string;
  pid?: number;
  /** processes of the check still alive after its group was stopped: they left the group (setsid), Linux only */
  escaped?: number[];
}

/** Told when a check's process group starts and when it is gone (engine/group-ledger.ts records them). */
export interface GroupWatch {
  started(pgid: number, command: string): void;
  ended(pgid: number): void;
}

let watch: GroupWatch | undefined;

export function watchGroups(w: GroupWatch | undefined): void {
  watch = w;
}

const PROC = process.platform === 'linux';

/** /proc/<pid>/stat split after the command (which may hold spaces and parentheses) */
function statFields(pid: number | string): string[] | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The start time of a process (clock ticks since boot), to tell it from a later one with the same pid. Linux. */
export function procStartTime(pid: number): string | undefined {
  return PROC ? statFields(pid)?.[19] : undefined;
}

/** The live members of process group `pgid` (zombies left out). Linux; elsewhere []. */
export function groupMembers(pgid: number): number[] {
  if (!PROC) return [];
  const out: number[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const f = statFields(pid);
    if (f && Number(f[2]) === pgid && f[0] !== 'Z') out.push(Number(pid));
  }
  return out;
}

/** Processes that carry `marker` in their environment (a check's, so its own and its children's). Linux. */
async function processesMarked(marker: string): Promise<number[]> {
  if (!PROC) return [];
  const pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid);
  const needle = Buffer.from(`${MARKER_VAR}=${marker}\0`);
  const hits = await Promise.all(
    pids.map(async (p) => {
      try {
        return (await readFile(`/proc/${p}/environ`)).includes(needle) && statFields(p)?.[0] !== 'Z' ? Number(p) : 0;
      } catch {
        return 0;
      }
    }),
  );
  return hits.filter((p) => p > 0);
}

/** every check process gets a marker in its environment, by which processes that left its group are found */
const MARKER_VAR = 'READINESS_CHECK_RUN';

const live = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => killAllGroups('SIGKILL'));
}

function killGroup(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, sig);
    return true;
  } catch {
    return false; // ESRCH: the group is gone
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Kill every process group this process started and that may still run (used on exit and by `run --ci` on SIGINT). */
export function killAllGroups(sig: NodeJS.Signals = 'SIGKILL'): void {
  for (const pid of live) killGroup(pid, sig);
  if (sig === 'SIGKILL') live.clear();
}

/** process group ids still registered (for tests and diagnostics) */
export function liveGroups(): number[] {
  return [...live];
}

/** SIGTERM the group, then SIGKILL after the grace period if anything in it is still alive. */
export function terminateGroup(pid: number, graceMs: number): Promise<void> {
  if (!killGroup(pid, 'SIGTERM')) {
    live.delete(pid);
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const started = Date.now();
    const poll = () => {
      if (!groupAlive(pid)) {
        live.delete(pid);
        resolve();
        return;
      }
      if (Date.now() - started >= graceMs) {
        killGroup(pid, 'SIGKILL');
        live.delete(pid);
        resolve();
        return;
      }
      setTimeout(poll, Math.min(50, graceMs));
    };
    setTimeout(poll, Math.min(20, graceMs));
  });
}

/** resolves when `r` has ended or closed; after `limit` ms (once armed) it is destroyed instead */
function ended(r: Readable | null | undefined): { done: Promise<void>; arm(limit: number): void } {
  if (!r || r.destroyed || r.readableEnded) return { done: Promise.resolve(), arm: () => undefined };
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<void>((resolve) => {
    const fin = () => {
      if (timer) clearTimeout(timer);
      resolve();
    };
    r.once('end', fin);
    r.once('close', fin);
    r.once('error', fin);
  });
  return {
    done,
    arm(limit) {
      timer ??= setTimeout(() => r.destroy(), limit);
    },
  };
}

/** how every check's process is started (see the module comment) */
const SPAWN_OPTIONS = {
  extendEnv: false,
  detached: true,
  buffer: false,
  cleanup: true,
  reject: false,
  stdin: 'ignore',
} as const;

// execa is loaded on first use (`validate`, `kinds` and the TUI's first frame never need it)
let execaModule: Promise<typeof import('execa')> | undefined;
const loadExeca = () => (execaModule ??= import('execa'));

export async function spawnGroup(o: SpawnOptions): Promise<SpawnResult> {
  installExitHook();
  const grace = o.killGraceMs ?? 3000;
  const t0 = performance.now();
  if (o.signal?.aborted) return { aborted: true, durationMs: 0 };
  const { execa } = await loadExeca();
  // every check process carries a marker in its environment, by which processes that left its group are found
  const marker = randomUUID();
  const env = { ...(o.env ?? process.env), [MARKER_VAR]: marker };
  const child = execa(o.file, o.args, { ...SPAWN_OPTIONS, cwd: o.cwd, env, stdout: 'pipe', stderr: 'pipe', stripFinalNewline: false });
  const pid = child.pid;
  if (pid) {
    live.add(pid);
    watch?.started(pid, [o.file, ...o.args].join(' '));
  }
  let aborted = false;
  let killing: Promise<void> | undefined;
  const onAbort = () => {
    aborted = true;
    if (pid && !killing) killing = terminateGroup(pid, grace);
  };
  o.signal?.addEventListener('abort', onAbort, { once: true });
  let outputLost: string | undefined;
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream]?.on('data', (d: Buffer) => o.onData(d, stream));
    child[stream]?.on('error', (e: Error) => (outputLost ??= `${stream}: ${e.message}`));
  }
  const outEnded = ended(child.stdout);
  const errEnded = ended(child.stderr);
  // the main child exited: anything it left running in its group is an orphan-to-be; stop it (helpers that keep
  // our pipes open would otherwise hold the check until its timeout)
  child.on('exit', () => {
    if (pid && !killing && groupAlive(pid)) killing = terminateGroup(pid, grace);
  });
  // the main child is gone (or never started); execa's own promise also waits for the pipes to end, which a process
  // that escaped the group may hold open: wait for the exit, then give the pipes DRAIN_MS
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    // a spawn that failed synchronously (ENOTDIR, ENAMETOOLONG, E2BIG…) gives a child with no pid that never emits
    // 'exit' or 'error': its settled promise carries the cause
    if (!pid) void child.then(() => resolve());
  });
  o.signal?.removeEventListener('abort', onAbort);
  if (killing) await killing;
  if (pid) {
    live.delete(pid);
    watch?.ended(pid);
  }
  const found = processesMarked(marker);
  outEnded.arm(DRAIN_MS);
  errEnded.arm(DRAIN_MS);
  const [escaped] = await Promise.all([found, outEnded.done, errEnded.done]);
  const r = await child;
  const durationMs = Math.round(performance.now() - t0);
  const lost = outputLost ? { outputLost } : {};
  const cause = (r as { cause?: unknown }).cause as NodeJS.ErrnoException | undefined;
  if (r.exitCode === undefined && !r.signal && cause && typeof cause === 'object' && 'code' in cause) {
    return { aborted, durationMs, spawnError: { code: cause.code, message: cause.message }, pid, ...lost };
  }
  return { exitCode: r.exitCode, signal: r.signal, durationMs, aborted, pid, ...lost, ...(escaped.length ? { escaped } : {}) };
}
