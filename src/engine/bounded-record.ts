/**
 * Bounded records: a result's journal event stays under RECORD_BUDGET however many objects a check found. When it
 * would not, the whole `offending` list and `result` go to an evidence file (hashed like every evidence file) and
 * the event keeps the first entries of every long list, with `omitted` saying how long each list really was and
 * where the whole of it is. `expect` has already been evaluated over the whole result by then.
 */
import { open, rm } from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { EvidenceRef, ItemResultData } from './events.js';
import { shareFd } from './shared-files.js';

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

/**
 * Write `value` as JSON to `file` (synced) without building one string of it: lists and objects near the top are
 * written entry by entry (a big result is tens of MB). Returns the file's reference.
 */
async function writeJson(file: string, sessionDir: string, value: unknown): Promise<EvidenceRef> {
  const fh = await open(file, 'w', 0o666);
  shareFd(fh.fd, 'file');
  const hash = createHash('sha256');
  let bytes = 0;
  let parts: string[] = [];
  let pending = 0;
  const flush = async () => {
    const b = Buffer.from(parts.join(''), 'utf8');
    parts = [];
    pending = 0;
    hash.update(b);
    bytes += b.length;
    await fh.write(b);
  };
  const put = async (t: string) => {
    parts.push(t);
    pending += t.length;
    if (pending >= 1 << 20) await flush();
  };
  const emit = async (v: unknown, depth: number): Promise<void> => {
    if (v && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') v = (v as { toJSON: () => unknown }).toJSON();
    if (depth >= 3 || !v || typeof v !== 'object') return put(JSON.stringify(v) ?? 'null');
    if (Array.isArray(v)) {
      await put('[');
      for (let i = 0; i < v.length; i++) {
        if (i) await put(',');
        await emit(v[i], depth + 1);
      }
      return put(']');
    }
    await put('{');
    let first = true;
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
      await put(`${first ? '' : ','}${JSON.stringify(k)}:`);
      first = false;
      await emit(x, depth + 1);
    }
    return put('}');
  };
  try {
    await emit(value, 0);
    await put('\n');
    await flush();
    await fh.sync();
  } finally {
    await fh.close();
  }
  return { path: path.relative(sessionDir, file), sha256: hash.digest('hex'), bytes };
}

/**
 * `d` itself when its event fits RECORD_BUDGET; else a copy with long lists cut to their first entries, the whole
 * record (the event's data as it would have been) in `file`, added to the evidence, and `omitted` naming what was cut.
 */
export async function boundRecord(d: ItemResultData, file: string, sessionDir: string): Promise<ItemResultData> {
  const longLists: Record<string, number> = {};
  cutLists(d.result, KEPT_ENTRIES, '', longLists);
  // short lists: measure exactly; long ones: the record is written out, and taken back if it turns out small
  if (Object.keys(longLists).length === 0 && (d.offending?.length ?? 0) <= KEPT_ENTRIES && size(d) <= RECORD_BUDGET) return d;
  let ref: EvidenceRef;
  try {
    ref = await writeJson(file, sessionDir, d);
  } catch {
    return d; // the whole record cannot be put aside: journal it whole rather than lose part of it
  }
  if (ref.bytes - 1 <= RECORD_BUDGET) {
    await rm(file, { force: true });
    return d;
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
