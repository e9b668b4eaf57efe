/**
 * `readiness-tui verify BUNDLE --allowed-signers FILE`: everything an auditor needs to trust a bundle, one finding per
 * line. Trust comes only from the allowed_signers file given (never from anything inside the bundle).
 *
 *  1. SHA256SUMS.sig: a good signature in namespace report@readiness-tui by a key allowed_signers trusts for it
 *  2. SHA256SUMS: every listed file present with that digest, no unlisted files, safe names
 *  3. journal.jsonl: the whole hash chain (engine/journal.ts), checklist.yaml is the one session.start pins
 *  4. report.json: equal to what the journal replays to (engine/session.ts replaySession + model.ts); the evidence
 *     files are the ones the journal recorded; report.html, junit.xml, summary.md re-render identically
 *  5. each sign-off: statement digest as journaled, bound to the journal line it names, signed by its principal
 *     (namespace signoff@readiness-tui, key valid at the statement's time), matching its journal event
 *  6. policy: required approvals present, valid, not stale, not self-approved where forbidden; waivers had reasons
 *     and had not expired at decision time
 *
 * Over 400 lines: checkBundle is the ordered list of an auditor's checks (files and digests, the signature, the journal
 * chain, each sign-off, the policy), each a named function below it writing its findings; they share the findings
 * list, and the order they run in is the order a reader sees them, so they stay in one file.
 */
import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../checklist/errors.js';
import { recordedEvidence, type JournalRecord, type SessionStartData, type SignoffData, type StatementRef, type WaiverData } from '../engine/events.js';
import { hashLine, readJournal } from '../engine/journal.js';
import { replaySession, type Replay } from '../engine/session.js';
import { waiverApprovalsNeeded, waiverInForce, waiverValid } from '../engine/session-state.js';
import { allItems } from '../checklist/model.js';
import { renderViews } from './bundle.js';
import { checkSignature } from '../signing/check-signature.js';
import { evidenceTails } from './evidence-tail.js';
import { deriveReport, firstDifference, type ReportModel } from './model.js';
import { REPORT_NAMESPACE, SIGNOFF_NAMESPACE } from '../signing/sign.js';
import { signedFields, STATEMENT_HEADER, statementType, type Statement } from '../engine/signoff-sign.js';
import { armorSignature, dearmorSignature, parseAllowedSigners, type AllowedSigners } from '../signing/sshsig.js';
import { isSafeBundlePath, listFiles, parseSums, SUMS_FILE, SUMS_SIG_FILE } from './sums.js';
import { sha256File } from '../signing/digest.js';

export type FindingLevel = 'ok' | 'warn' | 'fail';

export interface Finding {
  level: FindingLevel;
  /** the bundle file the finding is about */
  file?: string;
  message: string;
}

export interface VerifyResult {
  valid: boolean;
  bundle: string;
  findings: Finding[];
  /** who signed the report, when the signature is good */
  signer?: string;
  decision?: string;
  interim?: boolean;
}

export interface VerifyOptions {
  allowedSigners: string;
  env?: NodeJS.ProcessEnv;
  namespace?: string;
  signoffNamespace?: string;
  /** a statement whose signature allowed_signers does not accept is a warning instead of a failure */
  lenient?: boolean;
}

export function formatFinding(f: Finding): string {
  const tag = f.level === 'ok' ? 'OK  ' : f.level === 'warn' ? 'WARN' : 'FAIL';
  return `${tag} ${f.file ? `${f.file}: ` : ''}${f.message}`;
}

async function loadAllowedSigners(file: string): Promise<AllowedSigners> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UsageError(`allowed signers file ${file} not found or not readable`);
  }
  const as = parseAllowedSigners(text, file);
  if (!as.entries.length)
    throw new UsageError(
      `allowed signers file ${file} has no usable entry${as.problems.length ? `:\n  ${as.problems.join('\n  ')}` : ''}` +
        `\n(expected lines like: alice@example.com namespaces="report@readiness-tui,signoff@readiness-tui" ssh-ed25519 AAAA…)`,
    );
  return as;
}

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const norm = (h: unknown) => (typeof h === 'string' ? h : '').replace(/^sha256:/, '').toLowerCase();

