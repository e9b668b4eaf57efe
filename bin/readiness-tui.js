#!/usr/bin/env node
// `readiness-tui validate FILE`, and only that form, starts from its own entry without the command-line parser
// (src/validate-cli.ts); everything else goes through dist/cli.js.
const [command, file, ...rest] = process.argv.slice(2);
const plainValidate = command === 'validate' && file !== undefined && !file.startsWith('-') && rest.length === 0;
if (plainValidate) await (await import('../dist/validate-cli.js')).main(file);
else await import('../dist/cli.js');
