/**
 * Who is acting: the operator identity journaled as `actor` (and the sign-off principal).
 * `--as NAME` wins; else `git config user.email`; else `$USER@hostname`.
 * resolveOperator asks git synchronously; resolveOperatorAsync lets the TUI ask while it loads and validates.
 */
import { execFile, execFileSync } from 'node:child_process';
import { hostname, userInfo } from 'node:os';

export interface IdentityOptions {
  as?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const GIT_ARGS = ['config', 'user.email'];
const GIT_TIMEOUT_MS = 2_000;

function gitEmail(env: NodeJS.ProcessEnv, cwd?: string): string | undefined {
  try {
    const out = execFileSync('git', GIT_ARGS, {
      env,
      cwd,
      timeout: GIT_TIMEOUT_MS,
      stdio: ['ignore', 'pipe', 'ignore'],
      encoding: 'utf8',
    });
    return out.trim() || undefined;
  } catch {
    return undefined;
  }
}

function gitEmailAsync(env: NodeJS.ProcessEnv, cwd?: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    try {
      const child = execFile('git', GIT_ARGS, { env, cwd, timeout: GIT_TIMEOUT_MS, encoding: 'utf8' }, (err, out) =>
        resolve(err ? undefined : out.trim() || undefined),
      );
      child.stdin?.end();
    } catch {
      resolve(undefined);
    }
  });
}

function userName(env: NodeJS.ProcessEnv): string {
  const fromEnv = env.USER || env.LOGNAME || env.USERNAME;
  if (fromEnv) return fromEnv;
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

const clean = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').trim();

/** --as, cleaned, when it leaves a name; else undefined (ask git next). */
function given(o: IdentityOptions): string | undefined {
  return o.as !== undefined ? clean(o.as) || undefined : undefined;
}

function fallback(env: NodeJS.ProcessEnv, git: string | undefined): string {
  return git ? clean(git) : clean(`${userName(env)}@${hostname()}`);
}

/** The operator identity, never empty. Control characters are stripped so it cannot paint the terminal. */
export function resolveOperator(o: IdentityOptions = {}): string {
  const env = o.env ?? process.env;
  return given(o) ?? fallback(env, gitEmail(env, o.cwd));
}

/** resolveOperator without blocking: git runs while the caller carries on. Same answer. */
export async function resolveOperatorAsync(o: IdentityOptions = {}): Promise<string> {
  const env = o.env ?? process.env;
  return given(o) ?? fallback(env, await gitEmailAsync(env, o.cwd));
}
