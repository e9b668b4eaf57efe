/**
 * The evidence bundle: one immutable directory per report,
 *
 *   <outDir>/readiness/<UTC ts>-<checklist name>-<session id>/
 *     checklist.yaml  journal.jsonl  evidence/…  signoffs/…      copied from the session (a consistent snapshot);
 *                                                                evidence of items and of deliverables alike
 *     report.json  report.html  junit.xml  summary.md             rendered from the journal replay
 *     SHA256SUMS  SHA256SUMS.sig                                   every file above; signed (report@readiness-tui)
 *   <outDir>/production-readiness.html                              copy of the latest report.html
 *
 * Signing failure never loses the bundle: it is written unsigned, says UNSIGNED everywhere, and the result carries
 * the reason. Secret values known to the caller are checked against every byte written (defence in depth: the engine
 * already redacted evidence and journal).
 */
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import path from 'node:path';
import type { ReportOptions, ReportResult } from './bundle-api.js';
import { recordedEvidence, type StatementRef } from '../engine/events.js';
import { createRedactor, type SecretValue } from '../engine/redact.js';
import { openSessionDir, replaySession, safeName, type Replay } from '../engine/session.js';
import { listRehearsals, rehearsalSummary, stateDirOf, type RehearsalSummary } from './rehearsal.js';
import { mkdirShared, sharePath, shareTree } from '../engine/shared-files.js';
import { UsageError } from '../checklist/errors.js';
import { renderHtml } from './html.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { buildReport, reportJson, type ReportModel, type SignatureStatus } from './model.js';
import { REPORT_NAMESPACE, resolveSignerPrincipal, resolveSigningKey, SignError, signWithKey, type SigningKey } from '../signing/sign.js';
import { computeSums, isSafeBundlePath, listFiles, SUMS_FILE, SUMS_SIG_FILE } from './sums.js';
import { sha256File } from '../signing/digest.js';
import { evidenceTails } from './evidence-tail.js';
import type { EvidenceTail } from './text.js';

export const LATEST_HTML = 'production-readiness.html';

/** The human and CI views of a report: a pure function of report.json and the evidence tails. */
export function renderViews(m: ReportModel, tails: Map<string, EvidenceTail>): Record<'report.html' | 'junit.xml' | 'summary.md', string> {
  return { 'report.html': renderHtml(m, tails), 'junit.xml': renderJunit(m), 'summary.md': renderMarkdown(m) };
}

/** Thrown when the bundle cannot be written honestly (the session changed under us, a secret would leak …). */
export class BundleError extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = 'BundleError';
  }
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** Does any secret (or its common encodings) occur in this file? Streams the file with an overlap window. */
async function findSecretIn(file: string, needles: { name: string; bytes: Buffer }[]): Promise<string | undefined> {
  if (!needles.length) return undefined;
  const max = needles.reduce((m, n) => Math.max(m, n.bytes.length), 0);
  let carry = Buffer.alloc(0);
  for await (const chunk of createReadStream(file)) {
    const buf = Buffer.concat([carry, chunk as Buffer]);
    for (const n of needles) if (buf.includes(n.bytes)) return n.name;
    carry = buf.subarray(Math.max(0, buf.length - max + 1));
  }
  return undefined;
}

/**
 * Secret values shorter than this are not searched for in the bundle (nor masked in the generated files): a 3-character
 * value occurs by chance in digests and timestamps, and masking it would corrupt them. The engine masks them in
 * everything it records.
 */
export const MIN_CHECKED_SECRET = 8;

function checkable(secrets: SecretValue[] | undefined): SecretValue[] {
  return (secrets ?? []).filter((s) => s.value && s.value.length >= MIN_CHECKED_SECRET);
}

function secretNeedles(secrets: SecretValue[]): { name: string; bytes: Buffer }[] {
  const out: { name: string; bytes: Buffer }[] = [];
  for (const s of secrets) {
    if (!s.value) continue;
    const vs = new Set([s.value, encodeURIComponent(s.value)]);
    if (s.value.length >= 4) vs.add(Buffer.from(s.value).toString('base64').replace(/=+$/, ''));
    for (const v of vs) out.push({ name: s.name, bytes: Buffer.from(v, 'utf8') });
  }
  return out;
}

interface Copied {
  rel: string;
  sha256: string;
  /** the source is longer than recorded by this many bytes (only the recorded ones were copied) */
  grownBy: number;
}

