/**
 * Minimal X.509 v3 certificates made with node:crypto alone (no openssl CLI): a throw-away CA and a server
 * certificate for 127.0.0.1/localhost, for the loopback HTTPS fakes of tests and the demo. P-256 keys,
 * ecdsa-with-SHA256 signatures, DER encoded by hand (RFC 5280 structures, only what TLS verification needs).
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

// ----- DER

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, content: Buffer): Buffer => Buffer.concat([Buffer.from([tag]), len(content.length), content]);
const seq = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]) => tlv(0x31, Buffer.concat(parts));
const explicit = (n: number, inner: Buffer) => tlv(0xa0 + n, inner);
const octets = (b: Buffer) => tlv(0x04, b);
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0x00]));
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));

function integer(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  let v = b.subarray(i);
  if (v[0]! & 0x80) v = Buffer.concat([Buffer.from([0]), v]);
  return tlv(0x02, v);
}

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
  const out = [40 * a + b];
  for (const n of rest) {
    const chunk: number[] = [n & 0x7f];
    for (let v = n >>> 7; v > 0; v >>>= 7) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** a BIT STRING holding flag bits numbered from the most significant bit of the first byte (RFC 5280 KeyUsage) */
function namedBits(bits: number[]): Buffer {
  const max = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(max / 8) + 1);
  for (const bit of bits) bytes[Math.floor(bit / 8)]! |= 0x80 >> bit % 8;
  const unused = 7 - (max % 8);
  return tlv(0x03, Buffer.concat([Buffer.from([unused]), bytes]));
}

const bitString = (b: Buffer) => tlv(0x03, Buffer.concat([Buffer.from([0]), b]));

function utcTime(d: Date): Buffer {
  const p = (n: number) => String(n).padStart(2, '0');
  const s = `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  return tlv(0x17, Buffer.from(s, 'ascii'));
}

const name = (cn: string) => seq(set(seq(oid('2.5.4.3'), utf8(cn))));
const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));
}

function keyId(spki: Buffer): Buffer {
  return createHash('sha1').update(spki).digest();
}

interface CertSpec {
  subject: string;
  issuer: string;
  publicKey: KeyObject;
  signingKey: KeyObject;
  issuerKeyId: Buffer;
  ca: boolean;
  days: number;
}

function certificate(s: CertSpec): string {
  const spki = s.publicKey.export({ type: 'spki', format: 'der' });
  const now = Date.now();
  const exts = [
    extension('2.5.29.19', true, s.ca ? seq(bool(true)) : seq()),
    extension('2.5.29.15', true, s.ca ? namedBits([5, 6]) : namedBits([0, 2])),
    extension('2.5.29.14', false, octets(keyId(spki))),
    extension('2.5.29.35', false, seq(tlv(0x80, s.issuerKeyId))),
  ];
  if (!s.ca) {
    exts.push(extension('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'))));
    exts.push(extension('2.5.29.17', false, seq(tlv(0x87, Buffer.from([127, 0, 0, 1])), tlv(0x82, Buffer.from('localhost', 'ascii')))));
  }
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    integer(Buffer.concat([Buffer.from([0x01]), randomBytes(15)])),
    ECDSA_SHA256,
    name(s.issuer),
    seq(utcTime(new Date(now - 3600_000)), utcTime(new Date(now + s.days * 86_400_000))),
    name(s.subject),
    spki,
    explicit(3, seq(...exts)),
  );
  const der = seq(tbs, ECDSA_SHA256, bitString(sign('sha256', tbs, s.signingKey)));
  const b64 = der.toString('base64').match(/.{1,64}/g)!.join('\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

export interface TlsMaterial {
  /** PEM of the CA certificate (what clients trust) */
  ca: string;
  /** PEM of the server certificate (127.0.0.1, localhost) */
  cert: string;
  /** PEM (PKCS#8) of the server's private key */
  key: string;
}

/** a fresh CA and a server certificate for 127.0.0.1/localhost, valid for `days` (default 3) */
export function makeLoopbackTls(days = 3): TlsMaterial {
  const caKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const srvKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const caKeyId = keyId(caKeys.publicKey.export({ type: 'spki', format: 'der' }));
  const caSubject = `readiness-tui loopback CA ${randomBytes(4).toString('hex')}`;
  const ca = certificate({ subject: caSubject, issuer: caSubject, publicKey: caKeys.publicKey, signingKey: caKeys.privateKey, issuerKeyId: caKeyId, ca: true, days });
  const cert = certificate({ subject: 'kube-apiserver', issuer: caSubject, publicKey: srvKeys.publicKey, signingKey: caKeys.privateKey, issuerKeyId: caKeyId, ca: false, days });
  return { ca, cert, key: srvKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}
