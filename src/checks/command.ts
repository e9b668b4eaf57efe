/**
 * `command`: run a shell line (`/bin/sh -c`) or an argv list, stream its output, judge it by exit code (default)
 * or by values captured from its output.
 *
 * The child runs in its own process group; on timeout or cancel the whole group is killed (see process/spawn.ts).
 * Output goes byte for byte to the evidence file through ctx.write; the kind itself keeps only what the result
 * needs (line counts, a tail, up to 1 MiB of stdout for `json`, the captures), so a 200 MB stream costs no memory.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { spawnGroup } from '../process/spawn.js';
import { countNewlines, LineSplitter } from '../process/line-splitter.js';
import { sanitizeLine } from '../process/sanitize.js';
import { CheckError, type CheckKind } from './contract.js';
import { RULES } from './rules.js';
import { parseDurationMs } from './support/duration.js';

const regex = z.string().refine(RULES.isRegex, { message: 'not a valid regular expression' });

const params = z
  .object({
    run: z.string().min(1).optional().describe('shell command line, run with /bin/sh -c'),
    argv: z.array(z.string()).min(1).optional().describe('program and arguments, run without a shell'),
    cwd: z.string().optional().describe("working directory (relative to the checklist's directory)"),
    env: z.record(z.string(), z.string()).optional().describe('extra environment variables'),
    timeout: z
      .string()
      .refine(RULES.isDuration, { message: 'expected a duration such as 30s, 5m or 1h' })
      .optional()
      .describe("the command's own time limit (the item's timeout applies too)"),
    capture: z
      .record(z.string(), regex)
      .optional()
      .describe('name → regex; the first group of the LAST matching line (numeric text becomes a number)'),
    count: z.record(z.string(), regex).optional().describe('name → regex; how many output lines match'),
  })
  .strict()
  .refine(RULES.runXorArgv, { message: 'give exactly one of `run` (shell line) or `argv` (list)' });

export type CommandParams = z.infer<typeof params>;

const TAIL_BYTES = 16 * 1024;
const TAIL_LINES = 50;
const JSON_MAX_BYTES = 1024 * 1024;

function shellQuote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

function toValue(s: string): string | number {
  return /^-?\d+(\.\d+)?$/.test(s.trim()) ? Number(s.trim()) : s;
}

/** keeps (a copy of) the last `max` bytes of a stream in a fixed ring: the chunks it sees are reused by the reader */
class ByteTail {
  private ring: Buffer;
  /** next write position */
  private pos = 0;
  private filled = false;
  constructor(private readonly max: number) {
    this.ring = Buffer.allocUnsafe(max);
  }
  push(b: Buffer): void {
    if (b.length >= this.max) {
      b.copy(this.ring, 0, b.length - this.max);
      this.pos = 0;
      this.filled = true;
      return;
    }
    const first = Math.min(b.length, this.max - this.pos);
    b.copy(this.ring, this.pos, 0, first);
    if (first < b.length) {
      b.copy(this.ring, 0, first);
      this.filled = true;
    }
    this.pos += b.length;
    if (this.pos >= this.max) {
      this.pos -= this.max;
      this.filled = true;
    }
  }
  text(): string {
    const bytes = this.filled
      ? Buffer.concat([this.ring.subarray(this.pos), this.ring.subarray(0, this.pos)])
      : this.ring.subarray(0, this.pos);
    return bytes.toString('utf8');
  }
}

function tailLines(text: string, n: number): string {
  const lines = text.replace(/\r?\n$/, '').split(/\r?\n/);
  return lines
    .slice(-n)
    .map((l) => sanitizeLine(l, 500))
    .join('\n');
}

