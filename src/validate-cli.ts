/**
 * The entry of `readiness-tui validate FILE` — exactly that command line; bin/readiness-tui.js picks it. The command
 * CI and editors run on every change starts without the command-line parser (commander) and the child_process and
 * network modules it pulls in. Any other form (options, --help, more arguments) goes through dist/cli.js (cli.ts),
 * with the same output and exit codes. bin/readiness-tui.js calls main(FILE).
 */
import { EXIT, UsageError, exitQuietlyOnClosedPipe, reportFatal } from './commands/exit.js';
import { validateCommand } from './commands/validate.js';

export async function main(file: string): Promise<void> {
  exitQuietlyOnClosedPipe();
  try {
    process.exitCode = await validateCommand(file);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n`);
      process.exitCode = EXIT.USAGE;
      return;
    }
    process.exitCode = reportFatal(err);
  }
}
