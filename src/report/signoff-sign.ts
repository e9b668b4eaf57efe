/**
 * A signed sign-off: a small canonical statement (RFC 8785) pinning the journal head the signer saw, the checklist,
 * the item, the decision and the digests of the evidence the signer was shown, signed with THE SIGNER'S OWN SSH key
 * in namespace signoff@readiness-tui. Written to `<session>/signoffs/<seq>-<principal>.json` + `.sig`; the caller
 * (`readiness-tui signoff`, the TUI dialog) then journals a `signoff` event carrying the digests returned here.
 *
 * An auditor checks one with:
 *   ssh-keygen -Y verify -f allowed_signers -I <principal> -n signoff@readiness-tui -s <file>.sig < <file>
 */
import canonicalize from 'canonicalize';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { syncFiles } from '../engine/durable.js';
import path from 'node:path';
import type { SessionStartData, SignoffData } from '../engine/events.js';
import { JOURNAL_FILE, readJournal } from '../engine/journal.js';
import type { Session } from '../engine/session-api.js';
import { safeName } from '../engine/session.js';
import { mkdirShared, sharePath } from '../engine/shared-files.js';
import { resolveSigningKey, SignError, signWithKey, SIGNOFF_NAMESPACE } from './sign.js';
import { sha256File } from './sums.js';

export const SIGNOFF_STATEMENT_TYPE = 'readiness-tui/signoff/v1';

export interface SignoffStatement {
  _type: typeof SIGNOFF_STATEMENT_TYPE;
  session: string;
  /** the last journal record the signer saw: its seq and "sha256:<hex>" of its line */
  journal: { seq: number; head: string };
  checklistSha256: string;
  item: string;
  decision: 'approve' | 'reject';
  comment: string;
  role?: string;
  principal: string;
  /** digests of the evidence the signer was shown */
  evidence: string[];
  ts: string;
  /**
   * absent: a sign-off. "waiver": the signer accepts the risk of the item (decision approve, comment = the reason)
   * until `waiver.expires`; "waiver-approval": the signer approves waiver `waiver.approves` (its journal seq).
   */
  kind?: StatementKind;
  waiver?: WaiverTerms;
}

export type StatementKind = 'waiver' | 'waiver-approval';

/** what a waiver statement adds: its expiry and control, or (an approval) the waiver record it approves */
export interface WaiverTerms {
  expires?: string;
  compensatingControl?: string;
  approves?: number;
}

export interface SignoffSignRequest {
  session: Session;
  item: string;
  decision: 'approve' | 'reject';
  comment: string;
  role?: string;
  principal: string;
  /** evidence digests the signer was shown */
  evidence: string[];
  signKey?: string;
  env?: NodeJS.ProcessEnv;
  /** a waiver or a waiver's approval rather than a sign-off (SignoffStatement.kind) */
  kind?: StatementKind;
  waiver?: WaiverTerms;
}

/**
 * The team file's word on a signed statement: is its key allowed for the principal it names (namespace
 * signoff@readiness-tui, now)? The reason when not, else undefined. Checked before the sign-off is recorded.
 */
export async function signerNotAllowed(
  sessionDir: string,
  st: NonNullable<SignoffData['statement']>,
  principal: string,
  allowedFile: string,
  env?: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  const { parseAllowedSigners } = await import('./sshsig.js');
  const { checkSignature } = await import('./check-signature.js');
  let text: string;
  try {
    text = await readFile(allowedFile, 'utf8');
  } catch {
    return `the team file ${allowedFile} cannot be read`;
  }
  const sigFile = path.join(sessionDir, st.sigPath);
  const v = await checkSignature({
    message: await readFile(path.join(sessionDir, st.path)),
    sigText: await readFile(sigFile, 'utf8'),
    sigFile,
    allowedFile,
    allowed: parseAllowedSigners(text, allowedFile),
    namespace: SIGNOFF_NAMESPACE,
    principal,
    env,
  });
  return v.ok ? undefined : `key ${st.keyFingerprint} is not allowed for principal ${principal} (team file ${allowedFile}: ${v.reason ?? 'not trusted'})`;
}

/** The exact bytes of a statement file: canonical JSON + "\n". */
export function statementBytes(s: SignoffStatement): Buffer {
  const text = canonicalize(JSON.parse(JSON.stringify(s)));
  if (typeof text !== 'string') throw new Error('sign-off statement cannot be written as canonical JSON');
  return Buffer.from(text + '\n', 'utf8');
}

/**
 * Write signoffs/<seq>-<principal>.json (canonical statement) and sign it with the signer's SSH key (namespace
 * signoff@readiness-tui). Throws a SignError with a clear message when no usable key is found (nothing is left behind).
 */
export async function signSignoff(r: SignoffSignRequest): Promise<NonNullable<SignoffData['statement']>> {
  const env = r.env ?? process.env;
  const principal = r.principal.trim();
  if (!principal) throw new SignError('a signed sign-off needs a signer principal (--as or git user.email)');
  const j = await readJournal(path.join(r.session.dir, JOURNAL_FILE));
  if (j.problems.length)
    throw new SignError(
      `the session journal failed its integrity check; refusing to sign on top of it: ` +
        j.problems.map((p) => `journal.jsonl:${p.line}: ${p.message}`).join('; '),
    );
  const last = j.records[j.records.length - 1];
  if (!last || !j.head) throw new SignError(`session ${r.session.dir} has an empty journal`);
  const start = j.records[0]?.data as SessionStartData | undefined;

  const statement: SignoffStatement = {
    _type: SIGNOFF_STATEMENT_TYPE,
    session: r.session.id,
    journal: { seq: last.seq, head: j.head },
    checklistSha256: start?.checklist?.sha256 ?? r.session.checklist.source.sha256,
    item: r.item,
    decision: r.decision,
    comment: r.comment,
    role: r.role,
    principal,
    evidence: [...r.evidence],
    ts: new Date().toISOString(),
    ...(r.kind ? { kind: r.kind } : {}),
    ...(r.waiver ? { waiver: r.waiver } : {}),
  };

  const dirAbs = path.join(r.session.dir, 'signoffs');
  mkdirShared(dirAbs);
  // the name is claimed by creating the file exclusively: two signers at the same instant never share one
  const base = `${last.seq}-${safeName(principal)}`;
  let name = '';
  for (let i = 1; ; i++) {
    name = i === 1 ? `${base}.json` : `${base}-${i}.json`;
    if (existsSync(path.join(dirAbs, name + '.sig'))) continue;
    try {
      await writeFile(path.join(dirAbs, name), statementBytes(statement), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || i > 1000) throw err;
    }
  }
  const file = path.join(dirAbs, name);
  sharePath(file, 'file');

  const key = await resolveSigningKey({ signKey: r.signKey, env }).catch(async (err) => {
    await rm(file, { force: true });
    throw err;
  });
  try {
    const signed = await signWithKey(file, SIGNOFF_NAMESPACE, key, { env });
    sharePath(signed.sigPath, 'file');
    // on disk (file and directory entries) before the journal line that names them is written
    await syncFiles([file, signed.sigPath], [r.session.dir]);
    return {
      path: `signoffs/${name}`,
      sha256: await sha256File(file),
      sigPath: `signoffs/${name}.sig`,
      sigSha256: await sha256File(signed.sigPath),
      keyFingerprint: signed.fingerprint,
    };
  } catch (err) {
    await rm(file, { force: true });
    await rm(file + '.sig', { force: true });
    throw err;
  } finally {
    await key.dispose();
  }
}
