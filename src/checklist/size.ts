/**
 * Sizes as written in checklists and on the command line: `1GiB`, `500MiB`, `64KiB`, `2GB`, `100MB`, `4096` (bytes).
 * Binary units (KiB, MiB, GiB, TiB) are powers of 1024, decimal ones (KB, MB, GB, TB) powers of 1000.
 */
const UNIT: Record<string, number> = { '': 1, b: 1, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12 };

/** the pattern also exported into the JSON Schema so editors flag bad sizes while typing */
export const SIZE_PATTERN = '^\\d+(\\.\\d+)?\\s*([KMGT]i?B|B)?$';
export const SIZE_HINT = 'a size such as 1GiB, 500MiB or 2GB';

/** bytes (whole), or undefined when `text` is not a size or is zero */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]i?B|B)?$/i.exec(text.trim());
  if (!m) return undefined;
  const bytes = Math.floor(Number(m[1]) * UNIT[(m[2] ?? '').toLowerCase()]!);
  return bytes > 0 && Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** a byte count the way people read it: 1 GiB, 512 MiB, 1.5 KiB, 800 bytes */
export function formatSize(bytes: number): string {
  for (const [unit, n] of [['TiB', 2 ** 40], ['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const) {
    if (bytes >= n) return `${+(bytes / n).toFixed(1)} ${unit}`;
  }
  return `${bytes} bytes`;
}
