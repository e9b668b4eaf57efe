/**
 * `readiness-tui run FILE --ci`: run every automated item headless, one plain line per event (NDJSON with --json),
 * record the decision, write the report bundle, exit 0 GO / 1 NO-GO / 3 INCOMPLETE / 2 usage or config error.
 *
 * - A resumed session (same checklist, unfinished, same state dir) keeps items that already passed; failed,
 *   errored, timed-out, blocked, skipped and never-run items run again. `--only` runs exactly the items named.
 * - After the items, every deliverable with a `check` is checked (not with `--only`); deliverables are shown and
 *   reported but never change the decision or the exit code. One without a check is listed as "not checked".
 * - GO and NO-GO close the session; INCOMPLETE keeps it open so sign-offs and waivers can still be added
 *   (`readiness-tui signoff …`), after which `run` again (or `report`) decides.
 * - SIGINT / SIGTERM / SIGHUP: running checks are cancelled (their process groups killed), the cancellation is
 *   journaled, and the process exits 130 / 143 / 129. A second signal exits at once (every journal line already
 *   written is fsynced).
 * - Each check's process group is recorded in the session while it may run (engine/group-ledger.ts); at start,
 *   groups left running by a runner that died (SIGKILL, power loss) are reported, journaled as a note and terminated.
 * - If the report cannot be written, the decision is still printed and the exit code is still the decision's.
 *
 * Over 400 lines: runCommand is the one sequence of a headless run (open the session, run, decide, write the bundle,
 * the exit code); its option parsers and the steps only it takes (loading, the first lines, the item selection,
 * the signal handlers, reaping orphaned process groups, the re-verify selection, the deliverables, the bundle, the
 * sandbox approval) are named functions beside it, so the command reads top to bottom in one file.
 */
import path from 'node:path';
import { loadChecklist } from '../checklist/load.js';
import { KINDS } from '../checks/index.js';
import { ChecklistError, formatProblem } from '../checklist/errors.js';
import { resolveVars } from '../checklist/vars.js';
import { allItems, type Checklist } from '../checklist/model.js';
import { openSession } from '../engine/session.js';
import { settleDecision } from '../engine/decide.js';
import { varChangeLine } from '../engine/run-vars.js';
import type { Session } from '../engine/session-api.js';
import { isAutomated as isItemAutomated } from '../checklist/model.js';
import { parseSize, SIZE_HINT } from '../checklist/size.js';
import { createRunner } from '../engine/runner.js';
import { createPlainReporter, type PlainReporter } from '../engine/plain-reporter.js';
import { killAllGroups } from '../process/spawn.js';
import { describeOrphan, findOrphanGroups, recordGroupsIn } from '../engine/group-ledger.js';
import { createRedactor } from '../engine/redact.js';
import { teamFileIn } from '../engine/decide.js';
import { recordSignedAct } from '../engine/signed-act.js';
import type { DecisionData, KubeTargetInfo } from '../engine/events.js';
import type { Decision } from '../engine/status.js';
import { EXIT, UsageError } from './exit.js';
import { identify } from './session-target.js';
import { refuseRehearsalMix } from '../engine/session.js';
import type { SessionCliOptions } from '../engine/session-options.js';
export type { SessionCliOptions };
import { DURATION_HINT, formatDuration, parseDuration } from '../checklist/duration.js';
import { freshness, reverifyPlan } from '../engine/freshness.js';

export interface RunOptions extends SessionCliOptions {
  json?: boolean;
  ci?: boolean;
  /** re-run exactly the automated items whose evidence is stale (or will be within `within`), nothing else */
  reverify?: boolean;
  /** with reverify: minutes (or a duration such as 30m) ahead of now */
  within?: string;
  /** with reverify: also re-run stale mutating items (headless runs never confirm on their own) */
  reverifyMutating?: boolean;
  /** tests: where the lines go (default process.stdout) and the environment */
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  stderr?: NodeJS.WritableStream;
  env?: NodeJS.ProcessEnv;
  /** tests: don't install SIGINT/SIGTERM handlers */
  noSignalHandlers?: boolean;
  /**
   * demo --ci only: after the checks, approve every item still waiting for a sign-off in the name of this
   * principal, signed with the sandbox's own key, with a comment saying it was the sandbox and not a human. Never
   * offered on the command line.
   */
  sandboxApprover?: { principal: string; signKey: string };
}

