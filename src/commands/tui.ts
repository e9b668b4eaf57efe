/**
 * `readiness-tui [FILE]`: the operator's TUI when stdin and stdout are terminals (decided here, not by Ink's CI
 * detection); otherwise the headless runner, exactly like `run --ci`.
 */
import { UsageError } from './exit.js';
import type { TuiOptions } from '../ui/run-tui.js';
import { KINDS } from '../checks/index.js';
export type { TuiOptions };

export function isInteractive(o: { ci?: boolean; json?: boolean }, stdin = process.stdin, stdout = process.stdout): boolean {
  return !o.ci && !o.json && stdin.isTTY === true && stdout.isTTY === true;
}

/**
 * The team file (engine/decide.ts teamFileIn): the watched session's checklist, else the checklist file's, else the
 * state dir's. A checklist that does not load names none here: the TUI reports its errors when it loads it.
 */
async function teamFileOf(file: string | undefined, watchDir: string | undefined, opts: TuiOptions): Promise<string | undefined> {
  const d = await import('../engine/decide.js');
  if (watchDir) return d.teamFile(watchDir, opts.allowedSigners);
  const stateDir = opts.stateDir ?? '.readiness';
  if (file === undefined || opts.allowedSigners !== undefined) return d.teamFileIn(stateDir, opts.allowedSigners);
  const { loadChecklist } = await import('../checklist/load.js');
  const checklist = await loadChecklist(file, KINDS).catch(() => undefined);
  return d.teamFileIn(stateDir, undefined, checklist && { checklist, file: checklist.source.path });
}

export async function tuiCommand(file: string | undefined, opts: TuiOptions = {}): Promise<number> {
  if (opts.session !== undefined && !opts.readonly) {
    throw new UsageError('--session picks a session to watch: `readiness-tui watch --session DIR` (to drive one, give its checklist FILE)');
  }
  if (opts.readonly && opts.new) throw new UsageError('--new starts a session to drive; a watcher (--readonly) follows an existing one');
  if (!isInteractive(opts)) {
    if (opts.readonly) throw new UsageError('watching needs a terminal (stdin and stdout): for a one-off look, `readiness-tui info`');
    if (!file) throw new UsageError('no checklist given: without a terminal, run `readiness-tui FILE` (same as `readiness-tui run FILE --ci`)');
    const { runCommand } = await import('./run.js');
    return (runCommand as (f: string, o: unknown) => Promise<number>)(file, { ...opts, ci: true });
  }
  if (opts.only !== undefined) {
    // the TUI would run everything on `A` regardless: refuse rather than pretend
    throw new UsageError(
      '--only is for headless runs: `readiness-tui run FILE --ci --only 1.1,2.3`. In the TUI, move to an item and press r to run just that one.',
    );
  }
  let watchDir: string | undefined;
  if (opts.readonly && (opts.session !== undefined || file === undefined)) {
    const { resolveSessionDir } = await import('./session-target.js');
    watchDir = await resolveSessionDir({ session: opts.session, stateDir: opts.stateDir });
  }
  // Ink decides once, when it is loaded, that CI means "render nothing until exit". We decided already.
  const saved = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
  const env = { ...process.env };
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  // start loading the engine while Ink loads (its layout engine compiles WebAssembly asynchronously): the TUI's
  // own imports of these modules then find them in flight or done
  const preload = Promise.all([
    import('../checklist/load.js'),
    import('../checklist/vars.js'),
    import('../engine/session.js'),
  ]).catch(() => undefined);
  // who the operator is and which key they hold (ssh-agent, the team file, git: child processes) is asked now, and
  // runs while the UI loads
  const operator = Promise.all([import('./session-target.js'), teamFileOf(file, watchDir, opts)]).then(([t, allowedSigners]) =>
    t.identify({ as: opts.as, signKey: opts.signKey, allowedSigners, env, driver: !opts.readonly }),
  );
  operator.catch(() => undefined); // awaited (and its errors reported) by runTui
  let m: typeof import('../ui/run-tui.js');
  try {
    m = await import('../ui/run-tui.js');
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
  }
  await preload;
  return m.runTui(file, opts, { operator, watchDir });
}
