/**
 * A built-in verifier for OpenSSH signatures (SSHSIG, openssh PROTOCOL.sshsig) over node:crypto, for ed25519,
 * ECDSA (nistp256/384/521) and RSA (rsa-sha2-256/512) keys, plus an `allowed_signers` parser (ssh-keygen(1)
 * "ALLOWED SIGNERS"). Certificates and FIDO (sk-*) keys are reported as unsupported so the caller can hand the
 * signature to `ssh-keygen -Y verify` instead.
 */
import { createHash, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';

const MAGIC = Buffer.from('SSHSIG');
const ARMOR_BEGIN = '-----BEGIN SSH SIGNATURE-----';
const ARMOR_END = '-----END SSH SIGNATURE-----';

/** Reads RFC 4251 wire types from a buffer. Throws a plain Error on truncated input. */
export class WireReader {
  private off = 0;
  constructor(private readonly buf: Buffer) {}
  get done(): boolean {
    return this.off >= this.buf.length;
  }
  bytes(n: number): Buffer {
    if (this.off + n > this.buf.length) throw new Error('truncated data');
    const b = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return b;
  }
  uint32(): number {
    return this.bytes(4).readUInt32BE(0);
  }
  string(): Buffer {
    return this.bytes(this.uint32());
  }
  text(): string {
    return this.string().toString('utf8');
  }
}

export function wireString(b: Buffer | string): Buffer {
  const data = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length, 0);
  return Buffer.concat([len, data]);
}

export interface SshSignature {
  version: number;
  /** RFC 4253 public key blob (may be a certificate) */
  publicKey: Buffer;
  keyType: string;
  namespace: string;
  hashAlg: string;
  /** the SSH signature blob: string alg, string sig [, sk extras] */
  signature: Buffer;
  sigAlg: string;
}

/** The blob inside an armored SSHSIG (whitespace-tolerant). Throws an Error saying what is wrong. */
export function dearmorSignature(text: string): Buffer {
  const start = text.indexOf(ARMOR_BEGIN);
  const end = text.indexOf(ARMOR_END);
  if (start < 0 || end < start) throw new Error('not an SSH signature (no BEGIN/END SSH SIGNATURE armor)');
  const b64 = text.slice(start + ARMOR_BEGIN.length, end).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new Error('SSH signature armor holds invalid base64');
  return Buffer.from(b64, 'base64');
}

/** The armor exactly as `ssh-keygen -Y sign` writes it: base64 lines of 70 characters, each line ended by \n. */
export function armorSignature(blob: Buffer): string {
  const lines = blob.toString('base64').match(/.{1,70}/g) ?? [];
  return [ARMOR_BEGIN, ...lines, ARMOR_END, ''].join('\n');
}

/** Parse an armored SSHSIG (whitespace-tolerant). Throws an Error saying what is wrong. */
export function parseArmoredSignature(text: string): SshSignature {
  const blob = dearmorSignature(text);
  const r = new WireReader(blob);
  if (!r.bytes(6).equals(MAGIC)) throw new Error('SSH signature has a bad magic preamble (not SSHSIG)');
  const version = r.uint32();
  if (version !== 1) throw new Error(`SSH signature version ${version} is not supported (expected 1)`);
  const publicKey = r.string();
  const namespace = r.text();
  r.string(); // reserved
  const hashAlg = r.text();
  const signature = r.string();
  if (!r.done) throw new Error('SSH signature has trailing data');
  const keyType = new WireReader(publicKey).text();
  const sigAlg = new WireReader(signature).text();
  return { version, publicKey, keyType, namespace, hashAlg, signature, sigAlg };
}