/**
 * Verify a bundle. Throws only a UsageError (no bundle directory, no usable allowed_signers); a bundle however damaged
 * gives findings: anything the checks below did not foresee ends them with a FAIL saying where verify stopped.
 */
export async function verifyBundle(bundle: string, o: VerifyOptions): Promise<VerifyResult> {
  const dir = path.resolve(bundle);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`bundle ${bundle} is not a directory`);
  const allowedFile = path.resolve(o.allowedSigners);
  const allowed = await loadAllowedSigners(allowedFile);
  const findings: Finding[] = [];
  let found: Pick<VerifyResult, 'signer' | 'decision' | 'interim'> = {};
  try {
    found = await checkBundle(dir, allowed, allowedFile, o, findings);
  } catch (err) {
    findings.push({ level: 'fail', message: `${UNFORESEEN}: ${(err as Error)?.message ?? String(err)}` });
  }
  return { valid: !findings.some((f) => f.level === 'fail'), bundle: dir, findings, ...found };
}

/** The message of the FAIL that ends a verify cut short by damage no check foresaw (the fuzz test expects none). */
export const UNFORESEEN = 'verify stopped here: the bundle is damaged in a way no check above names';

/** Where the checks of one verify write their findings, and the bundle they look at. */
interface Verifying {
  dir: string;
  findings: Finding[];
  ok: (file: string | undefined, message: string) => void;
  warn: (file: string | undefined, message: string) => void;
  fail: (file: string | undefined, message: string) => void;
}

async function checkBundle(
  dir: string,
  allowed: AllowedSigners,
  allowedFile: string,
  o: VerifyOptions,
  findings: Finding[],
): Promise<Pick<VerifyResult, 'signer' | 'decision' | 'interim'>> {
  const ns = o.namespace ?? REPORT_NAMESPACE;
  const env = o.env ?? process.env;
  const v: Verifying = {
    dir,
    findings,
    ok: (file, message) => findings.push({ level: 'ok', file, message }),
    warn: (file, message) => findings.push({ level: 'warn', file, message }),
    fail: (file, message) => findings.push({ level: 'fail', file, message }),
  };
  for (const p of allowed.problems) v.warn(undefined, `allowed_signers: ${p} (line ignored)`);

  // report.json is read early: it names the generation time (verify-time for the report key) and the claimed signer
  const report = await readReportJson(v);

  // 1 + 2: manifest signature and digests
  let sumsText: Buffer | undefined;
  try {
    sumsText = await readFile(path.join(dir, SUMS_FILE));
  } catch {
    v.fail(SUMS_FILE, 'missing: this is not a readiness bundle, or its manifest was removed');
  }
  let signer: string | undefined;
  if (sumsText) {
    signer = await checkManifestSignature(v, sumsText, report, { allowed, allowedFile, ns, env });
    await checkManifestDigests(v, sumsText);
  }

  // 3: journal chain + checklist
  const { replay, start, journalRecords } = await checkJournal(v);

  // evidence files are the ones the journal recorded (catches evidence swapped and the manifest re-signed)
  if (replay) await checkRecordedEvidence(v, replay);

  // every file is the bundle's own output or named by a journal record (a re-signed manifest listing it does not count)
  await accountForFiles(dir, replay?.records ?? journalRecords ?? [], v.fail);

  // 4: report.json == replay
  if (replay && report && start) checkReportEqualsReplay(v, report, replay);

  // the views (report.html, junit.xml, summary.md) are exactly what report.json renders to: a page edited to say
  // something else than the record is caught even when the manifest was re-signed
  if (report) await checkViews(v, report);

  // 5 + 6: sign-offs and policy
  if (replay) {
    const signoffNs = o.signoffNamespace ?? SIGNOFF_NAMESPACE;
    const verifiedSignoffs = await checkSignoffs(v, replay, { allowed, allowedFile, ns: signoffNs, env, sessionId: start?.sessionId }, o.lenient);
    policy(replay, verifiedSignoffs, v);
  }

  return {
    signer,
    decision: replay?.state.decision,
    interim: replay ? !replay.state.finalDecision : undefined,
  };
}