const DECISION_EXIT: Record<Decision, number> = { GO: EXIT.GO, 'NO-GO': EXIT.NO_GO, INCOMPLETE: EXIT.INCOMPLETE };

function isAutomated(c: Checklist, id: string): boolean {
  const it = allItems(c).find((i) => i.id === id);
  return it ? isItemAutomated(it) : false;
}

function parseConcurrency(v: string | number | undefined): number {
  if (v === undefined) return 4;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(`--concurrency must be a whole number from 1 to 64, got "${v}"`);
  return n;
}

/** --output-limit, in bytes (default: the runner's, 1 GiB) */
export function parseOutputLimit(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = parseSize(v);
  if (n === undefined) throw new UsageError(`--output-limit must be ${SIZE_HINT}, got "${v}"`);
  return n;
}

function parseOnly(c: Checklist, only: string | undefined): string[] | undefined {
  if (only === undefined) return undefined;
  const ids = only
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!ids.length) throw new UsageError('--only needs at least one item id, e.g. --only 1.1,2.3');
  const valid = allItems(c).map((i) => i.id);
  const unknown = ids.filter((id) => !valid.includes(id));
  if (unknown.length) {
    throw new UsageError(
      `--only: no item ${unknown.map((u) => `"${u}"`).join(', ')} in ${c.name}. Valid ids: ${valid.join(', ')}`,
    );
  }
  return ids;
}

/** `--within 30` (minutes) or `--within 1h30m`. */
function parseWithin(v: string | undefined, reverify: boolean | undefined): number {
  if (v === undefined) return 0;
  if (!reverify) throw new UsageError('--within goes with --reverify: re-verify what is stale or will be within that time');
  const s = v.trim();
  const ms = /^\d+(\.\d+)?$/.test(s) ? Number(s) * 60_000 : parseDuration(s);
  if (ms === undefined || !Number.isFinite(ms)) throw new UsageError(`--within must be minutes (e.g. 30) or ${DURATION_HINT}, got "${v}"`);
  return ms;
}

async function kubeInfo(c: Checklist, context: string | undefined): Promise<KubeTargetInfo | undefined> {
  const usesKube = allItems(c).some((i) =>
    [i.check, ...Object.values(i.checks ?? {})].some((s) => s?.kind.startsWith('kubernetes')),
  );
  if (!usesKube) return undefined;
  try {
    const m = await import('../checks/support/kube.js');
    return await m.kubeTargetInfo({ context });
  } catch {
    return undefined; // each kubernetes check reports its own error
  }
}

