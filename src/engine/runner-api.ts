/**
 * What the runner offers its callers (the TUI, `run --ci`, the demo). Implemented in runner.ts.
 */
import type { Session } from './session-api.js';
import type { EventListener } from './events.js';
import type { RunOptions } from './scheduler.js';

export interface RunnerOptions {
  session: Session;
  /** checks run at once (default 4) */
  concurrency?: number;
  /** global kube context (--kube-context); a check's `context:` overrides it */
  kubeContext?: string;
  /** kubeconfig path (default $KUBECONFIG or ~/.kube/config) */
  kubeconfig?: string;
  /** environment for checks (default process.env) */
  env?: NodeJS.ProcessEnv;
  /** grace period between SIGTERM and SIGKILL of a check's process group (ms, default 3000) */
  killGraceMs?: number;
  /**
   * resolved variables INCLUDING secret ones (the session journal holds only the non-secret ones). Default: the
   * non-secret vars of the session's `session.start` event.
   */
  vars?: Record<string, string>;
  /** names of the secret variables: their values are masked in output, evidence, results and describe lines */
  secretVars?: string[];
  /** every event the runner produces (journal events after they were recorded, and output batches) */
  onEvent?: EventListener;
  /** keep SGR colour sequences in output lines given to the store (default false: plain text) */
  keepSgr?: boolean;
  /** per-item timeout when the checklist gives none (ms, default 10 minutes) */
  defaultTimeoutMs?: number;
  /** a check's output kept at most when the item gives no `outputLimit:` (bytes, default 1 GiB); past it the check stops */
  outputLimitBytes?: number;
  /** checks stop (and do not start) when the state directory's filesystem has less free (bytes, default 256 MiB) */
  freeSpaceReserveBytes?: number;
}

export interface Runner {
  /**
   * Run these items (and nothing else), honouring dependsOn (a dependent of an item that did not pass is
   * recorded `blocked`), concurrency, per-item timeout and retries. Manual items are not "run": they stay
   * needs-signoff. Resolves when all have finished or were cancelled.
   */
  run(itemIds: string[], o?: RunOptions): Promise<void>;
  /**
   * the item is queued or running now (from any run() call). An item runs at most once at a time: a run() of an item
   * that is busy does not run it again (its dependents in that call wait for the run under way).
   */
  busy(itemId: string): boolean;
  /**
   * Check the checklist's deliverables that have a `check`, one after another, through the same check execution as
   * items (kinds, variables, redaction, evidence with sha256, the default timeout). Each is journaled as
   * `deliverable.start` then `deliverable.result`, or `deliverable.skip` when cancelled. Deliverables are not items:
   * they never change GO / NO-GO. A call while a check of the deliverables is under way returns that one.
   */
  checkDeliverables(): Promise<void>;
  /**
   * cancel one running/queued item, or everything (the deliverable checks too) when no id is given. The item is
   * journaled `skipped` with `reason` (default "cancelled by <operator>").
   */
  cancel(itemId?: string, reason?: string): void;
  /** ids currently running (a deliverable's check as `deliverables[<index>]`) */
  running(): string[];
  /** true when the item's check (or one of its checks) is mutating */
  isMutating(itemId: string): boolean;
  /** the exact command / API query each check of the item will run (secrets redacted) */
  describe(itemId: string): string[];
}
