import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLabelSelector, startKubeApiServer, type KubeApiServer } from '../../../src/demo/servers/kube-api.js';
import { loadFixtureObjects } from '../../support/check-context.js';

let server: KubeApiServer;
let dir: string;

beforeAll(async () => {
  server = await startKubeApiServer({
    token: 'test-token',
    istioVersions: ['v1beta1'],
    objects: [
      ...loadFixtureObjects('kubernetes-networkpolicy/ahmetb-03-default-deny-all.yaml'),
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '10.96.0.50', ports: [{ port: 80 }] } },
      { apiVersion: 'networking.istio.io/v1alpha3', kind: 'VirtualService', metadata: { name: 'vs', namespace: 'mesh' }, spec: { http: [] } },
    ],
    probe: { runMs: 50, rules: [{ from: 'foo', to: 'default', outcome: 'timeout' }] },
  });
  dir = mkdtempSync(path.join(os.tmpdir(), 'rt-kubeapi-'));
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** a raw HTTPS request that trusts only the server's generated CA */
function call(method: string, p: string, body?: unknown, token = 'test-token'): Promise<{ status: number; json: any; text: string; type: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${server.url}${p}`,
      { method, ca: server.ca, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, json, text, type: String(res.headers['content-type']) });
        });
      },
    );
    req.on('error', reject);
    if (body) req.write(JSON.stringify(body));
    req.end();
  });
}

describe('fake kube-apiserver (HTTPS, real wire format)', () => {
  it('verifies with its generated CA and certifies 127.0.0.1', async () => {
    const r = await call('GET', '/version');
    expect(r.status).toBe(200);
    expect(r.json.gitVersion).toMatch(/^v1\./);
    expect(server.ca).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });

  it('answers 401 with a Status body without a valid bearer token', async () => {
    for (const token of ['', 'nope']) {
      const r = await call('GET', '/api/v1/nodes', undefined, token);
      expect(r.status).toBe(401);
      expect(r.json).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 });
    }
  });

  it('serves discovery: /api, /api/v1, /apis with the configured Istio versions, /apis/<g>/<v>', async () => {
    expect((await call('GET', '/api')).json).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const core = (await call('GET', '/api/v1')).json;
    expect(core.resources.map((r: { name: string }) => r.name)).toEqual(expect.arrayContaining(['nodes', 'pods', 'pods/log', 'secrets', 'services', 'namespaces']));
    const groups = (await call('GET', '/apis')).json;
    expect(groups.groups.find((g: { name: string }) => g.name === 'networking.istio.io')).toEqual({
      name: 'networking.istio.io',
      versions: [{ groupVersion: 'networking.istio.io/v1beta1', version: 'v1beta1' }],
      preferredVersion: { groupVersion: 'networking.istio.io/v1beta1', version: 'v1beta1' },
    });
    expect((await call('GET', '/apis/networking.istio.io/v1')).status).toBe(404);
    expect((await call('GET', '/apis/networking.istio.io/v1beta1')).json.resources[0]).toMatchObject({ name: 'virtualservices', kind: 'VirtualService', namespaced: true });
  });

  it('lists namespaced and cluster objects; custom objects come back in the requested version', async () => {
    const np = await call('GET', '/apis/networking.k8s.io/v1/namespaces/default/networkpolicies');
    expect(np.json).toMatchObject({ kind: 'NetworkPolicyList', apiVersion: 'networking.k8s.io/v1' });
    expect(np.json.items[0].spec).toEqual({ podSelector: {}, ingress: [] }); // no defaulting: policyTypes stays absent
    const vs = await call('GET', '/apis/networking.istio.io/v1beta1/virtualservices');
    expect(vs.json.items[0]).toMatchObject({ apiVersion: 'networking.istio.io/v1beta1', kind: 'VirtualService', metadata: { name: 'vs', namespace: 'mesh' } });
    // namespaces referenced by objects exist, labelled like a real cluster labels them
    const ns = await call('GET', '/api/v1/namespaces?labelSelector=kubernetes.io%2Fmetadata.name%20in%20(mesh,default)');
    expect(ns.json.items.map((n: { metadata: { name: string } }) => n.metadata.name)).toEqual(['default', 'mesh']);
    expect((await call('GET', '/api/v1/namespaces/default/services/missing')).json).toMatchObject({ reason: 'NotFound', code: 404 });
  });

  it('answers a Table (as kubectl get asks) with metadata-only rows; secrets show type and key count, never data', async () => {
    server.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'default', labels: { a: 'b' } }, type: 'Opaque', data: { password: 'aHVudGVyMg==' } });
    const r = await new Promise<{ json: any; text: string }>((resolve, reject) => {
      https
        .get(`${server.url}/api/v1/namespaces/default/secrets?labelSelector=a%3Db`, { ca: server.ca, headers: { authorization: 'Bearer test-token', accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } }, (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ json: JSON.parse(text), text }));
        })
        .on('error', reject);
    });
    expect(r.json.kind).toBe('Table');
    expect(r.json.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Type', 'Data', 'Age']);
    expect(r.json.rows).toHaveLength(1);
    expect(r.json.rows[0].cells.slice(0, 3)).toEqual(['db', 'Opaque', 1]);
    expect(r.json.rows[0].object).toMatchObject({ kind: 'PartialObjectMetadata', metadata: { name: 'db', labels: { a: 'b' } } });
    expect(r.text).not.toContain('aHVudGVyMg==');
  });

  it('parses the label selector grammar', () => {
    const match = (sel: string, labels: Record<string, string>) => {
      const reqs = parseLabelSelector(sel);
      if (typeof reqs === 'string') throw new Error(reqs);
      return reqs.every((r) => r(labels));
    };
    expect(match('app=a,tier!=db', { app: 'a', tier: 'web' })).toBe(true);
    expect(match('app==a', { app: 'b' })).toBe(false);
    expect(match('env in (prod, staging),!legacy', { env: 'staging' })).toBe(true);
    expect(match('env notin (prod)', { env: 'prod' })).toBe(false);
    expect(match('team', {})).toBe(false);
    expect(typeof parseLabelSelector('a=(b')).toBe('string');
  });

  it('runs a created probe pod: the reachability matrix decides, logs and exit codes as busybox wget', async () => {
    const pod = (ns: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { generateName: 'p-', labels: { probe: 'yes' } },
      spec: { restartPolicy: 'Never', containers: [{ name: 'probe', image: 'busybox', command: ['wget', '-T', '2', 'http://10.96.0.50:80/'] }] },
    });
    const created = await call('POST', '/api/v1/namespaces/foo/pods', pod('foo'));
    expect(created.status).toBe(404); // namespace foo does not exist yet
    server.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'foo' } });
    const a = (await call('POST', '/api/v1/namespaces/foo/pods', pod('foo'))).json;
    const b = (await call('POST', '/api/v1/namespaces/default/pods', pod('default'))).json;
    expect(a.metadata.name).toMatch(/^p-/);
    expect(a.status.phase).toBe('Pending');
    const waiting = await call('GET', `/api/v1/namespaces/foo/pods/${a.metadata.name}/log`);
    expect(waiting.status).toBe(400);
    await server.podsSettled();
    const a2 = (await call('GET', `/api/v1/namespaces/foo/pods/${a.metadata.name}`)).json;
    expect(a2.status.phase).toBe('Failed');
    expect(a2.status.containerStatuses[0].state.terminated.exitCode).toBe(1);
    const logA = await call('GET', `/api/v1/namespaces/foo/pods/${a.metadata.name}/log`);
    expect(logA.type).toBe('text/plain');
    expect(logA.text).toContain('wget: download timed out');
    const b2 = (await call('GET', `/api/v1/namespaces/default/pods/${b.metadata.name}`)).json;
    expect(b2.status.phase).toBe('Succeeded');
    const sel = (await call('GET', '/api/v1/pods?labelSelector=probe%3Dyes&fieldSelector=status.phase%3DSucceeded')).json;
    expect(sel.items.map((p: { metadata: { name: string } }) => p.metadata.name)).toEqual([b.metadata.name]);
    const del = await call('DELETE', `/api/v1/namespaces/foo/pods/${a.metadata.name}`);
    expect(del.json.metadata.deletionTimestamp).toBeTruthy();
    expect(server.podsDeleted).toEqual([`foo/${a.metadata.name}`]);
    expect((await call('GET', `/api/v1/namespaces/foo/pods/${a.metadata.name}`)).status).toBe(404);
  });

  it('writes a kubeconfig (mode 600) that embeds the CA and token', () => {
    const file = server.writeKubeconfig(dir, 'ctx-a');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    expect(doc['current-context']).toBe('ctx-a');
    expect(Buffer.from(doc.clusters[0].cluster['certificate-authority-data'], 'base64').toString()).toBe(server.ca);
    expect(doc.users[0].user.token).toBe('test-token');
    expect(doc.clusters[0].cluster.server).toBe(server.url);
  });
});

describe('fake kube-apiserver: pagination and the metadata-only list', () => {
  let paged: KubeApiServer;
  beforeAll(async () => {
    const secrets = Array.from({ length: 7 }, (_, i) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `s${i}`, namespace: i < 4 ? 'a' : 'b' }, type: 'Opaque', data: { v: 'c2VjcmV0LXZhbHVl' } }));
    paged = await startKubeApiServer({ token: 't', objects: secrets });
  });
  afterAll(async () => {
    await paged?.close();
  });

  function get(p: string, accept = 'application/json'): Promise<{ status: number; json: any; text: string }> {
    return new Promise((resolve, reject) => {
      https
        .get(`${paged.url}${p}`, { ca: paged.ca, headers: { authorization: 'Bearer t', accept } }, (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text), text }));
        })
        .on('error', reject);
    });
  }

  it('cuts pages at `limit` and resumes after the last key with `continue`, with remainingItemCount', async () => {
    const names: string[] = [];
    const remaining: (number | undefined)[] = [];
    let cont = '';
    do {
      const r = await get(`/api/v1/secrets?limit=3${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
      expect(r.status).toBe(200);
      names.push(...r.json.items.map((o: { metadata: { name: string } }) => o.metadata.name));
      remaining.push(r.json.metadata.remainingItemCount);
      cont = r.json.metadata.continue ?? '';
    } while (cont);
    expect(names).toEqual(['s0', 's1', 's2', 's3', 's4', 's5', 's6']);
    expect(remaining).toEqual([4, 1, undefined]);
    expect(paged.unpaginatedLists()).toEqual([]);
    await get('/api/v1/namespaces/a/secrets');
    expect(paged.unpaginatedLists().map((r) => r.path)).toEqual(['/api/v1/namespaces/a/secrets']);
  });

  it('answers 410 Gone (reason Expired) for a token issued before compact(); a new list works', async () => {
    const first = await get('/api/v1/secrets?limit=2');
    paged.compact();
    const stale = await get(`/api/v1/secrets?limit=2&continue=${encodeURIComponent(first.json.metadata.continue)}`);
    expect(stale.status).toBe(410);
    expect(stale.json).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
    const fresh = await get('/api/v1/secrets?limit=2');
    const next = await get(`/api/v1/secrets?limit=2&continue=${encodeURIComponent(fresh.json.metadata.continue)}`);
    expect(next.status).toBe(200);
    expect(next.json.items.map((o: { metadata: { name: string } }) => o.metadata.name)).toEqual(['s2', 's3']);
    expect((await get('/api/v1/secrets?limit=2&continue=not-a-token')).status).toBe(400);
  });

  it('answers the metadata-only form (PartialObjectMetadataList): metadata of each item, never its data', async () => {
    const r = await get('/api/v1/namespaces/b/secrets?limit=2', 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1');
    expect(r.json).toMatchObject({ kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1' });
    expect(r.json.items).toEqual([
      expect.objectContaining({ kind: 'PartialObjectMetadata', metadata: expect.objectContaining({ name: 's4', namespace: 'b' }) }),
      expect.objectContaining({ kind: 'PartialObjectMetadata', metadata: expect.objectContaining({ name: 's5', namespace: 'b' }) }),
    ]);
    expect(r.json.metadata.continue).toBeTruthy();
    expect(r.text).not.toContain('c2VjcmV0LXZhbHVl');
  });
});
