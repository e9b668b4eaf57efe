/**
 * Deliverables: each deliverable of the checklist with a `check` runs through the same runOneCheck as an item's check
 * (kind registry, variables, redaction, evidence file with its sha256, the run's default timeout), one after another,
 * journaled as `deliverable.start` / `deliverable.result` (`deliverable.skip` when cancelled). Their evidence lives in
 * evidence/_deliverable-<index>/ (item ids cannot start with "_"), their live output under `deliverables[<index>]`.
 * They never change GO / NO-GO. A call while a check of the deliverables is under way returns that one.
 */
import type { CheckSpec, Checklist } from '../checklist/model.js';
import type { DeliverableResultData, JournalEvent } from './events.js';
import { formatMs, RunAbort, type CheckRun, type CheckTarget } from './check-run.js';
import type { OutputFeed } from './output-feed.js';
import type { Redactor } from './redact.js';
import type { Session } from './session-api.js';

type Deliverable = Checklist['deliverables'][number];

export interface DeliverablesDeps {
  session: Session;
  feed: OutputFeed;
  redactor: Redactor;
  /** each deliverable check's time limit (ms) */
  timeoutMs: number;
  /** journal an event and tell the listeners */
  record(e: Omit<JournalEvent, 'ts' | 'actor'>): Promise<void>;
  /** the describe line of a check (secrets redacted) */
  describe(spec: CheckSpec): string;
  /** one run of one check (runOneCheck with the runner's environment) */
  runCheck(target: CheckTarget, spec: CheckSpec, attempt: number, controller: AbortController, timeoutMs: number): Promise<CheckRun>;
}

export interface Deliverables {
  /** check every deliverable that has a `check`, one after another */
  check(): Promise<void>;
  /** cancel the check of the deliverables under way (nothing when none is) */
  cancel(who: string): void;
  /** the output key (`deliverables[<index>]`) of the deliverable being checked now */
  running(): string | undefined;
}

export const deliverableTarget = (index: number, d: Deliverable): CheckTarget => ({
  id: `deliverables[${index}]`,
  title: d.description ?? d.path,
  evidenceKey: `_deliverable-${index}`,
});

/** The deliverable checks of one check() call. */
interface DeliverableRun {
  cancelled?: string;
  controller?: AbortController;
  /** output key of the deliverable being checked */
  running?: string;
  done: Promise<void>;
}

export function createDeliverables(deliverables: readonly Deliverable[], x: DeliverablesDeps): Deliverables {
  let current: DeliverableRun | undefined;

  /** One deliverable: deliverable.start … deliverable.result (deliverable.skip when cancelled). */
  const checkOne = async (index: number, d: Deliverable, run: DeliverableRun): Promise<void> => {
    const target = deliverableTarget(index, d);
    const spec = d.check!;
    const skip = () => x.record({ type: 'deliverable.skip', data: { index, path: d.path, reason: run.cancelled ?? 'cancelled' } });
    if (run.cancelled) return skip();
    const attempt = (x.session.store.store.getState().deliverables[index]?.attempt ?? 0) + 1;
    const controller = new AbortController();
    run.controller = controller;
    run.running = target.id;
    const timeoutMs = x.timeoutMs;
    const timer = setTimeout(() => controller.abort(new RunAbort('timeout', `timed out after ${formatMs(timeoutMs)}`)), timeoutMs);
    let r: CheckRun;
    try {
      await x.record({ type: 'deliverable.start', data: { index, path: d.path, attempt, describe: x.describe(spec) } });
      if (run.cancelled) controller.abort(new RunAbort('cancel', run.cancelled));
      r = await x.runCheck(target, spec, attempt, controller, timeoutMs);
    } finally {
      clearTimeout(timer);
      x.feed.flush(target.id, true);
      run.controller = undefined;
      run.running = undefined;
    }
    if (r.verdict === 'cancelled') return skip();
    const data: DeliverableResultData = x.redactor.redactValue({
      index,
      path: d.path,
      attempt,
      verdict: r.verdict,
      summary: r.summary,
      measured: r.measured,
      threshold: r.threshold,
      error: r.error,
      expect: r.expect,
      durationMs: r.durationMs,
      evidence: r.evidence,
    });
    await x.record({ type: 'deliverable.result', data });
  };

  return {
    check() {
      if (current) return current.done;
      const run = { done: Promise.resolve() } as DeliverableRun;
      current = run;
      run.done = (async () => {
        try {
          // one after another: deliverable checks are usually `file` checks that take milliseconds
          for (const [index, d] of deliverables.entries()) if (d.check) await checkOne(index, d, run);
        } finally {
          x.feed.flush();
          current = undefined;
        }
      })();
      return run.done;
    },
    cancel(who) {
      if (!current || current.cancelled) return;
      current.cancelled = who;
      current.controller?.abort(new RunAbort('cancel', who));
    },
    running: () => current?.running,
  };
}
