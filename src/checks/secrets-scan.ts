/**
 * secrets.scan — hardcoded secrets in a source tree, found by secretlint (@secretlint/node + the recommended
 * preset), not by our own regexes. We list the files (gitignore-style ignores, default skips), secretlint lints
 * them in batches with maskSecrets on, and we keep only where and which rule: file, line, column, rule id and a
 * message with every secret masked. The value itself never reaches a result, an emitted line or the evidence.
 * The verdict comes from the parsed findings, never from an exit status.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { CheckError, type CheckContext, type CheckKind, type CheckOutput } from './contract.js';
import { PathMatcher, ignoreFileLines } from './support/glob.js';

const DEFAULT_IGNORES = ['.git/', 'node_modules/', 'dist/', 'coverage/'];
const PRESET = '@secretlint/secretlint-rule-preset-recommend';
/**
 * The rules of the preset, in its order (a test compares this with the installed preset, so it cannot go stale).
 * The aws rule runs with its access-key-id scan on (the preset has it off: an `AKIA…` id alone would pass);
 * AWS account ids, which that option also reports, are not secrets and stay allowed.
 */
export const PRESET_RULES = [
  'aws', 'gcp', 'privatekey', 'npm', 'basicauth', 'slack', 'sendgrid', 'shopify', 'github', 'openai', 'anthropic',
  'linear', '1password', 'database-connection-string', 'filter-comments',
] as const;
const RULE_CONFIG = {
  rules: [
    {
      id: PRESET,
      rules: [{ id: '@secretlint/secretlint-rule-aws', options: { enableIDScanRule: true }, allowMessageIds: ['AWSAccountID'] }],
    },
  ],
};
const BATCH = 200;
const MAX_FINDINGS = 500;

const params = z
  .object({
    path: z
      .string()
      .optional()
      .describe('directory to scan (relative to the checklist); default the variable repoDir, else the checklist directory'),
    include: z
      .array(z.string())
      .default(['**/*'])
      .describe('glob patterns of files to scan (gitignore-style: "*.env" matches at any depth)'),
    ignore: z
      .array(z.string())
      .default([])
      .describe('more gitignore-style patterns to skip, e.g. ["test/fixtures/", "*.snap"]'),
    defaultIgnores: z
      .boolean()
      .default(true)
      .describe(`skip ${DEFAULT_IGNORES.join(', ')} and honour the root .gitignore and .secretlintignore`),
    maxFileBytes: z
      .number()
      .int()
      .positive()
      .default(2 * 1024 * 1024)
      .describe('files larger than this are skipped (and counted in skippedLarge)'),
    configFile: z
      .string()
      .optional()
      .describe(`a .secretlintrc.json to use instead of the default rules (${PRESET})`),
  })
  .strict();

export type SecretsScanParams = z.infer<typeof params>;

export interface SecretFinding {
  file: string;
  line: number;
  column: number;
  ruleId: string;
  messageId: string;
  severity: string;
  message: string;
}

interface LintMessage {
  ruleId?: string;
  messageId?: string;
  message?: string;
  severity?: string;
  range?: [number, number];
  loc?: { start?: { line?: number; column?: number } };
}
interface LintResult {
  filePath: string;
  sourceContent?: string;
  messages?: LintMessage[];
}

/** the message with every trace of the secret removed: the exact value (from the source range) and mask runs */
export function maskMessage(message: string, secretValue: string | undefined): string {
  let m = message;
  if (secretValue && secretValue.length >= 4) m = m.split(secretValue).join('***');
  return m.replace(/\*{4,}/g, '***');
}

function scanRoot(p: SecretsScanParams, ctx: CheckContext): string {
  return path.resolve(ctx.cwd, p.path ?? ctx.vars.repoDir ?? '.');
}

async function listFiles(
  root: string,
  include: PathMatcher,
  ignore: PathMatcher,
  maxBytes: number,
  signal: AbortSignal,
): Promise<{ files: string[]; skippedLarge: number; ignoredEntries: number }> {
  const files: string[] = [];
  let skippedLarge = 0;
  let ignoredEntries = 0;
  const walk = async (dir: string, rel: string): Promise<void> => {
    if (signal.aborted) return;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return; // unreadable directory: nothing to scan there
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (ignore.matches(r, true)) ignoredEntries++;
        else await walk(full, r);
      } else if (e.isFile()) {
        if (ignore.matches(r, false)) {
          ignoredEntries++;
          continue;
        }
        if (!include.matches(r, false)) continue;
        const s = await stat(full).catch(() => undefined);
        if (!s) continue;
        if (s.size > maxBytes) skippedLarge++;
        else files.push(r);
      }
      // symlinks are not followed: a link can point outside the tree or loop
    }
  };
  await walk(root, '');
  return { files, skippedLarge, ignoredEntries };
}

