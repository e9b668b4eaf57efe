/**
 * trivy.image — scan a container image with trivy and judge the JSON report (never the exit code).
 *
 * Runs `trivy image --format json --scanners vuln --quiet [--ignorefile F] IMAGE` with execa: stderr is streamed
 * to the live pane and the evidence, stdout (the report, possibly MBs) is collected, parsed, and attached whole as
 * evidence `trivy-report.json`. Reads SchemaVersion 2 reports, reports without `Results` (nothing scanned →
 * inconclusive), results without `Vulnerabilities` (clean target), and the legacy (< 0.20) top-level array.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { RULES } from './rules.js';
import { CheckError, type CheckContext, type CheckKind, type CheckOutput } from './contract.js';
import { spawnGroup } from '../process/spawn.js';
import { DURATION_HINT } from '../checklist/duration.js';

export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'] as const;
export type Severity = (typeof SEVERITIES)[number];
const RANK: Record<Severity, number> = { CRITICAL: 4, HIGH: 3, MEDIUM: 2, LOW: 1, UNKNOWN: 0 };
/** findings kept in the result (all of them stay in the attached report) */
const MAX_FINDINGS = 500;
const MAX_REPORT_BYTES = 512 * 1024 * 1024;

const params = z
  .object({
    image: z.string().min(1).describe('image reference to scan, e.g. registry.example.com/detektor:1.4.2 or ${vars.image}'),
    trivyPath: z.string().min(1).default('trivy').describe('trivy executable: a name looked up on PATH, or a path'),
    threshold: z
      .enum(SEVERITIES)
      .default('CRITICAL')
      .describe('lowest severity that counts against the image: findings at or above it are offending'),
    ignoreFile: z
      .string()
      .optional()
      .describe('trivy ignore file passed as --ignorefile (relative to the checklist); default: .trivyignore when present'),
    ignoreUnfixed: z.boolean().default(false).describe('pass --ignore-unfixed: drop findings that have no fixed version yet'),
    timeout: z
      .string()
      .refine(RULES.isDuration, DURATION_HINT)
      .optional()
      .describe("trivy's own --timeout for the scan (e.g. 10m); the item's timeout still applies"),
    verbose: z
      .boolean()
      .default(false)
      .describe("stream trivy's own log lines (passes --no-progress instead of --quiet)"),
    extraArgs: z
      .array(z.string())
      .default([])
      .describe('more trivy arguments, placed before the image (e.g. ["--skip-db-update", "--offline-scan"])'),
  })
  .strict();

export type TrivyImageParams = z.infer<typeof params>;

export interface TrivyFinding {
  id: string;
  package: string;
  installed: string;
  fixed: string;
  severity: Severity;
  title: string;
  target: string;
}

export interface TrivyParsed {
  /** targets with vulnerability data (os-pkgs / lang-pkgs, or legacy entries) */
  scanned: number;
  findings: TrivyFinding[];
  /** result classes that were skipped because they are not vulnerability results (e.g. secret, config) */
  skippedClasses: string[];
  schemaVersion?: number;
  artifact?: string;
  os?: { family?: string; name?: string; eosl?: boolean };
}

type Json = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

/** parse a trivy JSON report (SchemaVersion 2 object or legacy array); throws a plain Error when it is not one */
export function parseTrivyReport(text: string): TrivyParsed {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`not JSON (${(e as Error).message})`);
  }
  let results: unknown[];
  const out: TrivyParsed = { scanned: 0, findings: [], skippedClasses: [] };
  if (Array.isArray(doc)) {
    results = doc;
    out.schemaVersion = 0;
  } else if (doc && typeof doc === 'object') {
    const d = doc as Json;
    if (!('SchemaVersion' in d) && !('Results' in d) && !('ArtifactName' in d)) {
      throw new Error('a JSON object without SchemaVersion, ArtifactName or Results — not a trivy report');
    }
    out.schemaVersion = typeof d.SchemaVersion === 'number' ? d.SchemaVersion : undefined;
    out.artifact = str(d.ArtifactName) || undefined;
    const os = ((d.Metadata as Json | undefined)?.OS ?? undefined) as Json | undefined;
    // trivy writes Family "none" when it detected no OS (e.g. a skipped scan): that is no OS, not one named "none"
    if (os && str(os.Family) !== 'none') out.os = { family: str(os.Family) || undefined, name: str(os.Name) || undefined, eosl: os.EOSL === true };
    if (d.Results !== undefined && d.Results !== null && !Array.isArray(d.Results)) {
      throw new Error('"Results" is not an array');
    }
    results = (d.Results as unknown[] | undefined) ?? [];
  } else {
    throw new Error('neither a report object nor a legacy result array');
  }
  for (const r of results) {
    if (!r || typeof r !== 'object') continue;
    const res = r as Json;
    const cls = str(res.Class);
    if (cls && cls !== 'os-pkgs' && cls !== 'lang-pkgs') {
      if (!out.skippedClasses.includes(cls)) out.skippedClasses.push(cls);
      continue;
    }
    out.scanned++;
    const vulns = Array.isArray(res.Vulnerabilities) ? (res.Vulnerabilities as Json[]) : [];
    for (const v of vulns) {
      const sev = str(v.Severity).toUpperCase();
      out.findings.push({
        id: str(v.VulnerabilityID),
        package: str(v.PkgName) || str(v.PkgID),
        installed: str(v.InstalledVersion),
        fixed: str(v.FixedVersion),
        severity: (SEVERITIES as readonly string[]).includes(sev) ? (sev as Severity) : 'UNKNOWN',
        title: str(v.Title).slice(0, 200),
        target: str(res.Target),
      });
    }
  }
  return out;
}

