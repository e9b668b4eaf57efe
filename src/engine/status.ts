/**
 * The one status vocabulary of readiness-tui. Every module spells statuses through this file.
 *
 * - pending        not run yet
 * - running        a check is executing
 * - pass           the check ran and its expectation held (and any required sign-off is present)
 * - fail           the check ran and found a problem (or a sign-off rejected it)
 * - error          could not run: tool missing, no credentials, unreachable, bad parameters
 * - timeout        the check exceeded its timeout and was killed
 * - inconclusive   the check ran but had no data to judge (e.g. nothing scanned)
 * - blocked        not run because an item it depends on did not pass
 * - skipped        deliberately not run (--only, cancelled before start)
 * - cancelled      the latest attempt was stopped while it ran (key, hang-up, signal): no verdict, partial evidence
 * - waived         a human accepted the risk with a reason and an expiry
 * - needs-signoff  automation is done (or there is none); a human decision is required
 */
import type { CheckVerdict } from '../checks/contract.js';

export const STATUSES = [
  'pending',
  'running',
  'pass',
  'fail',
  'error',
  'timeout',
  'inconclusive',
  'blocked',
  'skipped',
  'cancelled',
  'waived',
  'needs-signoff',
] as const;

export type Status = (typeof STATUSES)[number];

/** What a check run itself can end in: declared with the checks' contract, which the engine builds on. */
export type { CheckVerdict } from '../checks/contract.js';

/** Statuses that mean "nothing more will happen unless a human acts or the item is re-run". */
export const TERMINAL: ReadonlySet<Status> = new Set<Status>([
  'pass',
  'fail',
  'error',
  'timeout',
  'inconclusive',
  'blocked',
  'skipped',
  'cancelled',
  'waived',
]);

/**
 * Statuses that make a blocking item decide NO-GO: something was measured to fail, or a human rejected it. An item
 * that could not run (error, timeout) or could not judge (inconclusive) leaves the decision INCOMPLETE instead.
 */
export const NO_GO: ReadonlySet<Status> = new Set<Status>(['fail']);

/** Statuses of an item whose check could not run or had nothing to judge (the decision is INCOMPLETE, not NO-GO). */
export const COULD_NOT_RUN: ReadonlySet<Status> = new Set<Status>(['error', 'timeout', 'inconclusive']);

export type Decision = 'GO' | 'NO-GO' | 'INCOMPLETE';

/** Exit codes of the CLI contract (README): GO 0, NO-GO 1 (also an invalid checklist), usage 2, INCOMPLETE 3. */
export const EXIT = { OK: 0, GO: 0, NO_GO: 1, INVALID: 1, USAGE: 2, INCOMPLETE: 3 } as const;

/**
 * A deliverable's status: the verdict of its check, `pending` (not checked yet), `running`, `skipped` (its check was
 * cancelled), or `unchecked` (the checklist gives the deliverable no `check`). Deliverables never decide GO / NO-GO.
 */
export type DeliverableStatus = CheckVerdict | 'pending' | 'running' | 'skipped' | 'unchecked';

/** Symbol and word of a deliverable without a check. */
export const UNCHECKED_LABEL = { unicode: '○', ascii: 'o', word: 'NOT CHECKED' } as const;

export function deliverableLabel(s: DeliverableStatus): { unicode: string; ascii: string; word: string } {
  return s === 'unchecked' ? UNCHECKED_LABEL : STATUS_LABEL[s];
}

/** Symbol and word for each status, so nothing is conveyed by colour alone. */
export const STATUS_LABEL: Record<Status, { unicode: string; ascii: string; word: string }> = {
  pending: { unicode: '·', ascii: '.', word: 'PENDING' },
  running: { unicode: '▶', ascii: '>', word: 'RUNNING' },
  pass: { unicode: '✓', ascii: '+', word: 'PASS' },
  fail: { unicode: '✗', ascii: 'x', word: 'FAIL' },
  error: { unicode: '⚠', ascii: '!', word: 'ERROR' },
  timeout: { unicode: '⧗', ascii: 'T', word: 'TIMEOUT' },
  inconclusive: { unicode: '?', ascii: '?', word: 'INCONCL' },
  blocked: { unicode: '⊘', ascii: '#', word: 'BLOCKED' },
  skipped: { unicode: '-', ascii: '-', word: 'SKIPPED' },
  cancelled: { unicode: '⊗', ascii: 'c', word: 'CANCELLED' },
  waived: { unicode: '≈', ascii: '~', word: 'WAIVED' },
  'needs-signoff': { unicode: '✍', ascii: '*', word: 'SIGNOFF' },
};
