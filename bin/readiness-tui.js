#!/usr/bin/env node
// `readiness-tui validate FILE`, and only that form, starts from its own entry without the command-line parser
// (src/validate-cli.ts); everything else goes through dist/cli.js.
const [command, file, ...rest] = process.argv.slice(2);
const plainValidate = command === 'validate' && file !== undefined && !file.startsWith('-') && rest.length === 0;
await import(plainValidate ? '../dist/validate-cli.js' : '../dist/cli.js');
