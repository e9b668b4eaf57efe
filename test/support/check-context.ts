/**
 * A real-enough CheckContext for the Kubernetes kinds: everything of basicContext (AbortController, emitted lines
 * kept, redact, attachments) plus `kube(override)` resolved by the product's resolveKubeTarget against a kubeconfig
 * the test generated — exactly what the runner does with --kubeconfig / --kube-context / a check's `context:`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { resolveKubeTarget } from '../../src/checks/support/kube.js';
import { basicContext, type BasicContext, type BasicContextOptions } from './check-context-basic.js';
import type { KubeObject } from '../../src/demo/servers/kube-api.js';

export interface KubeContextOptions extends BasicContextOptions {
  kubeconfig?: string;
  /** the global context (--kube-context); a check's `context:` is passed to ctx.kube(override) */
  context?: string;
}

export async function checkContext(o: KubeContextOptions = {}): Promise<BasicContext> {
  const ctx = await basicContext(o);
  const env = o.env ?? { ...process.env };
  ctx.kube = (override?: string) => resolveKubeTarget({ kubeconfig: o.kubeconfig, context: override ?? o.context }, env);
  return ctx;
}

export { repoRoot, fixturesDir } from './fixtures.js';
import { fixturesDir } from './fixtures.js';

/** every YAML/JSON document of a fixture file (real YAML 1.2 parser: the k8s-website files are flow style) */
export function loadFixtureObjects(rel: string): KubeObject[] {
  const text = readFileSync(path.join(fixturesDir, rel), 'utf8');
  return parseAllDocuments(text)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((d): d is KubeObject => d !== null && typeof d === 'object');
}