async function copyVerified(
  sessionDir: string,
  bundleDir: string,
  rel: string,
  expectSha: string | undefined,
  what: string,
  recordedBytes?: number,
): Promise<Copied> {
  if (!isSafeBundlePath(rel))
    throw new BundleError(`${what} ${JSON.stringify(rel)} has a file name outside [A-Za-z0-9._/@-]; the bundle cannot list it safely`);
  const src = path.join(sessionDir, rel);
  if (!existsSync(src)) throw new BundleError(`${what} ${rel} is recorded in the journal but missing from ${sessionDir}`);
  const dst = path.join(bundleDir, rel);
  mkdirShared(path.dirname(dst));
  // an evidence file that grew after its verdict was recorded: the journal's length and digest are those of the
  // verdict, so the bundle takes that prefix (and verify finds any other change)
  const size = (await stat(src)).size;
  const grownBy = recordedBytes !== undefined && size > recordedBytes ? size - recordedBytes : 0;
  if (grownBy === 0) await copyFile(src, dst);
  else if (recordedBytes === 0) await writeFile(dst, '');
  else await pipeline(createReadStream(src, { start: 0, end: recordedBytes! - 1 }), createWriteStream(dst));
  const sha = await sha256File(dst);
  if (expectSha && sha !== expectSha.replace(/^sha256:/, ''))
    throw new BundleError(
      `${what} ${rel} in ${sessionDir} does not match the digest recorded in the journal (sha256 ${sha}, journal says ${expectSha}): it was changed after it was recorded`,
    );
  return { rel, sha256: sha, grownBy };
}

/**
 * Put a copy of `src` at `dst` by renaming a fresh file over it: whoever wrote the previous one (another member of
 * the team), it is replaced whole or left as it was, never deleted.
 */
async function replaceLatest(src: string, dst: string): Promise<void> {
  const tmp = `${dst}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    await copyFile(src, tmp);
    sharePath(tmp, 'file');
    await rename(tmp, dst);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** The rehearsal the report names (ReportOptions.rehearsal): explicit, none, or the newest one before this session. */
async function rehearsalFor(o: ReportOptions, sessionDir: string, replay: Replay): Promise<RehearsalSummary | undefined> {
  if (o.rehearsal === false) return undefined;
  const start = replay.state.start!;
  let dir = o.rehearsal;
  if (dir === undefined) {
    const stateDir = stateDirOf(sessionDir);
    if (start.rehearsal || !stateDir) return undefined;
    dir = (await listRehearsals(stateDir, { checklistName: start.checklist.name, before: start.ts, exclude: sessionDir }))[0]?.dir;
    if (!dir) return undefined;
  }
  if (path.resolve(dir) === sessionDir) throw new UsageError(`--rehearsal names the session itself (${dir}): name the rehearsal's session`);
  if (!existsSync(path.join(dir, 'journal.jsonl'))) throw new UsageError(`no rehearsal session at ${dir}: journal.jsonl not found`);
  return rehearsalSummary(dir, replay);
}

