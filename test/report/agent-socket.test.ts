import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentAlive, userAgentSockets, withLiveAgent } from '../../src/report/agent-socket.js';
import { startAgent, type TestAgent } from './helpers/ssh.js';

let tmp: string;
let agent: TestAgent;
let forwarded: string;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'rt-agentsock-'));
  // where OpenSSH puts a forwarded agent: /tmp/ssh-XXXX/agent.<pid>
  const d = path.join(tmp, 'ssh-Xa1b2c3');
  mkdirSync(d, { mode: 0o700 });
  agent = await startAgent(d);
  forwarded = agent.sock;
});
afterAll(async () => {
  await agent?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('withLiveAgent', () => {
  it('keeps an agent that answers, and an environment without one', async () => {
    expect(await agentAlive(forwarded)).toBe(true);
    const env = { SSH_AUTH_SOCK: forwarded };
    expect(await withLiveAgent(env, { tmp })).toEqual({ env });
    expect(await withLiveAgent({}, { tmp })).toEqual({ env: {} });
  });

  it('when the agent it started with is gone, signs through a live agent of the same user and says which', async () => {
    // startAgent names its socket agent-N.sock; OpenSSH names a forwarded one agent.<pid>: the socket is renamed so
    const named = path.join(path.dirname(forwarded), 'agent.4242');
    const a2 = await startAgent(path.dirname(forwarded));
    renameSync(a2.sock, named);
    try {
      expect(userAgentSockets(tmp)).toEqual([named]);
      const gone = path.join(tmp, 'ssh-old', 'agent.1');
      const r = await withLiveAgent({ SSH_AUTH_SOCK: gone, HOME: '/x' }, { tmp });
      expect(r.env).toEqual({ SSH_AUTH_SOCK: named, HOME: '/x' });
      expect(r.note).toBe(`the agent this TUI started with (${gone}) is gone; signed through ${named}, a live agent of the same user`);
    } finally {
      renameSync(named, a2.sock);
      await a2.stop();
    }
    const none = await withLiveAgent({ SSH_AUTH_SOCK: '/nonexistent/agent.9' }, { tmp });
    expect(none.note).toMatch(/is gone and no other agent of this user was found$/);
  });
});
