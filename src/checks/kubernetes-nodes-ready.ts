/**
 * kubernetes.nodes-ready — how many nodes have the condition Ready=True (seed item 0.2: ">= 5 for production").
 * `Unknown` (kubelet stopped posting) and `False` are not ready, and so is a node that reports no Ready condition at
 * all (status "no Ready condition" — never shown as Unknown, a value it did not report). Cordoned nodes and nodes tainted not-ready /
 * unreachable are reported separately (they are Ready but take no new pods).
 */
import { z } from 'zod';
import type { CheckKind } from './contract.js';
import { openKube } from './support/kube-session.js';
import { listAll, PAGE_LIMIT } from './support/kube-list.js';

const params = z
  .strictObject({
    min: z.int().min(0).default(1).describe('minimum number of Ready nodes (default 1; the detektor checklist uses 5)'),
    labelSelector: z
      .string()
      .optional()
      .describe('only count nodes matching this label selector, e.g. "node-role.kubernetes.io/worker" or "pool=prod"'),
  });

type Params = z.infer<typeof params>;

interface NodeRow {
  name: string;
  ready: boolean;
  status: string;
  reason: string;
  message: string;
  unschedulable: boolean;
  taints: string[];
  roles: string[];
}

/** the status of a node whose conditions have no Ready entry (a brand-new node, a broken kubelet) */
export const NO_READY_CONDITION = 'no Ready condition';

const NOT_READY_TAINTS = new Set(['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']);

export function nodeRow(n: {
  metadata?: { name?: string; labels?: Record<string, string> };
  spec?: { unschedulable?: boolean; taints?: { key?: string; effect?: string }[] };
  status?: { conditions?: { type?: string; status?: string; reason?: string; message?: string }[] };
}): NodeRow {
  const cond = (n.status?.conditions ?? []).find((c) => c.type === 'Ready');
  const status = cond ? (cond.status ?? '') : NO_READY_CONDITION;
  return {
    name: n.metadata?.name ?? '(unnamed)',
    ready: status === 'True',
    status,
    reason: cond?.reason ?? '',
    message: cond?.message ?? '',
    unschedulable: n.spec?.unschedulable === true,
    taints: (n.spec?.taints ?? []).map((t) => `${t.key ?? ''}:${t.effect ?? ''}`),
    roles: Object.keys(n.metadata?.labels ?? {})
      .filter((l) => l.startsWith('node-role.kubernetes.io/'))
      .map((l) => l.slice('node-role.kubernetes.io/'.length)),
  };
}

function path(p: Params): string {
  return `GET /api/v1/nodes?limit=${PAGE_LIMIT}${p.labelSelector ? `&labelSelector=${encodeURIComponent(p.labelSelector)}` : ''} (pages joined by continue)`;
}

export const kubernetesNodesReady: CheckKind<Params> = {
  kind: 'kubernetes.nodes-ready',
  title: 'Count Kubernetes nodes whose Ready condition is True',
  description:
    'Lists the nodes (kubectl get nodes) and counts those whose Ready condition has status "True"; "False" and ' +
    '"Unknown" (kubelet stopped posting) are not ready, nor is a node reporting no Ready condition at all (status ' +
    '"no Ready condition"). Every node is listed with its status, reason and message; ' +
    'cordoned nodes and nodes tainted not-ready/unreachable are reported separately (schedulable). ' +
    'Error (not fail): no kubeconfig, unknown context, credentials rejected, API server unreachable.',
  outcomes: {
    error: 'no kubeconfig, unknown context, credentials rejected, API server unreachable, no permission to list nodes',
    fail: 'fewer than `min` nodes have Ready=True (False, Unknown and "no Ready condition" are not ready)',
    inconclusive: 'never (no nodes at all is a fail against min)',
  },
  params,
  resultDoc: {
    total: 'number of nodes listed',
    ready: 'nodes whose Ready condition is "True"',
    notReady: 'total − ready',
    schedulable: 'ready nodes that are not cordoned and not tainted not-ready/unreachable',
    min: 'the `min` parameter',
    nodes: 'every node: {name, ready, status ("True"|"False"|"Unknown" as the node reported it, or "no Ready condition"), reason, message, unschedulable, taints[], roles[]}',
  },
  example: [
    'check:',
    '  kind: kubernetes.nodes-ready',
    '  context: ${vars.kubeContext}',
    '  min: 5',
  ].join('\n'),
  defaultExpect: 'ready >= min',
  describe: (p) => path(p),
  async run(p, ctx) {
    const kube = await openKube(ctx);
    const core = await kube.client(kube.k8s.CoreV1Api);
    ctx.emit(path(p));
    const listed = await listAll(kube, 'list nodes', (page) => core.listNode({ ...page, ...(p.labelSelector ? { labelSelector: p.labelSelector } : {}) }), nodeRow);
    const nodes = listed.sort((a, b) => a.name.localeCompare(b.name));
    for (const n of nodes) {
      const extra = [n.unschedulable ? 'SchedulingDisabled' : '', n.reason, n.ready ? '' : n.message].filter(Boolean).join(' — ');
      const state = n.status === NO_READY_CONDITION ? NO_READY_CONDITION : `Ready=${n.status}`;
      ctx.emit(`${n.ready ? 'Ready   ' : 'NotReady'}  ${n.name}  (${state})${extra ? `  ${extra}` : ''}`);
    }
    const ready = nodes.filter((n) => n.ready).length;
    const schedulable = nodes.filter((n) => n.ready && !n.unschedulable && !n.taints.some((t) => NOT_READY_TAINTS.has(t.split(':')[0]!))).length;
    const result = { total: nodes.length, ready, notReady: nodes.length - ready, schedulable, min: p.min, nodes };
    const sel = p.labelSelector ? ` matching ${p.labelSelector}` : '';
    ctx.emit(`${ready}/${nodes.length} nodes Ready${sel} (min ${p.min})`);
    return {
      result,
      summary:
        nodes.length === 0
          ? `no nodes${sel} in context ${kube.target.context} (min ${p.min})`
          : `${ready}/${nodes.length} nodes Ready${sel} (min ${p.min})${schedulable < ready ? `, ${schedulable} schedulable` : ''}`,
      measured: `${ready}/${nodes.length} Ready`,
      threshold: `>= ${p.min}`,
      offending: nodes
        .filter((n) => !n.ready)
        .map((n) => ({ node: n.name, status: n.status, reason: n.reason, message: n.message })),
    };
  },
};
