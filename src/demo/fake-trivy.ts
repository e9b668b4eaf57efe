/**
 * A stand-in `trivy` executable for the tests and the demo (one implementation for both).
 *
 * writeFakeTrivy(binDir, options) writes three files into binDir:
 *   trivy              — a small sh launcher (what PATH finds)
 *   .trivy-fake.cjs    — the behaviour, run by this same Node binary
 *   .trivy-fake.json   — the options (report file, exit code, stderr text, delay)
 *
 * It behaves like `trivy image --format json …` on the wire: log lines on stderr (INFO lines unless --quiet,
 * the configured `stderr` text always), the JSON report replayed byte-for-byte on stdout (or into -o/--output FILE),
 * then the configured exit code. It honours `--ignorefile FILE` (vulnerability ids listed there are dropped, like
 * trivy's .trivyignore) and `--severity A,B` on SchemaVersion 2 and legacy array reports, and answers `--version`.
 * Every invocation's argv is appended as one JSON line to `argsLog` when given, so tests can assert the command.
 * SIGTERM ends it at once (as trivy does), so cancel/timeout paths can be exercised with `delayMs`.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface FakeTrivyOptions {
  /** a trivy JSON report to replay (e.g. one of test/fixtures/trivy/*.json) */
  reportFile?: string;
  /** or the report text itself (written next to the script) */
  reportJson?: string;
  /** exit code after the report (default 0) */
  exitCode?: number;
  /** text written to stderr after the log lines (e.g. a FATAL error) */
  stderr?: string;
  /** total time the "scan" takes, spread over the log lines (default 0) */
  delayMs?: number;
  /** append each invocation's argv (JSON array) as a line to this file */
  argsLog?: string;
  /** reported by --version (default 0.58.1) */
  version?: string;
}

const SCRIPT = String.raw`'use strict';
const fs = require('node:fs');
const path = require('node:path');
const cfg = JSON.parse(fs.readFileSync(path.join(__dirname, '.trivy-fake.json'), 'utf8'));
const args = process.argv.slice(2);
if (cfg.argsLog) fs.appendFileSync(cfg.argsLog, JSON.stringify(args) + '\n');
process.on('SIGTERM', () => process.exit(143));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const flag = (names) => {
  for (let i = 0; i < args.length; i++) {
    for (const n of names) {
      if (args[i] === n) return args[i + 1];
      if (args[i].startsWith(n + '=')) return args[i].slice(n.length + 1);
    }
  }
  return undefined;
};
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
(async () => {
  if (args[0] === '--version' || args[0] === 'version' || args[0] === '-v') {
    process.stdout.write('Version: ' + cfg.version + '\n');
    return process.exit(0);
  }
  if (args[0] !== 'image' && args[0] !== 'i') {
    process.stderr.write(now() + '\tFATAL\tunknown command "' + (args[0] || '') + '" for "trivy"\n');
    return process.exit(1);
  }
  const quiet = args.includes('--quiet') || args.includes('-q');
  const target = args.filter((a, i) => i > 0 && !a.startsWith('-') && !(args[i - 1] || '').match(/^--?(format|f|scanners|ignorefile|severity|s|output|o|timeout|cache-dir)$/)).pop();
  const logs = [
    '\tINFO\t[vuln] Vulnerability scanning is enabled',
    '\tINFO\tDetected OS\tfamily="alpine" version="3.9.4"',
    '\tINFO\t[alpine] Detecting vulnerabilities...\tos_version="3.9" repository="3.9" pkg_num=14',
    '\tINFO\tNumber of language-specific files\tnum=0',
  ];
  const step = (cfg.delayMs || 0) / logs.length;
  for (const l of logs) {
    if (step) await sleep(step);
    if (!quiet) process.stderr.write(now() + l + (l.includes('enabled') && target ? '\timage="' + target + '"' : '') + '\n');
  }
  if (cfg.stderr) process.stderr.write(cfg.stderr.endsWith('\n') ? cfg.stderr : cfg.stderr + '\n');
  let out = cfg.reportFile ? fs.readFileSync(cfg.reportFile, 'utf8') : '';
  const ignoreFile = flag(['--ignorefile']);
  const severity = flag(['--severity', '-s']);
  if (out && (ignoreFile || severity)) {
    const ignored = new Set();
    if (ignoreFile) {
      for (const line of fs.readFileSync(ignoreFile, 'utf8').split(/\r?\n/)) {
        const id = line.replace(/#.*/, '').trim().split(/\s+/)[0];
        if (id) ignored.add(id);
      }
    }
    const sev = severity ? new Set(severity.split(',').map((s) => s.trim().toUpperCase())) : undefined;
    const doc = JSON.parse(out);
    const results = Array.isArray(doc) ? doc : doc.Results || [];
    for (const r of results) {
      if (Array.isArray(r.Vulnerabilities)) {
        r.Vulnerabilities = r.Vulnerabilities.filter((v) => !ignored.has(v.VulnerabilityID) && (!sev || sev.has(v.Severity)));
      }
    }
    out = JSON.stringify(doc, null, 2) + '\n';
  }
  const output = flag(['--output', '-o']);
  if (output) fs.writeFileSync(output, out);
  else if (out) await new Promise((r) => process.stdout.write(out, r));
  process.exit(cfg.exitCode || 0);
})();
`;

function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** write the fake `trivy` into binDir (created if needed); returns the executable's path */
export async function writeFakeTrivy(binDir: string, o: FakeTrivyOptions = {}): Promise<string> {
  await mkdir(binDir, { recursive: true });
  let reportFile: string | undefined;
  if (o.reportJson !== undefined) {
    reportFile = path.join(binDir, '.trivy-fake-report.json');
    await writeFile(reportFile, o.reportJson);
  } else if (o.reportFile) {
    // a private copy: the fixture may be read-only or move; the fake must replay exactly these bytes
    reportFile = path.join(binDir, '.trivy-fake-report.json');
    await writeFile(reportFile, await readFile(o.reportFile));
  }
  const cfg = {
    reportFile: reportFile ? path.resolve(reportFile) : undefined,
    exitCode: o.exitCode ?? 0,
    stderr: o.stderr ?? '',
    delayMs: o.delayMs ?? 0,
    argsLog: o.argsLog ? path.resolve(o.argsLog) : undefined,
    version: o.version ?? '0.58.1',
  };
  await writeFile(path.join(binDir, '.trivy-fake.json'), JSON.stringify(cfg, null, 2));
  await writeFile(path.join(binDir, '.trivy-fake.cjs'), SCRIPT);
  const exe = path.join(binDir, 'trivy');
  await writeFile(
    exe,
    `#!/bin/sh\n# fake trivy written by readiness-tui (src/demo/fake-trivy.ts) for tests and the demo\nexec ${shQuote(process.execPath)} "$(dirname "$0")/.trivy-fake.cjs" "$@"\n`,
  );
  await chmod(exe, 0o755);
  return exe;
}
