/**
 * verify.ts, the last two steps of an audit: each signed statement against its journal event (checkStatement), and
 * the sign-off policy (policy). Real sessions run by the real runner, statements signed with real ssh-keygen keys;
 * a statement that disagrees with its event is written the way a forger would (signed, its digests journaled), so
 * the bundle is otherwise consistent and the finding under test is the only one.
 */
import canonicalize from 'canonicalize';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashLine } from '../../src/engine/journal.js';
import type { JournalRecord, StatementRef } from '../../src/engine/events.js';
import type { Session } from '../../src/engine/session-api.js';
import { openSession } from '../../src/engine/session.js';
import { findItem } from '../../src/engine/decide.js';
import { createRunner } from '../../src/engine/runner.js';
import { recordSignedAct } from '../../src/engine/signed-act.js';
import { recordWaiver } from '../../src/engine/waiver.js';
import { writeReportBundle } from '../../src/report/bundle.js';
import { signSignoff, statementType, type Statement } from '../../src/engine/signoff-sign.js';
import { formatFinding, verifyBundle, type VerifyResult } from '../../src/report/verify.js';
import { isolatedEnv, rewriteJournal } from './helpers/bundle.js';
import { CAPTAIN, decide, runShopSession, signoffAs } from './helpers/session.js';
import { allowedLine, fingerprint, genKey, type TestKey } from './helpers/ssh.js';

const BOB = 'bob@example.com';
const DAVE = 'dave@example.com';

let root: string;
let captain: TestKey;
let bob: TestKey;
let dave: TestKey;
let allowed: string;
let n = 0;
const env = () => isolatedEnv(root);

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'rt-verify-policy-'));
  mkdirSync(path.join(root, 'home'));
  captain = genKey(root, 'captain');
  bob = genKey(root, 'bob');
  dave = genKey(root, 'dave');
  allowed = path.join(root, 'allowed_signers');
  writeFileSync(
    allowed,
    [
      allowedLine(CAPTAIN, captain, 'report@readiness-tui,signoff@readiness-tui'),
      allowedLine(BOB, bob, 'signoff@readiness-tui'),
      // dave's key was trusted until the end of 2020: a statement is checked at the time it claims
      `${DAVE} namespaces="signoff@readiness-tui",valid-before="20210101" ${dave.pubLine.split(/\s+/).slice(0, 2).join(' ')}`,
    ].join('\n') + '\n',
  );
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const sha = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
const fails = (r: VerifyResult) => r.findings.filter((f) => f.level === 'fail');

/** A session of the shop checklist in a fresh directory (items `only`, no deliverables). */
function shopSession(o: { only?: string[]; editChecklist?: (yaml: string) => string; operatorKey?: string } = {}): Promise<Session> {
  return runShopSession(path.join(root, `s-${++n}`), 'x-secret-x', { deliverables: false, ...o });
}

/** The session's bundle, signed by the captain, and what verify says of it. */
async function bundleOf(session: Session, interim = false, allowedSigners = allowed): Promise<{ dir: string; r: VerifyResult }> {
  const res = await writeReportBundle({ sessionDir: session.dir, outDir: path.join(session.dir, '..', 'reports'), signKey: captain.priv, signer: CAPTAIN, sign: true, interim, env: env(), session });
  return { dir: res.dir, r: await verifyBundle(res.dir, { allowedSigners }) };
}

/**
 * bob approves `item` with a statement signed like signSignoff signs it, then changed by `edit` (its bytes written
 * as `edit` returns them, signed again with `signer`'s key) and its journaled reference changed by `ref`: the digests
 * journaled are those of the files as written, so only what the edit broke can be found.
 */
