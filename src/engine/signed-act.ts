/**
 * One way to record a human act that is a signed statement (a sign-off, a waiver, a waiver's approval): sign the
 * statement with the actor's own SSH key (signoffs/, namespace signoff@readiness-tui), check the key against the team
 * file, then journal the event with its rules checked inside the journal lock against the journal at that moment.
 * Never loses the act: without an explicit key, a signing failure records it unsigned and says why; with --sign-key,
 * a failure records nothing. A statement whose event was not recorded is removed (it must not look like a decision).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../checklist/errors.js';
import type { JournalRecord, SignoffData } from './events.js';
import type { Session } from './session-api.js';
import { keyBindingBroken, type SessionState } from './session-state.js';

/** a decision refused by its rules: exit 2 on the CLI, a message in the TUI */
export class DecisionRefused extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = 'DecisionRefused';
  }
}

export type Statement = NonNullable<SignoffData['statement']>;

export interface SignedActOptions {
  /** false: record unsigned on purpose */
  sign: boolean;
  /** the team file (teamFile()); without one a principal is bound to the first key it signs with */
  allowedSigners?: string;
  /** explicit key: when it cannot sign, nothing is recorded (the error is thrown) */
  signKey?: string;
  env?: NodeJS.ProcessEnv;
}

/** what the statement says (the session, journal head, checklist and time are added by the writer) */
export type StatementContent = Omit<import('../report/signoff-sign.js').SignoffSignRequest, 'session' | 'signKey' | 'env'>;

export interface SignedAct<T> {
  type: 'signoff' | 'waiver' | 'waiver.approval';
  statement: StatementContent;
  /** the journal event's data, given the statement when it was signed */
  data(statement: Statement | undefined): T;
  /** the act's own rules against the journal as it is at the append: why it must be refused, or undefined */
  rule?(state: SessionState, statement: Statement | undefined): string | undefined;
}

export interface RecordedAct {
  record: JournalRecord;
  statement?: Statement;
  /** why the act is unsigned although signing was wanted (no key, no agent): say so to the actor */
  unsignedReason?: string;
}

export async function recordSignedAct<T>(session: Session, act: SignedAct<T>, o: SignedActOptions): Promise<RecordedAct> {
  const by = act.statement.principal;
  let statement: Statement | undefined;
  let unsignedReason: string | undefined;
  if (o.sign) {
    try {
      const { signSignoff } = await import('../report/signoff-sign.js');
      statement = await signSignoff({ ...act.statement, session, signKey: o.signKey, env: o.env });
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
    const { signerNotAllowed } = await import('../report/signoff-sign.js');
    const why = await signerNotAllowed(session.dir, statement, by, o.allowedSigners, o.env);
    if (why) {
      await removeStatement();
      throw new DecisionRefused(`${why} — nothing was recorded`);
    }
  }
  // the rules again, inside the journal lock: what was true before signing may not be true now
  const check = (state: SessionState) => {
    const broken = (statement && !o.allowedSigners ? keyBindingBroken(state.keys, by, statement.keyFingerprint) : undefined) ?? act.rule?.(state, statement);
    if (broken) throw new DecisionRefused(`${broken} — nothing was recorded`);
  };
  try {
    type Rec = Parameters<Session['record']>[0];
    const record = await session.record({ type: act.type, actor: by, data: act.data(statement) } as Rec, { check });
    return { record, statement, unsignedReason };
  } catch (err) {
    await removeStatement();
    throw err;
  }
}
