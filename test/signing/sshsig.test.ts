import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSignature } from '../../src/signing/check-signature.js';
import {
  findPrincipals,
  keyFingerprint,
  matchPrincipal,
  parseAllowedSigners,
  parseArmoredSignature,
  parsePublicKeyLine,
  verifySshSig,
} from '../../src/signing/sshsig.js';
import { allowedLine, genKey, type TestKey } from '../report/helpers/ssh.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rt-sshsig-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Sign with the reference implementation. */
function sshSign(key: TestKey, ns: string, file: string, hashalg?: string): string {
  rmSync(file + '.sig', { force: true });
  const args = ['-q', '-Y', 'sign', '-f', key.priv, '-n', ns];
  if (hashalg) args.push('-O', `hashalg=${hashalg}`);
  const r = spawnSync('ssh-keygen', [...args, file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return readFileSync(file + '.sig', 'utf8');
}

describe('built-in SSHSIG verifier against ssh-keygen signatures', () => {
  const cases: { name: string; type: string; bits?: number; hashalg?: string }[] = [
    { name: 'ed25519', type: 'ed25519' },
    { name: 'ed25519-sha256', type: 'ed25519', hashalg: 'sha256' },
    { name: 'ecdsa-p256', type: 'ecdsa', bits: 256 },
    { name: 'ecdsa-p384', type: 'ecdsa', bits: 384 },
    { name: 'ecdsa-p521', type: 'ecdsa', bits: 521 },
    { name: 'rsa-2048', type: 'rsa', bits: 2048 },
  ];
  for (const c of cases) {
    it(`verifies ${c.name} and rejects tampering, a wrong namespace`, () => {
      const k = genKey(dir, `k-${c.name}`, { type: c.type, bits: c.bits });
      const file = path.join(dir, `msg-${c.name}`);
      writeFileSync(file, `payload for ${c.name}\n`);
      const sig = parseArmoredSignature(sshSign(k, 'report@readiness-tui', file, c.hashalg));
      expect(sig.hashAlg).toBe(c.hashalg ?? 'sha512');
      const msg = readFileSync(file);
      const fp = spawnSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', k.pub], { encoding: 'utf8' }).stdout.split(' ')[1];
      expect(verifySshSig(sig, msg, 'report@readiness-tui')).toEqual({ ok: true, fingerprint: fp, keyType: sig.keyType });
      const bad = Buffer.from(msg);
      bad[0] = bad[0]! ^ 1;
      expect(verifySshSig(sig, bad, 'report@readiness-tui')).toMatchObject({ ok: false, reason: 'incorrect signature' });
      expect(verifySshSig(sig, msg, 'signoff@readiness-tui')).toMatchObject({ ok: false, reason: expect.stringContaining('namespace') });
    });
  }

  it('rejects a corrupted signature blob and non-armored text', () => {
    const k = genKey(dir, 'k-corrupt');
    const file = path.join(dir, 'msg-corrupt');
    writeFileSync(file, 'x');
    const text = sshSign(k, 'ns@x', file);
    const sig = parseArmoredSignature(text);
    const flipped = Buffer.from(sig.signature);
    flipped[flipped.length - 3] = flipped[flipped.length - 3]! ^ 0xff;
    expect(verifySshSig({ ...sig, signature: flipped }, readFileSync(file), 'ns@x').ok).toBe(false);
    expect(() => parseArmoredSignature('hello')).toThrow(/no BEGIN/);
    const b64 = Buffer.from('SSHSIG\0\0\0\x02').toString('base64');
    expect(() => parseArmoredSignature(`-----BEGIN SSH SIGNATURE-----\n${b64}\n-----END SSH SIGNATURE-----`)).toThrow(/version 2/);
  });
});

describe('allowed_signers', () => {
  it('parses principals, options with quotes, and reports bad lines with file:line', () => {
    const a = genKey(dir, 'as-a');
    const b = genKey(dir, 'as-b');
    const [bt, bb] = b.pubLine.split(' ');
    const text = [
      '# trusted signers',
      allowedLine('alice@example.com,ops@example.com', a, 'report@readiness-tui,signoff@readiness-tui'),
      `*@corp.example,!mallory@corp.example valid-after="20260101",valid-before="20261231Z" ${bt} ${bb} comment here`,
      `"carol@example.com" cert-authority,namespaces="signoff@readiness-tui" ${bt} ${bb}`,
      'broken line',
      `x@y frobnicate ${bt} ${bb}`,
      '',
    ].join('\n');
    const as = parseAllowedSigners(text, 'AS');
    expect(as.entries).toHaveLength(3); // the line with an unknown option is refused, like ssh-keygen does
    expect(as.entries[0]).toMatchObject({ line: 2, principals: ['alice@example.com', 'ops@example.com'], namespaces: ['report@readiness-tui', 'signoff@readiness-tui'] });
    expect(as.entries[1]!.validBefore!.toISOString()).toBe('2026-12-31T00:00:00.000Z');
    expect(as.entries[2]).toMatchObject({ principals: ['carol@example.com'], certAuthority: true });
    expect(as.problems).toEqual(['AS:5: expected "principals [options] keytype key"', 'AS:6: unknown option "frobnicate"']);

    const blobA = parsePublicKeyLine(a.pubLine).blob;
    const blobB = parsePublicKeyLine(b.pubLine).blob;
    const now = new Date('2026-06-01T00:00:00Z');
    expect(findPrincipals(as, blobA, 'report@readiness-tui', now).principals).toEqual(['alice@example.com', 'ops@example.com']);
    expect(findPrincipals(as, blobA, 'other@ns', now).reason).toMatch(/not permitted for namespace "other@ns"/);
    expect(findPrincipals(as, blobB, 'report@readiness-tui', new Date('2027-01-02T00:00:00Z')).reason).toMatch(/not valid at/);
    expect(findPrincipals(as, blobB, 'report@readiness-tui', now).principals).toEqual(['*@corp.example', '!mallory@corp.example']);
    expect(matchPrincipal('eve@corp.example', ['*@corp.example', '!mallory@corp.example'])).toBe(true);
    expect(matchPrincipal('mallory@corp.example', ['*@corp.example', '!mallory@corp.example'])).toBe(false);
    expect(keyFingerprint(blobA)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});

describe('checkSignature', () => {
  it('attributes a signature to its principal and refuses untrusted keys and wrong principals', async () => {
    const k = genKey(dir, 'cs-alice');
    const evil = genKey(dir, 'cs-evil');
    const file = path.join(dir, 'cs-msg');
    writeFileSync(file, 'sums\n');
    const asFile = path.join(dir, 'cs-as');
    writeFileSync(asFile, allowedLine('alice@example.com', k, 'report@readiness-tui') + '\n');
    const allowed = parseAllowedSigners(readFileSync(asFile, 'utf8'));
    const base = { message: readFileSync(file), sigFile: file + '.sig', allowedFile: asFile, allowed, namespace: 'report@readiness-tui' };
    const good = await checkSignature({ ...base, sigText: sshSign(k, 'report@readiness-tui', file) });
    expect(good).toMatchObject({ ok: true, principal: 'alice@example.com', via: 'built-in' });
    const wrong = await checkSignature({ ...base, principal: 'bob@example.com', sigText: readFileSync(file + '.sig', 'utf8') });
    expect(wrong).toMatchObject({ ok: false, reason: expect.stringContaining('not allowed for principal "bob@example.com"') });
    const untrusted = await checkSignature({ ...base, sigText: sshSign(evil, 'report@readiness-tui', file) });
    expect(untrusted).toMatchObject({ ok: false, reason: expect.stringContaining('is not in allowed_signers') });
  });

  it('hands certificate signatures to ssh-keygen (cert-authority trust)', async () => {
    const ca = genKey(dir, 'ca');
    const user = genKey(dir, 'erin');
    const r = spawnSync('ssh-keygen', ['-q', '-s', ca.priv, '-I', 'erin-cert', '-n', 'erin@example.com', '-V', '-5m:+1h', user.pub], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const file = path.join(dir, 'cert-msg');
    writeFileSync(file, 'signed with a certificate\n');
    const s = spawnSync('ssh-keygen', ['-q', '-Y', 'sign', '-f', user.priv.replace(/$/, '-cert.pub'), '-n', 'signoff@readiness-tui', file], { encoding: 'utf8' });
    // ssh-keygen picks the private key next to the certificate
    expect(s.status, s.stderr).toBe(0);
    const asFile = path.join(dir, 'cert-as');
    const [t, b] = ca.pubLine.split(' ');
    writeFileSync(asFile, `*@example.com cert-authority,namespaces="signoff@readiness-tui" ${t} ${b}\n`);
    const allowed = parseAllowedSigners(readFileSync(asFile, 'utf8'));
    const v = await checkSignature({
      message: readFileSync(file), sigText: readFileSync(file + '.sig', 'utf8'), sigFile: file + '.sig',
      allowedFile: asFile, allowed, namespace: 'signoff@readiness-tui', principal: 'erin@example.com',
    });
    expect(v).toMatchObject({ ok: true, via: 'ssh-keygen', principal: 'erin@example.com' });
    const bad = await checkSignature({
      message: Buffer.from('other'), sigText: readFileSync(file + '.sig', 'utf8'), sigFile: file + '.sig',
      allowedFile: asFile, allowed, namespace: 'signoff@readiness-tui', principal: 'erin@example.com',
    });
    expect(bad).toMatchObject({ ok: false, via: 'ssh-keygen' });
  });
});
