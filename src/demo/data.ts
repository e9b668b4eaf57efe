/**
 * The sandbox's world: composed here for the demo (not captured data — tests use test/fixtures).
 * Two scenarios: `go` (everything healthy) and `no-go` (a realistic mix: a NotReady node, 2 critical CVEs,
 * a route without retries, one unstructured log source).
 */
export type Scenario = 'go' | 'no-go';

const NS = 'detektor';

function node(name: string, ready: boolean, role = 'worker'): Record<string, unknown> {
  const at = '2026-11-20T08:00:00Z';
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      uid: `demo-${name}`,
      creationTimestamp: at,
      labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', [`node-role.kubernetes.io/${role}`]: '' },
    },
    spec: {},
    status: {
      conditions: [
        { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', lastTransitionTime: at },
        { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', lastTransitionTime: at },
        ready
          ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastTransitionTime: at }
          : {
              type: 'Ready',
              status: 'Unknown',
              reason: 'NodeStatusUnknown',
              message: 'Kubelet stopped posting node status.',
              lastTransitionTime: '2026-11-27T01:12:09Z',
            },
      ],
      nodeInfo: { kubeletVersion: 'v1.31.4', osImage: 'Debian GNU/Linux 12 (bookworm)', containerRuntimeVersion: 'containerd://1.7.24' },
    },
  };
}

/**
 * Six nodes; in no-go prod-worker-4 is NotReady (kubelet stopped posting status). The checklist asks for ≥ 5 Ready
 * nodes, so 0.2 still passes with 5/6 and shows the NotReady node: a failing 0.2 would block the seven items that
 * `dependsOn: ["0.2"]` (network probe, chaos test, retries, health, logs, remediation, DR drill) and the captain
 * would see none of the failures the no-go scenario is about.
 */
export function nodes(s: Scenario): Record<string, unknown>[] {
  return [
    node('prod-cp-1', true, 'control-plane'),
    node('prod-worker-1', true),
    node('prod-worker-2', true),
    node('prod-worker-3', true),
    node('prod-worker-4', s === 'go'),
    node('prod-worker-5', true),
  ];
}

export function namespaces(): Record<string, unknown>[] {
  return [NS, 'monitoring', 'default', 'kube-system'].map((name) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
    status: { phase: 'Active' },
  }));
}

export function networkPolicies(): Record<string, unknown>[] {
  return [
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'default-deny-all', namespace: NS },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-from-gateway', namespace: NS },
      spec: {
        podSelector: { matchLabels: { app: 'detection-service' } },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } } }],
            ports: [{ protocol: 'TCP', port: 8080 }],
          },
        ],
      },
    },
  ];
}

export function services(): Record<string, unknown>[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'detection-service', namespace: NS, labels: { app: 'detection-service' } },
      spec: { selector: { app: 'detection-service' }, ports: [{ name: 'http', port: 8080, targetPort: 8080 }] },
    },
  ];
}

function vs(name: string, host: string, withRetries: boolean): Record<string, unknown> {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace: NS },
    spec: {
      hosts: [host],
      http: [
        {
          name: 'primary',
          route: [{ destination: { host, port: { number: 8080 } } }],
          timeout: '5s',
          ...(withRetries ? { retries: { attempts: 3, perTryTimeout: '1s', retryOn: 'gateway-error,connect-failure,refused-stream' } } : {}),
        },
      ],
    },
  };
}

export function virtualServices(s: Scenario): Record<string, unknown>[] {
  return [
    vs('detection-service', 'detection-service.detektor.svc.cluster.local', true),
    vs('frame-ingest', 'frame-ingest.detektor.svc.cluster.local', true),
    vs('alert-dispatcher', 'alert-dispatcher.detektor.svc.cluster.local', s === 'go'),
  ];
}

export function secrets(): Record<string, unknown>[] {
  const managed = (name: string) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name,
      namespace: NS,
      labels: { 'reconcile.external-secrets.io/managed': 'true' },
      ownerReferences: [{ apiVersion: 'external-secrets.io/v1beta1', kind: 'ExternalSecret', name, uid: `demo-es-${name}`, controller: true }],
    },
  });
  return [managed('detektor-db'), managed('detektor-api-keys'), managed('detektor-tls')];
}

interface Vuln {
  VulnerabilityID: string;
  PkgName: string;
  InstalledVersion: string;
  FixedVersion?: string;
  Severity: string;
  Title: string;
}

/** A trivy JSON report (SchemaVersion 2) for the detektor image. */
export function trivyReport(s: Scenario, image: string): Record<string, unknown> {
  const base: Vuln[] = [
    { VulnerabilityID: 'CVE-2024-6119', PkgName: 'libssl3', InstalledVersion: '3.0.14-r0', FixedVersion: '3.0.15-r0', Severity: 'MEDIUM', Title: 'openssl: possible denial of service in X.509 name checks' },
    { VulnerabilityID: 'CVE-2024-45490', PkgName: 'libexpat', InstalledVersion: '2.6.2-r0', FixedVersion: '2.6.3-r0', Severity: 'HIGH', Title: 'libexpat: negative length in XML_ParseBuffer' },
  ];
  const critical: Vuln[] = [
    { VulnerabilityID: 'CVE-2024-45491', PkgName: 'libexpat', InstalledVersion: '2.6.2-r0', FixedVersion: '2.6.3-r0', Severity: 'CRITICAL', Title: 'libexpat: integer overflow in dtdCopy' },
    { VulnerabilityID: 'CVE-2024-45492', PkgName: 'libexpat', InstalledVersion: '2.6.2-r0', FixedVersion: '2.6.3-r0', Severity: 'CRITICAL', Title: 'libexpat: integer overflow in nextScaffoldPart' },
  ];
  return {
    SchemaVersion: 2,
    CreatedAt: new Date().toISOString(),
    ArtifactName: image,
    ArtifactType: 'container_image',
    Metadata: { OS: { Family: 'alpine', Name: '3.20.2' }, RepoTags: [image] },
    Results: [
      { Target: `${image} (alpine 3.20.2)`, Class: 'os-pkgs', Type: 'alpine', Vulnerabilities: s === 'go' ? base : [...base, ...critical] },
      { Target: 'app/requirements.txt', Class: 'lang-pkgs', Type: 'pip' },
    ],
  };
}

