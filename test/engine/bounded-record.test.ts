import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundRecord, moreOffending, RECORD_BUDGET } from '../../src/engine/bounded-record.js';
import type { ItemResultData } from '../../src/engine/events.js';
import { startKubeApiServer, type KubeApiServer } from '../../src/demo/servers/kube-api.js';
import { generateWorld } from '../../src/demo/servers/kube-world.js';
import { cli, ensureBuilt } from '../support/cli-run.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rt-bounded-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = (over: Partial<ItemResultData>): ItemResultData => ({ item: '1.1', attempt: 1, verdict: 'fail', summary: 's', durationMs: 5, evidence: [], ...over });

describe('boundRecord', () => {
  it('leaves a record that fits alone, and writes nothing', async () => {
    const d = base({ offending: [{ a: 1 }], result: { rows: [1, 2, 3] } });
    const file = path.join(dir, 'small.json');
    expect(await boundRecord(d, file, dir)).toBe(d);
    expect(readdirSync(dir)).not.toContain('small.json');
  });

  it('leaves a long list of small entries alone when the whole still fits, and keeps no file of it', async () => {
    const d = base({ offending: Array.from({ length: 60 }, (_, i) => ({ n: i })), result: { rows: Array.from({ length: 500 }, (_, i) => i) } });
    const file = path.join(dir, 'fits.json');
    expect(await boundRecord(d, file, dir)).toBe(d);
    expect(readdirSync(dir)).not.toContain('fits.json');
  });

  it('cuts long lists to their first entries, names the full lengths and keeps the whole record in a hashed evidence file', async () => {
    const offending = Array.from({ length: 4832 }, (_, i) => ({ secret: `ns-${i}/legacy-${i}`, problem: 'not managed by External Secrets' }));
    const d = base({ offending, result: { total: 4832, unmanaged: offending, nested: { rows: Array.from({ length: 30 }, (_, i) => i) } } });
    const file = path.join(dir, 'big.json');
    const out = await boundRecord(d, file, dir);
    expect(Buffer.byteLength(JSON.stringify(out))).toBeLessThanOrEqual(RECORD_BUDGET);
    expect(out.offending).toHaveLength(20);
    expect(out.offending![0]).toEqual(offending[0]);
    expect(out.omitted).toEqual({ file: 'big.json', offending: 4832, result: { unmanaged: 4832, 'nested.rows': 30 } });
    expect((out.result as { total: number }).total).toBe(4832);
    const bytes = readFileSync(file);
    expect(out.evidence).toEqual([{ path: 'big.json', bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }]);
    const whole = JSON.parse(bytes.toString('utf8')) as { offending: unknown[]; result: { unmanaged: unknown[] } };
    expect(whole).toEqual(JSON.parse(JSON.stringify(d)));
    expect(whole.offending).toHaveLength(4832);
    expect(whole.result.unmanaged).toEqual(offending);
    expect(moreOffending(out, 20)).toBe('… and 4,812 more (see big.json)');
  });

  it('keeps fewer entries when twenty large ones would not fit', async () => {
    const items = Array.from({ length: 100 }, (_, i) => ({ name: `o${i}`, blob: 'x'.repeat(8000) }));
    const out = await boundRecord(base({ result: { count: 100, items } }), path.join(dir, 'large.json'), dir);
    expect(Buffer.byteLength(JSON.stringify(out))).toBeLessThanOrEqual(RECORD_BUDGET);
    expect((out.result as { items: unknown[] }).items.length).toBeLessThan(8);
    expect(out.omitted?.result).toEqual({ items: 100 });
  });
});

describe('a big cluster through the CLI: the journal line stays small, the evidence holds everything', () => {
  let server: KubeApiServer;
  const world = generateWorld(3, { nodes: 3000, namespaces: 1, virtualServices: 0, routesPerVirtualService: 0, externalSecrets: 0, secretsPerExternalSecret: 0, otherSecrets: 0 });
  beforeAll(async () => {
    ensureBuilt();
    server = await startKubeApiServer({ objects: world.objects });
  });
  afterAll(async () => server?.close());

  it('kubernetes.nodes-ready over 3,000 nodes: verdict on all of them, ≤ 64 KB per journal line, "… and N more (see evidence/…)"', async () => {
    const kubeconfig = server.writeKubeconfig(dir, 'big');
    const checklist = path.join(dir, 'nodes.yaml');
    const notReady = world.expect.nodes.total - world.expect.nodes.ready;
    writeFileSync(
      checklist,
      ['apiVersion: readiness/v1', 'name: big', 'title: Big', 'blocks:', '  - id: "1"', '    title: Cluster', '    items:', '      - id: "1.1"', '        title: Nodes', '        blocking: true', '        check:', '          kind: kubernetes.nodes-ready', '          min: 3000', ''].join('\n'),
    );
    const state = path.join(dir, 'state');
    const r = await cli(['run', checklist, '--ci', '--state-dir', state, '--out', path.join(dir, 'reports')], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: dir, KUBECONFIG: kubeconfig, NO_COLOR: '1' },
      timeoutMs: 60_000,
    });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const sdir = path.join(state, 'sessions', readdirSync(path.join(state, 'sessions'))[0]!);
    const lines = readFileSync(path.join(sdir, 'journal.jsonl'), 'utf8').split('\n').filter(Boolean);
    for (const l of lines) expect(Buffer.byteLength(l)).toBeLessThanOrEqual(RECORD_BUDGET);
    const result = lines.map((l) => JSON.parse(l) as { type: string; data: ItemResultData }).find((e) => e.type === 'item.result')!.data;
    expect(result.verdict).toBe('fail');
    expect(result.result).toMatchObject({ total: 3000, ready: world.expect.nodes.ready });
    expect(result.omitted).toMatchObject({ file: 'evidence/1.1/1-record.json', offending: notReady, result: { nodes: 3000 } });
    const whole = JSON.parse(readFileSync(path.join(sdir, result.omitted!.file), 'utf8')) as { result: { nodes: unknown[] }; offending: unknown[] };
    expect(whole.result.nodes).toHaveLength(3000);
    expect(whole.offending).toHaveLength(notReady);
    expect(r.stdout).toContain(`… and ${notReady - 10} more (see evidence/1.1/1-record.json)`);
    expect(server.unpaginatedLists()).toEqual([]);
  });
});