/** "SHA256:<base64 without padding>" like ssh-keygen -l. */
export function keyFingerprint(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** Parse "type base64 [comment]" (an authorized_keys / .pub line) into its blob. */
export function parsePublicKeyLine(line: string): { type: string; blob: Buffer; comment?: string } {
  const parts = line.trim().split(/\s+/);
  if (parts.length < 2) throw new Error('not an SSH public key line');
  const blob = Buffer.from(parts[1]!, 'base64');
  const type = new WireReader(blob).text();
  if (type !== parts[0]) throw new Error(`public key type "${parts[0]}" does not match its data ("${type}")`);
  return { type, blob, comment: parts.slice(2).join(' ') || undefined };
}

const b64url = (b: Buffer) => b.toString('base64url');
const stripZeros = (b: Buffer) => {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
};

const CURVES: Record<string, { crv: string; size: number; hash: string }> = {
  nistp256: { crv: 'P-256', size: 32, hash: 'sha256' },
  nistp384: { crv: 'P-384', size: 48, hash: 'sha384' },
  nistp521: { crv: 'P-521', size: 66, hash: 'sha512' },
};

export function isBuiltinKeyType(type: string): boolean {
  return type === 'ssh-ed25519' || type === 'ssh-rsa' || /^ecdsa-sha2-nistp(256|384|521)$/.test(type);
}

/** Turn an SSH public key blob into a node KeyObject (ed25519, ecdsa, rsa). */
export function publicKeyObject(blob: Buffer): KeyObject {
  const r = new WireReader(blob);
  const type = r.text();
  if (type === 'ssh-ed25519') {
    const x = r.string();
    if (x.length !== 32) throw new Error('bad ed25519 key length');
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(x) }, format: 'jwk' });
  }
  if (type === 'ssh-rsa') {
    const e = stripZeros(r.string());
    const n = stripZeros(r.string());
    return createPublicKey({ key: { kty: 'RSA', n: b64url(n), e: b64url(e) }, format: 'jwk' });
  }
  const m = /^ecdsa-sha2-(nistp\d+)$/.exec(type);
  if (m && CURVES[m[1]!]) {
    const curve = CURVES[m[1]!]!;
    if (r.text() !== m[1]) throw new Error('ECDSA key curve does not match its type');
    const q = r.string();
    if (q[0] !== 4 || q.length !== 1 + 2 * curve.size) throw new Error('unsupported ECDSA point encoding');
    return createPublicKey({
      key: { kty: 'EC', crv: curve.crv, x: b64url(q.subarray(1, 1 + curve.size)), y: b64url(q.subarray(1 + curve.size)) },
      format: 'jwk',
    });
  }
  throw new Error(`key type ${type} is not supported by the built-in verifier`);
}

/** The bytes the key actually signed (PROTOCOL.sshsig "signed data"). */
export function signedData(namespace: string, hashAlg: string, message: Buffer): Buffer {
  const h = createHash(hashAlg).update(message).digest();
  return Buffer.concat([MAGIC, wireString(namespace), wireString(''), wireString(hashAlg), wireString(h)]);
}

export type SigCheck =
  | { ok: true; fingerprint: string; keyType: string }
  | { ok: false; unsupported?: boolean; reason: string; fingerprint?: string; keyType?: string };

