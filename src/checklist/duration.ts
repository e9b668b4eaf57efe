/**
 * Durations as written in checklists: `2.5h`, `30m`, `90s`, `1h30m`, `500ms`, `1d`.
 * A sequence of <number><unit> parts, units d h m s ms, no spaces, at least one part. A bare number is refused:
 * "5" could mean seconds or minutes, and a readiness checklist must not guess.
 */

const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

/** the pattern also exported into the JSON Schema so editors flag bad durations while typing */
export const DURATION_PATTERN = '^(\\d+(\\.\\d+)?(ms|d|h|m|s))+$';
const PART = /(\d+(?:\.\d+)?)(ms|d|h|m|s)/gy;

export const DURATION_HINT = 'a duration such as 30m, 2.5h, 90s, 1h30m or 500ms';

/** milliseconds, or undefined when `text` is not a duration */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (s === '') return undefined;
  PART.lastIndex = 0;
  let total = 0;
  let pos = 0;
  const seen = new Set<string>();
  while (pos < s.length) {
    PART.lastIndex = pos;
    const m = PART.exec(s);
    if (!m) return undefined;
    const unit = m[2]!;
    if (seen.has(unit)) return undefined; // "1h1h" is a typo, not 2h
    seen.add(unit);
    total += Number(m[1]) * UNIT_MS[unit]!;
    pos = PART.lastIndex;
  }
  return Math.round(total);
}

/** compact human form: 5400000 → "1h30m", 1500 → "1.5s", 250 → "250ms" */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)}s`;
  let rest = Math.round(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.join('');
}
