/**
 * The ONE Grafana dashboard panel walker, used for dashboards fetched from the API and for dashboard JSON files.
 * Three layouts exist (check-domain §6):
 *  - classic (schemaVersion >= 16): `panels[]`; rows are panels of type "row"; a collapsed row keeps its children in
 *    `row.panels[]`, an expanded row's children follow it at top level;
 *  - legacy (schemaVersion < 16): `rows[].panels[]` and no `panels`;
 *  - schema v2 (Grafana 12+): `spec.elements{name: {kind: Panel|LibraryPanel, spec}}`, placement in `spec.layout`.
 * Rows are not panels. Repeated panels count once (one definition).
 */

export type DashboardLayout = 'panels' | 'rows' | 'v2' | 'empty';

export interface PanelInfo {
  title: string;
  type?: string;
  /** query texts of the panel (targets[].expr / expression / query; v2 queries[].spec.query.spec.expr) */
  queries: string[];
  /** where the panel sits in the JSON, e.g. "panels[7].panels[2]" or "spec.elements.panel-cpu" */
  path: string;
  /** title of the collapsed row holding it, if any */
  row?: string;
  library?: { uid?: string; name?: string };
}

export interface WalkedDashboard {
  layout: DashboardLayout;
  uid?: string;
  title?: string;
  tags: string[];
  schemaVersion?: number | string;
  panels: PanelInfo[];
  /** number of row objects seen (not counted as panels) */
  rows: number;
}

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Strip the API wrapper `{dashboard, meta}` if present; returns the dashboard model (classic or v2 object). */
export function unwrapDashboard(doc: unknown): { dashboard: Json; meta?: Json } {
  if (!isObj(doc)) throw new Error('dashboard JSON is not an object');
  if (isObj(doc.dashboard)) return { dashboard: doc.dashboard, meta: isObj(doc.meta) ? doc.meta : undefined };
  return { dashboard: doc };
}

function classicQueries(p: Json): string[] {
  const out: string[] = [];
  for (const t of arr(p.targets)) {
    if (!isObj(t)) continue;
    for (const key of ['expr', 'expression', 'query', 'rawSql']) {
      const q = str(t[key]);
      if (q) out.push(q);
    }
  }
  return out;
}

function classicPanel(p: Json, path: string, row?: string): PanelInfo {
  const lib = isObj(p.libraryPanel) ? p.libraryPanel : undefined;
  return {
    title: str(p.title) ?? (lib ? (str(lib.name) ?? '') : ''),
    type: str(p.type),
    queries: classicQueries(p),
    path,
    ...(row !== undefined ? { row } : {}),
    ...(lib ? { library: { uid: str(lib.uid), name: str(lib.name) } } : {}),
  };
}

function v2Queries(spec: Json): string[] {
  const data = isObj(spec.data) ? spec.data : undefined;
  const dataSpec = data && isObj(data.spec) ? data.spec : undefined;
  const out: string[] = [];
  for (const q of arr(dataSpec?.queries)) {
    if (!isObj(q) || !isObj(q.spec)) continue;
    const query = isObj(q.spec.query) ? q.spec.query : undefined;
    const qs = query && isObj(query.spec) ? query.spec : undefined;
    for (const key of ['expr', 'expression', 'query', 'rawSql']) {
      const v = str(qs?.[key]);
      if (v) out.push(v);
    }
  }
  return out;
}

