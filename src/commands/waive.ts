/**
 * `readiness-tui waive ITEM --reason TEXT --expires DATE [--control TEXT] [--as NAME]`: accept the risk of an item
 * until a date. The expiry must parse and lie in the future; a date alone means "through the end of that day (UTC)".
 * Relative expiries are accepted too (`72h`, `7d`, `2w`) and journaled as an absolute timestamp.
 */
import { waiverValid } from '../engine/session-state.js';
import type { WaiverData } from '../engine/events.js';
import { openSessionDir } from '../engine/session.js';
import { EXIT, UsageError } from './exit.js';
import { findItem, operatorFrom, printWarnings, resolveSessionDir } from './session-target.js';

export interface WaiveOptions {
  session?: string;
  stateDir?: string;
  reason?: string;
  expires?: string;
  control?: string;
  as?: string;
}

/** Normalise an expiry: YYYY-MM-DD stays a date; relative (72h, 7d, 2w) and timestamps become ISO UTC. */
export function parseExpiry(input: string, now = new Date()): string {
  const s = input.trim();
  const rel = /^(\d+)\s*(h|d|w)$/i.exec(s);
  if (rel) {
    const n = Number(rel[1]);
    const unit = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 }[rel[2]!.toLowerCase() as 'h' | 'd' | 'w'];
    if (n <= 0) throw new UsageError(`--expires ${input}: a waiver must last some time`);
    return new Date(now.getTime() + n * unit).toISOString();
  }
  let out: string;
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) {
    const t = Date.parse(s + 'T00:00:00Z');
    if (!Number.isFinite(t) || new Date(t).toISOString().slice(0, 10) !== s) {
      throw new UsageError(`--expires ${input}: not a real calendar date`);
    }
    out = s;
  } else {
    const looksIso = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(s);
    const t = looksIso ? Date.parse(s.replace(' ', 'T')) : NaN;
    if (!Number.isFinite(t)) {
      throw new UsageError(
        `--expires "${input}" is not a date: use YYYY-MM-DD (valid through that day, UTC), an ISO timestamp ` +
          `(2026-12-01T18:00:00Z) or a duration from now (72h, 7d, 2w)`,
      );
    }
    out = new Date(t).toISOString();
  }
  if (!waiverValid({ item: '', reason: '', by: '', expires: out }, now)) {
    throw new UsageError(`--expires ${input} is in the past (now ${now.toISOString()}): a waiver must expire in the future`);
  }
  return out;
}

export async function waiveCommand(itemId: string, opts: WaiveOptions): Promise<number> {
  const reason = (opts.reason ?? '').trim();
  if (!reason) throw new UsageError('--reason must say why the risk is accepted');
  if (!opts.expires) throw new UsageError('--expires is required (YYYY-MM-DD, ISO timestamp, or 72h / 7d)');
  const expires = parseExpiry(opts.expires);
  const dir = await resolveSessionDir(opts);
  const operator = operatorFrom(opts.as);
  const session = await openSessionDir(dir, { operator });
  try {
    printWarnings(session.warnings);
    const item = findItem(session.checklist, itemId);
    const control = opts.control?.trim() || undefined;
    const data: WaiverData = { item: item.id, reason, expires, compensatingControl: control, by: operator };
    const rec = await session.record({ type: 'waiver', data });
    const after = session.store.store.getState();
    process.stdout.write(
      `recorded waiver #${rec.seq} on ${item.id} by ${operator}, valid until ${expires}` +
        `${control ? ` (compensating control: ${control})` : ''} — item is now ${after.items[item.id]!.status}, decision ${after.decision}\n`,
    );
    return EXIT.OK;
  } finally {
    await session.close();
  }
}
