/**
 * A small loopback Kubernetes API server over real HTTPS, for tests and the demo (one implementation for both).
 *
 * - TLS: a throw-away CA and a server certificate for 127.0.0.1 are generated at start (x509.ts, node:crypto only);
 *   the CA goes into the generated kubeconfig, so @kubernetes/client-node verifies the server as it would a real one.
 * - Auth: `Authorization: Bearer <token>`, otherwise 401 with a Status body like kube-apiserver.
 * - Data: plain Kubernetes objects given by the caller (tests load test/fixtures; the demo generates its own).
 * - REST: discovery (/version, /api, /api/v1, /apis, /apis/<g>, /apis/<g>/<v>), list (namespaced and across all
 *   namespaces, labelSelector and fieldSelector), get, create, delete of every served resource, and pods/log.
 * - Lists paginate like kube-apiserver: `limit` cuts a page and sets metadata.continue (and remainingItemCount);
 *   `continue` resumes after the last key. A token issued before `compact()` is expired: 410 Gone, reason Expired.
 *   Besides the plain list, a list answers as a Table (`as=Table`) or metadata-only (`as=PartialObjectMetadataList`).
 * - Pods: a created pod "runs" after `probe.runMs`. When its command holds an http:// URL (the network-policy
 *   probe's wget), the outcome comes from the reachability rules: ok / timeout / refused / dns / image-pull.
 *
 * Over 400 lines: test and demo infrastructure, not a product layer. One loopback API server in named pieces that
 * share its state: the object store (ObjectStore), the simulated pods (PodSimulator), pagination with its continue
 * tokens, discovery, and one handler per kind of request (list, create, get/delete, pods/log).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { makeLoopbackTls, type TlsMaterial } from './x509.js';

// ---------------------------------------------------------------------------------------------------------------
// types

export type KubeObject = {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    generateName?: string;
    namespace?: string;
    labels?: Record<string, string> | null;
    annotations?: Record<string, string> | null;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    ownerReferences?: unknown[];
    [k: string]: unknown;
  };
  [k: string]: unknown;
};

export interface ResourceDef {
  /** "" for the core group */
  group: string;
  versions: string[];
  /** plural resource name, e.g. "virtualservices" */
  plural: string;
  kind: string;
  namespaced: boolean;
  singular?: string;
  shortNames?: string[];
}

/** how a probe connection ends: ok (HTTP answer), timeout / refused (blocked), dns (bad address), image-pull (never starts) */
export type ProbeOutcome = 'ok' | 'timeout' | 'refused' | 'dns' | 'image-pull';

export interface ProbeRule {
  /** source namespace of the probe pod, or "*" */
  from: string;
  /** target: a namespace, "namespace/service", or "*" */
  to: string;
  outcome: ProbeOutcome;
}

export interface KubeApiOptions {
  objects?: KubeObject[];
  /** bearer token the server accepts (default: random) */
  token?: string;
  /** served versions of networking.istio.io, preferred first (default v1, v1beta1, v1alpha3); [] = Istio not installed */
  istioVersions?: string[];
  /** extra resource types (CRDs) to serve */
  resources?: ResourceDef[];
  /** built-in API groups NOT to serve, e.g. ["external-secrets.io"] (operator not installed) */
  omitGroups?: string[];
  probe?: {
    /** first matching rule wins */
    rules?: ProbeRule[];
    /** outcome when no rule matches (default ok: nothing enforces policies) */
    default?: ProbeOutcome;
    /** ms from pod creation to its end (default 150) */
    runMs?: number;
  };
  /** delay before every answer, ms */
  latencyMs?: number;
  /** paths (matched against "METHOD /path") answered 403 Forbidden, like RBAC denying the token's user */
  forbid?: RegExp;
  /** fixed port (default 0 = any free port) */
  port?: number;
  /** answer `as=Table` requests with a Table (default true); false acts like a server that does not serve Tables */
  tables?: boolean;
  /** called with every request as it arrives, before it is answered (tests compact the store mid-list with it) */
  onRequest?: (r: KubeApiRequest, server: KubeApiServer) => void;
}

export interface KubeApiRequest {
  method: string;
  path: string;
  query: string;
  authorized: boolean;
  /** the Accept header, e.g. "application/json;as=Table;v=v1;g=meta.k8s.io" */
  accept: string;
}

