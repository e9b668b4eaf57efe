/**
 * What a session is opened with from the command line (`run`, the TUI, `demo`): variables, where state and reports
 * live, who acts and with which key, and what kind of session it is. The command layer fills it from its flags; the
 * TUI and the headless runner read it (`sessionOptions()` in cli.ts gives both the TUI and `run` these).
 */
export interface SessionCliOptions {
  set?: string[];
  vars?: string;
  stateDir?: string;
  out?: string;
  only?: string;
  concurrency?: string | number;
  /** --output-limit: a size such as 2GiB */
  outputLimit?: string;
  new?: boolean;
  /** --take-over: take the driver role from an idle, gone or remote holder (session.ts) */
  takeOver?: boolean;
  kubeContext?: string;
  context?: string;
  as?: string;
  signKey?: string;
  /** the team's allowed_signers (default: allowed_signers in the state dir) */
  allowedSigners?: string;
  signer?: string;
  /** the demo sandbox: the session and every report say it was not production */
  sandbox?: boolean;
  /** the demo sandbox's stand-ins for programs that are not installed (said in the session and every report) */
  standIns?: string[];
  /** the session is a rehearsal of the real run (recorded in session.start; `readiness-tui diff` compares them) */
  rehearsal?: boolean;
}