function emptyCounts(): Record<Severity, number> {
  return { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 };
}

/** the documented result object, computed from a parsed report */
export function summarize(image: string, parsed: TrivyParsed, threshold: Severity) {
  const counts = emptyCounts();
  const ids: Record<Severity, Set<string>> = {
    CRITICAL: new Set(),
    HIGH: new Set(),
    MEDIUM: new Set(),
    LOW: new Set(),
    UNKNOWN: new Set(),
  };
  for (const f of parsed.findings) {
    counts[f.severity]++;
    ids[f.severity].add(f.id);
  }
  const uniqueIds = emptyCounts();
  for (const s of SEVERITIES) uniqueIds[s] = ids[s].size;
  const sorted = [...parsed.findings].sort(
    (a, b) => RANK[b.severity] - RANK[a.severity] || a.id.localeCompare(b.id) || a.package.localeCompare(b.package),
  );
  const offending = sorted.filter((f) => RANK[f.severity] >= RANK[threshold]);
  return {
    image,
    counts,
    uniqueIds,
    total: parsed.findings.length,
    fixable: parsed.findings.filter((f) => f.fixed !== '').length,
    atOrAboveThreshold: offending.length,
    uniqueAtOrAboveThreshold: new Set(offending.map((f) => f.id)).size,
    fixableAtOrAboveThreshold: offending.filter((f) => f.fixed !== '').length,
    threshold,
    scanned: parsed.scanned,
    os: parsed.os ? `${parsed.os.family ?? ''} ${parsed.os.name ?? ''}`.trim() : '',
    eosl: parsed.os?.eosl === true,
    findings: sorted.slice(0, MAX_FINDINGS),
    findingsOmitted: Math.max(0, sorted.length - MAX_FINDINGS),
    offending,
  };
}

function resolveIgnoreFile(p: TrivyImageParams, cwd: string): string | undefined {
  if (p.ignoreFile) {
    const f = path.resolve(cwd, p.ignoreFile);
    if (!existsSync(f)) {
      throw new CheckError(`the trivy ignore file ${f} does not exist`, 'fix ignoreFile, or remove it to use .trivyignore when present');
    }
    return f;
  }
  const dflt = path.resolve(cwd, '.trivyignore');
  return existsSync(dflt) ? dflt : undefined;
}

export function trivyArgs(p: TrivyImageParams, ignoreFile: string | undefined): string[] {
  const args = ['image', '--format', 'json', '--scanners', 'vuln', p.verbose ? '--no-progress' : '--quiet'];
  if (ignoreFile) args.push('--ignorefile', ignoreFile);
  if (p.ignoreUnfixed) args.push('--ignore-unfixed');
  if (p.timeout) args.push('--timeout', p.timeout);
  args.push(...p.extraArgs, p.image);
  return args;
}

const shellWord = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

const SECRET_FLAGS = /^--(password|registry-token|token)$/;

/** the command line for humans: values of credential flags (--password x, --token=x) masked */
function displayCommand(bin: string, args: string[]): string {
  const shown = args.map((a, i) => {
    if (i > 0 && SECRET_FLAGS.test(args[i - 1]!)) return '***';
    const eq = /^(--(?:password|registry-token|token))=/.exec(a);
    return eq ? `${eq[1]}=***` : shellWord(a);
  });
  return [shellWord(bin), ...shown].join(' ');
}

