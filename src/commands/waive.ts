/**
 * `readiness-tui waive ITEM --reason TEXT --expires DATE [--control TEXT] [--as NAME] [--sign-key K] [--no-sign]`:
 * accept the risk of an item's latest result until a date. The expiry must parse and lie in the future; a date alone
 * means "through the end of that day (UTC)". Relative expiries are accepted too (`72h`, `7d`, `2w`) and journaled as
 * an absolute timestamp. The waiver is a signed statement like a sign-off (engine/waiver.ts), bound to the evidence
 * it accepts.
 *
 * `readiness-tui waive ITEM --approve SEQ [--comment TEXT]`: approve someone else's waiver #SEQ, for an item whose
 * checklist asks for it (`waiverApprovals`): the waiver counts once enough other people approved it.
 */
import { parseExpiry } from '../engine/decide.js';
import type { RecordedAct } from '../engine/signed-act.js';
import { planBoundWaiver, planWaiverApproval, recordWaiver, recordWaiverApproval } from '../engine/waiver.js';
import { EXIT, UsageError } from './exit.js';
import { openAsActor, printWarnings } from './session-target.js';

export { parseExpiry };

export interface WaiveOptions {
  session?: string;
  stateDir?: string;
  reason?: string;
  expires?: string;
  control?: string;
  /** the seq of a waiver to approve */
  approve?: string;
  comment?: string;
  as?: string;
  signKey?: string;
  allowedSigners?: string;
  /** false with --no-sign */
  sign?: boolean;
}

/** the --approve value: a journal seq ("17" or "#17") */
function approveSeq(v: string): number {
  const m = /^#?(\d{1,9})$/.exec(v.trim());
  if (!m) throw new UsageError(`--approve takes the number of the waiver to approve, as printed when it was recorded (got "${v}")`);
  return Number(m[1]);
}

function checkOptions(opts: WaiveOptions): number | undefined {
  if (opts.approve !== undefined) {
    const other = (['reason', 'expires', 'control'] as const).filter((k) => opts[k] !== undefined);
    if (other.length) throw new UsageError(`--approve approves an existing waiver as it stands: ${other.map((k) => `--${k}`).join(', ')} cannot go with it`);
    return approveSeq(opts.approve);
  }
  if (opts.comment !== undefined) throw new UsageError('--comment goes with --approve; a waiver says why in --reason');
  if (!(opts.reason ?? '').trim()) throw new UsageError('--reason must say why the risk is accepted');
  if (!opts.expires) throw new UsageError('--expires is required (YYYY-MM-DD, ISO timestamp, or 72h / 7d)');
  parseExpiry(opts.expires); // refuse a bad expiry before touching the session
  return undefined;
}

function signedWith(done: RecordedAct): string {
  return done.statement ? `signed with ${done.statement.keyFingerprint} (${done.statement.path})` : 'unsigned';
}

export async function waiveCommand(itemId: string, opts: WaiveOptions): Promise<number> {
  const approving = checkOptions(opts);
  // who waives: --as, else the principal the team file gives the key, else git (like signoff, note, decide)
  const { session, operator, allowedSigners } = await openAsActor(opts);
  try {
    const signing = { sign: opts.sign !== false, signKey: opts.signKey, allowedSigners };
    let done: RecordedAct;
    let said: string;
    if (approving !== undefined) {
      const plan = planWaiverApproval(session, { item: itemId, waiver: approving, comment: opts.comment, by: operator });
      done = await recordWaiverApproval(session, plan, signing);
      said = `recorded approval #${done.record.seq} of waiver #${approving} on ${plan.item.id} by ${operator}, ${signedWith(done)}`;
    } else {
      const plan = planBoundWaiver(session, { item: itemId, reason: opts.reason, expires: opts.expires!, control: opts.control, by: operator });
      printWarnings(plan.notes);
      done = await recordWaiver(session, plan, signing);
      const d = plan.data;
      said =
        `recorded waiver #${done.record.seq} on ${d.item} by ${operator}, valid until ${d.expires}` +
        `${d.compensatingControl ? ` (compensating control: ${d.compensatingControl})` : ''}, ${signedWith(done)}`;
    }
    if (done.unsignedReason) {
      process.stderr.write(
        `warning: recorded UNSIGNED (no SSH signature): ${done.unsignedReason.replace(/\.?$/, '.')} (--no-sign records unsigned without this warning)\n`,
      );
    }
    const after = session.store.store.getState();
    process.stdout.write(`${said} — item is now ${after.items[itemId]!.status}, decision ${after.decision}\n`);
    return EXIT.OK;
  } finally {
    await session.close();
  }
}
