/**
 * `readiness-tui info`: where things are — the state dir and its sessions (open/closed, decision, last event, who
 * holds them), the kubeconfig and its current context, the external tools found on PATH, the reports directory.
 * Reads only; never contacts a cluster.
 */
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { formatProblems } from '../engine/journal.js';
import { listSessions, replaySession, type SessionSummary } from '../engine/session.js';
import { EXIT } from './exit.js';

export interface InfoOptions {
  stateDir?: string;
  out?: string;
  env?: NodeJS.ProcessEnv;
}

export const TOOLS = ['kubectl', 'trivy', 'ssh-keygen', 'prometheus', 'promtool'] as const;

/** Full path of an executable on PATH, or undefined. */
export function which(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const d of (env.PATH ?? '').split(delimiter)) {
    if (!d) continue;
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      if (statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

export interface KubeInfo {
  files: string[];
  /** the file that exists and was read (first found) */
  found: string[];
  currentContext?: string;
  cluster?: string;
  server?: string;
  namespace?: string;
  user?: string;
  error?: string;
}

interface KubeconfigDoc {
  'current-context'?: string;
  contexts?: { name?: string; context?: { cluster?: string; namespace?: string; user?: string } }[];
  clusters?: { name?: string; cluster?: { server?: string } }[];
}

/** Read the kubeconfig the way kubectl picks it ($KUBECONFIG list, first value wins; else ~/.kube/config). */
export function kubeInfo(env: NodeJS.ProcessEnv = process.env): KubeInfo {
  const files = env.KUBECONFIG
    ? env.KUBECONFIG.split(delimiter).filter(Boolean)
    : [join(env.HOME || homedir(), '.kube', 'config')];
  const info: KubeInfo = { files, found: [] };
  const contexts = new Map<string, NonNullable<KubeconfigDoc['contexts']>[number]['context']>();
  const clusters = new Map<string, string | undefined>();
  for (const f of files) {
    if (!existsSync(f)) continue;
    info.found.push(f);
    let doc: KubeconfigDoc;
    try {
      doc = (parseYaml(readFileSync(f, 'utf8')) ?? {}) as KubeconfigDoc;
    } catch (err) {
      info.error = `${f}: not valid YAML (${(err as Error).message.split('\n')[0]})`;
      continue;
    }
    if (!info.currentContext && typeof doc['current-context'] === 'string' && doc['current-context'])
      info.currentContext = doc['current-context'];
    for (const c of Array.isArray(doc.contexts) ? doc.contexts : [])
      if (c?.name && !contexts.has(c.name)) contexts.set(c.name, c.context);
    for (const c of Array.isArray(doc.clusters) ? doc.clusters : [])
      if (c?.name && !clusters.has(c.name)) clusters.set(c.name, c.cluster?.server);
  }
  if (info.currentContext) {
    const ctx = contexts.get(info.currentContext);
    if (!ctx) info.error ??= `current context "${info.currentContext}" is not defined in the kubeconfig`;
    info.cluster = ctx?.cluster;
    info.namespace = ctx?.namespace;
    info.user = ctx?.user;
    info.server = ctx?.cluster ? clusters.get(ctx.cluster) : undefined;
  }
  return info;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

async function sessionLine(s: SessionSummary): Promise<{ cols: string[]; notes: string[] }> {
  let decision = s.decision ?? '-';
  const notes: string[] = [];
  if (s.problems.length) notes.push(`TAMPERED/CORRUPT journal:\n${formatProblems(`${s.dir}/journal.jsonl`, s.problems, 5)}`);
  for (const w of s.warnings) notes.push(`warning: ${w}`);
  if (!s.closed && !s.problems.length) {
    try {
      decision = (await replaySession(s.dir)).state.decision;
    } catch {
      /* checklist no longer loads: keep the last recorded decision */
    }
  }
  if (s.owner) notes.push(`open in pid ${s.owner.pid} on ${s.owner.host} since ${s.owner.since}${s.owner.mode ? ` (${s.owner.mode})` : ''}`);
  return {
    cols: [s.id, s.checklist?.name ?? '?', s.closed ? 'closed' : 'open', decision, s.lastEventAt ?? '-'],
    notes,
  };
}

export async function infoCommand(opts: InfoOptions): Promise<number> {
  const env = opts.env ?? process.env;
  const out: string[] = [];
  const stateDir = resolve(opts.stateDir ?? '.readiness');
  out.push(`state dir   ${stateDir}${existsSync(stateDir) ? '' : '  (does not exist yet)'}`);

  const sessions = await listSessions(stateDir);
  const open = sessions.filter((s) => !s.closed).length;
  out.push(`sessions    ${sessions.length ? `${sessions.length} (${open} open)` : 'none'}`);
  if (sessions.length) {
    const rows = await Promise.all(sessions.map(sessionLine));
    const head = ['ID', 'CHECKLIST', 'STATUS', 'DECISION', 'LAST EVENT'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r.cols[i]!.length)));
    const fmt = (cols: string[]) => '  ' + cols.map((c, i) => (i < cols.length - 1 ? pad(c, widths[i]!) : c)).join('  ');
    out.push(fmt(head));
    for (const r of rows) {
      out.push(fmt(r.cols));
      for (const n of r.notes) out.push(n.split('\n').map((l) => `      ${l}`).join('\n'));
    }
    out.push(`            directories: ${join(stateDir, 'sessions')}/<ID>`);
  }

  const k = kubeInfo(env);
  if (!k.found.length) {
    out.push(`kubeconfig  none found (${k.files.join(delimiter)})`);
  } else {
    out.push(`kubeconfig  ${k.found.join(delimiter)}`);
    out.push(
      `            current context: ${k.currentContext ?? '(none set)'}` +
        (k.cluster ? ` — cluster ${k.cluster}${k.server ? ` at ${k.server}` : ''}` : '') +
        (k.namespace ? `, namespace ${k.namespace}` : ''),
    );
  }
  if (k.error) out.push(`            problem: ${k.error}`);

  out.push('tools');
  const w = Math.max(...TOOLS.map((t) => t.length));
  for (const t of TOOLS) out.push(`  ${pad(t, w)}  ${which(t, env) ?? 'not found on PATH'}`);

  const reports = resolve(opts.out ?? 'reports');
  let bundles = 0;
  try {
    bundles = readdirSync(join(reports, 'readiness'), { withFileTypes: true }).filter((d) => d.isDirectory()).length;
  } catch {
    /* none yet */
  }
  out.push(
    `reports     ${reports}${existsSync(reports) ? ` (${bundles} bundle${bundles === 1 ? '' : 's'} in readiness/)` : '  (does not exist yet)'}`,
  );
  process.stdout.write(out.join('\n') + '\n');
  return EXIT.OK;
}