async function runTrivy(p: TrivyImageParams, ctx: CheckContext): Promise<CheckOutput> {
  const ignoreFile = resolveIgnoreFile(p, ctx.cwd);
  const args = trivyArgs(p, ignoreFile);
  const bin = p.trivyPath;
  ctx.emit(`$ ${displayCommand(bin, args)}`, 'info');
  if (ignoreFile) ctx.emit(`honouring ignore file ${ignoreFile}`, 'info');

  const out: Buffer[] = [];
  let outBytes = 0;
  let tooBig = false;
  const tail: string[] = [];
  let partial = '';
  // our own reason to stop (a runaway report) next to the check's cancel/timeout
  const own = new AbortController();
  const started = Date.now();
  const ticker = setInterval(() => ctx.emit(`trivy still scanning ${p.image} … ${Math.round((Date.now() - started) / 1000)} s`, 'info'), 15_000);
  let r: Awaited<ReturnType<typeof spawnGroup>>;
  try {
    r = await spawnGroup({
      file: bin,
      args,
      cwd: ctx.cwd,
      env: ctx.env,
      signal: AbortSignal.any([ctx.signal, own.signal]),
      killGraceMs: ctx.killGraceMs,
      onData(chunk, stream) {
        if (stream === 'stdout') {
          // the report: collected (not streamed to the pane), attached whole as evidence after parsing
          outBytes += chunk.length;
          if (outBytes > MAX_REPORT_BYTES) {
            tooBig = true;
            own.abort();
            return;
          }
          out.push(Buffer.from(chunk)); // the chunk's memory is reused after this call
          return;
        }
        ctx.write(chunk, 'stderr');
        const lines = (partial + chunk.toString('utf8')).split(/\r?\n/);
        partial = lines.pop() ?? '';
        for (const l of lines) if (l.trim()) tail.push(l);
        if (tail.length > 20) tail.splice(0, tail.length - 20);
      },
    });
  } finally {
    clearInterval(ticker);
  }
  if (partial.trim()) tail.push(partial);
  const stderrTail = tail.slice(-8).join('\n');

  const errCode = r.spawnError?.code;
  if (errCode === 'ENOENT') {
    throw bin.includes('/')
      ? new CheckError(`trivy not found at ${bin}`, 'install trivy there or fix trivyPath')
      : new CheckError(`${bin} not found on PATH — install it or set trivyPath`, 'install trivy (https://trivy.dev) or set trivyPath to its location');
  }
  if (errCode === 'EACCES') {
    throw new CheckError(`${bin} is not executable (EACCES)`, `chmod +x the file or point trivyPath at the real trivy binary`);
  }
  if (r.spawnError) {
    throw new CheckError(`cannot start ${bin}: ${r.spawnError.message}`, 'check trivyPath');
  }
  if (tooBig) {
    throw new CheckError(`trivy's report is larger than ${MAX_REPORT_BYTES / 1048576} MiB`, 'narrow the scan with extraArgs (e.g. --severity, --pkg-types)');
  }
  if (r.aborted || ctx.signal.aborted) {
    throw new CheckError(`trivy was stopped before it finished scanning ${p.image}`, 're-run the item, or raise its timeout (scans of large images take minutes)');
  }
  const stdout = Buffer.concat(out).toString('utf8');
  const exitCode = r.exitCode;
  const how = exitCode === undefined ? `was killed (${r.signal ?? 'signal'})` : `exited ${exitCode}`;
  if (stdout.trim() === '') {
    throw new CheckError(
      `trivy ${how} without printing a report${stderrTail ? `:\n${stderrTail}` : ''}`,
      exitCode === 0
        ? 'check that extraArgs do not redirect the report (-o/--output) or change --format'
        : 'read trivy\'s message above (image name, registry credentials, vulnerability DB download / --skip-db-update offline)',
    );
  }
  let parsed: TrivyParsed;
  try {
    parsed = parseTrivyReport(stdout);
  } catch (e) {
    throw new CheckError(
      `trivy ${how} and its output is not a usable report: ${(e as Error).message}${stderrTail ? `\n${stderrTail}` : ''}`,
      'run the command shown above by hand; extraArgs must not change --format',
    );
  }
  const evidence = await ctx.attach('trivy-report.json', stdout);
  if (exitCode !== 0) {
    ctx.emit(`trivy ${how} but wrote a valid report: the verdict comes from the report, not the exit code`, 'info');
  }
  if (parsed.schemaVersion === 0) ctx.emit('legacy trivy report (top-level array, trivy < 0.20): read as such', 'info');
  else if (parsed.schemaVersion !== undefined && parsed.schemaVersion !== 2) {
    ctx.emit(`report SchemaVersion ${parsed.schemaVersion} (expected 2): reading it as version 2`, 'stderr');
  }
  if (parsed.skippedClasses.length) {
    ctx.emit(`ignored non-vulnerability results: ${parsed.skippedClasses.join(', ')}`, 'info');
  }
  const s = summarize(p.image, parsed, p.threshold);
  const { offending, ...result } = s;
  const label = p.threshold === 'CRITICAL' ? 'CRITICAL' : `≥ ${p.threshold}`;
  const measured = `${s.atOrAboveThreshold} ${label} (${s.uniqueAtOrAboveThreshold} unique)`;
  const countsLine = SEVERITIES.map((k) => `${s.counts[k]} ${k}`).join(', ');
  ctx.emit(`report (${evidence}): ${s.scanned} target(s) scanned; ${countsLine}; ${s.fixable} fixable`, 'info');
  for (const f of offending.slice(0, 50)) {
    ctx.emit(`${f.severity.padEnd(8)} ${f.id}  ${f.package} ${f.installed} → ${f.fixed || '(no fix yet)'}${f.title ? `  ${f.title}` : ''}`, 'stdout');
  }
  if (offending.length > 50) ctx.emit(`… and ${offending.length - 50} more in ${evidence}`, 'stdout');
  if (s.eosl) ctx.emit(`WARNING: the image's OS (${s.os}) is end-of-life: it gets no security fixes, so a low count means little`, 'stderr');

  if (s.scanned === 0) {
    return {
      result,
      summary: `nothing scanned in ${p.image} (${s.os ? `OS: ${s.os}` : 'no OS detected'}): trivy found no OS packages or language files to check`,
      measured: 'no targets scanned',
      threshold: `0 ${label}`,
      verdict: 'inconclusive',
    };
  }
  return {
    result,
    summary:
      `${p.image}: ${measured}, ${s.fixableAtOrAboveThreshold} of them fixable; all: ${countsLine}` +
      (s.eosl ? ` — OS ${s.os} is end-of-life` : ''),
    measured,
    threshold: `0 ${label}`,
    offending: offending.slice(0, 200).map((f) => ({ ...f })),
  };
}

