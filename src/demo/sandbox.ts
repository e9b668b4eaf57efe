/**
 * The demo sandbox: stands in for the detektor production environment on loopback ports chosen at run time.
 * It reuses the fake servers the tests use (src/demo/servers/*) — one implementation — and the product code
 * reaches it only through its real clients (client-node via a generated kubeconfig, fetch, child processes).
 *
 *   Kubernetes API (HTTPS, self-signed CA)  nodes, namespaces, NetworkPolicies, VirtualServices, Secrets, probe pods
 *   Grafana API                             the SLO dashboard
 *   health endpoints                        /health and /ready of the detection service, realistic latency
 *   Vault API                               sys/health and KV v2 metadata of the service's secrets
 *   trivy (on PATH)                         replays a scan report of detektor:latest
 *   kubectl (on PATH)                       `kubectl logs` of the detektor pods (the structured-logging sample)
 *   Prometheus (real binary, if installed)  7 days of ALERTS history backfilled with promtool
 *   scripts/                                the seed's scripts (optimisation report, chaos test, remediation, DR drill)
 *   keys/sandbox-approver                   the sandbox approver's own SSH key (demo --ci signs its approvals with it)
 */
import { mkdtemp, mkdir, writeFile, cp, chmod, rm, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify as yamlStringify } from 'yaml';
import * as data from './data.js';
import type { Scenario } from './data.js';
import { startKubeApiServer, type KubeApiServer } from './servers/kube-api.js';
import { startGrafanaServer, type GrafanaServer } from './servers/grafana-api.js';
import { startHealthServer, type HealthServer } from './servers/health.js';
import { startVaultApiServer, kvMetadataFor, type VaultApiServer } from './servers/vault-api.js';
import { findPrometheus, startPrometheus, backfillAlerts, type PrometheusServer, type BackfillEpisode } from './servers/prometheus.js';
import { startPrometheusStandIn, type StandInRule } from './servers/prometheus-standin.js';
import { writeFakeTrivy } from './fake-trivy.js';

export interface Sandbox {
  scenario: Scenario;
  /** the temporary working directory (cwd of the demo session) */
  dir: string;
  /** the detektor repository stand-in (scripts, deliverables) */
  repoDir: string;
  /** variables file for the checklist (includes the sandbox's secret tokens) */
  varsFile: string;
  checklistPath: string;
  /** environment the checks must run with (KUBECONFIG, PATH with the fake tools first, script knobs) */
  env: Record<string, string>;
  /** human-readable lines: what was started where */
  notes: string[];
  /** programs the sandbox replaced with a stand-in of its own because the real one is not installed (e.g. Prometheus) */
  standIns: string[];
  /** the sandbox approver (demo --ci): its principal and its own SSH key, generated in the sandbox, no passphrase */
  approver: { principal: string; signKey: string };
  stop(): Promise<void>;
}

export const SANDBOX_APPROVER = 'sandbox-approver@demo.invalid';

/** A fresh ed25519 key of the sandbox's own (never the operator's): an approval the sandbox signs counts as signed. */
async function approverKey(dir: string): Promise<string> {
  const { runTool } = await import('../signing/ssh-tools.js');
  await mkdir(path.join(dir, 'keys'), { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'keys', 'sandbox-approver');
  const r = await runTool('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', SANDBOX_APPROVER, '-f', file], { env: process.env, timeoutMs: 20_000 });
  if (r.code !== 0) throw new Error(`the sandbox could not make its approver's SSH key (ssh-keygen): ${r.missing ? 'ssh-keygen is not installed' : r.stderr.trim()}`);
  return file;
}

/** The package's own files, found from source (tests) or from the bundle (dist/). */
function packageFile(...rel: string[]): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const base of [path.resolve(here, '..', '..'), path.resolve(here, '..')]) {
    const p = path.join(base, ...rel);
    if (existsSync(p)) return p;
  }
  throw new Error(`readiness-tui is incomplete: ${path.join(...rel)} is missing from the package`);
}

function scriptsSource(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const p of [path.join(here, 'scripts'), path.join(here, 'demo', 'scripts'), path.resolve(here, '..', 'dist', 'demo', 'scripts')]) {
    if (existsSync(path.join(p, 'disaster_recovery_test.sh'))) return p;
  }
  throw new Error('readiness-tui is incomplete: the demo scripts are missing from the package');
}

async function chmodTree(dir: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) await chmodTree(p);
    else if (e.name.endsWith('.sh')) await chmod(p, 0o755);
  }
}

