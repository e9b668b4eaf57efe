/**
 * verify, the outer checks: the finding format, the allowed_signers and bundle arguments, report.json read early,
 * SHA256SUMS.sig (who signed, with which key, when, as report.json claims) and SHA256SUMS (every listed file there
 * with its digest). Each test damages a copy of one signed bundle (real ssh-keygen keys and signatures) and asserts
 * the exact findings.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/checklist/errors.js';
import { writeReportBundle } from '../../src/report/bundle.js';
import { computeSums, listFiles } from '../../src/report/sums.js';
import { formatFinding, verifyBundle, type Finding, type VerifyResult } from '../../src/report/verify.js';
import { goodBundle } from './helpers/bundle.js';
import { CAPTAIN } from './helpers/session.js';
import { allowedLine, fingerprint } from './helpers/ssh.js';

const fixture = goodBundle('rt-verify-bundle-');
const copy = fixture.copy;
/** the captain's key fingerprint, as ssh-keygen prints it */
let captainFp: string;
beforeAll(() => {
  captainFp = fingerprint(fixture.fx.captain);
});

/** SHA256SUMS rebuilt over the bundle as it is now, and signed again by the trusted captain (report namespace). */
async function reseal(d: string): Promise<void> {
  const files = (await listFiles(d)).filter((f) => !f.startsWith('SHA256SUMS'));
  writeFileSync(path.join(d, 'SHA256SUMS'), (await computeSums(d, files)).text);
  resign(d);
}

function resign(d: string): void {
  rmSync(path.join(d, 'SHA256SUMS.sig'), { force: true });
  const s = spawnSync('ssh-keygen', ['-q', '-Y', 'sign', '-f', fixture.fx.captain.priv, '-n', 'report@readiness-tui', path.join(d, 'SHA256SUMS')], { encoding: 'utf8' });
  if (s.status !== 0) throw new Error(`ssh-keygen -Y sign: ${s.stderr}`);
}

/** report.json edited (as parsed JSON), then the manifest rebuilt and re-signed */
async function editReport(d: string, edit: (report: { bundle: Record<string, unknown> & { signature: Record<string, unknown> } }) => void): Promise<void> {
  const f = path.join(d, 'report.json');
  const report = JSON.parse(readFileSync(f, 'utf8'));
  edit(report);
  writeFileSync(f, JSON.stringify(report));
  await reseal(d);
}

/** an allowed_signers file of these lines */
function allowedFile(name: string, lines: string[]): string {
  const f = path.join(fixture.root, name);
  writeFileSync(f, lines.join('\n') + '\n');
  return f;
}

const fails = (r: VerifyResult) => r.findings.filter((f) => f.level === 'fail');
const about = (r: VerifyResult, file: string) => r.findings.filter((f) => f.file === file);
const failsAbout = (r: VerifyResult, file: string) => fails(r).filter((f) => f.file === file);
const sigOk = (fp: string): Finding => ({ level: 'ok', file: 'SHA256SUMS.sig', message: `good "report@readiness-tui" signature by ${CAPTAIN} with ssh-ed25519 key ${fp}` });

describe('formatFinding', () => {
  it('a four-letter tag per level, then the file when there is one', () => {
    expect(formatFinding({ level: 'ok', message: 'fine' })).toBe('OK   fine');
    expect(formatFinding({ level: 'warn', file: 'a/b.log', message: 'hm' })).toBe('WARN a/b.log: hm');
    expect(formatFinding({ level: 'fail', file: 'x', message: 'bad' })).toBe('FAIL x: bad');
    expect(formatFinding({ level: 'fail', file: '', message: 'bad' })).toBe('FAIL bad');
  });
});

