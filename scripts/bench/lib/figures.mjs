// Small helpers shared by bench scripts: timing a child process and printing a figure against a target.

import { spawnSync } from 'node:child_process';

/** run a command, return wall ms and the result */
export function timed(cmd, args, opts = {}) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  return { ms: performance.now() - t0, r };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** "label: value (target ≤ X) PASS|MISS" */
export function figure(label, value, unit, target) {
  const shown = typeof value === 'number' ? `${value.toFixed(unit === '×' ? 2 : 0)}${unit === '×' ? '×' : ' ' + unit}` : String(value);
  if (target === undefined) {
    process.stdout.write(`  ${label}: ${shown}\n`);
    return true;
  }
  const ok = value <= target;
  process.stdout.write(`  ${label}: ${shown} (target ≤ ${target}${unit === '×' ? '×' : ' ' + unit}) ${ok ? 'PASS' : 'MISS'}\n`);
  return ok;
}
