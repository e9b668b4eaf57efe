/**
 * Argument parsing → one function per command (src/commands/<name>.ts, loaded lazily so `--version` stays fast).
 * Exit codes (the CLI contract): 0 ok/GO, 1 NO-GO / verification failed, 2 usage or config error, 3 INCOMPLETE.
 */
import { Command, CommanderError, Option } from 'commander';
import { VERSION } from './version.js';
import { EXIT, UsageError, exitQuietlyOnClosedPipe, reportFatal } from './commands/exit.js';

function collect(value: string, prev: string[]): string[] {
  return [...prev, value];
}

/** Options shared by the interactive TUI and the headless runner. */
function sessionOptions(cmd: Command): Command {
  return cmd
    .option('--set <k=v>', 'set a checklist variable (repeatable; not for secret variables)', collect, [])
    .option('--vars <file>', 'read variables from a YAML file (may hold secrets)')
    .option('--state-dir <dir>', 'where sessions live', '.readiness')
    .option('--out <dir>', 'where reports are written', 'reports')
    .option('--only <ids>', 'headless runs: only these item ids, comma separated (e.g. 1.1,2.3)')
    .option('--concurrency <n>', 'checks run at once', '4')
    .option('--output-limit <size>', "a check's output kept at most when its item sets no outputLimit (e.g. 2GiB)", '1GiB')
    .option('--new', 'start a new session instead of resuming the unfinished one')
    .option('--take-over', 'take the driver role from a holder whose terminal is idle or gone, or on another host (journaled)')
    .option('--kube-context <name>', 'kube context to use (default: the kubeconfig current context)')
    .option('--context <name>', 'alias of --kube-context')
    .option('--as <name>', 'operator identity (default: git user.email, else $USER)')
    .option('--sign-key <key>', 'SSH key for signing (private key file, or .pub whose private half is in the agent)')
    .option('--allowed-signers <file>', "the team's allowed_signers: which key may sign as whom (default: allowed_signers in --state-dir)")
    .option('--signer <principal>', 'signer principal for the report (default: git user.email)')
    .option('--rehearsal', 'mark the session as a rehearsal (compare it with the real run: readiness-tui diff)');
}

/** The interactive TUI (the program's own action), `watch` and `diff`. */
function addLiveCommands(program: Command): void {
  sessionOptions(
    program
      .argument('[file]', 'checklist YAML (default: pick from ./checklist and the bundled ones)')
      .option('--ci', 'run headless (same as `run --ci`)')
      .option('--json', 'with --ci: NDJSON events on stdout')
      .option('--no-color', 'no colour (also NO_COLOR=1)')
      .option('--ascii', 'ASCII borders and symbols (auto when the locale is not UTF-8)')
      .option('--no-animation', 'no spinners or animated elements')
      .option('--screen-reader', 'linear output for screen readers')
      .option('--fps <n>', 'maximum frames per second', '15')
      .option('--readonly', 'watch a session another operator drives (same as `watch`)')
      .option('--session <dir>', 'with --readonly: the session to watch'),
  ).action(async (file: string | undefined, opts) => {
    const m = await import('./commands/tui.js');
    process.exitCode = await m.tuiCommand(file, opts);
  });

  program
    .command('watch')
    .description('watch a session another operator drives, live: no lock, nothing journaled but your own sign-offs, waivers and notes')
    .argument('[file]', 'checklist YAML whose unfinished session to watch (default: the only unfinished session)')
    .option('--session <dir>', 'session directory')
    .option('--state-dir <dir>', 'where sessions live', '.readiness')
    .option('--as <name>', 'your identity (default: git user.email, else $USER)')
    .option('--sign-key <key>', 'SSH key to sign your sign-offs with')
    .option('--no-color', 'no colour (also NO_COLOR=1)')
    .option('--ascii', 'ASCII borders and symbols')
    .option('--no-animation', 'no spinners or animated elements')
    .option('--screen-reader', 'linear output for screen readers')
    .option('--fps <n>', 'maximum frames per second', '15')
    .action(async (file: string | undefined, opts) => {
      const m = await import('./commands/tui.js');
      process.exitCode = await m.tuiCommand(file, { ...opts, readonly: true });
    });

  program
    .command('diff')
    .description('two sessions side by side (a rehearsal and the real run): status, measured, duration, variables')
    .argument('<a>', 'session directory or id (in --state-dir)')
    .argument('<b>', 'session directory or id (in --state-dir)')
    .option('--state-dir <dir>', 'where sessions live', '.readiness')
    .option('--json', 'machine-readable')
    .action(async (a: string, b: string, opts) => {
      const m = await import('./commands/diff.js');
      process.exitCode = await m.diffCommand(a, b, opts);
    });
}

