/**
 * Which ssh-agent to sign with. A TUI started in a server-side tmux keeps the SSH_AUTH_SOCK of the login that
 * started it; once that SSH connection dropped, the socket is dead. The process that asks (a `signoff` from a shell,
 * a watcher's TUI) has its own login's agent and uses it as it is. A long-running driver whose agent is gone looks
 * for a live agent socket of the same user (OpenSSH puts forwarded agents at /tmp/ssh-XXXX/agent.<pid>), newest first,
 * and says which one it took; with none, the caller falls back to --sign-key or an unsigned record, as before.
 */
import { readdirSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

/** Does something listen on this Unix socket? */
export function agentAlive(sock: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(sock);
    const done = (ok: boolean) => {
      clearTimeout(t);
      c.destroy();
      resolve(ok);
    };
    const t = setTimeout(() => done(false), timeoutMs);
    c.once('connect', () => done(true));
    c.once('error', () => done(false));
  });
}

/** Forwarded-agent sockets of this user under `tmp` (/tmp/ssh-*\/agent.*), newest first. */
export function userAgentSockets(tmp = '/tmp', uid = process.getuid?.() ?? -1): string[] {
  const found: { path: string; mtime: number }[] = [];
  let dirs: string[];
  try {
    dirs = readdirSync(tmp).filter((d) => d.startsWith('ssh-'));
  } catch {
    return [];
  }
  for (const d of dirs) {
    const dir = join(tmp, d);
    try {
      if (statSync(dir).uid !== uid) continue;
      for (const n of readdirSync(dir)) {
        if (!n.startsWith('agent.')) continue;
        const p = join(dir, n);
        const st = statSync(p);
        if (st.isSocket() && st.uid === uid) found.push({ path: p, mtime: st.mtimeMs });
      }
    } catch {
      /* not ours to read */
    }
  }
  return found.sort((a, b) => b.mtime - a.mtime).map((f) => f.path);
}

/**
 * The environment to sign with: `env` itself when its agent answers (or none is set); else, for a long-running
 * process, the newest live agent socket of the same user, with a note saying which. `note` is undefined when
 * nothing changed.
 */
export async function withLiveAgent(env: NodeJS.ProcessEnv, o: { tmp?: string } = {}): Promise<{ env: NodeJS.ProcessEnv; note?: string }> {
  const sock = env.SSH_AUTH_SOCK;
  if (!sock || (await agentAlive(sock))) return { env };
  for (const cand of userAgentSockets(o.tmp)) {
    if (cand === sock) continue;
    if (await agentAlive(cand)) {
      return {
        env: { ...env, SSH_AUTH_SOCK: cand },
        note: `the agent this TUI started with (${sock}) is gone; signed through ${cand}, a live agent of the same user`,
      };
    }
  }
  return { env, note: `the agent this TUI started with (${sock}) is gone and no other agent of this user was found` };
}
