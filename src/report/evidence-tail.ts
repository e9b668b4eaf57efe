/** The last lines of an evidence file, as plain text, for the HTML report (the same bytes give the same tail). */
import { open } from 'node:fs/promises';
import path from 'node:path';
import { plain, type EvidenceTail } from './text.js';
import { listFiles } from './sums.js';

export const TAIL_LINES = 40;
export const TAIL_BYTES = 16 * 1024;

export async function readTail(file: string): Promise<EvidenceTail> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const len = Math.min(size, TAIL_BYTES);
    const buf = Buffer.alloc(len);
    await fh.read(buf, 0, len, size - len);
    let lines = buf.toString('utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    if (size > len) lines = lines.slice(1); // the first line was cut
    const truncated = size > len || lines.length > TAIL_LINES;
    return { lines: lines.slice(-TAIL_LINES).map((l) => plain(l, 2000)), truncated, bytes: size };
  } finally {
    await fh.close();
  }
}

/** Tails of every file under evidence/ in a bundle directory. */
export async function evidenceTails(bundleDir: string): Promise<Map<string, EvidenceTail>> {
  const tails = new Map<string, EvidenceTail>();
  for (const f of await listFiles(bundleDir)) if (f.startsWith('evidence/')) tails.set(f, await readTail(path.join(bundleDir, f)));
  return tails;
}