/** `validate`, `kinds` and the headless `run`. */
function addHeadlessCommands(program: Command): void {
  program
    .command('validate')
    .description('check a checklist file: every problem with file:line:col; exit 0 valid, 2 invalid')
    .argument('<file>')
    .action(async (file: string) => {
      const m = await import('./commands/validate.js');
      process.exitCode = await m.validateCommand(file);
    });

  program
    .command('kinds')
    .description('reference of every check kind: parameters, result shape, example')
    .argument('[kind]')
    .option('--json', 'machine-readable')
    .action(async (kind: string | undefined, opts) => {
      const m = await import('./commands/kinds.js');
      process.exitCode = await m.kindsCommand(kind, opts);
    });

  sessionOptions(
    program
      .command('run')
      .description('run every automated item headless; exit 0 GO, 1 NO-GO, 3 INCOMPLETE, 2 usage/config error')
      .argument('<file>')
      .option('--ci', 'no TTY, plain line per event (the default for `run`)')
      .option('--json', 'NDJSON events on stdout')
      .option('--reverify', 'resume the session and re-run exactly the automated items whose evidence is stale (maxAge)')
      .option('--within <minutes>', 'with --reverify: also items that turn stale within this time (minutes, or e.g. 1h)')
      .option('--reverify-mutating', 'with --reverify: also re-run stale mutating items (never without this flag)'),
  ).action(async (file: string, opts) => {
    const m = await import('./commands/run.js');
    process.exitCode = await m.runCommand(file, opts);
  });
}

/** What anyone may add to a session from a shell: `signoff`, `waive`, `note`. */
function addRecordCommands(program: Command): void {
  program
    .command('signoff')
    .description('record a human sign-off on an item of a session (from any shell)')
    .argument('<item>')
    .option('--session <dir>', 'session directory (default: the unfinished session in --state-dir)')
    .option('--state-dir <dir>', 'where sessions live', '.readiness')
    .addOption(new Option('--decision <d>', 'approve or reject').choices(['approve', 'reject']).makeOptionMandatory())
    .option('--comment <text>', 'comment (required when rejecting)', '')
    .option('--role <role>', 'role in which you sign')
    .option('--as <name>', 'signer principal (default: the principal the team file gives your key, else git user.email, else $USER)')
    .option('--sign-key <key>', 'SSH key to sign the statement with')
    .option('--allowed-signers <file>', "the team's allowed_signers: which key may sign as whom (default: allowed_signers in the state dir; without one, trust on first use)")
    .option('--no-sign', 'record without an SSH signature')
    .action(async (item: string, opts) => {
      const m = await import('./commands/signoff.js');
      process.exitCode = await m.signoffCommand(item, opts);
    });

  program
    .command('waive')
    .description("accept the risk of an item's latest result until an expiry (a signed statement), or approve someone else's waiver (--approve SEQ)")
    .argument('<item>')
    .option('--session <dir>', 'session directory (default: the unfinished session in --state-dir)')
    .option('--state-dir <dir>', 'where sessions live', '.readiness')
    .option('--reason <text>', 'why the risk is accepted (required to waive)')
    .option('--expires <date>', 'YYYY-MM-DD, ISO timestamp or 72h / 7d after which the waiver is void (required to waive)')
    .option('--control <text>', 'compensating control')
    .option('--approve <seq>', "approve someone else's waiver #SEQ of the item (checklist waiverApprovals) instead of waiving")
    .option('--comment <text>', 'with --approve: what you checked')
    .option('--as <name>', 'who waives (default: git user.email, else $USER)')
    .option('--sign-key <key>', 'SSH key to sign the statement with')
    .option('--allowed-signers <file>', "the team's allowed_signers: which key may sign as whom (default: allowed_signers in the state dir; without one, trust on first use)")
    .option('--no-sign', 'record without an SSH signature')
    .action(async (item: string, opts) => {
      const m = await import('./commands/waive.js');
      process.exitCode = await m.waiveCommand(item, opts);
    });

  program
    .command('note')
    .description('add a note to a session (optionally on an item)')
    .argument('<text>')
    .option('--item <id>')
    .option('--session <dir>')
    .option('--state-dir <dir>', 'where sessions live', '.readiness')
    .option('--as <name>', 'author principal (default: the principal the team file gives your key, else git user.email)')
    .option('--sign-key <key>', 'SSH key to sign the note with')
    .option('--allowed-signers <file>', "the team's allowed_signers (default: allowed_signers in the state dir; without one, trust on first use)")
    .option('--no-sign', 'record without an SSH signature')
    .action(async (text: string, opts) => {
      const m = await import('./commands/note.js');
      process.exitCode = await m.noteCommand(text, opts);
    });
}