/** An SLO dashboard in Grafana's classic model with a collapsed row (children in row.panels). */
export function sloDashboard(uid: string): Record<string, unknown> {
  const slo = (id: number, title: string, expr: string) => ({
    id,
    type: 'stat',
    title,
    gridPos: { h: 6, w: 6, x: ((id - 1) % 4) * 6, y: 0 },
    targets: [{ refId: 'A', expr }],
  });
  return {
    uid,
    title: 'detektor — SLO tracking',
    schemaVersion: 39,
    version: 7,
    panels: [
      slo(1, 'SLO: detection availability (99.9%)', 'sum(rate(http_requests_total{job="detektor",code!~"5.."}[30d])) / sum(rate(http_requests_total{job="detektor"}[30d]))'),
      slo(2, 'SLO: detection latency p99 < 300 ms', 'histogram_quantile(0.99, sum by (le) (rate(detection_duration_seconds_bucket[5m])))'),
      slo(3, 'SLO: frame ingest success', 'sum(rate(frames_ingested_total[30d])) / sum(rate(frames_received_total[30d]))'),
      { id: 10, type: 'row', title: 'Error budgets', collapsed: true, gridPos: { h: 1, w: 24, x: 0, y: 6 }, panels: [
        slo(4, 'SLO: alert dispatch within 60 s', 'sum(rate(alerts_dispatched_within_slo_total[30d])) / sum(rate(alerts_dispatched_total[30d]))'),
        slo(5, 'SLO: error budget burn rate', 'slo:error_budget_burn_rate:ratio_rate1h{service="detektor"}'),
      ] },
      { id: 20, type: 'timeseries', title: 'Requests per second', targets: [{ refId: 'A', expr: 'sum(rate(http_requests_total{job="detektor"}[5m]))' }] },
    ],
  };
}

/** Vault: health is active; KV v2 metadata for the service's secrets. */
export function vaultSecrets(s: Scenario, now = Date.now()): { path: string; createdTime: string; currentVersion: number }[] {
  const daysAgo = (d: number) => new Date(now - d * 86400_000).toISOString();
  return [
    { path: 'detektor/db', createdTime: daysAgo(12), currentVersion: 7 },
    { path: 'detektor/api-keys', createdTime: daysAgo(30), currentVersion: 4 },
    { path: 'detektor/tls', createdTime: daysAgo(40), currentVersion: 3 },
  ];
}

/** Structured log lines of the service (and, in no-go, one source still printing plain text). */
export function logLines(s: Scenario, count = 400, now = Date.now()): { structured: string[]; legacy: string[] } {
  const levels = ['info', 'info', 'info', 'debug', 'warn', 'error'];
  const structured: string[] = [];
  for (let i = 0; i < count; i++) {
    const ts = new Date(now - (count - i) * 1500).toISOString();
    structured.push(
      JSON.stringify({
        timestamp: ts,
        level: levels[i % levels.length],
        service: 'detektor',
        trace_id: (0x1f3a9c00 + i * 7919).toString(16).padStart(32, '0'),
        msg: i % 5 === 0 ? 'frame batch processed' : 'detection completed',
        frames: (i * 13) % 97,
        duration_ms: 40 + ((i * 37) % 180),
      }),
    );
  }
  const legacy =
    s === 'go'
      ? []
      : Array.from({ length: 40 }, (_, i) => `${new Date(now - (40 - i) * 9000).toISOString()} WARN [alert-dispatcher] retrying webhook delivery attempt=${(i % 3) + 1}`);
  return { structured, legacy };
}

/** Alert firing episodes over the last 7 days: [alertname, severity, start offset hours ago, duration minutes, runbook]. */
export function alertEpisodes(s: Scenario): { alertname: string; severity: string; startHoursAgo: number; minutes: number; runbook: boolean }[] {
  const eps: { alertname: string; severity: string; startHoursAgo: number; minutes: number; runbook: boolean }[] = [];
  const names = ['DetektorHighLatency', 'DetektorErrorBudgetBurn', 'FrameIngestBacklog', 'AlertDispatchFailing'];
  // ~2 actionable episodes a day, all with runbooks, lasting 20–90 minutes
  for (let d = 0; d < 7; d++) {
    for (let k = 0; k < 2; k++) {
      eps.push({ alertname: names[(d + k) % names.length]!, severity: 'critical', startHoursAgo: 6 + d * 24 + k * 9, minutes: 20 + ((d * 17 + k * 29) % 70), runbook: true });
    }
  }
  if (s === 'no-go') {
    // one flapping warning (short, no runbook — a false positive): visible in 3.3's table, within its thresholds
    // (15 episodes: FP rate 1/15 < 0.1, actionable 14/15 > 0.9), so 3.3 is not one of the scenario's failures
    eps.push({ alertname: 'PodCPUThrottlingHigh', severity: 'warning', startHoursAgo: 29, minutes: 2, runbook: false });
  }
  return eps;
}
