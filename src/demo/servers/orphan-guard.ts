/**
 * A guard for a server process the demo starts (Prometheus): when readiness-tui is gone — however it ended,
 * SIGKILL and a dropped terminal included, when no exit hook of ours runs — the guard stops the server's process
 * group (SIGTERM, then SIGKILL after a few seconds). It is a detached `sh` loop, outside our process group so it
 * outlives us, with `/` as its working directory so it holds no sandbox directory open.
 *
 * The server must be started `detached` (its own process group, id = its pid). stop() ends the guard when the
 * server is stopped the ordinary way.
 */
import { spawn } from 'node:child_process';

export interface OrphanGuard {
  stop(): void;
}

/** seconds between SIGTERM and SIGKILL of the orphaned group */
const GRACE_S = 5;

export function guardAgainstOrphan(groupId: number, parentPid = process.pid): OrphanGuard {
  const script = [
    `while kill -0 ${parentPid} 2>/dev/null && kill -0 -${groupId} 2>/dev/null; do sleep 0.5; done`,
    `kill -TERM -${groupId} 2>/dev/null || exit 0`,
    `i=0; while kill -0 -${groupId} 2>/dev/null && [ $i -lt ${GRACE_S * 5} ]; do sleep 0.2; i=$((i+1)); done`,
    `kill -KILL -${groupId} 2>/dev/null; exit 0`,
  ].join('\n');
  const guard = spawn('/bin/sh', ['-c', script], { detached: true, stdio: 'ignore', cwd: '/' });
  guard.on('error', () => undefined); // no /bin/sh: the exit hooks still stop the server
  guard.unref();
  return {
    stop() {
      if (guard.pid && guard.exitCode === null) {
        try {
          process.kill(guard.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  };
}
