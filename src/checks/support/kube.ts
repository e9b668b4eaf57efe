/**
 * Resolving the Kubernetes target (kubeconfig + context) and making API clients bound to a check's AbortSignal.
 * @kubernetes/client-node is large and external in the bundle: it is only ever loaded with `await import()` here.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type * as K8s from '@kubernetes/client-node';
import type { KubeTarget, KubeTargetInfo } from '../contract.js';
import { CheckError } from '../contract.js';
import type { KubeResolveOptions } from './kube-api.js';

export type ClientNode = typeof K8s;

let loaded: Promise<ClientNode> | undefined;

/** the client-node module, loaded once on first use */
export function loadClientNode(): Promise<ClientNode> {
  loaded ??= import('@kubernetes/client-node').catch((e: unknown) => {
    loaded = undefined;
    throw new CheckError(
      `could not load @kubernetes/client-node: ${e instanceof Error ? e.message : String(e)}`,
      'reinstall readiness-tui (npm install) — the Kubernetes client is a runtime dependency',
    );
  });
  return loaded;
}

/** the kubeconfig files that apply, in order: explicit path, else $KUBECONFIG (path list), else ~/.kube/config */
export function kubeconfigFiles(o: KubeResolveOptions, env: NodeJS.ProcessEnv = process.env): string[] {
  // an explicit value may be a path list too (callers sometimes pass $KUBECONFIG through)
  const fromEnv = (o.kubeconfig ?? env.KUBECONFIG ?? '')
    .split(path.delimiter)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (fromEnv.length > 0) return fromEnv.map((p) => path.resolve(p));
  return [path.join(env.HOME || homedir(), '.kube', 'config')];
}

/**
 * Load the kubeconfig and select the context. Every failure is a CheckError with a hint (status `error`).
 * KUBECONFIG lists are merged the way kubectl does: the first file that sets a context/cluster/user name wins.
 */
export async function resolveKubeTarget(o: KubeResolveOptions, env: NodeJS.ProcessEnv = process.env): Promise<KubeTarget> {
  const files = kubeconfigFiles(o, env);
  const present = files.filter((f) => existsSync(f));
  if (present.length === 0) {
    const where = files.join(', ');
    throw new CheckError(
      `no kubeconfig found (looked at ${where})`,
      o.kubeconfig
        ? `check the --kubeconfig path`
        : 'set KUBECONFIG, pass --kubeconfig, or create ~/.kube/config (e.g. with your cloud CLI: `aws eks update-kubeconfig`, `gcloud container clusters get-credentials`, `kind export kubeconfig`)',
    );
  }
  const k8s = await loadClientNode();
  let kc: K8s.KubeConfig | undefined;
  for (const file of present) {
    const one = new k8s.KubeConfig();
    try {
      one.loadFromFile(file);
    } catch (e) {
      throw new CheckError(
        `cannot read kubeconfig ${file}: ${firstLine(e)}`,
        'fix the file (it must be a valid kubeconfig YAML) or point KUBECONFIG elsewhere',
      );
    }
    if (!kc) kc = one;
    else mergeMissing(kc, one);
  }
  if (!kc) throw new CheckError('no kubeconfig could be loaded', 'set KUBECONFIG or pass --kubeconfig');
  const contexts = kc.getContexts().map((c) => c.name);
  const wanted = o.context ?? kc.getCurrentContext();
  if (!wanted) {
    throw new CheckError(
      `the kubeconfig (${present.join(', ')}) has no current-context`,
      contexts.length > 0
        ? `pass --kube-context (or a check's context:) — contexts: ${contexts.join(', ')}`
        : 'the kubeconfig defines no contexts; create one with `kubectl config set-context`',
    );
  }
  const ctxObj = kc.getContextObject(wanted);
  if (!ctxObj) {
    throw new CheckError(
      `kube context "${wanted}" not found in ${present.join(', ')}`,
      contexts.length > 0 ? `existing contexts: ${contexts.join(', ')}` : 'the kubeconfig defines no contexts',
    );
  }
  kc.setCurrentContext(wanted);
  const cluster = kc.getCluster(ctxObj.cluster);
  if (!cluster) {
    throw new CheckError(
      `kube context "${wanted}" refers to cluster "${ctxObj.cluster}", which the kubeconfig does not define`,
      'fix the kubeconfig (kubectl config view) or choose another context',
    );
  }
  if (!cluster.server) {
    throw new CheckError(`cluster "${cluster.name}" in the kubeconfig has no server URL`, 'fix the kubeconfig');
  }
  return { kc, context: wanted, cluster: cluster.name, server: cluster.server, user: ctxObj.user || undefined };
}

/**
 * The kube target for the header and the journal's session start: context, cluster, server and user, resolved by
 * client-node like every check's (resolveKubeTarget). Undefined when it cannot be resolved: the header then shows
 * no context and each kubernetes check reports its own error with a hint.
 */
export async function kubeTargetInfo(o: KubeResolveOptions, env: NodeJS.ProcessEnv = process.env): Promise<KubeTargetInfo | undefined> {
  try {
    const t = await resolveKubeTarget(o, env);
    return { context: t.context, cluster: t.cluster, server: t.server, ...(t.user ? { user: t.user } : {}) };
  } catch {
    return undefined;
  }
}

function mergeMissing(into: K8s.KubeConfig, from: K8s.KubeConfig): void {
  const has = (list: { name: string }[], name: string) => list.some((x) => x.name === name);
  for (const c of from.clusters) if (!has(into.clusters, c.name)) into.addCluster(c);
  for (const u of from.users) if (!has(into.users, u.name)) into.addUser(u);
  for (const c of from.contexts) if (!has(into.contexts, c.name)) into.addContext(c);
  if (!into.getCurrentContext() && from.getCurrentContext()) into.setCurrentContext(from.getCurrentContext());
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}

/** default per-request deadline when the caller gives none */
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

/**
 * An API client of the given class for this target whose every request is bound to `signal` (cancel / check
 * timeout) and to a per-request deadline, so a dead API server never hangs a check.
 */
export async function kubeClient<T>(
  target: KubeTarget,
  Api: new (config: K8s.Configuration) => T,
  signal: AbortSignal,
  requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
): Promise<T> {
  const k8s = await loadClientNode();
  const cluster = target.kc.getCurrentCluster();
  if (!cluster) throw new CheckError(`kube context "${target.context}" has no cluster`, 'fix the kubeconfig');
  const config = k8s.createConfiguration({
    baseServer: new k8s.ServerConfiguration(cluster.server, {}),
    authMethods: { default: target.kc },
    promiseMiddleware: [
      {
        pre: async (rc) => {
          rc.setSignal(AbortSignal.any([signal, AbortSignal.timeout(requestTimeoutMs)]));
          return rc;
        },
        post: async (r) => r,
      },
    ],
  });
  return new Api(config);
}

/** the generic object API (any apiVersion/kind, discovery-based), bound to `signal` like kubeClient */
export async function kubeObjectClient(target: KubeTarget, signal: AbortSignal, requestTimeoutMs?: number): Promise<K8s.KubernetesObjectApi> {
  const k8s = await loadClientNode();
  const api = await kubeClient(target, k8s.KubernetesObjectApi, signal, requestTimeoutMs);
  return api;
}

/** "context production" — for describe() lines */
export function contextLabel(context: string | undefined): string {
  return context ? `context ${context}` : 'current context';
}
