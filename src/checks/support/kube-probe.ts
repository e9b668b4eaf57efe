/**
 * The live connectivity probe of kubernetes.network-policy: a short-lived busybox pod runs
 * `wget -T <t> http://<ClusterIP>:<port>/` and we read how it ended. Probe pods are labelled
 * app.kubernetes.io/managed-by=readiness-tui and readiness-tui/probe=network-policy, and are deleted on success,
 * failure and cancel (with a signal of their own, so a cancelled check still cleans up), and at the next start.
 */
import { randomBytes } from 'node:crypto';
import type * as K8s from '@kubernetes/client-node';
import { CheckError, type CheckContext } from '../contract.js';
import type { KubeSession } from './kube-session.js';
import { listAll } from './kube-list.js';
import { kubeClient } from './kube.js';

export const PROBE_LABELS = { 'app.kubernetes.io/managed-by': 'readiness-tui', 'readiness-tui/probe': 'network-policy' } as const;
export const PROBE_SELECTOR = Object.entries(PROBE_LABELS)
  .map(([k, v]) => `${k}=${v}`)
  .join(',');

/** how a probe ended: connected (an HTTP answer, even 4xx/5xx), blocked by timeout or refusal, or something else */
export type ProbeResult = 'connected' | 'timeout' | 'refused' | 'dns' | 'image' | 'no-finish' | 'other';

export interface ProbeRun {
  namespace: string;
  pod: string;
  result: ProbeResult;
  exitCode: number | null;
  /** last lines of the pod's log */
  log: string;
}

export interface ProbeTarget {
  service: string;
  namespace: string;
  port?: number;
}

export interface ProbeSettings {
  image: string;
  timeoutSeconds: number;
  podTimeoutSeconds: number;
}

/** classify busybox wget's output + exit code */
export function classifyProbe(exitCode: number | null, log: string): ProbeResult {
  if (exitCode === 0) return 'connected';
  if (/server returned error|HTTP\/\d(\.\d)? \d{3}/i.test(log)) return 'connected';
  if (/timed out/i.test(log)) return 'timeout';
  if (/connection refused/i.test(log)) return 'refused';
  if (/bad address|could not resolve|name or service not known|nxdomain/i.test(log)) return 'dns';
  return 'other';
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const cancelled = () => new CheckError('network probe cancelled (probe pods are being deleted)', 'run the check again when ready');
    if (signal.aborted) return reject(cancelled());
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      reject(cancelled());
    }, { once: true });
  });

export class Prober {
  private created: { namespace: string; name: string }[] = [];

  constructor(
    private readonly kube: KubeSession,
    private readonly ctx: CheckContext,
    private readonly core: K8s.CoreV1Api,
  ) {}

  /** delete probe pods left behind by an earlier run in these namespaces */
  async removeLeftovers(namespaces: string[]): Promise<number> {
    let n = 0;
    for (const namespace of [...new Set(namespaces)]) {
      const names = await listAll(this.kube, `list leftover probe pods in ${namespace}`, (page) =>
        this.core.listNamespacedPod({ namespace, labelSelector: PROBE_SELECTOR, ...page }),
      (p) => p.metadata?.name || undefined);
      for (const name of names) {
        await this.deletePod(namespace, name);
        this.ctx.emit(`removed leftover probe pod ${namespace}/${name} from an earlier run`);
        n++;
      }
    }
    return n;
  }

  /** the URL to probe: the Service's ClusterIP (no DNS in the way) and port */
  async targetUrl(t: ProbeTarget): Promise<string> {
    const svc = await this.kube.call(
      `read service ${t.namespace}/${t.service}`,
      () => this.core.readNamespacedService({ name: t.service, namespace: t.namespace }),
      () => new CheckError(`probe target service ${t.namespace}/${t.service} not found`, 'fix probe.target (service and namespace)'),
    );
    const ports = (svc.spec?.ports ?? []).map((p) => p.port);
    const port = t.port ?? ports[0];
    if (port === undefined) throw new CheckError(`service ${t.namespace}/${t.service} has no ports`, 'set probe.target.port');
    const ip = svc.spec?.clusterIP;
    const host = ip && ip !== 'None' ? ip : `${t.service}.${t.namespace}.svc`;
    return `http://${host}:${port}/`;
  }