describe('verify: arguments', () => {
  it('a bundle that is a file, not a directory, is a usage error naming it as given', async () => {
    const f = path.join(fixture.root, 'a-file');
    writeFileSync(f, 'x\n');
    const err = await verifyBundle(f, { allowedSigners: fixture.fx.allowed }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe(`bundle ${f} is not a directory`);
  });

  it('an allowed_signers path that cannot be read (a directory) is a usage error naming the resolved path', async () => {
    const rel = path.relative(process.cwd(), fixture.root);
    const err = await verifyBundle(fixture.fx.result.dir, { allowedSigners: rel }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe(`allowed signers file ${fixture.root} not found or not readable`);
  });

  it('an allowed_signers file with no usable line lists each problem and shows the expected form', async () => {
    const f = allowedFile('unusable', ['# comment', 'alice@example.com ssh-ed25519', `bob@example.com valid-after="soon" ${fixture.fx.bob.pubLine}`]);
    const err = await verifyBundle(fixture.fx.result.dir, { allowedSigners: f }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe(
      `allowed signers file ${f} has no usable entry:\n` +
        `  ${f}:2: expected "principals [options] keytype key"\n` +
        `  ${f}:3: valid-after="soon" is not YYYYMMDD[HHMM[SS]][Z]\n` +
        '(expected lines like: alice@example.com namespaces="report@readiness-tui,signoff@readiness-tui" ssh-ed25519 AAAA…)',
    );
  });

  it('an allowed_signers file with only comments: no problem list, just the expected form', async () => {
    const f = allowedFile('comments-only', ['# nobody yet']);
    const err = await verifyBundle(fixture.fx.result.dir, { allowedSigners: f }).catch((e: unknown) => e);
    expect((err as Error).message).toBe(
      `allowed signers file ${f} has no usable entry\n(expected lines like: alice@example.com namespaces="report@readiness-tui,signoff@readiness-tui" ssh-ed25519 AAAA…)`,
    );
  });

  it('a bad line among good ones is a warning (no file) and the bundle stays valid', async () => {
    const good = readFileSync(fixture.fx.allowed, 'utf8').trim().split('\n');
    const f = allowedFile('one-bad-line', [...good, 'carol@example.com']);
    const r = await verifyBundle(fixture.fx.result.dir, { allowedSigners: f });
    expect(r.valid).toBe(true);
    expect(r.findings.filter((x) => x.level === 'warn')).toEqual([
      { level: 'warn', file: undefined, message: `allowed_signers: ${f}:3: expected "principals [options] keytype key" (line ignored)` },
    ]);
  });
});

describe('verify: the result of a good bundle', () => {
  it('names the resolved bundle, the signer, the decision and that it is final; the manifest and signature findings exactly', async () => {
    const rel = path.relative(process.cwd(), fixture.fx.result.dir);
    const r = await verifyBundle(rel, { allowedSigners: fixture.fx.allowed });
    expect(r).toMatchObject({ valid: true, bundle: fixture.fx.result.dir, signer: CAPTAIN, decision: 'GO', interim: false });
    const listed = (await listFiles(fixture.fx.result.dir)).filter((f) => !f.startsWith('SHA256SUMS')).length;
    expect(about(r, 'SHA256SUMS')).toEqual([{ level: 'ok', file: 'SHA256SUMS', message: `all ${listed} files match their digests` }]);
    expect(about(r, 'SHA256SUMS.sig')).toEqual([sigOk(captainFp)]);
    // the manifest and its signature come first, before the journal's findings
    expect(r.findings.slice(0, 2).map((f) => f.file)).toEqual(['SHA256SUMS.sig', 'SHA256SUMS']);
  });

  it('namespace and signoffNamespace options replace the default namespaces', async () => {
    const r = await verifyBundle(fixture.fx.result.dir, { allowedSigners: fixture.fx.allowed, namespace: 'other@readiness-tui' });
    expect(fails(r)).toEqual([expect.objectContaining({ file: 'SHA256SUMS.sig', message: expect.stringMatching(/^signature not accepted: .*other@readiness-tui/) })]);
    expect(r.signer).toBeUndefined();
    const s = await verifyBundle(fixture.fx.result.dir, { allowedSigners: fixture.fx.allowed, signoffNamespace: 'other@readiness-tui' });
    expect(about(s, 'SHA256SUMS.sig')).toEqual([sigOk(captainFp)]);
    const sigs = fails(s).filter((f) => f.file?.startsWith('signoffs/') && f.file.endsWith('.sig'));
    expect(sigs.length).toBe(4); // bob's two sign-offs, the captain's waiver and final decision
    for (const f of sigs) expect(f.message).toMatch(/other@readiness-tui/);
  });
});

describe('verify: report.json, read first', () => {
  it('missing: a FAIL saying so, and the manifest signature is still checked', async () => {
    const d = copy();
    rmSync(path.join(d, 'report.json'));
    const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
    expect(fails(r)).toEqual([
      { level: 'fail', file: 'report.json', message: 'missing' },
      { level: 'fail', file: 'report.json', message: 'listed in SHA256SUMS but missing from the bundle' },
    ]);
    expect(about(r, 'SHA256SUMS.sig')).toEqual([sigOk(captainFp)]);
    expect(r).toMatchObject({ signer: CAPTAIN, decision: 'GO', interim: false });
  });

  it('not JSON: a FAIL with the parser message', async () => {
    const d = copy();
    writeFileSync(path.join(d, 'report.json'), '{"_type": ');
    await reseal(d);
    const parse = (() => {
      try {
        JSON.parse('{"_type": ');
      } catch (err) {
        return (err as Error).message;
      }
    })();
    const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
    expect(fails(r)).toEqual([{ level: 'fail', file: 'report.json', message: `not valid JSON (${parse})` }]);
    expect(about(r, 'SHA256SUMS.sig')).toEqual([sigOk(captainFp)]);
  });
});

describe('verify: SHA256SUMS.sig', () => {
  it('SHA256SUMS missing: a FAIL, and no signature check at all', async () => {
    const d = copy();
    rmSync(path.join(d, 'SHA256SUMS'));
    const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
    expect(fails(r)).toEqual([{ level: 'fail', file: 'SHA256SUMS', message: 'missing: this is not a readiness bundle, or its manifest was removed' }]);
    expect(about(r, 'SHA256SUMS.sig')).toEqual([]);
    expect(r.signer).toBeUndefined();
    expect(r.decision).toBe('GO');
  });

  it('missing: the bundle is UNSIGNED', async () => {
    const d = copy();
    rmSync(path.join(d, 'SHA256SUMS.sig'));
    const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
    expect(fails(r)).toEqual([{ level: 'fail', file: 'SHA256SUMS.sig', message: 'missing: the bundle is UNSIGNED' }]);
    expect(r.signer).toBeUndefined();
    // the digests are still checked
    expect(about(r, 'SHA256SUMS')).toEqual([expect.objectContaining({ level: 'ok' })]);
  });

  it('missing from a bundle written unsigned: the reason report.json gives is shown', async () => {
    const res = await writeReportBundle({
      sessionDir: fixture.fx.session.dir,
      outDir: path.join(fixture.root, 'unsigned'),
      signer: CAPTAIN,
      sign: false,
      interim: false,
      env: fixture.fx.env(),
      session: fixture.fx.session,
    });
    const r = await verifyBundle(res.dir, { allowedSigners: fixture.fx.allowed });
    expect(about(r, 'SHA256SUMS.sig')).toEqual([
      { level: 'fail', file: 'SHA256SUMS.sig', message: 'missing: the bundle is UNSIGNED (written unsigned on request (--no-sign))' },
    ]);
  });

  it('missing, with report.json missing or naming no signature: UNSIGNED without a reason', async () => {
    for (const report of [undefined, '{}', '{"bundle":{}}']) {
      const d = copy();
      rmSync(path.join(d, 'SHA256SUMS.sig'));
      if (report === undefined) rmSync(path.join(d, 'report.json'));
      else writeFileSync(path.join(d, 'report.json'), report);
      const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
      expect(about(r, 'SHA256SUMS.sig'), report).toEqual([{ level: 'fail', file: 'SHA256SUMS.sig', message: 'missing: the bundle is UNSIGNED' }]);
    }
  });

  it('not a signature at all: the reason, and no key', async () => {
    const d = copy();
    writeFileSync(path.join(d, 'SHA256SUMS.sig'), 'hello\n');
    const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
    expect(fails(r)).toEqual([
      { level: 'fail', file: 'SHA256SUMS.sig', message: 'signature not accepted: not an SSH signature (no BEGIN/END SSH SIGNATURE armor)' },
    ]);
    expect(r.signer).toBeUndefined();
  });

  it('by a key allowed_signers does not trust: the reason names the key', async () => {
    const d = copy();
    rmSync(path.join(d, 'SHA256SUMS.sig'));
    spawnSync('ssh-keygen', ['-q', '-Y', 'sign', '-f', fixture.fx.evil.priv, '-n', 'report@readiness-tui', path.join(d, 'SHA256SUMS')]);
    const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
    const evilFp = fingerprint(fixture.fx.evil);
    expect(about(r, 'SHA256SUMS.sig')).toEqual([
      { level: 'fail', file: 'SHA256SUMS.sig', message: expect.stringMatching(new RegExp(`^signature not accepted: .+ \\(key ${evilFp.replace(/[+/]/g, '\\$&')}\\)$`)) },
    ]);
    expect(r.signer).toBeUndefined();
  });

  it('a good signature re-wrapped (64-column base64): accepted, and a FAIL for the altered armor', async () => {
    const d = copy();
    const f = path.join(d, 'SHA256SUMS.sig');
    const lines = readFileSync(f, 'utf8').trim().split('\n');
    const b64 = lines.slice(1, -1).join('');
    writeFileSync(f, [lines[0], ...b64.match(/.{1,64}/g)!, lines.at(-1), ''].join('\n'));
    const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
    expect(about(r, 'SHA256SUMS.sig')).toEqual([
      sigOk(captainFp),
      { level: 'fail', file: 'SHA256SUMS.sig', message: 'is not written the way ssh-keygen writes a signature (its armor or base64 was altered)' },
    ]);
  });

  it('a directory or a symlink in its place is named, not followed (no catch-all)', async () => {
    for (const make of ['directory', 'symlink'] as const) {
      const d = copy();
      const sig = path.join(d, 'SHA256SUMS.sig');
      const real = readFileSync(sig);
      rmSync(sig);
      if (make === 'directory') mkdirSync(sig);
      else {
        // a symlink to a good signature elsewhere is still no signature of the bundle's own
        writeFileSync(path.join(path.dirname(d), `${make}-target.sig`), real);
        symlinkSync(path.join(path.dirname(d), `${make}-target.sig`), sig);
      }
      const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
      expect(r.valid).toBe(false);
      expect(about(r, 'SHA256SUMS.sig')).toEqual([
        { level: 'fail', file: 'SHA256SUMS.sig', message: 'is not a regular file (a symlink, directory or device has no place in a bundle)' },
      ]);
      expect(r.findings.some((f) => f.message.startsWith('verify stopped here'))).toBe(false);
      expect(r.signer).toBeUndefined();
      expect(r.decision).toBe('GO');
    }
  });

  it('report.json naming another signing key: a FAIL naming both keys', async () => {
    const d = copy();
    await editReport(d, (rep) => (rep.bundle.signature.keyFingerprint = 'SHA256:not-this-key'));
    const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
    expect(failsAbout(r, 'report.json')).toEqual([
      { level: 'fail', file: 'report.json', message: `names signing key SHA256:not-this-key, but SHA256SUMS.sig was made with ${captainFp}` },
    ]);
    expect(r.signer).toBe(CAPTAIN);
  });

  it('report.json naming no key and no signer: nothing to compare, the signature stands', async () => {
    const d = copy();
    await editReport(d, (rep) => {
      delete rep.bundle.signature.keyFingerprint;
      delete rep.bundle.signature.signer;
    });
    const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
    expect(failsAbout(r, 'report.json')).toEqual([]);
    expect(about(r, 'SHA256SUMS.sig')).toEqual([sigOk(captainFp)]);
    expect(r.signer).toBe(CAPTAIN);
  });

  it('report.json naming a second principal allowed_signers gives the same key: that principal is the signer', async () => {
    const d = copy();
    await editReport(d, (rep) => (rep.bundle.signature.signer = 'release@example.com'));
    const good = readFileSync(fixture.fx.allowed, 'utf8').trim().split('\n');
    const as = allowedFile('two-principals', [...good, allowedLine('release@example.com', fixture.fx.captain, 'report@readiness-tui')]);
    const r = await verifyBundle(d, { allowedSigners: as });
    // allowed_signers lists the captain first: that is who the signature is attributed to, and the claim holds
    expect(about(r, 'SHA256SUMS.sig')).toEqual([sigOk(captainFp)]);
    expect(failsAbout(r, 'report.json')).toEqual([]);
    expect(r.signer).toBe('release@example.com');
  });

  it('the key is checked at the time report.json gives, not now (valid-before in the past)', async () => {
    const d = copy();
    await editReport(d, (rep) => (rep.bundle.generatedAt = '2020-06-01T12:00:00.000Z'));
    const as = allowedFile('expired-since', [allowedLine(CAPTAIN, fixture.fx.captain, 'report@readiness-tui').replace(' namespaces=', ' valid-before="20210101",namespaces=')]);
    const r = await verifyBundle(d, { allowedSigners: as });
    expect(about(r, 'SHA256SUMS.sig')).toEqual([sigOk(captainFp)]);
    expect(r.signer).toBe(CAPTAIN);
  });

  it('report.json without a generation time (or without a bundle part): the key is checked now', async () => {
    const as = allowedFile('valid-after', [allowedLine(CAPTAIN, fixture.fx.captain, 'report@readiness-tui').replace(' namespaces=', ' valid-after="20000101",namespaces=')]);
    const d = copy();
    await editReport(d, (rep) => delete rep.bundle.generatedAt);
    const r = await verifyBundle(d, { allowedSigners: as });
    expect(about(r, 'SHA256SUMS.sig')).toEqual([sigOk(captainFp)]);
    const e = copy();
    await editReport(e, (rep) => delete (rep as { bundle?: unknown }).bundle);
    const s = await verifyBundle(e, { allowedSigners: as });
    expect(about(s, 'SHA256SUMS.sig')).toEqual([sigOk(captainFp)]);
    // nor does report.json's missing claim of a key or signer stop verify
    expect(s.findings.filter((f) => f.message.startsWith('verify stopped here'))).toEqual([]);
    expect(s.signer).toBe(CAPTAIN);
  });
});

describe('verify: SHA256SUMS', () => {
  it('a listed file deleted: a FAIL naming it, and no "all match" line', async () => {
    const d = copy();
    rmSync(path.join(d, 'summary.md'));
    const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
    expect(fails(r)).toEqual([
      { level: 'fail', file: 'summary.md', message: 'listed in SHA256SUMS but missing from the bundle' },
      { level: 'fail', file: 'summary.md', message: 'missing' }, // the views' check
    ]);
    expect(about(r, 'SHA256SUMS')).toEqual([]);
  });

  it('a directory listed: not a regular file', async () => {
    const d = copy();
    appendToSums(d, `${'0'.repeat(64)}  evidence\n`);
    const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
    expect(fails(r)).toContainEqual({ level: 'fail', file: 'evidence', message: 'is not a regular file (a symlink, directory or device has no place in a bundle)' });
  });

  it('malformed and unsafe lines are FAILs on SHA256SUMS; an unsafe name is not looked up', async () => {
    const d = copy();
    appendToSums(d, `not a sum line\n${'a'.repeat(64)}  ../outside\n`);
    const lines = readFileSync(path.join(d, 'SHA256SUMS'), 'utf8').trim().split('\n').length;
    const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
    expect(fails(r)).toEqual([
      { level: 'fail', file: 'SHA256SUMS', message: `line ${lines - 1}: not "<sha256>  <file>"` },
      { level: 'fail', file: 'SHA256SUMS', message: `line ${lines}: file name "../outside" is outside [A-Za-z0-9._/@-]` },
    ]);
    expect(about(r, 'SHA256SUMS.sig')).toEqual([sigOk(captainFp)]);
  });

  it('an empty manifest, signed: every file unlisted, and no "all 0 files match" line', async () => {
    const d = copy();
    writeFileSync(path.join(d, 'SHA256SUMS'), '');
    resign(d);
    const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
    const files = (await listFiles(d)).filter((f) => !f.startsWith('SHA256SUMS'));
    expect(fails(r)).toEqual(files.map((file) => ({ level: 'fail', file, message: 'not listed in SHA256SUMS: added after the bundle was made' })));
    expect(about(r, 'SHA256SUMS')).toEqual([]);
  });
});

describe('verify: the checks after the manifest', () => {
  it('no journal: named by the checks, never the catch-all (no session.start, so no session id for the sign-offs)', async () => {
    const d = copy();
    rmSync(path.join(d, 'journal.jsonl'));
    const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
    expect(r.valid).toBe(false);
    expect(r.findings.filter((f) => f.message.startsWith('verify stopped here'))).toEqual([]);
    expect(about(r, 'SHA256SUMS.sig')).toEqual([sigOk(captainFp)]);
  });

  it('a session.start that pins no checklist digest: checklist.yaml is not the one it ran, never the catch-all', async () => {
    const d = copy();
    const j = path.join(d, 'journal.jsonl');
    const [first, ...rest] = readFileSync(j, 'utf8').split('\n');
    const start = JSON.parse(first!) as { data: { checklist: { sha256?: string } } };
    delete start.data.checklist.sha256;
    writeFileSync(j, [JSON.stringify(start), ...rest].join('\n'));
    await reseal(d);
    const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
    expect(r.findings.filter((f) => f.message.startsWith('verify stopped here'))).toEqual([]);
    expect(failsAbout(r, 'checklist.yaml')).toEqual([
      { level: 'fail', file: 'checklist.yaml', message: expect.stringMatching(/^sha256 [0-9a-f]{64} is not the checklist the session ran \(journal line 1 pins undefined\)$/) },
    ]);
  });

  it('a session.start digest written "sha256:HEX" (any case) pins the checklist; "sha256:" anywhere else does not', async () => {
    const pin = async (digest: (hex: string) => string) => {
      const d = copy();
      const j = path.join(d, 'journal.jsonl');
      const [first, ...rest] = readFileSync(j, 'utf8').split('\n');
      const start = JSON.parse(first!) as { data: { checklist: { sha256: string } } };
      start.data.checklist.sha256 = digest(start.data.checklist.sha256);
      writeFileSync(j, [JSON.stringify(start), ...rest].join('\n'));
      await reseal(d);
      return about(await verifyBundle(d, { allowedSigners: fixture.fx.allowed }), 'checklist.yaml');
    };
    expect(await pin((hex) => `sha256:${hex.toUpperCase()}`)).toEqual([{ level: 'ok', file: 'checklist.yaml', message: 'is the exact checklist the session ran' }]);
    expect(await pin((hex) => `${hex[0]}sha256:${hex.slice(1)}`)).toEqual([
      { level: 'fail', file: 'checklist.yaml', message: expect.stringMatching(/ is not the checklist the session ran \(journal line 1 pins [0-9a-f]sha256:[0-9a-f]{63}\)$/) },
    ]);
  });

  it('a checklist that no longer loads: the files are still accounted for by the journal read on its own', async () => {
    const d = copy();
    const f = path.join(d, 'checklist.yaml');
    writeFileSync(f, readFileSync(f, 'utf8').replace('apiVersion: readiness/v1', 'apiVersion: readiness/v9'));
    await reseal(d);
    const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
    expect(fails(r).map((x) => x.file)).toEqual(['checklist.yaml', 'checklist.yaml']);
    expect(r).toMatchObject({ decision: undefined, interim: undefined });
  });
});

/** a line appended to the bundle's SHA256SUMS, which is then signed again */
function appendToSums(d: string, text: string): void {
  const f = path.join(d, 'SHA256SUMS');
  writeFileSync(f, readFileSync(f, 'utf8') + text);
  resign(d);
}
