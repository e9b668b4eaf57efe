/**
 * One way to record a human act as a signed statement — a sign-off, a note, a final decision, a waiver, a waiver's
 * approval: sign the statement (signoff-sign.ts signStatement: the event's own fields, in signoffs/, namespace
 * signoff@readiness-tui) with the actor's own SSH key, check the key against the team file live, then journal the
 * event — under the journal lock, checking trust on first use (no team file) and the act's own rule against the
 * journal as it is at that moment. Never loses the act: without an explicit key, a signing failure records it
 * unsigned and says why; with --sign-key, a failure records nothing. A statement whose event was not recorded is
 * removed (it must not look like a decision). Refusals throw DecisionRefused.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../checklist/errors.js';
import type { DecisionData, JournalRecord, NoteData, SignoffData, StatementRef, WaiverApprovalData, WaiverData } from './events.js';
import type { Session } from './session-api.js';
import { keyBindingBroken, type SessionState } from './session-state.js';

/** a decision refused by its rules: exit 2 on the CLI, a message in the TUI */
export class DecisionRefused extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = 'DecisionRefused';
  }
}

export type Statement = StatementRef;

export interface SignedActOptions {
  /** false: record unsigned on purpose */
  sign: boolean;
  /** the team file (teamFile()); without one a principal is bound to the first key it signs with */
  allowedSigners?: string;
  /** explicit key: when it cannot sign, nothing is recorded (the error is thrown) */
  signKey?: string;
  env?: NodeJS.ProcessEnv;
}

/** The human acts recorded as signed statements, and their event data (always with the principal in `by`). */
export type SignedAct =
  | { type: 'signoff'; data: SignoffData }
  | { type: 'note'; data: NoteData }
  | { type: 'decision'; data: DecisionData & { by: string } }
  | { type: 'waiver'; data: WaiverData }
  | { type: 'waiver.approval'; data: WaiverApprovalData };

export interface RecordedAct {
  record: JournalRecord;
  statement?: Statement;
  /** why the act is unsigned although signing was wanted (no key, no agent): say so to the actor */
  unsignedReason?: string;
}

/** `check`: the act's own rule against the journal at the append (and the statement, when signed): why it is refused. */
export async function recordSignedAct(
  session: Session,
  act: SignedAct,
  o: SignedActOptions & { check?: (state: SessionState, statement?: Statement) => string | undefined },
): Promise<RecordedAct> {
  const by = act.data.by;
  let statement: Statement | undefined;
  let unsignedReason: string | undefined;
  if (o.sign) {
    try {
      const { signStatement } = await import('./signoff-sign.js');
      statement = await signStatement({ session, kind: act.type, data: act.data, signKey: o.signKey, env: o.env });
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      if (o.signKey) throw new DecisionRefused(`could not sign with ${o.signKey}: ${msg} — nothing was recorded`);
      unsignedReason = msg;
    }
  }
  const removeStatement = async () => {
    if (statement) await Promise.all([statement.path, statement.sigPath].map((p) => rm(join(session.dir, p), { force: true })));
  };
  // identity = key: the team file says whether this key may sign as this principal
  if (statement && o.allowedSigners) {
    const { signerNotAllowed } = await import('./signoff-sign.js');
    const why = await signerNotAllowed(session.dir, statement, by, o.allowedSigners, o.env);
    if (why) {
      await removeStatement();
      throw new DecisionRefused(`${why} — nothing was recorded`);
    }
  }
  // the rules again, inside the journal lock: what was true before signing may not be true now
  const check = (state: SessionState) => {
    const broken = (statement && !o.allowedSigners ? keyBindingBroken(state.keys, by, statement.keyFingerprint) : undefined) ?? o.check?.(state, statement);
    if (broken) throw new DecisionRefused(`${broken} — nothing was recorded`);
  };
  try {
    const data = { ...act.data, ...(statement ? { statement } : {}) };
    const record = await session.record({ type: act.type, actor: by, data } as Parameters<Session['record']>[0], { check });
    return { record, statement, unsignedReason };
  } catch (err) {
    await removeStatement();
    throw err;
  }
}
