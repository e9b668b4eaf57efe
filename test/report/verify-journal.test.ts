/**
 * verify: the journal and what the bundle keeps of it — the hash chain with and without a loadable checklist, the
 * evidence the journal recorded, report.json against the replay, the rendered views, each signed human act (and the
 * unsigned ones that count toward a decision), and the files no journal record names. Exact findings, so that a
 * finding dropped, doubled or reworded is noticed.
 */
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeReportBundle } from '../../src/report/bundle.js';
import { findItem } from '../../src/engine/decide.js';
import { planWaiverApproval, recordWaiver, recordWaiverApproval } from '../../src/engine/waiver.js';
import { recordSignedAct } from '../../src/engine/signed-act.js';
import type { ReportResult } from '../../src/report/bundle-api.js';
import { UNFORESEEN, verifyBundle, type Finding, type VerifyResult } from '../../src/report/verify.js';
import { goodBundle, rewriteJournal } from './helpers/bundle.js';
import { CAPTAIN, runShopSession } from './helpers/session.js';

const BOB = 'bob@example.com';
const CAROL = 'carol@example.com';
const NOT_REGULAR = 'is not a regular file (a symlink, directory or device has no place in a bundle)';

const fixture = goodBundle('rt-verify-journal-');
const copy = fixture.copy;

type Rec = { seq: number; prev: string | null; type: string; actor: string; ts: string; data: Record<string, unknown> | null };

const journalOf = (d: string): string[] => readFileSync(path.join(d, 'journal.jsonl'), 'utf8').trim().split('\n');
const recordsOf = (d: string): Rec[] => journalOf(d).map((l) => JSON.parse(l) as Rec);
const seqOf = (d: string, type: string, item?: string): number =>
  recordsOf(d).find((r) => r.type === type && (item === undefined || r.data?.item === item))!.seq;

/** checklist.yaml edited so that it no longer loads, with four problems (the finding names the first lines of the error) */
function breakChecklist(d: string): void {
  const f = path.join(d, 'checklist.yaml');
  writeFileSync(
    f,
    readFileSync(f, 'utf8')
      .replace('apiVersion: readiness/v1', 'apiVersion: readiness/v9')
      .replaceAll('estimate: 1m', 'estimate: soon')
      .replace('kind: manual', 'kind: no-such-kind'),
  );
}

const verify = (d: string, allowed = fixture.fx.allowed) => verifyBundle(d, { allowedSigners: allowed });
/** the FAIL verify ends with when a check throws: a record or file it did not expect */
const unforeseen = (r: VerifyResult) => r.findings.filter((f) => f.message.startsWith(UNFORESEEN));
const fails = (r: VerifyResult) => r.findings.filter((f) => f.level === 'fail');
/** the findings about these files (or about a line of them: journal.jsonl:7) */
const about = (r: VerifyResult, ...files: string[]) => r.findings.filter((f) => files.some((x) => f.file === x || f.file?.startsWith(`${x}:`)));
const fail = (file: string, message: string): Finding => ({ level: 'fail', file, message });
const ok = (file: string | undefined, message: string): Finding => ({ level: 'ok', file, message });
const chainIntact = (d: string) => {
  const lines = journalOf(d);
  return ok('journal.jsonl', `hash chain intact: ${lines.length} records, head sha256:${createHash('sha256').update(lines.at(-1)!).digest('hex')}`);
};
const changed = (file: string) => fail(file, 'sha256 does not match SHA256SUMS: the file was changed after the bundle was made');
const TORN = /^the last line \(\d+ bytes\) has no trailing newline: a write was interrupted .* Nothing before it is lost\./;

