/**
 * logs.structured (seed 3.1 "Structured logging"): sample up to N log lines from files (globs), or from a command's
 * stdout (e.g. `kubectl logs -l app=detektor --tail=10000`), and measure how many are JSON objects and how often
 * each required field (timestamp, level, service, trace id — with the synonyms of the common logging libraries) is
 * present. OTLP/JSON records are unwrapped (service.name from the resource); Docker json-file and CRI wrappers too.
 *
 * error vs fail: no file matches / unreadable / the command fails without output → error; nothing sampled
 * (empty files) → inconclusive; otherwise `expect` judges (default: 100 % structured and every required field
 * common; malformed values — a trace id that is not 16/32 hex — fail only with failOnMalformed).
 *
 * Over 400 lines: one file per check kind (the project's rule); its three sources (files, a command's stdout, pods)
 * feed one scorer (support/log-fields.ts) and share the sample size.
 */
import path from 'node:path';
import { createReadStream } from 'node:fs';
import { stat, readFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { RULES } from './rules.js';
import { CheckError, type CheckContext, type CheckKind, type CheckOutput } from './contract.js';
import { DEFAULT_FIELDS, LogScorer, describeFields } from './support/log-fields.js';
import { listAll, PAGE_LIMIT } from './support/kube-list.js';
import { openKube } from './support/kube-session.js';

const params = z
  .object({
    files: z
      .union([z.string(), z.array(z.string()).min(1)])
      .optional()
      .describe('log file path(s) or glob(s), relative to the checklist, e.g. "logs/*.jsonl"; the newest lines are sampled first: listed files are taken as oldest first, newest last, and a glob\'s matches in the order they were last written (app.log.2, app.log.1, app.log under logrotate)'),
    command: z
      .string()
      .optional()
      .describe('a shell command whose stdout is the log, e.g. "kubectl logs -n prod -l app=detektor --tail=10000"'),
    pods: z
      .object({
        namespace: z.string().min(1).describe('namespace of the pods'),
        labelSelector: z.string().min(1).describe('label selector of the pods, e.g. app=detektor'),
        container: z.string().optional().describe('container name (default: the pod\'s only/first container)'),
        tailLines: z.number().int().positive().default(2000).describe('lines read per pod (the last ones)'),
        maxPods: z.number().int().positive().default(20).describe('at most this many pods are read'),
      })
      .strict()
      .optional()
      .describe('pods selected by label, read through the Kubernetes API (GET …/pods/<name>/log) with the kube context'),
    sampleSize: z.number().int().min(1).max(1_000_000).default(10_000).describe('maximum number of lines analysed (the last N of the files; the first N of a command)'),
    commonPercent: z
      .number()
      .min(0)
      .max(100)
      .default(90)
      .describe('a field is "common" when present in at least this % of records'),
    requiredFields: z
      .array(z.string())
      .default(['timestamp', 'level', 'service', 'trace_id'])
      .describe('fields that must all be common (names of `fields`)'),
    fields: z
      .record(z.string(), z.array(z.string()).min(1))
      .optional()
      .describe('synonyms per field, replacing the defaults for the fields given (case-insensitive; dotted keys are tried flat and nested)'),
    failOnMalformed: z
      .boolean()
      .default(false)
      .describe(
        'a required field present with a malformed value (a trace id that is not 16/32 hex or decimal, a level that is not a name or number) fails the item; otherwise it counts as present and is reported in malformedFields',
      ),
  })
  .strict()
  .refine(RULES.oneLogSource, { message: 'give exactly one source: `files`, `command` or `pods`' });

type Params = z.infer<typeof params>;

const MAX_DOCUMENT_BYTES = 20 * 1024 * 1024;
/** once a command gave sampleSize lines: how long it may take to end by itself before it is stopped */
const FULL_SAMPLE_GRACE_MS = 1000;

/** A log file to read: where it is, and how it is named in results and offenders (as the checklist gave it). */
interface LogFile {
  abs: string;
  shown: string;
}

async function expandFiles(patterns: string[], cwd: string): Promise<LogFile[]> {
  const { glob } = await import('tinyglobby');
  const out: LogFile[] = [];
  for (const pat of patterns) {
    if (!/[*?[\]{}]/.test(pat)) {
      out.push({ abs: path.resolve(cwd, pat), shown: pat });
      continue;
    }
    const found = await glob(pat, { cwd, absolute: true, onlyFiles: true, dot: false });
    if (found.length === 0) throw new CheckError(`no file matches ${pat} (in ${cwd})`, 'check the path of the logs, or point `files` at them');
    // oldest first, by the time each was last written, names breaking ties: by name alone, logrotate's app.log,
    // app.log.1, app.log.2 would take the oldest file for the newest
    const written = new Map(await Promise.all(found.map(async (f) => [f, (await stat(f)).mtimeMs] as const)));
    found.sort((a, b) => written.get(a)! - written.get(b)! || (a < b ? -1 : a > b ? 1 : 0));
    // a match is named the way its pattern was written: absolute for an absolute pattern, else relative to cwd
    out.push(...found.map((abs) => ({ abs, shown: path.isAbsolute(pat) ? abs : path.relative(cwd, abs) })));
  }
  return out;
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * The last `n` non-blank lines of a file, streamed (memory bounded by n), whether more non-blank lines came
 * before them, and the file's first non-blank line. With n = 0 it stops at the first non-blank line: only "is there
 * anything" is asked.
 */
async function lastLines(file: string, n: number, signal: AbortSignal): Promise<{ lines: { text: string; no: number }[]; cut: boolean; first?: string }> {
  const ring: { text: string; no: number }[] = [];
  let no = 0;
  let cut = false;
  let first: string | undefined;
  const input = createReadStream(file, { encoding: 'utf8' });
  const rl = createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of rl) {
      no++;
      if (signal.aborted) break;
      if (line.trim() === '') continue;
      first ??= line;
      ring.push({ text: line, no });
      if (ring.length > n) {
        ring.shift();
        cut = true;
        if (n === 0) break;
      }
    }
  } finally {
    rl.close();
    input.destroy(); // a loop left early (n = 0, cancel) must not keep the file open
  }
  return { lines: ring, cut, first };
}

