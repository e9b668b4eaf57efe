/**
 * The regression watch end to end, two real TUIs in two ptys against the loopback kube API: the driver runs "nodes
 * ready" (watch: 1s), the block table shows when it is re-checked next; a node goes NotReady (the captured NotReady
 * condition); the driver's next watch run fails it, and the REGRESSION banner and NO-GO appear on the driver's screen
 * and on the watcher's, which reads them from the journal. The journal has the watch run's item.start with trigger
 * watch, and the watcher journaled none.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchTui, type Tui } from '../support/pty.js';
import { ensureBuilt } from '../support/cli-run.js';
import { loadFixtureObjects } from '../support/check-context.js';
import { startKubeApiServer, type KubeApiServer, type KubeObject } from '../../src/demo/servers/kube-api.js';

const CHECKLIST = `apiVersion: readiness/v1
name: watched-nodes
title: Watched nodes
blocks:
  - id: "1"
    title: Cluster
    items:
      - id: "1.1"
        title: Nodes ready
        watch: 1s
        check:
          kind: kubernetes.nodes-ready
          min: 2
`;

type Node = KubeObject & { metadata: { name: string }; status: { conditions: { type: string }[] } };
const captured = (loadFixtureObjects('kubernetes-nodes/sonobuoy-kind-3nodes-1notready.json')[0] as { items: Node[] }).items;
const node = (name: string) => structuredClone(captured.find((n) => n.metadata.name === name)!);

let dir: string;
let server: KubeApiServer;
let kubeconfig: string;
let tuis: Tui[] = [];
const state = () => path.join(dir, 'state');

function journal(): { type: string; actor: string; data: Record<string, unknown> }[] {
  const sessions = path.join(state(), 'sessions');
  const id = readdirSync(sessions).filter((n) => !n.endsWith('.lock'))[0]!;
  return readFileSync(path.join(sessions, id, 'journal.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; actor: string; data: Record<string, unknown> });
}

async function launch(args: string[]): Promise<Tui> {
  const t = await launchTui({ args, cwd: dir, cols: 120, rows: 30, env: { KUBECONFIG: kubeconfig } });
  tuis.push(t);
  return t;
}

describe('regression watch: a watched item regresses while the session is open', () => {
  beforeAll(ensureBuilt);
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rt-regress-'));
    writeFileSync(path.join(dir, 'checklist.yaml'), CHECKLIST);
    server = await startKubeApiServer({ objects: [node('kind-control-plane'), node('kind-worker2')] });
    kubeconfig = server.writeKubeconfig(dir, 'kind-kind');
  });
  afterEach(() => {
    for (const t of tuis) t.kill('SIGKILL');
    tuis = [];
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the driver and the watcher see the banner and NO-GO once a node goes NotReady', { timeout: 90_000 }, async () => {
    const alice = await launch(['checklist.yaml', '--state-dir', state(), '--as', 'alice@example.com']);
    await alice.waitForScreen('Watched nodes');
    await alice.press('enter');
    await alice.waitForScreen(/Status.*ID.*Title/);
    await alice.press('r');
    await alice.waitForScreen(/✓ PASS/, 30_000);
    // the schedule: when the watch re-checks it next (or that it is re-checking now)
    await alice.waitForScreen(/1\.1 .*(next \d\d:\d\d|re-checking)/, 10_000);

    const bob = await launch(['watch', '--state-dir', state(), '--as', 'bob@example.com']);
    await bob.waitForScreen('Watched nodes');
    expect(bob.screen()).not.toContain('REGRESSION');

    const worker2 = node('kind-worker2');
    worker2.status.conditions = worker2.status.conditions.map((c) => (c.type === 'Ready' ? node('kind-worker').status.conditions.find((x) => x.type === 'Ready')! : c));
    server.put(worker2);

    const a = await alice.waitForScreen(/REGRESSION 1\.1 PASS → FAIL at \d\d:\d\d \(watch re-check\): 1\/2 nodes Ready \(min 2\) · decision NO-GO/, 30_000);
    expect(a).toMatch(/✗ FAIL/);
    await bob.waitForScreen(/REGRESSION 1\.1 PASS → FAIL .* · decision NO-GO/, 10_000);

    const j = journal();
    const starts = j.filter((r) => r.type === 'item.start');
    expect(starts[0]!.data.trigger).toBeUndefined(); // alice's r
    expect(starts.slice(1).every((r) => r.data.trigger === 'watch')).toBe(true);
    expect(starts.length).toBeGreaterThanOrEqual(2);
    const results = j.filter((r) => r.type === 'item.result');
    expect(results[results.length - 1]!.data.verdict).toBe('fail');
    expect(j.filter((r) => r.actor === 'bob@example.com')).toEqual([]);
    // the failed item is no longer watched: no watch run after the one that failed it
    expect(j[j.length - 1]!.type).not.toBe('item.start');
  });
});
