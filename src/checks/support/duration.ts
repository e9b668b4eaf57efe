/**
 * Duration parameters of the check kinds ("30s", "10m", "90d", "1h30m", "500ms"). One grammar for the whole
 * program: this delegates to the checklist's parser (src/checklist/duration.ts), so a check's `timeout:` and an
 * item's `timeout:` accept exactly the same text. A bare number is refused (ambiguous).
 */
import { DURATION_HINT, formatDuration, parseDuration } from '../../checklist/duration.js';

/** milliseconds, or undefined when the text is not a duration */
export function parseDurationMs(text: string): number | undefined {
  return parseDuration(text);
}

/** true when parseDurationMs accepts the text (for zod refinements) */
export function isDuration(text: string): boolean {
  return parseDuration(text) !== undefined;
}

/** "1.5s", "250ms", "1h30m" — compact human form for messages */
export function formatDurationMs(ms: number): string {
  return formatDuration(ms);
}

export { DURATION_HINT };
