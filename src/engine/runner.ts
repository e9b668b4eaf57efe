/**
 * The runner: runs checklist items against the environment and records what happened. createRunner composes the
 * engine's pieces, each readable on its own:
 *   - scheduler.ts — scheduling and dependencies: which items run, in order, concurrency slots, blocked, cancel;
 *   - this file — the attempts of one item (runItem/runAttempt): retries, the aggregate of named checks, cancelled
 *     attempts and half-changed mutating checks;
 *   - check-run.ts — one run of one check: its context, evidence, output, abort and verdict;
 *   - deliverables.ts — the deliverable checks;
 *   - evidence.ts / output-feed.ts — the evidence file and the live output.
 *
 * Per attempt (1 + retries; a new attempt only after fail/error/timeout): journal `item.start`, run the check (or
 * each named check of `checks:` in order, one evidence file each), evaluate `expect` (or the kind's defaultExpect)
 * with JSONata, journal `item.result`.
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
import { boundRecord } from './bounded-record.js';
import path from 'node:path';
import { allItems, type CheckSpec, type Item } from '../checklist/model.js';
import { resolveCheckParams } from '../checklist/params.js';
import { interpolate } from '../checklist/interpolate.js';
import { evaluateExpect } from '../checklist/expect.js';
import { getKind } from '../checks/index.js';
import { type KubeTarget } from '../checks/contract.js';
import type { EngineEvent, EvidenceRef, ItemResultData, JournalEvent } from './events.js';
import type { Runner, RunnerOptions } from './runner-api.js';
import type { CheckVerdict, Status } from './status.js';
import { createRedactor, type Redactor } from './redact.js';
import { OutputFeed } from './output-feed.js';
import { errMessage, formatMs, RunAbort, runOneCheck, type CheckRun, type CheckRunEnv, type CheckTarget } from './check-run.js';

export { DEFAULT_FREE_SPACE_RESERVE_BYTES, DEFAULT_OUTPUT_LIMIT_BYTES } from './check-run.js';
import { createScheduler, type Job } from './scheduler.js';
import { createDeliverables } from './deliverables.js';

export { DEFAULT_CONCURRENCY } from './scheduler.js';

export const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const itemTarget = (item: Item): CheckTarget => ({ id: item.id, title: item.title, evidenceKey: item.id, outputLimitBytes: item.outputLimitBytes });

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
  const feed = new OutputFeed((e) => {
    session.store.apply(e);
    notify(e);
  }, o.keepSgr === true);

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

  const specsOf = (item: Item): [string | undefined, CheckSpec][] => {
    if (item.checks && Object.keys(item.checks).length) return Object.entries(item.checks);
    return item.check ? [[undefined, item.check]] : [];
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

  /** One attempt of an item: item.start … item.result (or 'cancelled'). */
  const runAttempt = async (job: Job, attempt: number): Promise<CheckVerdict | 'cancelled'> => {
    const item = job.item;
    const specs = specsOf(item);
    const controller = new AbortController();
    job.controller = controller;
    if (job.cancelled) controller.abort(new RunAbort('cancel', job.cancelled));
    const timeoutMs = item.timeoutMs ?? o.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    await record({
      type: 'item.start',
      data: { item: item.id, attempt, describe: specs.map(([n, s]) => (n ? `${n}: ` : '') + describeSpec(s)).join('\n') },
    });
    const t0 = performance.now();
    const timer = setTimeout(() => controller.abort(new RunAbort('timeout', `timed out after ${formatMs(timeoutMs)}`)), timeoutMs);
    let data: ItemResultData;
    try {
      if (!item.checks || !Object.keys(item.checks).length) {
        const r = await runCheck(itemTarget(item), item.check!, attempt, undefined, controller, timeoutMs);
        if (r.verdict === 'cancelled') return await recordCancel(job, attempt, r.evidence, t0, r.summary);
        data = {
          item: item.id,
          attempt,
          verdict: r.verdict,
          summary: r.summary,
          measured: r.measured,
          threshold: r.threshold,
          offending: r.offending,
          result: r.result,
          error: r.error,
          expect: r.expect,
          durationMs: Math.round(performance.now() - t0),
          evidence: r.evidence,
        };
      } else {
        const runs: Record<string, CheckRun> = {};
        for (const [name, spec] of Object.entries(item.checks)) {
          if (controller.signal.aborted) break;
          feed.line(item.id, 'info', `── ${name} ──`);
          const r = await runCheck(itemTarget(item), spec, attempt, name, controller, timeoutMs);
          if (r.verdict === 'cancelled') {
            return await recordCancel(job, attempt, [...Object.values(runs).flatMap((x) => x.evidence), ...r.evidence], t0, r.summary);
          }
          runs[name] = r;
          if (r.verdict === 'timeout' && controller.signal.aborted) break;
        }
        const reason: unknown = controller.signal.reason;
        const timedOut = controller.signal.aborted && reason instanceof RunAbort && reason.why === 'timeout';
        data = await aggregate(item, attempt, runs, Math.round(performance.now() - t0), timedOut);
      }
    } finally {
      clearTimeout(timer);
      feed.flush(item.id, true);
      job.controller = undefined;
    }
    if (data.verdict === 'timeout' && isMutating(item)) data.halfChanged = halfChanged(item, 'timed out');
    data = redactor.redactValue(data);
    data = await boundRecord(data, session.evidencePath(itemTarget(item).evidenceKey, attempt, 'record').replace(/\.log$/, '.json'), session.dir);
    await record({ type: 'item.result', data });
    return data.verdict;
  };

  /** What a mutating check stopped part-way means for the environment, and what it was doing. */
  const halfChanged = (item: Item, how: string): string =>
    `${item.id} changes the environment and ${how} part-way: the environment may be half-changed. It was running: ` +
    `${specsOf(item).map(([n, s]) => (n ? `${n}: ` : '') + describeSpec(s)).join('; ')}. Check the environment before re-running it or going on.`;

  /** The attempt was stopped while it ran: journal it as cancelled, with what happened and its partial evidence. */
  const recordCancel = async (job: Job, attempt: number, evidence: EvidenceRef[], t0: number, detail: string): Promise<'cancelled'> => {
    const item = job.item;
    const reason = job.cancelled ?? detail ?? 'cancelled';
    await record({
      type: 'item.skip',
      data: redactor.redactValue({
        item: item.id,
        status: 'cancelled',
        reason,
        attempt,
        durationMs: Math.round(performance.now() - t0),
        evidence,
        ...(isMutating(item) ? { halfChanged: halfChanged(item, 'was cancelled') } : {}),
      }),
    });
    return 'cancelled';
  };

  const aggregate = async (
    item: Item,
    attempt: number,
    runs: Record<string, CheckRun>,
    durationMs: number,
    timedOut: boolean,
  ): Promise<ItemResultData> => {
    const names = Object.keys(item.checks ?? {});
    const checks: NonNullable<ItemResultData['checks']> = {};
    const input: Record<string, { status: CheckVerdict | 'pending'; durationMs: number; result: unknown }> = {};
    for (const n of names) {
      const r = runs[n];
      if (r && r.verdict !== 'cancelled') {
        checks[n] = { verdict: r.verdict, summary: r.summary, durationMs: r.durationMs };
        input[n] = { status: r.verdict, durationMs: r.durationMs, result: r.result ?? null };
      } else {
        input[n] = { status: 'pending', durationMs: 0, result: null };
      }
    }
    const all = Object.values(runs).filter((r): r is CheckRun & { verdict: CheckVerdict } => r.verdict !== 'cancelled');
    const passed = names.filter((n) => checks[n]?.verdict === 'pass');
    const notPassed = names.filter((n) => checks[n]?.verdict !== 'pass');
    let verdict: CheckVerdict;
    let error: ItemResultData['error'];
    if (timedOut) {
      verdict = 'timeout';
      error = { message: `timed out after ${formatMs(item.timeoutMs ?? o.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS)}` };
    } else if (item.expect) {
      let expr = item.expect;
      try {
        expr = interpolate(item.expect, vars);
      } catch {
        // left as written: JSONata reports the unresolved reference
      }
      const ev = await evaluateExpect(expr, { checks: input }, { vars });
      if (ev.error) {
        verdict = 'error';
        error = { message: `the expectation \`${item.expect}\` could not be evaluated: ${ev.error}`, hint: 'fix the item-level `expect`' };
      } else verdict = ev.ok ? 'pass' : 'fail';
    } else {
      const order: CheckVerdict[] = ['fail', 'error', 'timeout', 'inconclusive'];
      verdict = order.find((v) => all.some((r) => r.verdict === v)) ?? (passed.length === names.length ? 'pass' : 'error');
    }
    if (!error) error = all.find((r) => r.error && r.verdict === verdict)?.error;
    const offending = Object.entries(runs).flatMap(([n, r]) => (r.offending ?? []).map((x) => ({ check: n, ...x })));
    const summary =
      `${passed.length}/${names.length} checks passed` +
      (notPassed.length ? ` — ${notPassed.map((n) => `${n}: ${checks[n]?.verdict ?? 'not run'}${checks[n]?.summary ? ` (${checks[n]!.summary})` : ''}`).join('; ')}` : '');
    return {
      item: item.id,
      attempt,
      verdict,
      summary: summary.length > 1000 ? summary.slice(0, 999) + '…' : summary,
      measured: `${passed.length}/${names.length} checks passed`,
      threshold: item.expect ? undefined : 'all checks pass',
      offending: offending.length ? offending : undefined,
      result: { checks: input },
      error,
      expect: item.expect,
      durationMs,
      evidence: Object.values(runs).flatMap((r) => r.evidence),
      checks,
    };
  };

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

  const runItem = async (job: Job): Promise<void> => {
    const item = job.item;
    const first = (session.store.store.getState().items[item.id]?.attempt ?? 0) + 1;
    const last = first + Math.max(0, item.retries ?? 0);
    for (let attempt = first; attempt <= last; attempt++) {
      if (job.cancelled) {
        await scheduler.cancelledSkip(job);
        return;
      }
      const v = await runAttempt(job, attempt);
      if (v === 'cancelled') return; // journaled by runAttempt, with the attempt's partial evidence
      if (v === 'pass' || v === 'inconclusive') return;
    }
  };

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
    run: (itemIds) => scheduler.run(itemIds),
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