async function sampleFiles(p: Params, ctx: CheckContext, scorer: LogScorer): Promise<{ files: { file: string; lines: number }[]; truncated: boolean }> {
  const patterns = Array.isArray(p.files) ? p.files : [p.files!];
  const files = await expandFiles(patterns, ctx.cwd);
  const used: { file: string; lines: number }[] = [];
  let budget = p.sampleSize;
  let truncated = false;
  // later files are newer (expandFiles: as listed, a glob's by the time they were last written): sample from the end
  // backwards
  const picked: { file: LogFile; lines: { text: string; no: number }[]; doc?: unknown }[] = [];
  for (const file of [...files].reverse()) {
    let size: number;
    try {
      size = (await stat(file.abs)).size;
    } catch (e) {
      throw new CheckError(`cannot read the log file ${file.shown} (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`, 'check the path and the permissions');
    }
    if (budget <= 0) {
      // the sample is full: an older file with a non-blank line means lines were left out
      if (size > 0 && (await lastLines(file.abs, 0, ctx.signal)).cut) {
        truncated = true;
        break;
      }
      continue;
    }
    ctx.emit(`reading ${file.shown} (${size} bytes)`);
    const { lines, cut, first: head } = await lastLines(file.abs, budget, ctx.signal);
    // a pretty-printed JSON document (e.g. an OTLP export) is one document, not one record per line: when the file's
    // first line (not the sample's: a long document's sample starts in its middle) starts a JSON value but is not one
    // by itself, try the whole file
    const first = head?.trim() ?? '';
    let doc: unknown;
    if (/^[{[]/.test(first) && !parses(first) && size <= MAX_DOCUMENT_BYTES) {
      try {
        doc = JSON.parse(await readFile(file.abs, 'utf8'));
      } catch {
        doc = undefined;
      }
    }
    // a document read whole left nothing out
    if (cut && doc === undefined) truncated = true;
    picked.unshift({ file, lines, doc });
    budget -= lines.length;
  }
  for (const f of picked) {
    if (f.doc !== undefined) {
      scorer.addDocument(f.doc, f.file.shown);
      used.push({ file: f.file.shown, lines: 1 });
    } else {
      for (const l of f.lines) scorer.addLine(l.text, f.file.shown, l.no);
      used.push({ file: f.file.shown, lines: f.lines.length });
    }
  }
  return { files: used, truncated };
}

async function sampleCommand(p: Params, ctx: CheckContext, scorer: LogScorer): Promise<{ lines: number; exitCode: number | null; truncated: boolean }> {
  ctx.emit(`$ ${p.command}`);
  const child = spawn('/bin/sh', ['-c', p.command!], { cwd: ctx.cwd, env: ctx.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const killGroup = (sig: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, sig);
    } catch {
      /* already gone */
    }
  };
  const onAbort = () => {
    killGroup('SIGTERM');
    setTimeout(() => killGroup('SIGKILL'), 2000).unref();
  };
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.on('error', (error) => resolve({ code: null, error }));
    child.on('close', (code) => resolve({ code }));
  });
  let n = 0;
  // truncated: a line beyond sampleSize came, or the command was still running FULL_SAMPLE_GRACE_MS after the
  // sample was full (e.g. `kubectl logs -f`) and was stopped; a command that ends right after exactly sampleSize
  // lines was not cut, and its exit code is kept
  let truncated = false;
  let grace: NodeJS.Timeout | undefined;
  const stop = () => {
    truncated = true;
    killGroup('SIGTERM');
  };
  const rl = createInterface({ input: child.stdout, crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.trim() === '') continue;
    if (n >= p.sampleSize) {
      stop(); // enough: stop the command
      break;
    }
    n++;
    scorer.addLine(line, 'command', n);
    if (n % 1000 === 0) ctx.emit(`  ${n} lines read`);
    if (n === p.sampleSize) grace = setTimeout(stop, FULL_SAMPLE_GRACE_MS);
  }
  clearTimeout(grace);
  rl.close();
  const { code, error } = await exited;
  ctx.signal.removeEventListener('abort', onAbort);
  if (ctx.signal.aborted) throw new CheckError('log sampling was cancelled', 're-run the item');
  if (error) throw new CheckError(`cannot start the log command (${error.message})`, 'check the command line');
  if (!truncated && code !== 0 && n === 0) {
    throw new CheckError(
      `the log command exited ${code} without output: ${stderr.trim().split('\n').slice(-3).join(' | ') || 'no message'}`,
      'run the command by hand to see why (kube context? namespace? label selector?)',
    );
  }
  if (stderr.trim()) ctx.emit(`  stderr: ${ctx.redact(stderr.trim().split('\n').slice(-3).join(' | '))}`, 'stderr');
  return { lines: n, exitCode: truncated ? null : code, truncated };
}

