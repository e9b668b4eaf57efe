/**
 * Listing through the API server's Table representation (what `kubectl get` asks for): each row carries the
 * printed columns and the object's metadata only. Used where the object's body must never reach us — Secrets:
 * their values are not transferred at all. TLS, proxy and credentials (token, client cert, exec plugins) come
 * from client-node's KubeConfig.applyToHTTPSOptions, exactly as for the typed clients.
 */
import type https from 'node:https';
import type { KubeSession } from './kube-session.js';

export interface TableRow {
  /** column name → printed cell (e.g. Name, Type, Data, Age for secrets) */
  cells: Record<string, unknown>;
  metadata: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { apiVersion?: string; kind?: string; name?: string }[];
  };
}

const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io';

/** an HTTP failure shaped like client-node's ApiException (code + body) so kubeError() maps it the same way */
class HttpStatusError extends Error {
  constructor(
    public readonly code: number,
    public readonly body: string,
  ) {
    super(`HTTP ${code}`);
  }
}

function getText(kube: KubeSession, path: string, query: Record<string, string | undefined>, signal: AbortSignal): Promise<string> {
  return (async () => {
    const url = new URL(kube.target.server.replace(/\/+$/, '') + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
    const opts: https.RequestOptions = { method: 'GET', headers: { Accept: TABLE_ACCEPT } };
    await kube.target.kc.applyToHTTPSOptions(opts);
    const reqSignal = AbortSignal.any([signal, AbortSignal.timeout(kube.requestTimeoutMs)]);
    // loaded on first use: node:http/https cost start-up time that listing nothing doesn't need
    const lib = url.protocol === 'http:' ? (await import('node:http')).default : (await import('node:https')).default;
    return await new Promise<string>((resolve, reject) => {
      const req = lib.request(url, { ...opts, signal: reqSignal }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300) resolve(text);
          else reject(new HttpStatusError(res.statusCode ?? 0, text));
        });
      });
      req.on('error', reject);
      req.end();
    });
  })();
}

/**
 * GET a collection as a Table with object metadata. A server that ignores the Table request answers with the plain
 * list: its items are then reduced to the same shape at once (metadata + type) and `table` is false.
 */
export async function listTable(
  kube: KubeSession,
  path: string,
  query: Record<string, string | undefined>,
  signal: AbortSignal,
): Promise<{ table: boolean; rows: TableRow[] }> {
  const text = await getText(kube, path, { ...query, includeObject: 'Metadata' }, signal);
  let doc: {
    kind?: string;
    columnDefinitions?: { name?: string }[];
    rows?: { cells?: unknown[]; object?: { metadata?: TableRow['metadata'] } }[];
    items?: { type?: string; metadata?: TableRow['metadata'] }[];
  };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch {
    throw new Error(`the API server answered ${path} with something that is not JSON`);
  }
  if (doc.kind === 'Table') {
    const cols = (doc.columnDefinitions ?? []).map((c) => c.name ?? '');
    return {
      table: true,
      rows: (doc.rows ?? []).map((r) => ({ cells: Object.fromEntries(cols.map((c, i) => [c, r.cells?.[i]])), metadata: r.object?.metadata ?? {} })),
    };
  }
  const rows = (doc.items ?? []).map((it) => ({ cells: { Name: it.metadata?.name, Type: it.type }, metadata: it.metadata ?? {} }));
  doc.items = [];
  return { table: false, rows };
}