export async function writeReportBundle(o: ReportOptions): Promise<ReportResult> {
  const env = o.env ?? process.env;
  const sessionDir = path.resolve(o.sessionDir);
  const namespace = o.namespace ?? REPORT_NAMESPACE;
  const warnings: string[] = [];
  for (const sv of o.secrets ?? [])
    if (sv.value && sv.value.length < MIN_CHECKED_SECRET)
      warnings.push(`secret variable ${sv.name} is shorter than ${MIN_CHECKED_SECRET} characters: the bundle cannot be searched for it without false alarms`);
  if (!existsSync(path.join(sessionDir, 'journal.jsonl')))
    throw new UsageError(`no session at ${sessionDir}: journal.jsonl not found`);

  const replay = await replaySession(sessionDir, o.session ? { checklist: o.session.checklist } : {});
  if (replay.problems.length)
    throw new BundleError(
      `the journal of session ${sessionDir} failed its integrity check, so no report is written:\n` +
        replay.problems.map((p) => `  journal.jsonl:${p.line}: ${p.message}`).join('\n'),
    );
  warnings.push(...replay.warnings);
  if (!replay.state.start) throw new BundleError(`session ${sessionDir} has no session.start record`);

  const now = o.now ?? new Date();
  const root = path.resolve(o.outDir, 'readiness');
  mkdirShared(root);
  const base = `${stamp(now)}-${safeName(replay.checklist.name)}-${safeName(replay.state.start.sessionId)}`;
  let dir = path.join(root, base);
  for (let i = 2; existsSync(dir); i++) dir = path.join(root, `${base}-${i}`);
  await mkdir(dir);
  sharePath(dir, 'dir');

  let key: SigningKey | undefined;
  try {
    // 1. the snapshot: exactly the journal lines that were replayed, the checklist bytes, evidence, statements
    await writeFile(path.join(dir, 'journal.jsonl'), replay.lines.map((l) => l + '\n').join(''));
    await copyVerified(sessionDir, dir, 'checklist.yaml', replay.state.start.checklist.sha256, 'checklist');
    for (const rec of replay.records) {
      // results, and the partial evidence of cancelled attempts
      if (rec.type === 'item.result' || rec.type === 'deliverable.result' || rec.type === 'item.skip') {
        for (const ev of recordedEvidence(rec)) {
          const c = await copyVerified(sessionDir, dir, ev.path, ev.sha256, 'evidence file', ev.bytes);
          if (c.grownBy)
            warnings.push(
              `evidence file ${ev.path} has ${c.grownBy} bytes more than were recorded with its result (a process that outlived its check kept writing to it); the bundle holds the ${ev.bytes} recorded bytes`,
            );
        }
      } else {
        // a human act's signed statement (sign-off, note, decision, waiver, waiver approval)
        const st = (rec.data as { statement?: StatementRef } | null)?.statement;
        if (st) {
          await copyVerified(sessionDir, dir, st.path, st.sha256, `${rec.type} statement`);
          await copyVerified(sessionDir, dir, st.sigPath, st.sigSha256, `${rec.type} signature`);
        }
      }
    }

    // 2. the signing key (resolved before rendering, so the report can name the key it is signed with)
    const interim = o.interim || !replay.state.finalDecision;
    // the report is signed by the operator unless --signer says otherwise (`demo --as X` signs as X), then git
    const signer = await resolveSignerPrincipal(o.signer ?? o.operator, { env });
    let signature: SignatureStatus;
    if (!o.sign) signature = { status: 'unsigned', namespace, signer, reason: 'written unsigned on request (--no-sign)' };
    else {
      try {
        key = await resolveSigningKey({ signKey: o.signKey, env });
        signature = { status: 'signed', namespace, signer, keyFingerprint: key.fingerprint, keyType: key.keyType };
      } catch (err) {
        if (!(err instanceof SignError)) throw err;
        signature = { status: 'unsigned', namespace, signer, reason: err.message };
      }
    }

    const tails = await evidenceTails(dir);
    const redactor = createRedactor(checkable(o.secrets));

    const rehearsal = await rehearsalFor(o, sessionDir, replay);
    const render = async (sig: SignatureStatus): Promise<ReportModel> => {
      const json = reportJson(buildReport(replay, { generatedAt: now.toISOString(), interim, signature: sig, ...(rehearsal ? { rehearsal } : {}) }));
      // the views are rendered from report.json as written (canonical key order), so `verify` can re-render them
      const model = JSON.parse(json) as ReportModel;
      const views = renderViews(model, tails);
      await writeFile(path.join(dir, 'report.json'), redactor.redact(json));
      for (const [name, text] of Object.entries(views)) await writeFile(path.join(dir, name), redactor.redact(text));
      await rm(path.join(dir, SUMS_SIG_FILE), { force: true });
      const files = (await listFiles(dir)).filter((f) => f !== SUMS_FILE && f !== SUMS_SIG_FILE);
      const sums = await computeSums(dir, files);
      await writeFile(path.join(dir, SUMS_FILE), sums.text);
      return model;
    };

    let model = await render(signature);

    // 3. defence in depth, before anything is signed: no secret value may be anywhere in the bundle
    const needles = secretNeedles(checkable(o.secrets));
    for (const f of await listFiles(dir)) {
      const name = await findSecretIn(path.join(dir, f), needles);
      if (name)
        throw new BundleError(
          `the value of secret variable "${name}" was found in ${f}; the bundle was not written (report this: the engine must redact it before recording)`,
        );
    }
    // 4. sign SHA256SUMS; on failure the bundle says UNSIGNED and why
    let signed = false;
    let fingerprint: string | undefined;
    if (key) {
      try {
        for (let round = 0; round < 2 && !signed; round++) {
          const r = await signWithKey(path.join(dir, SUMS_FILE), namespace, key, { env });
          if (r.fingerprint === model.bundle.signature.keyFingerprint && r.keyType === model.bundle.signature.keyType) {
            signed = true;
            fingerprint = r.fingerprint;
          } else {
            // the key's public half was not known before signing: name it in the report, then sign again
            model = await render({ status: 'signed', namespace, signer, keyFingerprint: r.fingerprint, keyType: r.keyType });
          }
        }
        if (!signed) throw new SignError('the signing key changed between two signatures');
      } catch (err) {
        if (!(err instanceof SignError)) throw err;
        model = await render({ status: 'unsigned', namespace, signer, reason: err.message });
      } finally {
        await key.dispose();
      }
    }

    const files = await listFiles(dir);
    shareTree(dir);
    await replaceLatest(path.join(dir, 'report.html'), path.join(path.resolve(o.outDir), LATEST_HTML));

    const unsignedReason = model.bundle.signature.status === 'unsigned' ? model.bundle.signature.reason : undefined;
    // 5. the session remembers that a report was generated
    try {
      const rec = { type: 'report.generated' as const, data: { path: dir, signed, interim } };
      if (o.session) await o.session.record(rec);
      else {
        const s = await openSessionDir(sessionDir, { operator: o.operator ?? signer ?? 'readiness-tui', checklist: replay.checklist });
        try {
          await s.record(rec);
        } finally {
          await s.close();
        }
      }
    } catch (err) {
      warnings.push(`could not record report.generated in the session journal: ${(err as Error).message}`);
    }
    return { dir, signed, unsignedReason, files, warnings, signer, keyFingerprint: fingerprint };
  } catch (err) {
    await key?.dispose().catch(() => {});
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
