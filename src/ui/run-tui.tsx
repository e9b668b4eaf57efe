/**
 * Runs the interactive TUI: pick/load the checklist, open (or resume) the session, create the runner, own the
 * terminal (alt screen, restore on every exit path), render the app, hand the terminal to $PAGER and back, and
 * print a plain summary to the normal screen on the way out.
 *
 * Over 400 lines: this is the TUI's one lifecycle — the terminal it owns and must restore on every exit path, the
 * session opened to drive or to watch, the takeover and waiver-expiry timers — and every exit path must see all of
 * them; the steps are named functions above runTui.
 */
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import React from 'react';
import { render, type Instance } from 'ink';
import type { Checklist } from '../checklist/model.js';
import { allItems } from '../checklist/model.js';
import type { KubeTargetInfo } from '../engine/events.js';
import { varChangeLine } from '../engine/run-vars.js';
import type { Runner } from '../engine/runner-api.js';
import type { Session } from '../engine/session-api.js';
import { nextTimeChange } from '../engine/freshness.js';
import type { SessionCliOptions } from '../engine/session-options.js';
import { UsageError } from '../checklist/errors.js';
import { refuseRehearsalMix } from '../engine/session.js';
import { EXIT } from '../engine/status.js';
import { parseSize, SIZE_HINT } from '../checklist/size.js';
import { App } from './app.js';
import { createController, type Controller } from './controller.js';
import { describeHolder } from '../engine/lock.js';
import { createRedactor } from '../engine/redact.js';
import { createLazyRunner } from './lazy-runner.js';
import { Picker, type PickerEntry } from './screens/Picker.js';
import { createTerminal, detachFromTerminal, inkStdout, installExitHandlers, type TerminalSession } from './terminal.js';
import { detectTheme, ThemeContext, type Theme } from './theme.js';
import { createUiStore, type UiStore } from './ui-store.js';
import { KINDS } from '../checks/index.js';

/** The TUI's options (`readiness-tui [FILE]`, `watch`, `demo`): the session's, and how to draw. */
export interface TuiOptions extends SessionCliOptions {
  ci?: boolean;
  json?: boolean;
  /** commander: --no-color gives false */
  color?: boolean;
  ascii?: boolean;
  /** commander: --no-animation gives false */
  animation?: boolean;
  screenReader?: boolean;
  fps?: string;
  /** watch mode: follow a session another process drives (no lock, nothing journaled but your own acts) */
  readonly?: boolean;
  /** watch mode: the session directory (default: the unfinished session of FILE, or the only one, in --state-dir) */
  session?: string;
}

const YAML = /\.ya?ml$/i;

function listYaml(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => YAML.test(f))
      .sort()
      .map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

/** the team file for sign-offs from the TUI (engine/decide.ts, loaded lazily like the rest of decide) */
async function teamFileOf(sessionDir: string, given?: string): Promise<string | undefined> {
  const { teamFile } = await import('../engine/decide.js');
  return teamFile(sessionDir, given);
}

/** The package's own checklist/ directory (dist/… in the package, src/ui/… from source). */
export function bundledChecklistDir(): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const rel of ['../checklist', '../../checklist']) {
    const d = path.resolve(here, rel);
    if (existsSync(d) && listYaml(d).length) return d;
  }
  return undefined;
}

export function checklistCandidates(cwd = process.cwd()): PickerEntry[] {
  const here = listYaml(path.join(cwd, 'checklist')).map((p) => ({ path: p, label: path.basename(p), origin: 'here' as const }));
  const bdir = bundledChecklistDir();
  const bundled =
    bdir && path.resolve(bdir) !== path.resolve(cwd, 'checklist')
      ? listYaml(bdir).map((p) => ({ path: p, label: path.basename(p), origin: 'bundled' as const }))
      : [];
  return [...here, ...bundled];
}

function write(s: string): void {
  process.stderr.write(s);
}

