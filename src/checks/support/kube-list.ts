/**
 * Listing a Kubernetes collection the way kubectl does (`--chunk-size=500`): pages of at most PAGE_LIMIT items
 * joined by the `continue` token, never one unpaginated request. Each page is reduced by `keep` as it arrives, so
 * only what the check needs stays in memory. An expired token (410 Gone: the server compacted the resourceVersion
 * the list started at) restarts the list from the beginning once; a second expiry is a clear error.
 * Also: a bounded pool for the calls that must be made per object or per namespace.
 */
import { CheckError } from '../contract.js';
import { kubeError, kubeStatusCode } from './kube-errors.js';
import type { KubeSession } from './kube-session.js';

export const PAGE_LIMIT = 500;
/** calls in flight at once when a check must call per object / per namespace */
export const PER_OBJECT_CONCURRENCY = 8;

/** what one page answer carries: client-node models name the token `_continue`, plain JSON `continue` */
export interface ListPage<T> {
  items?: T[];
  metadata?: { _continue?: string; continue?: string };
}

export type PageFetch<T> = (page: { limit: number; _continue?: string }) => Promise<ListPage<T>>;

/**
 * Every item of a paginated list, each passed through `keep` (undefined drops it). `action` names the list in
 * errors ("list nodes"); `notFound` phrases a 404 as for KubeSession.call.
 */
export async function listAll<T, R>(
  kube: KubeSession,
  action: string,
  fetch: PageFetch<T>,
  keep: (item: T) => R | undefined,
  notFound?: () => CheckError,
): Promise<R[]> {
  const where = { target: kube.target, action, signal: kube.signal, requestTimeoutMs: kube.requestTimeoutMs };
  for (let attempt = 1; ; attempt++) {
    const out: R[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await fetch({ limit: PAGE_LIMIT, ...(token ? { _continue: token } : {}) });
        for (const item of page.items ?? []) {
          const r = keep(item);
          if (r !== undefined) out.push(r);
        }
        token = page.metadata?._continue || page.metadata?.continue || undefined;
      } while (token);
      return out;
    } catch (e) {
      if (kubeStatusCode(e) !== 410 || token === undefined) throw kubeError(e, where, notFound);
      if (attempt >= 2) {
        throw new CheckError(
          `could not ${action} at ${kube.target.server}: the list expired twice while it was being read (410 Gone — the continue token was too old)`,
          'the objects change faster than they can be listed, or the API server compacts very often: run the check again, or narrow it (namespaces, labelSelector)',
        );
      }
    }
  }
}

/** run `fn` over `items` with at most `limit` calls in flight; results in the order of `items` */
export async function mapBounded<T, R>(items: readonly T[], fn: (item: T) => Promise<R>, limit = PER_OBJECT_CONCURRENCY): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