export const command: CheckKind<CommandParams> = {
  kind: 'command',
  title: 'run a command or script and judge its exit code or output',
  description:
    'Runs `run` with /bin/sh -c, or `argv` without a shell, in its own process group, streaming stdout and stderr ' +
    'line by line. The full output is kept as evidence. Passes when `expect` holds (default: exitCode = 0). ' +
    'A program that cannot be started (not found, not executable, missing cwd) is `error`, not `fail`; so is a ' +
    'shell line whose command is not found (exit 127/126). On timeout or cancel the whole process group gets ' +
    'SIGTERM, then SIGKILL after a grace period.',
  outcomes: {
    error: 'the program cannot be started (not found, not executable, missing cwd), or a shell line\'s command is not found (exit 127/126)',
    fail: '`expect` does not hold (default: exit code not 0)',
    inconclusive: 'never',
  },
  params,
  resultDoc: {
    exitCode: 'number | null — exit status (null when killed by a signal)',
    signal: 'string | null — the signal that ended it, e.g. "SIGTERM"',
    durationMs: 'number — wall time',
    lines: 'number — output lines (stdout + stderr)',
    stdoutTail: 'string — the last 50 lines of stdout (control sequences removed)',
    stderrTail: 'string — the last 50 lines of stderr (control sequences removed)',
    json: 'any | null — stdout parsed as JSON when it is JSON (and at most 1 MiB)',
    captures:
      'object — each `capture` name → first group of the last matching line (number when numeric, null when no line matched); each `count` name → number of matching lines',
  },
  example: [
    'check:',
    '  kind: command',
    '  run: ${vars.scriptsDir}/disaster_recovery_test.sh',
    '  timeout: 30m',
    '  capture:',
    "    recoverySeconds: 'Total recovery time: (\\d+)'",
    '  count:',
    "    passLines: '^PASS'",
    '  expect: exitCode = 0 and captures.recoverySeconds < 900',
  ].join('\n'),
  defaultExpect: 'exitCode = 0',
  describe(p) {
    const cmd = p.run ?? (p.argv ?? []).map(shellQuote).join(' ');
    return p.cwd ? `(cd ${shellQuote(p.cwd)} && ${cmd})` : cmd;
  },
  async run(p, ctx) {
    const cwd = p.cwd ? path.resolve(ctx.cwd, p.cwd) : ctx.cwd;
    if (!existsSync(cwd) || !statSync(cwd).isDirectory()) {
      throw new CheckError(`working directory not found: ${cwd}`, 'fix `cwd` in the check or create the directory');
    }
    const own = p.timeout ? parseDurationMs(p.timeout) : undefined;
    const signal = own !== undefined ? AbortSignal.any([ctx.signal, AbortSignal.timeout(Math.max(1, own))]) : ctx.signal;
    const env = { ...ctx.env, ...(p.env ?? {}) };
    const file = p.run ? '/bin/sh' : p.argv![0]!;
    const args = p.run ? ['-c', p.run] : p.argv!.slice(1);

    const captures: Record<string, string | number | null> = {};
    const capRes = Object.entries(p.capture ?? {}).map(([k, r]) => [k, new RegExp(r)] as const);
    const cntRes = Object.entries(p.count ?? {}).map(([k, r]) => [k, new RegExp(r)] as const);
    for (const [k] of capRes) captures[k] = null;
    for (const [k] of cntRes) captures[k] = 0;
    const scanning = capRes.length + cntRes.length > 0;
    const splitters = { stdout: new LineSplitter(), stderr: new LineSplitter() };
    const scan = (lines: string[]) => {
      for (const raw of lines) {
        const line = sanitizeLine(raw, 1_000_000);
        for (const [k, re] of capRes) {
          const m = re.exec(line);
          if (m) captures[k] = toValue(m[1] ?? m[0]);
        }
        for (const [k, re] of cntRes) if (re.test(line)) captures[k] = (captures[k] as number) + 1;
      }
    };

    const tails = { stdout: new ByteTail(TAIL_BYTES), stderr: new ByteTail(TAIL_BYTES) };
    const newlines = { stdout: 0, stderr: 0 };
    const lastByte = { stdout: 10, stderr: 10 };
    let jsonChunks: Buffer[] | undefined = [];
    let jsonBytes = 0;

    const r = await spawnGroup({
      file,
      args,
      cwd,
      env,
      signal,
      killGraceMs: ctx.killGraceMs,
      onData(chunk, stream) {
        ctx.write(chunk, stream);
        tails[stream].push(chunk);
        newlines[stream] += countNewlines(chunk);
        lastByte[stream] = chunk[chunk.length - 1] ?? lastByte[stream];
        if (stream === 'stdout' && jsonChunks) {
          jsonBytes += chunk.length;
          if (jsonBytes > JSON_MAX_BYTES) jsonChunks = undefined;
          else jsonChunks.push(Buffer.from(chunk)); // the chunk's memory is reused after this call
        }
        if (scanning) scan(splitters[stream].push(chunk));
      },
    });
    if (scanning) {
      scan(splitters.stdout.end());
      scan(splitters.stderr.end());
    }

    if (r.spawnError) {
      const what = p.run ? '/bin/sh' : p.argv![0]!;
      if (r.spawnError.code === 'ENOENT') {
        throw new CheckError(
          `command not found: ${what}`,
          what.includes('/') ? 'check the path in the checklist (or the variable that sets it)' : 'install it or add its directory to PATH',
        );
      }
      if (r.spawnError.code === 'EACCES') throw new CheckError(`not executable: ${what}`, `chmod +x ${what}`);
      throw new CheckError(`could not start ${what}: ${r.spawnError.message}`);
    }
    const n = r.escaped?.length ?? 0;
    // processes that left the group (setsid) were not stopped with it: say so, they may still be changing things
    const escaped = n ? `${n} process${n === 1 ? '' : 'es'} left ${n === 1 ? 'its' : 'their'} process group: pid${n === 1 ? '' : 's'} ${r.escaped!.join(', ')}` : '';
    if (escaped) ctx.emit(`${escaped} (still running, not stopped with the check)`, 'info');
    if (r.aborted) throw signal.reason ?? new DOMException('aborted', 'AbortError');
    if (r.outputLost) {
      // no verdict on output that was not all read
      throw new CheckError(`the output could not be read to its end (${r.outputLost}); the evidence is incomplete`, 'run the check again');
    }

    const stderrTail = tailLines(tails.stderr.text(), TAIL_LINES);
    const stdoutTail = tailLines(tails.stdout.text(), TAIL_LINES);
    if (p.run && (r.exitCode === 127 || r.exitCode === 126)) {
      const last = stderrTail.split('\n').filter(Boolean).pop() ?? '';
      if (/not found|No such file|Permission denied|cannot execute/i.test(last)) {
        // "/bin/sh: 1: ./x.sh: not found" → "./x.sh"
        const m = /^(?:\S*sh: (?:line )?\d+: )?(.+?): (?:command )?(?:not found|No such file or directory|Permission denied|cannot execute.*)$/.exec(last);
        const what = m?.[1] ?? last;
        throw new CheckError(
          r.exitCode === 127 ? `command not found: ${what}` : `command not executable: ${what}`,
          r.exitCode === 127 ? 'install the tool, fix PATH, or fix the path in the checklist' : 'make the script executable (chmod +x) or run it with its interpreter',
        );
      }
    }

    let json: unknown = null;
    if (jsonChunks && jsonBytes > 0) {
      const text = Buffer.concat(jsonChunks).toString('utf8').trim();
      if (text.startsWith('{') || text.startsWith('[')) {
        try {
          json = JSON.parse(text);
        } catch {
          json = null;
        }
      }
    }

    const lines =
      newlines.stdout + newlines.stderr + (lastByte.stdout !== 10 ? 1 : 0) + (lastByte.stderr !== 10 ? 1 : 0);
    const result = {
      exitCode: r.exitCode ?? null,
      signal: r.signal ?? null,
      durationMs: r.durationMs,
      lines,
      stdoutTail,
      stderrTail,
      json,
      captures,
    };
    const ended = r.signal ? `killed by ${r.signal}` : `exit ${r.exitCode}`;
    const lastLine = (r.exitCode !== 0 ? stderrTail || stdoutTail : stdoutTail).split('\n').filter(Boolean).pop();
    const capText = Object.entries(captures)
      .map(([k, v]) => `${k}=${v === null ? '—' : v}`)
      .join(', ');
    const summary = [ended, capText, lastLine && r.exitCode !== 0 ? `last line: ${lastLine.slice(0, 160)}` : '', escaped]
      .filter(Boolean)
      .join('; ');
    return { result, summary, measured: capText || ended };
  },
};
