/**
 * The runner: runs checklist items against the environment and records what happened.
 *
 * For each item asked for (in checklist order):
 *   1. wait for its dependencies that run in the same call; a dependency that is not pass/waived → `item.skip`
 *      blocked (never run);
 *   2. take a concurrency slot (default 4);
 *   3. per attempt (1 + retries; a new attempt only after fail/error/timeout): journal `item.start`, run the check
 *      (or each named check of `checks:` in order, one evidence file each), evaluate `expect` (or the kind's
 *      defaultExpect) with JSONata, journal `item.result`.
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
 * Deliverables (checkDeliverables): each deliverable with a `check` runs through the same runCheck as an item's
 * check (kind registry, variables, redaction, evidence file with its sha256, timeout), one after another, journaled as
 * `deliverable.start` / `deliverable.result` (`deliverable.skip` when cancelled). Their evidence lives in
 * evidence/_deliverable-<index>/ (item ids cannot start with "_"). They never change GO / NO-GO.
 *
 * Output: every byte goes to the evidence file (secrets masked in-stream); lines (sanitized, redacted) go to the
 * store through OutputFeed (output-feed.ts): at most every FLUSH_MS, a bounded window per item (the rest are
 * counted as `dropped`), so a check printing hundreds of MB costs bounded memory.
 */
import path from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { allItems, type CheckSpec, type Checklist, type Item } from '../checklist/model.js';
import { resolveCheckParams } from '../checklist/params.js';
import { interpolate } from '../checklist/interpolate.js';
import { describeMeasured, evaluateExpect } from '../checklist/expect.js';
import { getKind } from '../checks/index.js';
import { CheckError, type CheckContext, type CheckKind, type CheckOutput, type KubeTarget } from '../checks/contract.js';
import type { DeliverableResultData, EngineEvent, EvidenceRef, ItemResultData, JournalEvent } from './events.js';
import type { Runner, RunnerOptions } from './runner-api.js';
import type { CheckVerdict, Status } from './status.js';
import { createRedactor, type Redactor } from './redact.js';
import { createEvidenceWriter, type EvidenceWriter } from './evidence.js';
import { OutputFeed } from './output-feed.js';
import { prewarmSpawn } from './process.js';
import { prerequisiteProblem } from './session-state.js';

export const DEFAULT_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_CONCURRENCY = 4;
/** how long after an abort the runner waits for a kind to return before it records the outcome anyway */
const ABANDON_EXTRA_MS = 2000;

class RunAbort {
  constructor(
    readonly why: 'timeout' | 'cancel' | 'evidence',
    readonly detail: string,
  ) {}
}

interface CheckRun {
  verdict: CheckVerdict | 'cancelled';
  summary: string;
  measured?: string;
  threshold?: string;
  offending?: Record<string, unknown>[];
  result?: Record<string, unknown>;
  error?: { message: string; hint?: string };
  expect?: string;
  durationMs: number;
  evidence: EvidenceRef[];
}

/**
 * What a check runs for: an item, or a deliverable. `id` keys the live output (an item id, or `deliverables[<n>]`);
 * `evidenceKey` names the evidence directory (an item id, or `_deliverable-<n>`: item ids cannot start with "_", so
 * the two never collide).
 */
interface CheckTarget {
  id: string;
  title: string;
  evidenceKey: string;
}

const itemTarget = (item: Item): CheckTarget => ({ id: item.id, title: item.title, evidenceKey: item.id });

type Deliverable = Checklist['deliverables'][number];

const deliverableTarget = (index: number, d: Deliverable): CheckTarget => ({
  id: `deliverables[${index}]`,
  title: d.description ?? d.path,
  evidenceKey: `_deliverable-${index}`,
});

/** The deliverable checks of one checkDeliverables() call. */
interface DeliverableRun {
  cancelled?: string;
  controller?: AbortController;
  /** output key of the deliverable being checked */
  running?: string;
  done: Promise<void>;
}

interface Entry {
  item: Item;
  state: 'queued' | 'running' | 'done';
  cancelled?: string;
  controller?: AbortController;
}