async function readReportJson(v: Verifying): Promise<ReportModel | undefined> {
  try {
    return JSON.parse(await readFile(path.join(v.dir, 'report.json'), 'utf8')) as ReportModel;
  } catch (err) {
    v.fail('report.json', existsSync(path.join(v.dir, 'report.json')) ? `not valid JSON (${(err as Error).message})` : 'missing');
    return undefined;
  }
}

/** 1: SHA256SUMS.sig is a good signature by a key allowed_signers trusts, made as report.json says. The signer. */
async function checkManifestSignature(
  v: Verifying,
  sumsText: Buffer,
  report: ReportModel | undefined,
  k: { allowed: AllowedSigners; allowedFile: string; ns: string; env: NodeJS.ProcessEnv },
): Promise<string | undefined> {
  const { allowed, allowedFile, ns, env } = k;
  const sigFile = path.join(v.dir, SUMS_SIG_FILE);
  if (!existsSync(sigFile)) {
    v.fail(SUMS_SIG_FILE, `missing: the bundle is UNSIGNED${report?.bundle?.signature?.reason ? ` (${report.bundle.signature.reason})` : ''}`);
    return undefined;
  }
  // a directory, a symlink or a device in its place is never followed or read; accountForFiles names the files
  // that are not regular, and an empty directory is no file to it: named here
  const sigStat = lstatSync(sigFile);
  if (sigStat.isDirectory()) v.fail(SUMS_SIG_FILE, NOT_REGULAR);
  if (!sigStat.isFile()) return undefined;
  const genAt = Date.parse(report?.bundle?.generatedAt ?? '');
  const sigText = await readFile(sigFile, 'utf8');
  // the signature as checked for a principal: the one allowed_signers gives its key, or the one the report names
  const at = Number.isFinite(genAt) ? new Date(genAt) : undefined;
  const check = (principal?: string) => checkSignature({ message: sumsText, sigText, sigFile, allowedFile, allowed, namespace: ns, principal, at, env });
  const s = await check();
  if (!s.ok) {
    v.fail(SUMS_SIG_FILE, `signature not accepted: ${s.reason}${s.fingerprint ? ` (key ${s.fingerprint})` : ''}`);
    return undefined;
  }
  let signer = s.principal;
  v.ok(SUMS_SIG_FILE, `good "${ns}" signature by ${s.principal} with ${s.keyType} key ${s.fingerprint}`);
  if (armorSignature(dearmorSignature(sigText)) !== sigText)
    v.fail(SUMS_SIG_FILE, 'is not written the way ssh-keygen writes a signature (its armor or base64 was altered)');
  const claimed = report?.bundle?.signature;
  if (claimed?.keyFingerprint && claimed.keyFingerprint !== s.fingerprint)
    v.fail('report.json', `names signing key ${claimed.keyFingerprint}, but SHA256SUMS.sig was made with ${s.fingerprint}`);
  if (claimed?.signer && claimed.signer !== s.principal) {
    // the report names its signer: that principal must be one allowed_signers trusts with this key
    const again = await check(claimed.signer);
    if (!again.ok) v.fail('report.json', `names ${claimed.signer} as its signer, but ${again.reason}`);
    else signer = claimed.signer;
  }
  return signer;
}

/** 2: every file SHA256SUMS lists is there with its digest, under a safe name, and no file is unlisted. */
async function checkManifestDigests(v: Verifying, sumsText: Buffer): Promise<void> {
  const parsed = parseSums(sumsText.toString('utf8'));
  for (const p of parsed.problems) v.fail(SUMS_FILE, p);
  const listed = new Set(parsed.entries.map((e) => e.path));
  let good = 0;
  for (const e of parsed.entries) {
    const f = path.join(v.dir, e.path);
    if (!isSafeBundlePath(e.path)) continue;
    const digest = await regularFileDigest(f);
    if (digest === undefined) v.fail(e.path, 'listed in SHA256SUMS but missing from the bundle');
    else if (digest === null) v.fail(e.path, NOT_REGULAR);
    else if (digest !== e.sha256) v.fail(e.path, 'sha256 does not match SHA256SUMS: the file was changed after the bundle was made');
    else good++;
  }
  for (const f of await listFiles(v.dir)) {
    if (f === SUMS_FILE || f === SUMS_SIG_FILE) continue;
    if (!listed.has(f)) v.fail(f, 'not listed in SHA256SUMS: added after the bundle was made');
  }
  if (good === parsed.entries.length && parsed.entries.length) v.ok(SUMS_FILE, `all ${good} files match their digests`);
}

