// Bench: engine overhead. A checklist of N items whose check is the command `true`, through the real CLI
// (`run --ci --concurrency 8`, start-up, session, journal with fsync and report bundle included), against
// `seq N | xargs -P 8 -n1 sh -c true` (the same processes with no engine).
// Targets: 500 items ≤ 10× xargs; 2,000 items ≤ 4.5× the time of 500 (the cost grows linearly).
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { figure } from './lib/figures.mjs';
import { run } from './lib/procs.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const bin = path.join(repo, 'bin', 'readiness-tui.js');
const probe = path.join(here, 'lib', 'rss-probe.mjs');

function checklist(n) {
  const out = ['apiVersion: readiness/v1', `name: engine-${n}`, `title: ${n} items of true`, 'blocks:', '  - id: "1"', '    title: Items', '    items:'];
  for (let i = 0; i < n; i++) out.push(`      - id: "1.${i}"`, `        title: Item ${i}`, '        check:', '          kind: command', '          run: "true"');
  return out.join('\n') + '\n';
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'rt-bench-engine-'));
try {
  const xargs = [];
  for (let r = 0; r < 3; r++) xargs.push((await run('/bin/sh', ['-c', 'seq 500 | xargs -P 8 -n1 sh -c true'])).ms);
  const base = Math.min(...xargs);
  const ours = {};
  for (const n of [500, 2000]) {
    const file = path.join(dir, `engine-${n}.yaml`);
    writeFileSync(file, checklist(n));
    const state = path.join(dir, `state-${n}`);
    const rssFile = path.join(dir, `rss-${n}`);
    const r = await run(process.execPath, ['--import', probe, bin, 'run', file, '--ci', '--concurrency', '8', '--state-dir', state, '--out', path.join(dir, `reports-${n}`)], {
      cwd: dir,
      env: { ...process.env, RT_BENCH_RSS_FILE: rssFile, NO_COLOR: '1' },
    });
    if (r.code !== 0) throw new Error(`run --ci of ${n} items exited ${r.code}: ${r.stderr.slice(0, 800)}`);
    const sdir = path.join(state, 'sessions', readdirSync(path.join(state, 'sessions'))[0]);
    const results = readFileSync(path.join(sdir, 'journal.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .filter((e) => e.type === 'item.result');
    const passed = results.filter((e) => e.data.verdict === 'pass').length;
    if (passed !== n) throw new Error(`${n} items: ${passed} passed (want all)`);
    ours[n] = { ms: r.ms, rss: Number(readFileSync(rssFile, 'utf8')) };
    rmSync(state, { recursive: true, force: true });
    rmSync(path.join(dir, `reports-${n}`), { recursive: true, force: true });
  }
  figure('seq 500 | xargs -P 8 -n1 sh -c true (best of 3)', base, 'ms');
  figure('500 items of `true`, run --ci --concurrency 8 (all pass)', ours[500].ms, 'ms');
  figure('  peak RSS of the CLI', ours[500].rss / 1024 / 1024, 'MB');
  figure('  per item', ours[500].ms / 500, 'ms');
  figure('ratio 500 items / xargs', ours[500].ms / base, '×', 10);
  figure('2,000 items of `true` (all pass)', ours[2000].ms, 'ms');
  figure('  peak RSS of the CLI', ours[2000].rss / 1024 / 1024, 'MB');
  figure('ratio 2,000 items / 500 items (linear is 4×)', ours[2000].ms / ours[500].ms, '×', 4.5);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