export interface KubeApiServer {
  /** https://127.0.0.1:<port> */
  url: string;
  port: number;
  /** PEM of the CA that signed the server certificate */
  ca: string;
  token: string;
  /** every request received, in order (the last 10 000) */
  requests: KubeApiRequest[];
  /** names ("namespace/name") of pods created and deleted through the API */
  podsCreated: string[];
  podsDeleted: string[];
  /** resolves once every pod created so far has run its simulated container (tests wait on it, not on a clock) */
  podsSettled(): Promise<void>;
  /** current objects of a resource (group "" = core), e.g. list("", "pods") */
  list(group: string, plural: string): KubeObject[];
  /** add or replace an object while running (the demo flips a scenario) */
  put(obj: KubeObject): void;
  /** remove an object; true when it existed */
  remove(group: string, plural: string, namespace: string | undefined, name: string): boolean;
  /** expire every continue token issued so far (like etcd compaction): resuming one answers 410 Gone */
  compact(): void;
  /** list requests (GET of a collection) that asked for no `limit`: the whole collection in one answer */
  unpaginatedLists(): KubeApiRequest[];
  /** write a kubeconfig for this server; returns its path */
  writeKubeconfig(dir: string, contextName?: string): string;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------------
// the resource table

const CORE: ResourceDef[] = [
  { group: '', versions: ['v1'], plural: 'nodes', kind: 'Node', namespaced: false, shortNames: ['no'] },
  { group: '', versions: ['v1'], plural: 'namespaces', kind: 'Namespace', namespaced: false, shortNames: ['ns'] },
  { group: '', versions: ['v1'], plural: 'pods', kind: 'Pod', namespaced: true, shortNames: ['po'] },
  { group: '', versions: ['v1'], plural: 'services', kind: 'Service', namespaced: true, shortNames: ['svc'] },
  { group: '', versions: ['v1'], plural: 'secrets', kind: 'Secret', namespaced: true },
  { group: '', versions: ['v1'], plural: 'configmaps', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'] },
  { group: '', versions: ['v1'], plural: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true, shortNames: ['sa'] },
  { group: '', versions: ['v1'], plural: 'endpoints', kind: 'Endpoints', namespaced: true, shortNames: ['ep'] },
  { group: '', versions: ['v1'], plural: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim', namespaced: true, shortNames: ['pvc'] },
  { group: '', versions: ['v1'], plural: 'events', kind: 'Event', namespaced: true, shortNames: ['ev'] },
  { group: 'apps', versions: ['v1'], plural: 'deployments', kind: 'Deployment', namespaced: true, shortNames: ['deploy'] },
  { group: 'apps', versions: ['v1'], plural: 'statefulsets', kind: 'StatefulSet', namespaced: true, shortNames: ['sts'] },
  { group: 'apps', versions: ['v1'], plural: 'daemonsets', kind: 'DaemonSet', namespaced: true, shortNames: ['ds'] },
  { group: 'apps', versions: ['v1'], plural: 'replicasets', kind: 'ReplicaSet', namespaced: true, shortNames: ['rs'] },
  { group: 'networking.k8s.io', versions: ['v1'], plural: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true, shortNames: ['netpol'] },
  { group: 'networking.k8s.io', versions: ['v1'], plural: 'ingresses', kind: 'Ingress', namespaced: true, shortNames: ['ing'] },
  { group: 'external-secrets.io', versions: ['v1', 'v1beta1'], plural: 'externalsecrets', kind: 'ExternalSecret', namespaced: true, shortNames: ['es'] },
  { group: 'external-secrets.io', versions: ['v1', 'v1beta1'], plural: 'secretstores', kind: 'SecretStore', namespaced: true, shortNames: ['ss'] },
  { group: 'external-secrets.io', versions: ['v1', 'v1beta1'], plural: 'clustersecretstores', kind: 'ClusterSecretStore', namespaced: false, shortNames: ['css'] },
];

function istioDefs(versions: string[]): ResourceDef[] {
  if (versions.length === 0) return [];
  return [
    { group: 'networking.istio.io', versions, plural: 'virtualservices', kind: 'VirtualService', namespaced: true, shortNames: ['vs'] },
    { group: 'networking.istio.io', versions, plural: 'gateways', kind: 'Gateway', namespaced: true, shortNames: ['gw'] },
    { group: 'networking.istio.io', versions, plural: 'destinationrules', kind: 'DestinationRule', namespaced: true, shortNames: ['dr'] },
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// selectors (the real grammar: k=v, k==v, k!=v, k, !k, k in (a,b), k notin (a,b); fields: path=v, path!=v)

type Requirement = (labels: Record<string, string>) => boolean;

export function parseLabelSelector(text: string): Requirement[] | string {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  const reqs: Requirement[] = [];
  for (const raw of parts) {
    const p = raw.trim();
    if (p === '') continue;
    let m: RegExpMatchArray | null;
    if ((m = p.match(/^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/))) {
      const [, key, op, list] = m as unknown as [string, string, string, string];
      const vals = list.split(',').map((v) => v.trim());
      reqs.push(op === 'in' ? (l) => key in l && vals.includes(l[key]!) : (l) => !(key in l) || !vals.includes(l[key]!));
    } else if ((m = p.match(/^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/))) {
      const [, key, op, val] = m as unknown as [string, string, string, string];
      reqs.push(op === '!=' ? (l) => l[key] !== val : (l) => l[key] === val);
    } else if ((m = p.match(/^!\s*([\w./-]+)$/))) {
      const key = m[1]!;
      reqs.push((l) => !(key in l));
    } else if ((m = p.match(/^([\w./-]+)$/))) {
      const key = m[1]!;
      reqs.push((l) => key in l);
    } else {
      return `unable to parse requirement: ${p}`;
    }
  }
  return reqs;
}

function getPath(obj: unknown, dotted: string): unknown {
  let cur: unknown = obj;
  for (const k of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

function parseFieldSelector(text: string): ((o: KubeObject) => boolean)[] | string {
  const out: ((o: KubeObject) => boolean)[] = [];
  for (const raw of text.split(',')) {
    const p = raw.trim();
    if (p === '') continue;
    const m = p.match(/^([\w.]+)\s*(==|=|!=)\s*(.*)$/);
    if (!m) return `invalid field selector: ${p}`;
    const [, field, op, val] = m as unknown as [string, string, string, string];
    const get = (o: KubeObject) => {
      const v = getPath(o, field);
      return v === undefined || v === null ? '' : String(v);
    };
    out.push(op === '!=' ? (o) => get(o) !== val : (o) => get(o) === val);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// TLS material

export type { TlsMaterial };

/** a fresh CA and a server certificate for 127.0.0.1/localhost (node:crypto only — no openssl needed) */
export function generateTls(): TlsMaterial {
  return makeLoopbackTls();
}

// ---------------------------------------------------------------------------------------------------------------
// kubeconfig

export interface ExtraContext {
  name: string;
  server: string;
  ca?: string;
  token: string;
}

/**
 * Write a kubeconfig (JSON, which every YAML reader accepts) with one cluster/user/context per entry; the first is
 * current-context. Returns the file's path (`<dir>/<fileName>`, default "kubeconfig").
 */
export function writeKubeconfig(
  dir: string,
  server: string,
  ca: string | undefined,
  token: string,
  contextName = 'fake',
  opts: { fileName?: string; extraContexts?: ExtraContext[] } = {},
): string {
  const all: ExtraContext[] = [{ name: contextName, server, ca, token }, ...(opts.extraContexts ?? [])];
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    'current-context': contextName,
    clusters: all.map((c) => ({
      name: `${c.name}-cluster`,
      cluster: {
        server: c.server,
        ...(c.ca ? { 'certificate-authority-data': Buffer.from(c.ca).toString('base64') } : {}),
      },
    })),
    users: all.map((c) => ({ name: `${c.name}-user`, user: { token: c.token } })),
    contexts: all.map((c) => ({ name: c.name, context: { cluster: `${c.name}-cluster`, user: `${c.name}-user` } })),
  };
  const file = path.join(dir, opts.fileName ?? 'kubeconfig');
  writeFileSync(file, JSON.stringify(doc, null, 2) + '\n', { mode: 0o600 });
  return file;
}

// ---------------------------------------------------------------------------------------------------------------
// the server

function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

/** a continue token: the resourceVersion the list started at and the key of the last item served */
interface ContinueToken {
  rv: number;
  start: string;
}

function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify(t)).toString('base64url');
}

function decodeContinue(text: string): ContinueToken | undefined {
  try {
    const t = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<ContinueToken>;
    return typeof t.rv === 'number' && typeof t.start === 'string' ? { rv: t.rv, start: t.start } : undefined;
  } catch {
    return undefined;
  }
}

const EXPIRED_MESSAGE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.';

function status(code: number, reason: string, message: string, details?: Record<string, unknown>) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

interface PodRun {
  log: string;
  timer?: NodeJS.Timeout;
  /** resolves when the simulated container has run (or was stopped by close) */
  ended: Promise<void>;
  end: () => void;
}

const keyOf = (ns: string | undefined, name: string) => `${ns ?? ''}/${name}`;

function versionedCopy(o: KubeObject, d: ResourceDef, version: string): KubeObject {
  const c = clone(o);
  c.apiVersion = d.group ? `${d.group}/${version}` : version;
  c.kind = d.kind;
  return c;
}

/** The served resources and their objects, with the resourceVersion counter and the ClusterIPs handed out. */
class ObjectStore {
  readonly byKind = new Map<string, ResourceDef>(); // "group/Kind"
  readonly byPlural = new Map<string, ResourceDef>(); // "group/plural"
  /** "group/plural" → "ns/name" → object */
  private readonly store = new Map<string, Map<string, KubeObject>>();
  rv = 1000;
  /** continue tokens issued at or before this resourceVersion are expired */
  compactedRv = 0;
  private nextIp = 0x0a10; // 10.96.10.16 upwards

  constructor(readonly defs: ResourceDef[]) {
    for (const d of defs) {
      this.byKind.set(`${d.group}/${d.kind}`, d);
      this.byPlural.set(`${d.group}/${d.plural}`, d);
    }
  }

  bucket(d: ResourceDef): Map<string, KubeObject> {
    const k = `${d.group}/${d.plural}`;
    let b = this.store.get(k);
    if (!b) this.store.set(k, (b = new Map()));
    return b;
  }

  defFor(obj: KubeObject): ResourceDef {
    const av = obj.apiVersion ?? 'v1';
    const group = av.includes('/') ? av.slice(0, av.indexOf('/')) : '';
    const d = this.byKind.get(`${group}/${obj.kind}`);
    if (!d) throw new Error(`fake kube-apiserver: no resource serves ${av} ${obj.kind ?? '(no kind)'} — pass it in options.resources`);
    return d;
  }

  ensureNamespace(ns: string): void {
    const d = this.byPlural.get('/namespaces')!;
    const b = this.bucket(d);
    if (!b.has(keyOf(undefined, ns))) {
      b.set(keyOf(undefined, ns), this.finish({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } }, d));
    }
  }

  /** the object as the server stores it: uid, resourceVersion, creation time, namespace, a Service's ClusterIP */
  finish(obj: KubeObject, d: ResourceDef): KubeObject {
    const o = clone(obj);
    o.kind = d.kind;
    o.metadata ??= {};
    if (o.metadata.labels === null) delete o.metadata.labels;
    o.metadata.uid ??= randomUUID();
    o.metadata.resourceVersion = String(++this.rv);
    o.metadata.creationTimestamp ??= new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    if (d.namespaced) o.metadata.namespace ??= 'default';
    else delete o.metadata.namespace;
    if (d.kind === 'Service') {
      // the API server allocates a ClusterIP unless the Service is headless
      const spec = ((o.spec ??= {}) as { clusterIP?: string; clusterIPs?: string[] });
      if (!spec.clusterIP) {
        spec.clusterIP = `10.96.${(this.nextIp >> 8) & 0xff}.${this.nextIp & 0xff}`;
        spec.clusterIPs = [spec.clusterIP];
        this.nextIp++;
      }
    }
    if (d.kind === 'Namespace') {
      o.metadata.labels = { 'kubernetes.io/metadata.name': o.metadata.name ?? '', ...(o.metadata.labels ?? {}) };
    }
    return o;
  }

  put(obj: KubeObject): void {
    const d = this.defFor(obj);
    if (!obj.metadata?.name) throw new Error(`fake kube-apiserver: ${obj.kind} without metadata.name`);
    const o = this.finish(obj, d);
    if (d.namespaced) this.ensureNamespace(o.metadata!.namespace!);
    this.bucket(d).set(keyOf(o.metadata!.namespace, o.metadata!.name!), o);
  }
}

// ----- pods: simulated lifecycle and the probe's reachability matrix

function probeTarget(pod: KubeObject): { url: string; host: string; port: number } | undefined {
  const spec = pod.spec as { containers?: { command?: string[]; args?: string[] }[] } | undefined;
  const words = (spec?.containers ?? []).flatMap((c) => [...(c.command ?? []), ...(c.args ?? [])]);
  for (const w of words) {
    const m = w.match(/https?:\/\/([^/:\s]+)(?::(\d+))?/);
    if (m) return { url: m[0], host: m[1]!, port: m[2] ? Number(m[2]) : 80 };
  }
  return undefined;
}

function resolveService(store: ObjectStore, host: string, podNs: string): KubeObject | undefined {
  const svcs = [...store.bucket(store.byPlural.get('/services')!).values()];
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return svcs.find((s) => (s.spec as { clusterIP?: string } | undefined)?.clusterIP === host);
  const parts = host.split('.');
  const name = parts[0];
  const ns = parts.length >= 2 ? parts[1] : podNs;
  if (parts.length >= 3 && parts[2] !== 'svc') return undefined;
  return svcs.find((s) => s.metadata?.name === name && s.metadata?.namespace === ns);
}

/** how a probe pod's wget ends, by the reachability rules, and the log it writes; undefined for a pod that is no probe */
function decide(store: ObjectStore, pod: KubeObject, probe: KubeApiOptions['probe']): { outcome: ProbeOutcome; log: string } | undefined {
  const t = probeTarget(pod);
  if (!t) return undefined;
  const podNs = pod.metadata!.namespace!;
  const svc = resolveService(store, t.host, podNs);
  if (!svc) return { outcome: 'dns', log: `wget: bad address '${t.host}:${t.port}'\n` };
  const svcNs = svc.metadata!.namespace!;
  const svcName = svc.metadata!.name!;
  const ip = (svc.spec as { clusterIP?: string } | undefined)?.clusterIP ?? '10.96.0.1';
  const ports = ((svc.spec as { ports?: { port?: number }[] } | undefined)?.ports ?? []).map((p) => p.port);
  let outcome: ProbeOutcome = probe?.default ?? 'ok';
  const rule = (probe?.rules ?? []).find(
    (r) => (r.from === '*' || r.from === podNs) && (r.to === '*' || r.to === svcNs || r.to === `${svcNs}/${svcName}`),
  );
  if (rule) outcome = rule.outcome;
  if (outcome === 'ok' && ports.length > 0 && !ports.includes(t.port)) outcome = 'refused';
  switch (outcome) {
    case 'ok':
      return { outcome, log: `Connecting to ${t.host}:${t.port} (${ip}:${t.port})\nwriting to stdout\n-                    100% |********************************|    38  0:00:00 ETA\nwritten to stdout\n` };
    case 'timeout':
      return { outcome, log: `Connecting to ${t.host}:${t.port} (${ip}:${t.port})\nwget: download timed out\n` };
    case 'refused':
      return { outcome, log: `Connecting to ${t.host}:${t.port} (${ip}:${t.port})\nwget: can't connect to remote host (${ip}): Connection refused\n` };
    case 'dns':
      return { outcome, log: `wget: bad address '${t.host}:${t.port}'\n` };
    case 'image-pull':
      return { outcome, log: '' };
  }
}

/** The pods created through the API "run": pending at once, settled after `probe.runMs`. */
class PodSimulator {
  readonly runs = new Map<string, PodRun>();

  constructor(
    private readonly store: ObjectStore,
    private readonly probe: KubeApiOptions['probe'],
  ) {}

  start(pod: KubeObject): void {
    const key = keyOf(pod.metadata!.namespace, pod.metadata!.name!);
    let end = () => undefined as void;
    const ended = new Promise<void>((resolve) => (end = resolve));
    const run: PodRun = { log: '', ended, end };
    this.runs.set(key, run);
    const image = ((pod.spec as { containers?: { image?: string; name?: string }[] })?.containers?.[0]?.image) ?? 'unknown';
    const cname = ((pod.spec as { containers?: { name?: string }[] })?.containers?.[0]?.name) ?? 'main';
    pod.status = { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }], containerStatuses: [{ name: cname, image, ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] };
    run.timer = setTimeout(() => {
      run.timer = undefined;
      try {
        this.settle(run, key, cname, image);
      } finally {
        run.end();
      }
    }, this.probe?.runMs ?? 150);
    run.timer.unref?.();
  }

  /** the simulated container has run: its outcome, log and status */
  private settle(run: PodRun, key: string, cname: string, image: string): void {
    const cur = this.store.bucket(this.store.byPlural.get('/pods')!).get(key);
    if (!cur) return;
    const d = decide(this.store, cur, this.probe);
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    cur.metadata!.resourceVersion = String(++this.store.rv);
    if (d?.outcome === 'image-pull') {
      cur.status = { phase: 'Pending', containerStatuses: [{ name: cname, image, ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` } } }] };
      return;
    }
    if (!d) {
      cur.status = { phase: 'Running', startTime: now, containerStatuses: [{ name: cname, image, ready: true, restartCount: 0, state: { running: { startedAt: now } } }] };
      return;
    }
    run.log = d.log;
    const exitCode = d.outcome === 'ok' ? 0 : 1;
    cur.status = {
      phase: exitCode === 0 ? 'Succeeded' : 'Failed',
      startTime: now,
      containerStatuses: [{ name: cname, image, ready: false, restartCount: 0, state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: now, finishedAt: now } } }],
    };
  }

  /** a deleted pod stops running */
  stop(key: string): void {
    const run = this.runs.get(key);
    if (run?.timer) clearTimeout(run.timer);
    this.runs.delete(key);
  }

  /** close: every pod ends now */
  stopAll(): void {
    for (const r of this.runs.values()) {
      if (r.timer) clearTimeout(r.timer);
      r.end();
    }
  }
}

// ----- pagination (limit / continue), as kube-apiserver does it from the watch cache

function paginate(
  store: ObjectStore,
  all: KubeObject[],
  q: URLSearchParams,
): { items: KubeObject[]; rv: number; more: { continue?: string; remainingItemCount?: number } } | string | 'expired' {
  const key = (o: KubeObject) => keyOf(o.metadata?.namespace, o.metadata?.name ?? '');
  const sorted = all.map((o) => ({ k: key(o), o })).sort((a, c) => (a.k < c.k ? -1 : a.k > c.k ? 1 : 0));
  const limitText = q.get('limit');
  const limit = limitText ? Number(limitText) : 0;
  if (limitText && (!Number.isInteger(limit) || limit < 0)) return `invalid limit: ${limitText}`;
  let from = 0;
  let startRv = store.rv;
  const cont = q.get('continue');
  if (cont) {
    const t = decodeContinue(cont);
    if (!t) return 'continue key is not valid: illegal base64 data';
    if (t.rv <= store.compactedRv) return 'expired';
    startRv = t.rv;
    from = sorted.findIndex((x) => x.k > t.start);
    if (from < 0) from = sorted.length;
  }
  if (limit <= 0 || from + limit >= sorted.length) return { items: sorted.slice(from).map((x) => x.o), rv: startRv, more: {} };
  const items = sorted.slice(from, from + limit);
  return {
    items: items.map((x) => x.o),
    rv: startRv,
    more: { continue: encodeContinue({ rv: startRv, start: items[items.length - 1]!.k }), remainingItemCount: sorted.length - from - limit },
  };
}

// ----- discovery and the Table representation

function resourceList(defs: ResourceDef[], group: string, version: string) {
  const groupVersion = group ? `${group}/${version}` : version;
  const resources = defs
    .filter((d) => d.group === group && d.versions.includes(version))
    .flatMap((d) => {
      const one = {
        name: d.plural,
        singularName: d.singular ?? d.kind.toLowerCase(),
        namespaced: d.namespaced,
        kind: d.kind,
        verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
        ...(d.shortNames ? { shortNames: d.shortNames } : {}),
      };
      return d.kind === 'Pod' ? [one, { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] }] : [one];
    });
  return resources.length ? { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources } : undefined;
}

function groupsList(defs: ResourceDef[]) {
  const groups = new Map<string, string[]>();
  for (const d of defs) {
    if (!d.group) continue;
    const vs = groups.get(d.group) ?? [];
    for (const v of d.versions) if (!vs.includes(v)) vs.push(v);
    groups.set(d.group, vs);
  }
  return [...groups.entries()].map(([name, versions]) => ({
    name,
    versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
    preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
  }));
}

/** the Table representation `kubectl get` asks for (meta.k8s.io/v1), with metadata-only row objects by default */
function table(d: ResourceDef, items: KubeObject[], includeObject: string, version: string, rv: number) {
  const age = (o: KubeObject) => {
    const t = Date.parse(o.metadata?.creationTimestamp ?? '');
    if (Number.isNaN(t)) return '<unknown>';
    const s = Math.max(0, Math.round((Date.now() - t) / 1000));
    return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : s < 172800 ? `${Math.round(s / 3600)}h` : `${Math.round(s / 86400)}d`;
  };
  const secret = d.kind === 'Secret';
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: String(rv) },
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
      ...(secret
        ? [
            { name: 'Type', type: 'string', format: '', description: 'Used to facilitate programmatic handling of secret data.', priority: 0 },
            { name: 'Data', type: 'string', format: '', description: 'Number of keys in the secret.', priority: 0 },
          ]
        : []),
      { name: 'Age', type: 'string', format: '', description: 'CreationTimestamp of the object.', priority: 0 },
    ],
    rows: items.map((o) => ({
      cells: [o.metadata?.name, ...(secret ? [(o as { type?: string }).type ?? 'Opaque', Object.keys((o as { data?: object }).data ?? {}).length] : []), age(o)],
      object:
        includeObject === 'Object'
          ? versionedCopy(o, d, version)
          : includeObject === 'None'
            ? undefined
            : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: clone(o.metadata) },
    })),
  };
}

// ----- HTTP handling

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const notAllowed = (res: ServerResponse) =>
  send(res, 405, status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'));

/** What the request handlers share: the options, the objects, the pods and what the server records. */
interface Serving {
  opts: KubeApiOptions;
  token: string;
  store: ObjectStore;
  pods: PodSimulator;
  requests: KubeApiRequest[];
  podsCreated: string[];
  podsDeleted: string[];
  /** set once the server listens (no request arrives before) */
  port: number;
  api?: KubeApiServer;
}

/** The resource a request names: which one, in which namespace and version, and the object name and subresource. */
interface Target {
  d: ResourceDef;
  version: string;
  ns: string | undefined;
  plural: string;
  name: string | undefined;
  sub: string | undefined;
  /** "plural.group", as kube-apiserver names the resource in its messages */
  gr: string;
}

async function handle(s: Serving, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { opts, store } = s;
  const u = new URL(req.url ?? '/', 'https://127.0.0.1');
  const method = req.method ?? 'GET';
  const auth = req.headers.authorization;
  const authorized = auth === `Bearer ${s.token}`;
  const entry: KubeApiRequest = { method, path: u.pathname, query: u.search, authorized, accept: String(req.headers.accept ?? '') };
  s.requests.push(entry);
  if (s.requests.length > 10_000) s.requests.splice(0, s.requests.length - 10_000); // long demo sessions
  opts.onRequest?.(entry, s.api!);
  if (opts.latencyMs) await new Promise((r) => setTimeout(r, opts.latencyMs));
  if (!authorized) return send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
  if (opts.forbid?.test(`${method} ${u.pathname}`)) {
    const what = u.pathname.split('/').filter(Boolean).pop() ?? '';
    return send(res, 403, status(403, 'Forbidden', `${what} is forbidden: User "system:serviceaccount:readiness:checker" cannot ${method === 'GET' ? 'list' : method.toLowerCase()} resource "${what}" at the cluster scope`));
  }

  const seg = u.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const notFound = () => send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));

  // discovery
  if (u.pathname === '/version') {
    return send(res, 200, { major: '1', minor: '31', gitVersion: 'v1.31.4', platform: 'linux/amd64', goVersion: 'go1.22.10', compiler: 'gc' });
  }
  if (u.pathname === '/api' || u.pathname === '/api/') {
    return send(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${s.port}` }] });
  }
  if (u.pathname === '/apis' || u.pathname === '/apis/') {
    return send(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: groupsList(store.defs) });
  }

  let group: string;
  let version: string;
  let rest: string[];
  if (seg[0] === 'api') {
    group = '';
    version = seg[1] ?? '';
    rest = seg.slice(2);
  } else if (seg[0] === 'apis') {
    group = seg[1] ?? '';
    if (seg.length === 2) {
      const g = groupsList(store.defs).find((x) => x.name === group);
      return g ? send(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...g }) : notFound();
    }
    version = seg[2] ?? '';
    rest = seg.slice(3);
  } else return notFound();

  if (rest.length === 0) {
    const rl = resourceList(store.defs, group, version);
    return rl ? send(res, 200, rl) : notFound();
  }

  let ns: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    ns = rest[1];
    rest = rest.slice(2);
  }
  const plural = rest[0]!;
  const d = store.byPlural.get(`${group}/${plural}`);
  if (!d || !d.versions.includes(version)) return notFound();
  if (ns !== undefined && !d.namespaced) return notFound();
  const t: Target = { d, version, ns, plural, name: rest[1], sub: rest[2], gr: d.group ? `${d.plural}.${d.group}` : d.plural };

  if (t.name === undefined) {
    if (method === 'GET') return listObjects(s, t, u.searchParams, String(req.headers.accept ?? ''), res);
    if (method === 'POST') return createObject(s, t, req, res);
    return notAllowed(res);
  }
  if (t.sub === 'log' && d.kind === 'Pod' && method === 'GET') return podLog(s, t, res);
  if (t.sub !== undefined) return notFound();
  return objectRequest(s, t, method, res);
}

/** GET of a collection: label and field selectors, a page, as a plain list, a Table or metadata only */
function listObjects(s: Serving, t: Target, q: URLSearchParams, accept: string, res: ServerResponse): void {
  const { d, ns, version } = t;
  let items = [...s.store.bucket(d).values()].filter((o) => ns === undefined || o.metadata?.namespace === ns);
  const ls = q.get('labelSelector');
  if (ls) {
    const reqs = parseLabelSelector(ls);
    if (typeof reqs === 'string') return send(res, 400, status(400, 'BadRequest', reqs));
    items = items.filter((o) => reqs.every((r) => r(o.metadata?.labels ?? {})));
  }
  const fs = q.get('fieldSelector');
  if (fs) {
    const reqs = parseFieldSelector(fs);
    if (typeof reqs === 'string') return send(res, 400, status(400, 'BadRequest', reqs));
    items = items.filter((o) => reqs.every((r) => r(o)));
  }
  const page = paginate(s.store, items, q);
  if (page === 'expired') return send(res, 410, status(410, 'Expired', EXPIRED_MESSAGE));
  if (typeof page === 'string') return send(res, 400, status(400, 'BadRequest', page));
  const listMeta = { resourceVersion: String(page.rv), ...page.more };
  if (s.opts.tables !== false && /(^|[;,\s])as=Table/.test(accept)) {
    return send(res, 200, { ...table(d, page.items, q.get('includeObject') ?? 'Metadata', version, s.store.rv), metadata: listMeta });
  }
  if (/(^|[;,\s])as=PartialObjectMetadataList/.test(accept)) {
    return send(res, 200, {
      kind: 'PartialObjectMetadataList',
      apiVersion: 'meta.k8s.io/v1',
      metadata: listMeta,
      items: page.items.map((o) => ({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: clone(o.metadata) })),
    });
  }
  return send(res, 200, {
    kind: `${d.kind}List`,
    apiVersion: d.group ? `${d.group}/${version}` : version,
    metadata: listMeta,
    items: page.items.map((o) => versionedCopy(o, d, version)),
  });
}

/** POST to a collection: the object stored (generateName, the namespace must exist); a pod starts running */
async function createObject(s: Serving, t: Target, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { d, ns, version, plural, gr } = t;
  const b = s.store.bucket(d);
  if (d.namespaced && ns === undefined) return notAllowed(res);
  let obj: KubeObject;
  try {
    obj = JSON.parse(await readBody(req)) as KubeObject;
  } catch {
    return send(res, 400, status(400, 'BadRequest', 'the body of the request was in an unknown format'));
  }
  obj.metadata ??= {};
  if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = obj.metadata.generateName + randomBytes(3).toString('hex').slice(0, 5);
  if (!obj.metadata.name) return send(res, 422, status(422, 'Invalid', `${d.kind} "" is invalid: metadata.name: Required value`));
  if (d.namespaced) obj.metadata.namespace = ns;
  if (b.has(keyOf(ns, obj.metadata.name))) {
    return send(res, 409, status(409, 'AlreadyExists', `${gr} "${obj.metadata.name}" already exists`, { name: obj.metadata.name, kind: plural }));
  }
  const o = s.store.finish({ ...obj, apiVersion: d.group ? `${d.group}/${version}` : version }, d);
  if (d.namespaced && !s.store.bucket(s.store.byPlural.get('/namespaces')!).has(keyOf(undefined, ns!))) {
    return send(res, 404, status(404, 'NotFound', `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' }));
  }
  b.set(keyOf(o.metadata!.namespace, o.metadata!.name!), o);
  if (d.kind === 'Pod') {
    s.podsCreated.push(`${ns}/${o.metadata!.name}`);
    s.pods.start(o);
  }
  return send(res, 201, versionedCopy(o, d, version));
}

const missing = (res: ServerResponse, t: Target) =>
  send(res, 404, status(404, 'NotFound', `${t.gr} "${t.name}" not found`, { name: t.name, kind: t.plural }));

/** GET pods/NAME/log: the simulated container's log, or 400 while it waits to start */
function podLog(s: Serving, t: Target, res: ServerResponse): void {
  const key = keyOf(t.ns, t.name!);
  const obj = s.store.bucket(t.d).get(key);
  if (!obj) return missing(res, t);
  const st = obj.status as { containerStatuses?: { name?: string; state?: { waiting?: { reason?: string } } }[] } | undefined;
  const waiting = st?.containerStatuses?.[0]?.state?.waiting;
  if (waiting) {
    return send(res, 400, status(400, 'BadRequest', `container "${st?.containerStatuses?.[0]?.name}" in pod "${t.name}" is waiting to start: ${waiting.reason}`));
  }
  return send(res, 200, s.pods.runs.get(key)?.log ?? '');
}

/** GET or DELETE of one object */
function objectRequest(s: Serving, t: Target, method: string, res: ServerResponse): void {
  const { d, ns, name, version } = t;
  const b = s.store.bucket(d);
  const key = keyOf(d.namespaced ? ns : undefined, name!);
  const obj = b.get(key);
  if (method === 'GET') return obj ? send(res, 200, versionedCopy(obj, d, version)) : missing(res, t);
  if (method === 'DELETE') {
    if (!obj) return missing(res, t);
    b.delete(key);
    s.pods.stop(key);
    if (d.kind === 'Pod') s.podsDeleted.push(`${ns}/${name}`);
    const gone = versionedCopy(obj, d, version);
    gone.metadata!.deletionTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    return send(res, 200, gone);
  }
  return notAllowed(res);
}

/** a path naming a collection of a served resource (what a list GETs), not one object, discovery or a log */
function isCollection(p: string): boolean {
  const seg = p.split('/').filter(Boolean);
  const rest = seg[0] === 'api' ? seg.slice(2) : seg[0] === 'apis' ? seg.slice(3) : [];
  if (rest.length === 1) return true;
  return rest.length === 3 && rest[0] === 'namespaces';
}

export async function startKubeApiServer(opts: KubeApiOptions = {}): Promise<KubeApiServer> {
  const tls = generateTls();
  const token = opts.token ?? randomBytes(18).toString('base64url');
  const istioVersions = opts.istioVersions ?? ['v1', 'v1beta1', 'v1alpha3'];
  const omit = new Set(opts.omitGroups ?? []);
  const defs: ResourceDef[] = [...CORE, ...istioDefs(istioVersions)].filter((d) => !omit.has(d.group)).concat(opts.resources ?? []);
  const store = new ObjectStore(defs);
  for (const o of opts.objects ?? []) store.put(o);
  const pods = new PodSimulator(store, opts.probe);
  const s: Serving = { opts, token, store, pods, requests: [], podsCreated: [], podsDeleted: [], port: 0 };

  const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    handle(s, req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, status(500, 'InternalError', e instanceof Error ? e.message : String(e)));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  s.port = port;
  const url = `https://127.0.0.1:${port}`;

  const api: KubeApiServer = {
    url,
    port,
    ca: tls.ca,
    token,
    requests: s.requests,
    podsCreated: s.podsCreated,
    podsDeleted: s.podsDeleted,
    podsSettled: () => Promise.all([...pods.runs.values()].map((r) => r.ended)).then(() => undefined),
    list: (g, p) => {
      const d = store.byPlural.get(`${g}/${p}`);
      return d ? [...store.bucket(d).values()].map((o) => clone(o)) : [];
    },
    put: (obj) => store.put(obj),
    remove: (g, p, ns, name) => {
      const d = store.byPlural.get(`${g}/${p}`);
      return d ? store.bucket(d).delete(keyOf(d.namespaced ? ns : undefined, name)) : false;
    },
    compact: () => {
      store.compactedRv = store.rv++;
    },
    unpaginatedLists: () => s.requests.filter((r) => r.method === 'GET' && isCollection(r.path) && !new URLSearchParams(r.query).get('limit')),
    writeKubeconfig: (dir, contextName = 'fake') => writeKubeconfig(dir, url, tls.ca, token, contextName),
    close: () =>
      new Promise<void>((resolve) => {
        pods.stopAll();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  s.api = api;
  return api;
}
