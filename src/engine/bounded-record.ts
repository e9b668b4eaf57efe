/**
 * Bounded records: a result's journal event stays under RECORD_BUDGET however many objects a check found. When it
 * would not, the whole `offending` list and `result` go to an evidence file (hashed like every evidence file) and
 * the event keeps the first entries of every long list, with `omitted` saying how long each list really was and
 * where the whole of it is. `expect` has already been evaluated over the whole result by then.
 */
import { open } from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { EvidenceRef, ItemResultData } from './events.js';

/** the most a result's journal line may take */
export const RECORD_BUDGET = 64 * 1024;
/** entries of a long list kept in the event (fewer when they are large) */
export const KEPT_ENTRIES = 20;

/** a copy of `v` whose arrays keep their first `n` entries; `cut` gets each shortened list's path and full length */
function cutLists(v: unknown, n: number, at: string, cut: Record<string, number>): unknown {
  if (Array.isArray(v)) {
    if (v.length > n) cut[at || '.'] = v.length;
    return v.slice(0, n).map((x, i) => cutLists(x, n, `${at}[${i}]`, cut));
  }
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cutLists(x, n, at ? `${at}.${k}` : k, cut)]));
  }
  return v;
}

const size = (d: unknown) => Buffer.byteLength(JSON.stringify(d));

/** write the whole record next to the item's evidence, synced before the event that names it is journaled */
async function writeWhole(file: string, sessionDir: string, d: ItemResultData): Promise<EvidenceRef> {
  const bytes = Buffer.from(JSON.stringify({ item: d.item, attempt: d.attempt, offending: d.offending ?? [], result: d.result ?? null }, null, 1) + '\n');
  const fh = await open(file, 'w', 0o600);
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return { path: path.relative(sessionDir, file), sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
}

/**
 * `d` itself when its event fits RECORD_BUDGET; else a copy with long lists cut to their first entries, the whole
 * record in `file` (added to the evidence) and `omitted` naming what was cut.
 */
export async function boundRecord(d: ItemResultData, file: string, sessionDir: string): Promise<ItemResultData> {
  if (size(d) <= RECORD_BUDGET) return d;
  let ref: EvidenceRef;
  try {
    ref = await writeWhole(file, sessionDir, d);
  } catch {
    return d; // the whole record cannot be put aside: journal it whole rather than lose part of it
  }
  let bounded: ItemResultData = d;
  for (let n = KEPT_ENTRIES; n >= 0; n = n === 0 ? -1 : Math.floor(n / 2)) {
    const cut: Record<string, number> = {};
    const result = cutLists(d.result, n, '', cut);
    const offending = d.offending && d.offending.length > n ? d.offending.slice(0, n) : d.offending;
    bounded = {
      ...d,
      result,
      offending,
      evidence: [...d.evidence, ref],
      omitted: {
        file: ref.path,
        ...(offending && d.offending && offending.length < d.offending.length ? { offending: d.offending.length } : {}),
        ...(Object.keys(cut).length ? { result: cut } : {}),
      },
    };
    if (size(bounded) <= RECORD_BUDGET) break;
  }
  return bounded;
}

/** "… and 4,812 more (see evidence/1.1/1-record.json)" when a list was cut, else undefined */
export function moreOffending(d: Pick<ItemResultData, 'offending' | 'omitted'>, shown: number): string | undefined {
  const total = d.omitted?.offending ?? d.offending?.length ?? 0;
  if (total <= shown) return undefined;
  const where = d.omitted ? ` (see ${d.omitted.file})` : '';
  return `… and ${(total - shown).toLocaleString('en-US')} more${where}`;
}
