/**
 * The REAL Prometheus for tests and the demo (Debian package `prometheus`, which also ships `promtool`):
 *  - startPrometheus(): a temp (or given) data dir, a minimal config (optionally with alerting rules), a loopback
 *    port, waits for /-/ready, and stop() ends it (TERM, then KILL after a grace period) and removes what it created;
 *  - backfillAlerts(dataDir, episodes): writes OpenMetrics ALERTS / ALERTS_FOR_STATE samples with timestamps and
 *    `# EOF`, then `promtool tsdb create-blocks-from openmetrics` (check-domain §7: every sample needs a timestamp,
 *    samples must be older than ~3 h, backfilled data is subject to retention — keep within 7 days + margin).
 * Start Prometheus AFTER backfilling: blocks written under a running server are only picked up at its next
 * compaction.
 */
import { guardAgainstOrphan } from './orphan-guard.js';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export interface PrometheusBinaries {
  prometheus: string;
  promtool: string;
}

async function which(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    const p = path.join(dir || '.', name);
    try {
      await execFileP('test', ['-x', p]);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** both binaries, or undefined when Prometheus is not installed (apt-get install prometheus) */
export async function findPrometheus(): Promise<PrometheusBinaries | undefined> {
  const [prometheus, promtool] = await Promise.all([which('prometheus'), which('promtool')]);
  return prometheus && promtool ? { prometheus, promtool } : undefined;
}

export interface StartPrometheusOptions {
  /** use this TSDB directory (e.g. one backfillAlerts wrote); default a new temp dir removed on stop */
  dataDir?: string;
  /** default: a port Prometheus picks itself (it binds port 0 and logs the port it got) */
  port?: number;
  /** content of an alerting/recording rule file (YAML) loaded by the config */
  rules?: string;
  /** default 15s */
  evaluationInterval?: string;
  /** default 30d (backfilled data older than retention is deleted at start) */
  retention?: string;
  /** ms to wait for /-/ready (default 30 000) */
  readyTimeoutMs?: number;
}

export interface PrometheusServer {
  url: string;
  port: number;
  dataDir: string;
  pid: number;
  /** last lines of Prometheus' own log (stderr) */
  log(): string;
  stop(): Promise<void>;
}

export async function startPrometheus(o: StartPrometheusOptions = {}): Promise<PrometheusServer> {
  const bins = await findPrometheus();
  if (!bins) throw new Error('prometheus is not installed: apt-get install -y prometheus');
  const work = await mkdtemp(path.join(os.tmpdir(), 'rt-prom-'));
  const dataDir = o.dataDir ?? path.join(work, 'data');
  const configFile = path.join(work, 'prometheus.yml');
  const ruleFile = path.join(work, 'rules.yml');
  if (o.rules) await writeFile(ruleFile, o.rules);
  await writeFile(
    configFile,
    [
      'global:',
      `  evaluation_interval: ${o.evaluationInterval ?? '15s'}`,
      '  scrape_interval: 15s',
      ...(o.rules ? ['rule_files:', `  - ${JSON.stringify(ruleFile)}`] : []),
      'scrape_configs: []',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(
    bins.prometheus,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${dataDir}`,
      `--storage.tsdb.retention.time=${o.retention ?? '30d'}`,
      `--web.listen-address=127.0.0.1:${o.port ?? 0}`,
    ],
    // its own process group, stopped by the guard when we are gone without stopping it (SIGKILL, lost terminal)
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  const guard = child.pid ? guardAgainstOrphan(child.pid) : undefined;
  let logTail = '';
  // the port it bound: given, or the one it logs (`msg="Listening on" address=127.0.0.1:43127`) for port 0
  let port = o.port;
  child.stderr?.on('data', (c: Buffer) => {
    logTail = (logTail + c.toString('utf8')).slice(-8000);
    port ??= Number(/msg="Listening on" address=127\.0\.0\.1:(\d+)/.exec(logTail)?.[1]) || undefined;
  });
  let exited: number | null | undefined;
  const exitP = new Promise<void>((resolve) => child.on('exit', (code) => ((exited = code), resolve())));
  const stop = async () => {
    if (exited === undefined) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exitP;
      clearTimeout(t);
    }
    guard?.stop();
    await rm(work, { recursive: true, force: true });
  };
  const deadline = Date.now() + (o.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (exited !== undefined) {
      await stop();
      throw new Error(`prometheus exited (${exited}) before it was ready:\n${logTail.split('\n').slice(-8).join('\n')}`);
    }
    try {
      const res = port ? await fetch(`http://127.0.0.1:${port}/-/ready`, { signal: AbortSignal.timeout(1000) }) : undefined;
      if (res?.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus was not ready within ${o.readyTimeoutMs ?? 30_000} ms:\n${logTail.split('\n').slice(-8).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return { url: `http://127.0.0.1:${port!}`, port: port!, dataDir, pid: child.pid!, log: () => logTail, stop };
}

export interface BackfillEpisode {
  /** alertname plus the alert's labels (no alertstate: it is added) */
  labels: Record<string, string>;
  /** unix seconds: when the alert became active (ALERTS_FOR_STATE value) */
  activeAt: number;
  /** unix seconds of the last firing sample (inclusive) */
  lastAt: number;
  /** seconds pending before firing (pending samples are written with alertstate="pending"); default 0 */
  pendingFor?: number;
}

export interface BackfillResult {
  series: number;
  samples: number;
  blocks: number;
  file: string;
}

const labelText = (l: Record<string, string>) =>
  Object.keys(l)
    .sort()
    .map((k) => `${k}="${l[k]!.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');

export interface AlertSeries {
  name: 'ALERTS' | 'ALERTS_FOR_STATE';
  labels: Record<string, string>;
  /** [unix seconds, value], ascending, one sample per timestamp */
  points: [number, number][];
}

/**
 * The series Prometheus keeps for these episodes: ALERTS{alertstate} = 1 and ALERTS_FOR_STATE = the time the alert
 * became active, one sample per `intervalS` while it is pending or firing. Episodes of one label set share a series.
 * Both the backfill (through OpenMetrics) and the sandbox's stand-in server read them from here.
 */
export function alertSeries(episodes: BackfillEpisode[], intervalS = 60): AlertSeries[] {
  const series = new Map<string, AlertSeries>();
  const push = (name: AlertSeries['name'], labels: Record<string, string>, ts: number, v: number) => {
    const key = `${name}{${labelText(labels)}}`;
    let s = series.get(key);
    if (!s) series.set(key, (s = { name, labels, points: [] }));
    s.points.push([ts, v]);
  };
  for (const e of episodes) {
    const firingFrom = e.activeAt + (e.pendingFor ?? 0);
    for (let ts = e.activeAt; ts <= e.lastAt; ts += intervalS) {
      push('ALERTS', { ...e.labels, alertstate: ts < firingFrom ? 'pending' : 'firing' }, ts, 1);
      push('ALERTS_FOR_STATE', e.labels, ts, e.activeAt);
    }
  }
  const out = [...series.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s);
  for (const s of out) {
    // overlapping episodes of one series: keep one sample per timestamp
    s.points = s.points.sort((a, b) => a[0] - b[0]).filter((p, i, a) => i === 0 || a[i - 1]![0] !== p[0]);
  }
  return out;
}

/** the OpenMetrics text for these episodes (exported for tests of the format itself) */
export function alertsOpenMetrics(episodes: BackfillEpisode[], intervalS = 60): { text: string; samples: number; series: number } {
  const all = alertSeries(episodes, intervalS);
  let samples = 0;
  const lines: string[] = [];
  for (const name of ['ALERTS', 'ALERTS_FOR_STATE'] as const) {
    lines.push(`# TYPE ${name} gauge`);
    for (const s of all.filter((x) => x.name === name)) {
      for (const [ts, v] of s.points) lines.push(`${name}{${labelText(s.labels)}} ${v} ${ts}`);
      samples += s.points.length;
    }
  }
  lines.push('# EOF', '');
  return { text: lines.join('\n'), samples, series: all.length };
}

/** write the episodes into `dataDir` as TSDB blocks with promtool (Prometheus must not be running on it yet) */
export async function backfillAlerts(dataDir: string, episodes: BackfillEpisode[], opts: { intervalS?: number } = {}): Promise<BackfillResult> {
  const bins = await findPrometheus();
  if (!bins) throw new Error('promtool is not installed: apt-get install -y prometheus');
  const recent = episodes.filter((e) => e.lastAt > Date.now() / 1000 - 3 * 3600);
  if (recent.length) {
    throw new Error(`backfilled samples must be older than 3 hours (the head block); ${recent.length} episode(s) end later`);
  }
  const { text, samples, series } = alertsOpenMetrics(episodes, opts.intervalS ?? 60);
  const work = await mkdtemp(path.join(os.tmpdir(), 'rt-om-'));
  const file = path.join(work, 'alerts.om');
  try {
    await writeFile(file, text);
    await execFileP(bins.promtool, ['tsdb', 'create-blocks-from', 'openmetrics', '--max-block-duration=24h', file, dataDir], {
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`promtool could not backfill: ${(err.stderr ?? err.message).trim().split('\n').slice(-5).join('\n')}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const blocks = (await readdir(dataDir)).filter((n) => /^[0-9A-HJKMNP-TV-Z]{26}$/.test(n)).length;
  return { series, samples, blocks, file: 'alerts.om' };
}