async function approveWith(
  session: Session,
  item: string,
  o: { edit?: (s: Statement) => string; signer?: TestKey; ref?: (r: StatementRef) => StatementRef; by?: string } = {},
): Promise<{ rec: JournalRecord; ref: StatementRef }> {
  const by = o.by ?? BOB;
  const evidence = (session.store.store.getState().items[item]!.result?.evidence ?? []).map((e) => e.sha256);
  const data = { item, decision: 'approve' as const, comment: `looked at ${item}`, by, evidence };
  let ref = await signSignoff({ session, ...data, principal: by, signKey: (o.signer ?? bob).priv, env: env() });
  if (o.edit) {
    const file = path.join(session.dir, ref.path);
    writeFileSync(file, o.edit(JSON.parse(readFileSync(file, 'utf8')) as Statement));
    rmSync(path.join(session.dir, ref.sigPath));
    const s = spawnSync('ssh-keygen', ['-q', '-Y', 'sign', '-f', (o.signer ?? bob).priv, '-n', 'signoff@readiness-tui', file], { env: env(), encoding: 'utf8' });
    if (s.status !== 0) throw new Error(`ssh-keygen -Y sign: ${s.stderr}`);
    ref = { ...ref, sha256: sha(readFileSync(file)), sigSha256: sha(readFileSync(path.join(session.dir, ref.sigPath))) };
  }
  if (o.ref) ref = o.ref(ref);
  const rec = await session.record({ type: 'signoff', actor: by, data: { ...data, statement: ref } });
  return { rec, ref };
}

const canonical = (s: unknown) => canonicalize(s)! + '\n';

/** The time of a bundle's last journal record (an interim report's decision time), as verify prints it */
const lastTs = (dir: string) => new Date((JSON.parse(readFileSync(path.join(dir, 'journal.jsonl'), 'utf8').trim().split('\n').at(-1)!) as { ts: string }).ts).toISOString();

describe('verify: a statement missing from the bundle, not a file, changed, or named by an unsafe path', () => {
  let dir: string;
  let acts: { rec: JournalRecord; ref: StatementRef }[];
  let session: Session;
  beforeAll(async () => {
    session = await shopSession({ only: ['1.2'] });
    acts = [await approveWith(session, '1.2'), await approveWith(session, '1.2')];
    await decide(session, true);
    dir = (await bundleOf(session)).dir;
    const r = await verifyBundle(dir, { allowedSigners: allowed });
    expect(fails(r).map((f) => f.message)).toEqual(['item 2.1 requires 1 valid signed approval(s), found 0 — the final decision was recorded without them']);
  }, 120_000);
  afterAll(async () => {
    await session?.close();
  });

  /** verify's findings on the acts' statements, in a copy of the bundle changed by `change` */
  async function statementFindings(change: (d: string) => void): Promise<string[]> {
    const d = path.join(root, `copy-${++n}`);
    cpSync(dir, d, { recursive: true });
    change(d);
    const r = await verifyBundle(d, { allowedSigners: allowed });
    return r.findings.filter((f) => acts.some((a) => f.message.endsWith(`(sign-off journal #${a.rec.seq})`))).map(formatFinding);
  }
  const tag = (i: number) => `(sign-off journal #${acts[i]!.rec.seq})`;

  it('a statement or signature file missing, or not a regular file', async () => {
    const [a, b] = acts.map((x) => x.ref) as [StatementRef, StatementRef];
    expect(await statementFindings((d) => (rmSync(path.join(d, a.path)), rmSync(path.join(d, b.sigPath))))).toEqual([
      `FAIL ${a.path}: signoff statement is missing from the bundle ${tag(0)}`,
      `FAIL ${b.sigPath}: signoff signature is missing from the bundle ${tag(1)}`,
    ]);
    const notRegular = 'is not a regular file (a symlink, directory or device has no place in a bundle)';
    const found = await statementFindings((d) => {
      // the statement a symlink to a good copy of itself, the signature a directory
      cpSync(path.join(d, a.path), path.join(d, 'elsewhere.json'));
      rmSync(path.join(d, a.path));
      symlinkSync(path.join(d, 'elsewhere.json'), path.join(d, a.path));
      rmSync(path.join(d, b.sigPath));
      mkdirSync(path.join(d, b.sigPath));
    });
    expect(found).toEqual([`FAIL ${a.path}: ${notRegular} ${tag(0)}`, `FAIL ${b.sigPath}: ${notRegular} ${tag(1)}`]);
  });

  it('a statement or its signature changed: named by the digest the journal recorded', async () => {
    const [a, b] = acts.map((x) => x.ref) as [StatementRef, StatementRef];
    const found = await statementFindings((d) => {
      const st = path.join(d, a.path);
      writeFileSync(st, readFileSync(st, 'utf8').replace('looked at 1.2', 'looked at 1.3'));
      const sig = path.join(d, b.sigPath);
      writeFileSync(sig, readFileSync(sig, 'utf8') + '\n');
    });
    expect(found.slice(0, 2)).toEqual([
      `FAIL ${a.path}: does not match the sha256 recorded in the journal: the statement was changed ${tag(0)}`,
      // the statement no longer says what the journal does, and bob's signature is not over it
      `FAIL ${a.path}: disagrees with its journal event on: comment ${tag(0)}`,
    ]);
    expect(found[2]).toMatch(new RegExp(`^FAIL ${a.sigPath}: signature not accepted for ${BOB}: .+ \\(sign-off journal #${acts[0]!.rec.seq}\\)$`));
    // an extra newline after the armor changes the file, not the signature
    expect(found.slice(3)).toEqual([`FAIL ${b.sigPath}: does not match the sha256 recorded in the journal ${tag(1)}`]);
  });

  it('a statement path or signature path in the journal that is not a safe bundle path', async () => {
    const found = await statementFindings((d) =>
      rewriteJournal(d, (recs) => {
        for (const rec of recs) {
          const st = (rec.data as { statement?: StatementRef }).statement;
          if (rec.seq === acts[0]!.rec.seq) st!.path = '../outside.json';
          if (rec.seq === acts[1]!.rec.seq) st!.sigPath = 'signoffs/./x.sig';
        }
      }),
    );
    expect(found).toEqual([
      `FAIL journal.jsonl: signoff statement path "../outside.json" is not a safe bundle path ${tag(0)}`,
      `FAIL journal.jsonl: signoff statement path ${JSON.stringify(acts[1]!.ref.path)} is not a safe bundle path ${tag(1)}`,
    ]);
  });
});

