/**
 * `readiness-tui note TEXT [--item ID] [--as NAME] [--sign-key K] [--allowed-signers FILE] [--no-sign]`: add a note to
 * the session journal (optionally on an item), signed by its author like a sign-off (engine/signed-act.ts recordSignedAct).
 */
import { recordSignedAct } from '../engine/signed-act.js';
import type { NoteData } from '../engine/events.js';
import { EXIT, UsageError } from './exit.js';
import { findItem, openAsActor } from './session-target.js';

export interface NoteOptions {
  item?: string;
  session?: string;
  stateDir?: string;
  as?: string;
  signKey?: string;
  allowedSigners?: string;
  /** false with --no-sign */
  sign?: boolean;
}

export async function noteCommand(text: string, opts: NoteOptions): Promise<number> {
  const body = (text ?? '').trim();
  if (!body) throw new UsageError('the note is empty');
  const { session, operator, allowedSigners } = await openAsActor(opts);
  try {
    const item = opts.item !== undefined ? findItem(session.checklist, opts.item).id : undefined;
    const data: NoteData = { ...(item ? { item } : {}), text: body, by: operator };
    const done = await recordSignedAct(session, { type: 'note', data }, { sign: opts.sign !== false, signKey: opts.signKey, allowedSigners });
    if (done.unsignedReason) {
      process.stderr.write(`warning: the note was recorded UNSIGNED (no SSH signature): ${done.unsignedReason.replace(/\.?$/, '.')}\n`);
    }
    process.stdout.write(
      `recorded note #${done.record.seq}${item ? ` on ${item}` : ''} by ${operator}, ` +
        `${done.statement ? `signed with ${done.statement.keyFingerprint} (${done.statement.path})` : 'unsigned'}\n`,
    );
    return EXIT.OK;
  } finally {
    await session.close();
  }
}
