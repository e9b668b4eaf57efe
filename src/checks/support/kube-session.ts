/**
 * What a Kubernetes check kind holds while it runs: the resolved target, API clients bound to the check's signal,
 * and `call()` which turns any client failure into a CheckError (status `error`) that names the server and action.
 */
import type * as K8s from '@kubernetes/client-node';
import type { CheckContext, KubeTarget } from '../contract.js';
import type { CheckError } from '../contract.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, kubeClient, loadClientNode, type ClientNode } from './kube.js';
import { kubeCall } from './kube-errors.js';

export interface KubeSession {
  target: KubeTarget;
  k8s: ClientNode;
  requestTimeoutMs: number;
  /** the check's signal (cancel / timeout) */
  signal: AbortSignal;
  client<T>(Api: new (config: K8s.Configuration) => T): Promise<T>;
  call<T>(action: string, fn: () => Promise<T>, notFound?: () => CheckError): Promise<T>;
}

/** resolve ctx.kube() (the runner applies --kube-context and the check's `context:`) and say where we are going */
export async function openKube(ctx: CheckContext): Promise<KubeSession> {
  const target = await ctx.kube();
  const k8s = await loadClientNode();
  const requestTimeoutMs = Math.max(1000, Math.min(DEFAULT_REQUEST_TIMEOUT_MS, ctx.timeoutMs || DEFAULT_REQUEST_TIMEOUT_MS));
  ctx.emit(`context ${target.context} → ${target.server}${target.user ? ` as ${target.user}` : ''}`, 'info');
  return {
    target,
    k8s,
    requestTimeoutMs,
    signal: ctx.signal,
    client: (Api) => kubeClient(target, Api, ctx.signal, requestTimeoutMs),
    call: (action, fn, notFound) => kubeCall({ target, action, signal: ctx.signal, requestTimeoutMs }, fn, notFound),
  };
}