/** A record with the time given (the decision, or what came after it), as an operator's tool would have written it then. */
const at = (ts: string) => ({ ts });

describe('verify: policy, which items need a sign-off', () => {
  it('a manual item whose sign-off is optional, one with named checks; stale approvals and rejections; an expired waiver, one without a reason', async () => {
    const session = await shopSession({
      only: ['1.2', '2.3', '2.6'],
      editChecklist: (yaml) =>
        yaml.replace(
          'deliverables:\n',
          [
            '        waiverApprovals: 1',
            '      - id: "2.5"',
            '        title: Manual, sign-off optional',
            '        signoff: optional',
            '        check: {kind: manual}',
            '      - id: "2.6"',
            '        title: Named checks',
            '        checks:',
            '          a: {kind: command, run: echo a}',
            'deliverables:\n',
          ].join('\n'),
        ),
    });
    try {
      expect(session.checklist.blocks[1]!.items.slice(3).map((i) => [i.id, i.signoff, i.check?.kind, Object.keys(i.checks ?? {})])).toEqual([
        ['2.5', 'optional', 'manual', []],
        ['2.6', 'none', undefined, ['a']],
      ]);
      // bob approves 1.2, then rejects it; it runs again with other evidence: both are stale
      await signoffAs(session, '1.2', BOB, bob, { env: env() });
      await signoffAs(session, '1.2', BOB, bob, { env: env(), decision: 'reject' });
      await createRunner({ session, vars: { greeting: 'hello', apiToken: 'x-secret-x' }, secretVars: ['apiToken'] }).run(['1.2']);
      expect(session.store.store.getState().items['1.2']!).toMatchObject({ status: 'needs-signoff', signoffs: [{ decision: 'approve', stale: true }, { decision: 'reject', stale: true }] });
      // 2.3's waivers need an approval, but an expired one is only expired; 2.1's waiver gives no reason at all (2.6
      // passed and needs no sign-off: no finding)
      const waiver = await session.record({ type: 'waiver', data: { item: '2.3', reason: 'accepted', expires: '2030-03-01', by: CAPTAIN } });
      const noReason = await session.record({ type: 'waiver', data: { item: '2.1', expires: '2099-01-01', by: CAPTAIN } as never });
      const blank = await session.record({ type: 'waiver', data: { item: '2.2', reason: ' \t', expires: '2099-01-01', by: CAPTAIN } });
      const s = session.store.store.getState();
      await session.record({ type: 'decision', data: { decision: s.decision, deciding: s.deciding, final: true }, ...at('2030-06-01T00:00:00.000Z') });
      const { r } = await bundleOf(session);
      const without = ' — the final decision was recorded without them';
      expect(fails(r)).toEqual([
        { level: 'fail', file: 'journal.jsonl', message: `item 1.2 requires 1 valid signed approval(s), found 0 (${BOB}'s approval is stale (evidence changed after it))${without}` },
        { level: 'fail', file: 'journal.jsonl', message: `line ${noReason.seq + 1}: waiver on 2.1 by ${CAPTAIN} has no reason` },
        { level: 'fail', file: 'journal.jsonl', message: `line ${blank.seq + 1}: waiver on 2.2 by ${CAPTAIN} has no reason` },
        { level: 'fail', file: 'journal.jsonl', message: `line ${waiver.seq + 1}: waiver on 2.3 expired (2030-03-01) before the decision at 2030-06-01T00:00:00.000Z` },
        { level: 'fail', file: 'journal.jsonl', message: `item 2.5 requires 1 valid signed approval(s), found 0${without}` },
      ]);
    } finally {
      await session.close();
    }
  });

  it('a waiver in force at the decision stands in for a sign-off, though it expired before the last record', async () => {
    const session = await shopSession({ only: ['1.2'] });
    try {
      await signoffAs(session, '2.1', BOB, bob, { env: env() });
      await session.record({ type: 'waiver', data: { item: '1.2', reason: 'accepted until the fix', expires: '2031-01-01', by: CAPTAIN } });
      const s = session.store.store.getState();
      expect(s.items['1.2']!.status).toBe('waived');
      await session.record({ type: 'decision', data: { decision: s.decision, deciding: s.deciding, final: true }, ...at('2030-06-01T00:00:00.000Z') });
      // a note a year after the waiver ran out: 1.2 is no longer waived at the journal's end, but it was at the decision
      await session.record({ type: 'note', data: { item: '1.2', text: 'fixed since', by: CAPTAIN }, ...at('2032-01-01T00:00:00.000Z') });
      expect(session.store.store.getState().items['1.2']!.status).toBe('needs-signoff');
      const { r } = await bundleOf(session);
      expect(fails(r)).toEqual([]);
      expect(r.findings.map(formatFinding)).toContain('OK   policy: 1 item(s) needing sign-off checked; waivers checked at decision time 2030-06-01T00:00:00.000Z');
    } finally {
      await session.close();
    }
  });
});

