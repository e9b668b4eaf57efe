#!/usr/bin/env node
/**
 * `npm run faults`: the fault suite (not part of `npm test`). Runs each experiment's vitest file at full size
 * (RT_FAULTS=1) against the built CLI, one after the other, and prints one table: experiment, trials, failures, goal,
 * time. An experiment that records its own rows (test/support/faults.ts) gives those; any other counts its tests.
 * Exits 1 when anything failed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const EXPERIMENTS = [
  { file: 'test/faults/kill9.test.ts' },
  { file: 'test/faults/signals.test.ts' },
  { file: 'test/report/verify-fuzz.test.ts' },
  { name: 'checklist fuzz: seeded random edits of the detektor checklist (validate)', file: 'test/checklist/robustness.test.ts', goal: 'never a crash, every problem located' },
  { name: 'malformed checklists (each class of bad input)', file: 'test/checklist/malformed.test.ts', goal: 'a located error, exit 2' },
  { file: 'test/checklist/limits.test.ts', only: 'checklist fuzz' },
  { file: 'test/faults/secrets.test.ts' },
  { name: 'credential-shaped canaries (AWS key id, GitHub token, JWT, password=, PEM key) printed by checks', file: 'test/commands/run-credentials.test.ts', goal: 'masked in run --ci output and the report, kept whole in evidence' },
  { name: 'hostile checklist text through a pty (OSC 52 / OSC 0 in titles and references)', file: 'test/e2e/hostile-text.test.ts', goal: 'shown visibly, never sent raw' },
  { name: 'hostile check output through a pty (OSC 52, title, cursor moves, clear screen)', file: 'test/e2e/tui.test.ts', only: 'hostile output', goal: 'never reaches the terminal' },
];

function runExperiment(e, tmp) {
  const rowsFile = path.join(tmp, `${path.basename(e.file)}.rows`);
  const json = path.join(tmp, `${path.basename(e.file)}.json`);
  const args = ['vitest', 'run', '--config', 'vitest.faults.config.ts', e.file, '--reporter=default', '--reporter=json', `--outputFile.json=${json}`];
  if (e.only) args.push('-t', e.only);
  const t0 = Date.now();
  const r = spawnSync('npx', args, { cwd: repo, env: { ...process.env, RT_FAULTS: '1', RT_FAULTS_OUT: rowsFile }, stdio: ['ignore', 'inherit', 'inherit'] });
  const seconds = Math.round((Date.now() - t0) / 1000);
  const rows = existsSync(rowsFile) ? readFileSync(rowsFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
  let tests = { passed: 0, failed: 0 };
  try {
    const j = JSON.parse(readFileSync(json, 'utf8'));
    tests = { passed: j.numPassedTests, failed: j.numFailedTests + (j.numTotalTests ? 0 : 1) };
  } catch {
    tests = { passed: 0, failed: 1 };
  }
  if (!rows.length) rows.push({ experiment: e.name ?? e.file, trials: tests.passed + tests.failed, failures: tests.failed, goal: e.goal ?? 'all pass' });
  // a file that failed beyond what its rows count (a crash, a failed assertion outside the campaign) still fails
  const counted = rows.reduce((n, x) => n + x.failures, 0);
  if ((r.status !== 0 || tests.failed) && counted === 0) rows.push({ experiment: `${e.file}: the run itself failed (exit ${r.status})`, trials: 1, failures: 1, goal: 'exit 0' });
  return rows.map((x) => ({ ...x, seconds: x === rows[0] ? seconds : undefined }));
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'rt-faults-'));
const t0 = Date.now();
const all = [];
try {
  if (spawnSync('npm', ['run', 'build'], { cwd: repo, stdio: 'inherit' }).status !== 0) process.exit(2);
  for (const e of EXPERIMENTS) {
    process.stderr.write(`\n== ${e.name ?? e.file}\n`);
    all.push(...runExperiment(e, tmp));
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const minutes = ((Date.now() - t0) / 60000).toFixed(1);
const failures = all.reduce((n, r) => n + r.failures, 0);
const lines = [
  '| experiment | trials | failures | goal | time |',
  '|---|---:|---:|---|---:|',
  ...all.map((r) => `| ${r.experiment} | ${r.trials} | ${r.failures} | ${r.goal} | ${r.seconds === undefined ? '' : `${r.seconds} s`} |`),
  '',
  `${all.length} experiments, ${all.reduce((n, r) => n + r.trials, 0)} trials, ${failures} failures, ${minutes} min (node ${process.version}, ${os.cpus().length} cores)`,
];
process.stdout.write('\n' + lines.join('\n') + '\n');
process.exit(failures ? 1 : 0);