async function samplePods(p: Params, ctx: CheckContext, scorer: LogScorer): Promise<{ pods: { pod: string; lines: number; error?: string }[]; truncated: boolean }> {
  const sel = p.pods!;
  const kube = await openKube(ctx);
  const core = await kube.client(kube.k8s.CoreV1Api);
  ctx.emit(`GET /api/v1/namespaces/${sel.namespace}/pods?labelSelector=${sel.labelSelector}&limit=${PAGE_LIMIT}`);
  const names = (
    await listAll(kube, `list pods ${sel.labelSelector} in ${sel.namespace}`, (page) =>
      core.listNamespacedPod({ namespace: sel.namespace, labelSelector: sel.labelSelector, ...page }),
    (x) => x.metadata?.name || undefined)
  ).sort();
  if (names.length === 0) {
    throw new CheckError(
      `no pod in namespace ${sel.namespace} matches ${sel.labelSelector}`,
      `check the selector: kubectl --context ${kube.target.context} get pods -n ${sel.namespace} -l ${sel.labelSelector}`,
    );
  }
  const out: { pod: string; lines: number; error?: string }[] = [];
  let budget = p.sampleSize;
  let truncated = names.length > sel.maxPods;
  for (const name of names.slice(0, sel.maxPods)) {
    if (budget <= 0) {
      truncated = true;
      break;
    }
    ctx.emit(`GET /api/v1/namespaces/${sel.namespace}/pods/${name}/log?tailLines=${sel.tailLines}${sel.container ? `&container=${sel.container}` : ''}`);
    let text: string;
    try {
      text = await kube.call(`read the log of pod ${name}`, () =>
        core.readNamespacedPodLog({ name, namespace: sel.namespace, container: sel.container, tailLines: sel.tailLines }),
      );
    } catch (e) {
      // one pod without a log (container not started, evicted) is reported, the others are still read
      const msg = e instanceof CheckError ? e.message : String(e);
      ctx.emit(`  ${name}: ${msg}`, 'stderr');
      out.push({ pod: name, lines: 0, error: msg });
      continue;
    }
    const lines = String(text ?? '').split('\n').filter((l) => l.trim() !== '');
    const take = lines.slice(Math.max(0, lines.length - budget));
    if (take.length < lines.length) truncated = true;
    take.forEach((l, i) => scorer.addLine(l, `pod/${name}`, i + 1));
    budget -= take.length;
    out.push({ pod: name, lines: take.length });
  }
  if (out.every((x) => x.error)) {
    throw new CheckError(`no log could be read from the ${out.length} pod(s) matching ${sel.labelSelector}: ${out[0]?.error}`, 'check the pods\' state and the container name');
  }
  return { pods: out, truncated };
}