async function readIgnoreFile(file: string): Promise<string[]> {
  try {
    return ignoreFileLines(await readFile(file, 'utf8'));
  } catch {
    return [];
  }
}

async function run(p: SecretsScanParams, ctx: CheckContext): Promise<CheckOutput> {
  const root = scanRoot(p, ctx);
  const st = await stat(root).catch(() => undefined);
  if (!st?.isDirectory()) {
    throw new CheckError(`the directory to scan does not exist: ${root}`, 'fix `path:` (or the repoDir variable) to point at the repository checkout');
  }
  const ignorePatterns = [...(p.defaultIgnores ? DEFAULT_IGNORES : [])];
  if (p.defaultIgnores) {
    const gi = await readIgnoreFile(path.join(root, '.gitignore'));
    const si = await readIgnoreFile(path.join(root, '.secretlintignore'));
    ignorePatterns.push(...gi, ...si);
    if (gi.length || si.length) ctx.emit(`honouring ${gi.length} .gitignore and ${si.length} .secretlintignore pattern(s)`, 'info');
  }
  ignorePatterns.push(...p.ignore);
  const { files, skippedLarge, ignoredEntries } = await listFiles(root, new PathMatcher(p.include), new PathMatcher(ignorePatterns), p.maxFileBytes, ctx.signal);
  if (ctx.signal.aborted) throw new CheckError('the secret scan was stopped while listing files', 're-run the item');
  ctx.emit(`scanning ${files.length} file(s) under ${root}${skippedLarge ? ` (${skippedLarge} larger than ${p.maxFileBytes} bytes skipped)` : ''}`, 'info');

  let createEngine: typeof import('@secretlint/node').createEngine;
  try {
    ({ createEngine } = await import('@secretlint/node'));
  } catch {
    throw new CheckError('secretlint (@secretlint/node) is not installed next to readiness-tui', 'reinstall readiness-tui (npm i -g readiness-tui) so its dependencies are present');
  }
  let engine: Awaited<ReturnType<typeof createEngine>>;
  try {
    engine = p.configFile
      ? await createEngine({ cwd: root, formatter: 'json', color: false, maskSecrets: true, configFilePath: path.resolve(ctx.cwd, p.configFile) })
      : await createEngine({ cwd: root, formatter: 'json', color: false, maskSecrets: true, configFileJSON: RULE_CONFIG });
  } catch (e) {
    throw new CheckError(
      `secretlint could not load its rules${p.configFile ? ` from ${path.resolve(ctx.cwd, p.configFile)}` : ''}: ${(e as Error).message.split('\n')[0]}`,
      p.configFile ? 'fix the secretlint config file (JSON with a "rules" list of installed rule packages)' : `reinstall readiness-tui: ${PRESET} is missing`,
    );
  }

  const findings: SecretFinding[] = [];
  const filesWithFindings = new Set<string>();
  for (let i = 0; i < files.length; i += BATCH) {
    if (ctx.signal.aborted) throw new CheckError('the secret scan was stopped before it finished', 're-run the item, or narrow `include`');
    const batch = files.slice(i, i + BATCH);
    let parsed: LintResult[];
    try {
      const out = await engine.executeOnFiles({ filePathList: batch.map((f) => path.join(root, f)) });
      parsed = JSON.parse(out.output) as LintResult[];
    } catch (e) {
      throw new CheckError(`secretlint failed on files ${i + 1}–${i + batch.length}: ${(e as Error).message.split('\n')[0]}`, 'narrow `include` or add the offending file to `ignore`');
    }
    for (const res of parsed) {
      const rel = path.relative(root, res.filePath).split(path.sep).join('/');
      for (const m of res.messages ?? []) {
        const secret = m.range && res.sourceContent !== undefined ? res.sourceContent.slice(m.range[0], m.range[1]) : undefined;
        const f: SecretFinding = {
          file: rel,
          line: m.loc?.start?.line ?? 0,
          column: (m.loc?.start?.column ?? 0) + 1,
          ruleId: (m.ruleId ?? 'unknown').replace(/^@secretlint\/secretlint-rule-/, ''),
          messageId: m.messageId ?? '',
          severity: m.severity ?? 'error',
          message: maskMessage(m.message ?? '', secret),
        };
        findings.push(f);
        filesWithFindings.add(rel);
        ctx.emit(`${f.file}:${f.line}:${f.column}  ${f.severity}  ${f.ruleId}  ${f.message}`, 'stdout');
      }
      // sourceContent (the file's text, secrets included) goes no further than this loop
      res.sourceContent = undefined;
    }
    if (files.length > BATCH) ctx.emit(`scanned ${Math.min(i + BATCH, files.length)}/${files.length} files, ${findings.length} finding(s) so far`, 'info');
  }

  const errors = findings.filter((f) => f.severity === 'error');
  const withFindings = new Set(errors.map((f) => f.file)).size;
  ctx.emit(
    `secretlint done: ${files.length} file(s) scanned, ${withFindings} with findings, ${errors.length} secret(s)${findings.length > errors.length ? `, ${findings.length - errors.length} warning(s)` : ''}`,
    'info',
  );
  const byRule: Record<string, number> = {};
  for (const f of errors) byRule[f.ruleId] = (byRule[f.ruleId] ?? 0) + 1;
  const evidence = await ctx.attach(
    'secrets-scan.json',
    JSON.stringify({ root, scannedFiles: files.length, skippedLarge, findings }, null, 2) + '\n',
  );
  const result = {
    path: root,
    scannedFiles: files.length,
    skippedLarge,
    ignoredEntries,
    count: errors.length,
    warnings: findings.length - errors.length,
    files: withFindings,
    rules: p.configFile ? null : [...PRESET_RULES],
    byRule,
    findings: findings.slice(0, MAX_FINDINGS),
    findingsOmitted: Math.max(0, findings.length - MAX_FINDINGS),
  };
  if (files.length === 0) {
    return {
      result,
      summary: `no files to scan under ${root} (all ignored or excluded by include)`,
      measured: '0 files scanned, 0 with findings',
      threshold: '0 secrets',
      verdict: 'inconclusive',
    };
  }
  const rules = Object.entries(byRule)
    .map(([r, n]) => `${n} ${r}`)
    .join(', ');
  return {
    result,
    summary:
      errors.length === 0
        ? `no hardcoded secrets: ${files.length} file(s) scanned under ${root}, 0 with findings`
        : `${errors.length} hardcoded secret(s) (${rules}): ${files.length} file(s) scanned, ${withFindings} with findings — move them to Vault and rotate them; details in ${evidence}`,
    measured: `${errors.length} secret(s); ${files.length} file(s) scanned, ${withFindings} with findings`,
    threshold: '0 secrets',
    offending: errors.slice(0, 200).map((f) => ({ file: f.file, line: f.line, column: f.column, ruleId: f.ruleId, message: f.message })),
  };
}

