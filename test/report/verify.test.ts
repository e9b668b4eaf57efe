import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeSums, listFiles } from '../../src/report/sums.js';
import { formatFinding, verifyBundle, type VerifyResult } from '../../src/report/verify.js';
import { goodBundle, makeSignedBundle } from './helpers/bundle.js';
import { CAPTAIN, signoffAs, decide, runShopSession } from './helpers/session.js';
import { writeReportBundle } from '../../src/report/bundle.js';
import { createRunner } from '../../src/engine/runner.js';
import { recordSignedAct } from '../../src/engine/signed-act.js';
import { sshVerify } from './helpers/ssh.js';

const fixture = goodBundle('rt-verify-');
const copy = fixture.copy;

function flipByte(file: string, at: (buf: Buffer) => number): void {
  const buf = readFileSync(file);
  const i = at(buf);
  buf[i] = buf[i] === 0x41 ? 0x42 : 0x41; // stays printable: the change is content, not encoding
  writeFileSync(file, buf);
}

/** SHA256SUMS rebuilt over the bundle as it is now */
async function rebuildSums(d: string): Promise<void> {
  const files = (await listFiles(d)).filter((f) => !f.startsWith('SHA256SUMS'));
  writeFileSync(path.join(d, 'SHA256SUMS'), (await computeSums(d, files)).text);
}

/** SHA256SUMS signed again (report namespace) with this private key; the ssh-keygen exit status */
function resign(d: string, priv: string): number | null {
  rmSync(path.join(d, 'SHA256SUMS.sig'));
  return spawnSync('ssh-keygen', ['-q', '-Y', 'sign', '-f', priv, '-n', 'report@readiness-tui', path.join(d, 'SHA256SUMS')]).status;
}

const fails = (r: VerifyResult) => r.findings.filter((f) => f.level === 'fail');
const failFiles = (r: VerifyResult) => fails(r).map((f) => f.file);

describe('verify: the good bundle', () => {
  it('is valid, with one line per finding', async () => {
    const r = await verifyBundle(fixture.fx.result.dir, { allowedSigners: fixture.fx.allowed });
    expect(fails(r)).toEqual([]);
    const lines = r.findings.map(formatFinding);
    expect(lines).toContainEqual(expect.stringMatching(/^OK {3}SHA256SUMS\.sig: good "report@readiness-tui" signature by captain@example\.com with ssh-ed25519 key SHA256:/));
    expect(lines).toContainEqual(expect.stringMatching(/^OK {3}journal\.jsonl: hash chain intact/));
    expect(lines).toContainEqual(expect.stringMatching(/^OK {3}report\.json: equals the journal replay \(decision GO\)/));
    expect(lines.filter((l) => /^OK {3}signoffs\/.*good "signoff@readiness-tui" signature by bob@example\.com/.test(l))).toHaveLength(2);
    // 1.2 (signoff: required) and 2.1 (manual) need a sign-off; 2.3's valid waiver stands in for its failed check
    const records = readFileSync(path.join(fixture.fx.result.dir, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; ts: string });
    const decidedAt = new Date(records.filter((r) => r.type === 'decision').at(-1)!.ts).toISOString();
    expect(lines).toContain(`OK   policy: 2 item(s) needing sign-off checked; waivers checked at decision time ${decidedAt}`);
  });
});

