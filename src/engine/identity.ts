/**
 * Who is acting: the operator identity journaled as `actor` (and the sign-off principal).
 * `--as NAME` wins; else `git config user.email`; else `$USER@hostname`.
 */
import { execFileSync } from 'node:child_process';
import { hostname, userInfo } from 'node:os';

export interface IdentityOptions {
  as?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

function gitEmail(env: NodeJS.ProcessEnv, cwd?: string): string | undefined {
  try {
    const out = execFileSync('git', ['config', 'user.email'], {
      env,
      cwd,
      timeout: 2_000,
      stdio: ['ignore', 'pipe', 'ignore'],
      encoding: 'utf8',
    });
    const v = out.trim();
    return v || undefined;
  } catch {
    return undefined;
  }
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

/** The operator identity, never empty. Control characters are stripped so it cannot paint the terminal. */
export function resolveOperator(o: IdentityOptions = {}): string {
  const env = o.env ?? process.env;
  const clean = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').trim();
  if (o.as !== undefined) {
    const v = clean(o.as);
    if (v) return v;
  }
  const g = gitEmail(env, o.cwd);
  if (g) return clean(g);
  return clean(`${userName(env)}@${hostname()}`);
}