describe('verify: the OK findings of the good bundle, each exact', () => {
  it('the chain (count and head), the checklist, the evidence (count), report.json, the views and each signed act', async () => {
    const d = fixture.fx.result.dir;
    const r = await verify(d);
    const recs = recordsOf(d);
    const evidence = recs
      .filter((x) => ['item.result', 'deliverable.result', 'item.skip'].includes(x.type))
      .reduce((sum, x) => sum + ((x.data?.evidence as unknown[] | undefined)?.length ?? 0), 0);
    expect(evidence).toBeGreaterThan(1);
    const [s12, s21, w23, dec] = [seqOf(d, 'signoff', '1.2'), seqOf(d, 'signoff', '2.1'), seqOf(d, 'waiver', '2.3'), seqOf(d, 'decision')];
    const st = (seq: number) => recs[seq]!.data!.statement as { path: string };
    expect(r.findings.filter((f) => f.level === 'ok' && !/^SHA256SUMS|^policy:/.test(`${f.file ?? f.message}`))).toEqual([
      chainIntact(d),
      ok('checklist.yaml', 'is the exact checklist the session ran'),
      ok('evidence/', `all ${evidence} evidence file(s) match the digests in the journal`),
      ok('report.json', 'equals the journal replay (decision GO)'),
      ok(undefined, 'report.html, junit.xml, summary.md are exactly what report.json renders to'),
      ok(st(s12).path, `good "signoff@readiness-tui" signature by ${BOB} (approve 1.2): sign-off #${s12}, bound to journal #${s12 - 1}`),
      ok(st(s21).path, `good "signoff@readiness-tui" signature by ${BOB} (approve 2.1): sign-off #${s21}, bound to journal #${s21 - 1}`),
      ok(st(w23).path, `good "signoff@readiness-tui" signature by ${CAPTAIN} (waiver on 2.3 until 2099-01-01): waiver #${w23}, bound to journal #${w23 - 1}`),
      ok(st(dec).path, `good "signoff@readiness-tui" signature by ${CAPTAIN} (final decision GO): decision #${dec}, bound to journal #${dec - 1}`),
    ]);
    expect(r.findings.filter((f) => f.level !== 'ok')).toEqual([]);
  });
});

describe('verify: the journal when checklist.yaml cannot be loaded (the chain checked on its own)', () => {
  it('checklist.yaml removed: named missing and unloadable; the chain is intact and every file is still accounted for', async () => {
    const d = copy();
    unlinkSync(path.join(d, 'checklist.yaml'));
    const r = await verify(d);
    expect(fails(r)).toEqual([
      fail('checklist.yaml', 'listed in SHA256SUMS but missing from the bundle'),
      fail('checklist.yaml', 'missing'),
      fail('checklist.yaml', expect.stringMatching(/^cannot be loaded, so the journal cannot be replayed: \S/) as unknown as string),
    ]);
    expect(about(r, 'journal.jsonl')).toEqual([chainIntact(d)]);
    expect(unforeseen(r)).toEqual([]);
  });

  it('checklist.yaml that does not load: the first three lines of the error, on one line; no file counted as added', async () => {
    const d = copy();
    breakChecklist(d);
    const r = await verify(d);
    const loaded = fails(r).filter((f) => f.message.startsWith('cannot be loaded'));
    expect(loaded).toHaveLength(1);
    const m = loaded[0]!.message;
    // the session's line, then the first two problems, joined by one space: the third and fourth are left out
    expect(m).toMatch(
      new RegExp(
        `^cannot be loaded, so the journal cannot be replayed: the checklist of session \\S+ could not be loaded: \\S+checklist\\.yaml:1:\\d+: error: apiVersion: .*"readiness/v9".* \\S+checklist\\.yaml:\\d+:\\d+: error: blocks\\[0\\]\\.items\\[0\\]\\.estimate: [^\\n]*"soon"$`,
      ),
    );
    expect(m.match(/"soon"/g)).toHaveLength(1);
    expect(m).not.toMatch(/no-such-kind|items\[1\]/);
    const pinned = recordsOf(d)[0]!.data!.checklist as { sha256: string };
    const bytes = readFileSync(path.join(d, 'checklist.yaml'));
    expect(fails(r)).toEqual([
      changed('checklist.yaml'),
      loaded[0],
      fail('checklist.yaml', `sha256 ${createHash('sha256').update(bytes).digest('hex')} is not the checklist the session ran (journal line 1 pins ${pinned.sha256})`),
    ]);
    expect(about(r, 'journal.jsonl')).toEqual([chainIntact(d)]);
  });

  it('a journal line changed: each problem named by its line, and no OK for the chain', async () => {
    const d = copy();
    breakChecklist(d);
    const j = path.join(d, 'journal.jsonl');
    const lines = journalOf(d);
    lines[4] = lines[4]!.replace('"actor":"', '"actor":"x');
    writeFileSync(j, lines.join('\n') + '\n');
    const r = await verify(d);
    expect(about(r, 'journal.jsonl')).toEqual([changed('journal.jsonl'), fail('journal.jsonl:6', expect.stringMatching(/\S/) as unknown as string)]);
  });

  it('journal.jsonl removed: a problem of the whole file (no line), no session.start to compare the checklist with', async () => {
    const d = copy();
    breakChecklist(d);
    unlinkSync(path.join(d, 'journal.jsonl'));
    const r = await verify(d);
    expect(about(r, 'journal.jsonl', 'checklist.yaml')).toEqual([
      changed('checklist.yaml'),
      fail('journal.jsonl', 'listed in SHA256SUMS but missing from the bundle'),
      fail('checklist.yaml', expect.stringMatching(/^cannot be loaded/) as unknown as string),
      fail('journal.jsonl', 'journal file not found'),
    ]);
    expect(unforeseen(r)).toEqual([]);
  });

  it('a torn last line: a failure without its "journal.jsonl:N:" prefix, and no OK for the chain', async () => {
    const d = copy();
    breakChecklist(d);
    const j = path.join(d, 'journal.jsonl');
    writeFileSync(j, readFileSync(j, 'utf8').replace(/\n$/, ''));
    const r = await verify(d);
    const torn = about(r, 'journal.jsonl').slice(1);
    expect(torn).toEqual([fail('journal.jsonl', expect.stringMatching(TORN) as unknown as string)]);
    expect(torn[0]!.message).not.toMatch(/damage$/);
  });
});