describe('verify: tamper suite (one byte flipped in each file)', () => {
  it('every file of the bundle, junit.xml, SHA256SUMS and each .sig included: a flipped byte fails it, naming the file', async () => {
    const files = await listFiles(fixture.fx.result.dir);
    // the bundle's kinds of file are all here (no file kind escapes this loop unnoticed)
    expect(files).toEqual(expect.arrayContaining(['SHA256SUMS', 'SHA256SUMS.sig', 'junit.xml', 'report.json', 'report.html', 'journal.jsonl', 'checklist.yaml']));
    const sigs = files.filter((f) => f.endsWith('.sig'));
    expect(sigs.length).toBe(5); // the report's, the two sign-offs', the waiver's and the final decision's
    const named: Record<string, string[]> = {};
    for (const f of files) {
      const d = copy();
      // a letter or digit in the middle of the file: content (for a .sig, inside its base64 body)
      flipByte(path.join(d, f), (b) => {
        let i = Math.floor(b.length / 2);
        while (!/[A-Za-z0-9]/.test(String.fromCharCode(b[i]!))) i++;
        return i;
      });
      const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
      expect(r.valid, f).toBe(false);
      named[f] = fails(r).map((x) => x.file ?? '');
    }
    for (const f of files) {
      // a flipped SHA256SUMS no longer matches its signature; every other file is named itself
      const expected = f === 'SHA256SUMS' ? 'SHA256SUMS.sig' : f;
      expect(named[f], `${f} flipped: ${named[f]!.join(', ')}`).toContain(expected);
    }
  });

  it('report.json', async () => {
    const d = copy();
    flipByte(path.join(d, 'report.json'), (b) => b.indexOf('"decision":"GO"') + 13);
    const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
    expect(r.valid).toBe(false);
    expect(failFiles(r)).toContain('report.json');
    expect(fails(r).map((f) => f.message).join('\n')).toMatch(/sha256 does not match SHA256SUMS/);
  });

  it('an evidence file', async () => {
    const d = copy();
    flipByte(path.join(d, 'evidence/1.2/1.log'), () => 0);
    const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
    expect(r.valid).toBe(false);
    expect(failFiles(r)).toContain('evidence/1.2/1.log');
  });

  it("a deliverable's evidence file, like an item's", async () => {
    const d = copy();
    flipByte(path.join(d, 'evidence/_deliverable-0/1.log'), () => 0);
    const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
    expect(r.valid).toBe(false);
    expect(fails(r)).toContainEqual(
      expect.objectContaining({ file: 'evidence/_deliverable-0/1.log', message: expect.stringMatching(/sha256 does not match SHA256SUMS/) }),
    );
    expect(fails(r)).toContainEqual(
      expect.objectContaining({ file: 'evidence/_deliverable-0/1.log', message: expect.stringMatching(/is not the evidence recorded in journal line \d+/) }),
    );
  });

  it('a journal line', async () => {
    const d = copy();
    const j = path.join(d, 'journal.jsonl');
    const text = readFileSync(j, 'utf8');
    const lineStart = text.split('\n').slice(0, 4).join('\n').length + 1; // line 5
    flipByte(j, (b) => b.indexOf('"actor":"', lineStart) + 9);
    const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
    expect(r.valid).toBe(false);
    expect(failFiles(r)).toContain('journal.jsonl');
    expect(failFiles(r)).toContain('journal.jsonl:6'); // the next line's prev no longer matches line 5
  });

  it('a sign-off statement', async () => {
    const d = copy();
    const st = readdirSync(path.join(d, 'signoffs')).find((f) => f.endsWith('.json'))!;
    flipByte(path.join(d, 'signoffs', st), (b) => b.indexOf('"comment":"') + 11);
    const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
    expect(r.valid).toBe(false);
    expect(failFiles(r)).toContain(`signoffs/${st}`);
    expect(failFiles(r)).toContain(`signoffs/${st}.sig`); // its signature no longer verifies
  });

  it('checklist.yaml', async () => {
    const d = copy();
    flipByte(path.join(d, 'checklist.yaml'), (b) => b.indexOf('A small checklist'));
    const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
    expect(r.valid).toBe(false);
    expect(fails(r)).toContainEqual(expect.objectContaining({ file: 'checklist.yaml', message: expect.stringMatching(/is not the checklist the session ran/) }));
  });

  it('checklist.yaml broken so that it no longer loads: still named, and the chain is still checked', async () => {
    const d = copy();
    const f = path.join(d, 'checklist.yaml');
    writeFileSync(f, readFileSync(f, 'utf8').replace('apiVersion: readiness/v1', 'apiVersion: readiness/v9'));
    const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
    expect(r.valid).toBe(false);
    expect(fails(r)).toContainEqual(expect.objectContaining({ file: 'checklist.yaml', message: expect.stringMatching(/cannot be loaded/) }));
    expect(fails(r)).toContainEqual(expect.objectContaining({ file: 'checklist.yaml', message: expect.stringMatching(/is not the checklist the session ran/) }));
    expect(r.findings).toContainEqual(expect.objectContaining({ level: 'ok', file: 'journal.jsonl', message: expect.stringMatching(/hash chain intact/) }));
  });

  it("a deliverable's evidence swapped, SHA256SUMS rebuilt and re-signed: the digest in deliverable.result catches it", async () => {
    const d = copy();
    writeFileSync(path.join(d, 'evidence/_deliverable-1/1.log'), 'file dashboards/slo.json (12 bytes)\n');
    await rebuildSums(d);
    expect(resign(d, fixture.fx.captain.priv)).toBe(0);
    const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
    expect(r.valid).toBe(false);
    expect(fails(r)).toEqual([
      expect.objectContaining({ file: 'evidence/_deliverable-1/1.log', message: expect.stringMatching(/is not the evidence recorded in journal line \d+ \(sha256 differs\): it was replaced/) }),
      // report.html shows the tail of a deliverable's evidence when it did not pass
      expect.objectContaining({ file: 'report.html', message: expect.stringMatching(/is not what report\.json renders to/) }),
    ]);
  });

  it('evidence swapped, SHA256SUMS rebuilt and re-signed by the trusted captain: the journal digest catches it', async () => {
    const d = copy();
    writeFileSync(path.join(d, 'evidence/2.2/1.log'), 'all good\n');
    await rebuildSums(d);
    expect(resign(d, fixture.fx.captain.priv)).toBe(0);
    const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
    expect(r.valid).toBe(false);
    expect(fails(r)).toEqual([
      expect.objectContaining({ file: 'evidence/2.2/1.log', message: expect.stringMatching(/not the evidence recorded in journal line/) }),
      // the evidence tail shown in report.html no longer matches either
      expect.objectContaining({ file: 'report.html', message: expect.stringMatching(/is not what report\.json renders to/) }),
    ]);
  });

  it('SHA256SUMS rebuilt without re-signing', async () => {
    const d = copy();
    appendFileSync(path.join(d, 'report.html'), '<!-- x -->');
    await rebuildSums(d);
    const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
    expect(fails(r)).toContainEqual(expect.objectContaining({ file: 'SHA256SUMS.sig', message: expect.stringMatching(/incorrect signature/) }));
  });

  it('re-signed with an untrusted key', async () => {
    const d = copy();
    expect(resign(d, fixture.fx.evil.priv)).toBe(0);
    const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
    expect(r.valid).toBe(false);
    expect(fails(r)).toContainEqual(expect.objectContaining({ file: 'SHA256SUMS.sig', message: expect.stringMatching(/is not in allowed_signers/) }));
    // and plain ssh-keygen agrees
    const v = spawnSync('ssh-keygen', ['-Y', 'find-principals', '-f', fixture.fx.allowed, '-s', path.join(d, 'SHA256SUMS.sig')], { encoding: 'utf8' });
    expect(v.status).not.toBe(0);
  });

  it('signed by a sign-off-only key (not permitted for the report namespace)', async () => {
    const d = copy();
    resign(d, fixture.fx.bob.priv);
    const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
    expect(fails(r)).toContainEqual(expect.objectContaining({ file: 'SHA256SUMS.sig', message: expect.stringMatching(/not permitted for namespace "report@readiness-tui"/) }));
  });

  it('a report that names someone else as its signer', async () => {
    const d = copy();
    const f = path.join(d, 'report.json');
    writeFileSync(f, readFileSync(f, 'utf8').replace('"signer":"captain@example.com"', '"signer":"bob@example.com"'));
    await rebuildSums(d);
    resign(d, fixture.fx.captain.priv);
    const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
    expect(fails(r)).toContainEqual(
      expect.objectContaining({ file: 'report.json', message: expect.stringMatching(/names bob@example\.com as its signer, but key SHA256:\S+ is not allowed for principal "bob@example\.com"/) }),
    );
  });

  it('report.html edited to tell another story, manifest rebuilt and re-signed by the trusted captain', async () => {
    const d = copy();
    const f = path.join(d, 'report.html');
    writeFileSync(f, readFileSync(f, 'utf8').replace('<span class="st bad">FAIL</span>', '<span class="st ok">PASS</span>'));
    await rebuildSums(d);
    resign(d, fixture.fx.captain.priv);
    const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
    expect(fails(r)).toEqual([expect.objectContaining({ file: 'report.html', message: expect.stringMatching(/is not what report\.json renders to/) })]);
  });

  it('a file added after signing', async () => {
    const d = copy();
    writeFileSync(path.join(d, 'evidence', 'extra.log'), 'planted\n');
    const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
    expect(fails(r)).toContainEqual(expect.objectContaining({ file: 'evidence/extra.log', message: expect.stringMatching(/not listed in SHA256SUMS/) }));
  });
});