/** `report` and `verify`. */
function addReportCommands(program: Command): void {
  program
    .command('decide')
    .description('record the final decision of a session (like g in the TUI): shows what it rests on, asks to confirm; exit 0 GO, 1 NO-GO, 3 INCOMPLETE')
    .option('--session <dir>', 'session directory (default: the unfinished session in --state-dir)')
    .option('--state-dir <dir>', 'where sessions live', '.readiness')
    .option('--as <name>', 'who decides (default: the principal the team file gives your key, else git user.email)')
    .option('--sign-key <key>', 'SSH key to sign the decision with')
    .option('--allowed-signers <file>', "the team's allowed_signers (default: allowed_signers in the state dir; without one, trust on first use)")
    .option('--no-sign', 'record without an SSH signature')
    .option('--yes', 'record without asking (needed when there is no terminal)')
    .action(async (opts) => {
      const m = await import('./commands/decide.js');
      process.exitCode = await m.decideCommand(opts);
    });

  program
    .command('report')
    .description('write the evidence bundle and signed report of a session; prints its path last')
    .option('--session <dir>', 'session directory (default: the one unfinished session in --state-dir, else the latest)')
    .option('--state-dir <dir>', 'where sessions live', '.readiness')
    .option('--out <dir>', 'where reports are written', 'reports')
    .option('--sign-key <key>', 'SSH key (private key file or .pub in the agent)')
    .option('--signer <principal>', 'signer principal (default: the principal the team file gives your key, else git user.email)')
    .option('--allowed-signers <file>', "the team's allowed_signers (default: allowed_signers in the state dir)")
    .option('--no-sign', 'write the bundle unsigned')
    .option('--rehearsal <session>', 'the rehearsal to name in the report (dir or id; default: the newest rehearsal of the checklist before the session)')
    .option('--no-rehearsal', 'name no rehearsal in the report')
    .action(async (opts) => {
      const m = await import('./commands/report.js');
      process.exitCode = await m.reportCommand(opts);
    });

  program
    .command('verify')
    .description('verify a report bundle: signatures, digests, journal chain, policy; exit 0 valid, 1 invalid')
    .argument('<bundle>')
    .requiredOption('--allowed-signers <file>', 'trusted allowed_signers file (never the copy in the bundle)')
    .option('--json', 'machine-readable findings')
    .option('--lenient', 'a statement whose signature allowed_signers does not trust is a warning, not a failure')
    .action(async (bundle: string, opts) => {
      const m = await import('./commands/verify.js');
      process.exitCode = await m.verifyCommand(bundle, opts);
    });
}

/** `demo` (the local sandbox) and `info`. */
function addSandboxCommands(program: Command): void {
  program
    .command('demo')
    .description('the whole detektor checklist against a local sandbox (no cluster needed)')
    .addOption(new Option('--scenario <s>', 'go or no-go').choices(['go', 'no-go']).default('no-go'))
    .option('--ci', 'run headless (exit codes as `run --ci`)')
    .option('--json', 'with --ci: NDJSON events')
    .option('--clean', 'remove the sandbox directory (session, evidence, reports) on exit')
    .option('--as <name>', 'operator identity')
    .option('--sign-key <key>', 'SSH key for signing')
    .option('--signer <principal>', 'signer principal')
    .option('--rehearsal', 'mark the session as a rehearsal (e.g. a go rehearsal to compare a no-go run with)')
    .option('--state-dir <dir>', 'where the session lives (default: inside the sandbox directory)')
    .option('--no-color')
    .option('--ascii')
    .option('--no-animation')
    .action(async (opts) => {
      const m = await import('./commands/demo.js');
      process.exitCode = await m.demoCommand(opts);
    });

  program
    .command('info')
    .description('where things are: state dir, sessions, reports, kubeconfig, tools found')
    .option('--state-dir <dir>', 'where sessions live', '.readiness')
    .action(async (opts) => {
      const m = await import('./commands/info.js');
      process.exitCode = await m.infoCommand(opts);
    });
}

export function buildProgram(): Command {
  const program = new Command('readiness-tui');
  program
    .description('Walk a production-readiness checklist live: checks, sign-offs, go/no-go and a signed report.')
    .version(VERSION, '-v, --version')
    .showSuggestionAfterError(true)
    // options after a subcommand belong to it (`signoff 1.1 --as bob --state-dir X`), not to the root program
    .enablePositionalOptions()
    .configureOutput({ outputError: (str, write) => write(str) })
    .exitOverride();

  addLiveCommands(program);
  addHeadlessCommands(program);
  addRecordCommands(program);
  addReportCommands(program);
  addSandboxCommands(program);

  return program;
}

/**
 * zod 4 compiles a specialised parser (new Function) for every object schema the first time it parses one: a win
 * for a server parsing the same shape a million times, 20–50 ms of start-up for a CLI that validates one checklist
 * once. zod reads this global config when it loads (src/checklist/schema.ts, the check kinds), so set it first; the
 * results are the same either way.
 */
function zodWithoutCompiledParsers(): void {
  const g = globalThis as { __zod_globalConfig?: { jitless?: boolean } };
  g.__zod_globalConfig ??= {};
  g.__zod_globalConfig.jitless ??= true;
}

export async function main(argv: string[]): Promise<void> {
  zodWithoutCompiledParsers();
  exitQuietlyOnClosedPipe();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) {
        process.exitCode = 0;
        return;
      }
      process.stderr.write('Run `readiness-tui --help` for usage.\n');
      process.exitCode = EXIT.USAGE;
      return;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n`);
      process.exitCode = EXIT.USAGE;
      return;
    }
    process.exitCode = reportFatal(err);
  }
}

// Run when executed (bundled entry), not when imported by tests.
if (!process.env.VITEST) await main(process.argv);
