/**
 * `readiness-tui waive ITEM --reason TEXT --expires DATE [--control TEXT] [--as NAME]`: accept the risk of an item
 * until a date. The expiry must parse and lie in the future; a date alone means "through the end of that day (UTC)".
 * Relative expiries are accepted too (`72h`, `7d`, `2w`) and journaled as an absolute timestamp.
 */
import { parseExpiry, planWaiver } from '../engine/decide.js';
import { openSessionDir } from '../engine/session.js';
import { EXIT, UsageError } from './exit.js';
import { operatorFrom, printWarnings, resolveSessionDir } from './session-target.js';

export { parseExpiry };

export interface WaiveOptions {
  session?: string;
  stateDir?: string;
  reason?: string;
  expires?: string;
  control?: string;
  as?: string;
}

export async function waiveCommand(itemId: string, opts: WaiveOptions): Promise<number> {
  if (!(opts.reason ?? '').trim()) throw new UsageError('--reason must say why the risk is accepted');
  if (!opts.expires) throw new UsageError('--expires is required (YYYY-MM-DD, ISO timestamp, or 72h / 7d)');
  parseExpiry(opts.expires); // refuse a bad expiry before touching the session
  const dir = await resolveSessionDir(opts);
  const operator = operatorFrom(opts.as);
  const session = await openSessionDir(dir, { operator });
  try {
    printWarnings(session.warnings);
    const data = planWaiver(session.checklist, {
      item: itemId,
      reason: opts.reason,
      expires: opts.expires,
      control: opts.control,
      by: operator,
    });
    const rec = await session.record({ type: 'waiver', data });
    const after = session.store.store.getState();
    process.stdout.write(
      `recorded waiver #${rec.seq} on ${data.item} by ${operator}, valid until ${data.expires}` +
        `${data.compensatingControl ? ` (compensating control: ${data.compensatingControl})` : ''} — item is now ${after.items[data.item]!.status}, decision ${after.decision}\n`,
    );
    return EXIT.OK;
  } finally {
    await session.close();
  }
}
