/**
 * Signing files with OpenSSH (`ssh-keygen -Y sign`), the reference SSHSIG implementation: it works with key files,
 * local and forwarded agents, FIDO keys and certificates.
 *
 * Key choice (in order): `--sign-key` (a private key file, or a .pub whose private half is in the agent), else the
 * first key of the agent at SSH_AUTH_SOCK (its public half is written to a temp file and passed with -f, which
 * works through a forwarded agent), else ~/.ssh/id_ed25519. Never prompts: see ssh-tools.ts.
 *
 * src/signing/ (this file, sshsig.ts, check-signature.ts, ssh-tools.ts, digest.ts) is a room below the checklist: it
 * imports nothing from the other rooms of src/, and serves the engine (signed statements) and the report alike.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { keyFingerprint, parseArmoredSignature, parsePublicKeyLine, WireReader } from './sshsig.js';
import { runTool, SSH_TOOL_TIMEOUT_MS } from './ssh-tools.js';

export const REPORT_NAMESPACE = 'report@readiness-tui';
export const SIGNOFF_NAMESPACE = 'signoff@readiness-tui';

/** Signing could not be done; the message says what was tried and what to do. */
export class SignError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignError';
  }
}

export type KeySource = 'sign-key' | 'agent' | 'default-key';

export interface SigningKey {
  /** what is passed to ssh-keygen -f */
  keyFile: string;
  source: KeySource;
  /** for messages: the path, or "agent key <comment>" */
  description: string;
  /** public key blob when it could be read without the passphrase */
  publicKey?: Buffer;
  fingerprint?: string;
  keyType?: string;
  /** remove temp files */
  dispose(): Promise<void>;
}

export interface SignResult {
  sigPath: string;
  fingerprint: string;
  keyType: string;
  source: KeySource;
  description: string;
}

const PUB_PREFIX = /^(ssh-|ecdsa-sha2-|sk-ssh-|sk-ecdsa-)[A-Za-z0-9@.-]*\s+[A-Za-z0-9+/=]+/;

function expandHome(p: string, env: NodeJS.ProcessEnv): string {
  if (p === '~' || p.startsWith('~/')) return path.join(env.HOME ?? os.homedir(), p.slice(1));
  return p;
}

/** The public key inside an openssh-key-v1 private key file (stored unencrypted even for locked keys). */
function publicFromOpenSshPrivate(text: string): Buffer | undefined {
  const m = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text);
  if (!m) return undefined;
  try {
    const blob = Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
    const magic = Buffer.from('openssh-key-v1\0');
    if (!blob.subarray(0, magic.length).equals(magic)) return undefined;
    const r = new WireReader(blob.subarray(magic.length));
    r.string(); // cipher
    r.string(); // kdf
    r.string(); // kdf options
    if (r.uint32() < 1) return undefined;
    return Buffer.from(r.string());
  } catch {
    return undefined;
  }
}

function withFingerprint(k: Omit<SigningKey, 'fingerprint' | 'keyType'>): SigningKey {
  let keyType: string | undefined;
  try {
    keyType = k.publicKey ? new WireReader(k.publicKey).text() : undefined;
  } catch {
    keyType = undefined;
  }
  return { ...k, fingerprint: k.publicKey ? keyFingerprint(k.publicKey) : undefined, keyType };
}

async function keyFromFile(file: string, source: KeySource, env: NodeJS.ProcessEnv): Promise<SigningKey> {
  let text: string;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new SignError(`signing key ${file} is not a file`);
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof SignError) throw err;
    throw new SignError(`signing key ${file} not found or not readable`);
  }
  const noop = async () => {};
  if (PUB_PREFIX.test(text.trim())) {
    if (!env.SSH_AUTH_SOCK)
      throw new SignError(
        `${file} is a public key, so its private half must be in ssh-agent, but SSH_AUTH_SOCK is not set ` +
          `(start an agent and ssh-add the key, or forward your agent with ssh -A)`,
      );
    let publicKey: Buffer | undefined;
    try {
      publicKey = parsePublicKeyLine(text.trim().split('\n')[0]!).blob;
    } catch {
      publicKey = undefined;
    }
    return withFingerprint({ keyFile: file, source, description: file, publicKey, dispose: noop });
  }
  let publicKey = publicFromOpenSshPrivate(text);
  if (!publicKey && existsSync(file + '.pub')) {
    try {
      publicKey = parsePublicKeyLine((await readFile(file + '.pub', 'utf8')).trim()).blob;
    } catch {
      publicKey = undefined;
    }
  }
  return withFingerprint({ keyFile: file, source, description: file, publicKey, dispose: noop });
}

