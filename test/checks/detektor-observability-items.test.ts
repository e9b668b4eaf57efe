/**
 * The detektor checklist's items 2.1, 2.3, 3.1, 3.2, 3.3, 4.1 and 4.2 exactly as written in checklist/detektor.yaml:
 * loaded and validated by the product loader, variables interpolated, each check run by its kind against the
 * loopback health/Grafana servers, a real Prometheus, the seed scripts and fixture logs, and each `expect`
 * (check-level and item-level) evaluated by the product's JSONata evaluator — the YAML, the result shapes and the
 * expectations fit together.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadChecklist } from '../../src/checklist/load.js';
import { interpolate } from '../../src/checklist/interpolate.js';
import { evaluateExpect } from '../../src/checklist/expect.js';
import { getKind, KINDS } from '../../src/checks/index.js';
import type { CheckSpec, Item } from '../../src/checklist/model.js';
import { startHealthServer, type HealthServer } from '../../src/demo/servers/health.js';
import { loadDashboardDir, startGrafanaServer, type GrafanaServer } from '../../src/demo/servers/grafana-api.js';
import { backfillAlerts, findPrometheus, startPrometheus, type PrometheusServer } from '../../src/demo/servers/prometheus.js';
import { detektorAlertHistory } from '../support/alert-history.js';
import { basicContext, type BasicContext } from '../support/check-context-basic.js';
import { fixturesDir } from '../support/fixtures.js';
import { withoutTool } from '../support/tools.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = fixturesDir;
const TOKEN = 'glsa_' + 'demo'.repeat(8);
const bins = await findPrometheus();
const noProm = withoutTool('prometheus/promtool', Boolean(bins), 'apt-get install -y prometheus');

let dir: string;
let health: HealthServer;
let grafana: GrafanaServer;
let prom: PrometheusServer | undefined;
const contexts: BasicContext[] = [];
let vars: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rt-detektor-obs-'));
  health = await startHealthServer([{ path: '/health', latencyMs: 5 }, { path: '/ready', status: 204 }]);
  grafana = await startGrafanaServer({ dashboards: await loadDashboardDir(path.join(fixtures, 'grafana-dashboards')), token: TOKEN });
  if (bins) {
    const go = detektorAlertHistory(Date.now() / 1000, 'go');
    await backfillAlerts(path.join(dir, 'data'), go.episodes);
    prom = await startPrometheus({ dataDir: path.join(dir, 'data'), rules: go.rules, evaluationInterval: '1m' });
  }
  await writeFile(
    path.join(dir, 'pod.log'),
    Array.from({ length: 50 }, (_, i) =>
      JSON.stringify({ time: 1732700000000 + i, level: 30, 'service.name': 'detektor', trace_id: (i + 1).toString(16).padStart(32, 'a'), msg: 'ok' }),
    ).join('\n') + '\n',
  );
  vars = {
    detectionServiceUrl: health.url,
    grafanaUrl: grafana.url,
    sloDashboardUid: 'ccssRIenz', // pyrra's detail dashboard: no "SLO" in any title, SLO rules in every query
    grafanaToken: TOKEN,
    prometheusUrl: prom?.url ?? 'http://127.0.0.1:9',
    scriptsDir: path.join(repoRoot, 'src/demo/scripts'),
    repoDir: dir,
    logsCommand: `cat ${path.join(dir, 'pod.log')}`,
  };
}, 90_000);

afterAll(async () => {
  for (const c of contexts.splice(0)) await c.dispose();
  await health?.close();
  await grafana?.close();
  await prom?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function item(id: string): Promise<Item> {
  const c = await loadChecklist(path.join(repoRoot, 'checklist/detektor.yaml'), KINDS);
  const found = c.blocks.flatMap((b) => b.items).find((i) => i.id === id);
  if (!found) throw new Error(`item ${id} not in detektor.yaml`);
  return found;
}

const SCRIPT_ENV = { CB_STEP: '0', REMEDIATE_SECONDS: '0', DR_STEP: '0.05', OPT_DELAY: '0' };

/** run one check spec as the runner would: interpolate, parse params, run, evaluate expect → status */
async function runSpec(spec: CheckSpec, env: Record<string, string> = {}) {
  const kind = getKind(spec.kind)!;
  const ctx = await basicContext({ vars, secretVars: ['grafanaToken'], env: { ...process.env, ...SCRIPT_ENV, ...env }, cwd: dir });
  contexts.push(ctx);
  const params = kind.params.parse(interpolate(spec.params, vars));
  const t0 = Date.now();
  const out = await kind.run(params, ctx);
  const judged = await evaluateExpect(interpolate(spec.expect ?? kind.defaultExpect, vars), out.result);
  expect(judged.error).toBeUndefined();
  return { status: out.verdict ?? (judged.ok ? 'pass' : 'fail'), durationMs: Date.now() - t0, result: out.result, ctx };
}

