// Bench: `readiness-tui validate`, through the built CLI, against bare `node -e 0` measured side by side (Node start-up
// included, as a user waits for it). Targets: checklist/detektor.yaml ≤ 3×, a generated checklist of 2,000 items
// (100 blocks × 20) ≤ 6×.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { figure, median, timed } from './lib/figures.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(repo, 'bin', 'readiness-tui.js');
const BLOCKS = 100;
const PER_BLOCK = 20;

function generate() {
  const out = [
    'apiVersion: readiness/v1',
    'name: bench-2000',
    'title: Generated checklist with 2000 items',
    'vars:',
    '  scriptsDir:',
    '    default: ./scripts',
    '  threshold:',
    '    default: "900"',
    '  apiToken:',
    '    secret: true',
    'blocks:',
  ];
  for (let b = 0; b < BLOCKS; b++) {
    out.push(`  - id: "b${b}"`, `    title: Block ${b}`, '    successMetrics: [all items pass]', '    items:');
    for (let i = 0; i < PER_BLOCK; i++) {
      const id = `${b}.${i}`;
      out.push(`      - id: "${id}"`, `        title: Item ${id} checks something important`, '        metric: RTO < 15 minutes');
      out.push('        estimate: 30m', '        timeout: 10m', `        blocking: ${i % 3 === 0}`);
      if (i > 0) out.push(`        dependsOn: ["${b}.${i - 1}"]`);
      if (i % 10 === 9) {
        out.push('        check:', '          kind: manual', '        signoff: required', '        signoffRoles: [sre]');
      } else {
        out.push(
          '        check:',
          '          kind: command',
          `          run: \${vars.scriptsDir}/check_${b}_${i}.sh --fast`,
          '          env: { API_TOKEN: "${vars.apiToken}" }',
          '          capture:',
          "            seconds: 'Total recovery time: (\\d+)'",
          '          count:',
          "            passes: '^PASS'",
          '          expect: exitCode = 0 and captures.seconds < ${vars.threshold}',
        );
      }
      out.push('        reference: |', '          result = run_check()', '          assert result.ok');
    }
  }
  return out.join('\n') + '\n';
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'rt-bench-validate-'));
try {
  const file = path.join(dir, 'bench-2000.yaml');
  writeFileSync(file, generate());
  const first = timed(process.execPath, [bin, 'validate', file]);
  if (first.r.status !== 0) {
    process.stdout.write(`  validate failed (exit ${first.r.status}):\n${(first.r.stderr || first.r.stdout).split('\n').slice(0, 10).join('\n')}\n`);
    process.exit(1);
  }
  process.stdout.write(`  ${first.r.stdout.trim()}\n`);
  const detektor = path.join(repo, 'checklist', 'detektor.yaml');
  const runs = [];
  const small = [];
  const bare = [];
  const starts = [];
  // interleaved, so a noisy moment hits every figure alike
  for (let k = 0; k < 7; k++) {
    bare.push(timed(process.execPath, ['-e', '0']).ms);
    small.push(timed(process.execPath, [bin, 'validate', detektor]).ms);
    runs.push(timed(process.execPath, [bin, 'validate', file]).ms);
    starts.push(timed(process.execPath, [bin, '--version']).ms);
  }
  const node = median(bare);
  figure('bare node -e 0 (median of 7)', node, 'ms');
  figure('validate checklist/detektor.yaml', median(small), 'ms');
  figure('validate detektor.yaml vs bare node', median(small) / node, '×', 3);
  figure('validate 2,000 items', median(runs), 'ms');
  figure('validate 2,000 items vs bare node', median(runs) / node, '×', 6);
  figure('  of which Node + CLI start-up (--version)', median(starts), 'ms');
  figure('  validation itself (difference)', Math.max(0, median(runs) - median(starts)), 'ms');
} finally {
  if (process.env.RT_BENCH_KEEP) process.stdout.write(`  kept ${dir}\n`);
  else rmSync(dir, { recursive: true, force: true });
}
