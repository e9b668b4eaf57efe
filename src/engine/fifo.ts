/**
 * Output channels for a check's child process made of named pipes (FIFOs) instead of Node's default stdio.
 *
 * Why: Node connects a child's stdout to the parent through a UNIX socket pair, whose per-packet work in the kernel
 * costs more CPU than a pipe under a flood, and which only the event loop can read. Node has no pipe(2), so the pipe
 * is made with `mkfifo` in a private directory (mode 0700), both ends are opened, the path is removed at once, and
 * the child gets the write end as its stdout/stderr. When `mkfifo` is missing or anything fails, the caller falls
 * back to Node's ordinary pipes: same bytes, slower.
 *
 * The read end is blocking, so a worker can read it with plain blocking reads (capture-pump.ts). reader() reads it
 * on the main thread instead, with a net.Socket (libuv makes the descriptor non-blocking) into ONE buffer reused for
 * every read (`onread`): a flood then allocates nothing per read and costs no garbage collection. The write end is
 * blocking, as programs expect of their stdout. All ends are opened close-on-exec (libuv's default), so other checks
 * started at the same time never inherit a write end: the reader sees end-of-file when the check's own processes
 * are done with it.
 */
import { execFile } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface FifoChannel {
  /** give this to the child (stdout or stderr); close it in the parent after the spawn with closeWriteEnd() */
  writeFd: number;
  /**
   * Reads what the child writes into one reused buffer and calls `onChunk` with the bytes read, valid only during
   * the call; ends ('end'/'close') when every write end is closed.
   */
  reader(onChunk: (chunk: Buffer) => void): net.Socket;
  /** the blocking read end (for a capture worker; the main thread reads it through reader()) */
  readFd: number;
  /** close the read end if no reader took it (the spawn failed) */
  closeReadEnd(): void;
  closeWriteEnd(): void;
}

/** one read takes at most what a pipe holds (64 KB on Linux) */
const READ_BYTES = 64 * 1024;

let unavailable = false;

/** runs a program and tells whether it exited 0 (how `mkfifo` is run; the engine passes one that uses execa) */
export type RunProgram = (file: string, args: string[]) => Promise<boolean>;

const execFileRun: RunProgram = (file, args) =>
  new Promise((resolve) => {
    execFile(file, args, { timeout: 5000 }, (err) => resolve(!err));
  });

/**
 * `n` FIFO channels, or undefined when FIFOs cannot be made here (no `mkfifo`, no writable temp directory); after
 * the first failure it is not tried again in this process. One `mkfifo` makes all `n`.
 */
export async function openFifos(n: number, run: RunProgram = execFileRun): Promise<FifoChannel[] | undefined> {
  if (unavailable || process.platform === 'win32') return undefined;
  let dir: string | undefined;
  /** descriptors not yet owned by a channel */
  const loose: number[] = [];
  const channels: FifoChannel[] = [];
  try {
    dir = mkdtempSync(path.join(os.tmpdir(), 'readiness-fifo-'));
    const paths = Array.from({ length: n }, (_, i) => path.join(dir!, `out${i}`));
    if (!(await run('mkfifo', ['-m', '600', ...paths]))) {
      unavailable = true;
      return undefined;
    }
    for (const p of paths) {
      // a reader first (non-blocking, so the open does not wait for a writer); then the writer finds a reader
      const probeFd = openSync(p, constants.O_RDONLY | constants.O_NONBLOCK);
      loose.push(probeFd);
      const writeFd = openSync(p, constants.O_WRONLY);
      loose.push(writeFd);
      // the read end that is kept is blocking (a worker reads it with blocking reads, capture-pump.ts; a socket on
      // the main thread makes it non-blocking itself); with a writer present this open does not wait
      const readFd = openSync(p, constants.O_RDONLY);
      loose.push(readFd);
      closeSync(probeFd);
      let writeOpen = true;
      let readOwned = false;
      loose.length = 0;
      channels.push({
        writeFd,
        readFd,
        reader(onChunk) {
          readOwned = true;
          const buffer = Buffer.allocUnsafe(READ_BYTES);
          // `onread` is a documented option of the net.Socket constructor (Node's net docs); this @types/node lists
          // it for connect() only
          const opts: net.SocketConstructorOpts & { onread: net.OnReadOpts } = {
            fd: readFd,
            readable: true,
            writable: false,
            onread: {
              buffer,
              callback: (nread) => {
                onChunk(buffer.subarray(0, nread));
                return true; // keep reading (false would pause)
              },
            },
          };
          return new net.Socket(opts);
        },
        closeReadEnd() {
          if (readOwned) return;
          readOwned = true;
          closeSync(readFd);
        },
        closeWriteEnd() {
          if (!writeOpen) return;
          writeOpen = false;
          closeSync(writeFd);
        },
      });
    }
    return channels;
  } catch {
    for (const c of channels) {
      c.closeReadEnd();
      c.closeWriteEnd();
    }
    for (const fd of loose) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
    unavailable = true;
    return undefined;
  } finally {
    // the open descriptors keep the pipes alive; nothing else may ever open them by name
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}