describe('verify: the journal replayed with its checklist', () => {
  it('a torn last line is damage in a bundle: one failure, and no OK for the chain', async () => {
    const d = copy();
    const j = path.join(d, 'journal.jsonl');
    writeFileSync(j, readFileSync(j, 'utf8').replace(/\n$/, ''));
    const r = await verify(d);
    const torn = about(r, 'journal.jsonl').slice(1);
    expect(torn).toEqual([fail('journal.jsonl', expect.stringMatching(TORN) as unknown as string)]);
    expect(torn[0]!.message).toMatch(/ — a bundle's journal is written whole, so this is damage$/);
    // the final decision was on the torn line: the replay has none, and report.json claims one
    expect(about(r, 'report.json')).toEqual([
      fail('report.json', expect.stringMatching(/^differs from what journal\.jsonl replays to/) as unknown as string),
      fail('report.json', 'claims to be final, but the journal records no final decision'),
    ]);
  });

  it('a journal line changed: the next line is named, and no OK for the chain', async () => {
    const d = copy();
    const lines = journalOf(d);
    lines[4] = lines[4]!.replace('"actor":"', '"actor":"x');
    writeFileSync(path.join(d, 'journal.jsonl'), lines.join('\n') + '\n');
    const r = await verify(d);
    expect(about(r, 'journal.jsonl')).toEqual([changed('journal.jsonl'), fail('journal.jsonl:6', expect.stringMatching(/\S/) as unknown as string)]);
  });

  it('journal.jsonl removed: the file and its missing session.start are named; nothing to compare the checklist with', async () => {
    const d = copy();
    unlinkSync(path.join(d, 'journal.jsonl'));
    const r = await verify(d);
    // no records, so no evidence: nothing said about it either
    expect(about(r, 'journal.jsonl', 'checklist.yaml', 'evidence/').filter((f) => f.level !== 'warn')).toEqual([
      fail('journal.jsonl', 'listed in SHA256SUMS but missing from the bundle'),
      fail('journal.jsonl', 'journal file not found'),
      fail('journal.jsonl:1', 'the first record is not session.start'),
    ]);
    expect(unforeseen(r)).toEqual([]);
  });

  it('checklist.yaml changed: named once, by checklist.yaml (the replay finding the same is not repeated for the journal)', async () => {
    const d = copy();
    const f = path.join(d, 'checklist.yaml');
    writeFileSync(f, readFileSync(f, 'utf8').replace('A small checklist', 'A smaller checklist'));
    const r = await verify(d);
    expect(about(r, 'journal.jsonl', 'checklist.yaml')).toEqual([
      changed('checklist.yaml'),
      fail('checklist.yaml', expect.stringMatching(/^sha256 [0-9a-f]{64} is not the checklist the session ran \(journal line 1 pins [0-9a-f]{64}\)$/) as unknown as string),
    ]);
  });

  it('records it cannot read (data null, odd evidence) end no check early: the unsafe evidence paths are named and not opened', async () => {
    const d = copy();
    rewriteJournal<Rec>(d, (recs) => {
      const result = recs.find((x) => x.type === 'item.result' && x.data?.item === '2.2')!;
      recs.push({ ...result, data: { ...result.data, evidence: [null, { path: '../outside.log', sha256: '00', bytes: 1 }, { path: 7 }] } });
      recs.push({ ...recs.at(-1)!, type: 'note', actor: CAPTAIN, data: null });
      // a sign-off that names nobody is no act of anyone's: not even an unsigned one
      recs.push({ ...recs.at(-1)!, type: 'signoff', actor: BOB, data: { item: '1.2', decision: 'approve', comment: '', evidence: [] } });
    });
    const r = await verify(d);
    const at = recordsOf(d).length - 2; // the result's line (1-based): the note and the sign-off follow it
    expect(unforeseen(r)).toEqual([]);
    expect(fails(r).filter((f) => /evidence path/.test(f.message))).toEqual([
      fail('journal.jsonl', `line ${at}: evidence path undefined is not a safe bundle path`),
      fail('journal.jsonl', `line ${at}: evidence path "../outside.log" is not a safe bundle path`),
      fail('journal.jsonl', `line ${at}: evidence path 7 is not a safe bundle path`),
    ]);
    expect(r.findings.filter((f) => f.file === '../outside.log' || f.file === 'outside.log')).toEqual([]);
    expect(r.findings.filter((f) => / is not SSH-signed$/.test(f.message))).toEqual([]);
  });
});

describe('verify: a session.start that pins no checklist', () => {
  it('checklist.yaml is not the one it pins (it pins none), said once, with no check cut short', async () => {
    const d = copy();
    rewriteJournal<Rec>(d, (recs) => {
      delete recs[0]!.data!.checklist;
    });
    const r = await verify(d);
    expect(unforeseen(r)).toEqual([]);
    const bytes = readFileSync(path.join(d, 'checklist.yaml'));
    expect(about(r, 'checklist.yaml')).toEqual([
      fail('checklist.yaml', `sha256 ${createHash('sha256').update(bytes).digest('hex')} is not the checklist the session ran (journal line 1 pins undefined)`),
    ]);
  });
});

describe('verify: the evidence the journal recorded', () => {
  it('withheld: a warning naming its journal line (and no OK for the evidence)', async () => {
    const d = copy();
    const ev = (recordsOf(d).find((x) => x.type === 'item.result' && x.data?.item === '2.2')!.data!.evidence as { path: string }[])[0]!.path;
    const line = seqOf(d, 'item.result', '2.2') + 1;
    unlinkSync(path.join(d, ev));
    const r = await verify(d);
    expect(about(r, ev, 'evidence/')).toEqual([
      fail(ev, 'listed in SHA256SUMS but missing from the bundle'),
      { level: 'warn', file: ev, message: `recorded in journal line ${line} but not in the bundle (withheld?)` },
    ]);
  });

  it('replaced: a failure naming the journal line that recorded it', async () => {
    const d = copy();
    const ev = (recordsOf(d).find((x) => x.type === 'item.result' && x.data?.item === '2.2')!.data!.evidence as { path: string }[])[0]!.path;
    const line = seqOf(d, 'item.result', '2.2') + 1;
    writeFileSync(path.join(d, ev), 'all good\n');
    const r = await verify(d);
    expect(about(r, ev, 'evidence/')).toEqual([changed(ev), fail(ev, `is not the evidence recorded in journal line ${line} (sha256 differs): it was replaced`)]);
  });

  it('a symlink in its place: not a regular file, said by the manifest, the evidence and the file accounting', async () => {
    const d = copy();
    rmSync(path.join(d, 'evidence/1.2/1.log'));
    symlinkSync('/dev/zero', path.join(d, 'evidence/1.2/1.log'));
    const r = await verify(d);
    expect(about(r, 'evidence/1.2/1.log', 'evidence/')).toEqual([
      fail('evidence/1.2/1.log', NOT_REGULAR),
      fail('evidence/1.2/1.log', NOT_REGULAR),
      fail('evidence/1.2/1.log', NOT_REGULAR),
    ]);
  });
});

describe('verify: report.json and the views', () => {
  it('a view removed is missing (and there is no OK for the views)', async () => {
    const d = copy();
    unlinkSync(path.join(d, 'junit.xml'));
    const r = await verify(d);
    expect(about(r, 'junit.xml')).toEqual([fail('junit.xml', 'listed in SHA256SUMS but missing from the bundle'), fail('junit.xml', 'missing')]);
    expect(r.findings.filter((f) => f.file === undefined && /renders to/.test(f.message))).toEqual([]);
  });

  it('report.json that is JSON but no report: it differs from the replay and cannot be rendered', async () => {
    const d = copy();
    writeFileSync(path.join(d, 'report.json'), '{}');
    const r = await verify(d);
    expect(about(r, 'report.json')).toEqual([
      changed('report.json'),
      fail('report.json', 'differs from what journal.jsonl replays to (first difference at _type)'),
      fail('report.json', expect.stringMatching(/^cannot be rendered: \S/) as unknown as string),
    ]);
  });
});

describe('verify: signed and unsigned acts of every kind', () => {
  let acts: ReportResult;
  const seq = { unsignedSignoff: 0, unsignedWaiver: 0, waiver: 0, unsignedApproval: 0, approval: 0, note: 0, decision: 0 };
  let decision = '';

  beforeAll(async () => {
    const session = await runShopSession(path.join(fixture.root, 'acts'), 'x-secret-x', {
      editChecklist: (yaml) => yaml.replace('title: Waived\n', 'title: Waived\n        waiverApprovals: 1\n'),
    });
    try {
      const o = { sign: true, env: fixture.fx.env() };
      const evidenceOf = (item: string) => (session.store.store.getState().items[item]!.result?.evidence ?? []).map((e) => e.sha256);
      seq.unsignedSignoff = (
        await session.record({ type: 'signoff', actor: BOB, data: { item: '1.2', decision: 'reject', comment: 'no', by: BOB, evidence: evidenceOf('1.2') } })
      ).seq;
      seq.unsignedWaiver = (
        await session.record({ type: 'waiver', actor: CAPTAIN, data: { item: '2.2', reason: 'flaky', expires: '2099-01-01', by: CAPTAIN, evidence: evidenceOf('2.2') } })
      ).seq;
      const waiver = { item: '2.3', reason: 'known issue', expires: '2099-02-03', by: CAPTAIN, evidence: evidenceOf('2.3') };
      seq.waiver = (await recordWaiver(session, { data: waiver, item: findItem(session.checklist, '2.3') }, { ...o, signKey: fixture.fx.captain.priv })).record.seq;
      seq.unsignedApproval = (
        await session.record({ type: 'waiver.approval', actor: CAROL, data: { item: '2.3', waiver: seq.waiver, comment: '', by: CAROL, evidence: evidenceOf('2.3') } })
      ).seq;
      const plan = planWaiverApproval(session, { item: '2.3', waiver: seq.waiver, by: BOB });
      seq.approval = (await recordWaiverApproval(session, plan, { ...o, signKey: fixture.fx.bob.priv })).record.seq;
      seq.note = (await recordSignedAct(session, { type: 'note', data: { text: 'all quiet', by: CAPTAIN } }, { ...o, signKey: fixture.fx.captain.priv })).record.seq;
      // an unsigned note is no act that counts toward a decision: no warning
      await session.record({ type: 'note', actor: CAPTAIN, data: { item: '1.1', text: 'seen', by: CAPTAIN } });
      const s = session.store.store.getState();
      decision = s.decision;
      const dec = { decision: s.decision, deciding: s.deciding, final: false, by: CAPTAIN };
      seq.decision = (await recordSignedAct(session, { type: 'decision', data: dec }, { ...o, signKey: fixture.fx.captain.priv })).record.seq;
      acts = await writeReportBundle({
        sessionDir: session.dir,
        outDir: path.join(fixture.root, 'acts-reports'),
        signKey: fixture.fx.captain.priv,
        signer: CAPTAIN,
        sign: true,
        interim: true,
        env: fixture.fx.env(),
        session,
      });
    } finally {
      await session.close();
    }
  }, 120_000);

  it('each signed act is OK with its own label and noun; the unsigned acts that count are warnings, the unsigned note is not', async () => {
    const r = await verify(acts.dir);
    const recs = recordsOf(acts.dir);
    const st = (s: number) => (recs[s]!.data!.statement as { path: string }).path;
    const good = (s: number, by: string, label: string, noun: string) =>
      ok(st(s), `good "signoff@readiness-tui" signature by ${by} (${label}): ${noun} #${s}, bound to journal #${s - 1}`);
    expect(r.findings.filter((f) => f.level === 'ok' && f.file?.startsWith('signoffs/'))).toEqual([
      good(seq.waiver, CAPTAIN, 'waiver on 2.3 until 2099-02-03', 'waiver'),
      good(seq.approval, BOB, `approval of waiver #${seq.waiver} on 2.3`, 'waiver approval'),
      good(seq.note, CAPTAIN, 'note', 'note'),
      good(seq.decision, CAPTAIN, `interim decision ${decision}`, 'decision'),
    ]);
    expect(r.findings.filter((f) => / is not SSH-signed$/.test(f.message))).toEqual([
      { level: 'warn', file: 'journal.jsonl', message: `line ${seq.unsignedSignoff + 1}: sign-off #${seq.unsignedSignoff} by ${BOB} (reject 1.2) is not SSH-signed` },
      {
        level: 'warn',
        file: 'journal.jsonl',
        message: `line ${seq.unsignedWaiver + 1}: waiver #${seq.unsignedWaiver} by ${CAPTAIN} (waiver on 2.2 until 2099-01-01) is not SSH-signed`,
      },
      {
        level: 'warn',
        file: 'journal.jsonl',
        message: `line ${seq.unsignedApproval + 1}: waiver approval #${seq.unsignedApproval} by ${CAROL} (approval of waiver #${seq.waiver} on 2.3) is not SSH-signed`,
      },
    ]);
    // an interim report of an interim journal: equal to the replay, and not claiming to be final
    expect(about(r, 'report.json')).toEqual([ok('report.json', `equals the journal replay (decision ${decision}, interim)`)]);
    // bob's signed approval counts: the waiver on 2.3 has what it needs
    expect(r.findings.filter((f) => /waiver on 2\.3/.test(f.message) && f.level !== 'ok')).toEqual([]);
  });

  it("a statement that fails names the act and its journal line in each finding (a waiver approval's here)", async () => {
    const d = copy(acts.dir);
    const st = recordsOf(d)[seq.approval]!.data!.statement as { path: string; sigPath: string };
    const f = path.join(d, st.path);
    writeFileSync(f, readFileSync(f, 'utf8').replace('"comment":"', '"comment":"x'));
    const r = await verify(d);
    const where = `(waiver approval journal #${seq.approval})`;
    expect(about(r, st.path, st.sigPath).slice(1)).toEqual([
      fail(st.path, `does not match the sha256 recorded in the journal: the statement was changed ${where}`),
      fail(st.path, `disagrees with its journal event on: comment ${where}`),
      fail(st.sigPath, expect.stringMatching(new RegExp(`^signature not accepted for ${BOB}: .* \\(waiver approval journal #${seq.approval}\\)$`)) as unknown as string),
    ]);
  });
});