async function pick(theme: Theme, term: TerminalSession): Promise<string | undefined> {
  const entries = checklistCandidates();
  if (!entries.length) {
    write('error: no checklist given and none found in ./checklist/ or bundled with readiness-tui\n');
    return undefined;
  }
  return new Promise((resolve) => {
    let inst: Instance | undefined = undefined;
    const done = (p: string | undefined) => {
      inst?.unmount();
      resolve(p);
    };
    inst = render(
      <ThemeContext.Provider value={theme}>
        <Picker entries={entries} width={process.stdout.columns || 80} onPick={done} onReady={() => term.announceReady()} />
      </ThemeContext.Provider>,
      { exitOnCtrlC: false, patchConsole: false, maxFps: 30 },
    );
  });
}

async function pickOnScreen(theme: Theme, term: TerminalSession): Promise<string | undefined> {
  term.enter();
  try {
    return await pick(theme, term);
  } finally {
    term.restore();
  }
}

async function kubeTarget(checklist: Checklist, opts: TuiOptions): Promise<KubeTargetInfo | undefined> {
  const context = opts.kubeContext ?? opts.context;
  const usesKube = allItems(checklist).some((i) =>
    [i.check, ...Object.values(i.checks ?? {})].some((c) => c?.kind.startsWith('kubernetes')),
  );
  if (!usesKube && !context) return undefined;
  try {
    // through @kubernetes/client-node, loaded here only for a checklist with kubernetes checks (or a context given):
    // the header and the session's start record show the context the checks will use, resolved the same way
    const { kubeTargetInfo } = await import('../checks/support/kube.js');
    return await kubeTargetInfo({ kubeconfig: process.env.KUBECONFIG, context });
  } catch {
    return undefined;
  }
}

/**
 * What follows an open session while the UI shows it: the journal, waiver expiry, the evidence of running checks (a
 * watcher), presence, and (a driver) whether the driver role was taken from it. `stop` ends all; `nowWatching`
 * tells the others this process watches now (after a handover).
 */
async function attach(
  opened: Opened,
  operator: string,
  watching: boolean,
  controller: () => Controller,
): Promise<{ stop(): void; nowWatching(): void }> {
  const { session } = opened;
  const stopFollow = session.follow();
  const stopWaivers = armWaiverExpiry(session);
  const { announce, followPresence } = await import('../engine/presence.js');
  const presence = announce(session.dir, { principal: operator, role: watching ? 'watcher' : 'driver' });
  const stopPresence = followPresence(session.dir, session.store, { pid: process.pid, host: hostname() });
  const stopTakeoverWatch = watching ? () => undefined : watchForTakeover(session, controller, () => presence.setRole('watcher'));
  let done = false;
  return {
    nowWatching: () => presence.setRole('watcher'),
    stop() {
      if (done) return;
      done = true;
      stopWaivers();
      stopFollow();
      stopTakeoverWatch();
      stopPresence();
      presence.stop();
      opened.stop();
    },
  };
}

/**
 * A hang-up (ssh dropped, terminal closed) never kills running checks: the UI goes away (`leave`), this process
 * finishes the runs started from it headless, journals their results, then releases the session (README: pairing).
 */
/** The newest rehearsal's durations for the cutover clock (in the background; without one the clock uses estimates). */
async function loadRehearsalPlan(controller: Controller, ui: UiStore): Promise<void> {
  try {
    const [newest] = (await controller.rehearsals?.()) ?? [];
    if (!newest) return;
    const r = await controller.replay!(newest.dir);
    const { rehearsalPlan } = await import('./clock.js');
    ui.setState({ rehearsal: rehearsalPlan(newest.id, r.state) });
  } catch {
    // a rehearsal that cannot be read: the clock plans from the estimates (the diff screen says why)
  }
}

async function finishHeadless(o: { session: Session; runner?: Runner; controller: Controller; operator: string; leave(): void }): Promise<void> {
  detachFromTerminal();
  o.leave();
  const running = o.runner?.running() ?? [];
  if (running.length) {
    const text = `the driver's terminal hung up: ${running.length} running check(s) (${running.join(', ')}) finish headless in pid ${process.pid}, then the session is released`;
    await o.session.record({ type: 'note', data: { text, by: o.operator } } as Parameters<Session['record']>[0]).catch(() => undefined);
  }
  await o.controller.settled();
  await o.session.close().catch(() => undefined);
  o.session.store.dispose();
}