  /** run one probe pod to its end and classify it; the pod is deleted afterwards in every case */
  async run(namespace: string, role: 'allowed' | 'denied', url: string, s: ProbeSettings): Promise<ProbeRun> {
    const name = `rt-probe-${role}-${randomBytes(3).toString('hex')}`;
    const body: K8s.V1Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace, labels: { ...PROBE_LABELS, 'readiness-tui/probe-role': role } },
      spec: {
        restartPolicy: 'Never',
        activeDeadlineSeconds: s.podTimeoutSeconds,
        automountServiceAccountToken: false,
        terminationGracePeriodSeconds: 0,
        securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          {
            name: 'probe',
            image: s.image,
            command: ['wget', '-q', '-O', '-', '-T', String(s.timeoutSeconds), url],
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
            resources: { limits: { cpu: '100m', memory: '32Mi' }, requests: { cpu: '10m', memory: '8Mi' } },
          },
        ],
      },
    };
    this.ctx.emit(`create pod ${namespace}/${name} (${s.image}): wget -T ${s.timeoutSeconds} ${url}`);
    // recorded before the call: a cancel while the create is in flight must still delete it
    this.created.push({ namespace, name });
    try {
      await this.kube.call(`create probe pod in ${namespace}`, () => this.core.createNamespacedPod({ namespace, body }));
      const deadline = Date.now() + s.podTimeoutSeconds * 1000;
      let exitCode: number | null = null;
      let phase = '';
      for (;;) {
        const pod = await this.kube.call(`read probe pod ${namespace}/${name}`, () => this.core.readNamespacedPod({ name, namespace }));
        phase = pod.status?.phase ?? '';
        const cs = pod.status?.containerStatuses?.[0];
        const waiting = cs?.state?.waiting?.reason;
        if (waiting && /ImagePull|ErrImage|InvalidImageName|CreateContainerConfigError|CreateContainerError/.test(waiting)) {
          this.ctx.emit(`pod ${namespace}/${name}: ${waiting}${cs?.state?.waiting?.message ? ` — ${cs.state.waiting.message}` : ''}`, 'stderr');
          return { namespace, pod: name, result: 'image', exitCode: null, log: waiting };
        }
        if (phase === 'Succeeded' || phase === 'Failed') {
          exitCode = cs?.state?.terminated?.exitCode ?? (phase === 'Succeeded' ? 0 : null);
          break;
        }
        if (Date.now() > deadline) {
          this.ctx.emit(`pod ${namespace}/${name} did not finish within ${s.podTimeoutSeconds}s (phase ${phase || 'unknown'})`, 'stderr');
          return { namespace, pod: name, result: 'no-finish', exitCode: null, log: `phase ${phase}` };
        }
        await sleep(500, this.ctx.signal);
      }
      const log = String(
        await this.kube.call(`read the log of probe pod ${namespace}/${name}`, () => this.core.readNamespacedPodLog({ name, namespace, tailLines: 20 })),
      );
      for (const line of log.split('\n').filter((l) => l.trim() !== '')) this.ctx.emit(`  ${namespace}/${name}: ${line}`);
      const result = classifyProbe(exitCode, log);
      this.ctx.emit(`pod ${namespace}/${name} exited ${exitCode ?? '?'} → ${result}`);
      return { namespace, pod: name, result, exitCode, log: log.trim().split('\n').slice(-5).join('\n') };
    } finally {
      await this.deletePod(namespace, name);
    }
  }

  /** delete every pod this prober created that is still there (safe to call twice) */
  async cleanup(): Promise<void> {
    for (const p of [...this.created]) await this.deletePod(p.namespace, p.name);
  }

  /** delete with its own short deadline: runs even when the check was cancelled */
  private async deletePod(namespace: string, name: string): Promise<void> {
    const core = await kubeClient(this.kube.target, this.kube.k8s.CoreV1Api, new AbortController().signal, 5000);
    try {
      await core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 });
      this.ctx.emit(`deleted probe pod ${namespace}/${name}`);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code !== 404) this.ctx.emit(`could not delete probe pod ${namespace}/${name} — it will be removed at the next run (kubectl delete pod -n ${namespace} ${name})`, 'stderr');
    }
    this.created = this.created.filter((p) => !(p.namespace === namespace && p.name === name));
  }
}