/** knobs of the seed scripts (see src/demo/scripts/*.sh) per scenario */
function scriptEnv(s: Scenario): Record<string, string> {
  return {
    OPT_DELAY: '0.15',
    CB_STEP: '0.25',
    CB_RECOVERY: '12',
    CB_CASCADING: '0',
    REMEDIATE_SECONDS: '1',
    DR_STEP: '0.4',
    DR_RECOVERY_SECONDS: s === 'go' ? '412' : '512',
  };
}

/** a `kubectl` that answers `kubectl … logs …` with the sandbox's pod logs (all other verbs: a clear refusal) */
function fakeKubectl(logFile: string): string {
  return `#!/bin/sh
# readiness-tui demo sandbox: kubectl stand-in (only "logs" is served)
for a in "$@"; do
  if [ "$a" = "logs" ]; then cat ${JSON.stringify(logFile)}; exit 0; fi
done
echo "kubectl (demo sandbox): only 'kubectl logs' is available here" >&2
exit 1
`;
}

function episodesFor(s: Scenario, end: number): BackfillEpisode[] {
  return data.alertEpisodes(s).map((e) => {
    const activeAt = Math.floor((end - e.startHoursAgo * 3600) / 60) * 60;
    return {
      labels: { alertname: e.alertname, severity: e.severity, service: 'detektor' },
      activeAt,
      lastAt: activeAt + e.minutes * 60,
    };
  });
}

/** the alerting rules whose history the episodes are: none fires now (vector(0) > 1), they carry the runbooks */
function alertRuleGroups(s: Scenario): { name: string; rules: StandInRule[] }[] {
  const names = new Map<string, { severity: string; runbook: boolean }>();
  for (const e of data.alertEpisodes(s)) names.set(e.alertname, { severity: e.severity, runbook: e.runbook });
  const rules = [...names].map(([alert, m]) => ({
    alert,
    expr: 'vector(0) > 1',
    labels: { severity: m.severity, service: 'detektor' },
    annotations: {
      summary: `${alert} on detektor`,
      ...(m.runbook ? { runbook_url: `https://runbooks.example.internal/detektor/${alert}` } : {}),
    },
  }));
  return [{ name: 'detektor', rules }];
}