export async function runCommand(file: string, opts: RunOptions = {}): Promise<number> {
  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  const env = opts.env ?? process.env;

  const checklist = await loadOrSay(file, stderr);
  if (!checklist) return EXIT.USAGE;
  const vars = resolveVars(checklist, { set: opts.set ?? [], varsFile: opts.vars, env });
  const only = parseOnly(checklist, opts.only);
  if (opts.reverify && only) throw new UsageError('--reverify re-runs exactly the stale items: it does not take --only');
  if (opts.reverifyMutating && !opts.reverify) throw new UsageError('--reverify-mutating goes with --reverify');
  const withinMs = parseWithin(opts.within, opts.reverify);
  const concurrency = parseConcurrency(opts.concurrency);
  const outputLimitBytes = parseOutputLimit(opts.outputLimit);
  const kubeContext = opts.kubeContext ?? opts.context;
  const allowedSigners = teamFileIn(opts.stateDir ?? '.readiness', opts.allowedSigners, { checklist, file: checklist.source.path });
  // who drives, bound to a key: every run this process starts names the key (item.start), four-eyes compares it
  const who = await identify({ as: opts.as, signKey: opts.signKey, allowedSigners, env, driver: true });
  const operator = who.principal;
  // a closed pipe (`run … | head`) must not crash the run: the journal is the record, keep running the checks
  const onOutError = () => undefined;
  stdout.on?.('error', onOutError);
  // after a hang-up the terminal is gone: writing the cancellation to it must not end the run before it is journaled
  stderr.on?.('error', onOutError);
  const reporter: PlainReporter = createPlainReporter({ out: stdout, json: opts.json, env });

  const session: Session = await openSession({
    checklist,
    stateDir: opts.stateDir ?? '.readiness',
    fresh: opts.new,
    mode: 'ci',
    vars: vars.values,
    secretVars: vars.secret,
    kube: await kubeInfo(checklist, kubeContext),
    operator,
    operatorKey: who.keyFingerprint,
    owner: true,
    takeOver: opts.takeOver,
    sandbox: opts.sandbox,
    standIns: opts.standIns,
    rehearsal: opts.rehearsal,
  });
  await refuseRehearsalMix(session, opts.rehearsal);

  let interrupted: Interrupted | undefined;
  const handlers: [NodeJS.Signals, () => void][] = [];
  let stopRecording = () => undefined as void;
  try {
    announceRun(reporter, session, operator, vars.missing);
    // a resumed run with other variables runs other commands: said (stderr) and journaled on session.resume
    if (session.varChanges?.length) stderr.write(`${varChangeLine(session.varChanges)}\n`);

    await reapOrphanGroups(opts.stateDir ?? '.readiness', session, reporter, operator);
    stopRecording = recordGroupsIn(session.dir, createRedactor(vars.secret.filter((n) => vars.values[n]).map((n) => ({ name: n, value: vars.values[n]! }))).redact);

    const [ids, later] = selectItems(session, only, opts, withinMs, reporter);

    const runner = createRunner({
      session,
      concurrency,
      outputLimitBytes,
      kubeContext,
      env,
      vars: vars.values,
      secretVars: vars.secret,
      onEvent: (e) => reporter.onEvent(e),
    });

    if (!opts.noSignalHandlers) {
      handlers.push(
        ...cancelOnSignals(runner, session, operator, stderr, {
          get: () => interrupted,
          set: (sig) => (interrupted = sig),
        }),
      );
    }

    await runner.run(ids);
    // a re-verify: the mutating items after the others, and only when --reverify-mutating confirmed them
    if (later.length && !interrupted) await runner.run(later);
    // the deliverables after the items (not with --only or --reverify, which run exactly the items named); never the decision
    if (!only && !opts.reverify && !interrupted) await checkDeliverables(runner, session, reporter);

    if (interrupted) {
      await session.record({
        type: 'note',
        data: { text: `run --ci interrupted by ${interrupted}: running checks were cancelled`, by: operator },
      });
      reporter.message(`interrupted by ${interrupted}; the session stays open: ${session.dir}`, { session: session.dir });
      return SIGNAL_EXIT[interrupted];
    }

    if (opts.sandboxApprover) await approveInSandbox(session, opts.sandboxApprover, reporter);

    // decide at this instant (evidence may have gone stale since the last result), by the rules of `g` and `decide`
    session.store.tick();
    const after = session.store.store.getState();
    const stale = after.deciding.filter((d) => d.stale).map((d) => d.item);
    if (stale.length) {
      reporter.message(
        `no GO on stale evidence: ${stale.join(', ')} passed longer ago than their maxAge — re-verify: readiness-tui run ${file} --reverify`,
        { level: 'warn', stale },
      );
    }
    const settled = await settleDecision(session, { sign: { sign: true, signKey: opts.signKey, allowedSigners, env } });
    const { decision, final } = settled;
    if (settled.record) reporter.onEvent({ type: 'decision', ts: settled.record.ts, actor: settled.record.actor, data: settled.record.data as DecisionData });
    if (settled.already) {
      reporter.message(
        `the final decision ${settled.already.decision} is already recorded (journal #${settled.already.seq}) and nothing changed since: not recorded again`,
        { already: settled.already },
      );
    }
    if (settled.withheld) {
      reporter.message(`no final GO: required sign-off${settled.withheld.length > 1 ? 's' : ''} missing on ${settled.withheld.join(', ')}`, {
        level: 'warn',
        missing: settled.withheld,
      });
    }

    const secrets = vars.secret.filter((n) => vars.values[n]).map((n) => ({ name: n, value: vars.values[n]! }));
    const reportLine = await writeBundle(session, opts, { final, env, operator, secrets, reporter, stderr });

    if (final) {
      if (!session.store.store.getState().closed) await recordEcho(session, reporter, { type: 'session.close', data: { decision } });
    } else reporter.message(`session stays open for sign-offs: readiness-tui signoff ITEM --session ${session.dir} …`);
    reporter.message(`session: ${session.dir}`, { session: session.dir });
    reporter.message(...reportLine);
    // the last line says the decision and why (exit 1 NO-GO: measured to fail or rejected; 3 INCOMPLETE: could not run, open)
    reporter.message(settled.line, { decision, deciding: after.deciding, ...(settled.withheld ? { missing: settled.withheld } : {}) });
    return DECISION_EXIT[decision];
  } finally {
    for (const [sig, h] of handlers) process.removeListener(sig, h);
    stopRecording();
    await session.close();
  }
}

