/**
 * A large Kubernetes world for the loopback API server (kube-api.ts), generated from a seed — never stored as data.
 * Default size (BIG_WORLD): 5,000 nodes (~1 % NotReady), 2,000 namespaces with 2 NetworkPolicies each (~1 % lack a
 * default-deny), 1,000 VirtualServices of 5 HTTP routes (~2 % of routes lack timeout or retries), 20,000 Secrets of
 * which 15,000 are owned by 5,000 ExternalSecrets (~2 % not Ready). `expect` holds the figures the checks must find,
 * counted while generating, so tests and the bench can assert verdicts and counts.
 */
import type { KubeObject } from './kube-api.js';
// the same seed always gives the same world
import { rng } from '../rng.js';

export interface WorldSize {
  nodes: number;
  namespaces: number;
  virtualServices: number;
  routesPerVirtualService: number;
  externalSecrets: number;
  /** Secrets owned by each ExternalSecret */
  secretsPerExternalSecret: number;
  /** Secrets not owned by an ExternalSecret (service-account tokens, Helm records, cert-manager TLS, unmanaged) */
  otherSecrets: number;
}

export const BIG_WORLD: WorldSize = {
  nodes: 5000,
  namespaces: 2000,
  virtualServices: 1000,
  routesPerVirtualService: 5,
  externalSecrets: 5000,
  secretsPerExternalSecret: 3,
  otherSecrets: 5000,
};

/** the label every generated namespace carries (the network-policy check selects them with it) */
export const WORLD_NAMESPACE_LABEL = 'readiness.example/world';
export const WORLD_NAMESPACE_SELECTOR = `${WORLD_NAMESPACE_LABEL}=generated`;

export interface WorldExpect {
  nodes: { total: number; ready: number };
  /** ingress default-deny over the namespaces matching WORLD_NAMESPACE_SELECTOR */
  networkPolicies: { namespaces: number; policies: number; lacking: number };
  virtualServices: { virtualServices: number; routes: number; withProblems: number };
  /** with the check's default ignores (service-account tokens, Helm records, cert-manager TLS) */
  secrets: { all: number; total: number; managed: number; unmanaged: number; ignored: number };
  externalSecrets: { total: number; ready: number };
}


const pad = (n: number, w: number) => String(n).padStart(w, '0');
const CREATED = '2026-01-05T08:00:00Z';

