/**
 * The kube context the session points at, for the header and the journal: context, cluster, server and user, read
 * from the kubeconfig with js-yaml. It does not load @kubernetes/client-node (0.7–1.2 s to import on these
 * machines), so the TUI's first frame and `run --ci`'s start do not wait for it; the checks themselves still resolve
 * their target through client-node (kube.ts), with the same file order and merge rules:
 * the explicit path list, else $KUBECONFIG, else ~/.kube/config; the first file that names a context, cluster or
 * user wins, and so does the first current-context.
 *
 * Anything missing or unreadable gives undefined: the header then shows no context and each kubernetes check
 * reports its own error with a hint.
 */
import { readFile } from 'node:fs/promises';
import type { KubeTargetInfo } from '../../engine/events.js';
import type { KubeResolveOptions } from './kube-api.js';
import { kubeconfigFiles } from './kube.js';

type Named = { name?: unknown; context?: Record<string, unknown>; cluster?: Record<string, unknown> };

function named(list: unknown): Named[] {
  return Array.isArray(list) ? list.filter((x): x is Named => x !== null && typeof x === 'object') : [];
}

export async function readKubeTargetInfo(o: KubeResolveOptions, env: NodeJS.ProcessEnv = process.env): Promise<KubeTargetInfo | undefined> {
  const { load } = await import('js-yaml');
  const contexts = new Map<string, Record<string, unknown>>();
  const clusters = new Map<string, Record<string, unknown>>();
  let current: string | undefined;
  for (const file of kubeconfigFiles(o, env)) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue; // a missing file in the list is skipped, as kubectl does
    }
    let doc: unknown;
    try {
      doc = load(text);
    } catch {
      return undefined; // a broken kubeconfig: the checks report it with a hint
    }
    if (!doc || typeof doc !== 'object') continue;
    const d = doc as Record<string, unknown>;
    for (const c of named(d.contexts)) if (typeof c.name === 'string' && !contexts.has(c.name)) contexts.set(c.name, c.context ?? {});
    for (const c of named(d.clusters)) if (typeof c.name === 'string' && !clusters.has(c.name)) clusters.set(c.name, c.cluster ?? {});
    if (!current && typeof d['current-context'] === 'string' && d['current-context']) current = d['current-context'];
  }
  const name = o.context ?? current;
  const ctx = name ? contexts.get(name) : undefined;
  if (!name || !ctx || typeof ctx.cluster !== 'string') return undefined;
  const server = clusters.get(ctx.cluster)?.server;
  if (typeof server !== 'string' || !server) return undefined;
  return { context: name, cluster: ctx.cluster, server, ...(typeof ctx.user === 'string' && ctx.user ? { user: ctx.user } : {}) };
}
