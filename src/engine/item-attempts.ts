/**
 * The attempts of one item: per attempt (1 + retries; a new attempt only after fail/error/timeout) journal
 * `item.start`, run its check (or each named check of `checks:` in order, one evidence file each, through runCheck —
 * check-run.ts), judge the named checks together (aggregate: the item-level `expect`, else all must pass) and journal
 * `item.result`. An attempt stopped by cancel is journaled `item.skip` cancelled with its partial evidence; a
 * mutating check stopped part-way (cancel or timeout) says that the environment may be half-changed. When items run
 * and how many at once is scheduler.ts.
 */
import type { CheckSpec, Item } from '../checklist/model.js';
import { interpolate } from '../checklist/interpolate.js';
import { evaluateExpect } from '../checklist/expect.js';
import { boundRecord } from './bounded-record.js';
import { formatMs, RunAbort, type CheckRun, type CheckTarget } from './check-run.js';
import type { EvidenceRef, ItemResultData, JournalEvent } from './events.js';
import type { OutputFeed } from './output-feed.js';
import { maskCredentialsIn } from './credential-mask.js';
import type { Redactor } from './redact.js';
import type { RunVars } from './run-vars.js';
import type { Job } from './scheduler.js';
import type { Session } from './session-api.js';
import type { CheckVerdict } from './status.js';

export interface ItemAttemptsDeps {
  session: Session;
  feed: OutputFeed;
  redactor: Redactor;
  /** resolved variables, secret ones included */
  vars: Record<string, string>;
  /** what item.start records of them: non-secret values, secrets as set / unset (run-vars.ts) */
  ranWith: RunVars;
  /** an item's time limit when it sets no `timeout:` (ms) */
  defaultTimeoutMs: number;
  /** journal an event and tell the listeners */
  record(e: Omit<JournalEvent, 'ts' | 'actor'>): Promise<void>;
  /** the describe line of a check (secrets redacted) */
  describe(spec: CheckSpec): string;
  /** true when one of the item's checks changes the environment */
  isMutating(item: Item): boolean;
  /** one run of one check (runOneCheck with the runner's environment) */
  runCheck(target: CheckTarget, spec: CheckSpec, attempt: number, name: string | undefined, controller: AbortController, timeoutMs: number): Promise<CheckRun>;
  /** journal that a cancelled job was skipped before an attempt started (scheduler.ts) */
  cancelledSkip(job: Job): Promise<void>;
}

/** the item's checks: each named check of `checks:`, else its one `check` (name undefined) */
export function specsOf(item: Item): [string | undefined, CheckSpec][] {
  if (item.checks && Object.keys(item.checks).length) return Object.entries(item.checks);
  return item.check ? [[undefined, item.check]] : [];
}

export const itemTarget = (item: Item): CheckTarget => ({ id: item.id, title: item.title, evidenceKey: item.id, outputLimitBytes: item.outputLimitBytes });

/**
 * The result of an item with named `checks:`: each check's verdict, then the item's by its `expect` (over every
 * check's status and result), else the worst verdict of its checks.
 */
async function aggregate(
  item: Item,
  attempt: number,
  runs: Record<string, CheckRun>,
  durationMs: number,
  timedOut: boolean,
  k: { vars: ItemAttemptsDeps['vars']; defaultTimeoutMs: number },
): Promise<ItemResultData> {
  const { vars } = k;
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
    error = { message: `timed out after ${formatMs(item.timeoutMs ?? k.defaultTimeoutMs)}` };
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
}

/** runItem for the scheduler: the attempts of one job's item */
export function createItemAttempts(d: ItemAttemptsDeps): (job: Job) => Promise<void> {
  const { session, feed, redactor, vars, record, runCheck, isMutating } = d;

  /** One attempt of an item: item.start … item.result (or 'cancelled'). */
  const runAttempt = async (job: Job, attempt: number): Promise<CheckVerdict | 'cancelled'> => {
    const item = job.item;
    const specs = specsOf(item);
    const controller = new AbortController();
    job.controller = controller;
    if (job.cancelled) controller.abort(new RunAbort('cancel', job.cancelled));
    const timeoutMs = item.timeoutMs ?? d.defaultTimeoutMs;
    await record({
      type: 'item.start',
      data: {
        item: item.id,
        attempt,
        describe: specs.map(([n, s]) => (n ? `${n}: ` : '') + d.describe(s)).join('\n'),
        ...(job.trigger ? { trigger: job.trigger } : {}),
        vars: d.ranWith.vars,
        ...(Object.keys(d.ranWith.secrets).length ? { secrets: d.ranWith.secrets } : {}),
        // an operator's run names the driver's key (who ran it, for four-eyes); a background watch re-check does not
        ...(session.operatorKey && !job.trigger ? { keyFingerprint: session.operatorKey } : {}),
      },
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
        data = await aggregate(item, attempt, runs, Math.round(performance.now() - t0), timedOut, d);
      }
    } finally {
      clearTimeout(timer);
      feed.flush(item.id, true);
      job.controller = undefined;
    }
    if (data.verdict === 'timeout' && isMutating(item)) data.halfChanged = halfChanged(item, 'timed out');
    data = redactor.redactValue(data);
    data = await boundRecord(data, session.evidencePath(itemTarget(item).evidenceKey, attempt, 'record').replace(/\.log$/, '.json'), session.dir);
    // credential-shaped text (an AWS key in a summary, a password= in a result) is masked in the journaled record, as
    // on screen; evidence files — the whole record a bounded one was cut from included — keep what the check wrote.
    // Masked after the bounding, so a big record is scanned at its journaled size
    if (item.maskCredentials !== false) data = maskCredentialsIn(data);
    await record({ type: 'item.result', data });
    return data.verdict;
  };

  /** What a mutating check stopped part-way means for the environment, and what it was doing. */
  const halfChanged = (item: Item, how: string): string =>
    `${item.id} changes the environment and ${how} part-way: the environment may be half-changed. It was running: ` +
    `${specsOf(item).map(([n, s]) => (n ? `${n}: ` : '') + d.describe(s)).join('; ')}. Check the environment before re-running it or going on.`;

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

  /** The attempts of an item (1 + retries; a new one only after fail/error/timeout), each journaled. */
  return async (job: Job): Promise<void> => {
    const item = job.item;
    const first = (session.store.store.getState().items[item.id]?.attempt ?? 0) + 1;
    const last = first + Math.max(0, item.retries ?? 0);
    for (let attempt = first; attempt <= last; attempt++) {
      if (job.cancelled) {
        await d.cancelledSkip(job);
        return;
      }
      const v = await runAttempt(job, attempt);
      if (v === 'cancelled') return; // journaled by runAttempt, with the attempt's partial evidence
      if (v === 'pass' || v === 'inconclusive') return;
    }
  };
}