export const trivyImage: CheckKind<TrivyImageParams> = {
  kind: 'trivy.image',
  title: 'Scan a container image for vulnerabilities with trivy',
  description:
    'Runs `trivy image --format json --scanners vuln --quiet IMAGE` and judges the JSON report, never the exit code: ' +
    'a non-zero exit with a valid report is judged by the report; no parsable report is an error (with trivy\'s stderr). ' +
    'Counts findings per severity (and distinct CVE ids — one CVE can hit several packages), fixable ones, and those at or ' +
    'above `threshold` (default CRITICAL). A report with no scanned targets is inconclusive, not a pass. ' +
    '.trivyignore in the checklist directory is honoured. trivy missing, a bad image, registry or DB problems are errors.',
  outcomes: {
    error: 'trivy not installed / not executable, it writes no usable report, the report is too large, the ignore file is missing',
    fail: 'findings at or above `threshold` (default CRITICAL) in the report',
    inconclusive: 'trivy scanned nothing (no OS packages or language files: no Results, OS Family "none")',
  },
  params,
  resultDoc: {
    image: 'the scanned image reference',
    counts: 'findings per severity: {CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN}',
    uniqueIds: 'distinct vulnerability ids per severity (a CVE in two packages counts once)',
    total: 'all findings',
    fixable: 'findings with a fixed version available',
    atOrAboveThreshold: 'findings at or above `threshold` (the default expectation wants 0)',
    uniqueAtOrAboveThreshold: 'distinct ids at or above `threshold`',
    fixableAtOrAboveThreshold: 'findings at or above `threshold` that have a fix',
    threshold: 'the threshold severity used',
    scanned: 'targets with vulnerability data (0 → inconclusive)',
    os: 'detected OS family and version, e.g. "alpine 3.9.4"; "" when trivy detected none (its Family "none")',
    eosl: 'true when trivy reports the OS as end-of-life',
    findings: `[{id, package, installed, fixed, severity, title, target}], most severe first (at most ${MAX_FINDINGS}; the full report is evidence)`,
    findingsOmitted: 'findings left out of `findings` because of the cap',
  },
  example: [
    'check:',
    '  kind: trivy.image',
    '  image: ${vars.image}',
    '  threshold: CRITICAL',
    '  # ignoreUnfixed: true',
    '  # extraArgs: ["--skip-db-update"]',
    '  # expect: counts.CRITICAL = 0 and counts.HIGH <= 5',
  ].join('\n'),
  defaultExpect: 'atOrAboveThreshold = 0',
  describe(p) {
    const args = trivyArgs(p, p.ignoreFile);
    return displayCommand(p.trivyPath, args) + (p.ignoreFile ? '' : '  (+ --ignorefile .trivyignore when present)');
  },
  run(p, ctx) {
    return runTrivy(p, ctx);
  },
};
