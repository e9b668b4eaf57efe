import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sha256File, sha256Hex } from '../../src/signing/digest.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'rt-digest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('digests', () => {
  it('sha256Hex is the FIPS 180-2 digest of "abc", in lowercase hex', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex(Buffer.from('abc'))).toBe(sha256Hex('abc'));
  });

  it('sha256File streams a file of many chunks to the digest sha256sum prints', () => {
    const file = path.join(dir, 'big.bin');
    const bytes = Buffer.alloc(300_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff;
    writeFileSync(file, bytes);
    const coreutils = spawnSync('sha256sum', [file], { encoding: 'utf8' }).stdout.split(' ')[0];
    return expect(sha256File(file)).resolves.toBe(coreutils);
  });

  it('sha256File of a missing file rejects with ENOENT', async () => {
    await expect(sha256File(path.join(dir, 'nope'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
