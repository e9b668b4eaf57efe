/**
 * `file`: a path or glob exists (deliverables: runbook, dashboards, policies), optionally parsed as JSON or YAML so
 * `expect` can look inside. A file that is missing or does not parse is `fail` (the deliverable is not there or is
 * broken); a base directory that cannot be read is `error`.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { CheckError, type CheckKind } from './contract.js';
import { glob } from './support/fs-glob.js';

const params = z
  .object({
    path: z.string().min(1).describe('file, directory or glob (* ? [..] {a,b} **), relative to cwd'),
    cwd: z.string().optional().describe("base directory (default: the checklist's directory)"),
    type: z.enum(['file', 'dir', 'any']).default('any').describe('what must exist (a path ending in "/" means dir)'),
    parse: z.enum(['json', 'yaml', 'text']).optional().describe('parse the first match so `expect` can use `content`'),
  })
  .strict();

export type FileParams = z.infer<typeof params>;

const MAX_PARSE_BYTES = 10 * 1024 * 1024;

export const file: CheckKind<FileParams> = {
  kind: 'file',
  title: 'a file, directory or glob exists (optionally parse JSON/YAML and check its content)',
  description:
    'Looks for `path` (a glob is allowed) under `cwd`. `exists` is true when at least one path matches (of the ' +
    'requested `type`). With `parse`, the first match (sorted) is read and parsed into `content`; a parse problem ' +
    'is reported in `parseError`. Passes when `expect` holds (default: exists and parseError = null). A missing ' +
    'or unparsable deliverable is `fail`; an unreadable base directory is `error`.',
  outcomes: {
    error: 'the base directory (cwd) cannot be read',
    fail: 'nothing matches `path`, or the parsed file has a parseError (default), or your `expect` does not hold',
    inconclusive: 'never',
  },
  params,
  resultDoc: {
    exists: 'boolean — at least one path matched',
    paths: 'string[] — the matching paths (sorted, relative to cwd unless `path` is absolute)',
    count: 'number — how many paths matched',
    files: 'object[] — {path, type: "file"|"dir"|"other", bytes, modified} of each match',
    content: 'any | null — the parsed content of the first match when `parse` is set (text: the text)',
    parseError: 'string | null — why parsing failed',
  },
  example: [
    'check:',
    '  kind: file',
    '  path: dashboards/slo-tracking.json',
    '  parse: json',
    "  expect: exists and $count(content.panels) >= 4",
  ].join('\n'),
  defaultExpect: 'exists and parseError = null',
  describe(p) {
    return `test -e ${p.cwd ? path.join(p.cwd, p.path) : p.path}${p.parse ? ` && parse as ${p.parse}` : ''}`;
  },
  async run(p, ctx) {
    const cwd = p.cwd ? path.resolve(ctx.cwd, p.cwd) : ctx.cwd;
    try {
      if (!statSync(cwd).isDirectory()) throw new Error('not a directory');
    } catch {
      throw new CheckError(`base directory not found: ${cwd}`, 'fix `cwd` in the check (or the variable that sets it)');
    }
    const wantDir = p.type === 'dir' || p.path.endsWith('/');
    const pattern = p.path.replace(/\/+$/, '') || '/';
    const matches = glob(pattern, { cwd });
    const files = matches
      .map((m) => {
        const full = path.resolve(cwd, m);
        try {
          const st = statSync(full);
          return {
            path: m,
            type: st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other',
            bytes: st.size,
            modified: st.mtime.toISOString(),
          };
        } catch {
          return { path: m, type: 'other', bytes: 0, modified: null };
        }
      })
      .filter((f) => (wantDir ? f.type === 'dir' : p.type === 'file' ? f.type === 'file' : true));
    for (const f of files.slice(0, 200)) ctx.emit(`${f.type === 'dir' ? 'dir ' : 'file'} ${f.path} (${f.bytes} bytes)`);
    if (files.length > 200) ctx.emit(`… ${files.length - 200} more`);

    let content: unknown = null;
    let parseError: string | null = null;
    if (p.parse) {
      const first = files.find((f) => f.type === 'file');
      if (!first) parseError = files.length ? 'no regular file to parse among the matches' : 'nothing to parse: no match';
      else if (first.bytes > MAX_PARSE_BYTES) parseError = `${first.path} is ${first.bytes} bytes, more than the ${MAX_PARSE_BYTES} parsed`;
      else {
        const text = readFileSync(path.resolve(cwd, first.path), 'utf8');
        try {
          content = p.parse === 'json' ? JSON.parse(text) : p.parse === 'yaml' ? parseYaml(text) : text;
        } catch (err) {
          parseError = `${first.path}: ${(err as Error).message.split('\n')[0]}`;
        }
        if (parseError) ctx.emit(`parse error: ${parseError}`, 'stderr');
      }
    }
    const exists = files.length > 0;
    const result = { exists, paths: files.map((f) => f.path), count: files.length, files, content, parseError };
    const summary = !exists
      ? `not found: ${p.path}`
      : parseError
        ? `found ${files.length === 1 ? files[0]!.path : `${files.length} matches`}, but ${parseError}`
        : files.length === 1
          ? `found ${files[0]!.path}`
          : `found ${files.length} matches for ${p.path}`;
    return { result, summary, measured: `${files.length} match${files.length === 1 ? '' : 'es'}` };
  },
};