/** 128 + the signal's number, as a shell reports a process ended by it */
const SIGNAL_EXIT = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;

/** The checklist, or its problems written to stderr (file:line:col each) and undefined: nothing is run. */
async function loadOrSay(file: string, stderr: NodeJS.WritableStream): Promise<Checklist | undefined> {
  try {
    return await loadChecklist(path.resolve(file), KINDS);
  } catch (err) {
    if (err instanceof ChecklistError) {
      for (const p of err.problems) stderr.write(formatProblem(p) + '\n');
      const n = err.problems.filter((p) => p.severity === 'error').length;
      stderr.write(`${file}: ${n} problem${n === 1 ? '' : 's'}; nothing was run\n`);
      return undefined;
    }
    throw err;
  }
}

/** The first lines of a run: the checklist, the session, its warnings and the secret variables without a value. */
function announceRun(reporter: PlainReporter, session: Session, operator: string, missing: string[] | undefined): void {
  const checklist = session.checklist;
  reporter.message(
    `readiness-tui run: ${checklist.title} (${path.relative(process.cwd(), checklist.source.path) || checklist.source.path})`,
    { checklist: checklist.name },
  );
  reporter.message(`session ${session.id} ${session.resumed ? 'resumed' : 'started'} in ${session.dir} as ${operator}`, {
    session: session.id,
    dir: session.dir,
    resumed: session.resumed,
  });
  for (const w of session.warnings) reporter.message(`warning: ${w}`, { level: 'warn' });
  if (missing?.length) {
    reporter.message(
      `warning: secret variable${missing.length > 1 ? 's' : ''} without a value: ${missing.join(', ')} — checks that use them will be errors`,
      { level: 'warn' },
    );
  }
}

/**
 * The automated items to run now and those to run after them (a re-verify's confirmed mutating items): `--only`'s,
 * the stale ones with `--reverify`, else all but those a resumed session already passed or waived.
 */