export const secretsScan: CheckKind<SecretsScanParams> = {
  kind: 'secrets.scan',
  title: 'No hardcoded secrets in the source tree (secretlint)',
  description:
    `Scans a directory with secretlint and its recommended rules (${PRESET}), exactly these: ${PRESET_RULES.join(', ')} ` +
    '(aws: secret access keys and access key ids — AKIA…, ASIA…; its id scan is turned on here, AWS account ids are ' +
    'not reported; filter-comments honours secretlint-disable comments). A `configFile` replaces them. Skips .git, ' +
    'node_modules, dist, coverage and what the root .gitignore / .secretlintignore list. Reports file:line:column and ' +
    'the rule for every finding; the secret itself is masked everywhere (result, screen, evidence). A tree with no ' +
    'files to scan is inconclusive; a missing directory or a broken secretlint config is an error.',
  outcomes: {
    error: 'the directory to scan does not exist, secretlint or its config cannot be loaded, secretlint fails on a file',
    fail: 'a finding of severity error (a hardcoded secret) in a scanned file',
    inconclusive: 'no file left to scan (all ignored or excluded by include)',
  },
  params,
  resultDoc: {
    path: 'the scanned directory',
    scannedFiles: 'files handed to secretlint',
    skippedLarge: 'files skipped because they exceed maxFileBytes',
    ignoredEntries: 'files and directories skipped by the ignore patterns',
    count: 'findings of severity error (the default expectation wants 0)',
    warnings: 'findings of severity warning',
    files: 'files with findings (at least one of severity error); scannedFiles says how many were scanned',
    rules: 'the rule ids that ran (null with configFile: its rules)',
    byRule: 'error findings per rule id, e.g. {"aws": 2, "github": 1}',
    findings: `[{file, line, column, ruleId, messageId, severity, message}] — message masked (at most ${MAX_FINDINGS})`,
    findingsOmitted: 'findings left out of `findings` because of the cap (all are in the evidence)',
  },
  example: [
    'check:',
    '  kind: secrets.scan',
    '  path: ${vars.repoDir}',
    '  ignore: ["test/fixtures/", "*.snap"]',
  ].join('\n'),
  defaultExpect: 'count = 0',
  describe(p, vars) {
    const where = p.path ?? vars.repoDir ?? '.';
    const extra = [p.include.join(' ') !== '**/*' ? `include ${p.include.join(', ')}` : '', p.ignore.length ? `ignore ${p.ignore.join(', ')}` : '']
      .filter(Boolean)
      .join('; ');
    return `secretlint (${p.configFile ?? PRESET}, secrets masked) over ${where}${extra ? ` (${extra})` : ''}, skipping ${p.defaultIgnores ? `${DEFAULT_IGNORES.join(' ')} + .gitignore/.secretlintignore` : 'nothing by default'}`;
  },
  run,
};