/** Pick the signing key (see the module comment). Throws SignError when none is usable. */
export async function resolveSigningKey(o: { signKey?: string; env?: NodeJS.ProcessEnv } = {}): Promise<SigningKey> {
  const env = o.env ?? process.env;
  if (o.signKey) return keyFromFile(path.resolve(expandHome(o.signKey, env)), 'sign-key', env);
  const tried: string[] = [];
  if (env.SSH_AUTH_SOCK) {
    const r = await runTool('ssh-add', ['-L'], { env, timeoutMs: 10_000 });
    if (r.missing) tried.push('ssh-add is not installed');
    else if (r.timedOut) tried.push(`the agent at SSH_AUTH_SOCK=${env.SSH_AUTH_SOCK} did not answer`);
    else if (r.code === 0) {
      const line = r.stdout.split('\n').find((l) => PUB_PREFIX.test(l.trim()));
      if (line) {
        const dir = await mkdtemp(path.join(os.tmpdir(), 'readiness-sign-'));
        const keyFile = path.join(dir, 'agent-key.pub');
        await writeFile(keyFile, line.trim() + '\n', { mode: 0o600 });
        let publicKey: Buffer | undefined;
        let comment: string | undefined;
        try {
          ({ blob: publicKey, comment } = parsePublicKeyLine(line));
        } catch {
          publicKey = undefined;
        }
        return withFingerprint({
          keyFile,
          source: 'agent',
          description: `agent key ${comment ?? line.trim().split(/\s+/)[0]}`,
          publicKey,
          dispose: () => rm(dir, { recursive: true, force: true }),
        });
      }
      tried.push('the agent lists no usable key');
    } else if (r.code === 1) tried.push('the agent at SSH_AUTH_SOCK has no identities (ssh-add KEY)');
    else tried.push(`could not reach the agent at SSH_AUTH_SOCK=${env.SSH_AUTH_SOCK}`);
  } else tried.push('SSH_AUTH_SOCK is not set (no agent)');
  const def = path.join(env.HOME ?? os.homedir(), '.ssh', 'id_ed25519');
  if (existsSync(def)) return keyFromFile(def, 'default-key', env);
  tried.push(`${def} does not exist`);
  throw new SignError(`no SSH key to sign with: ${tried.join('; ')}. Pass --sign-key, load a key into ssh-agent, or create ${def}`);
}

function explain(stderr: string, key: SigningKey, env: NodeJS.ProcessEnv): string {
  const last = stderr.trim().split('\n').filter(Boolean).pop() ?? 'no message';
  if (/incorrect passphrase|passphrase/i.test(stderr))
    return `key ${key.description} is passphrase-protected and no agent holds it; run \`ssh-add ${key.keyFile}\` first (readiness-tui never prompts for a passphrase)`;
  if (/agent refused operation/i.test(stderr))
    return (
      `ssh-agent refused to sign with ${key.description}: the key was probably added with confirmation (ssh-add -c) and no ` +
      `askpass could ask you, or destination-constrained (ssh-add -h), which only permits SSH logins; add the signing key without -c/-h or pass another key with --sign-key`
    );
  if (/No private key found|Couldn't find key in agent|Could not find key/i.test(stderr))
    return `the private half of ${key.description} is not in ssh-agent (SSH_AUTH_SOCK=${env.SSH_AUTH_SOCK ?? 'unset'}); ssh-add it, forward your agent (ssh -A), or pass the private key file with --sign-key`;
  if (/invalid format|not a key|error in libcrypto/i.test(stderr)) return `${key.description} is not a usable SSH key: ${last}`;
  return `ssh-keygen could not sign with ${key.description}: ${last}`;
}

/** Sign `file` with `key` in `namespace`; writes `<file>.sig`. Throws SignError with a clear explanation. */
export async function signWithKey(
  file: string,
  namespace: string,
  key: SigningKey,
  o: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<SignResult> {
  const env = o.env ?? process.env;
  const sigPath = file + '.sig';
  await rm(sigPath, { force: true });
  const timeoutMs = o.timeoutMs ?? SSH_TOOL_TIMEOUT_MS;
  const r = await runTool('ssh-keygen', ['-q', '-Y', 'sign', '-f', key.keyFile, '-n', namespace, file], { env, timeoutMs });
  if (r.missing) throw new SignError('ssh-keygen is not installed (OpenSSH client); it is needed to sign');
  if (r.timedOut)
    throw new SignError(`ssh-keygen did not finish signing within ${Math.round(timeoutMs / 1000)} s with ${key.description} (a security key waiting for a touch?)`);
  if (r.code !== 0 || !existsSync(sigPath)) {
    await rm(sigPath, { force: true });
    throw new SignError(explain(r.stderr, key, env));
  }
  const sig = parseArmoredSignature(await readFile(sigPath, 'utf8'));
  return { sigPath, fingerprint: keyFingerprint(sig.publicKey), keyType: sig.keyType, source: key.source, description: key.description };
}

/** Resolve the key and sign in one go. */
export async function signFile(
  file: string,
  namespace: string,
  o: { signKey?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<SignResult> {
  const key = await resolveSigningKey(o);
  try {
    return await signWithKey(file, namespace, key, o);
  } finally {
    await key.dispose();
  }
}

/** The signer principal: --signer, else `git config user.email`; undefined when neither is known. */
export async function resolveSignerPrincipal(signer: string | undefined, o: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<string | undefined> {
  if (signer && signer.trim()) return signer.trim();
  const r = await runTool('git', ['config', 'user.email'], { env: o.env, cwd: o.cwd, timeoutMs: 5_000 });
  const email = r.code === 0 ? r.stdout.trim() : '';
  return email || undefined;
}