describe('verify: policy on the approvals a waiver needs', () => {
  it('only validly signed approvals by someone other than its author count; interim a warning, final a failure', async () => {
    // block 2's waivers need one approval by someone else, and 2.2 is blocking like 2.3
    const session = await shopSession({
      only: ['2.2', '2.3'],
      editChecklist: (yaml) => yaml.replace('    title: Humans\n', '    title: Humans\n    waiverApprovals: 1\n').replace('        blocking: false\n', ''),
    });
    try {
      const o = (key: TestKey) => ({ sign: true, signKey: key.priv, env: env() });
      const waive = async (item: string) => {
        const evidence = (session.store.store.getState().items[item]!.result?.evidence ?? []).map((e) => e.sha256);
        return (await recordWaiver(session, { data: { item, reason: 'accepted', expires: '2099-01-01', by: CAPTAIN, evidence }, item: findItem(session.checklist, item) }, o(captain))).record;
      };
      const approve = (item: string, waiver: number, by: string, key: TestKey) =>
        recordSignedAct(session, { type: 'waiver.approval', data: { item, waiver, comment: '', by, evidence: session.store.store.getState().items[item]!.waiver!.evidence ?? [] } }, o(key));
      // 2.2: approved by bob, validly
      const w22 = await waive('2.2');
      await approve('2.2', w22.seq, BOB, bob);
      // 2.3: approved by dave, whose key was no longer trusted when he signed, and by its own author (in capitals)
      const w23 = await waive('2.3');
      const daves = await approve('2.3', w23.seq, DAVE, dave);
      await approve('2.3', w23.seq, 'Captain@Example.com', captain);
      // the session counts dave's approval (it has a signature), so both waivers are in force
      expect(['2.2', '2.3'].map((i) => session.store.store.getState().items[i]!.status)).toEqual(['waived', 'waived']);
      await signoffAs(session, '2.1', BOB, bob, { env: env() });
      const message = `line ${w23.seq + 1}: waiver on 2.3 by ${CAPTAIN} needs 1 validly signed approval(s) by someone else, found 0`;
      const policyFindings = (r: VerifyResult) => r.findings.filter((f) => (f.file === 'journal.jsonl' && f.level !== 'ok') || f.message.startsWith('policy:'));
      // the team file trusts the captain's key under his name in capitals too
      const as = path.join(root, 'allowed_capitals');
      writeFileSync(as, readFileSync(allowed, 'utf8') + allowedLine('Captain@Example.com', captain, 'signoff@readiness-tui') + '\n');
      const interim = await bundleOf(session, true, as);
      // a warning leaves the policy OK (an interim report may still lack approvals)
      expect(policyFindings(interim.r)).toEqual([
        { level: 'warn', file: 'journal.jsonl', message: `${message} — interim report` },
        { level: 'ok', file: undefined, message: `policy: 1 item(s) needing sign-off checked; waivers checked at decision time ${lastTs(interim.dir)}` },
      ]);
      await decide(session, true);
      const final = await bundleOf(session, false, as);
      expect(policyFindings(final.r)).toEqual([
        // the helper records the final decision without a key: verify says so
        { level: 'warn', file: 'journal.jsonl', message: expect.stringMatching(/^line \d+: decision #\d+ \(final decision [A-Z-]+\) is not SSH-signed$/) },
        { level: 'fail', file: 'journal.jsonl', message: `${message} — the final decision was recorded without them` },
      ]);
      // dave's signature is the other failure
      expect(fails(final.r).map((f) => f.file)).toEqual([daves.statement!.sigPath, 'journal.jsonl']);
    } finally {
      await session.close();
    }
  });
});

describe('verify: policy on who ran an item and which key approved it', () => {
  it('the runners are those who started or finished the item, by name or by key; one key is one person', async () => {
    const capFp = fingerprint(captain);
    const bobFp = fingerprint(bob);
    // cap2 holds the captain's key, robert bob's: the team file trusts each key for two names
    const as = path.join(root, 'allowed_two_names');
    writeFileSync(
      as,
      readFileSync(allowed, 'utf8') +
        [allowedLine('cap2@example.com', captain, 'signoff@readiness-tui'), allowedLine('robert@example.com', bob, 'signoff@readiness-tui')].join('\n') +
        '\n',
    );
    const edit = (yaml: string) =>
      yaml
        .replace('signoff: required\n        noSelfApproval: true\n', 'signoff: required\n        noSelfApproval: true\n        approvals: 2\n        owner: robert@example.com\n')
        .replace('title: Manual review\n', 'title: Manual review\n        noSelfApproval: true\n        approvals: 2\n')
        .replace('title: Hostile output\n', 'title: Hostile output\n        signoff: required\n        approvals: 2\n        signoffRoles: [sre, ops]\n');
    // the captain runs 1.2 with his key; then bob takes the session over and runs 2.2 with his
    const first = await shopSession({ only: ['1.1', '1.2'], editChecklist: edit, operatorKey: capFp });
    await first.close();
    const vars = { greeting: 'hello', apiToken: 'x-secret-x' };
    const session = await openSession({
      checklist: first.checklist,
      stateDir: path.dirname(path.dirname(first.dir)),
      mode: 'ci',
      vars,
      secretVars: ['apiToken'],
      operator: BOB,
      operatorKey: bobFp,
      owner: true,
    });
    try {
      expect(session.resumed).toBe(true);
      await createRunner({ session, vars, secretVars: ['apiToken'] }).run(['2.2']);
      const starts = readFileSync(path.join(session.dir, 'journal.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as JournalRecord)
        .filter((r) => r.type === 'item.start')
        .map((r) => [(r.data as { item: string }).item, r.actor, (r.data as { keyFingerprint?: string }).keyFingerprint]);
      expect(starts).toEqual([
        ['1.1', CAPTAIN, capFp],
        ['1.2', CAPTAIN, capFp],
        ['2.2', BOB, bobFp],
      ]);
      // 1.1 (self-approval allowed, roles sre and ops): the captain who ran it counts (no role claimed), bob as qa does not
      await signoffAs(session, '1.1', CAPTAIN, captain, { env: env() });
      await signoffAs(session, '1.1', BOB, bob, { env: env(), role: 'qa' });
      // 1.2: bob (who ran another item) counts, his role unchecked (1.2 names none); cap2, with the key that ran it, the
      // captain who ran it and robert who owns it do not
      await signoffAs(session, '1.2', BOB, bob, { env: env(), role: 'sre' });
      await signoffAs(session, '1.2', 'cap2@example.com', captain, { env: env() });
      await signoffAs(session, '1.2', CAPTAIN, captain, { env: env() });
      await signoffAs(session, '1.2', 'robert@example.com', bob, { env: env() });
      // 2.1: bob counts (once, though he approves twice), robert with bob's key is bob again
      await signoffAs(session, '2.1', BOB, bob, { env: env() });
      await signoffAs(session, '2.1', BOB, bob, { env: env() });
      await signoffAs(session, '2.1', 'robert@example.com', bob, { env: env() });
      // dave's key is no longer trusted
      await signoffAs(session, '2.1', DAVE, dave, { env: env() });
      await decide(session, true);
      const res = await writeReportBundle({ sessionDir: session.dir, outDir: path.join(root, `reports-${++n}`), signKey: captain.priv, signer: CAPTAIN, sign: true, interim: false, env: env(), session });
      const r = await verifyBundle(res.dir, { allowedSigners: as });
      const without = ' — the final decision was recorded without them';
      expect(fails(r).filter((f) => f.file === 'journal.jsonl')).toEqual([
        { level: 'fail', file: 'journal.jsonl', message: `item 1.1 requires 2 valid signed approval(s), found 1 (${BOB} signed as qa, not one of sre, ops)${without}` },
        {
          level: 'fail',
          file: 'journal.jsonl',
          message:
            `item 1.2 requires 2 valid signed approval(s), found 1 (cap2@example.com approved their own item (key ${capFp} ran it) (self-approval is not allowed); ` +
            `${CAPTAIN} approved their own item (self-approval is not allowed); robert@example.com approved their own item (self-approval is not allowed))${without}`,
        },
        {
          level: 'fail',
          file: 'journal.jsonl',
          message: `item 2.1 requires 2 valid signed approval(s), found 1 (robert@example.com approved with key ${bobFp}, which already approved it as someone else; ${DAVE}'s approval is not validly signed)${without}`,
        },
      ]);
      expect(fails(r).filter((f) => f.file !== 'journal.jsonl')).toEqual([expect.objectContaining({ message: expect.stringMatching(new RegExp(`^signature not accepted for ${DAVE}: `)) })]);
    } finally {
      await session.close();
    }
  });
});

// last: the most expensive test (a run of mutants stops at the first failing test)
describe('verify: a signed statement against its journal event', () => {
  it('each disagreement is named, on the statement file, and only the statements without one are good', async () => {
    const session = await shopSession({ only: ['1.2'] });
    try {
      const lines = () => readFileSync(path.join(session.dir, 'journal.jsonl'), 'utf8').trim().split('\n');
      const acts: Record<string, { rec: JournalRecord; ref: StatementRef }> = {};
      const checklistSha = (s: Statement) => s.checklistSha256;
      // canonical JSON without the final newline, the checklist digest in capitals: still the same statement
      acts.noNewline = await approveWith(session, '1.2', { edit: (s) => canonicalize({ ...s, checklistSha256: checklistSha(s).toUpperCase() })! });
      acts.pretty = await approveWith(session, '1.2', { edit: (s) => JSON.stringify(s, null, 2) + '\n' });
      acts.notJson = await approveWith(session, '1.2', { edit: () => 'approved, trust me\n' });
      acts.nullJson = await approveWith(session, '1.2', { edit: () => 'null\n' });
      acts.number = await approveWith(session, '1.2', { edit: () => '42\n' });
      acts.list = await approveWith(session, '1.2', { edit: () => '[]\n' });
      acts.type = await approveWith(session, '1.2', { edit: (s) => canonical({ ...s, _type: statementType('note') }) });
      acts.fields = await approveWith(session, '1.2', {
        edit: (s) => {
          const { evidence: _e, ...rest } = s;
          return canonical({ ...rest, comment: 'something else', extra: 1, session: 'another-session', checklistSha256: '0'.repeat(64) });
        },
      });
      // signed by the captain's key as the captain, journaled as bob's
      acts.principal = await approveWith(session, '1.2', { signer: captain, edit: (s) => canonical({ ...s, principal: CAPTAIN }) });
      // bound to the line of its own event (not one before it), to no line at all, and by a seq that is a string
      acts.ownLine = await approveWith(session, '1.2', { edit: (s) => canonical({ ...s, journal: { ...s.journal, seq: s.journal.seq + 1 } }) });
      acts.negative = await approveWith(session, '1.2', { edit: (s) => canonical({ ...s, journal: { ...s.journal, seq: -1 } }) });
      acts.noJournal = await approveWith(session, '1.2', { edit: ({ journal: _j, ...s }) => canonical(s) });
      acts.stringSeq = await approveWith(session, '1.2', { edit: (s) => canonical({ ...s, journal: { seq: String(1), head: hashLine(lines()[1]!) } }) });
      // bound to journal line 1 with its right digest: good; bound to the line before it with line 1's digest: not
      acts.first = await approveWith(session, '1.2', { edit: (s) => canonical({ ...s, journal: { seq: 0, head: hashLine(lines()[0]!) } }) });
      acts.head = await approveWith(session, '1.2', { edit: (s) => canonical({ ...s, journal: { ...s.journal, head: hashLine(lines()[0]!) } }) });
      // the journal names the captain's key for a statement bob's key signed; a reference without a key is checked on its signature
      const captainKey = (await approveWith(session, '1.2', { by: CAPTAIN, signer: captain })).ref.keyFingerprint;
      acts.key = await approveWith(session, '1.2', { ref: (r) => ({ ...r, keyFingerprint: captainKey }) });
      acts.noKey = await approveWith(session, '1.2', { ref: ({ keyFingerprint: _k, ...r }) => r as StatementRef });
      // dave's key was valid until 2021: a statement of 2020 is good, one with no time is checked now
      acts.in2020 = await approveWith(session, '1.2', { by: DAVE, signer: dave, edit: (s) => canonical({ ...s, ts: '2020-06-01T00:00:00.000Z' }) });
      acts.noTime = await approveWith(session, '1.2', { by: DAVE, signer: dave, edit: (s) => canonical({ ...s, ts: 'soon' }) });
      await decide(session, true);
      const { r } = await bundleOf(session);
      const about = (a: keyof typeof acts) => {
        const { rec, ref } = acts[a]!;
        return r.findings.filter((f) => f.file === ref.path || f.file === ref.sigPath || f.message.endsWith(`(sign-off journal #${rec.seq})`)).map(formatFinding);
      };
      const good = (a: keyof typeof acts, bound: number) => {
        const { rec, ref } = acts[a]!;
        return [`OK   ${ref.path}: good "signoff@readiness-tui" signature by ${(rec.data as { by: string }).by} (approve 1.2): sign-off #${rec.seq}, bound to journal #${bound}`];
      };
      const bad = (a: keyof typeof acts, ...problems: [file: 'st' | 'sig', message: string][]) => {
        const { rec, ref } = acts[a]!;
        return problems.map(([f, m]) => `FAIL ${f === 'st' ? ref.path : ref.sigPath}: ${m} (sign-off journal #${rec.seq})`);
      };
      const seqOf = (a: keyof typeof acts) => acts[a]!.rec.seq;
      expect(about('noNewline')).toEqual(good('noNewline', seqOf('noNewline') - 1));
      expect(about('pretty')).toEqual(bad('pretty', ['st', 'is not in canonical JSON form']));
      expect(about('notJson')).toEqual(bad('notJson', ['st', 'is not valid JSON']));
      // JSON, but no statement: before this was checked, a statement of `null` passed with no signature checked
      expect(about('nullJson')).toEqual(bad('nullJson', ['st', 'is not a JSON object']));
      expect(about('number')).toEqual(bad('number', ['st', 'is not a JSON object']));
      expect(about('list')).toEqual(bad('list', ['st', 'is not a JSON object']));
      expect(about('type')).toEqual(bad('type', ['st', 'statement type "readiness-tui/note/v1" is not the one of a signoff (readiness-tui/signoff/v1)']));
      expect(about('fields')).toEqual(bad('fields', ['st', 'disagrees with its journal event on: comment, evidence, extra, session, checklistSha256']));
      expect(about('principal')).toEqual(bad('principal', ['st', 'disagrees with its journal event on: principal']));
      const own = seqOf('ownLine');
      expect(about('ownLine')).toEqual(bad('ownLine', ['st', `names journal seq ${own}, which is not a line before its own event`]));
      expect(about('negative')).toEqual(bad('negative', ['st', 'names journal seq -1, which is not a line before its own event']));
      expect(about('noJournal')).toEqual(bad('noJournal', ['st', 'names journal seq undefined, which is not a line before its own event']));
      expect(about('stringSeq')).toEqual(bad('stringSeq', ['st', 'names journal seq 1, which is not a line before its own event']));
      expect(about('first')).toEqual(good('first', 0));
      const h = seqOf('head') - 1;
      expect(about('head')).toEqual(
        bad('head', ['st', `is not bound to journal #${h} (line ${h + 1}): that line's sha256 is not the head the signer saw (the journal was rewritten after signing)`]),
      );
      const bobKey = acts.noNewline!.ref.keyFingerprint;
      expect(about('key')).toEqual(bad('key', ['sig', `was made with key ${bobKey}, but the journal records ${captainKey}`]));
      expect(about('noKey')).toEqual(good('noKey', seqOf('noKey') - 1));
      expect(about('in2020')).toEqual(good('in2020', seqOf('in2020') - 1));
      const [noTime] = about('noTime');
      expect(about('noTime')).toHaveLength(1);
      expect(noTime).toMatch(
        new RegExp(`^FAIL ${acts.noTime!.ref.sigPath}: signature not accepted for ${DAVE}: key \\S+ was not valid at \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z \\(sign-off journal #${seqOf('noTime')}\\)$`),
      );
      // nothing else failed but the manual item nobody approved: the statements are all that was forged
      expect(fails(r).filter((f) => !f.file?.startsWith('signoffs/'))).toEqual([
        { level: 'fail', file: 'journal.jsonl', message: 'item 2.1 requires 1 valid signed approval(s), found 0 — the final decision was recorded without them' },
      ]);
    } finally {
      await session.close();
    }
  });
});