/**
 * 3: the journal's hash chain, replayed with its checklist (or, when the checklist cannot be loaded, checked on its
 * own), and checklist.yaml is the one session.start pins.
 */
async function checkJournal(
  v: Verifying,
): Promise<{ replay?: Replay; start?: SessionStartData; journalRecords?: JournalRecord[] }> {
  const { dir, ok, fail } = v;
  let replay: Replay | undefined;
  const checklistBytes = await readFile(path.join(dir, 'checklist.yaml')).catch(() => undefined);
  if (!checklistBytes) fail('checklist.yaml', 'missing');
  try {
    replay = await replaySession(dir);
  } catch (err) {
    fail('checklist.yaml', `cannot be loaded, so the journal cannot be replayed: ${(err as Error).message.split('\n').slice(0, 3).join(' ')}`);
  }
  let start: SessionStartData | undefined;
  let journalRecords: JournalRecord[] | undefined;
  if (!replay) {
    // the checklist cannot be loaded: the chain can still be checked on its own
    const j = await readJournal(path.join(dir, 'journal.jsonl'));
    for (const p of j.problems) fail(p.line ? `journal.jsonl:${p.line}` : 'journal.jsonl', p.message);
    for (const w of j.warnings) fail('journal.jsonl', w.replace(/^journal\.jsonl:\d+: /, ''));
    if (!j.problems.length && !j.warnings.length) ok('journal.jsonl', `hash chain intact: ${j.records.length} records, head ${j.head}`);
    start = j.records[0]?.type === 'session.start' ? (j.records[0].data as SessionStartData) : undefined;
    journalRecords = j.records;
  }
  if (replay) {
    for (const p of replay.problems) {
      if (/checklist\.yaml/.test(p.message)) continue; // reported below, naming the file
      fail(p.line ? `journal.jsonl:${p.line}` : 'journal.jsonl', p.message);
    }
    for (const w of replay.warnings) fail('journal.jsonl', `${w.replace(/^journal\.jsonl:\d+: /, '')} — a bundle's journal is written whole, so this is damage`);
    start = replay.records[0]?.type === 'session.start' ? (replay.records[0].data as SessionStartData) : undefined;
    if (!replay.problems.length && !replay.warnings.length)
      ok('journal.jsonl', `hash chain intact: ${replay.records.length} records, head ${replay.head}`);
  }
  if (checklistBytes && start) {
    if (norm(start.checklist?.sha256) !== sha(checklistBytes))
      fail('checklist.yaml', `sha256 ${sha(checklistBytes)} is not the checklist the session ran (journal line 1 pins ${start.checklist?.sha256})`);
    else ok('checklist.yaml', 'is the exact checklist the session ran');
  }
  return { replay, start, journalRecords };
}

/** The evidence files are the ones the journal recorded, item and deliverable results alike. */
async function checkRecordedEvidence(v: Verifying, replay: Replay): Promise<void> {
  let n = 0;
  const before = v.findings.length;
  for (const rec of replay.records) {
    for (const ev of recordedEvidence(rec)) {
      n++;
      if (!isSafeBundlePath(ev?.path)) {
        v.fail('journal.jsonl', `line ${rec.seq + 1}: evidence path ${JSON.stringify(ev?.path)} is not a safe bundle path`);
        continue;
      }
      const digest = await regularFileDigest(path.join(v.dir, ev.path));
      if (digest === undefined) v.warn(ev.path, `recorded in journal line ${rec.seq + 1} but not in the bundle (withheld?)`);
      else if (digest === null) v.fail(ev.path, NOT_REGULAR);
      else if (digest !== norm(ev.sha256))
        v.fail(ev.path, `is not the evidence recorded in journal line ${rec.seq + 1} (sha256 differs): it was replaced`);
    }
  }
  if (n && v.findings.length === before) v.ok('evidence/', `all ${n} evidence file(s) match the digests in the journal`);
}

