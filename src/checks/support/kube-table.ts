/**
 * Listing through the API server's Table representation (what `kubectl get` asks for), else its metadata-only
 * list (PartialObjectMetadataList): each row carries the printed columns (Table) and the object's metadata only. Used where the object's body must never reach us — Secrets:
 * their values are not transferred at all. TLS, proxy and credentials (token, client cert, exec plugins) come
 * from client-node's KubeConfig.applyToHTTPSOptions, exactly as for the typed clients.
 */
import type https from 'node:https';
import type { KubeSession } from './kube-session.js';
import { listAll } from './kube-list.js';
import type { CheckError } from '../contract.js';

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

/** a Table with metadata rows, else the metadata-only list: never the objects (for Secrets: never their values) */
const METADATA_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';

/** an HTTP failure shaped like client-node's ApiException (code + body) so kubeError() maps it the same way */
class HttpStatusError extends Error {
  constructor(
    public readonly code: number,
    public readonly body: string,
  ) {
    super(`HTTP ${code}`);
  }
}

function getText(kube: KubeSession, path: string, query: Record<string, string | undefined>, signal: AbortSignal, accept = METADATA_ACCEPT): Promise<string> {
  return (async () => {
    const url = new URL(kube.target.server.replace(/\/+$/, '') + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
    const opts: https.RequestOptions = { method: 'GET', headers: { Accept: accept } };
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

interface MetadataListDoc {
  kind?: string;
  metadata?: { continue?: string };
  columnDefinitions?: { name?: string }[];
  rows?: { cells?: unknown[]; object?: { metadata?: TableRow['metadata'] } }[];
  items?: { type?: string; metadata?: TableRow['metadata'] }[];
}

/** one page of rows from a Table, a PartialObjectMetadataList, or (a server that honours neither) a plain list */
function rowsOf(doc: MetadataListDoc): { form: MetadataForm; rows: TableRow[] } {
  if (doc.kind === 'Table') {
    const cols = (doc.columnDefinitions ?? []).map((c) => c.name ?? '');
    return { form: 'table', rows: (doc.rows ?? []).map((r) => ({ cells: Object.fromEntries(cols.map((c, i) => [c, r.cells?.[i]])), metadata: r.object?.metadata ?? {} })) };
  }
  const form: MetadataForm = doc.kind === 'PartialObjectMetadataList' ? 'metadata' : 'full';
  const rows = (doc.items ?? []).map((it) => ({ cells: { Name: it.metadata?.name, ...(form === 'full' ? { Type: it.type } : {}) }, metadata: it.metadata ?? {} }));
  doc.items = [];
  return { form, rows };
}

/** how the server answered: Table rows (printed columns + metadata), metadata only, or whole objects (reduced at once) */
export type MetadataForm = 'table' | 'metadata' | 'full';

/**
 * GET a collection page by page (limit/continue, as listAll) asking for a Table with object metadata, else the
 * metadata-only list (PartialObjectMetadataList) — never whole objects. A server that honours neither answers with
 * the plain list: its items are reduced to the same shape at once (metadata + type) and `form` says 'full'.
 */
export async function listMetadata(
  kube: KubeSession,
  action: string,
  path: string,
  query: Record<string, string | undefined>,
): Promise<{ form: MetadataForm; rows: TableRow[] }> {
  let form: MetadataForm = 'table';
  const rows = await listAll(
    kube,
    action,
    async (page) => {
      const text = await getText(kube, path, { ...query, includeObject: 'Metadata', limit: String(page.limit), continue: page._continue }, kube.signal);
      let doc: MetadataListDoc;
      try {
        doc = JSON.parse(text) as MetadataListDoc;
      } catch {
        throw new Error(`the API server answered ${path} with something that is not JSON`);
      }
      const got = rowsOf(doc);
      if (got.form !== 'table') form = got.form;
      return { items: got.rows, metadata: { continue: doc.metadata?.continue } };
    },
    (row) => row,
  );
  return { form, rows };
}

/**
 * Every object of a collection as plain JSON, page by page (as listAll), each passed through `keep` at once. For
 * kinds that return objects as they are (kubernetes.query): no typed model is built for each item.
 */
export async function listJson<R>(
  kube: KubeSession,
  action: string,
  path: string,
  query: Record<string, string | undefined>,
  keep: (item: Record<string, unknown>) => R | undefined,
  notFound?: () => CheckError,
): Promise<R[]> {
  return listAll(
    kube,
    action,
    async (page) => {
      const text = await getText(kube, path, { ...query, limit: String(page.limit), continue: page._continue }, kube.signal, 'application/json');
      try {
        return JSON.parse(text) as { items?: Record<string, unknown>[]; metadata?: { continue?: string } };
      } catch {
        throw new Error(`the API server answered ${path} with something that is not JSON`);
      }
    },
    keep,
    notFound,
  );
}