/** After a handover this process watches: the evidence of checks run by the next driver is followed too. */
async function handedOver(session: Session): Promise<() => void> {
  const { followEvidence } = await import('../engine/evidence-follow.js');
  const f = followEvidence(session.dir, session.store);
  return () => f.stop();
}

/**
 * The driver role can be taken from this process (`--take-over` by another operator once this terminal was idle):
 * it then becomes a watcher. Its own running checks still finish and are journaled.
 */
function watchForTakeover(session: Session, controller: () => Controller, nowWatching: () => void): () => void {
  const timer = setInterval(() => {
    const by = session.driverTakenBy();
    if (!by) return;
    clearInterval(timer);
    controller().readonly = true;
    controller().stopWatch();
    nowWatching();
    session.store.message('warn', `the driver role was taken over by ${describeHolder(by)}: you are watching now (checks you started still finish and are journaled)`);
  }, TAKEOVER_POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}

const TAKEOVER_POLL_MS = 1000;

/** Re-evaluate time-dependent state (waiver expiry, stale evidence) exactly when it next changes (no periodic timer). */
function armWaiverExpiry(session: Session): () => void {
  let timer: NodeJS.Timeout | undefined;
  let armedFor = Infinity;
  const arm = () => {
    const now = Date.now();
    const next = nextTimeChange(session.store.store.getState(), session.checklist, new Date(now));
    if (next === armedFor) return;
    if (timer) clearTimeout(timer);
    timer = undefined;
    armedFor = next;
    if (next !== Infinity) {
      timer = setTimeout(() => {
        armedFor = Infinity;
        session.store.tick();
      }, Math.min(next - now, 2 ** 31 - 1));
      timer.unref();
    }
  };
  arm();
  const unsub = session.store.store.subscribe(arm);
  return () => {
    unsub();
    if (timer) clearTimeout(timer);
  };
}

function summary(session: Session, file: string | undefined, opts: TuiOptions): string {
  const s = session.store.store.getState();
  // absolute paths: the summary stays in the scrollback and is read from other directories and shells
  const abs = (p: string) => path.resolve(p);
  const lines = [
    `readiness-tui: session ${session.id}`,
    `  decision so far: ${s.decision}${s.deciding.length ? ` (${s.decision === 'NO-GO' ? 'failing' : 'open'} blocking: ${s.deciding.map((d) => `${d.item} ${d.status}`).join(', ')})` : ''}`,
    `  session:  ${abs(session.dir)} (journal.jsonl)`,
    `  evidence: ${abs(path.join(session.dir, 'evidence'))}`,
  ];
  const last = s.reports[s.reports.length - 1];
  lines.push(last ? `  report:   ${path.resolve(last.path)}${last.signed ? ' (signed)' : ' (unsigned)'}` : `  report:   none yet (readiness-tui report --session ${abs(session.dir)})`);
  const stateDir = opts.stateDir && opts.stateDir !== '.readiness' ? ` --state-dir ${abs(opts.stateDir)}` : '';
  if (opts.readonly || !file) lines.push(`  watch:    readiness-tui watch --session ${abs(session.dir)}`);
  else lines.push(`  resume:   readiness-tui ${abs(file)}${stateDir}`);
  return lines.join('\n') + '\n';
}

/** READINESS_TIMING=1: start-up phases on stderr after exit (for the benchmark and for slow machines). */
const marks: [string, number][] = [];
function mark(name: string): void {
  if (process.env.READINESS_TIMING === '1') marks.push([name, performance.now()]);
}

/** Work the caller started before the UI loaded (src/commands/tui.ts). */
export interface TuiHead {
  /** the operator identity and key, being resolved (ssh-agent and git run while the UI loads) */
  operator?: Promise<{ principal: string; keyFingerprint?: string }>;
  /** watch mode: the session directory chosen by the command (--session, or the only unfinished one) */
  watchDir?: string;
}

/** A session opened to drive (owner lock, runner) or to watch (no lock, no runner, evidence followed). */
interface Opened {
  session: Session;
  runner?: Runner;
  /** loads the runner once the first frame is out; keys wait for it */
  lazy?: ReturnType<typeof createLazyRunner>;
  secrets: { name: string; value: string }[];
  /** stops what follows the session */
  stop(): void;
  /** check groups a runner that died left running, asked about at start (the driver only) */
  orphans?: { pgids: number[]; lines: string[] };
}

async function openToWatch(file: string | undefined, opts: TuiOptions, who: Who, head: TuiHead): Promise<Opened> {
  const operator = who.principal;
  const [{ loadChecklist }, { findSession, openSessionDir }, { followEvidence }] = await Promise.all([
    import('../checklist/load.js'),
    import('../engine/session.js'),
    import('../engine/evidence-follow.js'),
  ]);
  let dir = head.watchDir;
  if (!dir) {
    const checklist = await loadChecklist(file!, KINDS);
    const stateDir = opts.stateDir ?? '.readiness';
    dir = await findSession(stateDir, { checklistName: checklist.name, unfinished: true });
    if (!dir)
      throw new UsageError(
        `no unfinished session of checklist "${checklist.name}" in ${path.resolve(stateDir, 'sessions')} to watch: the driver starts it with \`readiness-tui ${file}\``,
      );
  }
  // the checklist the session pinned (checklist.yaml in its directory), not whatever FILE says now
  const session = await openSessionDir(dir, { operator, operatorKey: who.keyFingerprint });
  const follower = followEvidence(session.dir, session.store);
  session.store.message('info', `watching session ${session.id} as ${operator}: the driver runs the checks; you can sign off, waive, approve waivers and add notes`);
  return { session, secrets: [], stop: () => follower.stop() };
}

type Who = { principal: string; keyFingerprint?: string };

async function openToDrive(file: string, opts: TuiOptions, who: Who): Promise<Opened> {
  const operator = who.principal;
  const env = process.env;
  const [{ loadChecklist }, { resolveVars }, { openSession }] = await Promise.all([
    import('../checklist/load.js'),
    import('../checklist/vars.js'),
    import('../engine/session.js'),
  ]);
  const checklist = await loadChecklist(file, KINDS);
  mark('checklist');
  const vars = resolveVars(checklist, { set: opts.set, varsFile: opts.vars, env });
  const outputLimitBytes = opts.outputLimit === undefined ? undefined : parseSize(opts.outputLimit);
  if (opts.outputLimit !== undefined && outputLimitBytes === undefined) throw new UsageError(`--output-limit must be ${SIZE_HINT}, got "${opts.outputLimit}"`);
  const kube = await kubeTarget(checklist, opts);
  const session: Session = await openSession({
    checklist,
    stateDir: opts.stateDir ?? '.readiness',
    fresh: !!opts.new,
    mode: 'tui',
    vars: vars.values,
    secretVars: vars.secret,
    ...(kube ? { kube } : {}),
    operator,
    ...(who.keyFingerprint ? { operatorKey: who.keyFingerprint } : {}),
    owner: true,
    takeOver: !!opts.takeOver,
    ...(opts.sandbox ? { sandbox: true, standIns: opts.standIns } : {}),
    ...(opts.rehearsal ? { rehearsal: true } : {}),
  });
  await refuseRehearsalMix(session, opts.rehearsal);
  mark('session');
  const concurrency = Math.max(1, Number.parseInt(String(opts.concurrency ?? '4'), 10) || 4);
  // the runner (every check kind and its schemas) loads right after the first frame; keys wait for it
  const lazy = createLazyRunner(
    async () => {
      const { createRunner } = await import('../engine/runner.js');
      mark('runner');
      return createRunner({
        session,
        concurrency,
        outputLimitBytes,
        kubeContext: opts.kubeContext ?? opts.context,
        env,
        vars: vars.values,
        secretVars: vars.secret,
      });
    },
    (err) => session.store.message('error', `could not load the check runner: ${err instanceof Error ? err.message : String(err)}`),
  );
  const secrets = vars.secret.filter((n) => vars.values[n]).map((n) => ({ name: n, value: vars.values[n]! }));
  // like run --ci: groups a runner that died left are found first (shown, terminated once the operator agrees), then
  // every check group this TUI starts is recorded in the session while it may run (engine/group-ledger.ts), for the
  // life of the process: after a hang-up the checks finish headless and must stay recorded until they end
  const { describeOrphan, findOrphanGroups, recordGroupsIn } = await import('../engine/group-ledger.js');
  const orphans = await findOrphanGroups(opts.stateDir ?? '.readiness', { terminate: false });
  recordGroupsIn(session.dir, createRedactor(secrets).redact);
  return {
    session,
    runner: lazy.runner,
    lazy,
    secrets,
    stop: () => undefined,
    ...(orphans.length ? { orphans: { pgids: orphans.map((g) => g.pgid), lines: orphans.map(describeOrphan) } } : {}),
  };
}

/** Draws the App with Ink: keys repaint at once, output at most `fps` times a second; the title says ready after the first frame. */
function mountApp(a: {
  session: Session;
  ui: ReturnType<typeof createUiStore>;
  controller: Controller;
  theme: Theme;
  term: TerminalSession;
  lazy: ReturnType<typeof createLazyRunner> | undefined;
  fps: number;
  stdout: ReturnType<typeof inkStdout>;
  env: NodeJS.ProcessEnv;
}): Instance {
  const { session, ui, controller, theme, term, lazy, fps, stdout, env } = a;
  ui.setState({ cols: process.stdout.columns || 80, rows: process.stdout.rows || 24 });
  // keys repaint at once, output stays throttled to maxFps (renderNextNow: scripts/ink-fixes.mjs, bundle only)
  const onKey = () => (inst as Instance & { renderNextNow?: () => void }).renderNextNow?.();
  const onReady = () => {
    mark('first frame');
    term.announceReady();
    // the runner loads once the first frame is out (keys wait for it: lazy-runner.ts); then the driver's regression
    // watch starts (engine/watch.ts: it needs the runner to know which items change the environment)
    if (lazy) setImmediate(() => void lazy.load().then(() => controller.startWatch(), () => undefined));
  };
  const inst = render(
    <App live={session.store} ui={ui} actions={controller} theme={theme} onReady={onReady} onKey={onKey} keyGate={lazy?.gate} />,
    {
      stdout,
      maxFps: fps,
      // only changed lines are rewritten (the bundle carries a fix for ink 6.8's row drift: scripts/ink-fixes.mjs);
      // READINESS_INCREMENTAL=0 falls back to repainting the whole frame
      incrementalRendering: env.READINESS_INCREMENTAL !== '0',
      patchConsole: false,
      exitOnCtrlC: false,
      isScreenReaderEnabled: theme.screenReader,
    },
  );
  return inst;
}

export async function runTui(fileArg: string | undefined, opts: TuiOptions, head: TuiHead = {}): Promise<number> {
  const env = process.env;
  mark('runTui');
  if (env.READINESS_TIMING === '1')
    process.on('exit', () => process.stderr.write(marks.map(([n, t]) => `${n} ${t.toFixed(0)}ms`).join('\n') + '\n'));
  const theme = detectTheme(env, { color: opts.color, ascii: opts.ascii, animation: opts.animation, screenReader: opts.screenReader });
  const term = createTerminal({ out: process.stdout, input: process.stdin, altScreen: !theme.screenReader });

  // with no FILE: pick one on screen (a watcher given its session needs none)
  const file = fileArg ?? (head.watchDir ? undefined : await pickOnScreen(theme, term));
  if (!file && !head.watchDir) return EXIT.USAGE;

  const { resolveOperatorAsync } = await import('../engine/identity.js');
  const operatorP = head.operator ?? resolveOperatorAsync({ as: opts.as, env }).then((principal) => ({ principal }));
  mark('modules');
  const who: Who = await operatorP;
  const operator = who.principal;
  mark('operator');
  const opened = opts.readonly ? await openToWatch(file, opts, who, head) : await openToDrive(file!, opts, who);
  const { session, runner, lazy } = opened;
  for (const w of session.warnings) session.store.message('warn', w);
  // resumed with other variables: the checks will run other commands (journaled on session.resume)
  if (session.varChanges?.length) session.store.message('warn', varChangeLine(session.varChanges));
  const attached = await attach(opened, operator, !!opts.readonly, () => controller);

  let instance: Instance | undefined;
  let pagerFile: string | undefined;
  let quitRequested = false;
  const controller = createController({
    session,
    runner,
    operator,
    readonly: !!opts.readonly,
    outDir: opts.out ?? 'reports',
    signKey: opts.signKey,
    allowedSigners: await teamFileOf(session.dir, opts.allowedSigners),
    signer: opts.signer,
    env,
    secrets: opened.secrets,
    stateDir: opts.stateDir ?? '.readiness',
    openPager(f) {
      pagerFile = f;
      instance?.unmount();
    },
    quit() {
      quitRequested = true;
      instance?.unmount();
    },
    releaseDriver() {
      session.releaseOwner();
      attached.nowWatching();
      void handedOver(session).then((stop) => (stopHandedOver = stop));
    },
  });
  let stopHandedOver = (): void => undefined;

  let shuttingDown: Promise<void> | undefined;
  /** `why`: what ends the TUI while checks run, journaled as the reason of their cancellation */
  const shutdown = (why: string): Promise<void> =>
    (shuttingDown ??= (async () => {
      detachAll();
      if (runner?.running().length) {
        runner.cancel(undefined, why);
        write(`readiness-tui: cancelling ${runner.running().length} running check(s)…\n`);
      }
      await Promise.race([controller.settled(), new Promise((r) => setTimeout(r, 6000).unref())]);
      await session.close().catch(() => undefined);
      session.store.dispose();
    })());

  const detachAll = () => {
    controller.stopWatch();
    stopHandedOver();
    attached.stop();
  };
  let hangup: Promise<void> | undefined;
  const removeHandlers = installExitHandlers(term, {
    onHangup: () =>
      (hangup ??= finishHeadless({
        session,
        runner,
        controller,
        operator,
        leave() {
          try {
            instance?.unmount();
          } catch {
            // the terminal is gone
          }
          detachAll();
        },
      })),
    async onSignal(sig) {
      instance?.unmount();
      // (a hang-up takes onHangup: the checks finish headless)
      await shutdown(`the TUI received ${sig} (sent by the system or another process); not cancelled by a person`);
      write(summary(session, file, opts).replace('readiness-tui:', `readiness-tui (${sig}):`));
    },
    onFatal(err) {
      write(`readiness-tui: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
      if (env.READINESS_DEBUG === '1' && err instanceof Error && err.stack) write(err.stack + '\n');
      void shutdown(`the TUI stopped on an internal error: ${err instanceof Error ? err.message : String(err)}`).finally(() => process.exit(EXIT.USAGE));
    },
  });

  const ui = createUiStore({ cols: process.stdout.columns || 80, rows: process.stdout.rows || 24 });
  if (opened.orphans) ui.setState({ dialog: { kind: 'orphans', ...opened.orphans } });
  void loadRehearsalPlan(controller, ui);
  const fps = Math.max(1, Math.min(60, Number.parseInt(opts.fps ?? '15', 10) || 15));
  const stdout = inkStdout(process.stdout);
  const mount = () => mountApp({ session, ui, controller, theme, term, lazy, fps, stdout, env });

  try {
    term.enter();
    for (;;) {
      instance = mount();
      await instance.waitUntilExit();
      instance = undefined;
      if (quitRequested || !pagerFile) break;
      const f = pagerFile;
      pagerFile = undefined;
      term.restore();
      const [cmd, ...args] = (env.PAGER || 'less -R').split(/\s+/).filter(Boolean);
      const r = spawnSync(cmd!, [...args, f], { stdio: 'inherit' });
      term.enter();
      if (r.error) session.store.message('error', `could not start the pager ${cmd}: ${r.error.message} (file: ${f})`);
    }
  } finally {
    term.restore();
    if (hangup) await hangup;
    else await shutdown(`cancelled by ${operator} (quit the TUI while it ran)`);
    removeHandlers();
  }
  process.stdout.write(summary(session, file, opts));
  return EXIT.OK;
}