/** 4: report.json (without its bundle section) is what the journal replays to. */
function checkReportEqualsReplay(v: Verifying, report: ReportModel, replay: Replay): void {
  try {
    const derived = deriveReport(replay);
    const { bundle: _b, ...claimed } = report;
    const a = canonicalize(JSON.parse(JSON.stringify(derived)));
    const b = canonicalize(claimed);
    if (a !== b) v.fail('report.json', `differs from what journal.jsonl replays to (first difference at ${firstDifference(derived, claimed)})`);
    else v.ok('report.json', `equals the journal replay (decision ${derived.decision.decision}${derived.decision.final ? '' : ', interim'})`);
    if (report.bundle && !report.bundle.interim && !derived.decision.final)
      v.fail('report.json', 'claims to be final, but the journal records no final decision');
  } catch (err) {
    v.fail('report.json', `cannot be compared with the journal: ${(err as Error).message}`);
  }
}

/** report.html, junit.xml and summary.md are exactly what report.json renders to. */
async function checkViews(v: Verifying, report: ReportModel): Promise<void> {
  try {
    const views = renderViews(report, await evidenceTails(v.dir));
    const before = v.findings.length;
    for (const [name, text] of Object.entries(views)) {
      const have = await readFile(path.join(v.dir, name), 'utf8').catch(() => undefined);
      if (have === undefined) v.fail(name, 'missing');
      else if (have !== text) v.fail(name, 'is not what report.json renders to: it was edited after it was generated');
    }
    if (v.findings.length === before) v.ok(undefined, `${Object.keys(views).join(', ')} are exactly what report.json renders to`);
  } catch (err) {
    v.fail('report.json', `cannot be rendered: ${(err as Error).message}`);
  }
}

/** The journal events that are human acts recorded as signed statements (engine/signoff-sign.ts). */
const SIGNED_ACTS = new Set<string>(['signoff', 'note', 'decision', 'waiver', 'waiver.approval']);

type StatementEvent = { by: string; statement: StatementRef } & Record<string, unknown>;

/** what an act is called in findings: "sign-off", "waiver approval", "note" … */
const actNoun = (rec: JournalRecord): string => (rec.type === 'signoff' ? 'sign-off' : rec.type === 'waiver.approval' ? 'waiver approval' : rec.type);

/** "approve 1.1", "note on 2.2", "final decision GO": what a statement says, for its finding. */
function actLabel(rec: JournalRecord): string {
  const d = rec.data as Record<string, unknown>;
  if (rec.type === 'signoff') return `${String(d.decision)} ${String(d.item)}`;
  if (rec.type === 'decision') return `${d.final ? 'final' : 'interim'} decision ${String(d.decision)}`;
  if (rec.type === 'waiver') return `waiver on ${String(d.item)} until ${String(d.expires)}`;
  if (rec.type === 'waiver.approval') return `approval of waiver #${String(d.waiver)} on ${String(d.item)}`;
  return `${rec.type}${typeof d.item === 'string' ? ` on ${d.item}` : ''}`;
}

/**
 * 5: each SSH-signed statement of a human act — sign-off, note, decision (checkStatement); the journal lines of the
 * sign-offs that verified, with their principal.
 */
