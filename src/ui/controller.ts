/**
 * The TUI's actions wired to the engine: the runner runs and cancels, the session journals sign-offs, waivers and
 * notes (durably, before the dialog says "saved"), the report module writes the bundle. Screens only see UiActions.
 */
import path from 'node:path';
import type { Runner } from '../engine/runner-api.js';
import type { Session } from '../engine/session-api.js';
import { createWatch, DEFAULT_WATCH_MS, watchSchedule, type Watch } from '../engine/watch.js';
import { mutatingItem } from '../engine/freshness.js';
import { waiverStateText } from '../engine/session-state.js';
import { fmtEstimate } from './format.js';
import type { SaveResult, UiActions, WatchView } from './actions.js';

export interface ControllerOptions {
  session: Session;
  /** absent for a watcher: it never runs anything */
  runner?: Runner;
  operator: string;
  readonly: boolean;
  outDir: string;
  signKey?: string;
  /** the team file (allowed_signers) checked before a sign-off is recorded */
  allowedSigners?: string;
  signer?: string;
  env: NodeJS.ProcessEnv;
  /** secret variable values: the report bundle is checked to contain none of them */
  secrets?: { name: string; value: string }[];
  openPager(file: string): void;
  quit(): void;
  /** after a handover: release the owner lock and follow the session as a watcher */
  releaseDriver?(): void;
  /** the state dir whose orphan check groups the driver may terminate (resolveOrphans) */
  stateDir?: string;
}

async function liveAgent(env: NodeJS.ProcessEnv): Promise<{ env: NodeJS.ProcessEnv; note?: string }> {
  const { withLiveAgent } = await import('../report/agent-socket.js');
  return withLiveAgent(env);
}

