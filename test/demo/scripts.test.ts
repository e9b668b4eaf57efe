/**
 * The seed's scripts (src/demo/scripts) run through the real `command` kind with the same params and expectations
 * the detektor checklist uses (items 0.1, 2.1, 4.1, 4.2), passing and failing by environment switches.
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { command } from '../../src/checks/command.js';
import { evaluateExpect } from '../../src/checklist/expect.js';
import { basicContext, runKind } from '../support/check-context-basic.js';

const SCRIPTS = path.resolve(__dirname, '../../src/demo/scripts');

async function runScript(params: Record<string, unknown>, env: Record<string, string>, expectExpr: string) {
  const ctx = await basicContext({ env: { ...process.env, ...env } });
  const out = await runKind(command, params, ctx);
  const verdict = await evaluateExpect(expectExpr, out.result);
  return { out, result: out.result as Record<string, unknown>, ok: verdict.ok, ctx };
}

describe('check_optimizations.sh (0.1)', () => {
  const expr = 'exitCode = 0 and captures.passLines = 6';
  it('prints and writes one PASS line per check', async () => {
    const { ok, result, ctx } = await runScript({ run: `${SCRIPTS}/check_optimizations.sh`, count: { passLines: '^PASS ' } }, { OPT_DELAY: '0' }, expr);
    expect(ok).toBe(true);
    const report = await readFile(path.join(ctx.cwd, 'optimization_report.txt'), 'utf8');
    expect(report.split('\n').filter((l) => l.startsWith('PASS'))).toHaveLength(6);
    expect(String(result.stdoutTail)).toMatch(/6\/6 optimisation checks passed/);
    await ctx.dispose();
  });
  it('fails with OPT_FAIL', async () => {
    const { ok, result, ctx } = await runScript({ run: `${SCRIPTS}/check_optimizations.sh`, count: { passLines: '^PASS ' } }, { OPT_DELAY: '0', OPT_FAIL: 'db_pool' }, expr);
    expect(ok).toBe(false);
    expect(result.exitCode).toBe(1);
    expect((result.captures as Record<string, number>).passLines).toBe(5);
    await ctx.dispose();
  });
});

describe('circuit_breaker_test.sh (2.1)', () => {
  const expr = 'json.cascading_failures = 0 and json.circuit_breaker_trips > 0 and json.recovery_time_seconds < 30';
  it('stdout is the JSON verdict; progress is on stderr', async () => {
    const { ok, result, ctx } = await runScript({ run: `${SCRIPTS}/circuit_breaker_test.sh` }, { CB_STEP: '0' }, expr);
    expect(result.json).toEqual({ cascading_failures: 0, circuit_breaker_trips: 3, recovery_time_seconds: 12 });
    expect(String(result.stderrTail)).toMatch(/breaker .* OPEN \(trip 3/);
    expect(ok).toBe(true);
    await ctx.dispose();
  });
  it('a cascade or a slow recovery fails the expectation', async () => {
    const cases: Record<string, string>[] = [{ CB_CASCADING: '2' }, { CB_RECOVERY: '45' }, { CB_TRIPS: '0' }];
    for (const env of cases) {
      const { ok, ctx } = await runScript({ run: `${SCRIPTS}/circuit_breaker_test.sh` }, { CB_STEP: '0', ...env }, expr);
      expect(ok, JSON.stringify(env)).toBe(false);
      await ctx.dispose();
    }
  });
});

describe('remediation scripts (4.1)', () => {
  for (const s of ['high_memory', 'slow_queries', 'queue_backup']) {
    it(`${s}.sh --test closes the loop and exits 0; REMEDIATE_FAIL makes it exit 1`, async () => {
      const p = { argv: [`${SCRIPTS}/remediation/${s}.sh`, '--test'] };
      const good = await runScript(p, { REMEDIATE_SECONDS: '0' }, 'exitCode = 0');
      expect(good.ok).toBe(true);
      expect(String(good.result.stdoutTail)).toMatch(new RegExp(`\\[${s}\\] alert \\w+ RESOLVED`));
      expect(good.result.durationMs as number).toBeLessThan(60_000);
      const bad = await runScript(p, { REMEDIATE_SECONDS: '0', REMEDIATE_FAIL: s }, 'exitCode = 0');
      expect(bad.result.exitCode).toBe(1);
      expect(String(bad.result.stderrTail)).toMatch(/still FIRING/);
      const noTest = await runScript({ argv: [`${SCRIPTS}/remediation/${s}.sh`] }, {}, 'exitCode = 0');
      expect(noTest.result.exitCode).toBe(2);
      await Promise.all([good.ctx.dispose(), bad.ctx.dispose(), noTest.ctx.dispose()]);
    });
  }
});

describe('disaster_recovery_test.sh (4.2)', () => {
  const params = { run: `${SCRIPTS}/disaster_recovery_test.sh`, capture: { recoverySeconds: 'Total recovery time: (\\d+)' } };
  it('streams for several seconds and ends with the recovery time', async () => {
    const t0 = Date.now();
    const { ok, result, ctx } = await runScript(params, { DR_STEP: '0.3' }, 'captures.recoverySeconds < 900');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(3000);
    expect((result.captures as Record<string, number>).recoverySeconds).toBe(420);
    expect(ok).toBe(true);
    expect(ctx.written.length).toBeGreaterThanOrEqual(10); // streamed chunk by chunk, not at the end
    const log = await readFile(path.join(ctx.cwd, 'dr_test_results.log'), 'utf8');
    expect(log.trimEnd().split('\n').at(-1)).toBe('Total recovery time: 420 seconds');
    await ctx.dispose();
  }, 20_000);
  it('an RTO over 15 min fails; a failed restore exits 1 without a recovery time', async () => {
    const slow = await runScript(params, { DR_STEP: '0', DR_RECOVERY_SECONDS: '1260' }, 'captures.recoverySeconds < 900');
    expect(slow.ok).toBe(false);
    const broken = await runScript(params, { DR_STEP: '0', DR_FAIL: 'restore' }, 'captures.recoverySeconds < 900');
    expect(broken.result.exitCode).toBe(1);
    expect((broken.result.captures as Record<string, unknown>).recoverySeconds).toBeNull();
    expect(broken.ok).toBe(false);
    await Promise.all([slow.ctx.dispose(), broken.ctx.dispose()]);
  });
});
