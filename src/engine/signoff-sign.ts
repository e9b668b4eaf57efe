/**
 * Signed statements of human acts (sign-offs, notes, final decisions, waivers and their approvals): a small canonical statement
 * (RFC 8785) pinning the journal head the signer saw, the checklist and the act itself (for a sign-off: the item,
 * the decision and the digests of the evidence the signer was shown), signed with THE SIGNER'S OWN SSH key in
 * namespace signoff@readiness-tui. Written to `<session>/signoffs/<seq>-<principal>.json` (a sign-off) or
 * `<seq>-<kind>-<principal>.json` + `.sig`; the caller (engine/signed-act.ts recordSignedAct) then journals the event
 * carrying the digests returned here in its `statement` field.
 *
 * An auditor checks one with:
 *   ssh-keygen -Y verify -f allowed_signers -I <principal> -n signoff@readiness-tui -s <file>.sig < <file>
 *
 * Why in the engine: recording a human act (signed-act.ts) signs its statement first, and the statement is made from
 * the session's own files (the journal head, session.start, signoffs/), so the signer sits beside the recorder; the
 * report only reads and checks statements (verify.ts). The SSH machinery it uses (ssh-keygen -Y sign, the SSHSIG
 * format, checking a signature, file digests) is src/signing/, a room below the checklist that imports nothing from
 * the others and serves the engine and the report alike. (Injecting the signer into recordSignedAct instead would
 * make every caller, in the engine, the commands and the UI, pass it, and one that forgot would record unsigned acts.)
 */
import canonicalize from 'canonicalize';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { syncFiles } from './durable.js';
import path from 'node:path';
import type { SessionStartData, SignoffData } from './events.js';
import { JOURNAL_FILE, readJournal } from './journal.js';
import type { Session } from './session-api.js';
import { safeName } from './session.js';
import { mkdirShared, sharePath } from './shared-files.js';
import { resolveSigningKey, SignError, signWithKey, SIGNOFF_NAMESPACE } from '../signing/sign.js';
import { sha256File } from '../signing/digest.js';

export const SIGNOFF_STATEMENT_TYPE = 'readiness-tui/signoff/v1';

/**
 * The kinds of human act recorded as a signed statement: the journal event type names it, and the statement's
 * `_type` is `readiness-tui/<kind>/v1`. One writer and one verifier serve every kind: the statement carries the
 * event's data (all of it but `by`, which it names `principal`, and `statement`, which points at it).
 */
export type StatementKind = 'signoff' | 'note' | 'decision' | 'waiver' | 'waiver.approval';

export const statementType = (kind: string): string => `readiness-tui/${kind}/v1`;

/** What the statement of an event signs: the event's data without `by` and `statement` (undefined fields dropped). */
export function signedFields(data: object): Record<string, unknown> {
  const { by: _by, statement: _st, ...rest } = data as Record<string, unknown>;
  return JSON.parse(JSON.stringify(rest)) as Record<string, unknown>;
}

/** The fields every statement has, whatever its kind. */
export const STATEMENT_HEADER = ['_type', 'session', 'journal', 'checklistSha256', 'principal', 'ts'] as const;

export interface Statement {
  _type: string;
  session: string;
  /** the last journal record the signer saw: its seq and "sha256:<hex>" of its line */
  journal: { seq: number; head: string };
  checklistSha256: string;
  principal: string;
  ts: string;
  /** the signed fields of the event (signedFields) */
  [field: string]: unknown;
}

export interface SignoffStatement extends Statement {
  _type: typeof SIGNOFF_STATEMENT_TYPE;
  item: string;
  decision: 'approve' | 'reject';
  comment: string;
  role?: string;
  /** digests of the evidence the signer was shown */
  evidence: string[];
}

/** Where a signed statement is and which key signed it: the `statement` field of the event it backs. */
export type StatementRef = NonNullable<SignoffData['statement']>;

export interface StatementSignRequest {
  session: Session;
  kind: StatementKind;
  /** the event data as it will be journaled (without `statement`): `by` is the principal */
  data: { by: string } & object;
  signKey?: string;
  env?: NodeJS.ProcessEnv;
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
}

/**
 * The team file's word on a signed statement: is its key allowed for the principal it names (namespace
 * signoff@readiness-tui, now)? The reason when not, else undefined. Checked before the sign-off is recorded.
 */
