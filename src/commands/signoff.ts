/**
 * `readiness-tui signoff ITEM --decision approve|reject --comment TEXT [--role R] [--as NAME] [--sign-key K] [--no-sign]`
 *
 * Records a human decision on an item of a session from any shell (a second operator over SSH while the TUI runs).
 * The sign-off is journaled (fsynced) before this prints anything; when a key is available the statement is signed
 * with the signer's own SSH key first. Never loses a sign-off: without a usable key (and no --sign-key) it is
 * recorded unsigned, with a warning saying so. The checks live in engine/decide.ts (shared with the TUI).
 */
import { planSignoff, recordSignoff } from '../engine/decide.js';
import { EXIT, UsageError } from './exit.js';
import { openAsActor, printWarnings } from './session-target.js';

export interface SignoffOptions {
  session?: string;
  stateDir?: string;
  decision: 'approve' | 'reject';
  comment?: string;
  role?: string;
  as?: string;
  signKey?: string;
  allowedSigners?: string;
  /** false with --no-sign */
  sign?: boolean;
}

export async function signoffCommand(itemId: string, opts: SignoffOptions): Promise<number> {
  if (opts.decision !== 'approve' && opts.decision !== 'reject') {
    throw new UsageError(`--decision must be approve or reject (got "${String(opts.decision)}")`);
  }
  if (opts.decision === 'reject' && !(opts.comment ?? '').trim()) {
    throw new UsageError('a rejection needs a reason: --comment "what is wrong and what must change"');
  }
  const { session, operator, allowedSigners } = await openAsActor(opts);
  try {
    const plan = await planSignoff(session, {
      item: itemId,
      decision: opts.decision,
      comment: opts.comment,
      role: opts.role,
      by: operator,
    });
    printWarnings(plan.warnings);
    const done = await recordSignoff(session, plan, { sign: opts.sign !== false, signKey: opts.signKey, allowedSigners });
    if (done.unsignedReason) {
      process.stderr.write(
        `warning: the sign-off was recorded UNSIGNED (no SSH signature): ${done.unsignedReason.replace(/\.?$/, '.')} ` +
          `(--no-sign records unsigned without this warning)\n`,
      );
    }
    const after = session.store.store.getState().items[plan.item.id]!;
    process.stdout.write(
      `recorded sign-off #${done.record.seq} on ${plan.item.id}: ${plan.decision.toUpperCase()} by ${operator}` +
        `${plan.role ? ` (role ${plan.role})` : ''}, ` +
        (done.statement ? `signed with ${done.statement.keyFingerprint} (${done.statement.path})` : 'unsigned') +
        ` — item is now ${after.status}\n`,
    );
    return EXIT.OK;
  } finally {
    await session.close();
  }
}
