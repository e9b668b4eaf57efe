/**
 * Child processes of checks: each runs in its OWN process group, and the whole group is killed on timeout or
 * cancel (SIGTERM, then SIGKILL after a grace period), and when the main child exits while helpers it started in
 * the background still run. No orphans survive a check.
 *
 * execa 9 is used with `detached: true` (new process group), `buffer: false` (output is streamed to the caller,
 * never accumulated) and `cleanup: true`. execa skips its exit cleanup for detached children, so this module keeps
 * its own registry of live groups and SIGKILLs them when the readiness-tui process exits (killAllGroups()).
 *
 * The child's stdout is the evidence file itself when the caller passes a `stdoutSink` (evidence-direct.ts: followed
 * from the file, and before each stderr chunk is handed on, what stdout wrote until then is). Otherwise, and for
 * stderr always, the child's output goes to named pipes (FIFOs) when they can be made (engine/fifo.ts), else to
 * Node's pipes. stdout is read by a capture worker with blocking reads (capture-pump.ts: a flood costs the main
 * thread a wake-up per 256 KB instead of one per 8 KB), stderr on the main thread. With FIFOs the output is complete when both read
 * ends see end-of-file; a process that escaped the group (setsid) but still holds a write end cannot hold the check
 * forever: once the main child has exited and its group is gone, the readers get DRAIN_MS to finish, then they are
 * closed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { prewarmCapture, pumpPipe } from './capture-pump.js';
import type { StdoutSink } from './evidence-direct.js';
import { openFifos, type FifoChannel, type RunProgram } from './fifo.js';

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
  /**
   * Output as it arrives. `chunk` is valid only during the call: its memory is reused for the next read (a flood
   * then allocates nothing). Copy what you keep.
   */
  onData(chunk: Buffer, stream: 'stdout' | 'stderr'): void;
  /**
   * The child's stdout goes straight into this evidence file (evidence-direct.ts) instead of a pipe; its bytes are
   * read back from the file and handed to onData all the same.
   */
  stdoutSink?: StdoutSink;
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

// execa is loaded on first use (`validate`, `kinds` and the TUI's first frame never need it), or by prewarmSpawn()
let execaModule: Promise<typeof import('execa')> | undefined;
const loadExeca = () => (execaModule ??= import('execa'));

/**
 * stdout/stderr FIFO pairs made ahead of time, so that a check's start neither waits for `mkfifo` nor forks it while
 * another check's output streams in (a fork blocks the event loop for ~10 ms). prewarmSpawn() sets how many are kept;
 * a pair taken is made again after a check has ended. With none left, a check makes its own.
 */
const sparePairs: Promise<FifoChannel[] | undefined>[] = [];
let sparesWanted = 0;

/**
 * mkfifo through execa with the options a check gets: the first check then finds execa's code already run once
 * (its first call costs ~6 ms more)
 */
const runWithExeca: RunProgram = async (file, args) => {
  const { execa } = await loadExeca();
  const r = await execa(file, args, { ...SPAWN_OPTIONS, env: process.env, stdout: 'ignore', stderr: 'ignore', timeout: 5000 });
  return r.exitCode === 0;
};

function makeSpares(): void {
  const missing = sparesWanted - sparePairs.length;
  if (missing <= 0) return;
  // one mkfifo for all of them
  const made = openFifos(2 * missing, runWithExeca);
  for (let i = 0; i < missing; i++) sparePairs.push(made.then((ch) => ch?.slice(2 * i, 2 * i + 2)));
}

function takeFifos(): Promise<FifoChannel[] | undefined> {
  return sparePairs.shift() ?? openFifos(2, runWithExeca);
}

/**
 * Load what starting a check's process needs (execa, `pairs` FIFO pairs, a capture worker) ahead of the first
 * check: about 60 ms that would otherwise count in that check's time. The runner calls it when the checklist has
 * kinds that start processes, with as many pairs as checks may run at once.
 */
export function prewarmSpawn(pairs = 1): void {
  void loadExeca().catch(() => undefined);
  sparesWanted = Math.max(sparesWanted, pairs);
  makeSpares();
  prewarmCapture();
}