async function checkSignoffs(
  v: Verifying,
  replay: Replay,
  k: Parameters<typeof checkStatement>[4],
  lenient: boolean | undefined,
): Promise<Map<number, { principal: string }>> {
  const verifiedSignoffs = new Map<number, { principal: string }>();
  // sign-offs, notes, decisions, waivers and waiver approvals are signed statements alike
  for (const rec of replay.records) {
    const d = rec.data as { by?: string; statement?: StatementRef; final?: unknown } | null;
    if (!d || !SIGNED_ACTS.has(rec.type)) continue;
    if (!d.statement) {
      // the acts that count toward a decision say so when unsigned (an unsigned one never counts), and so does the
      // final decision itself (`run --ci` or `decide` without a usable key; one that names nobody too)
      const counts = typeof d.by === 'string' && (rec.type === 'signoff' || rec.type === 'waiver' || rec.type === 'waiver.approval');
      if (counts || (rec.type === 'decision' && d.final === true)) {
        const by = typeof d.by === 'string' ? ` by ${d.by}` : '';
        v.warn('journal.jsonl', `line ${rec.seq + 1}: ${actNoun(rec)} #${rec.seq}${by} (${actLabel(rec)}) is not SSH-signed`);
      }
      continue;
    }
    if (typeof d.by !== 'string') continue;
    const where = `${actNoun(rec)} journal #${rec.seq}`;
    const r = await checkStatement(v.dir, rec, d as StatementEvent, replay, k);
    if (r.problems.length) for (const p of r.problems) (p.untrusted && lenient ? v.warn : v.fail)(p.file, `${p.message} (${where})`);
    else {
      verifiedSignoffs.set(rec.seq, { principal: d.by });
      v.ok(d.statement.path, `good "${k.ns}" signature by ${d.by} (${actLabel(rec)}): ${actNoun(rec)} #${rec.seq}, bound to journal #${r.boundSeq}`);
    }
  }
  return verifiedSignoffs;
}

const NOT_REGULAR = 'is not a regular file (a symlink, directory or device has no place in a bundle)';

/** sha256 of a regular file; undefined when there is nothing at `file`, null when it is not a regular file */
async function regularFileDigest(file: string): Promise<string | undefined | null> {
  const st = lstatSync(file, { throwIfNoEntry: false });
  if (!st) return undefined;
  return st.isFile() ? sha256File(file) : null;
}

/** The files a bundle writes itself; every other file must be named by a journal record. */
const BUNDLE_OUTPUTS = new Set([SUMS_FILE, SUMS_SIG_FILE, 'checklist.yaml', 'journal.jsonl', 'report.json', 'report.html', 'junit.xml', 'summary.md']);

/** Evidence named by result records and statement files (with their signatures) named by any record's `statement`. */
function journalNamedFiles(records: JournalRecord[]): Set<string> {
  const named = new Set<string>();
  for (const rec of records) {
    for (const ev of recordedEvidence(rec)) if (typeof ev?.path === 'string') named.add(ev.path);
    const st = (rec.data as { statement?: { path?: unknown; sigPath?: unknown } } | undefined)?.statement;
    for (const f of [st?.path, st?.sigPath]) if (typeof f === 'string') named.add(f);
  }
  return named;
}

async function accountForFiles(dir: string, records: JournalRecord[], fail: (file: string, message: string) => void): Promise<void> {
  const named = journalNamedFiles(records);
  for (const f of await listFiles(dir)) {
    if (!lstatSync(path.join(dir, f)).isFile()) fail(f, NOT_REGULAR);
    else if (!BUNDLE_OUTPUTS.has(f) && !named.has(f))
      fail(f, 'no journal record names this file and a bundle does not make it: it was added (being listed in SHA256SUMS does not make it part of the record)');
  }
}

