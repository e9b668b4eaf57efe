/**
 * The runner: runs checklist items against the environment and records what happened. createRunner composes the
 * engine's pieces, each readable on its own:
 *   - scheduler.ts — scheduling and dependencies: which items run, in order, concurrency slots, blocked, cancel;
 *   - item-attempts.ts — the attempts of one item: retries, the aggregate of named checks, cancelled attempts and
 *     half-changed mutating checks;
 *   - check-run.ts — one run of one check: its context, evidence, output, abort and verdict;
 *   - deliverables.ts — the deliverable checks;
 *   - evidence.ts / output-feed.ts — the evidence file and the live output.
 *
 * This file holds what they share: the variables and the redactor, the journal-and-tell `record`, the kube target
 * cache, the describe line of a check and whether it mutates; and the Runner API over the pieces.
 *
 * Verdicts: the kind throws CheckError → `error` with its hint; any other exception → `error` with its message
 * (the run goes on); the item's timeout (or a kind's own time limit: a DOMException "TimeoutError") → `timeout`.
 * Cancel (one item or all): the check's process group is killed and the attempt is journaled as `item.skip`
 * cancelled with what happened ("cancelled by <operator> (key x in the TUI)", "SIGTERM …"), the attempt number and
 * its partial evidence — a cancelled check did not fail, and the item is CANCELLED (never its earlier verdict). An
 * item cancelled before it started is `item.skip` skipped. A mutating check stopped part-way (cancel or timeout)
 * says that the environment may be half-changed and what it was doing. Manual items are not run (they wait for a
 * sign-off).
 *
 * Output: every byte goes to the evidence file (secrets masked in-stream); lines (sanitized, redacted) go to the
 * store through OutputFeed (output-feed.ts): at most every FLUSH_MS, a bounded window per item (the rest are
 * counted as `dropped`), so a check printing hundreds of MB costs bounded memory.
 */
import path from 'node:path';
import { allItems, type CheckSpec, type Item } from '../checklist/model.js';
import { resolveCheckParams } from '../checks/params.js';
import { interpolate } from '../checklist/interpolate.js';
import { getKind } from '../checks/index.js';
import { type KubeTarget } from '../checks/contract.js';
import type { EngineEvent, JournalEvent } from './events.js';
import type { Runner, RunnerOptions } from './runner-api.js';
import type { Status } from './status.js';
import { createRedactor, type Redactor } from './redact.js';
import { OutputFeed } from './output-feed.js';
import { credentialMasker } from './credential-mask.js';
import { errMessage, runOneCheck, type CheckRunEnv, type CheckTarget } from './check-run.js';
import { createScheduler } from './scheduler.js';
import { createDeliverables } from './deliverables.js';
import { createItemAttempts, specsOf } from './item-attempts.js';
import { runVars } from './run-vars.js';

export { DEFAULT_FREE_SPACE_RESERVE_BYTES, DEFAULT_OUTPUT_LIMIT_BYTES } from './check-run.js';
export { DEFAULT_CONCURRENCY } from './scheduler.js';

export const DEFAULT_TIMEOUT_MS = 10 * 60_000;

