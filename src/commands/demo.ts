/**
 * `readiness-tui demo [--scenario go|no-go] [--ci]`: the whole detektor checklist against a local sandbox.
 * The sandbox (src/demo/sandbox.ts) stands in for production on loopback ports; the checklist runs unchanged,
 * pointed at it through variables, a kubeconfig and PATH. Everything is shut down on exit.
 */
import path from 'node:path';
import { rm } from 'node:fs/promises';
import type { Scenario } from '../demo/data.js';

export interface DemoOptions {
  scenario?: Scenario;
  ci?: boolean;
  json?: boolean;
  clean?: boolean;
  color?: boolean;
  ascii?: boolean;
  animation?: boolean;
  as?: string;
  signKey?: string;
  signer?: string;
  /** mark the demo session as a rehearsal (compare a go rehearsal with a no-go real run: `readiness-tui diff`, D) */
  rehearsal?: boolean;
  /** where the session lives (default: inside the sandbox directory); two demos in one state dir can be compared */
  stateDir?: string;
}

export async function demoCommand(opts: DemoOptions = {}): Promise<number> {
  const scenario: Scenario = opts.scenario ?? 'no-go';
  const { startSandbox } = await import('../demo/sandbox.js');
  const say = (l: string) => process.stderr.write(l + '\n');
  say(`readiness-tui demo — scenario ${scenario}: starting a sandbox that stands in for detektor production (nothing real is touched)…`);
  const sb = await startSandbox(scenario);
  for (const n of sb.notes) say('  ' + n);

  // Children (Prometheus) must not outlive us on any exit path, including a signal that ends the process.
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await sb.stop();
    if (opts.clean) await rm(sb.dir, { recursive: true, force: true }).catch(() => {});
  };
  const savedEnv = { ...process.env };
  Object.assign(process.env, sb.env);
  const cwd = process.cwd();
  process.chdir(sb.dir);
  const common = {
    vars: sb.varsFile,
    stateDir: opts.stateDir ? path.resolve(cwd, opts.stateDir) : path.join(sb.dir, '.readiness'),
    out: path.join(sb.dir, 'reports'),
    new: true,
    as: opts.as,
    signKey: opts.signKey,
    signer: opts.signer,
    sandbox: true,
    standIns: sb.standIns,
    ...(opts.rehearsal ? { rehearsal: true } : {}),
  };
  try {
    if (opts.ci || !(process.stdin.isTTY && process.stdout.isTTY)) {
      const { runCommand } = await import('./run.js');
      return await runCommand(sb.checklistPath, { ...common, ci: true, json: opts.json, sandboxApprover: sb.approver });
    }
    const { tuiCommand } = await import('./tui.js');
    return await tuiCommand(sb.checklistPath, {
      ...common,
      color: opts.color,
      ascii: opts.ascii,
      animation: opts.animation,
    } as Parameters<typeof tuiCommand>[1]);
  } finally {
    process.chdir(cwd);
    for (const k of Object.keys(sb.env)) {
      if (savedEnv[k] === undefined) delete process.env[k];
      else process.env[k] = savedEnv[k];
    }
    await stop();
    say(opts.clean ? 'sandbox stopped and removed.' : `sandbox stopped; its session, evidence and reports are kept in ${sb.dir}`);
  }
}