/** Walk any of the three layouts and return every panel definition (rows excluded). */
export function walkDashboard(doc: unknown): WalkedDashboard {
  const { dashboard: d } = unwrapDashboard(doc);
  // schema v2: either the full k8s-style object {apiVersion, kind, metadata, spec} or its bare spec
  const v2spec = isObj(d.spec) && isObj(d.spec.elements) ? d.spec : isObj(d.elements) ? d : undefined;
  if (v2spec) {
    const metadata = isObj(d.metadata) ? d.metadata : {};
    const panels: PanelInfo[] = [];
    const base = v2spec === d ? 'elements' : 'spec.elements';
    for (const [name, el] of Object.entries(v2spec.elements as Json)) {
      if (!isObj(el) || !isObj(el.spec)) continue;
      if (el.kind !== 'Panel' && el.kind !== 'LibraryPanel') continue;
      const s = el.spec;
      const lib = isObj(s.libraryPanel) ? s.libraryPanel : undefined;
      const viz = isObj(s.vizConfig) ? s.vizConfig : undefined;
      panels.push({
        title: str(s.title) ?? (lib ? (str(lib.name) ?? '') : ''),
        type: str(viz?.group) ?? (el.kind === 'LibraryPanel' ? 'library' : undefined),
        queries: v2Queries(s),
        path: `${base}.${name}`,
        ...(lib ? { library: { uid: str(lib.uid), name: str(lib.name) } } : {}),
      });
    }
    return {
      layout: 'v2',
      uid: str(metadata.name) ?? str(v2spec.uid),
      title: str(v2spec.title),
      tags: arr(v2spec.tags).filter((t): t is string => typeof t === 'string'),
      schemaVersion: str(d.apiVersion),
      panels,
      rows: 0,
    };
  }

  const common = {
    uid: str(d.uid),
    title: str(d.title),
    tags: arr(d.tags).filter((t): t is string => typeof t === 'string'),
    schemaVersion: typeof d.schemaVersion === 'number' ? d.schemaVersion : undefined,
  };
  let rows = 0;
  if (Array.isArray(d.panels)) {
    const panels: PanelInfo[] = [];
    const walk = (p: unknown, path: string, row?: string): void => {
      if (!isObj(p)) return;
      if (p.type === 'row') {
        rows++;
        // an expanded row has panels: [] and its children follow at top level; a collapsed one keeps them here
        arr(p.panels).forEach((c, i) => walk(c, `${path}.panels[${i}]`, str(p.title) ?? ''));
        return;
      }
      panels.push(classicPanel(p, path, row));
      // nested panels other than rows' children (rare, old exports) are definitions too
      arr(p.panels).forEach((c, i) => walk(c, `${path}.panels[${i}]`, row));
    };
    d.panels.forEach((p, i) => walk(p, `panels[${i}]`));
    return { layout: 'panels', ...common, panels, rows };
  }
  if (Array.isArray(d.rows)) {
    const panels: PanelInfo[] = [];
    d.rows.forEach((r, ri) => {
      if (!isObj(r)) return;
      rows++;
      arr(r.panels).forEach((p, pi) => {
        if (isObj(p)) panels.push(classicPanel(p, `rows[${ri}].panels[${pi}]`, str(r.title)));
      });
    });
    return { layout: 'rows', ...common, panels, rows };
  }
  return { layout: 'empty', ...common, panels: [], rows: 0 };
}

export interface PanelMatch {
  title: string;
  path: string;
  type?: string;
  /** what matched: the title, a query, or both */
  by: ('title' | 'query')[];
  /** the pattern that matched the title and/or the query text that matched */
  titlePattern?: string;
  query?: string;
}

/** Classify panels by title patterns (any matches) and query patterns (any query matches any pattern). */
export function matchPanels(
  panels: PanelInfo[],
  titlePatterns: RegExp[],
  queryPatterns: RegExp[],
): PanelMatch[] {
  const out: PanelMatch[] = [];
  for (const p of panels) {
    const tp = titlePatterns.find((re) => re.test(p.title));
    let q: string | undefined;
    for (const text of p.queries) if (queryPatterns.some((re) => re.test(text))) { q = text; break; }
    if (!tp && q === undefined) continue;
    out.push({
      title: p.title,
      path: p.path,
      type: p.type,
      by: [...(tp ? (['title'] as const) : []), ...(q !== undefined ? (['query'] as const) : [])],
      ...(tp ? { titlePattern: tp.source } : {}),
      ...(q !== undefined ? { query: q.length > 200 ? `${q.slice(0, 200)}…` : q } : {}),
    });
  }
  return out;
}
