/**
 * A CheckContext for calling a kind's run() directly in tests. Everything the kind emits, writes and attaches is kept
 * exactly as the kind handed it over — NOT masked: "the secret is absent from everything()" then judges the kind
 * itself (a kind that prints its token fails it). `redact` masks like the runner's, for kinds that call it. The
 * runner's own masking of whatever a kind hands over is tested with the real runner (test/engine/runner-redaction).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect } from 'vitest';
import { CheckError, type CheckContext, type CheckKind, type CheckOutput } from '../../src/checks/contract.js';

export interface BasicContext extends CheckContext {
  lines: { line: string; stream: string }[];
  written: { chunk: string; stream: string }[];
  attachments: Map<string, string>;
  /** every byte the kind handed to the runner (lines, writes, attachments), for "the secret is absent" asserts */
  everything(): string;
  abort(reason?: unknown): void;
  dispose(): Promise<void>;
}

export interface BasicContextOptions {
  vars?: Record<string, string>;
  /** names of vars whose values are secret (redact masks them) */
  secretVars?: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

// every context's temporary directory is removed when its test file ends, whether or not the test disposed it
// (registered on the importing test file's suite)
const made = new Set<string>();
afterAll(async () => {
  await Promise.all([...made].map((dir) => rm(dir, { recursive: true, force: true })));
  made.clear();
});

export async function basicContext(o: BasicContextOptions = {}): Promise<BasicContext> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rt-ctx-'));
  made.add(dir);
  const controller = new AbortController();
  const vars = o.vars ?? {};
  const secrets = (o.secretVars ?? []).map((n) => vars[n]).filter((v): v is string => !!v);
  const lines: BasicContext['lines'] = [];
  const written: BasicContext['written'] = [];
  const attachments = new Map<string, string>();
  const redact = (text: string): string => secrets.reduce((t, s) => t.split(s).join('***'), text);
  const ctx: BasicContext = {
    signal: controller.signal,
    emit: (line, stream = 'info') => lines.push({ line, stream }),
    write: (chunk, stream) => written.push({ chunk: String(chunk), stream }),
    attach: async (name, content) => {
      const rel = `evidence/${name}`;
      const text = String(content);
      attachments.set(name, text);
      await writeFile(path.join(dir, name.replace(/[\\/]/g, '_')), text);
      return rel;
    },
    vars,
    redact,
    kube: async () => {
      throw new CheckError('no Kubernetes in this test context');
    },
    cwd: o.cwd ?? dir,
    env: o.env ?? { ...process.env },
    timeoutMs: o.timeoutMs ?? 30_000,
    item: { id: 'test.1', title: 'test item' },
    lines,
    written,
    attachments,
    everything: () =>
      [...lines.map((l) => l.line), ...written.map((w) => w.chunk), ...attachments.values()].join('\n'),
    abort: (reason) => controller.abort(reason),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
  return ctx;
}

/** parse params with the kind's zod schema (as the loader does) and run it */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function runKind(kind: CheckKind<any>, params: Record<string, unknown>, ctx: CheckContext): Promise<CheckOutput> {
  const parsed = kind.params.parse(params);
  return kind.run(parsed, ctx);
}

/** The CheckError a promise rejects with (the test fails when it resolves, or rejects with anything else). */
export async function failure(p: Promise<unknown>): Promise<CheckError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CheckError);
  return e as CheckError;
}
