/**
 * "Is this SSHSIG good, and who made it?" against a trusted allowed_signers file. The built-in verifier
 * (sshsig.ts) handles plain ed25519/ECDSA/RSA keys; certificates, FIDO keys and cert-authority trust go to
 * `ssh-keygen -Y find-principals` / `-Y verify`, exactly as an auditor would run them.
 */
import {
  findPrincipals,
  keyFingerprint,
  parseArmoredSignature,
  principalAllowed,
  verifySshSig,
  type AllowedSigners,
} from './sshsig.js';
import { runTool } from './ssh-tools.js';

export interface SignatureVerdict {
  ok: boolean;
  /** the principal the signature is attributed to (as listed in allowed_signers) */
  principal?: string;
  fingerprint?: string;
  keyType?: string;
  via: 'built-in' | 'ssh-keygen';
  reason?: string;
}

export interface CheckSignatureInput {
  message: Buffer;
  sigText: string;
  /** paths, for the ssh-keygen fallback */
  sigFile: string;
  allowedFile: string;
  allowed: AllowedSigners;
  namespace: string;
  /** the principal that must have signed; when absent it is looked up in allowed_signers */
  principal?: string;
  /** verify key validity at this time (the statement's own claim), like git's -Overify-time */
  at?: Date;
  env?: NodeJS.ProcessEnv;
}

function sshTime(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z').replace('T', '');
}

async function viaSshKeygen(i: CheckSignatureInput, fingerprint?: string, keyType?: string): Promise<SignatureVerdict> {
  const timeOpt = i.at ? ['-O', `verify-time=${sshTime(i.at)}`] : [];
  let principal = i.principal;
  if (!principal) {
    const f = await runTool('ssh-keygen', ['-Y', 'find-principals', '-f', i.allowedFile, '-s', i.sigFile, ...timeOpt], { env: i.env });
    if (f.missing) return { ok: false, via: 'ssh-keygen', fingerprint, keyType, reason: `key type ${keyType} needs ssh-keygen, which is not installed` };
    principal = f.code === 0 ? f.stdout.split('\n')[0]?.trim() : undefined;
    if (!principal) return { ok: false, via: 'ssh-keygen', fingerprint, keyType, reason: 'no principal in allowed_signers matches the signing key' };
  }
  const v = await runTool(
    'ssh-keygen',
    ['-Y', 'verify', '-f', i.allowedFile, '-I', principal, '-n', i.namespace, '-s', i.sigFile, ...timeOpt],
    { env: i.env, input: i.message },
  );
  if (v.missing) return { ok: false, via: 'ssh-keygen', fingerprint, keyType, reason: `key type ${keyType} needs ssh-keygen, which is not installed` };
  if (v.code === 0) return { ok: true, principal, fingerprint, keyType, via: 'ssh-keygen' };
  const why = (v.stderr || v.stdout).trim().split('\n').filter(Boolean).pop() ?? 'verification failed';
  return { ok: false, principal, fingerprint, keyType, via: 'ssh-keygen', reason: why };
}

export async function checkSignature(i: CheckSignatureInput): Promise<SignatureVerdict> {
  let sig;
  try {
    sig = parseArmoredSignature(i.sigText);
  } catch (err) {
    return { ok: false, via: 'built-in', reason: (err as Error).message };
  }
  const crypto = verifySshSig(sig, i.message, i.namespace);
  if (!crypto.ok && crypto.unsupported) return viaSshKeygen(i, crypto.fingerprint, crypto.keyType);
  if (!crypto.ok) return { ok: false, via: 'built-in', fingerprint: crypto.fingerprint, keyType: crypto.keyType, reason: crypto.reason };
  const at = i.at ?? new Date();
  const m = i.principal
    ? principalAllowed(i.allowed, i.principal, sig.publicKey, i.namespace, at)
    : findPrincipals(i.allowed, sig.publicKey, i.namespace, at);
  if (!m.entries.length) {
    // a plain key may still be trusted through nothing but a cert-authority line; ssh-keygen has the last word
    const fingerprint = keyFingerprint(sig.publicKey);
    return { ok: false, via: 'built-in', fingerprint, keyType: sig.keyType, reason: m.reason ?? 'signer not trusted' };
  }
  return { ok: true, via: 'built-in', principal: i.principal ?? m.principals[0], fingerprint: crypto.fingerprint, keyType: crypto.keyType };
}
