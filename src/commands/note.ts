/** `readiness-tui note TEXT [--item ID] [--as NAME]`: add a note to the session journal (optionally on an item). */
import type { NoteData } from '../engine/events.js';
import { openSessionDir } from '../engine/session.js';
import { EXIT, UsageError } from './exit.js';
import { findItem, operatorFrom, printWarnings, resolveSessionDir } from './session-target.js';

export interface NoteOptions {
  item?: string;
  session?: string;
  stateDir?: string;
  as?: string;
}

export async function noteCommand(text: string, opts: NoteOptions): Promise<number> {
  const body = (text ?? '').trim();
  if (!body) throw new UsageError('the note is empty');
  const dir = await resolveSessionDir(opts);
  const operator = operatorFrom(opts.as);
  const session = await openSessionDir(dir, { operator });
  try {
    printWarnings(session.warnings);
    const item = opts.item !== undefined ? findItem(session.checklist, opts.item).id : undefined;
    const data: NoteData = { item, text: body, by: operator };
    const rec = await session.record({ type: 'note', data });
    process.stdout.write(`recorded note #${rec.seq}${item ? ` on ${item}` : ''} by ${operator}\n`);
    return EXIT.OK;
  } finally {
    await session.close();
  }
}
