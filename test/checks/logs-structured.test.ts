import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import { logsStructured } from '../../src/checks/logs-structured.js';
import { CheckError } from '../../src/checks/contract.js';
import { basicContext, runKind } from '../support/check-context-basic.js';
import { evaluateDefault } from '../support/expect-default.js';
import { fixturesDir } from '../support/fixtures.js';

const FIX = path.join(fixturesDir, 'structured-logs');

/** a pod made through the loopback Kubernetes API server, whose container "ran" a wget of `host` (the server writes
 * the wget's log for it) */
function createPod(kube: { url: string; ca: string; token: string }, namespace: string, name: string, app: string, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const body = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace, labels: { app } },
      spec: { containers: [{ name: 'main', image: 'busybox', command: ['wget', '-qO-', `http://${host}:8080`] }] },
    });
    const req = https.request(
      `${kube.url}/api/v1/namespaces/${namespace}/pods`,
      { method: 'POST', ca: kube.ca, headers: { authorization: `Bearer ${kube.token}`, 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`create pod ${name}: HTTP ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

// file → [lines, structured %, records, timestamp %, level %, service %, trace_id %]
// (worked out by hand from the fixtures and their PROVENANCE notes)
const EXPECTED: Record<string, [number, number, number, number, number, number, number]> = {
  'humanlog-bunyan.jsonl': [12, 100, 12, 100, 100, 0, 0], // numeric levels 30/50; logger name under "name" (not a synonym)
  'humanlog-log4j2-json.jsonl': [12, 100, 12, 100, 100, 0, 0],
  'humanlog-logback-mdc-json.jsonl': [12, 100, 12, 100, 100, 100, 0], // Timestamp / Level / Logger (names match in any case)
  // service on 3 of 12 lines; trace_id on 3 lines too, but not hex ("3acdpee66m1ozel1"): present, all malformed
  'humanlog-logrus.jsonl': [12, 100, 12, 100, 100, 25, 25],
  'humanlog-loguru-json.jsonl': [12, 100, 12, 100, 100, 0, 0], // Time / Level{Name,No}
  'humanlog-mixed-logfmt-and-zapjson.log': [4, 25, 1, 100, 100, 100, 0], // 3 logfmt + 1 zap JSON line
  'humanlog-pino.jsonl': [12, 100, 12, 100, 100, 0, 0],
  'humanlog-semantic-logger-json.jsonl': [12, 100, 12, 100, 100, 0, 0],
  'humanlog-serilog-clef.jsonl': [12, 100, 12, 100, 100, 0, 0], // @t / @l
  'humanlog-slog.jsonl': [12, 100, 12, 100, 100, 0, 0],
  'humanlog-winston.jsonl': [12, 100, 12, 100, 100, 100, 0],
  // trace_id on 5 of 12 lines; one of them has 15 hex digits (a dropped leading zero): present, but malformed
  'humanlog-zap.jsonl': [12, 100, 12, 100, 100, 0, 41.67],
  'humanlog-zerolog.jsonl': [12, 100, 12, 100, 100, 16.67, 0],
  'lnav-logfile_bunyan.0': [10, 100, 10, 100, 100, 0, 0],
  'lnav-logfile_ecs_log.json': [5, 100, 5, 100, 100, 0, 0], // @timestamp / dotted log.level
  'lnav-logfile_json_invalid.json': [13, 92.31, 12, 100, 100, 16.67, 0], // line 5 truncated
  // OTLP lines: 6 lines, 11 records; one record without severity, one resource without service.name, two without traceId
  'lnav-logfile_otel_collector.jsonl': [6, 100, 11, 100, 90.91, 90.91, 81.82],
  'lnav-logfile_pino.0': [1, 100, 1, 100, 100, 100, 100], // OTel-instrumented pino: all four fields
  'otel-proto-examples-logs.json': [1, 100, 1, 100, 100, 100, 100], // one pretty-printed OTLP document
};

type Result = {
  lines: number;
  structuredPercent: number;
  records: number;
  fields: Record<string, { percent: number }>;
  commonFields: string[];
  missingFields: string[];
  offenders: { line: number; reason: string; text: string }[];
};

describe('logs.structured over every structured-logs fixture', () => {
  const files = readdirSync(FIX).filter((f) => f !== 'PROVENANCE.txt').sort();

  it('the expectation table covers every fixture file', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(files);
  });

  for (const f of files) {
    it(f, async () => {
      const ctx = await basicContext({ cwd: FIX });
      const out = await runKind(logsStructured, { files: f }, ctx);
      const r = out.result as Result;
      const [lines, pct, records, ts, lvl, svc, trace] = EXPECTED[f]!;
      expect([r.lines, r.structuredPercent, r.records]).toEqual([lines, pct, records]);
      expect(['timestamp', 'level', 'service', 'trace_id'].map((k) => r.fields[k]!.percent)).toEqual([ts, lvl, svc, trace]);
      const allFour = pct === 100 && [ts, lvl, svc, trace].every((x) => x >= 90);
      expect(await evaluateDefault(logsStructured, out.result)).toBe(allFour);
      await ctx.dispose();
    });
  }

  it('offending lines name the file, line and reason (invalid JSON, missing fields)', async () => {
    const ctx = await basicContext({ cwd: FIX });
    const out = await runKind(logsStructured, { files: 'lnav-logfile_json_invalid.json' }, ctx);
    const r = out.result as Result;
    expect(r.offenders).toHaveLength(5);
    expect(r.offenders.find((o) => o.reason === 'invalid JSON')!.line).toBe(5);
    expect(r.missingFields).toEqual(['service', 'trace_id']);
    expect(r.commonFields).toEqual(['timestamp', 'level']);
    await ctx.dispose();
  });

  it('a glob over all fixtures aggregates the lines, and a JSON-only glob is still not 100 % (invalid line)', async () => {
    const ctx = await basicContext({ cwd: FIX });
    const all = (await runKind(logsStructured, { files: ['*.jsonl', '*.log', '*.0', '*.json'] }, ctx)).result as Result;
    const sum = Object.values(EXPECTED).reduce((s, e) => s + e[0], 0);
    expect(all.lines).toBe(sum);
    const jsonl = (await runKind(logsStructured, { files: 'humanlog-*.jsonl' }, ctx)).result as Result;
    expect(jsonl.lines).toBe(12 * 12);
    expect(jsonl.structuredPercent).toBe(100);
    await ctx.dispose();
  });
});

describe('logs.structured: malformed values, field names, sample size and paths (real zap / logback lines)', () => {
  it('a present-but-malformed trace id (zap\'s 15 hex digits) counts as present and is reported apart', async () => {
    const ctx = await basicContext({ cwd: FIX });
    const out = await runKind(logsStructured, { files: 'humanlog-zap.jsonl' }, ctx);
    const r = out.result as Result & {
      fields: Record<string, { present: number; malformed: number }>;
      malformedFields: string[];
      malformedValues: Record<string, { source: string; line: number; key: string; value: string }[]>;
    };
    expect(r.fields.trace_id).toMatchObject({ present: 5, malformed: 1 });
    expect(r.malformedFields).toEqual(['trace_id']);
    expect(r.malformedValues.trace_id).toEqual([{ source: 'humanlog-zap.jsonl', line: 3, key: 'trace_id', value: 'f8ef5906c42d990' }]);
    const line3 = r.offenders.find((o) => o.line === 3)!;
    expect(line3.reason).toBe('missing service; malformed trace_id trace_id=f8ef5906c42d990');
    expect(out.summary).toContain('trace_id 41.67% (1 malformed)');
    await ctx.dispose();
  });

  it('malformed values pass by default and fail with failOnMalformed: true', async () => {
    const ctx = await basicContext({ cwd: FIX });
    const base = { files: 'humanlog-zap.jsonl', requiredFields: ['timestamp', 'level', 'trace_id'], commonPercent: 40 };
    const lenient = await runKind(logsStructured, base, ctx);
    expect(lenient.result.missingFields).toEqual([]);
    expect(await evaluateDefault(logsStructured, lenient.result)).toBe(true);
    const strict = await runKind(logsStructured, { ...base, failOnMalformed: true }, ctx);
    expect(strict.result.failOnMalformed).toBe(true);
    expect(await evaluateDefault(logsStructured, strict.result)).toBe(false);
    expect(strict.threshold).toContain('none malformed');
    await ctx.dispose();
  });

  it('field names match in any case: logback\'s Logger is the service, TIMESTAMP / LEVEL / Service are recognised', async () => {
    const ctx = await basicContext({ cwd: FIX });
    const logback = (await runKind(logsStructured, { files: 'humanlog-logback-mdc-json.jsonl' }, ctx)).result as Result & {
      fields: Record<string, { keys: Record<string, number> }>;
    };
    expect(logback.fields.service!.keys).toEqual({ Logger: 12 });
    expect(logback.fields.timestamp!.keys).toEqual({ Timestamp: 12 });
    // the real zap lines with their keys upper-cased, plus a Service
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rt-logs-case-'));
    const zap = readFileSync(path.join(FIX, 'humanlog-zap.jsonl'), 'utf8').trim().split('\n');
    const shouted = zap.map((l) => {
      const o = JSON.parse(l) as Record<string, unknown>;
      return JSON.stringify({ TIMESTAMP: o.timestamp, LEVEL: o.level, Service: 'loggen', MSG: o.msg });
    });
    await writeFile(path.join(dir, 'shouted.jsonl'), shouted.join('\n') + '\n');
    const inDir = await basicContext({ cwd: dir });
    const out = await runKind(logsStructured, { files: 'shouted.jsonl', requiredFields: ['timestamp', 'level', 'service'] }, inDir);
    await inDir.dispose();
    const r = out.result as Result & { fields: Record<string, { keys: Record<string, number> }> };
    expect(r.fields.timestamp!.keys).toEqual({ TIMESTAMP: 12 });
    expect(r.fields.level!.keys).toEqual({ LEVEL: 12 });
    expect(r.fields.service!.keys).toEqual({ Service: 12 });
    expect(r.missingFields).toEqual([]);
    // the synonyms are documented per field in the kind's description
    expect(logsStructured.description).toContain('service: service|service.name|app|logger|');
    expect(logsStructured.description).toMatch(/case-insensitive/);
    await ctx.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('reading exactly sampleSize lines is not truncated, and the command\'s exit code is kept', async () => {
    const ctx = await basicContext({ cwd: FIX });
    type Sampled = { sampled: { truncated: boolean; lines?: number; exitCode?: number | null } };
    const file = (n: number) => runKind(logsStructured, { files: 'humanlog-zap.jsonl', sampleSize: n }, ctx).then((o) => (o.result as Sampled).sampled);
    expect((await file(12)).truncated).toBe(false);
    expect((await file(11)).truncated).toBe(true);
    const cmd = (c: string, n: number) => runKind(logsStructured, { command: c, sampleSize: n }, ctx).then((o) => (o.result as Sampled).sampled);
    expect(await cmd('cat humanlog-zap.jsonl', 12)).toEqual({ lines: 12, exitCode: 0, truncated: false });
    expect(await cmd('cat humanlog-zap.jsonl; exit 4', 12)).toEqual({ lines: 12, exitCode: 4, truncated: false });
    expect(await cmd('cat humanlog-zap.jsonl', 11)).toEqual({ lines: 11, exitCode: null, truncated: true });
    // a command still running once the sample is full (kubectl logs -f) is stopped: truncated, no exit code
    expect(await cmd('cat humanlog-zap.jsonl; exec sleep 30', 12)).toEqual({ lines: 12, exitCode: null, truncated: true });
    await ctx.dispose();
  });

  it('a full sample with only blank older files is not truncated; with older lines it is', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rt-logs-rot-'));
    const zap = readFileSync(path.join(FIX, 'humanlog-zap.jsonl'), 'utf8');
    await writeFile(path.join(dir, 'app.log'), zap);
    await writeFile(path.join(dir, 'app.log.1'), '\n\n');
    const ctx = await basicContext({ cwd: dir });
    const run = () => runKind(logsStructured, { files: ['app.log.1', 'app.log'], sampleSize: 12 }, ctx).then((o) => o.result as Result & { sampled: { truncated: boolean } });
    expect((await run()).sampled.truncated).toBe(false);
    await writeFile(path.join(dir, 'app.log.1'), zap);
    expect((await run()).sampled.truncated).toBe(true);
    await ctx.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('offending lines and sampled files are named as the checklist gave them (absolute stays absolute)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rt-logs-paths-'));
    const ctx = await basicContext({ cwd: dir });
    const abs = path.join(FIX, 'lnav-logfile_json_invalid.json');
    const r = (await runKind(logsStructured, { files: abs }, ctx)).result as Result & { sampled: { files: { file: string }[] } };
    expect(r.offenders.map((o) => (o as unknown as { source: string }).source)).toEqual(Array(5).fill(abs));
    expect(r.sampled.files).toEqual([{ file: abs, lines: 13 }]);
    const glob = (await runKind(logsStructured, { files: path.join(FIX, 'lnav-logfile_json_inv*.json') }, ctx)).result as Result & { sampled: { files: { file: string }[] } };
    expect(glob.sampled.files[0]!.file).toBe(abs);
    const rel = path.relative(dir, abs);
    const relOut = (await runKind(logsStructured, { files: rel }, ctx)).result as Result;
    expect((relOut.offenders[0] as unknown as { source: string }).source).toBe(rel);
    await ctx.dispose();
    await rm(dir, { recursive: true, force: true });
  });
});

describe('logs.structured sources and masking', () => {
  it('reads a command\'s stdout, stops it after sampleSize lines, and unwraps CRI/Docker wrappers', async () => {
    const ctx = await basicContext();
    const rec = '{"ts":1732700000.5,"level":"info","service.name":"detektor","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","msg":"ok"}';
    const cri = `2026-11-27T10:00:00.000000000Z stdout F ${rec}`;
    const docker = JSON.stringify({ log: rec + '\n', stream: 'stdout', time: '2026-11-27T10:00:00Z' });
    const cmd = `printf '%s\\n' '${cri}' '${docker}'; while true; do echo '${rec}'; done`;
    const t0 = Date.now();
    const out = await runKind(logsStructured, { command: cmd, sampleSize: 500 }, ctx);
    expect(Date.now() - t0).toBeLessThan(10_000);
    const r = out.result as Result & { kinds: Record<string, number>; sampled: { truncated: boolean } };
    expect(r.lines).toBe(500);
    expect(r.kinds).toEqual({ wrapped: 2, json: 498 });
    expect(r.sampled.truncated).toBe(true);
    expect(r.missingFields).toEqual([]);
    expect(await evaluateDefault(logsStructured, out.result)).toBe(true);
    await ctx.dispose();
  });

  it('a command: its stderr is shown masked, progress every 1000 lines; a cancelled or unstartable command is an error', async () => {
    const secret = 'hunter2-' + 'abcdef0123456789';
    const ctx = await basicContext({ vars: { dbPassword: secret }, secretVars: ['dbPassword'] });
    const rec = '{"time":1,"level":"info","app":"x","traceId":"' + 'd'.repeat(32) + '"}';
    const out = await runKind(logsStructured, { command: `for i in $(seq 1 1000); do echo '${rec}'; done; echo "warn: password=${secret}" >&2` }, ctx);
    expect(out.result).toMatchObject({ source: 'command', lines: 1000, sampled: { lines: 1000, exitCode: 0, truncated: false } });
    expect(ctx.lines.filter((l) => l.line === '  1000 lines read')).toHaveLength(1);
    expect(ctx.lines.filter((l) => l.line.startsWith('  stderr:'))).toEqual([{ line: '  stderr: warn: password=***', stream: 'stderr' }]);
    expect(ctx.lines[0]!.line).toMatch(/^\$ for i in/);
    const silent = await runKind(logsStructured, { command: 'exit 2' }, ctx).catch((x) => x);
    expect(silent.message).toBe('the log command exited 2 without output: no message');
    expect(silent.hint).toBe('run the command by hand to see why (kube context? namespace? label selector?)');
    // exit 0 without output is not an error: nothing to judge
    const nothing = await runKind(logsStructured, { command: 'true' }, ctx);
    expect(nothing).toMatchObject({ verdict: 'inconclusive', summary: 'no log lines to analyse', measured: '0 lines', threshold: '100% JSON' });
    const nowhere = await basicContext({ cwd: path.join(os.tmpdir(), 'rt-logs-no-such-dir') });
    const e = await runKind(logsStructured, { command: 'echo x' }, nowhere).catch((x) => x);
    expect(e).toBeInstanceOf(CheckError);
    expect(e.message).toMatch(/^cannot start the log command \(.*ENOENT.*\)$/);
    expect(e.hint).toBe('check the command line');
    const cancelled = await basicContext();
    const running = runKind(logsStructured, { command: `echo '${rec}'; exec sleep 30` }, cancelled).catch((x) => x);
    await new Promise<void>((r) => {
      const wait = () => (cancelled.lines.length ? r() : setImmediate(wait));
      wait();
    });
    cancelled.abort();
    const c = await running;
    expect(c).toBeInstanceOf(CheckError);
    expect(c.message).toBe('log sampling was cancelled');
    expect(c.hint).toBe('re-run the item');
    await Promise.all([ctx.dispose(), nowhere.dispose(), cancelled.dispose()]);
  });

  it('masks secrets in offending lines', async () => {
    const secret = 'hunter2-' + 'abcdef0123456789';
    const ctx = await basicContext({ vars: { dbPassword: secret }, secretVars: ['dbPassword'] });
    const out = await runKind(logsStructured, { command: `echo "connecting with password=${secret}"` }, ctx);
    const r = out.result as Result;
    expect(r.offenders[0]!.reason).toBe('not JSON');
    expect(r.offenders[0]!.text).toBe('connecting with password=***');
    expect(JSON.stringify(out)).not.toContain(secret);
    await ctx.dispose();
  });

  it('errors: missing file, unmatched glob, failing command; empty input is inconclusive', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rt-logs-'));
    const ctx = await basicContext({ cwd: dir });
    await expect(runKind(logsStructured, { files: 'app.log' }, ctx)).rejects.toThrow(/cannot read the log file .*app.log \(ENOENT\)/);
    await expect(runKind(logsStructured, { files: 'logs/*.log' }, ctx)).rejects.toThrow(/no file matches logs\/\*.log/);
    const e = await runKind(logsStructured, { command: 'echo "no such namespace" >&2; exit 3' }, ctx).catch((x) => x);
    expect(e).toBeInstanceOf(CheckError);
    expect(e.message).toMatch(/exited 3 without output: no such namespace/);
    await writeFile(path.join(dir, 'empty.log'), '\n\n');
    const out = await runKind(logsStructured, { files: 'empty.log' }, ctx);
    expect(out.verdict).toBe('inconclusive');
    expect(logsStructured.params.safeParse({ files: 'a', command: 'b' }).success).toBe(false);
    await ctx.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('the verdict texts: summary, measured and threshold name every required field; the evidence lists them', async () => {
    const ctx = await basicContext({ cwd: FIX });
    const out = await runKind(logsStructured, { files: 'humanlog-zap.jsonl', failOnMalformed: true }, ctx);
    expect(out.summary).toBe(
      '100% of 12 lines are JSON; timestamp 100%, level 100%, service 0%, trace_id 41.67% (1 malformed); not common: service, trace_id; malformed values: trace_id',
    );
    expect(out.measured).toBe('100% JSON, timestamp 100%, level 100%, service 0%, trace_id 41.67% (1 malformed)');
    expect(out.threshold).toBe('100% JSON; timestamp, level, service, trace_id in ≥ 90%, none malformed');
    expect(out.verdict).toBeUndefined();
    expect((out.offending as unknown[]).length).toBe(5);
    expect(out.result).toMatchObject({ source: 'files', requiredFields: ['timestamp', 'level', 'service', 'trace_id'], sampled: { files: [{ file: 'humanlog-zap.jsonl', lines: 12 }], truncated: false } });
    const lines = ctx.lines.map((l) => l.line);
    expect(lines).toContain('reading humanlog-zap.jsonl (3221 bytes)');
    expect(lines).toContain('  service         0 %  (absent)');
    expect(lines).toContain('  trace_id    41.67 %  trace_id×5  (1 malformed)');
    expect(ctx.lines.filter((l) => l.line.startsWith('  offending humanlog-zap.jsonl:3 (missing service; malformed trace_id')).map((l) => l.stream)).toEqual(['stderr']);
    const zap1 = readFileSync(path.join(FIX, 'humanlog-zap.jsonl'), 'utf8').split('\n')[0]!;
    expect(zap1.length).toBeGreaterThan(160);
    expect(lines).toContain(`  offending humanlog-zap.jsonl:1 (missing service, trace_id): ${zap1.slice(0, 160)}`);
    // all good: nothing offends, and the summary has no "not common" part
    const pino = await runKind(logsStructured, { files: 'lnav-logfile_pino.0' }, ctx);
    expect(pino.summary).toBe('100% of 1 lines are JSON; timestamp 100%, level 100%, service 100%, trace_id 100%');
    expect(pino.threshold).toBe('100% JSON; timestamp, level, service, trace_id in ≥ 90%');
    expect(pino.offending).toBeUndefined();
    const two = await runKind(logsStructured, { files: 'humanlog-zap.jsonl', requiredFields: ['level', 'trace_id'], commonPercent: 40 }, ctx);
    expect(two.summary).toBe('100% of 12 lines are JSON; level 100%, trace_id 41.67% (1 malformed); malformed values: trace_id');
    expect(two.result).toMatchObject({ missingFields: [], malformedFields: ['trace_id'] });
    await ctx.dispose();
  });

  it('a required field without synonyms is an error naming the known fields', async () => {
    const ctx = await basicContext({ cwd: FIX });
    const e = await runKind(logsStructured, { files: 'humanlog-zap.jsonl', requiredFields: ['level', 'tenant', 'region'] }, ctx).catch((x) => x);
    expect(e).toBeInstanceOf(CheckError);
    expect(e.message).toBe('requiredFields names unknown field(s) tenant, region');
    expect(e.hint).toBe('define their synonyms under `fields`, or use timestamp, level, service, trace_id');
    const own = await runKind(logsStructured, { files: 'humanlog-zap.jsonl', requiredFields: ['tenant'], fields: { tenant: ['endpoint'] } }, ctx);
    expect(own.result).toMatchObject({ missingFields: [], commonFields: expect.arrayContaining(['tenant']) });
    await ctx.dispose();
  });

  it('rotated files: the newest (last) file is read first, older ones fill the rest of the sample', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rt-logs-rot-'));
    const rec = (i: number) => JSON.stringify({ time: i, level: 'info', app: 'x', traceId: 'b'.repeat(32) });
    await writeFile(path.join(dir, 'app.log.2'), [1, 2, 3].map(rec).join('\n') + '\n');
    await writeFile(path.join(dir, 'app.log.1'), ['plain 4', '', rec(5)].join('\n') + '\n');
    await writeFile(path.join(dir, 'app.log'), [6, 7].map(rec).join('\n') + '\n');
    const ctx = await basicContext({ cwd: dir });
    type S = Result & { sampled: { files: { file: string; lines: number }[]; truncated: boolean } };
    const run = async (n: number) => (await runKind(logsStructured, { files: ['app.log.2', 'app.log.1', 'app.log'], sampleSize: n }, ctx)).result as S;
    const five = await run(5);
    expect(five.sampled).toEqual({ files: [{ file: 'app.log.2', lines: 1 }, { file: 'app.log.1', lines: 2 }, { file: 'app.log', lines: 2 }], truncated: true });
    expect(five.offenders).toEqual([expect.objectContaining({ source: 'app.log.1', line: 1, text: 'plain 4' })]);
    expect(five.structuredPercent).toBe(80);
    const four = await run(4);
    expect(four.sampled).toEqual({ files: [{ file: 'app.log.1', lines: 2 }, { file: 'app.log', lines: 2 }], truncated: true });
    const all = await run(6);
    expect(all.sampled).toEqual({ files: [{ file: 'app.log.2', lines: 2 }, { file: 'app.log.1', lines: 2 }, { file: 'app.log', lines: 2 }], truncated: true });
    const whole = await run(7);
    expect(whole.sampled.truncated).toBe(false);
    expect(whole.lines).toBe(7);
    // a glob orders its matches by the time each was last written, oldest first (logrotate's names sort the other
    // way round): the newest is read first
    const at = (iso: string) => new Date(iso);
    await utimes(path.join(dir, 'app.log.2'), at('2026-01-01T00:00:00Z'), at('2026-01-01T00:00:00Z'));
    await utimes(path.join(dir, 'app.log.1'), at('2026-01-02T00:00:00Z'), at('2026-01-02T00:00:00Z'));
    await utimes(path.join(dir, 'app.log'), at('2026-01-03T00:00:00Z'), at('2026-01-03T00:00:00Z'));
    const glob = (await runKind(logsStructured, { files: 'app.log*', sampleSize: 7 }, ctx)).result as S;
    expect(glob.sampled.files.map((f) => f.file)).toEqual(['app.log.2', 'app.log.1', 'app.log']);
    const newest = (await runKind(logsStructured, { files: 'app.log*', sampleSize: 2 }, ctx)).result as S;
    expect(newest.sampled).toEqual({ files: [{ file: 'app.log', lines: 2 }], truncated: true });
    // written at the same time: by name
    for (const f of ['app.log', 'app.log.1', 'app.log.2']) await utimes(path.join(dir, f), at('2026-01-04T00:00:00Z'), at('2026-01-04T00:00:00Z'));
    const tie = (await runKind(logsStructured, { files: 'app.log*', sampleSize: 7 }, ctx)).result as S;
    expect(tie.sampled.files.map((f) => f.file)).toEqual(['app.log', 'app.log.1', 'app.log.2']);
    const e = await runKind(logsStructured, { files: 'logs/*.log' }, ctx).catch((x) => x);
    expect(e.message).toBe(`no file matches logs/*.log (in ${dir})`);
    expect(e.hint).toBe('check the path of the logs, or point `files` at them');
    const missing = await runKind(logsStructured, { files: 'gone.log' }, ctx).catch((x) => x);
    expect(missing.message).toBe('cannot read the log file gone.log (ENOENT)');
    expect(missing.hint).toBe('check the path and the permissions');
    await ctx.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('a pretty-printed JSON document counts as one; a file that only starts like one is read line by line', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rt-logs-doc-'));
    const rec = { time: 1, level: 'info', app: 'x', traceId: 'c'.repeat(32) };
    await writeFile(path.join(dir, 'doc.json'), JSON.stringify([rec, rec], null, 2) + '\n');
    await writeFile(path.join(dir, 'lines.json'), '{\n' + JSON.stringify(rec) + '\n');
    await writeFile(path.join(dir, 'one.json'), JSON.stringify(rec) + '\n' + JSON.stringify(rec) + '\n');
    const ctx = await basicContext({ cwd: dir });
    type S = Result & { structuredLines: number; kinds: Record<string, number>; sampled: { files: { file: string; lines: number }[] } };
    const doc = (await runKind(logsStructured, { files: 'doc.json' }, ctx)).result as S;
    expect(doc.sampled.files).toEqual([{ file: 'doc.json', lines: 1 }]);
    expect(doc.records).toBe(2);
    // a document longer than the sample is still one document (its sample starts inside it), read whole: not truncated
    const long = (await runKind(logsStructured, { files: 'doc.json', sampleSize: 5 }, ctx)).result as S & { sampled: { truncated: boolean } };
    expect(long.sampled).toEqual({ files: [{ file: 'doc.json', lines: 1 }], truncated: false });
    expect([long.records, long.structuredPercent]).toEqual([2, 100]);
    const lines = (await runKind(logsStructured, { files: 'lines.json' }, ctx)).result as S;
    expect(lines.sampled.files).toEqual([{ file: 'lines.json', lines: 2 }]);
    expect(lines.structuredLines).toBe(1);
    const one = (await runKind(logsStructured, { files: 'one.json' }, ctx)).result as S;
    expect(one.sampled.files).toEqual([{ file: 'one.json', lines: 2 }]);
    expect(one.kinds).toEqual({ json: 2 });
    // one line that is a JSON object by itself is a line, not a document
    await writeFile(path.join(dir, 'single.json'), JSON.stringify(rec) + '\n');
    const single = (await runKind(logsStructured, { files: 'single.json' }, ctx)).result as S;
    expect(single.kinds).toEqual({ json: 1 });
    expect(single.sampled.files).toEqual([{ file: 'single.json', lines: 1 }]);
    // keys as found, per field; two malformed fields are both named
    await writeFile(path.join(dir, 'mixed.jsonl'), [{ ...rec, level: true, traceId: 'xyz' }, { ts: 2, level: 'info', app: 'x', trace_id: 'e'.repeat(32) }].map((r) => JSON.stringify(r)).join('\n') + '\n');
    const mixedCtx = await basicContext({ cwd: dir });
    const mixed = await runKind(logsStructured, { files: 'mixed.jsonl' }, mixedCtx);
    expect(mixed.result).toMatchObject({ malformedFields: ['level', 'trace_id'] });
    expect(mixed.summary).toMatch(/; malformed values: level, trace_id$/);
    expect(mixedCtx.lines.map((l) => l.line)).toContain('  timestamp     100 %  time×1 ts×1');
    await mixedCtx.dispose();
    await ctx.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('samples only the last sampleSize lines of a big file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rt-logs-'));
    const lines = Array.from({ length: 5000 }, (_, i) => (i < 4000 ? `plain text ${i}` : JSON.stringify({ time: i, level: 30, app: 'x', traceId: 'a'.repeat(32) })));
    await writeFile(path.join(dir, 'big.log'), lines.join('\n') + '\n');
    const ctx = await basicContext({ cwd: dir });
    const r = (await runKind(logsStructured, { files: 'big.log', sampleSize: 1000 }, ctx)).result as Result & { sampled: { truncated: boolean } };
    expect(r.lines).toBe(1000);
    expect(r.structuredPercent).toBe(100);
    expect(r.sampled.truncated).toBe(true);
    await ctx.dispose();
    await rm(dir, { recursive: true, force: true });
  });
});

describe('logs.structured sampling: what counts as a line, which files, how a command is read and stopped', () => {
  const zap = readFileSync(path.join(FIX, 'humanlog-zap.jsonl'), 'utf8').trim().split('\n');
  type Sampled = Result & { kinds: Record<string, number>; sampled: { files?: { file: string; lines: number }[]; lines?: number; exitCode?: number | null; truncated: boolean } };

  it('files: a glob takes regular files only and no dotfiles; whitespace-only lines are no lines; an indented JSON document is one', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rt-logs-sample-'));
    await writeFile(path.join(dir, 'a.log'), `${zap[0]}\n   \n${zap[1]}\n`);
    await writeFile(path.join(dir, '.b.log'), `${zap[2]}\n`);
    await mkdir(path.join(dir, 'c.log'));
    const otel = readFileSync(path.join(FIX, 'otel-proto-examples-logs.json'), 'utf8');
    await writeFile(path.join(dir, 'otel.json'), otel.split('\n').map((l) => `  ${l}`).join('\n'));
    const ctx = await basicContext({ cwd: dir });
    const r = (await runKind(logsStructured, { files: '*.log' }, ctx)).result as Sampled;
    expect(r.sampled).toEqual({ files: [{ file: 'a.log', lines: 2 }], truncated: false });
    expect(r.lines).toBe(2);
    const doc = (await runKind(logsStructured, { files: 'otel.json' }, ctx)).result as Sampled;
    expect(doc.sampled.files).toEqual([{ file: 'otel.json', lines: 1 }]);
    expect(doc.kinds).toEqual({ 'otlp-document': 1 });
    await ctx.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('a command: blank lines are skipped, offenders are named "command", no progress below 1000 lines, the last 3 stderr lines', async () => {
    const ctx = await basicContext();
    const out = await runKind(logsStructured, { command: `printf 'plain\\n\\n   \\n{"level":"info"}\\n'; printf '\\n' >&2` }, ctx);
    const r = out.result as Sampled;
    expect(r.sampled).toEqual({ lines: 2, exitCode: 0, truncated: false });
    expect(r.offenders.map((o) => [(o as unknown as { source: string }).source, o.line, o.reason])).toEqual([
      ['command', 1, 'not JSON'],
      ['command', 2, 'missing timestamp, service, trace_id'],
    ]);
    // a blank stderr is not shown, and no "lines read" below 1000
    expect(ctx.lines.map((l) => l.line).filter((l) => /lines read|stderr:/.test(l))).toEqual([]);
    await runKind(logsStructured, { command: `echo '${zap[0]}'; printf 'one\\ntwo\\nthree\\nfour\\n' >&2` }, ctx);
    expect(ctx.lines.filter((l) => l.line.startsWith('  stderr:'))).toEqual([{ line: '  stderr: two | three | four', stream: 'stderr' }]);
    const e = await runKind(logsStructured, { command: `printf 'one\\ntwo\\nthree\\nfour\\n' >&2; exit 3` }, ctx).catch((x) => x);
    expect(e.message).toBe('the log command exited 3 without output: two | three | four');
    await ctx.dispose();
  });

  it('a command gets no stdin, a pipeline is stopped as a whole, and a slow command is not stopped before the sample is full', async () => {
    const ctx = await basicContext({ cwd: FIX });
    const cmd = async (c: string, n: number) => ((await runKind(logsStructured, { command: c, sampleSize: n }, ctx)).result as Sampled).sampled;
    // stdin is closed: a `cat` without a file ends at once instead of waiting for input
    expect(await cmd('cat; cat humanlog-zap.jsonl', 12)).toEqual({ lines: 12, exitCode: 0, truncated: false });
    // every process of the pipeline is stopped once the sample is full, not only the shell
    expect(await cmd(`yes '${zap[0]}' | cat`, 5)).toEqual({ lines: 5, exitCode: null, truncated: true });
    // the grace timer starts only when the sample is full: a pause between lines is no reason to stop
    expect(await cmd(`echo '${zap[0]}'; sleep 2; echo '${zap[3]}'`, 5)).toEqual({ lines: 2, exitCode: 0, truncated: false });
    await ctx.dispose();
  });

  it('a cancelled command that ignores SIGTERM is killed (SIGKILL, 2 s later), and the cancel is reported', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rt-logs-term-'));
    const ctx = await basicContext({ cwd: dir });
    // an ignored signal stays ignored across exec: only SIGKILL ends this `sleep`; "started" is written once the trap is set
    const running = runKind(logsStructured, { command: `trap '' TERM; echo '${zap[0]}'; : > started; exec sleep 60` }, ctx).catch((x) => x);
    await new Promise<void>((r) => {
      const wait = () => (existsSync(path.join(dir, 'started')) ? r() : setImmediate(wait));
      wait();
    });
    ctx.abort();
    const c = await running;
    expect(c).toBeInstanceOf(CheckError);
    expect(c.message).toBe('log sampling was cancelled');
    await ctx.dispose();
    await rm(dir, { recursive: true, force: true });
  });
});

describe('logs.structured from pods through the Kubernetes log API', () => {
  it('lists pods by label and reads each pod\'s log with client-node (plain-text probe output → 0 % JSON)', async () => {
    const { startKubeApiServer } = await import('../../src/demo/servers/kube-api.js');
    const { checkContext } = await import('../support/check-context.js');
    const kube = await startKubeApiServer({
      objects: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'detection-service', namespace: 'detektor' }, spec: { clusterIP: '10.96.0.10', ports: [{ port: 8080 }] } }],
      probe: { runMs: 50 },
    });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rt-logs-pods-'));
    try {
      // two pods of app=detektor that "ran" a wget (the loopback API server gives them a real log), one of another app
      await createPod(kube, 'detektor', 'detektor-a', 'detektor', 'detection-service');
      await createPod(kube, 'detektor', 'detektor-b', 'detektor', 'nowhere');
      await createPod(kube, 'detektor', 'other', 'billing', 'detection-service');
      await kube.podsSettled();
      const ctx = await checkContext({ kubeconfig: kube.writeKubeconfig(dir) });
      const out = await runKind(logsStructured, { pods: { namespace: 'detektor', labelSelector: 'app=detektor' } }, ctx);
      const r = out.result as Result & { source: string; sampled: { pods: { pod: string; lines: number }[] } };
      expect(r.source).toBe('pods');
      expect(r.sampled.pods).toEqual([
        { pod: 'detektor-a', lines: 4 }, // Connecting… / writing to stdout / progress / written to stdout
        { pod: 'detektor-b', lines: 1 }, // wget: bad address
      ]);
      expect(r.lines).toBe(5);
      expect(r.structuredPercent).toBe(0);
      expect(r.offenders[0]!.reason).toBe('not JSON');
      expect(r.offenders.map((o) => [(o as unknown as { source: string }).source, o.line])).toEqual([
        ['pod/detektor-a', 1],
        ['pod/detektor-a', 2],
        ['pod/detektor-a', 3],
        ['pod/detektor-a', 4],
        ['pod/detektor-b', 1],
      ]);
      expect(kube.requests.filter((q) => q.path.endsWith('/log')).map((q) => q.path)).toEqual([
        '/api/v1/namespaces/detektor/pods/detektor-a/log',
        '/api/v1/namespaces/detektor/pods/detektor-b/log',
      ]);
      const none = await runKind(logsStructured, { pods: { namespace: 'detektor', labelSelector: 'app=nothing' } }, ctx).catch((x) => x);
      expect(none.message).toBe('no pod in namespace detektor matches app=nothing');
      expect(none.hint).toMatch(/^check the selector: kubectl --context \S+ get pods -n detektor -l app=nothing$/);
      type P = { sampled: { pods: { pod: string; lines: number; error?: string }[]; truncated: boolean }; lines: number };
      const pods = async (extra: Record<string, unknown>, sampleSize?: number) =>
        (await runKind(logsStructured, { pods: { namespace: 'detektor', labelSelector: 'app=detektor', ...extra }, ...(sampleSize ? { sampleSize } : {}) }, ctx)).result as P;
      expect((r as unknown as P).sampled.truncated).toBe(false);
      expect((await pods({ maxPods: 1 })).sampled).toEqual({ pods: [{ pod: 'detektor-a', lines: 4 }], truncated: true });
      expect((await pods({ maxPods: 2 })).sampled).toEqual({ pods: [{ pod: 'detektor-a', lines: 4 }, { pod: 'detektor-b', lines: 1 }], truncated: false });
      // the only pod's log is longer than the sample: its last lines are taken, and the sample is truncated
      const billing = await runKind(logsStructured, { pods: { namespace: 'detektor', labelSelector: 'app=billing' }, sampleSize: 2 }, ctx);
      expect((billing.result as P).sampled).toEqual({ pods: [{ pod: 'other', lines: 2 }], truncated: true });
      // the sample is full after the last 3 lines of the first pod: the second is not read
      expect((await pods({}, 3)).sampled).toEqual({ pods: [{ pod: 'detektor-a', lines: 3 }], truncated: true });
      expect((await pods({}, 5)).sampled).toEqual({ pods: [{ pod: 'detektor-a', lines: 4 }, { pod: 'detektor-b', lines: 1 }], truncated: false });
      expect(ctx.lines.map((l) => l.line)).toContain('GET /api/v1/namespaces/detektor/pods/detektor-a/log?tailLines=2000');
      await pods({ container: 'sidecar' }, 1);
      expect(ctx.lines.map((l) => l.line)).toContain('GET /api/v1/namespaces/detektor/pods/detektor-a/log?tailLines=2000&container=sidecar');
      expect(ctx.lines.map((l) => l.line)).toContain('GET /api/v1/namespaces/detektor/pods?labelSelector=app=detektor&limit=500');
      await ctx.dispose();
    } finally {
      await kube.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a pod whose log cannot be read is reported and the others are still read; no readable pod at all is an error', async () => {
    const { startKubeApiServer } = await import('../../src/demo/servers/kube-api.js');
    const { checkContext } = await import('../support/check-context.js');
    const svc = (name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'shop' }, spec: { clusterIP: '10.96.0.11', ports: [{ port: 8080 }] } });
    // a probe pod that calls "stuck" never starts (its image is never pulled): the API answers its log with 400
    const kube = await startKubeApiServer({ objects: [svc('web'), svc('stuck')], probe: { runMs: 50, rules: [{ from: '*', to: 'shop/stuck', outcome: 'image-pull' }] } });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rt-logs-pods-'));
    try {
      await createPod(kube, 'shop', 'mixed-a', 'mixed', 'web');
      await createPod(kube, 'shop', 'mixed-b', 'mixed', 'stuck');
      await createPod(kube, 'shop', 'only-stuck', 'stuck', 'stuck');
      await kube.podsSettled();
      const ctx = await checkContext({ kubeconfig: kube.writeKubeconfig(dir) });
      const out = await runKind(logsStructured, { pods: { namespace: 'shop', labelSelector: 'app=mixed' } }, ctx);
      const r = out.result as Result & { sampled: { pods: { pod: string; lines: number; error?: string }[]; truncated: boolean } };
      const [a, b] = r.sampled.pods;
      expect(a).toEqual({ pod: 'mixed-a', lines: 4 });
      const unread = (pod: string) =>
        `the API server at ${kube.url} (context fake) answered 400 while trying to read the log of pod ${pod}: container "main" in pod "${pod}" is waiting to start: ImagePullBackOff`;
      expect(b).toEqual({ pod: 'mixed-b', lines: 0, error: unread('mixed-b') });
      expect(r.lines).toBe(4);
      expect(ctx.lines.filter((l) => l.line.startsWith('  mixed-b'))).toEqual([{ line: `  mixed-b: ${unread('mixed-b')}`, stream: 'stderr' }]);
      const e = await runKind(logsStructured, { pods: { namespace: 'shop', labelSelector: 'app=stuck' } }, ctx).catch((x) => x);
      expect(e).toBeInstanceOf(CheckError);
      expect(e.message).toBe(`no log could be read from the 1 pod(s) matching app=stuck: ${unread('only-stuck')}`);
      expect(e.hint).toBe('check the pods\' state and the container name');
      await ctx.dispose();
    } finally {
      await kube.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