async function checkStatement(
  dir: string,
  rec: JournalRecord,
  d: StatementEvent,
  replay: Replay,
  o: { allowed: AllowedSigners; allowedFile: string; ns: string; env: NodeJS.ProcessEnv; sessionId?: string },
): Promise<{ problems: { file: string; message: string; untrusted?: boolean }[]; boundSeq?: number }> {
  const st = d.statement!;
  const problems: { file: string; message: string; untrusted?: boolean }[] = [];
  const p = (file: string, message: string, untrusted?: boolean) => problems.push({ file, message, untrusted });
  if (!isSafeBundlePath(st.path) || !isSafeBundlePath(st.sigPath)) {
    p('journal.jsonl', `${rec.type} statement path ${JSON.stringify(st.path)} is not a safe bundle path`);
    return { problems };
  }
  const file = path.join(dir, st.path);
  const sigFile = path.join(dir, st.sigPath);
  for (const [f, rel, what] of [[file, st.path, 'statement'], [sigFile, st.sigPath, 'signature']] as const) {
    const s = lstatSync(f, { throwIfNoEntry: false });
    if (!s) p(rel, `${rec.type} ${what} is missing from the bundle`);
    else if (!s.isFile()) p(rel, NOT_REGULAR);
  }
  if (problems.length) return { problems };
  const bytes = await readFile(file);
  if (sha(bytes) !== norm(st.sha256)) p(st.path, 'does not match the sha256 recorded in the journal: the statement was changed');
  const sigText = await readFile(sigFile, 'utf8');
  if (sha(sigText) !== norm(st.sigSha256)) p(st.sigPath, 'does not match the sha256 recorded in the journal');
  let s: Statement | undefined;
  try {
    s = JSON.parse(bytes.toString('utf8')) as Statement;
  } catch {
    p(st.path, 'is not valid JSON');
    return { problems };
  }
  // `null`, a number, a string or a list is no statement (and `null` must not pass for one with nothing to check)
  if (typeof s !== 'object' || s === null || Array.isArray(s)) {
    p(st.path, 'is not a JSON object');
    return { problems };
  }
  if (canonicalize(s) + '\n' !== bytes.toString('utf8') && canonicalize(s) !== bytes.toString('utf8'))
    p(st.path, 'is not in canonical JSON form');
  if (s._type !== statementType(rec.type)) p(st.path, `statement type ${JSON.stringify(s._type)} is not the one of a ${rec.type} (${statementType(rec.type)})`);
  // the statement signs exactly the event's fields (signedFields): one missing, added or changed is a mismatch
  const mism: string[] = [];
  const fields = signedFields(d);
  const header = new Set<string>(STATEMENT_HEADER);
  for (const k of new Set([...Object.keys(fields), ...Object.keys(s).filter((x) => !header.has(x))]))
    if (canonicalize(fields[k] ?? null) !== canonicalize(s[k] ?? null)) mism.push(k);
  if (s.principal !== d.by) mism.push('principal');
  if (o.sessionId && s.session !== o.sessionId) mism.push('session');
  const start = replay.records[0]?.type === 'session.start' ? (replay.records[0].data as SessionStartData) : undefined;
  if (norm(s.checklistSha256) !== norm(start?.checklist?.sha256)) mism.push('checklistSha256');
  if (mism.length) p(st.path, `disagrees with its journal event on: ${mism.join(', ')}`);
  const seq = s.journal?.seq;
  let boundSeq: number | undefined;
  if (!Number.isSafeInteger(seq) || seq < 0 || seq >= rec.seq || replay.lines[seq] === undefined)
    p(st.path, `names journal seq ${seq}, which is not a line before its own event`);
  else if (hashLine(replay.lines[seq]!) !== s.journal.head)
    p(st.path, `is not bound to journal #${seq} (line ${seq + 1}): that line's sha256 is not the head the signer saw (the journal was rewritten after signing)`);
  else boundSeq = seq;
  const at = Date.parse(s.ts);
  const v = await checkSignature({
    message: bytes,
    sigText,
    sigFile,
    allowedFile: o.allowedFile,
    allowed: o.allowed,
    namespace: o.ns,
    principal: s.principal,
    at: Number.isFinite(at) ? new Date(at) : undefined,
    env: o.env,
  });
  if (!v.ok) p(st.sigPath, `signature not accepted for ${s.principal}: ${v.reason}`, true);
  else if (v.fingerprint && st.keyFingerprint && v.fingerprint !== st.keyFingerprint)
    p(st.sigPath, `was made with key ${v.fingerprint}, but the journal records ${st.keyFingerprint}`);
  return { problems, boundSeq };
}