export async function startSandbox(scenario: Scenario, o: { dir?: string; log?: (line: string) => void } = {}): Promise<Sandbox> {
  const log = o.log ?? (() => {});
  const dir = o.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'readiness-demo-')));
  const repoDir = path.join(dir, 'detektor');
  const binDir = path.join(dir, 'bin');
  const notes: string[] = [];
  const standIns: string[] = [];
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
    stops.length = 0;
  };
  try {
    // the repository under review: scripts and deliverables
    await mkdir(repoDir, { recursive: true });
    await cp(scriptsSource(), path.join(repoDir, 'scripts'), { recursive: true });
    await chmodTree(path.join(repoDir, 'scripts'));
    await mkdir(path.join(repoDir, 'docs'), { recursive: true });
    await writeFile(
      path.join(repoDir, 'docs', 'production-runbook.md'),
      '# detektor — production runbook (demo sandbox)\n\nOn-call entry points, remediation scripts in scripts/remediation/, DR drill in scripts/disaster_recovery_test.sh.\n',
    );
    await mkdir(path.join(repoDir, 'dashboards'), { recursive: true });
    await writeFile(path.join(repoDir, 'dashboards', 'slo-tracking.json'), JSON.stringify(data.sloDashboard('slo-dashboard'), null, 2));
    await mkdir(path.join(repoDir, 'configs', 'security'), { recursive: true });
    await writeFile(path.join(repoDir, 'configs', 'security', 'network-policies.yaml'), yamlStringify(data.networkPolicies()));

    // Kubernetes
    const kube: KubeApiServer = await startKubeApiServer({
      objects: [...data.nodes(scenario), ...data.namespaces(), ...data.networkPolicies(), ...data.services(), ...data.virtualServices(scenario), ...data.secrets()] as never,
      probe: { rules: [{ from: 'detektor', to: '*', outcome: 'ok' }], default: 'timeout', runMs: 600 },
    });
    stops.push(() => kube.close());
    const kubeconfig = kube.writeKubeconfig(dir, 'production');
    notes.push(`Kubernetes API  ${kube.url}  (kubeconfig ${kubeconfig}, context production)`);

    // Grafana
    const grafanaToken = `demo-grafana-${Math.random().toString(36).slice(2, 10)}`;
    const grafana: GrafanaServer = await startGrafanaServer({ dashboards: [{ uid: 'slo-dashboard', dashboard: data.sloDashboard('slo-dashboard') }], token: grafanaToken });
    stops.push(() => grafana.close());
    notes.push(`Grafana API     ${grafana.url}`);

    // health endpoints of the detection service
    const health: HealthServer = await startHealthServer([
      { path: '/health', latencyMs: 35, jitterMs: 40 },
      { path: '/ready', latencyMs: 60, jitterMs: 60 },
    ]);
    stops.push(() => health.close());
    notes.push(`health          ${health.url}/health, /ready`);

    // Vault
    const vaultToken = `demo-vault-${Math.random().toString(36).slice(2, 10)}`;
    const kv: Record<string, ReturnType<typeof kvMetadataFor>> = {};
    for (const sct of data.vaultSecrets(scenario)) {
      const created = Array.from({ length: sct.currentVersion }, (_, i) => new Date(Date.parse(sct.createdTime) - (sct.currentVersion - 1 - i) * 30 * 86400_000));
      kv[sct.path] = kvMetadataFor(created);
    }
    const vault: VaultApiServer = await startVaultApiServer({ token: vaultToken, kv: { secret: kv } });
    stops.push(() => vault.close());
    notes.push(`Vault API       ${vault.url}`);

    // trivy and kubectl on PATH
    await writeFakeTrivy(binDir, { reportJson: JSON.stringify(data.trivyReport(scenario, 'detektor:latest')), delayMs: 1500 });
    const logs = data.logLines(scenario);
    const logFile = path.join(dir, 'pod-logs.txt');
    const mixed = [...logs.structured];
    logs.legacy.forEach((l, i) => mixed.splice(Math.min(mixed.length, (i + 1) * 9), 0, l));
    await writeFile(logFile, mixed.join('\n') + '\n');
    await writeFile(path.join(binDir, 'kubectl'), fakeKubectl(logFile));
    await chmod(path.join(binDir, 'kubectl'), 0o755);
    notes.push(`trivy, kubectl  ${binDir} (replaying the sandbox's scan report and pod logs)`);

    // Prometheus: the real one when installed, else the sandbox's stand-in over the same history
    let prometheusUrl: string;
    // backfilled samples must be older than the head block (~3 h)
    const episodes = episodesFor(scenario, Math.floor(Date.now() / 1000 / 60) * 60 - 4 * 3600);
    if (await findPrometheus()) {
      const dataDir = path.join(dir, 'prometheus-data');
      await mkdir(dataDir, { recursive: true });
      await backfillAlerts(dataDir, episodes);
      // backfilled samples are 1 min apart: evaluate at the same interval so episodes are not split
      const rules = yamlStringify({ groups: alertRuleGroups(scenario) });
      const prom: PrometheusServer = await startPrometheus({ dataDir, rules, evaluationInterval: '1m' });
      // a signal or process.exit() must not leave Prometheus behind
      const killProm = () => {
        try {
          process.kill(prom.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      };
      process.once('exit', killProm);
      stops.push(async () => {
        // keep the exit hook until Prometheus is really gone: the process may exit while it shuts down
        await prom.stop();
        process.removeListener('exit', killProm);
      });
      prometheusUrl = prom.url;
      notes.push(`Prometheus      ${prom.url} (7 days of alert history)`);
    } else {
      const standIn = await startPrometheusStandIn({ episodes, rules: alertRuleGroups(scenario), evaluationInterval: '1m' });
      stops.push(() => standIn.close());
      prometheusUrl = standIn.url;
      standIns.push('Prometheus');
      notes.push(`Prometheus      ${standIn.url} (the sandbox's stand-in, 7 days of alert history; apt-get install prometheus for the real one)`);
    }

    const vars = {
      kubeContext: 'production',
      namespace: 'detektor',
      probeNamespace: 'default',
      detectionServiceUrl: health.url,
      grafanaUrl: grafana.url,
      grafanaToken,
      vaultAddr: vault.url,
      vaultToken,
      prometheusUrl,
      scriptsDir: path.join(repoDir, 'scripts'),
      repoDir,
    };
    const varsFile = path.join(dir, 'sandbox-vars.yaml');
    await writeFile(varsFile, '# readiness-tui demo sandbox variables (tokens are the sandbox\'s own)\n' + yamlStringify(vars), { mode: 0o600 });

    const env: Record<string, string> = {
      KUBECONFIG: kubeconfig,
      PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ''}`,
      ...scriptEnv(scenario),
    };
    const approver = { principal: SANDBOX_APPROVER, signKey: await approverKey(dir) };
    log(`sandbox (${scenario}) ready in ${dir}`);
    return { scenario, dir, repoDir, varsFile, checklistPath: packageFile('checklist', 'detektor.yaml'), env, notes, standIns, approver, stop };
  } catch (err) {
    await stop();
    if (!o.dir) await rm(dir, { recursive: true, force: true }).catch(() => {});
    throw err;
  }
}