function node(i: number, ready: boolean, r: () => number): KubeObject {
  const name = `node-${pad(i, 5)}`;
  const zone = `eu-west-1${'abc'[i % 3]}`;
  const cond = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: CREATED,
    lastTransitionTime: CREATED,
  });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      uid: `00000000-0000-4000-8000-${pad(i, 12)}`,
      creationTimestamp: CREATED,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node.kubernetes.io/instance-type': 'm6i.2xlarge',
        'topology.kubernetes.io/zone': zone,
        'node-role.kubernetes.io/worker': '',
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: {
      providerID: `aws:///${zone}/i-${Math.floor(r() * 0xffffffff).toString(16).padStart(8, '0')}`,
      ...(ready ? {} : { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] }),
    },
    status: {
      capacity: { cpu: '8', memory: '32386524Ki', pods: '58', 'ephemeral-storage': '104845292Ki' },
      allocatable: { cpu: '7910m', memory: '31369692Ki', pods: '58', 'ephemeral-storage': '95551679124' },
      conditions: [
        cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        ready
          ? cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status')
          : cond('Ready', 'Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.'),
      ],
      addresses: [
        { type: 'InternalIP', address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` },
        { type: 'Hostname', address: name },
      ],
      nodeInfo: {
        kubeletVersion: 'v1.31.4',
        kubeProxyVersion: 'v1.31.4',
        containerRuntimeVersion: 'containerd://1.7.24',
        kernelVersion: '6.1.119-129.201.amzn2023.x86_64',
        osImage: 'Amazon Linux 2023.6.20241212',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
      images: Array.from({ length: 8 }, (_, k) => ({
        names: [`registry.example.com/team/app-${k}@sha256:${pad(i * 8 + k, 64)}`, `registry.example.com/team/app-${k}:v1.${k}`],
        sizeBytes: 20_000_000 + k * 1_000_000,
      })),
    },
  };
}

function route(name: string, ok: boolean, r: () => number) {
  if (ok) return { name, route: [{ destination: { host: name, port: { number: 8080 } } }], timeout: '10s', retries: { attempts: 3, perTryTimeout: '2s', retryOn: '5xx,reset,connect-failure' } };
  return r() < 0.5
    ? { name, route: [{ destination: { host: name, port: { number: 8080 } } }], retries: { attempts: 3, perTryTimeout: '2s', retryOn: '5xx' } }
    : { name, route: [{ destination: { host: name, port: { number: 8080 } } }], timeout: '10s' };
}

function secret(ns: string, name: string, r: () => number, extra: { type?: string; labels?: Record<string, string>; annotations?: Record<string, string>; owner?: string } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: extra.type ?? 'Opaque',
    metadata: {
      name,
      namespace: ns,
      creationTimestamp: CREATED,
      ...(extra.labels ? { labels: extra.labels } : {}),
      ...(extra.annotations ? { annotations: extra.annotations } : {}),
      ...(extra.owner
        ? { ownerReferences: [{ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', name: extra.owner, uid: `es-${extra.owner}`, controller: true, blockOwnerDeletion: true }] }
        : {}),
    },
    // a value that must never leave the server through the checks (they list metadata only)
    data: { password: Buffer.from(`world-secret-value-${Math.floor(r() * 1e12)}`).toString('base64') },
  };
}

/** the objects of a generated world and the figures the checks must find in it */
export function generateWorld(seed = 19, size: WorldSize = BIG_WORLD): { objects: KubeObject[]; expect: WorldExpect } {
  const r = rng(seed);
  const objects: KubeObject[] = [];
  const nsName = (i: number) => `team-${pad(i % size.namespaces, 4)}`;

  let ready = 0;
  for (let i = 0; i < size.nodes; i++) {
    const ok = r() >= 0.01;
    if (ok) ready++;
    objects.push(node(i, ok, r));
  }

  let lacking = 0;
  for (let i = 0; i < size.namespaces; i++) {
    const ns = nsName(i);
    objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { [WORLD_NAMESPACE_LABEL]: 'generated', team: `t${i % 40}` } }, spec: {}, status: { phase: 'Active' } });
    const deny = r() >= 0.01;
    if (!deny) lacking++;
    objects.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: deny ? 'default-deny' : 'allow-all', namespace: ns },
      spec: deny ? { podSelector: {}, policyTypes: ['Ingress'] } : { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] },
    });
    objects.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-from-gateway', namespace: ns },
      spec: {
        podSelector: { matchLabels: { app: 'web' } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } } }], ports: [{ port: 8080, protocol: 'TCP' }] }],
      },
    });
  }

  let withProblems = 0;
  for (let i = 0; i < size.virtualServices; i++) {
    const http = Array.from({ length: size.routesPerVirtualService }, (_, k) => {
      const ok = r() >= 0.02;
      if (!ok) withProblems++;
      return route(`svc-${pad(i, 4)}-r${k}`, ok, r);
    });
    objects.push({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: `vs-${pad(i, 4)}`, namespace: nsName(i) },
      spec: { hosts: [`svc-${pad(i, 4)}`], http },
    });
  }

  let esReady = 0;
  for (let i = 0; i < size.externalSecrets; i++) {
    const ns = nsName(i);
    const name = `es-${pad(i, 5)}`;
    const ok = r() >= 0.02;
    if (ok) esReady++;
    objects.push({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name, namespace: ns },
      spec: { secretStoreRef: { name: 'vault', kind: 'ClusterSecretStore' }, target: { name, creationPolicy: 'Owner' } },
      status: {
        conditions: [
          ok
            ? { type: 'Ready', status: 'True', reason: 'SecretSynced', message: 'secret synced' }
            : { type: 'Ready', status: 'False', reason: 'SecretSyncedError', message: 'could not get secret data from provider' },
        ],
      },
    });
    for (let k = 0; k < size.secretsPerExternalSecret; k++) {
      // ESO labels what it manages; some older ones carry only the ownerReference
      const labels = k === 0 ? { [`reconcile.external-secrets.io/managed`]: 'true' } : undefined;
      objects.push(secret(ns, `${name}-${k}`, r, { labels, owner: name }));
    }
  }
  const owned = size.externalSecrets * size.secretsPerExternalSecret;

  let ignored = 0;
  let unmanaged = 0;
  for (let i = 0; i < size.otherSecrets; i++) {
    const ns = nsName(i);
    switch (i % 5) {
      case 0:
      case 1:
        ignored++;
        objects.push(secret(ns, `sa-token-${pad(i, 5)}`, r, { type: 'kubernetes.io/service-account-token', annotations: { 'kubernetes.io/service-account.name': 'default' } }));
        break;
      case 2:
        ignored++;
        objects.push(secret(ns, `sh.helm.release.v1.app-${pad(i, 5)}.v1`, r, { type: 'helm.sh/release.v1', labels: { owner: 'helm' } }));
        break;
      case 3:
        ignored++;
        objects.push(secret(ns, `tls-${pad(i, 5)}`, r, { type: 'kubernetes.io/tls', annotations: { 'cert-manager.io/certificate-name': `cert-${pad(i, 5)}` } }));
        break;
      default:
        unmanaged++;
        objects.push(secret(ns, `legacy-${pad(i, 5)}`, r));
    }
  }

  const all = owned + size.otherSecrets;
  return {
    objects,
    expect: {
      nodes: { total: size.nodes, ready },
      networkPolicies: { namespaces: size.namespaces, policies: size.namespaces * 2, lacking },
      virtualServices: { virtualServices: size.virtualServices, routes: size.virtualServices * size.routesPerVirtualService, withProblems },
      secrets: { all, total: all - ignored, managed: owned, unmanaged, ignored },
      externalSecrets: { total: size.externalSecrets, ready: esReady },
    },
  };
}