/** Cryptographic check of an SSHSIG over `message` in `namespace` (who signed is a separate question). */
export function verifySshSig(sig: SshSignature, message: Buffer, namespace: string): SigCheck {
  const fingerprint = keyFingerprint(sig.publicKey);
  const keyType = sig.keyType;
  if (sig.namespace !== namespace)
    return { ok: false, reason: `namespace is "${sig.namespace}", expected "${namespace}"`, fingerprint, keyType };
  if (sig.hashAlg !== 'sha256' && sig.hashAlg !== 'sha512')
    return { ok: false, reason: `hash algorithm "${sig.hashAlg}" is not allowed`, fingerprint, keyType };
  if (!isBuiltinKeyType(keyType))
    return { ok: false, unsupported: true, reason: `key type ${keyType} needs ssh-keygen`, fingerprint, keyType };
  try {
    const key = publicKeyObject(sig.publicKey);
    const data = signedData(namespace, sig.hashAlg, message);
    const sr = new WireReader(sig.signature);
    const alg = sr.text();
    const raw = sr.string();
    let good = false;
    if (keyType === 'ssh-ed25519') {
      if (alg !== 'ssh-ed25519') throw new Error(`signature algorithm ${alg} does not match key type ${keyType}`);
      good = cryptoVerify(null, data, key, raw);
    } else if (keyType === 'ssh-rsa') {
      const hash = alg === 'rsa-sha2-256' ? 'sha256' : alg === 'rsa-sha2-512' ? 'sha512' : undefined;
      if (!hash) throw new Error(`RSA signature algorithm ${alg} is not allowed (rsa-sha2-256/512 only)`);
      good = cryptoVerify(hash, data, key, raw);
    } else {
      if (alg !== keyType) throw new Error(`signature algorithm ${alg} does not match key type ${keyType}`);
      const curve = CURVES[keyType.slice('ecdsa-sha2-'.length)]!;
      const rs = new WireReader(raw);
      const pad = (b: Buffer) => {
        const s = stripZeros(b);
        if (s.length > curve.size) throw new Error('bad ECDSA signature value');
        return Buffer.concat([Buffer.alloc(curve.size - s.length), s]);
      };
      const p1363 = Buffer.concat([pad(rs.string()), pad(rs.string())]);
      good = cryptoVerify(curve.hash, data, { key, dsaEncoding: 'ieee-p1363' }, p1363);
    }
    return good ? { ok: true, fingerprint, keyType } : { ok: false, reason: 'incorrect signature', fingerprint, keyType };
  } catch (err) {
    return { ok: false, reason: (err as Error).message, fingerprint, keyType };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// allowed_signers

export interface AllowedSigner {
  line: number;
  principals: string[];
  certAuthority: boolean;
  namespaces?: string[];
  validAfter?: Date;
  validBefore?: Date;
  keyType: string;
  key: Buffer;
}

export interface AllowedSigners {
  entries: AllowedSigner[];
  /** "file:line: problem" for lines that could not be used */
  problems: string[];
}

/** Split on whitespace outside double quotes. */
function tokens(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let has = false;
  for (const ch of line) {
    if (ch === '"') {
      quoted = !quoted;
      cur += ch;
      has = true;
    } else if (!quoted && /\s/.test(ch)) {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}

const unquote = (s: string) => (s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s);

/** Split an options field on commas outside quotes. */
function splitOptions(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of s) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** YYYYMMDD[HHMM[SS]][Z] → Date (local time unless Z, as ssh-keygen does). */
export function parseSshTime(s: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?(Z)?$/.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h = '0', mi = '0', se = '0'] = m.slice(1, 7).map((x) => x ?? '0');
  const args = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(se)] as const;
  return m[7] ? new Date(Date.UTC(...args)) : new Date(...args);
}

function looksLikeKeyType(t: string): boolean {
  return /^(ssh-|ecdsa-|sk-|rsa-)/.test(t);
}

export function parseAllowedSigners(text: string, file = 'allowed_signers'): AllowedSigners {
  const entries: AllowedSigner[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const t = tokens(line);
    if (t.length < 3) {
      problems.push(`${file}:${lineNo}: expected "principals [options] keytype key"`);
      return;
    }
    const principals = unquote(t[0]!).split(',').filter(Boolean);
    let idx = 1;
    let certAuthority = false;
    let namespaces: string[] | undefined;
    let validAfter: Date | undefined;
    let validBefore: Date | undefined;
    const before = problems.length;
    if (!looksLikeKeyType(t[1]!)) {
      for (const opt of splitOptions(t[1]!)) {
        const eq = opt.indexOf('=');
        const name = (eq < 0 ? opt : opt.slice(0, eq)).toLowerCase();
        const value = eq < 0 ? '' : unquote(opt.slice(eq + 1));
        if (name === 'cert-authority') certAuthority = true;
        else if (name === 'namespaces') namespaces = value.split(',').filter(Boolean);
        else if (name === 'valid-after' || name === 'valid-before') {
          const d = parseSshTime(value);
          if (!d) problems.push(`${file}:${lineNo}: ${name}="${value}" is not YYYYMMDD[HHMM[SS]][Z]`);
          else if (name === 'valid-after') validAfter = d;
          else validBefore = d;
        } else problems.push(`${file}:${lineNo}: unknown option "${name}"`);
      }
      idx = 2;
    }
    // ssh-keygen refuses a line with a bad option; so do we (never trust a line we did not fully understand)
    if (problems.length > before) return;
    const keyType = t[idx];
    const keyB64 = t[idx + 1];
    if (!keyType || !keyB64) {
      problems.push(`${file}:${lineNo}: missing key type or key data`);
      return;
    }
    try {
      const { blob } = parsePublicKeyLine(`${keyType} ${keyB64}`);
      entries.push({ line: lineNo, principals, certAuthority, namespaces, validAfter, validBefore, keyType, key: blob });
    } catch (err) {
      problems.push(`${file}:${lineNo}: ${(err as Error).message}`);
    }
  });
  return { entries, problems };
}

/** OpenSSH match_pattern: `*` and `?` wildcards. */
export function matchPattern(s: string, pattern: string): boolean {
  const re = new RegExp(
    '^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$',
    's',
  );
  return re.test(s);
}

/** OpenSSH match_pattern_list semantics: a negated (!) match wins, else any positive match. */
export function matchPrincipal(principal: string, patterns: string[]): boolean {
  let matched = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (matchPattern(principal, p.slice(1))) return false;
    } else if (matchPattern(principal, p)) matched = true;
  }
  return matched;
}

