/**
 * The one contract every check kind implements. One file per kind in src/checks/, registered in index.ts.
 * A kind never imports another kind; shared helpers live in src/checks/support/.
 */
import type { z } from 'zod';
import type { KubeConfig } from '@kubernetes/client-node';

/**
 * What a check run itself can end in (before sign-off and waiver rules are applied). Declared here, with the
 * contract the kinds implement; engine/status.ts re-exports it beside the other statuses.
 */
export type CheckVerdict = 'pass' | 'fail' | 'error' | 'timeout' | 'inconclusive';

/** The Kubernetes target a session ran against, as recorded in session.start (engine/events.ts re-exports it). */
export interface KubeTargetInfo {
  context: string;
  cluster: string;
  server: string;
  user?: string;
}

export interface KubeTarget extends KubeTargetInfo {
  kc: KubeConfig;
}

export interface CheckContext {
  /** aborted on cancel or timeout: stop work, kill children, return promptly */
  signal: AbortSignal;
  /** a progress/output line for the live pane and the evidence file (redacted + sanitized by the runner) */
  emit(line: string, stream?: 'stdout' | 'stderr' | 'info'): void;
  /**
   * raw bytes of a child's output: written losslessly (after redaction) to evidence, split into lines for the pane.
   * The runner copies what it keeps: the caller may reuse `chunk`'s memory as soon as this returns.
   */
  write(chunk: Buffer | string, stream: 'stdout' | 'stderr'): void;
  /** attach an extra evidence file (e.g. health_check_results.json); returns its relative path */
  attach(name: string, content: string | Buffer): Promise<string>;
  /** resolved checklist variables (secrets included: never print them; ctx.redact masks them) */
  vars: Record<string, string>;
  /** mask every secret value (and known secret patterns) in a string */
  redact(text: string): string;
  /** the Kubernetes target (kubeconfig + context), resolved lazily; rejects with a CheckError when unusable */
  kube(contextOverride?: string): Promise<KubeTarget>;
  /** working directory for relative paths (the checklist's directory unless the check says otherwise) */
  cwd: string;
  /** environment for child processes */
  env: NodeJS.ProcessEnv;
  /** ms; the runner also aborts `signal` when it expires */
  timeoutMs: number;
  /** ms between SIGTERM and SIGKILL when a kind kills the process group it started (process/spawn.ts; default 3000) */
  killGraceMs?: number;
  item: { id: string; title: string };
}

/** What a kind returns. The runner evaluates `expect` (or the kind's defaultExpect) over `result`. */
export interface CheckOutput {
  /** the documented result object: `expect` is evaluated against it */
  result: Record<string, unknown>;
  /** one line for humans, e.g. "3/5 nodes Ready" */
  summary: string;
  measured?: string;
  threshold?: string;
  offending?: Record<string, unknown>[];
  /**
   * Set only when the kind itself knows the verdict cannot be judged by `expect`:
   * 'inconclusive' (no data) — otherwise leave undefined and let `expect` decide pass/fail.
   */
  verdict?: Extract<CheckVerdict, 'inconclusive'>;
}

/** Thrown (or returned via reject) by a kind when it could not run: becomes status `error`. */
export class CheckError extends Error {
  constructor(
    message: string,
    /** what the operator should do, e.g. "install trivy or set trivyPath" */
    public readonly hint?: string,
  ) {
    super(message);
    this.name = 'CheckError';
  }
}

/** see CheckKind.outcomes */
export interface Outcomes {
  error: string;
  fail: string;
  inconclusive: string;
}

export interface CheckKind<P = Record<string, unknown>> {
  kind: string;
  /** one line for `readiness-tui kinds` */
  title: string;
  /** paragraph: what it does, what counts as error vs fail */
  description: string;
  /**
   * One line each: what makes a run of this kind `error` (could not run), `fail` (ran and found a problem) and
   * `inconclusive` (ran, nothing to judge) — `readiness-tui kinds KIND` prints them so CI authors know what they
   * will see. Say "never" when the kind cannot end in that outcome.
   */
  outcomes: Outcomes;
  /** zod schema of the params (everything in the check mapping except kind/expect/mutating/context) */
  params: z.ZodType<P>;
  /** documentation of the result object: field → description (for `kinds` and for writing `expect`) */
  resultDoc: Record<string, string>;
  /** an example YAML snippet of the check mapping */
  example: string;
  /** JSONata expression used when the checklist gives no `expect` */
  defaultExpect: string;
  /** true when running this check changes the environment (may depend on params) */
  mutating?(params: P): boolean;
  /** the exact command / API query, shown before it runs (secrets redacted by the caller) */
  describe(params: P, vars: Record<string, string>): string;
  run(params: P, ctx: CheckContext): Promise<CheckOutput>;
  /** true while the kind is only a placeholder: validation refuses it with a clear message */
  planned?: boolean;
}
