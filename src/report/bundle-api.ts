/**
 * The report bundle (issue 7). Implemented in bundle.ts. `run --ci`, the TUI decision screen and
 * `readiness-tui report` all call writeReportBundle.
 */
export interface ReportOptions {
  /** session directory */
  sessionDir: string;
  /** reports root (default "reports") */
  outDir: string;
  /** --sign-key: private key file, or .pub whose private half is in the agent; undefined = agent, then ~/.ssh/id_ed25519 */
  signKey?: string;
  /** signer principal (default git user.email) */
  signer?: string;
  /** false = write unsigned on purpose */
  sign: boolean;
  /** interim report (not at the final decision) */
  interim: boolean;
  env?: NodeJS.ProcessEnv;
  /** (additive) the live session when the caller has it open: `report.generated` is recorded through it;
   *  otherwise the session dir is opened with openSessionDir for that one append */
  session?: import('../engine/session-api.js').Session;
  /** (additive) secret variable values known to the caller: the bundle is checked to contain none of them */
  secrets?: { name: string; value: string }[];
  /** (additive) signature namespace, default report@readiness-tui */
  namespace?: string;
  /** (additive) actor of the report.generated event when the session is opened here */
  operator?: string;
  /**
   * (additive) the rehearsal named in the report: a session directory; false = none; undefined = the newest rehearsal
   * of the same checklist in the session's state dir that started before it (none for a rehearsal's own report)
   */
  rehearsal?: string | false;
  /** (additive) generation time (tests) */
  now?: Date;
}

export interface ReportResult {
  /** the bundle directory */
  dir: string;
  signed: boolean;
  /** why it is unsigned, when it is */
  unsignedReason?: string;
  files: string[];
  /** (additive) non-fatal problems, e.g. report.generated could not be journaled */
  warnings?: string[];
  /** (additive) the signer principal named in the report */
  signer?: string;
  /** (additive) SHA256 fingerprint of the key that signed SHA256SUMS */
  keyFingerprint?: string;
}