function policy(
  replay: Replay,
  verified: Map<number, { principal: string }>,
  f: { ok: (file: string | undefined, m: string) => void; warn: (file: string | undefined, m: string) => void; fail: (file: string | undefined, m: string) => void },
): void {
  const { checklist, state, records } = replay;
  const final = Boolean(state.finalDecision);
  const lastTs = records[records.length - 1]?.ts;
  const decisionAt = new Date(state.finalDecision?.ts ?? lastTs ?? 0);
  let bad = 0;
  const fail = (file: string | undefined, m: string) => {
    bad++;
    f.fail(file, m);
  };
  const missing = final ? fail : f.warn;
  let checked = 0;
  for (const item of allItems(checklist)) {
    const st = state.items[item.id]!;
    // waivers: a reason, and in force at decision time
    if (st.waiver) {
      const w: WaiverData = st.waiver;
      if (!w.reason || !w.reason.trim()) fail('journal.jsonl', `line ${st.waiver.seq + 1}: waiver on ${item.id} by ${w.by} has no reason`);
      if (!waiverValid(w, decisionAt))
        fail('journal.jsonl', `line ${st.waiver.seq + 1}: waiver on ${item.id} expired (${w.expires}) before the decision at ${decisionAt.toISOString()}`);
      // a blocking item's waiver may need approvals by other people: validly signed ones count
      const need = waiverApprovalsNeeded(item);
      if (need && waiverInForce(item, st.waiver, decisionAt)) {
        const people = new Set<string>();
        for (const a of st.waiver.approvals)
          if (verified.has(a.seq) && a.by.trim().toLowerCase() !== w.by.trim().toLowerCase()) people.add(a.by.trim().toLowerCase());
        if (people.size < need)
          missing(
            'journal.jsonl',
            `line ${st.waiver.seq + 1}: waiver on ${item.id} by ${w.by} needs ${need} validly signed approval(s) by someone else, found ${people.size}` +
              (final ? ' — the final decision was recorded without them' : ' — interim report'),
          );
      }
    }
    const hasCheck = Boolean(item.check || item.checks) && item.check?.kind !== 'manual';
    const needs = item.signoff === 'required' || !hasCheck;
    if (!needs) continue;
    if (waiverInForce(item, st.waiver, decisionAt)) continue; // a waiver in force stands in for the sign-off
    // only items that reached the sign-off (their check passed, or there is none): for a failed, blocked, skipped or
    // never-run item a sign-off is moot
    if (st.status !== 'pass' && st.status !== 'needs-signoff') continue;
    const need = Math.max(1, item.approvals);
    // who ran the item (for noSelfApproval): actors of its start/result records, and its owner
    const runners = new Set<string>(
      records
        .filter((r) => (r.type === 'item.start' || r.type === 'item.result') && (r.data as { item: string }).item === item.id)
        .map((r) => r.actor),
    );
    if (item.owner) runners.add(item.owner);
    // and the driver's key each attempt was started with (item.start keyFingerprint)
    const runnerKeys = new Set<string>(
      records
        .filter((r) => r.type === 'item.start' && (r.data as { item: string }).item === item.id)
        .map((r) => (r.data as { keyFingerprint?: string }).keyFingerprint)
        .filter((k): k is string => typeof k === 'string'),
    );
    const approvers = new Set<string>();
    const approverKeys = new Set<string>();
    const notes: string[] = [];
    for (const s of st.signoffs) {
      if (s.decision !== 'approve') continue;
      if (s.stale) {
        notes.push(`${s.by}'s approval is stale (evidence changed after it)`);
        continue;
      }
      if (!verified.has(s.seq)) {
        notes.push(`${s.by}'s approval is not validly signed`);
        continue;
      }
      const key = s.statement?.keyFingerprint;
      if (item.noSelfApproval && (runners.has(s.by) || (key && runnerKeys.has(key)))) {
        notes.push(`${s.by} approved their own item${runners.has(s.by) ? '' : ` (key ${key} ran it)`} (self-approval is not allowed)`);
        continue;
      }
      // the same person approving again counts once (the set of approvers says so); the same key under another name
      // is one person passing for two
      if (key && approverKeys.has(key) && !approvers.has(s.by)) {
        notes.push(`${s.by} approved with key ${key}, which already approved it as someone else`);
        continue;
      }
      if (item.signoffRoles.length && s.role && !item.signoffRoles.includes(s.role)) {
        notes.push(`${s.by} signed as ${s.role}, not one of ${item.signoffRoles.join(', ')}`);
        continue;
      }
      approvers.add(s.by);
      if (key) approverKeys.add(key);
    }
    checked++;
    if (approvers.size < need)
      missing(
        'journal.jsonl',
        `item ${item.id} requires ${need} valid signed approval(s), found ${approvers.size}${notes.length ? ` (${notes.join('; ')})` : ''}` +
          (final ? ' — the final decision was recorded without them' : ' — interim report'),
      );
  }
  if (!bad) f.ok(undefined, `policy: ${checked} item(s) needing sign-off checked; waivers checked at decision time ${decisionAt.toISOString()}`);
}
