/**
 * A loopback server speaking the part of Grafana's HTTP API the grafana.dashboard kind uses, for tests and the demo:
 *   GET /api/health
 *   GET /api/dashboards/uid/<uid>         → {dashboard, meta}; 401 without the bearer token; 404 unknown uid;
 *                                           v2-stored dashboards answer 406 (as Grafana 12 does) unless
 *                                           ?apiVersion=v2… is given (grafana#120842), then {dashboard: <v2 object>, meta}
 *   GET /apis/dashboard.grafana.app/<ver>/namespaces/<ns>/dashboards/<uid>  → the v2 object itself
 *   GET /api/search?query=&tag=           → [{uid, title, tags, url, type}]
 * Dashboards are real exports (e.g. test/fixtures/grafana-dashboards/*.json), bare or wrapped.
 */
import http from 'node:http';
import path from 'node:path';
import { readdir, readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';

type Json = Record<string, unknown>;

export interface StoredDashboard {
  uid: string;
  /** the dashboard model: classic JSON, or a v2 object {apiVersion: dashboard.grafana.app/v2…, kind, metadata, spec} */
  dashboard: Json;
  folderUid?: string;
}

export interface GrafanaServer {
  url: string;
  port: number;
  uids: string[];
  /** request log: method + path + query, in order (never headers) */
  requests: string[];
  close(): Promise<void>;
}

export interface GrafanaServerOptions {
  dashboards: StoredDashboard[];
  /** when set, every /api and /apis call needs `Authorization: Bearer <token>` */
  token?: string;
  port?: number;
  version?: string;
}

const isV2 = (d: Json): boolean => typeof d.apiVersion === 'string' && /^dashboard\.grafana\.app\/v2/.test(d.apiVersion);

function uidOf(d: Json): string | undefined {
  if (typeof d.uid === 'string' && d.uid) return d.uid;
  const md = d.metadata as Json | undefined;
  if (md && typeof md.name === 'string') return md.name;
  return undefined;
}

const slug = (t: string) => t.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

/** Load every *.json in a folder as a stored dashboard; uid = the dashboard's uid, else the file name without .json */
export async function loadDashboardDir(dir: string): Promise<StoredDashboard[]> {
  const out: StoredDashboard[] = [];
  for (const f of (await readdir(dir)).filter((f) => f.endsWith('.json')).sort()) {
    const doc = JSON.parse(await readFile(path.join(dir, f), 'utf8')) as Json;
    const dashboard = (doc.dashboard && typeof doc.dashboard === 'object' ? doc.dashboard : doc) as Json;
    out.push({ uid: uidOf(dashboard) ?? f.replace(/\.json$/, ''), dashboard });
  }
  return out;
}

function title(d: Json): string {
  if (isV2(d)) return String((d.spec as Json | undefined)?.title ?? '');
  return String(d.title ?? '');
}

export async function startGrafanaServer(o: GrafanaServerOptions): Promise<GrafanaServer> {
  const byUid = new Map(o.dashboards.map((d) => [d.uid, d]));
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://localhost');
    requests.push(`${req.method} ${u.pathname}${u.search}`);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
      res.end(JSON.stringify(body));
    };
    if (u.pathname === '/api/health') return send(200, { commit: 'loopback', database: 'ok', version: o.version ?? '12.1.0' });
    if (o.token && req.headers.authorization !== `Bearer ${o.token}`) {
      return send(401, { extra: null, message: 'Invalid API key', messageId: 'api-key.invalid', statusCode: 401, traceID: '' });
    }
    if (req.method !== 'GET') return send(405, { message: 'method not allowed' });
    const meta = (s: StoredDashboard) => ({
      type: 'db',
      canSave: true,
      canEdit: true,
      canAdmin: false,
      canStar: true,
      slug: slug(title(s.dashboard)),
      url: `/d/${s.uid}/${slug(title(s.dashboard))}`,
      expires: '0001-01-01T00:00:00Z',
      created: '2026-11-20T10:00:00Z',
      updated: '2026-11-26T16:30:00Z',
      updatedBy: 'admin',
      createdBy: 'admin',
      version: 3,
      hasAcl: false,
      isFolder: false,
      folderUid: s.folderUid ?? '',
      provisioned: false,
    });
    let m = /^\/api\/dashboards\/uid\/([^/]+)$/.exec(u.pathname);
    if (m) {
      const s = byUid.get(decodeURIComponent(m[1]!));
      if (!s) return send(404, { message: 'Dashboard not found' });
      const apiVersion = u.searchParams.get('apiVersion');
      if (isV2(s.dashboard)) {
        const ver = String(s.dashboard.apiVersion).split('/')[1];
        if (!apiVersion || !apiVersion.startsWith('v2')) {
          return send(406, {
            message: `dashboard api version not supported, use /apis/dashboard.grafana.app/${ver}/namespaces/default/dashboards/${s.uid} instead`,
          });
        }
      }
      return send(200, { dashboard: s.dashboard, meta: meta(s) });
    }
    m = /^\/apis\/dashboard\.grafana\.app\/(v[0-9a-z]+)\/namespaces\/([^/]+)\/dashboards\/([^/]+)$/.exec(u.pathname);
    if (m) {
      const s = byUid.get(decodeURIComponent(m[3]!));
      if (!s) return send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: `dashboards.dashboard.grafana.app "${m[3]}" not found`, reason: 'NotFound', code: 404 });
      return send(200, s.dashboard);
    }
    if (u.pathname === '/api/search') {
      const q = (u.searchParams.get('query') ?? '').toLowerCase();
      const tags = u.searchParams.getAll('tag');
      const hits = o.dashboards
        .filter((s) => title(s.dashboard).toLowerCase().includes(q))
        .filter((s) => {
          const t = (isV2(s.dashboard) ? (s.dashboard.spec as Json).tags : s.dashboard.tags) as string[] | undefined;
          return tags.every((tag) => (t ?? []).includes(tag));
        })
        .map((s) => ({ uid: s.uid, title: title(s.dashboard), url: meta(s).url, type: 'dash-db', tags: [], isStarred: false }));
      return send(200, hits);
    }
    return send(404, { message: 'Not found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    uids: [...byUid.keys()],
    requests,
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
