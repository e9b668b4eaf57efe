// Bench: each Kubernetes check kind over the generated big world (src/demo/servers/kube-world.ts: 5,000 nodes,
// 2,000 namespaces / 4,000 NetworkPolicies, 1,000 VirtualServices × 5 routes, 20,000 Secrets / 5,000
// ExternalSecrets) served by the loopback API server, through the real CLI (`run --ci`, start-up included), against
// the same lists read by `kubectl get … -o json --chunk-size=500` from the same server.
// Per kind: wall ratio check / kubectl (target ≤ 1×), unpaginated list requests (0), peak RSS of the CLI (≤ 200 MB),
// longest journal line (≤ 64 KB), and the verdict and counts asserted against the world's own figures.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { figure } from './lib/figures.mjs';
import { importSource, onPath, run } from './lib/procs.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const bin = path.join(repo, 'bin', 'readiness-tui.js');
const probe = path.join(here, 'lib', 'rss-probe.mjs');
const ROUNDS = 3;

const dir = mkdtempSync(path.join(os.tmpdir(), 'rt-bench-kube-'));
let server;
let misses = 0;
const check = (ok, what) => {
  process.stdout.write(`  ${what}: ${ok ? 'PASS' : 'MISS'}\n`);
  if (!ok) misses++;
};
try {
  const { startKubeApiServer } = await importSource(repo, 'src/demo/servers/kube-api.ts', dir);
  const { generateWorld, WORLD_NAMESPACE_SELECTOR } = await importSource(repo, 'src/demo/servers/kube-world.ts', dir);
  const world = generateWorld();
  server = await startKubeApiServer({ objects: world.objects });
  const kubeconfig = server.writeKubeconfig(dir, 'big');
  const kubectl = await onPath('kubectl');
  const w = world.expect;
  process.stdout.write(
    `  world (seed 19): ${w.nodes.total} nodes (${w.nodes.total - w.nodes.ready} NotReady), ${w.networkPolicies.namespaces} namespaces / ${w.networkPolicies.policies} NetworkPolicies, ` +
      `${w.virtualServices.virtualServices} VirtualServices / ${w.virtualServices.routes} routes, ${w.secrets.all} Secrets / ${w.externalSecrets.total} ExternalSecrets\n`,
  );
  if (!kubectl) process.stdout.write('  kubectl is not on PATH: the kubectl side is skipped (no ratios)\n');

  const kinds = [
    {
      name: 'kubernetes.nodes-ready',
      check: ['kind: kubernetes.nodes-ready', `min: ${w.nodes.total}`],
      kubectl: [['get', 'nodes']],
      verdict: 'fail',
      counts: (r) => r.total === w.nodes.total && r.ready === w.nodes.ready,
      want: `total ${w.nodes.total}, ready ${w.nodes.ready}`,
    },
    {
      name: 'kubernetes.network-policy',
      check: ['kind: kubernetes.network-policy', `namespaceSelector: ${WORLD_NAMESPACE_SELECTOR}`],
      kubectl: [['get', 'namespaces', '-l', WORLD_NAMESPACE_SELECTOR], ['get', 'networkpolicies', '-A']],
      verdict: 'fail',
      counts: (r) => r.total === w.networkPolicies.namespaces && r.total - r.compliant === w.networkPolicies.lacking,
      want: `${w.networkPolicies.namespaces} namespaces, ${w.networkPolicies.lacking} lacking`,
    },
    {
      name: 'kubernetes.virtualservice-policy',
      check: ['kind: kubernetes.virtualservice-policy'],
      kubectl: [['get', 'virtualservices.networking.istio.io', '-A']],
      verdict: 'fail',
      counts: (r) => r.virtualServices === w.virtualServices.virtualServices && r.total === w.virtualServices.routes && r.withProblems === w.virtualServices.withProblems,
      want: `${w.virtualServices.routes} routes, ${w.virtualServices.withProblems} with problems`,
    },
    {
      name: 'kubernetes.secrets-managed',
      check: ['kind: kubernetes.secrets-managed'],
      kubectl: [['get', 'secrets', '-A'], ['get', 'externalsecrets.external-secrets.io', '-A']],
      verdict: 'fail',
      counts: (r) =>
        r.total === w.secrets.total && r.managed === w.secrets.managed && r.ignored === w.secrets.ignored && r.externalSecrets?.total === w.externalSecrets.total && r.externalSecrets?.ready === w.externalSecrets.ready,
      want: `${w.secrets.total} counted, ${w.secrets.managed} managed, ${w.secrets.ignored} ignored, ExternalSecrets ${w.externalSecrets.ready}/${w.externalSecrets.total} Ready`,
    },
    {
      name: 'kubernetes.query (nodes)',
      check: ['kind: kubernetes.query', 'resource: nodes', `expect: count = ${w.nodes.total}`],
      kubectl: [['get', 'nodes']],
      verdict: 'pass',
      counts: (r) => r.count === w.nodes.total,
      want: `count ${w.nodes.total}`,
    },
  ];

  for (const k of kinds) {
    process.stdout.write(`  ${k.name}:\n`);
    const checklist = path.join(dir, 'kube.yaml');
    writeFileSync(
      checklist,
      ['apiVersion: readiness/v1', 'name: bench-kube', 'title: Big cluster', 'blocks:', '  - id: "1"', '    title: Cluster', '    items:', '      - id: "1.1"', '        title: The check', '        timeout: 5m', '        check:', ...k.check.map((l) => `          ${l}`), ''].join('\n'),
    );
    const env = { PATH: process.env.PATH, HOME: dir, KUBECONFIG: kubeconfig, NO_COLOR: '1' };
    const ours = [];
    const theirs = [];
    let last;
    for (let round = 0; round < ROUNDS; round++) {
      if (kubectl) {
        let ms = 0;
        for (const args of k.kubectl) {
          const r = await run('kubectl', [...args, '-o', 'json', '--chunk-size=500', '--cache-dir', path.join(dir, 'kubectl-cache')], { env });
          if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr.slice(0, 500)}`);
          ms += r.ms;
        }
        if (round > 0) theirs.push(ms); // the first round fills kubectl's discovery cache, as on a captain's laptop
      }
      const state = path.join(dir, `state-${round}`);
      const rssFile = path.join(dir, `rss-${round}`);
      const before = server.requests.length;
      const r = await run(process.execPath, ['--import', probe, bin, 'run', checklist, '--ci', '--state-dir', state, '--out', path.join(dir, `reports-${round}`)], {
        cwd: dir,
        env: { ...env, RT_BENCH_RSS_FILE: rssFile },
        capture: true,
      });
      if (r.code !== 0 && r.code !== 1) throw new Error(`run --ci exited ${r.code}: ${r.stdout.slice(-1500)}${r.stderr.slice(0, 500)}`);
      ours.push(r.ms);
      const sdir = path.join(state, 'sessions', readdirSync(path.join(state, 'sessions'))[0]);
      const lines = readFileSync(path.join(sdir, 'journal.jsonl'), 'utf8').split('\n').filter(Boolean);
      const unpaginated = server.requests.slice(before).filter((q) => q.method === 'GET' && server.unpaginatedLists().includes(q)).length;
      last = {
        rss: Number(readFileSync(rssFile, 'utf8')),
        longest: Math.max(...lines.map((l) => Buffer.byteLength(l))),
        result: lines.map((l) => JSON.parse(l)).find((e) => e.type === 'item.result').data,
        unpaginated,
        requests: server.requests.length - before,
      };
      rmSync(state, { recursive: true, force: true });
      rmSync(path.join(dir, `reports-${round}`), { recursive: true, force: true });
    }
    const best = Math.min(...ours);
    figure(`    check through \`run --ci\` (best of ${ROUNDS}, start-up included)`, best, 'ms');
    if (kubectl) {
      const base = Math.min(...theirs);
      figure(`    kubectl ${k.kubectl.map((a) => a.join(' ')).join(' + ')} -o json --chunk-size=500 (best of ${ROUNDS - 1})`, base, 'ms');
      if (!figure('    ratio check / kubectl', best / base, '×', 1)) misses++;
    }
    if (!figure('    peak RSS of the CLI', last.rss / 1024 / 1024, 'MB', 200)) misses++;
    if (!figure('    longest journal line', last.longest / 1024, 'KB', 64)) misses++;
    if (!figure(`    unpaginated list requests (of ${last.requests} requests)`, last.unpaginated, '', 0)) misses++;
    check(last.result.verdict === k.verdict && k.counts(last.result.result), `    verdict ${last.result.verdict} (want ${k.verdict}) and ${k.want}`);
  }
  process.stdout.write(`  ${misses ? `${misses} target(s) missed` : 'every target met'}\n`);
} finally {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
}