type Semaphore = { acquire(): Promise<void>; release(): void };

function semaphore(n: number): Semaphore {
  let free = Math.max(1, n);
  const waiting: (() => void)[] = [];
  return {
    acquire: () =>
      new Promise<void>((resolve) => {
        if (free > 0) {
          free--;
          resolve();
        } else waiting.push(resolve);
      }),
    release: () => {
      const next = waiting.shift();
      if (next) next();
      else free++;
    },
  };
}

function errMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

function isTimeoutError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: string }).name === 'TimeoutError';
}

function formatMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)}s`;
  return `${+(ms / 60_000).toFixed(1)}m`;
}

/** how many checks of the checklist (items and deliverables) have a kind that starts processes */
function processChecks(checklist: Checklist): number {
  const specs: (CheckSpec | undefined)[] = checklist.deliverables.map((d) => d.check);
  for (const item of allItems(checklist)) specs.push(item.check, ...Object.values(item.checks ?? {}));
  return specs.filter((c) => c !== undefined && getKind(c.kind)?.startsProcesses === true).length;
}

function isManual(item: Item): boolean {
  if (item.checks && Object.keys(item.checks).length) return false;
  return !item.check || item.check.kind === 'manual';
}

/** FIFO pairs kept ready for checks' processes at most (a pair holds four descriptors) */
const SPARE_PIPES_MAX = 4;

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
  const entries = new Map<string, Entry>();
  const kubeCache = new Map<string, Promise<KubeTarget>>();
  // the first checks that start processes should not wait for execa to load or for their pipes to be made
  const processes = processChecks(checklist);
  if (processes) prewarmSpawn(Math.min(processes, o.concurrency ?? DEFAULT_CONCURRENCY, SPARE_PIPES_MAX));
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

  /** Run one check of an item or a deliverable (one evidence file). */
  const runCheck = async (
    item: CheckTarget,
    spec: CheckSpec,
    attempt: number,
    name: string | undefined,
    controller: AbortController,
    timeoutMs: number,
  ): Promise<CheckRun> => {
    const signal = controller.signal;
    const t0 = performance.now();
    const took = () => Math.round(performance.now() - t0);
    const expect = spec.expect;
    const fail = (message: string, hint?: string): CheckRun => ({
      verdict: 'error',
      summary: redactor.redact(message),
      error: { message: redactor.redact(message), hint },
      expect,
      durationMs: took(),
      evidence: [],
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const kind: CheckKind<any> | undefined = getKind(spec.kind);
    if (!kind) return fail(`unknown check kind "${spec.kind}"`, 'run `readiness-tui kinds` for the list');
    if (kind.planned) return fail(`check kind "${spec.kind}" is not implemented in this version`);
    let params: Record<string, unknown>;
    try {
      params = resolveCheckParams(spec, vars);
    } catch (err) {
      return fail(errMessage(err), err instanceof CheckError ? err.hint : undefined);
    }

    let evFile: string;
    let evidence: EvidenceWriter;
    try {
      evFile = session.evidencePath(item.evidenceKey, attempt, name);
      evidence = createEvidenceWriter(evFile, redactor, { batched: true });
    } catch (err) {
      return fail(`the evidence file could not be created: ${errMessage(err)}`, 'check free space and permissions of the state directory');
    }
    // no evidence, no verdict: stop the check when its output can no longer be kept
    evidence.onFail = (err) => controller.abort(new RunAbort('evidence', errMessage(err)));
    const attachments: EvidenceRef[] = [];
    const ctx: CheckContext = {
      signal,
      emit(line, stream = 'info') {
        const safe = redactor.redact(String(line));
        evidence.write(safe + '\n', stream);
        for (const l of safe.split('\n')) feed.line(item.id, stream, l);
      },
      write(chunk, stream) {
        const out = evidence.write(chunk, stream);
        if (out.length) feed.bytes(item.id, stream, out);
      },
      stdoutSink: () => evidence.directStdout(),
      async attach(attName, content) {
        const base = path.basename(evFile).replace(/\.log$/, '');
        const safeName = attName.replace(/[^\w.-]+/g, '_');
        const file = path.join(path.dirname(evFile), `${base}-${safeName}`);
        const text = typeof content === 'string' ? content : content.toString('utf8');
        const bytes = Buffer.from(Buffer.isBuffer(content) && !redactor.active ? content : redactor.redact(text));
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, bytes, { mode: 0o600 });
        const rel = path.relative(session.dir, file);
        attachments.push({ path: rel, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length });
        return rel;
      },
      vars,
      redact: (t) => redactor.redact(t),
      kube: kube(spec),
      cwd,
      env,
      timeoutMs,
      killGraceMs,
      item: { id: item.id, title: item.title },
    };

    let out: CheckOutput | undefined;
    let thrown: unknown;
    let abandonTimer: NodeJS.Timeout | undefined;
    try {
      const running = Promise.resolve().then(() => kind.run(params, ctx));
      const abandon = new Promise<never>((_, reject) => {
        const arm = () => {
          abandonTimer = setTimeout(() => reject(signal.reason), killGraceMs + ABANDON_EXTRA_MS);
        };
        if (signal.aborted) arm();
        else signal.addEventListener('abort', arm, { once: true });
      });
      running.catch(() => undefined);
      out = await Promise.race([running, abandon]);
    } catch (err) {
      thrown = err;
    } finally {
      if (abandonTimer) clearTimeout(abandonTimer);
      for (const s of ['stdout', 'stderr'] as const) feed.bytes(item.id, s, evidence.endStream(s));
      feed.flush(item.id, true);
    }
    const summaryEv = await evidence.finish();
    const evidenceRefs: EvidenceRef[] = [
      { path: path.relative(session.dir, summaryEv.file), sha256: summaryEv.sha256, bytes: summaryEv.bytes },
      ...attachments,
    ];
    const durationMs = took();
    const base = { expect, durationMs, evidence: evidenceRefs };

    if (evidence.failed) {
      const message = `the evidence file could not be written (${errMessage(evidence.failed)}); the check was stopped`;
      return { ...base, verdict: 'error', summary: message, error: { message, hint: 'free disk space in the state directory and run the item again' } };
    }
    if (signal.aborted) {
      const why = signal.reason instanceof RunAbort ? signal.reason : new RunAbort('timeout', '');
      if (why.why === 'cancel') return { ...base, verdict: 'cancelled', summary: why.detail };
      return {
        ...base,
        verdict: 'timeout',
        summary: `timed out after ${formatMs(timeoutMs)}`,
        error: { message: `timed out after ${formatMs(timeoutMs)}`, hint: 'raise `timeout:` on the item if the check needs longer' },
      };
    }
    if (thrown !== undefined) {
      if (isTimeoutError(thrown)) {
        return { ...base, verdict: 'timeout', summary: 'timed out (the check\'s own time limit)', error: { message: redactor.redact(errMessage(thrown)) } };
      }
      const message = redactor.redact(errMessage(thrown));
      const hint = thrown instanceof CheckError && thrown.hint ? redactor.redact(thrown.hint) : undefined;
      return { ...base, verdict: 'error', summary: message, error: { message, hint } };
    }
    const o2 = out!;
    const result = redactor.redactValue(o2.result ?? {});
    const common = {
      ...base,
      summary: redactor.redact(o2.summary ?? ''),
      measured: o2.measured !== undefined ? redactor.redact(o2.measured) : undefined,
      threshold: o2.threshold !== undefined ? redactor.redact(o2.threshold) : undefined,
      offending: o2.offending ? redactor.redactValue(o2.offending) : undefined,
      result,
    };
    if (o2.verdict === 'inconclusive') return { ...common, verdict: 'inconclusive' };
    let expr = spec.expect ?? kind.defaultExpect;
    try {
      expr = interpolate(expr, vars);
    } catch (err) {
      return { ...common, verdict: 'error', error: { message: redactor.redact(errMessage(err)), hint: 'provide the variable the expectation uses' } };
    }
    const ev = await evaluateExpect(expr, o2.result ?? {}, { vars });
    if (ev.error) {
      const message = `the expectation \`${expr}\` could not be evaluated: ${redactor.redact(ev.error)}`;
      return { ...common, expect: expr, verdict: 'error', error: { message, hint: 'fix `expect` in the checklist; `readiness-tui kinds ' + spec.kind + '` shows the result fields' } };
    }
    // a kind's measured/threshold describe its defaultExpect: the checklist's own expression is described by itself
    // and by the values it read; offending entries are what made a check fail, so a pass lists none
    const own = spec.expect !== undefined && spec.expect !== kind.defaultExpect;
    const judged = own ? { measured: redactor.redact(describeMeasured(expr, o2.result ?? {})), threshold: redactor.redact(expr) } : {};
    return { ...common, ...judged, ...(ev.ok ? { offending: undefined } : {}), expect: expr, verdict: ev.ok ? 'pass' : 'fail' };
  };

  /** One attempt of an item: item.start … item.result (or 'cancelled'). */
  const runAttempt = async (entry: Entry, attempt: number): Promise<CheckVerdict | 'cancelled'> => {
    const item = entry.item;
    const specs = specsOf(item);
    const controller = new AbortController();
    entry.controller = controller;
    if (entry.cancelled) controller.abort(new RunAbort('cancel', entry.cancelled));
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
        if (r.verdict === 'cancelled') return await recordCancel(entry, attempt, r.evidence, t0, r.summary);
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
            return await recordCancel(entry, attempt, [...Object.values(runs).flatMap((x) => x.evidence), ...r.evidence], t0, r.summary);
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
      entry.controller = undefined;
    }
    if (data.verdict === 'timeout' && isMutating(item)) data.halfChanged = halfChanged(item, 'timed out');
    data = redactor.redactValue(data);
    await record({ type: 'item.result', data });
    return data.verdict;
  };

  /** What a mutating check stopped part-way means for the environment, and what it was doing. */
  const halfChanged = (item: Item, how: string): string =>
    `${item.id} changes the environment and ${how} part-way: the environment may be half-changed. It was running: ` +
    `${specsOf(item).map(([n, s]) => (n ? `${n}: ` : '') + describeSpec(s)).join('; ')}. Check the environment before re-running it or going on.`;

  /** The attempt was stopped while it ran: journal it as cancelled, with what happened and its partial evidence. */
  const recordCancel = async (entry: Entry, attempt: number, evidence: EvidenceRef[], t0: number, detail: string): Promise<'cancelled'> => {
    const item = entry.item;
    const reason = entry.cancelled ?? detail ?? 'cancelled';
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

  /** One deliverable: deliverable.start … deliverable.result (deliverable.skip when cancelled). */
  const checkDeliverable = async (index: number, d: Deliverable, run: DeliverableRun): Promise<void> => {
    const target = deliverableTarget(index, d);
    const spec = d.check!;
    const skip = () => record({ type: 'deliverable.skip', data: { index, path: d.path, reason: run.cancelled ?? 'cancelled' } });
    if (run.cancelled) return skip();
    const attempt = (session.store.store.getState().deliverables[index]?.attempt ?? 0) + 1;
    const controller = new AbortController();
    run.controller = controller;
    run.running = target.id;
    const timeoutMs = o.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timer = setTimeout(() => controller.abort(new RunAbort('timeout', `timed out after ${formatMs(timeoutMs)}`)), timeoutMs);
    let r: CheckRun;
    try {
      await record({ type: 'deliverable.start', data: { index, path: d.path, attempt, describe: describeSpec(spec) } });
      if (run.cancelled) controller.abort(new RunAbort('cancel', run.cancelled));
      r = await runCheck(target, spec, attempt, undefined, controller, timeoutMs);
    } finally {
      clearTimeout(timer);
      feed.flush(target.id, true);
      run.controller = undefined;
      run.running = undefined;
    }
    if (r.verdict === 'cancelled') return skip();
    const data: DeliverableResultData = redactor.redactValue({
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
    await record({ type: 'deliverable.result', data });
  };

  let deliverableRun: DeliverableRun | undefined;

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

  const cancelledSkip = (entry: Entry) =>
    record({ type: 'item.skip', data: { item: entry.item.id, status: 'skipped', reason: entry.cancelled ?? 'cancelled' } });

  const runItem = async (entry: Entry): Promise<void> => {
    const item = entry.item;
    const first = (session.store.store.getState().items[item.id]?.attempt ?? 0) + 1;
    const last = first + Math.max(0, item.retries ?? 0);
    for (let attempt = first; attempt <= last; attempt++) {
      if (entry.cancelled) {
        await cancelledSkip(entry);
        return;
      }
      const v = await runAttempt(entry, attempt);
      if (v === 'cancelled') return; // journaled by runAttempt, with the attempt's partial evidence
      if (v === 'pass' || v === 'inconclusive') return;
    }
  };

  const api: Runner = {
    async run(itemIds) {
      const wanted = new Set(itemIds);
      const order = allItems(checklist)
        .map((i) => i.id)
        .filter((id) => wanted.has(id));
      for (const id of itemIds) if (!items.has(id)) throw new Error(`unknown item id "${id}"`);
      const sem = semaphore(o.concurrency ?? DEFAULT_CONCURRENCY);
      const finished = new Map<string, { promise: Promise<void>; resolve: () => void }>();
      for (const id of order) {
        let resolve!: () => void;
        const promise = new Promise<void>((r) => (resolve = r));
        finished.set(id, { promise, resolve });
        entries.set(id, { item: items.get(id)!, state: 'queued' });
      }
      const task = async (id: string): Promise<void> => {
        const entry = entries.get(id)!;
        const item = entry.item;
        try {
          if (isManual(item)) return;
          const deps = item.dependsOn.filter((d) => finished.has(d) && d !== id);
          await Promise.all(deps.map((d) => finished.get(d)!.promise));
          if (entry.cancelled) {
            await cancelledSkip(entry);
            return;
          }
          const blockedBy = prerequisiteProblem(item, statusOf);
          if (blockedBy) {
            await record({ type: 'item.skip', data: { item: id, status: 'blocked', reason: blockedBy } });
            return;
          }
          await sem.acquire();
          try {
            if (entry.cancelled) {
              await cancelledSkip(entry);
              return;
            }
            entry.state = 'running';
            await runItem(entry);
          } finally {
            sem.release();
          }
        } finally {
          entry.state = 'done';
          finished.get(id)!.resolve();
        }
      };
      const results = await Promise.allSettled(order.map(task));
      feed.flush();
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
    checkDeliverables() {
      if (deliverableRun) return deliverableRun.done;
      const run = { done: Promise.resolve() } as DeliverableRun;
      deliverableRun = run;
      run.done = (async () => {
        try {
          // one after another: deliverable checks are usually `file` checks that take milliseconds
          for (const [index, d] of checklist.deliverables.entries()) if (d.check) await checkDeliverable(index, d, run);
        } finally {
          feed.flush();
          deliverableRun = undefined;
        }
      })();
      return run.done;
    },
    cancel(itemId, reason) {
      const who = reason ?? `cancelled by ${session.operator}`;
      if (!itemId && deliverableRun && !deliverableRun.cancelled) {
        deliverableRun.cancelled = who;
        deliverableRun.controller?.abort(new RunAbort('cancel', who));
      }
      for (const [id, e] of entries) {
        if (itemId && id !== itemId) continue;
        if (e.state === 'done' || e.cancelled) continue;
        e.cancelled = who;
        e.controller?.abort(new RunAbort('cancel', who));
      }
    },
    running() {
      const ids = [...entries.values()].filter((e) => e.state === 'running').map((e) => e.item.id);
      return deliverableRun?.running ? [...ids, deliverableRun.running] : ids;
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
  return api;
}