export interface SignerMatch {
  principals: string[];
  entries: AllowedSigner[];
  /** why no entry matched, when none did */
  reason?: string;
}

/**
 * Which allowed_signers entries trust this (plain, non-certificate) key for `namespace` at `at`.
 * Principals are the patterns of matching lines (as ssh-keygen -Y find-principals prints them).
 */
export function findPrincipals(as: AllowedSigners, keyBlob: Buffer, namespace: string, at: Date): SignerMatch {
  const sameKey = as.entries.filter((e) => !e.certAuthority && e.key.equals(keyBlob));
  if (!sameKey.length) return { principals: [], entries: [], reason: `key ${keyFingerprint(keyBlob)} is not in allowed_signers` };
  const nsOk = sameKey.filter((e) => !e.namespaces || e.namespaces.some((n) => matchPattern(namespace, n)));
  if (!nsOk.length)
    return { principals: [], entries: [], reason: `key ${keyFingerprint(keyBlob)} is not permitted for namespace "${namespace}"` };
  const timeOk = nsOk.filter((e) => (!e.validAfter || at >= e.validAfter) && (!e.validBefore || at <= e.validBefore));
  if (!timeOk.length)
    return { principals: [], entries: [], reason: `key ${keyFingerprint(keyBlob)} was not valid at ${at.toISOString()}` };
  return { principals: timeOk.flatMap((e) => e.principals), entries: timeOk };
}

/** Does `principal` appear (by pattern) in a line trusting this key for the namespace at the time? */
export function principalAllowed(as: AllowedSigners, principal: string, keyBlob: Buffer, namespace: string, at: Date): SignerMatch {
  const m = findPrincipals(as, keyBlob, namespace, at);
  if (!m.entries.length) return m;
  const entries = m.entries.filter((e) => matchPrincipal(principal, e.principals));
  if (!entries.length)
    return { principals: [], entries: [], reason: `key ${keyFingerprint(keyBlob)} is not allowed for principal "${principal}"` };
  return { principals: [principal], entries };
}

/** Does the file need ssh-keygen (certificate authorities)? */
export function hasCertAuthorities(as: AllowedSigners): boolean {
  return as.entries.some((e) => e.certAuthority);
}