export const logsStructured: CheckKind<Params> = {
  kind: 'logs.structured',
  title: 'Logs are structured JSON with timestamp, level, service and trace id',
  description:
    'Samples up to sampleSize log lines from files/globs (the last lines), a command (the first lines; the command ' +
    'is stopped once enough are read), or pods selected by label through the Kubernetes log API, and reports the % of lines that are JSON objects and, per required field, the ' +
    '% of records carrying it under any of its synonyms, matched case-insensitively (' +
    describeFields() +
    '; numeric pino/bunyan levels count; `fields` replaces a field\'s synonyms). A field present with a malformed value ' +
    '(a trace id that is not 16/32 hex or decimal, e.g. zap\'s 15-digit ids without their leading zero) counts as ' +
    'present and is reported in malformedFields; it fails the item only with failOnMalformed: true. OTLP/JSON records are ' +
    'unwrapped, Docker/CRI wrappers removed. Up to 5 offending lines are shown (files named as the checklist gives ' +
    'them), secrets masked. error = no such file / the command failed / no pod matches or the cluster is unreachable; ' +
    'inconclusive = no lines at all.',
  outcomes: {
    error: 'no file matches / a file is unreadable, the command fails without output, no pod matches or the cluster is unreachable',
    fail: 'lines that are not JSON, or a required field not common enough (malformed values only with failOnMalformed)',
    inconclusive: 'no log lines at all',
  },
  params,
  resultDoc: {
    source: '"files", "command" or "pods"',
    lines: 'non-blank lines sampled',
    structuredLines: 'lines that are JSON objects (or records of a JSON document)',
    structuredPercent: '% of lines that are JSON objects (0–100, 2 decimals)',
    records: 'log records found (an OTLP line can hold several)',
    fields: 'per field: {present, percent, keys {key as found: count}, malformed} over records (present includes malformed values)',
    commonFields: 'fields present in ≥ commonPercent % of records',
    malformedFields: 'required fields with at least one present-but-malformed value',
    malformedValues: 'per field, up to 5 malformed values [{source, line, key, value}] (secrets masked)',
    failOnMalformed: 'the parameter: malformed values of required fields fail the item',
    requiredFields: 'the fields that must be common',
    missingFields: 'required fields that are not common',
    kinds: 'line classification counts: json, otlp, wrapped, text, invalid-json, non-object, *-document',
    offenders: 'up to 5 example lines [{source, line, reason, text}] (secrets masked)',
    sampled:
      'files read {files: [{file, lines}]}, the command\'s {lines, exitCode} (null when it was stopped), or {pods: [{pod, lines, error?}]}; truncated = more lines existed (or the command still ran 1 s after the sample was full)',
  },
  example: [
    'check:',
    '  kind: logs.structured',
    '  command: kubectl logs -n ${vars.namespace} -l app=detektor --tail=10000 --prefix=false',
    '  sampleSize: 10000',
    '  failOnMalformed: true',
    '  expect: structuredPercent = 100 and $count(missingFields) = 0 and $count(malformedFields) = 0',
  ].join('\n'),
  defaultExpect: 'structuredPercent = 100 and $count(missingFields) = 0 and (failOnMalformed = false or $count(malformedFields) = 0)',
  describe(p) {
    const src = p.files
      ? `read the last ${p.sampleSize} lines of ${[p.files].flat().join(', ')}`
      : p.pods
        ? `GET /api/v1/namespaces/${p.pods.namespace}/pods?labelSelector=${p.pods.labelSelector}, then …/pods/<name>/log?tailLines=${p.pods.tailLines} (≤ ${p.pods.maxPods} pods, ${p.sampleSize} lines)`
        : `run \`${p.command}\` and read up to ${p.sampleSize} lines`;
    return `${src}; require ${p.requiredFields.join(', ')} in ≥ ${p.commonPercent}% of records`;
  },
  async run(p, ctx): Promise<CheckOutput> {
    const fields = { ...DEFAULT_FIELDS, ...(p.fields ?? {}) };
    const unknown = p.requiredFields.filter((f) => !(f in fields));
    if (unknown.length) {
      throw new CheckError(`requiredFields names unknown field(s) ${unknown.join(', ')}`, `define their synonyms under \`fields\`, or use ${Object.keys(fields).join(', ')}`);
    }
    const scorer = new LogScorer({ fields, commonThreshold: p.commonPercent / 100, maxOffenders: 5 });
    const sampled = p.files ? await sampleFiles(p, ctx, scorer) : p.pods ? await samplePods(p, ctx, scorer) : await sampleCommand(p, ctx, scorer);
    const a = scorer.result();
    const missingFields = p.requiredFields.filter((f) => !a.commonFields.includes(f));
    const malformedFields = p.requiredFields.filter((f) => a.malformedFields.includes(f));
    const malformedValues = Object.fromEntries(
      malformedFields.map((f) => [f, a.malformedValues[f]!.map((m) => ({ ...m, value: ctx.redact(m.value) }))]),
    );
    const offenders = a.offenders.map((o) => ({ ...o, reason: ctx.redact(o.reason), text: ctx.redact(o.text) }));
    for (const [f, s] of Object.entries(a.fields)) {
      const keys = Object.entries(s.keys).map(([k, n]) => `${k}×${n}`).join(' ') || '(absent)';
      ctx.emit(`  ${f.padEnd(10)} ${String(s.percent).padStart(6)} %  ${keys}${s.malformed ? `  (${s.malformed} malformed)` : ''}`);
    }
    for (const o of offenders) ctx.emit(`  offending ${o.source}:${o.line} (${o.reason}): ${o.text.slice(0, 160)}`, 'stderr');
    const result = {
      source: p.files ? 'files' : p.pods ? 'pods' : 'command',
      lines: a.lines,
      structuredLines: a.structuredLines,
      structuredPercent: a.structuredPercent,
      records: a.records,
      fields: a.fields,
      commonFields: a.commonFields,
      requiredFields: p.requiredFields,
      missingFields,
      malformedFields,
      malformedValues,
      failOnMalformed: p.failOnMalformed,
      kinds: a.kinds,
      offenders,
      sampled,
    };
    const fieldText = p.requiredFields
      .map((f) => `${f} ${a.fields[f]?.percent ?? 0}%${a.fields[f]?.malformed ? ` (${a.fields[f]!.malformed} malformed)` : ''}`)
      .join(', ');
    if (a.lines === 0) {
      return { result, summary: 'no log lines to analyse', verdict: 'inconclusive', measured: '0 lines', threshold: '100% JSON' };
    }
    return {
      result,
      summary:
        `${a.structuredPercent}% of ${a.lines} lines are JSON; ${fieldText}` +
        `${missingFields.length ? `; not common: ${missingFields.join(', ')}` : ''}` +
        `${malformedFields.length ? `; malformed values: ${malformedFields.join(', ')}` : ''}`,
      measured: `${a.structuredPercent}% JSON, ${fieldText}`,
      threshold: `100% JSON; ${p.requiredFields.join(', ')} in ≥ ${p.commonPercent}%${p.failOnMalformed ? ', none malformed' : ''}`,
      offending: offenders.length ? offenders : undefined,
    };
  },
};