function msg(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export interface Controller extends UiActions {
  /** resolves when every run started from the TUI has finished (after cancel) */
  settled(): Promise<void>;
  /** the driver starts its regression watch once the runner is loaded (engine/watch.ts); a watcher never does */
  startWatch(): void;
  /** no more watch runs (the driver role was handed over or taken, the TUI ends); runs under way finish */
  stopWatch(): void;
}

/** A sign-off from the TUI's dialog: planned and recorded by the rules of `readiness-tui signoff` (engine/decide.ts). */
async function signoffFromTui(session: Session, o: ControllerOptions, i: Parameters<UiActions['signoff']>[0]): Promise<SaveResult> {
  const { planSignoff, recordSignoff } = await import('../engine/decide.js');
  const plan = await planSignoff(session, { item: i.item, decision: i.decision, comment: i.comment, role: i.role, by: o.operator });
  // the agent this TUI started with may be gone (tmux after the ssh login dropped): a live one of the same user
  const agent = await liveAgent(o.env);
  // never lose a sign-off because signing failed: without an explicit --sign-key it is recorded unsigned
  const r = await recordSignoff(session, plan, { sign: true, signKey: o.signKey, env: agent.env, allowedSigners: o.allowedSigners });
  const verb = i.decision === 'approve' ? 'approved' : 'rejected';
  const warn = [...plan.warnings, ...(agent.note ? [agent.note] : [])].map((w) => ` — ${w}`).join('');
  return {
    message: r.statement
      ? `${verb} ${i.item}, signed with ${r.statement.keyFingerprint}${warn}`
      : `${verb} ${i.item} UNSIGNED (${r.unsignedReason ?? 'signing not requested'})${warn}`,
  };
}

/** The decision recorded and the report bundle written (interim while INCOMPLETE), signed with a live agent. */
async function reportFromTui(session: Session, o: ControllerOptions): ReturnType<UiActions['generateReport']> {
  if (o.readonly) throw new Error('watching: the driver writes the report (or `readiness-tui report` from a shell)');
  const s = session.store.store.getState();
  const interim = s.decision === 'INCOMPLETE';
  // one final decision per state of the journal; a final GO with a required sign-off missing is refused
  const { recordDecision } = await import('../engine/decide.js');
  const agent = await liveAgent(o.env);
  // the decision is the operator's signed statement, like a sign-off
  await recordDecision(session, { sign: true, signKey: o.signKey, env: agent.env, allowedSigners: o.allowedSigners });
  const { writeReportBundle } = await import('../report/bundle.js');
  const r = await writeReportBundle({
    sessionDir: session.dir,
    outDir: o.outDir,
    signKey: o.signKey,
    signer: o.signer,
    sign: true,
    interim,
    env: agent.env,
    session,
    operator: o.operator,
    ...(o.secrets?.length ? { secrets: o.secrets } : {}),
  });
  const notes = [...(r.warnings ?? []), ...(agent.note ? [agent.note] : [])];
  const warn = notes.length ? ` (${notes.join('; ')})` : '';
  return {
    message: r.signed
      ? `signed ${interim ? 'interim ' : ''}report${r.keyFingerprint ? ` (${r.keyFingerprint})` : ''}: ${r.dir}${warn}`
      : `UNSIGNED ${interim ? 'interim ' : ''}report: ${r.dir} — ${r.unsignedReason ?? 'no signing key'}${warn}`,
  };
}

/** A waiver from the TUI's dialog: signed like a sign-off and bound to the evidence it accepts (engine/waiver.ts). */
async function waiveFromTui(session: Session, o: ControllerOptions, i: Parameters<Controller['waive']>[0]): Promise<{ message: string }> {
  const { planBoundWaiver, recordWaiver } = await import('../engine/waiver.js');
  const plan = planBoundWaiver(session, { item: i.item, reason: i.reason, expires: i.expires, control: i.compensatingControl, by: o.operator });
  const agent = await liveAgent(o.env);
  const r = await recordWaiver(session, plan, { sign: true, signKey: o.signKey, env: agent.env, allowedSigners: o.allowedSigners });
  const warn = [...plan.notes, ...(agent.note ? [agent.note] : [])].map((w) => ` — ${w}`).join('');
  return {
    message: r.statement
      ? `waived ${i.item} until ${plan.data.expires} (waiver #${r.record.seq}), signed with ${r.statement.keyFingerprint}${warn}`
      : `waived ${i.item} until ${plan.data.expires} (waiver #${r.record.seq}) UNSIGNED (${r.unsignedReason ?? 'signing not requested'})${warn}`,
  };
}

/** `a`: approve someone else's waiver, planned and recorded as `readiness-tui waive ITEM --approve SEQ` does it. */
async function approveWaiverFromTui(session: Session, o: ControllerOptions, i: Parameters<Controller['approveWaiver']>[0]): Promise<{ message: string }> {
  const { planWaiverApproval, recordWaiverApproval } = await import('../engine/waiver.js');
  const plan = planWaiverApproval(session, { item: i.item, waiver: i.waiver, comment: i.comment, by: o.operator });
  const agent = await liveAgent(o.env);
  const r = await recordWaiverApproval(session, plan, { sign: true, signKey: o.signKey, env: agent.env, allowedSigners: o.allowedSigners });
  const w = session.store.store.getState().items[plan.item.id]?.waiver;
  const state = w?.seq === i.waiver ? waiverStateText(plan.item, w, new Date()) : undefined;
  const now = state ? ` — the waiver ${/^awaits/.test(state) ? state : `is ${state}`}` : '';
  const warn = agent.note ? ` — ${agent.note}` : '';
  const what = `approved waiver #${i.waiver} on ${i.item} (journal #${r.record.seq})`;
  return {
    message: r.statement
      ? `${what}, signed with ${r.statement.keyFingerprint}${now}${warn}`
      : `${what} UNSIGNED (${r.unsignedReason ?? 'signing not requested'}): an unsigned approval does not count${warn}`,
  };
}

/** A note from the TUI: signed like a sign-off when a key is available (who wrote it is bound to a key). */
async function noteFromTui(session: Session, o: ControllerOptions, i: Parameters<Controller['note']>[0]): Promise<{ message: string }> {
  const { recordSignedAct } = await import('../engine/signed-act.js');
  const agent = await liveAgent(o.env);
  const data = { ...(i.item ? { item: i.item } : {}), text: i.text, by: o.operator };
  const r = await recordSignedAct(session, { type: 'note', data }, { sign: true, signKey: o.signKey, env: agent.env, allowedSigners: o.allowedSigners });
  const where = i.item ? `note added to ${i.item}` : 'note added to the session';
  return { message: r.statement ? `${where}, signed with ${r.statement.keyFingerprint}` : `${where} UNSIGNED (${r.unsignedReason ?? 'signing not requested'})` };
}

export function createController(o: ControllerOptions): Controller {
  const { session, runner } = o;
  const live = session.store;
  const runs = new Set<Promise<void>>();
  /** bumps on "cancel everything": a run started before it does not go on to the deliverables */
  let cancels = 0;
  type Rec = Parameters<Session['record']>[0];
  const record = (e: { type: string; data: unknown }) => session.record(e as Rec);
  let watch: Watch | undefined;
  const track = (p: Promise<void>) => {
    runs.add(p);
    void p.finally(() => runs.delete(p));
  };

  const c: Controller = {
    operator: o.operator,
    readonly: o.readonly,
    run(ids, ro) {
      if (!runner) return live.message('warn', 'watching: only the driver runs checks');
      const gen = cancels;
      const p = runner
        .run(ids)
        // the deliverables after the items, unless the operator cancelled everything meanwhile
        .then(() => (ro?.deliverables && gen === cancels ? runner.checkDeliverables() : undefined))
        .catch((err: unknown) => live.message('error', `run failed: ${msg(err)}`));
      track(p);
    },
    startWatch() {
      if (!runner || c.readonly || watch) return;
      watch = createWatch({
        checklist: session.checklist,
        state: () => live.store.getState(),
        subscribe: (fn) => live.store.subscribe(fn),
        isMutating: (it) => runner.isMutating(it.id),
        busy: (id) => runner.busy(id),
        run(ids) {
          const p = runner.run(ids, { trigger: 'watch' });
          track(p.catch(() => undefined));
          return p;
        },
        onError: (err) => live.message('error', `watch run failed: ${msg(err)}`),
      });
    },
    stopWatch() {
      watch?.stop();
    },
    async toggleWatch() {
      if (c.readonly || !watch) throw new Error('watching: only the driver runs the regression watch');
      // the watch follows the state: a session whose watch was turned on keeps it under its next driver
      const on = !live.store.getState().watchAll;
      const text = on
        ? `${o.operator} turned the regression watch on: every passed non-mutating automated item that needs no sign-off is re-checked every ${fmtEstimate(DEFAULT_WATCH_MS)} while the TUI is open (items with their own watch: at theirs)`
        : `${o.operator} turned the session-wide regression watch off (items with their own watch: are still re-checked)`;
      await record({ type: 'note', data: { text, by: o.operator, watch: on ? 'on' : 'off' } });
      return on;
    },
    watchSchedule() {
      // a watcher: what the checklist's watch: keys and the driver's W give (the driver's TUI runs them)
      const state = live.store.getState();
      const entries = watch ? watch.schedule() : watchSchedule(state, session.checklist, { all: state.watchAll, isMutating: mutatingItem });
      return new Map<string, WatchView>(entries.map((e) => [e.item, { everyMs: e.everyMs, nextAt: e.nextAt }]));
    },
    async resolveOrphans(pgids, terminate) {
      if (c.readonly || o.stateDir === undefined) return;
      const { describeOrphan, findOrphanGroups } = await import('../engine/group-ledger.js');
      const groups = await findOrphanGroups(o.stateDir, { terminate, only: pgids });
      for (const g of groups) {
        const text = `${describeOrphan(g)}${terminate ? ` (${o.operator} agreed)` : ` (${o.operator} declined to terminate it)`}`;
        live.message(terminate ? 'info' : 'warn', text);
        await record({ type: 'note', data: { text, by: o.operator } }).catch((err: unknown) => live.message('error', `could not journal: ${msg(err)}`));
      }
      if (!groups.length) live.message('info', 'the leftover check processes had already ended');
    },
    async handOver() {
      if (c.readonly) return;
      c.readonly = true;
      c.stopWatch();
      await record({
        type: 'note',
        data: { text: `${o.operator} hands the driver role over: running checks finish in pid ${process.pid}, then the session is free to drive`, by: o.operator },
      }).catch((err: unknown) => live.message('error', `could not journal the handover: ${msg(err)}`));
      await c.settled();
      o.releaseDriver?.();
    },
    cancel(id, how) {
      if (!id) cancels++;
      runner?.cancel(id, `cancelled by ${o.operator}${how ? ` (${how})` : ''}`);
    },
    // what the operator sees: the store (the runner may still be finishing an item whose result is recorded)
    running: () => {
      const items = live.store.getState().items;
      return Object.keys(items).filter((id) => items[id]!.running);
    },
    isMutating: (id) => runner?.isMutating(id) ?? false,
    describe(id) {
      // a watcher shows what the driver journaled when the item started
      if (!runner) return (live.store.getState().items[id]?.describe ?? '(not started yet)').split('\n');
      try {
        return runner.describe(id);
      } catch (err) {
        return [`(cannot describe: ${msg(err)})`];
      }
    },
    // The same rules as `readiness-tui signoff` / `waive` (src/engine/decide.ts): roles, four-eyes, one approval per
    // person, a reason to reject, an expiry in the future. A refusal is shown in the dialog; nothing is recorded.
    signoff: (i) => signoffFromTui(session, o, i),
    waive: (i) => waiveFromTui(session, o, i),
    approveWaiver: (i) => approveWaiverFromTui(session, o, i),
    note: (i) => noteFromTui(session, o, i),
    generateReport: () => reportFromTui(session, o),
    async rehearsals() {
      const start = live.store.getState().start;
      const { listRehearsals, stateDirOf } = await import('../report/rehearsal.js');
      // the state dir the session lives in (a watcher's --session may be in another than --state-dir)
      const stateDir = stateDirOf(session.dir) ?? o.stateDir;
      if (stateDir === undefined || !start) return [];
      return listRehearsals(stateDir, { checklistName: session.checklist.name, before: start.ts, exclude: session.dir });
    },
    async replay(dir) {
      const { replaySession } = await import('../engine/session.js');
      const r = await replaySession(dir);
      if (r.problems.length) live.message('warn', `the rehearsal ${path.basename(dir)} fails its journal integrity check (${r.problems.length} problem(s)): compare with care`);
      return { checklist: r.checklist, state: r.state };
    },
    evidencePath: (rel) => path.resolve(session.dir, rel),
    openPager: (f) => o.openPager(f),
    quit: () => o.quit(),
    async settled() {
      await Promise.allSettled([...runs]);
    },
  };
  return c;
}