describe('verify: every file is accounted for by the journal', () => {
  for (const extra of ['evidence/4.1/2.log', 'extra.txt', 'signoffs/99-evil@example.com.json']) {
    it(`${extra} added and listed in a SHA256SUMS re-signed by the trusted captain is INVALID`, async () => {
      const d = copy();
      mkdirSync(path.dirname(path.join(d, extra)), { recursive: true });
      writeFileSync(path.join(d, extra), 'planted\n');
      await rebuildSums(d);
      expect(resign(d, fixture.fx.captain.priv)).toBe(0);
      const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
      expect(r.valid).toBe(false);
      expect(fails(r)).toEqual([expect.objectContaining({ file: extra, message: expect.stringMatching(/^no journal record names this file .* it was added/) })]);
    });
  }

  it('a symlink in place of an evidence file is a finding, and is not followed', async () => {
    const d = copy();
    rmSync(path.join(d, 'evidence/1.2/1.log'));
    symlinkSync('/dev/zero', path.join(d, 'evidence/1.2/1.log'));
    const r = await verifyBundle(d, { allowedSigners: fixture.fx.allowed });
    expect(r.valid).toBe(false);
    expect(fails(r)).toContainEqual(expect.objectContaining({ file: 'evidence/1.2/1.log', message: expect.stringMatching(/is not a regular file/) }));
  });
});