export async function signerNotAllowed(
  sessionDir: string,
  st: StatementRef,
  principal: string,
  allowedFile: string,
  env?: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  const { parseAllowedSigners } = await import('../signing/sshsig.js');
  const { checkSignature } = await import('../signing/check-signature.js');
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
export function statementBytes(s: Statement): Buffer {
  const text = canonicalize(JSON.parse(JSON.stringify(s)));
  if (typeof text !== 'string') throw new Error('statement cannot be written as canonical JSON');
  return Buffer.from(text + '\n', 'utf8');
}

/** A sign-off's statement (signStatement of kind signoff). */
export function signSignoff(r: SignoffSignRequest): Promise<StatementRef> {
  const data: SignoffData = { item: r.item, decision: r.decision, comment: r.comment, role: r.role, by: r.principal, evidence: [...r.evidence] };
  return signStatement({ session: r.session, kind: 'signoff', data, signKey: r.signKey, env: r.env });
}

/**
 * Write signoffs/<seq>-<principal>.json (a sign-off) or signoffs/<seq>-<kind>-<principal>.json (any other act): the
 * canonical statement, signed with the signer's SSH key (namespace signoff@readiness-tui). Throws a SignError with a
 * clear message when no usable key is found (nothing is left behind).
 */
export async function signStatement(r: StatementSignRequest): Promise<StatementRef> {
  const env = r.env ?? process.env;
  const principal = r.data.by.trim();
  if (!principal) throw new SignError(`a signed ${r.kind} needs a signer principal (--as or git user.email)`);
  const j = await readJournal(path.join(r.session.dir, JOURNAL_FILE));
  if (j.problems.length)
    throw new SignError(
      `the session journal failed its integrity check; refusing to sign on top of it: ` +
        j.problems.map((p) => `journal.jsonl:${p.line}: ${p.message}`).join('; '),
    );
  const last = j.records[j.records.length - 1];
  if (!last || !j.head) throw new SignError(`session ${r.session.dir} has an empty journal`);
  const start = j.records[0]?.data as SessionStartData | undefined;

  const statement: Statement = {
    ...signedFields(r.data),
    _type: statementType(r.kind),
    session: r.session.id,
    journal: { seq: last.seq, head: j.head },
    checklistSha256: start?.checklist?.sha256 ?? r.session.checklist.source.sha256,
    principal,
    ts: new Date().toISOString(),
  };

  const dirAbs = path.join(r.session.dir, 'signoffs');
  mkdirShared(dirAbs);
  // the name is claimed by creating the file exclusively: two signers at the same instant never share one
  const base = `${last.seq}-${r.kind === 'signoff' ? '' : `${r.kind}-`}${safeName(principal)}`;
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

/**
 * The operator's key and the principal the team file gives it: the fingerprint of the key acts would be signed with
 * (--sign-key, else the agent's first key, else ~/.ssh/id_ed25519), undefined when none is found; when a team file
 * lists that key for exactly one principal (no wildcard), that principal; and `notAllowedFor(principal)`: why the
 * team file does not let this key act as that principal (namespace signoff@readiness-tui, now), or undefined.
 */
export async function operatorKey(o: {
  signKey?: string;
  env?: NodeJS.ProcessEnv;
  allowedSigners?: string;
}): Promise<{ keyFingerprint?: string; teamPrincipal?: string; notAllowedFor?: (principal: string) => string | undefined }> {
  let fp: string | undefined;
  let blob: Buffer | undefined;
  try {
    const key = await resolveSigningKey({ signKey: o.signKey, env: o.env });
    fp = key.fingerprint;
    blob = key.publicKey;
    await key.dispose();
  } catch {
    return {};
  }
  if (!fp || !blob || !o.allowedSigners) return { keyFingerprint: fp };
  const { hasCertAuthorities, keyFingerprint, parseAllowedSigners, principalAllowed } = await import('../signing/sshsig.js');
  const text = await readFile(o.allowedSigners, 'utf8').catch(() => '');
  const team = parseAllowedSigners(text, o.allowedSigners);
  const names = new Set(team.entries.filter((e) => !e.certAuthority && keyFingerprint(e.key) === fp).flatMap((e) => e.principals));
  const [only] = [...names];
  const file = o.allowedSigners;
  const key = blob;
  return {
    keyFingerprint: fp,
    ...(names.size === 1 && !/[*?!]/.test(only!) ? { teamPrincipal: only } : {}),
    // a key certified by a team CA is checked when it signs (ssh-keygen knows certificates); a plain key here
    notAllowedFor: (principal) => {
      if (hasCertAuthorities(team)) return undefined;
      const m = principalAllowed(team, principal, key, SIGNOFF_NAMESPACE, new Date());
      return m.entries.length ? undefined : `key ${fp} is not allowed for principal ${principal} (team file ${file}: ${m.reason ?? 'not trusted'})`;
    },
  };
}
