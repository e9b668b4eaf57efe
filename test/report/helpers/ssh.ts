/**
 * Real OpenSSH for report tests: keys generated at test time with ssh-keygen, and a real ssh-agent started on a
 * private socket (killed by pid in stop()).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface TestKey {
  priv: string;
  pub: string;
  /** "type base64 comment" */
  pubLine: string;
}

export function genKey(dir: string, name: string, o: { type?: string; bits?: number; passphrase?: string; comment?: string } = {}): TestKey {
  const priv = path.join(dir, name);
  const args = ['-q', '-t', o.type ?? 'ed25519', '-N', o.passphrase ?? '', '-C', o.comment ?? `${name}@example.com`, '-f', priv];
  if (o.bits) args.push('-b', String(o.bits));
  const r = spawnSync('ssh-keygen', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
  return { priv, pub: priv + '.pub', pubLine: readFileSync(priv + '.pub', 'utf8').trim() };
}

/** "SHA256:…", the fingerprint of a test key as ssh-keygen prints it */
export function fingerprint(key: TestKey): string {
  return spawnSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', key.pub], { encoding: 'utf8' }).stdout.split(/\s+/)[1]!;
}

/** allowed_signers line for a key: `principal [namespaces="…"] type base64` */
export function allowedLine(principal: string, key: TestKey, namespaces?: string): string {
  const [type, b64] = key.pubLine.split(/\s+/);
  return `${principal}${namespaces ? ` namespaces="${namespaces}"` : ''} ${type} ${b64}`;
}

export interface TestAgent {
  sock: string;
  pid: number;
  env: NodeJS.ProcessEnv;
  add(key: TestKey, extra?: string[]): void;
  stop(): Promise<void>;
}

let agentCount = 0;

export async function startAgent(dir: string): Promise<TestAgent> {
  const sock = path.join(dir, `agent-${++agentCount}.sock`);
  const env: NodeJS.ProcessEnv = { ...process.env, SSH_AUTH_SOCK: sock };
  delete env.SSH_ASKPASS;
  delete env.DISPLAY;
  const child: ChildProcess = spawn('ssh-agent', ['-D', '-a', sock], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  // ready when it accepts a connection (its socket file exists from bind(), before it listens)
  const accepts = () =>
    new Promise<boolean>((resolve) => {
      const c = net.connect(sock);
      c.once('connect', () => (c.destroy(), resolve(true)));
      c.once('error', () => resolve(false));
    });
  const deadline = Date.now() + 5000;
  while (!(await accepts())) {
    if (Date.now() > deadline) throw new Error('ssh-agent did not accept connections on its socket');
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    sock,
    pid: child.pid!,
    env,
    add(key, extra = []) {
      const r = spawnSync('ssh-add', [...extra, key.priv], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      if (r.status !== 0) throw new Error(`ssh-add failed: ${r.stderr}`);
    },
    async stop() {
      if (child.exitCode === null) {
        const done = new Promise((r) => child.once('exit', r));
        process.kill(child.pid!, 'SIGTERM');
        await done;
      }
    },
  };
}

/** Run the standard tool exactly as an auditor would. */
export function sshVerify(allowedSigners: string, principal: string, namespace: string, sig: string, file: string) {
  return spawnSync('ssh-keygen', ['-Y', 'verify', '-f', allowedSigners, '-I', principal, '-n', namespace, '-s', sig], {
    input: readFileSync(file),
    encoding: 'utf8',
  });
}