describe('verify: untrusted sign-off statements', () => {
  it("are failures by default and warnings with lenient (bob's key no longer in allowed_signers)", async () => {
    const as = path.join(fixture.root, 'allowed_without_bob');
    writeFileSync(as, readFileSync(fixture.fx.allowed, 'utf8').split('\n').filter((l) => !l.startsWith('bob@')).join('\n'));
    const strict = await verifyBundle(fixture.fx.result.dir, { allowedSigners: as });
    const untrusted = (r: VerifyResult) => r.findings.filter((f) => /\.sig$/.test(f.file ?? '') && /signature not accepted for bob@example\.com/.test(f.message));
    expect(untrusted(strict).map((f) => f.level)).toEqual(['fail', 'fail']);
    expect(strict.valid).toBe(false);
    const lenient = await verifyBundle(fixture.fx.result.dir, { allowedSigners: as, lenient: true });
    expect(untrusted(lenient).map((f) => f.level)).toEqual(['warn', 'warn']);
    // lenient does not make an untrusted approval count: the items that need it still lack it
    expect(fails(lenient)).toContainEqual(expect.objectContaining({ message: expect.stringMatching(/^item 1\.2 requires 1 valid signed approval\(s\), found 0 \(bob@example\.com's approval is not validly signed\)/) }));
  });
});

describe('verify: policy', () => {
  it('a dropped sign-off is caught by the required-approvals rule (even when everything else is consistent and signed)', async () => {
    const f = await makeSignedBundle(path.join(fixture.root, 'dropped'), { skipSignoffOn: '1.2' });
    try {
      const r = await verifyBundle(f.result.dir, { allowedSigners: f.allowed });
      expect(r.valid).toBe(false);
      expect(fails(r)).toEqual([
        expect.objectContaining({ file: 'journal.jsonl', message: expect.stringMatching(/^item 1\.2 requires 1 valid signed approval\(s\), found 0/) }),
      ]);
    } finally {
      await f.session.close();
    }
  });

  it('self-approval where forbidden, and a waiver expired at decision time', async () => {
    const r0 = path.join(fixture.root, 'self');
    const base = await makeSignedBundle(path.join(r0, 'base')); // keys + allowed_signers
    await base.session.close();
    const session = await runShopSession(path.join(r0, 'work'), 'x-secret-x');
    try {
      await signoffAs(session, '1.2', CAPTAIN, base.captain, { env: base.env() });
      await signoffAs(session, '2.1', 'bob@example.com', base.bob, { env: base.env() });
      await session.record({ type: 'waiver', data: { item: '2.3', reason: 'accepted', expires: '2020-01-01', by: CAPTAIN } });
      // the expired waiver never counted: 2.3 is its failed check, the decision NO-GO (live, recorded and reported)
      expect(session.store.store.getState().items['2.3']!.status).toBe('fail');
      expect(await decide(session, true)).toBe('NO-GO');
      const res = await writeReportBundle({ sessionDir: session.dir, outDir: path.join(r0, 'reports'), signKey: base.captain.priv, signer: CAPTAIN, sign: true, interim: false, env: base.env(), session });
      const report = JSON.parse(readFileSync(path.join(res.dir, 'report.json'), 'utf8')) as {
        decision: { decision: string; deciding: unknown[] };
        blocks: { items: { id: string; status: string; waiver?: unknown }[] }[];
      };
      expect(report.decision).toMatchObject({ decision: 'NO-GO', deciding: [{ item: '2.3', status: 'fail' }] });
      expect(report.blocks[1]!.items.find((i) => i.id === '2.3')).toMatchObject({ status: 'fail', waiver: { expires: '2020-01-01', validAtDecision: false } });
      const r = await verifyBundle(res.dir, { allowedSigners: base.allowed });
      const msgs = fails(r).map((x) => x.message).join('\n');
      expect(msgs).toMatch(/item 1\.2 requires 1 valid signed approval\(s\), found 0 \(captain@example\.com approved their own item/);
      expect(msgs).toMatch(/waiver on 2\.3 expired \(2020-01-01\) before the decision/);
    } finally {
      await session.close();
    }
  });
});

describe('verify: policy on who may approve', () => {
  it("an owner approving their own item, one approver counted once however often they sign, roles, a waiver without a reason", async () => {
    const r0 = path.join(fixture.root, 'who');
    const base = await makeSignedBundle(path.join(r0, 'base')); // keys + allowed_signers
    await base.session.close();
    const session = await runShopSession(path.join(r0, 'work'), 'x-secret-x', {
      editChecklist: (yaml) =>
        yaml
          .replace('title: Hostile output\n', 'title: Hostile output\n        signoff: required\n        noSelfApproval: true\n        owner: bob@example.com\n')
          .replace('signoff: required\n        noSelfApproval: true\n        check:\n          kind: command\n          run: echo approved', 'signoff: required\n        approvals: 2\n        signoffRoles: [sre]\n        check:\n          kind: command\n          run: echo approved')
          .replace('title: Manual review\n', 'title: Manual review\n        signoffRoles: [sre, ops]\n')
          // a failed item needs no sign-off: the policy looks only at items that reached it
          .replace('title: Flaky non-blocking\n', 'title: Flaky non-blocking\n        signoff: required\n'),
    });
    try {
      expect(session.checklist.blocks[0]!.items.map((i) => [i.id, i.owner, i.approvals, i.noSelfApproval, i.signoffRoles])).toEqual([
        ['1.1', 'bob@example.com', 1, true, []],
        ['1.2', undefined, 2, false, ['sre']],
      ]);
      await signoffAs(session, '1.1', 'bob@example.com', base.bob, { env: base.env() });
      // no role given: a role-restricted item takes it (the role is checked only when one is claimed)
      await signoffAs(session, '1.2', 'bob@example.com', base.bob, { env: base.env() });
      await signoffAs(session, '1.2', 'bob@example.com', base.bob, { env: base.env(), comment: 'again' });
      await signoffAs(session, '2.1', 'bob@example.com', base.bob, { env: base.env(), role: 'qa' });
      await signoffAs(session, '2.1', 'bob@example.com', base.bob, { env: base.env(), role: 'dba' });
      await session.record({ type: 'waiver', data: { item: '2.3', reason: '  ', expires: '2099-01-01', by: CAPTAIN } });
      await decide(session, true);
      const res = await writeReportBundle({ sessionDir: session.dir, outDir: path.join(r0, 'reports'), signKey: base.captain.priv, signer: CAPTAIN, sign: true, interim: false, env: base.env(), session });
      const waiverLine = readFileSync(path.join(res.dir, 'journal.jsonl'), 'utf8').trim().split('\n').findIndex((l) => (JSON.parse(l) as { type: string }).type === 'waiver') + 1;
      const r = await verifyBundle(res.dir, { allowedSigners: base.allowed });
      const without = ' — the final decision was recorded without them';
      expect(fails(r)).toEqual([
        { level: 'fail', file: 'journal.jsonl', message: `item 1.1 requires 1 valid signed approval(s), found 0 (bob@example.com approved their own item (self-approval is not allowed))${without}` },
        { level: 'fail', file: 'journal.jsonl', message: `item 1.2 requires 2 valid signed approval(s), found 1${without}` },
        {
          level: 'fail',
          file: 'journal.jsonl',
          message: `item 2.1 requires 1 valid signed approval(s), found 0 (bob@example.com signed as qa, not one of sre, ops; bob@example.com signed as dba, not one of sre, ops)${without}`,
        },
        { level: 'fail', file: 'journal.jsonl', message: `line ${waiverLine}: waiver on 2.3 by ${CAPTAIN} has no reason` },
      ]);
      // a policy with findings has no OK line
      expect(r.findings.filter((f) => f.message.startsWith('policy:'))).toEqual([]);
    } finally {
      await session.close();
    }
  });
});

describe('verify: an interim report', () => {
  it('a missing approval is a warning, not a failure, before the final decision', async () => {
    const r0 = path.join(fixture.root, 'interim');
    const base = await makeSignedBundle(path.join(r0, 'base')); // keys + allowed_signers
    await base.session.close();
    const session = await runShopSession(path.join(r0, 'work'), 'x-secret-x');
    try {
      await signoffAs(session, '2.1', 'bob@example.com', base.bob, { env: base.env() });
      await decide(session, false);
      const res = await writeReportBundle({ sessionDir: session.dir, outDir: path.join(r0, 'reports'), signKey: base.captain.priv, signer: CAPTAIN, sign: true, interim: true, env: base.env(), session });
      const r = await verifyBundle(res.dir, { allowedSigners: base.allowed });
      expect(fails(r)).toEqual([]);
      expect(r).toMatchObject({ valid: true, interim: true });
      expect(r.findings.filter((f) => f.level === 'warn')).toEqual([
        { level: 'warn', file: 'journal.jsonl', message: 'item 1.2 requires 1 valid signed approval(s), found 0 — interim report' },
      ]);
      // no final decision: the waivers are judged at the time of the journal's last record
      const last = readFileSync(path.join(res.dir, 'journal.jsonl'), 'utf8').trim().split('\n').at(-1)!;
      const at = new Date((JSON.parse(last) as { ts: string }).ts).toISOString();
      expect(r.findings.map(formatFinding)).toContain(`OK   policy: 2 item(s) needing sign-off checked; waivers checked at decision time ${at}`);
    } finally {
      await session.close();
    }
  });
});

describe('verify: stale sign-offs', () => {
  it('an approval given before the item was re-run with different evidence does not count', async () => {
    const r0 = path.join(fixture.root, 'stale');
    const base = await makeSignedBundle(path.join(r0, 'base'));
    await base.session.close();
    const session = await runShopSession(path.join(r0, 'work'), 'x-secret-x');
    try {
      await signoffAs(session, '1.2', 'bob@example.com', base.bob, { env: base.env() });
      await signoffAs(session, '2.1', 'bob@example.com', base.bob, { env: base.env() });
      await createRunner({ session, vars: { greeting: 'hello', apiToken: 'x-secret-x' }, secretVars: ['apiToken'] }).run(['1.2']);
      expect(session.store.store.getState().items['1.2']!.signoffs[0]!.stale).toBe(true);
      await decide(session, true);
      const res = await writeReportBundle({ sessionDir: session.dir, outDir: path.join(r0, 'reports'), signKey: base.captain.priv, signer: CAPTAIN, sign: true, interim: false, env: base.env(), session });
      const r = await verifyBundle(res.dir, { allowedSigners: base.allowed });
      expect(fails(r)).toEqual([
        expect.objectContaining({ message: expect.stringMatching(/^item 1\.2 requires 1 valid signed approval\(s\), found 0 \(bob@example\.com's approval is stale/) }),
      ]);
      // the signature itself is still good: the statement is just about older evidence
      expect(r.findings.map(formatFinding).filter((l) => /^OK {3}signoffs\/.*bob@example\.com \(approve 1\.2\)/.test(l))).toHaveLength(1);
    } finally {
      await session.close();
    }
  });
});

describe('verify: usage errors', () => {
  it('refuses a missing bundle or allowed_signers file with a clear message', async () => {
    await expect(verifyBundle(path.join(fixture.root, 'nope'), { allowedSigners: fixture.fx.allowed })).rejects.toThrow(/is not a directory/);
    await expect(verifyBundle(fixture.fx.result.dir, { allowedSigners: path.join(fixture.root, 'nope') })).rejects.toThrow(/allowed signers file .* not found/);
    const empty = path.join(fixture.root, 'empty_as');
    writeFileSync(empty, '# nobody\n');
    await expect(verifyBundle(fixture.fx.result.dir, { allowedSigners: empty })).rejects.toThrow(/has no usable entry/);
  });
});

describe('verify: notes and final decisions are signed statements, checked like sign-offs', () => {
  it('good ones are OK (and plain ssh-keygen -Y verify accepts them); an edited note statement FAILs', async () => {
    const r0 = path.join(fixture.root, 'acts');
    const base = await makeSignedBundle(path.join(r0, 'base')); // keys + allowed_signers
    await base.session.close();
    const session = await runShopSession(path.join(r0, 'work'), 'x-secret-x');
    try {
      const o = { sign: true, signKey: base.captain.priv, env: base.env() };
      const note = await recordSignedAct(session, { type: 'note', data: { item: '1.1', text: 'watched it live', by: CAPTAIN } }, o);
      const s = session.store.store.getState();
      const dec = await recordSignedAct(session, { type: 'decision', data: { decision: s.decision, deciding: s.deciding, final: true, by: CAPTAIN } }, o);
      const res = await writeReportBundle({ sessionDir: session.dir, outDir: path.join(r0, 'reports'), signKey: base.captain.priv, signer: CAPTAIN, sign: true, interim: false, env: base.env(), session });
      const r = await verifyBundle(res.dir, { allowedSigners: base.allowed });
      const lines = r.findings.map(formatFinding);
      // each bound to the journal record just before its own
      expect(lines).toContain(`OK   ${note.statement!.path}: good "signoff@readiness-tui" signature by ${CAPTAIN} (note on 1.1): note #${note.record.seq}, bound to journal #${note.record.seq - 1}`);
      expect(lines).toContain(
        `OK   ${dec.statement!.path}: good "signoff@readiness-tui" signature by ${CAPTAIN} (final decision ${s.decision}): decision #${dec.record.seq}, bound to journal #${dec.record.seq - 1}`,
      );
      expect(fails(r).filter((f) => f.file?.startsWith('signoffs/'))).toEqual([]);
      for (const st of [note.statement!, dec.statement!]) {
        const v = sshVerify(base.allowed, CAPTAIN, 'signoff@readiness-tui', path.join(res.dir, st.sigPath), path.join(res.dir, st.path));
        expect(v.status, v.stderr).toBe(0);
      }
      // the note's text changed in its statement: its digest and its signature no longer hold
      const d = path.join(r0, 'edited');
      cpSync(res.dir, d, { recursive: true });
      flipByte(path.join(d, note.statement!.path), (b) => b.indexOf('"text":"') + 8);
      const bad = await verifyBundle(d, { allowedSigners: base.allowed });
      expect(bad.valid).toBe(false);
      expect(failFiles(bad)).toEqual(expect.arrayContaining([note.statement!.path, note.statement!.sigPath]));
    } finally {
      await session.close();
    }
  });
});