describe('detektor observability and operations items as written', () => {
  it('2.1 circuit breaker: the chaos script\'s JSON passes the expectation', async () => {
    const i = await item('2.1');
    expect(i.check!.kind).toBe('command');
    expect((await runSpec(i.check!)).status).toBe('pass');
    expect((await runSpec(i.check!, { CB_RECOVERY: '31' })).status).toBe('fail');
  });

  it('2.3 health: http.health against the loopback endpoints, evidence attached', async () => {
    const i = await item('2.3');
    expect(i.check!.kind).toBe('http.health');
    const r = await runSpec(i.check!);
    expect(r.status).toBe('pass');
    expect(r.ctx.attachments.has('health_check_results.json')).toBe(true);
  });

  it('3.1 logs: logs.structured over the log command', async () => {
    const i = await item('3.1');
    expect(i.check!.kind).toBe('logs.structured');
    const r = await runSpec(i.check!);
    expect(r.result).toMatchObject({ lines: 50, structuredPercent: 100, missingFields: [] });
    expect(r.status).toBe('pass');
  });

  it('3.2 SLO dashboard: pyrra passes by queries, with 2 of 7 titles matching the synonyms', async () => {
    const i = await item('3.2');
    expect(i.check!.kind).toBe('grafana.dashboard');
    const r = await runSpec(i.check!);
    expect(r.result).toMatchObject({ byTitle: 2, byQuery: 7, matched: 7 });
    expect(r.status).toBe('pass');
    expect(r.ctx.everything()).not.toContain(TOKEN);
  });

  it.skipIf(noProm)('3.3 alert fatigue: a quiet week in a real Prometheus passes (needs prometheus, promtool)', async () => {
    const i = await item('3.3');
    expect(i.check!.kind).toBe('prometheus.alert-history');
    const r = await runSpec(i.check!);
    // the window ends now; the generated week ends 4 h ago, so its oldest episode (7 d + 1 h ago) falls out
    expect(r.result).toMatchObject({ episodes: 14, falsePositives: 1 });
    expect(r.status).toBe('pass');
  });

  it('4.1 runbook automation: three scenarios, item-level expect over checks', async () => {
    const i = await item('4.1');
    expect(Object.keys(i.checks!)).toEqual(['high_memory', 'slow_queries', 'queue_backup']);
    const run = async (env: Record<string, string>) => {
      const checks: Record<string, { status: string; durationMs: number; result: unknown }> = {};
      for (const [name, spec] of Object.entries(i.checks!)) checks[name] = await runSpec(spec, env);
      return (await evaluateExpect(i.expect!, { checks })).ok;
    };
    expect(await run({})).toBe(true);
    expect(await run({ REMEDIATE_FAIL: 'queue_backup' })).toBe(false);
  });

  it('4.2 DR: the drill streams and its recovery time is captured', async () => {
    const i = await item('4.2');
    expect(i.check!.mutating).toBe(true);
    const r = await runSpec(i.check!);
    expect((r.result as { captures: { recoverySeconds: number } }).captures.recoverySeconds).toBe(420);
    expect(r.status).toBe('pass');
    expect((await runSpec(i.check!, { DR_RECOVERY_SECONDS: '901' })).status).toBe('fail');
  });
});
