/**
 * One run of one check, of an item or a deliverable: the kind's run() with its CheckContext, the evidence file it
 * writes (secrets masked, bounded by the output limit and the free-space reserve, sha256 on the way), the live output,
 * the abort on timeout or cancel, and the verdict from `expect` (or the kind's defaultExpect) — a CheckRun. The
 * scheduler (scheduler.ts) decides when an item runs; item-attempts.ts and deliverables.ts record what its checks gave.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CheckSpec } from '../checklist/model.js';
import { describeMeasured, evaluateExpect } from '../checklist/expect.js';
import { interpolate } from '../checklist/interpolate.js';
import { resolveCheckParams } from '../checks/params.js';
import { getKind } from '../checks/index.js';
import { CheckError, type CheckContext, type CheckKind, type CheckOutput, type KubeTarget } from '../checks/contract.js';
import { belowReserve, createEvidenceWriter, EvidenceStop, type EvidenceWriter } from './evidence.js';
import type { EvidenceRef } from './events.js';
import type { OutputFeed } from './output-feed.js';
import type { Redactor } from './redact.js';
import type { Session } from './session-api.js';
import { mkdirShared, sharePath } from './shared-files.js';
import type { CheckVerdict } from './status.js';

/** a check's output kept at most, when neither the item nor the run sets it */
export const DEFAULT_OUTPUT_LIMIT_BYTES = 2 ** 30;
/** free space left on the state directory's filesystem below which checks stop (and do not start) */
export const DEFAULT_FREE_SPACE_RESERVE_BYTES = 256 * 2 ** 20;
/** how long after an abort the runner waits for a kind to return before it records the outcome anyway */
const ABANDON_EXTRA_MS = 2000;

/** why a check's controller aborted */
export class RunAbort {
  constructor(
    readonly why: 'timeout' | 'cancel' | 'evidence',
    readonly detail: string,
  ) {}
}

/** what one run of one check gave */
export interface CheckRun {
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
export interface CheckTarget {
  id: string;
  title: string;
  evidenceKey: string;
  /** the item's own output limit (`outputLimit:`) */
  outputLimitBytes?: number;
}

/** what a check run needs from its runner */
export interface CheckRunEnv {
  session: Session;
  redactor: Redactor;
  /** resolved variables, secret ones included */
  vars: Record<string, string>;
  env: NodeJS.ProcessEnv;
  /** the checklist's directory */
  cwd: string;
  killGraceMs: number;
  feed: OutputFeed;
  /** the kube target of a check (its `context:`, else the run's) */
  kube(spec: CheckSpec): (override?: string) => Promise<KubeTarget>;
  /** the run's output limit when the item sets none (default DEFAULT_OUTPUT_LIMIT_BYTES) */
  outputLimitBytes?: number;
  freeSpaceReserveBytes?: number;
}

export function errMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

export function isTimeoutError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: string }).name === 'TimeoutError';
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)}s`;
  return `${+(ms / 60_000).toFixed(1)}m`;
}

/** Run one check of an item or a deliverable (one evidence file). */
export async function runOneCheck(
  e: CheckRunEnv,
  item: CheckTarget,
  spec: CheckSpec,
  attempt: number,
  name: string | undefined,
  controller: AbortController,
  timeoutMs: number,
): Promise<CheckRun> {
  const { session, redactor, vars, env, cwd, killGraceMs, feed, kube } = e;
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

  const reserveBytes = e.freeSpaceReserveBytes ?? DEFAULT_FREE_SPACE_RESERVE_BYTES;
  const limitBytes = item.outputLimitBytes ?? e.outputLimitBytes ?? DEFAULT_OUTPUT_LIMIT_BYTES;
  const low = belowReserve(session.dir, reserveBytes);
  if (low) return fail(`not started: ${low}`, 'free disk space in the state directory and run the item again');
  let evFile: string;
  let evidence: EvidenceWriter;
  try {
    evFile = session.evidencePath(item.evidenceKey, attempt, name);
    evidence = createEvidenceWriter(evFile, redactor, { batched: true, limitBytes, reserveBytes });
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
    async attach(attName, content) {
      const base = path.basename(evFile).replace(/\.log$/, '');
      const safeName = attName.replace(/[^\w.-]+/g, '_');
      const file = path.join(path.dirname(evFile), `${base}-${safeName}`);
      const text = typeof content === 'string' ? content : content.toString('utf8');
      const bytes = Buffer.from(Buffer.isBuffer(content) && !redactor.active ? content : redactor.redact(text));
      mkdirShared(path.dirname(file));
      await writeFile(file, bytes);
      sharePath(file, 'file');
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

  return judge(e, spec, kind, base, signal, timeoutMs, evidence, thrown, out);
}

/** the CheckRun of a check that ran: stopped evidence, an abort, an exception, or the verdict of its expectation */
async function judge(
  e: CheckRunEnv,
  spec: CheckSpec,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  kind: CheckKind<any>,
  base: Pick<CheckRun, 'expect' | 'durationMs' | 'evidence'>,
  signal: AbortSignal,
  timeoutMs: number,
  evidence: EvidenceWriter,
  thrown: unknown,
  out: CheckOutput | undefined,
): Promise<CheckRun> {
  const { redactor, vars } = e;
  if (evidence.failed instanceof EvidenceStop) {
    const limit = evidence.failed.reason === 'limit';
    const message = `${evidence.failed.message}; the check was stopped (the evidence keeps ${limit ? 'its first bytes up to the limit' : 'what was written until then'})`;
    const hint = limit ? 'raise `outputLimit:` on the item (or --output-limit) if the check needs more' : 'free disk space in the state directory and run the item again';
    return { ...base, verdict: 'error', summary: message, error: { message, hint } };
  }
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
}