export async function spawnGroup(o: SpawnOptions): Promise<SpawnResult> {
  installExitHook();
  const grace = o.killGraceMs ?? 3000;
  const t0 = performance.now();
  if (o.signal?.aborted) return { aborted: true, durationMs: 0 };
  const [{ execa }, fifos] = await Promise.all([loadExeca(), takeFifos()]);
  const sink = o.stdoutSink;
  const [pairOut, err] = fifos ?? [];
  // with a sink the pair's stdout pipe is not needed
  const out = sink ? undefined : pairOut;
  if (sink) {
    pairOut?.closeWriteEnd();
    pairOut?.closeReadEnd();
  }
  let child: ReturnType<typeof execa>;
  const marker = randomUUID();
  try {
    child = execa(o.file, o.args, {
      ...SPAWN_OPTIONS,
      cwd: o.cwd,
      env: { ...(o.env ?? process.env), [MARKER_VAR]: marker },
      // execa's option types do not take `number | 'pipe'`; both are valid values
      stdout: (sink ? sink.fd : out ? out.writeFd : 'pipe') as 'pipe',
      stderr: (err ? err.writeFd : 'pipe') as 'pipe',
      stripFinalNewline: false,
    });
  } catch (e) {
    out?.closeReadEnd();
    err?.closeReadEnd();
    throw e;
  } finally {
    // the child has its own copies of the write ends now: ours must go, or the readers never see end-of-file
    sink?.closeChildEnd();
    out?.closeWriteEnd();
    err?.closeWriteEnd();
  }
  // stdout is read by a capture worker (capture-pump.ts) or followed in the evidence file (evidence-direct.ts),
  // stderr here
  const onStdout = (c: Buffer) => o.onData(c, 'stdout');
  const pumped = out ? pumpPipe(out.readFd, onStdout, () => out.reader(onStdout)) : undefined;
  sink?.follow(onStdout);
  const stdout: Readable | null = out || sink ? null : child.stdout;
  // what stdout had before a stderr chunk is handed over first, so the two streams keep their order
  const onStderr = (c: Buffer) => {
    pumped?.drain();
    sink?.catchUp();
    o.onData(c, 'stderr');
  };
  const stderr: Readable | null = err ? err.reader(onStderr) : child.stderr;
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
  // FIFO readers call onData themselves; Node's pipes are streams
  if (!out) stdout?.on('data', (d: Buffer) => o.onData(d, 'stdout'));
  if (!err) stderr?.on('data', onStderr);
  const outEnded = ended(stdout);
  const errEnded = ended(stderr);
  // the main child exited: anything it left running in its group is an orphan-to-be; stop it (helpers that keep
  // our pipes open would otherwise hold the check until its timeout)
  child.on('exit', () => {
    if (pid && !killing && groupAlive(pid)) killing = terminateGroup(pid, grace);
  });
  const r = await child;
  o.signal?.removeEventListener('abort', onAbort);
  if (killing) await killing;
  if (pid) {
    live.delete(pid);
    watch?.ended(pid);
  }
  const found = processesMarked(marker);
  outEnded.arm(DRAIN_MS);
  errEnded.arm(DRAIN_MS);
  pumped?.stopAfter(DRAIN_MS);
  const [escaped] = await Promise.all([found, outEnded.done, errEnded.done, pumped?.done, sink?.end()]);
  // the pair this check took is made again now, not while the next check's output streams in
  if (fifos) setImmediate(makeSpares);
  const lost = pumped?.error ? { outputLost: pumped.error } : {};
  const durationMs = Math.round(performance.now() - t0);
  const cause = (r as { cause?: unknown }).cause as NodeJS.ErrnoException | undefined;
  if (r.exitCode === undefined && !r.signal && cause && typeof cause === 'object' && 'code' in cause) {
    return { aborted, durationMs, spawnError: { code: cause.code, message: cause.message }, pid, ...lost };
  }
  return { exitCode: r.exitCode, signal: r.signal, durationMs, aborted, pid, ...lost, ...(escaped.length ? { escaped } : {}) };
}
