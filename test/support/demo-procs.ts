/**
 * Helpers for the demo tests (engineer I): run the BUILT CLI (or any command) as a real child process inside a
 * temporary root that is also its HOME and TMPDIR — so every sandbox file, Prometheus' config and data, the fake
 * trivy and the seed scripts live under that root — and find, through /proc, any process still tied to the root.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface Proc {
  pid: number;
  cmdline: string;
  cwd?: string;
  /** process state letter from /proc (R, S, D = uninterruptible I/O, …) */
  state?: string;
  /** a SIGKILL was sent and is pending: the kernel ends the process as soon as it leaves uninterruptible I/O */
  killPending?: boolean;
}

/** state letter and whether SIGKILL (signal 9) is pending, from /proc/PID/status */
function procStatus(pid: number): { state?: string; killPending?: boolean } {
  try {
    const st = readFileSync(`/proc/${pid}/status`, 'utf8');
    const state = /^State:\s+(\S)/m.exec(st)?.[1];
    const pending = ['SigPnd', 'ShdPnd'].some((k) => {
      const hex = new RegExp(`^${k}:\\s+([0-9a-f]+)`, 'm').exec(st)?.[1];
      return hex !== undefined && (BigInt('0x' + hex) & 0x100n) !== 0n;
    });
    return { state, killPending: pending };
  } catch {
    return {};
  }
}

/** Every process whose command line or working directory mentions `root` (never this test process). */
export function processesUnder(root: string): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    let cmdline = '';
    let cwd: string | undefined;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    } catch {
      continue; // gone meanwhile
    }
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      cwd = undefined;
    }
    if (!cmdline) continue; // zombie or kernel thread
    if (cmdline.includes(root) || (cwd && (cwd === root || cwd.startsWith(root + '/')))) out.push({ pid, cmdline, cwd, ...procStatus(pid) });
  }
  return out;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** command lines seen under the root while the child ran (sampled every 250 ms) */
  seen: string[];
}

export interface Running {
  child: ChildProcess;
  done: Promise<RunResult>;
  output(): string;
}

/** A clean environment for a child: no CI, no agent, HOME and TMPDIR in `root`; `extra` wins. */
export function cleanEnv(root: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: root, TMPDIR: root, NO_COLOR: '1' };
  for (const k of ['CI', 'CONTINUOUS_INTEGRATION', 'SSH_AUTH_SOCK', 'SSH_AGENT_PID', 'KUBECONFIG', 'READINESS_OPERATOR', 'NODE_OPTIONS']) delete env[k];
  // the CLI does not start under the test runner's own variables (src/cli.ts checks VITEST)
  for (const k of Object.keys(env)) if (k.startsWith('VITEST') || k === 'TEST' || k === 'NODE_ENV') delete env[k];
  return { ...env, ...extra };
}

/** Start a child in `root` and watch which processes appear under the root while it runs. */
export function runWatched(cmd: string, args: string[], o: { root: string; cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): Running {
  const child = spawn(cmd, args, { cwd: o.cwd ?? o.root, env: o.env ?? cleanEnv(o.root), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const seen = new Set<string>();
  const sample = setInterval(() => {
    for (const p of processesUnder(o.root)) seen.add(p.cmdline);
  }, 250);
  const kill = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs);
  const done = new Promise<RunResult>((resolve) => {
    child.on('close', (code, signal) => {
      clearInterval(sample);
      clearTimeout(kill);
      resolve({ code, signal, stdout, stderr, seen: [...seen] });
    });
  });
  return { child, done, output: () => stdout + stderr };
}

export async function tempRoot(prefix: string): Promise<string> {
  // realpath: /proc/<pid>/cwd shows the resolved path
  const { realpath } = await import('node:fs/promises');
  return realpath(await mkdtemp(path.join(os.tmpdir(), prefix)));
}

/** Kill whatever is left under `root` (a failed test must not leave Prometheus running), then remove it. */
export async function cleanupRoot(root: string): Promise<void> {
  for (const p of processesUnder(root)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  await rm(root, { recursive: true, force: true });
}

/** Wait until `pred` holds, polling; false on timeout. */
export async function waitFor(pred: () => boolean, timeoutMs: number, everyMs = 100): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (pred()) return true;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return pred();
}

/**
 * A PATH on which `hidden` programs cannot be found and everything else still can: one directory under `root` with
 * a link to each executable of the current PATH but those (Debian's /bin is /usr/bin, so dropping a directory from
 * PATH would drop the shell with it). Used to show the product on a machine without, say, prometheus.
 */
export function pathWithout(root: string, hidden: string[]): string {
  const dir = path.join(root, 'path-without-' + hidden.join('-'));
  mkdirSync(dir, { recursive: true });
  for (const d of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names) {
      if (hidden.includes(n) || existsSync(path.join(dir, n))) continue;
      try {
        accessSync(path.join(d, n), constants.X_OK);
        symlinkSync(path.join(d, n), path.join(dir, n));
      } catch {
        /* not executable, or a dangling name */
      }
    }
  }
  return dir;
}