function selectItems(
  session: Session,
  only: string[] | undefined,
  opts: RunOptions,
  withinMs: number,
  reporter: PlainReporter,
): [string[], string[]] {
  const checklist = session.checklist;
  const state = session.store.store.getState();
  let ids = only ?? allItems(checklist).map((i) => i.id);
  const manual = opts.reverify ? [] : ids.filter((id) => !isAutomated(checklist, id));
  ids = ids.filter((id) => isAutomated(checklist, id));
  let later: string[] = [];
  if (opts.reverify) [ids, later] = reverifySelection(session, withinMs, Boolean(opts.reverifyMutating), reporter);
  else if (session.resumed && !only) {
    const kept = ids.filter((id) => state.items[id]?.result?.verdict === 'pass' || state.items[id]?.status === 'waived');
    if (kept.length) reporter.message(`kept from the earlier run of this session: ${kept.join(', ')} (use --only to re-run)`);
    ids = ids.filter((id) => !kept.includes(id));
  }
  if (manual.length) reporter.message(`manual (need a sign-off, not run): ${manual.join(', ')}`);
  return [ids, later];
}

type Interrupted = keyof typeof SIGNAL_EXIT;

/**
 * SIGINT / SIGTERM / SIGHUP cancel the running checks (a hang-up — the SSH connection dropped — like SIGTERM:
 * checks cancelled, groups killed, journaled); a second signal exits at once. Returns the handlers installed.
 */
function cancelOnSignals(
  runner: ReturnType<typeof createRunner>,
  session: Session,
  operator: string,
  stderr: NodeJS.WritableStream,
  interrupted: { get(): Interrupted | undefined; set(sig: Interrupted): void },
): [NodeJS.Signals, () => void][] {
  const handlers: [NodeJS.Signals, () => void][] = [];
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const h = () => {
      if (interrupted.get()) {
        // second signal: stop now (every recorded journal line is already fsynced)
        killAllGroups('SIGKILL');
        stderr.write(`\n${sig} again: stopping now; session ${session.dir} stays open\n`);
        process.exit(SIGNAL_EXIT[sig]);
      }
      interrupted.set(sig);
      stderr.write(`\n${sig}: cancelling running checks (again to stop at once)\n`);
      runner.cancel(
        undefined,
        sig === 'SIGINT'
          ? `cancelled by ${operator} (Ctrl-C / SIGINT to run --ci)`
          : `run --ci received ${sig} (sent by the system, the CI or another process); not cancelled by a person`,
      );
    };
    process.on(sig, h);
    handlers.push([sig, h]);
  }
  return handlers;
}

/** Every deliverable with a check is checked; one without is listed as "not checked". Never the decision. */
async function checkDeliverables(runner: ReturnType<typeof createRunner>, session: Session, reporter: PlainReporter): Promise<void> {
  await runner.checkDeliverables();
  for (const d of session.store.store.getState().deliverables)
    if (!d.hasCheck)
      reporter.message(`deliverable ${d.path}: not checked — the checklist gives it no check`, {
        deliverable: d.index,
        path: d.path,
        status: 'unchecked',
      });
}

/** Writes the report bundle (interim unless `final`); the line that says where it is, or why it could not be written. */
async function writeBundle(
  session: Session,
  opts: RunOptions,
  ctx: {
    final: boolean;
    env: NodeJS.ProcessEnv;
    operator: string;
    secrets: { name: string; value: string }[];
    reporter: PlainReporter;
    stderr: NodeJS.WritableStream;
  },
): Promise<[string, Record<string, unknown>]> {
  try {
    const { writeReportBundle } = await import('../report/bundle.js');
    const r = await writeReportBundle({
      sessionDir: session.dir,
      outDir: opts.out ?? 'reports',
      signKey: opts.signKey,
      signer: opts.signer,
      sign: true,
      interim: !ctx.final,
      env: ctx.env,
      session,
      operator: ctx.operator,
      secrets: ctx.secrets,
    });
    for (const w of r.warnings ?? []) ctx.reporter.message(`warning: ${w}`, { level: 'warn' });
    return [
      `report: ${r.dir}${r.signed ? ' (signed)' : ` (unsigned: ${r.unsignedReason ?? 'no signing key'})`}`,
      { report: r.dir, signed: r.signed },
    ];
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    ctx.stderr.write(`error: the report could not be written: ${msg}\n`);
    return [`report: could not be written: ${msg}`, { level: 'error', report: null }];
  }
}

