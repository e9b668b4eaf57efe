/**
 * Running OpenSSH's own tools (ssh-keygen, ssh-add) so that they can never hang waiting for a human:
 * stdin closed, no controlling terminal (own session), no askpass, and a timeout that kills the process group.
 */
import { spawn } from 'node:child_process';

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** the tool is not installed */
  missing: boolean;
}

export const SSH_TOOL_TIMEOUT_MS = 20_000;

/** The environment for a non-interactive ssh tool: askpass disabled. */
export function quietSshEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...env, SSH_ASKPASS_REQUIRE: 'never' };
  delete e.SSH_ASKPASS;
  delete e.DISPLAY;
  return e;
}

export function runTool(
  cmd: string,
  args: string[],
  o: { env?: NodeJS.ProcessEnv; input?: Buffer; timeoutMs?: number; cwd?: string } = {},
): Promise<ToolResult> {
  return new Promise((resolve) => {
    let settled = false;
    const child = spawn(cmd, args, {
      cwd: o.cwd,
      env: quietSshEnv(o.env ?? process.env),
      stdio: [o.input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      // a new session: no controlling terminal, so a passphrase prompt cannot open /dev/tty
      detached: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, o.timeoutMs ?? SSH_TOOL_TIMEOUT_MS);
    const finish = (r: ToolResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    child.on('error', (e: NodeJS.ErrnoException) =>
      finish({ code: null, stdout: '', stderr: e.message, timedOut: false, missing: e.code === 'ENOENT' }),
    );
    child.on('close', (code) =>
      finish({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
        missing: false,
      }),
    );
    if (o.input) {
      child.stdin!.on('error', () => {});
      child.stdin!.end(o.input);
    }
  });
}
