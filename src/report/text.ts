/** Small text helpers shared by the report renderers (HTML, JUnit, Markdown). */
import { sanitizeLine } from '../process/sanitize.js';
import type { DeliverableStatus, Status } from '../engine/status.js';
import { deliverableLabel, STATUS_LABEL } from '../engine/status.js';
import type { ReportItem, ReportModel } from './model.js';

/** Multi-line untrusted text → plain text: every control/escape sequence removed (process/sanitize.ts), lines kept. */
export function plain(text: string | undefined, maxLen = 4000): string {
  if (!text) return '';
  return text
    .split('\n')
    .map((l) => sanitizeLine(l, maxLen))
    .join('\n');
}

/** "1h 05m", "2m 03s", "850 ms" */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${String(m % 60).padStart(2, '0')}m`;
}

export function statusWord(s: Status): string {
  return STATUS_LABEL[s].word;
}

/** "PASS", "FAIL" …, and "NOT CHECKED" for a deliverable without a check. */
export function deliverableWord(s: DeliverableStatus): string {
  return deliverableLabel(s).word;
}

/** "PASS 4 · NOT CHECKED 1", in the order of first appearance */
export function deliverableCounts(ds: { status: DeliverableStatus }[]): string {
  const n = new Map<string, number>();
  for (const d of ds) n.set(deliverableWord(d.status), (n.get(deliverableWord(d.status)) ?? 0) + 1);
  return [...n].map(([w, k]) => `${w} ${k}`).join(' · ');
}

export interface EvidenceTail {
  /** last lines of the file, already plain text */
  lines: string[];
  /** the file has more than what is shown */
  truncated: boolean;
  bytes: number;
}

/** " Stand-ins: Prometheus (…)." for a demo sandbox that replaced a program that is not installed; "" otherwise */
export function standInText(m: { session: { standIns?: string[] } }): string {
  const s = m.session.standIns;
  return s?.length ? ` Stand-ins of the sandbox's own (not installed here): ${s.join(', ')}.` : '';
}

/** the variables of the session's latest run, as report.json gives them */
export type LatestVars = Pick<ReportModel, 'vars' | 'secrets'>;

/**
 * The variables each attempt of an item ran with (its item.start), where they differ from the latest run's: a value,
 * "(none)" for a variable it did not have, a secret as set / unset. Attempts recorded without variables are left out.
 */
export function attemptVarDiffs(it: ReportItem, latest: LatestVars): { attempt: number; diffs: { name: string; value: string }[] }[] {
  return it.attempts
    .filter((a) => a.vars)
    .map((a) => {
      const names = [...new Set([...Object.keys(a.vars!), ...Object.keys(latest.vars)])].sort();
      const diffs = names.filter((n) => a.vars![n] !== latest.vars[n]).map((name) => ({ name, value: a.vars![name] ?? '(none)' }));
      for (const [name, v] of Object.entries(a.secrets ?? {}))
        if (latest.secrets?.[name] !== undefined && latest.secrets[name] !== v) diffs.push({ name, value: `secret ${v}` });
      return { attempt: a.attempt, diffs };
    });
}

/** Who did a recorded act, for people: "alice@example.com (key SHA256:…)", "… (key not recorded)", "not recorded". */
export function actorText(a: { principal: string; keyFingerprint?: string } | undefined): string {
  if (!a) return 'not recorded';
  return `${a.principal} (${a.keyFingerprint ? `key ${a.keyFingerprint}` : 'key not recorded'})`;
}

/** A waiver's state at the decision, for people: "in force, approved by bob", "awaited 1 approval (0 of 1)", "STALE", "EXPIRED". */
export function waiverText(w: {
  validAtDecision: boolean;
  inForceAtDecision: boolean;
  stale: boolean;
  approvalsNeeded: number;
  approvals: { by: string; keyFingerprint?: string }[];
}): string {
  if (!w.validAtDecision) return 'EXPIRED at decision time';
  if (w.stale) return 'STALE: the item was re-run and its evidence changed after it';
  const approvers = w.approvals.map((a) => actorText({ principal: a.by, keyFingerprint: a.keyFingerprint })).join(', ');
  if (!w.inForceAtDecision) return `not in force: ${w.approvals.length} of ${w.approvalsNeeded} approval(s) by someone else${approvers ? ` (${approvers})` : ''}`;
  return w.approvalsNeeded ? `in force, approved by ${approvers}` : 'in force';
}
