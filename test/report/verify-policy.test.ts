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
import { writeReportBundle } from '../../src/report/bundle.js';
import { signSignoff, statementType, type Statement } from '../../src/report/signoff-sign.js';
import { formatFinding, verifyBundle, type VerifyResult } from '../../src/report/verify.js';
import { isolatedEnv } from './helpers/bundle.js';
import { CAPTAIN, decide, runShopSession, signoffAs } from './helpers/session.js';
import { allowedLine, genKey, type TestKey } from './helpers/ssh.js';

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
function shopSession(o: { only?: string[]; editChecklist?: (yaml: string) => string } = {}): Promise<Session> {
  return runShopSession(path.join(root, `s-${++n}`), 'x-secret-x', { deliverables: false, ...o });
}

/** The session's bundle, signed by the captain, and what verify says of it. */
async function bundleOf(session: Session, interim = false): Promise<{ dir: string; r: VerifyResult }> {
  const res = await writeReportBundle({ sessionDir: session.dir, outDir: path.join(session.dir, '..', 'reports'), signKey: captain.priv, signer: CAPTAIN, sign: true, interim, env: env(), session });
  return { dir: res.dir, r: await verifyBundle(res.dir, { allowedSigners: allowed }) };
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
      expect(about('nullJson')).toEqual(bad('nullJson', ['st', 'is not a JSON object']));
      expect(about('type')).toEqual(bad('type', ['st', 'statement type "readiness-tui/note/v1" is not the one of a signoff (readiness-tui/signoff/v1)']));
      expect(about('fields')).toEqual(bad('fields', ['st', 'disagrees with its journal event on: comment, evidence, extra, session, checklistSha256']));
      expect(about('principal')).toEqual(bad('principal', ['st', 'disagrees with its journal event on: principal']));
      const own = seqOf('ownLine');
      expect(about('ownLine')).toEqual(bad('ownLine', ['st', `names journal seq ${own}, which is not a line before its own event`]));
      expect(about('negative')).toEqual(bad('negative', ['st', 'names journal seq -1, which is not a line before its own event']));
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
