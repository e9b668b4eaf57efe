/**
 * verify never crashes: bytes of a small signed bundle (journal, sign-off statements and their signatures,
 * report.json, SHA256SUMS, SHA256SUMS.sig) are flipped one at a time; each damaged bundle must give findings, be
 * INVALID, and never end in an exception or in the catch-all UNFORESEEN finding (every damage is named by a check).
 *
 * Under `npm test` a seeded sample of ~250 bytes is flipped. `npm run faults` (RT_FAULTS=1) flips every byte of
 * SHA256SUMS, SHA256SUMS.sig and the statements and their signatures, and a seeded 1,000 of journal.jsonl's and 500
 * of report.json's ~7,500 bytes each (every byte of all files is ~18,000 verifies, over 20 minutes on this shared
 * 2-core machine).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeSums, listFiles } from '../../src/report/sums.js';
import { UNFORESEEN, verifyBundle } from '../../src/report/verify.js';
import { FULL_FAULTS, recordFaultRow } from '../support/faults.js';
import { rng } from '../support/rng.js';
import { makeSignedBundle, type Fixture } from './helpers/bundle.js';

let root: string;
let fx: Fixture;
let targets: string[];

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'rt-verify-fuzz-'));
  fx = await makeSignedBundle(path.join(root, 'good'));
  targets = (await listFiles(fx.result.dir)).filter((f) => /^(journal\.jsonl|report\.json|SHA256SUMS(\.sig)?|signoffs\/.*)$/.test(f));
}, 120_000);
afterAll(async () => {
  await fx?.session.close();
  rmSync(root, { recursive: true, force: true });
});

/** under RT_FAULTS=1 every byte is flipped, except in these files: about this many of their bytes (seeded) */
const FULL_CAP: Record<string, number> = { 'journal.jsonl': 1000, 'report.json': 500 };

interface Flip {
  file: string;
  at: number;
  mask: number;
}

/** Every byte (the fault suite) or a seeded sample plus the first and last byte of each file; each flip XORs a nonzero mask. */
function flips(files: string[], dir: string, sample: number, seed: number, everyByte = FULL_FAULTS): Flip[] {
  const next = rng(seed);
  const mask = () => 1 + Math.floor(next() * 255);
  const sizes = files.map((file) => ({ file, size: readFileSync(path.join(dir, file)).length }));
  if (everyByte)
    return sizes.flatMap(({ file, size }) => {
      const every = Array.from({ length: size }, (_, at) => ({ file, at, mask: mask() }));
      const cap = FULL_CAP[file];
      // a seeded sample of the two large files keeps the run within the fault suite's time
      return cap === undefined || cap >= size ? every : every.filter(() => next() < cap / size);
    });
  const out = sizes.flatMap(({ file, size }) => [{ file, at: 0, mask: mask() }, { file, at: size - 1, mask: mask() }]);
  // inside each "path" key of the journal (a sign-off statement's or an evidence file's)
  if (files.includes('journal.jsonl'))
    for (const m of readFileSync(path.join(dir, 'journal.jsonl'), 'latin1').matchAll(/"path"/g)) out.push({ file: 'journal.jsonl', at: m.index + 2, mask: mask() });
  const total = sizes.reduce((a, s) => a + s.size, 0);
  for (let i = 0; i < sample; i++) {
    let at = Math.floor(next() * total);
    const hit = sizes.find((s) => (at < s.size ? true : ((at -= s.size), false)))!;
    out.push({ file: hit.file, at, mask: mask() });
  }
  return out;
}

/** Flip, run `check` on the damaged bundle, restore; the flips that crashed, needed UNFORESEEN or stayed VALID. */
async function campaign(dir: string, list: Flip[], after?: (dir: string) => Promise<void>): Promise<string[]> {
  const bad: string[] = [];
  const sumsAndSig = ['SHA256SUMS', 'SHA256SUMS.sig'].map((f) => [f, readFileSync(path.join(dir, f))] as const);
  for (const f of list) {
    const file = path.join(dir, f.file);
    const orig = readFileSync(file);
    const b = Buffer.from(orig);
    b[f.at] = b[f.at]! ^ f.mask;
    writeFileSync(file, b);
    const name = `${f.file}@${f.at}^0x${f.mask.toString(16)}`;
    try {
      await after?.(dir);
      const r = await verifyBundle(dir, { allowedSigners: fx.allowed });
      const unforeseen = r.findings.find((x) => x.message.startsWith(UNFORESEEN));
      if (unforeseen) bad.push(`${name}: ${unforeseen.message}`);
      else if (r.valid) bad.push(`${name}: VALID`);
    } catch (err) {
      bad.push(`${name}: threw ${(err as Error).stack}`);
    } finally {
      writeFileSync(file, orig);
      for (const [n, bytes] of sumsAndSig) writeFileSync(path.join(dir, n), bytes);
    }
  }
  return bad;
}

describe('verify: byte-flip fuzz', () => {
  it('every flipped byte is a finding (INVALID), never a crash', async () => {
    const dir = path.join(root, 'flip');
    cpSync(fx.result.dir, dir, { recursive: true });
    const list = flips(targets, dir, 200, 0x5eed);
    const bad = await campaign(dir, list);
    recordFaultRow({ experiment: 'verify: byte flips (journal, statements, report.json, SHA256SUMS, signatures)', trials: list.length, failures: bad.length, goal: '0 crashes, every flip INVALID' });
    expect(bad).toEqual([]);
  }, 1_200_000);

  it('with SHA256SUMS rebuilt and re-signed by the trusted captain, a flip in the journal, a statement or report.json is still found', async () => {
    const dir = path.join(root, 'resigned');
    cpSync(fx.result.dir, dir, { recursive: true });
    const list = flips(
      targets.filter((f) => !f.startsWith('SHA256SUMS')),
      dir,
      FULL_FAULTS ? 300 : 40,
      0xc0ffee,
      false, // a seeded sample in both runs: each flip is also a re-signing
    );
    const bad = await campaign(dir, list, async (d) => {
      const files = (await listFiles(d)).filter((f) => !f.startsWith('SHA256SUMS'));
      writeFileSync(path.join(d, 'SHA256SUMS'), (await computeSums(d, files)).text);
      rmSync(path.join(d, 'SHA256SUMS.sig'));
      const s = spawnSync('ssh-keygen', ['-q', '-Y', 'sign', '-f', fx.captain.priv, '-n', 'report@readiness-tui', path.join(d, 'SHA256SUMS')]);
      if (s.status !== 0) throw new Error(`ssh-keygen -Y sign: ${s.stderr}`);
    });
    recordFaultRow({ experiment: 'verify: byte flips under a re-signed manifest', trials: list.length, failures: bad.length, goal: '0 crashes, every flip INVALID' });
    expect(bad).toEqual([]);
  }, 1_200_000);
});