/** Check groups a runner that died left running (engine/group-ledger.ts): reported, journaled, terminated. */
async function reapOrphanGroups(stateDir: string, session: Session, reporter: PlainReporter, operator: string): Promise<void> {
  for (const g of await findOrphanGroups(stateDir, { terminate: true })) {
    const text = describeOrphan(g);
    reporter.message(`warning: ${text}`, { level: 'warn', orphanGroup: g.pgid, pids: g.pids });
    await session.record({ type: 'note', data: { text, by: operator } });
  }
}

/** --reverify: the stale items now (or within `withinMs`), non-mutating first; mutating ones only when confirmed. */
function reverifySelection(session: Session, withinMs: number, mutatingOk: boolean, reporter: PlainReporter): [string[], string[]] {
  const now = new Date();
  const state = session.store.store.getState();
  const plan = reverifyPlan(state, session.checklist, now, withinMs);
  const age = (id: string) => {
    const item = allItems(session.checklist).find((i) => i.id === id)!;
    const f = freshness(item, state.items[id]!, now);
    return `${id} (checked ${formatDuration(f.ageMs ?? 0)} ago, maxAge ${formatDuration(f.maxAgeMs ?? 0)})`;
  };
  const all = [...plan.safe, ...plan.mutating];
  if (!all.length) {
    reporter.message(`re-verify: nothing is stale${withinMs ? ` or turns stale within ${formatDuration(withinMs)}` : ''}`, { reverify: [] });
    return [[], []];
  }
  reporter.message(`re-verify: ${all.map(age).join(', ')}`, { reverify: all });
  if (plan.mutating.length && !mutatingOk) {
    reporter.message(
      `re-verify: not re-running mutating item${plan.mutating.length > 1 ? 's' : ''} ${plan.mutating.join(', ')} without confirmation (--reverify-mutating)`,
      { level: 'warn', unconfirmed: plan.mutating },
    );
    return [plan.safe, []];
  }
  return [plan.safe, plan.mutating];
}

async function recordEcho(
  session: Session,
  reporter: PlainReporter,
  e: Parameters<Session['record']>[0],
): Promise<void> {
  const r = await session.record(e);
  reporter.onEvent({ type: r.type, ts: r.ts, actor: r.actor, data: r.data } as Parameters<PlainReporter['onEvent']>[0]);
}

/**
 * demo --ci: record an approval, clearly labelled as the sandbox's and signed with the sandbox's own key (an unsigned
 * approval would not count), on every item waiting for a sign-off
 */
async function approveInSandbox(session: Session, approver: { principal: string; signKey: string }, reporter: PlainReporter): Promise<void> {
  const by = approver.principal;
  const items = allItems(session.checklist);
  for (const item of items) {
    const items = session.store.store.getState().items;
    const st = items[item.id];
    if (st?.status !== 'needs-signoff') continue;
    // never approve an item whose prerequisites did not pass (4.3 "all items passed" in a NO-GO)
    if (item.dependsOn.some((d) => !['pass', 'waived'].includes(items[d]?.status ?? ''))) continue;
    const data = {
      item: item.id,
      decision: 'approve' as const,
      comment: 'automatic approval by the demo sandbox (demo --ci): not a human decision',
      role: item.signoffRoles[0] ?? item.role,
      by,
      evidence: (st.result?.evidence ?? []).map((e) => e.sha256),
    };
    const r = await recordSignedAct(session, { type: 'signoff', data }, { sign: true, signKey: approver.signKey });
    reporter.onEvent({ type: r.record.type, ts: r.record.ts, actor: r.record.actor, data: r.record.data } as Parameters<PlainReporter['onEvent']>[0]);
  }
}
