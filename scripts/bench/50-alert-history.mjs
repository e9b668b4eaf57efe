// Bench: prometheus.alert-history over 30 days × 500 alerting series, backfilled with promtool into a real
// Prometheus (as the tests do), through the real CLI (`run --ci`, start-up included), against the same HTTP reads
// (every GET the check made, listed in its alert_episodes.json attachment) done with `curl` one after the other.
// Target: wall ≤ 1.5× the curl sequence; the episode count asserted (the checklist's expect).
// RT_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the CLI runs.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { figure } from './lib/figures.mjs';
import { importSource, onPath, run } from './lib/procs.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const bin = path.join(repo, 'bin', 'readiness-tui.js');
const probe = path.join(here, 'lib', 'rss-probe.mjs');
const MIN = 60;
const DAY = 86400;
const SERIES = 500;
const DAYS = 30;

if (!(await onPath('prometheus')) || !(await onPath('promtool')) || !(await onPath('curl'))) {
  process.stdout.write('  prometheus, promtool or curl is not on PATH (apt-get install -y prometheus curl): skipped\n');
  process.exit(0);
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'rt-bench-alerts-'));
let prom;
try {
  const { backfillAlerts, startPrometheus } = await importSource(repo, 'src/demo/servers/prometheus.ts', dir);
  // the window ends 4 h ago on a minute (backfill cannot write the last hours); two episodes a day per series
  const end = Math.floor((Date.now() / 1000 - 4 * 3600) / MIN) * MIN;
  const episodes = [];
  for (let k = 0; k < SERIES; k++) {
    const labels = { alertname: `BenchAlert${k % 50}`, severity: k % 3 ? 'warning' : 'critical', instance: `node-${k}`, service: 'bench' };
    for (let d = 0; d < DAYS; d++) {
      const first = end - (d + 1) * DAY + (1 + ((k * 37 + d * 101) % 660)) * MIN;
      for (const at of [first, first + 720 * MIN]) episodes.push({ labels, activeAt: at, lastAt: at + (3 + (k % 10)) * MIN });
    }
  }
  const t0 = performance.now();
  const b = await backfillAlerts(path.join(dir, 'data'), episodes);
  const backfillMs = performance.now() - t0;
  const rules = ['groups:', '  - name: bench', '    interval: 1m', '    rules:', ...Array.from({ length: 50 }, (_, i) => `      - alert: BenchAlert${i}\n        expr: vector(0) > 1\n        for: 1m\n        annotations:\n          runbook_url: https://runbooks.example/${i}`)].join('\n') + '\n';
  prom = await startPrometheus({ dataDir: path.join(dir, 'data'), rules, evaluationInterval: '1m', retention: '90d' });
  process.stdout.write(`  ${SERIES} series × ${DAYS} d, ${episodes.length} episodes backfilled (${b.blocks} blocks) in ${(backfillMs / 1000).toFixed(1)} s\n`);

  const at = new Date(end * 1000).toISOString();
  const checklist = path.join(dir, 'alerts.yaml');
  writeFileSync(
    checklist,
    ['apiVersion: readiness/v1', 'name: bench-alerts', 'title: Alert history', 'blocks:', '  - id: "1"', '    title: Alerts', '    items:', '      - id: "1.1"', '        title: 30 days of alerts', '        timeout: 10m', '        check:', '          kind: prometheus.alert-history', `          url: ${prom.url}`, `          days: ${DAYS}`, `          at: "${at}"`, `          expect: episodes = ${episodes.length}`, ''].join('\n'),
  );
  const ours = [];
  const theirs = [];
  let last;
  for (let round = 0; round < 3; round++) {
    const state = path.join(dir, `state-${round}`);
    const rssFile = path.join(dir, `rss-${round}`);
    const r = await run(process.execPath, [...(process.env.RT_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), '--import', probe, bin, 'run', checklist, '--ci', '--state-dir', state, '--out', path.join(dir, `reports-${round}`)], {
      cwd: dir,
      env: { ...process.env, RT_BENCH_RSS_FILE: rssFile, NO_COLOR: '1' },
      capture: true,
    });
    if (r.code !== 0 && r.code !== 1) throw new Error(`run --ci exited ${r.code}: ${r.stdout.slice(-1500)}`);
    ours.push(r.ms);
    const sdir = path.join(state, 'sessions', readdirSync(path.join(state, 'sessions'))[0]);
    const lines = readFileSync(path.join(sdir, 'journal.jsonl'), 'utf8').split('\n').filter(Boolean);
    const result = lines.map((l) => JSON.parse(l)).find((e) => e.type === 'item.result').data;
    // every GET the check made is listed in its attachment (the evidence log stays short)
    const attachment = JSON.parse(readFileSync(path.join(sdir, 'evidence', '1.1', '1-alert_episodes.json'), 'utf8'));
    const urls = attachment.requests.map((q) => q.replace(/^GET /, ''));
    if (urls.length === 0) throw new Error('the check listed no request');
    // the same reads, one curl process after the other
    let ms = 0;
    for (const u of urls) {
      const c = await run('curl', ['-sf', '-o', '/dev/null', u]);
      if (c.code !== 0) throw new Error(`curl ${u} exited ${c.code}`);
      ms += c.ms;
    }
    theirs.push(ms);
    last = { result, urls: urls.length, rss: Number(readFileSync(rssFile, 'utf8')), longest: Math.max(...lines.map((l) => Buffer.byteLength(l))) };
    rmSync(state, { recursive: true, force: true });
    rmSync(path.join(dir, `reports-${round}`), { recursive: true, force: true });
  }
  figure('  prometheus.alert-history through `run --ci` (best of 3, start-up included)', Math.min(...ours), 'ms');
  figure(`  the same ${last.urls} GETs with curl in sequence (best of 3)`, Math.min(...theirs), 'ms');
  figure('  ratio check / curl', Math.min(...ours) / Math.min(...theirs), '×', 1.5);
  figure('  peak RSS of the CLI', last.rss / 1024 / 1024, 'MB');
  figure('  longest journal line', last.longest / 1024, 'KB', 64);
  const ok = last.result.verdict === 'pass' && last.result.result.episodes === episodes.length;
  process.stdout.write(`  verdict ${last.result.verdict}, ${last.result.result.episodes} episodes (want ${episodes.length}): ${ok ? 'PASS' : 'MISS'}\n`);
} finally {
  await prom?.stop?.();
  rmSync(dir, { recursive: true, force: true });
}