export function createRunner(o: RunnerOptions): Runner {
  const session = o.session;
  const checklist = session.checklist;
  const items = new Map(allItems(checklist).map((i) => [i.id, i]));
  const vars: Record<string, string> = o.vars ?? { ...(session.store.store.getState().start?.vars ?? {}) };
  const secretNames = o.secretVars ?? [];
  const redactor: Redactor = createRedactor(
    secretNames.filter((n) => vars[n]).map((n) => ({ name: n, value: vars[n]! })),
  );
  const env = o.env ?? process.env;
  const killGraceMs = o.killGraceMs ?? 3000;
  const cwd = path.dirname(checklist.source.path);
  const kubeCache = new Map<string, Promise<KubeTarget>>();
  // a listener that throws (a closed pipe …) must not stop checks or lose journal lines
  const notify = (e: EngineEvent) => {
    try {
      o.onEvent?.(e);
    } catch {
      // ignored: the journal and the store are the record
    }
  };
  const feed = new OutputFeed(
    (e) => {
      session.store.apply(e);
      notify(e);
    },
    o.keepSgr === true,
    (id) => (items.get(id)?.maskCredentials === false ? undefined : credentialMasker.mask),
  );

  const record = async (e: Omit<JournalEvent, 'ts' | 'actor'>): Promise<void> => {
    const r = await session.record(e as JournalEvent);
    notify({ ...(e as object), ts: r.ts, actor: r.actor } as EngineEvent);
  };

  const statusOf = (id: string): Status | undefined => session.store.store.getState().items[id]?.status;

  const kube = (spec: CheckSpec) => (override?: string): Promise<KubeTarget> => {
    // a check's `context:` may use variables (detektor: ${vars.kubeContext})
    const context = override ?? (spec.context ? interpolate(spec.context, vars) : undefined) ?? o.kubeContext;
    const key = context ?? '';
    let p = kubeCache.get(key);
    if (!p) {
      p = import('../checks/support/kube.js').then((m) => m.resolveKubeTarget({ kubeconfig: o.kubeconfig, context }, env));
      kubeCache.set(key, p);
      p.catch(() => kubeCache.delete(key));
    }
    return p;
  };

  const describeSpec = (spec: CheckSpec): string => {
    const kind = getKind(spec.kind);
    if (!kind) return `${spec.kind} (unknown check kind)`;
    try {
      return redactor.redact(kind.describe(resolveCheckParams(spec, vars), vars));
    } catch (err) {
      return `${spec.kind} (${redactor.redact(errMessage(err))})`;
    }
  };

  const checkEnv: CheckRunEnv = {
    session,
    redactor,
    vars,
    env,
    cwd,
    killGraceMs,
    feed,
    kube,
    outputLimitBytes: o.outputLimitBytes,
    freeSpaceReserveBytes: o.freeSpaceReserveBytes,
  };
  const runCheck = (item: CheckTarget, spec: CheckSpec, attempt: number, name: string | undefined, controller: AbortController, timeoutMs: number) =>
    runOneCheck(checkEnv, item, spec, attempt, name, controller, timeoutMs);

  function isMutating(item: Item): boolean {
    return specsOf(item).some(([, spec]) => {
      if (spec.mutating) return true;
      const kind = getKind(spec.kind);
      if (!kind?.mutating) return false;
      try {
        return kind.mutating(resolveCheckParams(spec, vars));
      } catch {
        return false;
      }
    });
  }

  // the pieces: runItem is handed to the scheduler, which it asks to journal a cancelled job's skip (one way to say it)
  const runItem = createItemAttempts({
    session,
    feed,
    redactor,
    vars,
    ranWith: runVars(vars, secretNames),
    defaultTimeoutMs: o.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS,
    record,
    describe: describeSpec,
    isMutating,
    runCheck,
    cancelledSkip: (job) => scheduler.cancelledSkip(job),
  });
  const scheduler = createScheduler({
    checklist,
    concurrency: o.concurrency,
    statusOf,
    record,
    runItem,
    onSettled: () => feed.flush(),
  });
  const deliverables = createDeliverables(checklist.deliverables, {
    session,
    feed,
    redactor,
    timeoutMs: o.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS,
    record,
    describe: describeSpec,
    runCheck: (target, spec, attempt, controller, timeoutMs) => runCheck(target, spec, attempt, undefined, controller, timeoutMs),
  });

  return {
    run: (itemIds, ro) => scheduler.run(itemIds, ro),
    busy: (itemId) => scheduler.busy(itemId),
    checkDeliverables: () => deliverables.check(),
    cancel(itemId, reason) {
      const who = reason ?? `cancelled by ${session.operator}`;
      if (!itemId) deliverables.cancel(who);
      scheduler.cancel(itemId, who);
    },
    running() {
      const ids = scheduler.running();
      const d = deliverables.running();
      return d ? [...ids, d] : ids;
    },
    isMutating(itemId) {
      const item = items.get(itemId);
      return item ? isMutating(item) : false;
    },
    describe(itemId) {
      const item = items.get(itemId);
      if (!item) return [];
      return specsOf(item).map(([n, s]) => (n ? `${n}: ` : '') + describeSpec(s));
    },
  };
}
