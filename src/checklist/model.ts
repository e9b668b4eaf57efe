/**
 * The typed checklist, as the rest of the program sees it after load + validation.
 * The zod schema in schema.ts must produce exactly these shapes.
 */

/** A source position kept from the YAML for error messages (1-based). */
export interface Position {
  file: string;
  line: number;
  col: number;
}

export interface VarDef {
  name: string;
  description?: string;
  default?: string;
  /** never written to journal, evidence, report or screen; only from env or --vars file */
  secret: boolean;
}

/** A check as written in the checklist: kind + kind-specific params + optional JSONata expectation. */
export interface CheckSpec {
  kind: string;
  /** JSONata over the kind's result; when absent the kind's defaultExpect is used */
  expect?: string;
  /** every other key of the check mapping, validated by the kind's own zod schema */
  params: Record<string, unknown>;
  /** mutating checks change the environment (DR drill, probe pods): the TUI confirms first */
  mutating: boolean;
  /** optional context override for kubernetes kinds */
  context?: string;
  /**
   * (additive) the params exactly as written, before the kind's schema applied defaults/transforms. `params` is the
   * schema's output; strings in either may still hold `${vars.x}`: use resolveCheckParams() (checks/params.ts) at
   * run time.
   */
  rawParams?: Record<string, unknown>;
}

export type SignoffPolicy = 'none' | 'optional' | 'required';

export interface Item {
  id: string;
  blockId: string;
  title: string;
  /** (additive) longer explanation */
  description?: string;
  metric?: string;
  /** milliseconds */
  estimateMs?: number;
  /**
   * milliseconds: how old the item's check result may be at the decision (the item's `maxAge`, else its block's,
   * else the checklist's); absent = never stale
   */
  maxAgeMs?: number;
  /**
   * milliseconds: how often the driver's TUI re-checks the item in the background once it passed (the item's
   * `watch`, else its block's, else the checklist's); absent = watched only when the session-wide watch (W) is on
   */
  watchMs?: number;
  blocking: boolean;
  owner?: string;
  role?: string;
  /** a single check, or several named checks (aggregated by the item-level `expect`) */
  check?: CheckSpec;
  checks?: Record<string, CheckSpec>;
  /** JSONata over {checks: {name: {status, durationMs, result}}} when `checks` is used */
  expect?: string;
  signoff: SignoffPolicy;
  signoffRoles: string[];
  approvals: number;
  /** forbid the person who ran/owns the item from approving it */
  noSelfApproval: boolean;
  /**
   * approvals by other people (other keys) a waiver of this item needs before it counts, when the item is blocking
   * (`waiverApprovals` of the item, else its block's, else the checklist's; default 0)
   */
  waiverApprovals: number;
  remediation?: { text?: string; command?: string };
  runbook?: string;
  dependsOn: string[];
  /** milliseconds */
  timeoutMs?: number;
  retries: number;
  /** the output kept at most per check run (`outputLimit:`), bytes */
  outputLimitBytes?: number;
  /** the original validation text from the source plan, shown to the operator */
  reference?: string;
  /**
   * credential-shaped output is masked on screen and in the report (engine/credential-mask.ts); false when the item
   * or one of its checks says `maskCredentials: false` (the output is needed verbatim); absent means masked
   */
  maskCredentials?: false;
  pos: Position;
}

export interface Block {
  id: string;
  title: string;
  /** (additive) longer explanation */
  description?: string;
  successMetrics: string[];
  items: Item[];
  pos: Position;
}

export interface Risk {
  risk: string;
  probability?: string;
  impact?: string;
  mitigation?: string;
  earlyWarning?: string;
}

export interface RollbackPlan {
  detection: string[];
  steps: string[];
  time?: string;
}

export interface Checklist {
  apiVersion: 'readiness/v1';
  name: string;
  title: string;
  description?: string;
  vars: VarDef[];
  blocks: Block[];
  successMetrics: string[];
  deliverables: { path: string; description?: string; check?: CheckSpec }[];
  risks: Risk[];
  rollback?: RollbackPlan;
  /**
   * the team file (OpenSSH allowed_signers) this checklist names, as written: a path relative to the checklist file
   * (engine/decide.ts teamFileIn resolves it; `--allowed-signers FILE` overrides it)
   */
  allowedSigners?: { path: string; pos: Position };
  /** absolute path of the file and the sha256 of its exact bytes */
  source: { path: string; sha256: string; bytes: Buffer };
}

export function allItems(c: Checklist): Item[] {
  return c.blocks.flatMap((b) => b.items);
}

/** Has automation to run: a check other than `manual`, or named `checks`. Manual items only wait for a sign-off. */
export function isAutomated(item: Item): boolean {
  if (item.checks && Object.keys(item.checks).length) return true;
  return Boolean(item.check && item.check.kind !== 'manual');
}
