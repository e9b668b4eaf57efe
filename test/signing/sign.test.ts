import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_NAMESPACE, resolveSigningKey, SignError, signFile, resolveSignerPrincipal } from '../../src/signing/sign.js';
import { parseArmoredSignature, verifySshSig } from '../../src/signing/sshsig.js';
import { allowedLine, genKey, startAgent, sshVerify, type TestAgent } from '../report/helpers/ssh.js';

let dir: string;
let home: string;
const agents: TestAgent[] = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rt-sign-'));
  home = path.join(dir, 'home');
  writeFileSync(path.join(dir, 'placeholder'), '');
});
afterAll(async () => {
  for (const a of agents) await a.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** An environment with nothing to fall back on: empty HOME, no agent. */
function bareEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, ...extra };
  if (!('SSH_AUTH_SOCK' in extra)) delete env.SSH_AUTH_SOCK;
  return env;
}

function payload(name: string, text = 'abc  SHA256SUMS content\n'): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}

describe('signFile with a key file', () => {
  it('signs so that ssh-keygen -Y verify and the built-in verifier both accept it', async () => {
    const k = genKey(dir, 'alice');
    const file = payload('sums-alice');
    const r = await signFile(file, REPORT_NAMESPACE, { signKey: k.priv, env: bareEnv() });
    expect(r.source).toBe('sign-key');
    const as = path.join(dir, 'as-alice');
    writeFileSync(as, allowedLine('alice@example.com', k, REPORT_NAMESPACE) + '\n');
    const v = sshVerify(as, 'alice@example.com', REPORT_NAMESPACE, r.sigPath, file);
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout + v.stderr).toContain('Good "report@readiness-tui" signature for alice@example.com');
    const sig = parseArmoredSignature(readFileSync(r.sigPath, 'utf8'));
    expect(verifySshSig(sig, readFileSync(file), REPORT_NAMESPACE)).toMatchObject({ ok: true, fingerprint: r.fingerprint });
    // the fingerprint is the one ssh-keygen -l prints
    const { fingerprint } = await resolveSigningKey({ signKey: k.priv, env: bareEnv() });
    expect(fingerprint).toBe(r.fingerprint);
  });

  it('refuses a passphrase-protected key at once instead of prompting', async () => {
    const k = genKey(dir, 'locked', { passphrase: 'correct horse' });
    const file = payload('sums-locked');
    const t0 = Date.now();
    const err = await signFile(file, REPORT_NAMESPACE, { signKey: k.priv, env: bareEnv() }).catch((e) => e);
    expect(err).toBeInstanceOf(SignError);
    expect(err.message).toMatch(/passphrase-protected.*ssh-add/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('says which key is missing', async () => {
    const err = await signFile(payload('sums-missing'), REPORT_NAMESPACE, { signKey: path.join(dir, 'nope'), env: bareEnv() }).catch((e) => e);
    expect(err).toBeInstanceOf(SignError);
    expect(err.message).toContain(path.join(dir, 'nope'));
  });

  it('explains that a .pub key needs an agent', async () => {
    const k = genKey(dir, 'pubonly');
    const err = await signFile(payload('sums-pub'), REPORT_NAMESPACE, { signKey: k.pub, env: bareEnv() }).catch((e) => e);
    expect(err).toBeInstanceOf(SignError);
    expect(err.message).toMatch(/public key.*SSH_AUTH_SOCK is not set/);
  });

  it('reports that no key exists anywhere', async () => {
    const err = await resolveSigningKey({ env: bareEnv() }).catch((e) => e);
    expect(err).toBeInstanceOf(SignError);
    expect(err.message).toMatch(/no SSH key to sign with: SSH_AUTH_SOCK is not set.*id_ed25519 does not exist/);
  });

  it('falls back to ~/.ssh/id_ed25519', async () => {
    const sshDir = path.join(home, '.ssh');
    mkdirSync(sshDir, { recursive: true });
    const k = genKey(sshDir, 'id_ed25519');
    const r = await signFile(payload('sums-default'), REPORT_NAMESPACE, { env: bareEnv() });
    expect(r.source).toBe('default-key');
    const sig = parseArmoredSignature(readFileSync(r.sigPath, 'utf8'));
    expect(sig.publicKey.equals(Buffer.from(k.pubLine.split(' ')[1]!, 'base64'))).toBe(true);
    rmSync(sshDir, { recursive: true, force: true });
  });
});

describe('signFile through a real ssh-agent', () => {
  it('uses the first agent key when no key is given, with no private key file on disk', async () => {
    const agent = await startAgent(dir);
    agents.push(agent);
    const k = genKey(dir, 'bob');
    agent.add(k);
    renameSync(k.priv, k.priv + '.hidden');
    const file = payload('sums-agent');
    const r = await signFile(file, REPORT_NAMESPACE, { env: bareEnv({ SSH_AUTH_SOCK: agent.sock }) });
    expect(r.source).toBe('agent');
    const as = path.join(dir, 'as-bob');
    writeFileSync(as, allowedLine('bob@example.com', k) + '\n');
    const v = sshVerify(as, 'bob@example.com', REPORT_NAMESPACE, r.sigPath, file);
    expect(v.status, v.stderr).toBe(0);

    // --sign-key with the .pub whose private half is in the agent
    const file2 = payload('sums-agent-pub');
    const r2 = await signFile(file2, REPORT_NAMESPACE, { signKey: k.pub, env: bareEnv({ SSH_AUTH_SOCK: agent.sock }) });
    expect(r2.fingerprint).toBe(r.fingerprint);
    expect(sshVerify(as, 'bob@example.com', REPORT_NAMESPACE, r2.sigPath, file2).status).toBe(0);

    // a .pub the agent does not hold
    const other = genKey(dir, 'other');
    rmSync(other.priv);
    const err = await signFile(payload('sums-other'), REPORT_NAMESPACE, { signKey: other.pub, env: bareEnv({ SSH_AUTH_SOCK: agent.sock }) }).catch((e) => e);
    expect(err).toBeInstanceOf(SignError);
    expect(err.message).toMatch(/not in ssh-agent/);
  });

  it('explains an agent that refuses (confirm-constrained key, no askpass)', async () => {
    const agent = await startAgent(path.join(dir));
    agents.push(agent);
    const k = genKey(dir, 'confirm');
    agent.add(k, ['-c']);
    const err = await signFile(payload('sums-confirm'), REPORT_NAMESPACE, { signKey: k.pub, env: bareEnv({ SSH_AUTH_SOCK: agent.sock }) }).catch((e) => e);
    expect(err).toBeInstanceOf(SignError);
    expect(err.message).toMatch(/refused.*ssh-add -c/);
  });

  it('falls through an empty agent to the default key and says why when there is none', async () => {
    const agent = await startAgent(path.join(dir));
    agents.push(agent);
    const err = await resolveSigningKey({ env: bareEnv({ SSH_AUTH_SOCK: agent.sock }) }).catch((e) => e);
    expect(err).toBeInstanceOf(SignError);
    expect(err.message).toMatch(/has no identities/);
  });
});

describe('resolveSignerPrincipal', () => {
  it('prefers --signer, else git user.email', async () => {
    expect(await resolveSignerPrincipal(' carol@example.com ')).toBe('carol@example.com');
    const cfg = path.join(dir, 'gitconfig');
    writeFileSync(cfg, '[user]\n\temail = dave@example.com\n');
    expect(await resolveSignerPrincipal(undefined, { env: { ...process.env, GIT_CONFIG_GLOBAL: cfg, GIT_CONFIG_NOSYSTEM: '1' }, cwd: dir })).toBe('dave@example.com');
  });
});
