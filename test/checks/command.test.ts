import { describe, expect, it } from 'vitest';
import { command } from '../../src/checks/command.js';
import { CheckError } from '../../src/checks/contract.js';
import { basicContext, runKind } from '../support/check-context-basic.js';

describe('command kind', () => {
  it('runs a shell line, streams output to ctx.write and documents the result', async () => {
    const ctx = await basicContext();
    try {
      const out = await runKind(command, { run: 'echo hello; echo oops >&2; printf "no newline"' }, ctx);
      expect(out.result).toMatchObject({ exitCode: 0, signal: null, lines: 3, captures: {} });
      expect(out.result.stdoutTail).toBe('hello\nno newline');
      expect(out.result.stderrTail).toBe('oops');
      const written = ctx.written.map((w) => w.chunk).join('');
      expect(written).toContain('hello\n');
      expect(written).toContain('oops\n');
      expect(out.summary).toContain('exit 0');
    } finally {
      await ctx.dispose();
    }
  });

  it('captures named values (last match, numbers) and counts matching lines', async () => {
    const ctx = await basicContext();
    try {
      const script = [
        'echo "PASS db"',
        'echo "Total recovery time: 1200"',
        'echo "PASS cache"',
        'echo "FAIL queue" >&2',
        'echo "Total recovery time: 734"',
        'echo "phase: restore"',
      ].join('; ');
      const out = await runKind(
        command,
        {
          run: script,
          capture: { recoverySeconds: 'Total recovery time: (\\d+)', phase: 'phase: (\\w+)', missing: 'nope (\\d+)' },
          count: { passLines: '^PASS', failLines: '^FAIL' },
        },
        ctx,
      );
      expect(out.result.captures).toEqual({ recoverySeconds: 734, phase: 'restore', missing: null, passLines: 2, failLines: 1 });
    } finally {
      await ctx.dispose();
    }
  });

  it('parses stdout as JSON when it is JSON, runs argv without a shell, honours cwd and env', async () => {
    const ctx = await basicContext();
    try {
      const out = await runKind(
        command,
        { argv: ['node', '-e', 'console.log(JSON.stringify({cwd: process.cwd(), v: process.env.RT_X}))'], cwd: '.', env: { RT_X: 'y' } },
        ctx,
      );
      expect(out.result.json).toEqual({ cwd: ctx.cwd, v: 'y' });
      const plain = await runKind(command, { run: 'echo not json' }, ctx);
      expect(plain.result.json).toBeNull();
    } finally {
      await ctx.dispose();
    }
  });

  it('reports a non-zero exit with the last line in the summary', async () => {
    const ctx = await basicContext();
    try {
      const out = await runKind(command, { run: 'echo working; echo "disk full" >&2; exit 3' }, ctx);
      expect(out.result.exitCode).toBe(3);
      expect(out.summary).toContain('exit 3');
      expect(out.summary).toContain('disk full');
    } finally {
      await ctx.dispose();
    }
  });

  it('a missing program is an error with a hint, not a failure (argv and shell)', async () => {
    const ctx = await basicContext();
    try {
      const e1 = await runKind(command, { argv: ['rt-no-such-tool', '--x'] }, ctx).catch((e) => e);
      expect(e1).toBeInstanceOf(CheckError);
      expect(e1.message).toContain('command not found: rt-no-such-tool');
      expect(e1.hint).toContain('PATH');
      const e2 = await runKind(command, { run: 'rt-no-such-tool --x' }, ctx).catch((e) => e);
      expect(e2).toBeInstanceOf(CheckError);
      expect(e2.message).toBe('command not found: rt-no-such-tool');
      const e3 = await runKind(command, { run: 'true', cwd: 'no/such/dir' }, ctx).catch((e) => e);
      expect(e3).toBeInstanceOf(CheckError);
      expect(e3.message).toContain('working directory not found');
    } finally {
      await ctx.dispose();
    }
  });

  it("its own timeout kills the command and rejects with a TimeoutError", async () => {
    const ctx = await basicContext();
    try {
      const t0 = Date.now();
      const err = await runKind(command, { run: 'sleep 30', timeout: '300ms' }, { ...ctx, killGraceMs: 200 }).catch((e) => e);
      expect((err as Error).name).toBe('TimeoutError');
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      await ctx.dispose();
    }
  });

  it('validates its parameters', () => {
    expect(command.params.safeParse({ run: 'x', argv: ['y'] }).success).toBe(false);
    expect(command.params.safeParse({}).success).toBe(false);
    expect(command.params.safeParse({ run: 'x', capture: { a: '(' } }).success).toBe(false);
    expect(command.params.safeParse({ run: 'x', timeout: 'soon' }).success).toBe(false);
    expect(command.params.safeParse({ run: 'x', bogus: 1 }).success).toBe(false);
    expect(command.params.safeParse({ run: 'x', timeout: '5m', capture: { a: '(\\d+)' } }).success).toBe(true);
    expect(command.describe(command.params.parse({ argv: ['kubectl', 'get', 'pods', '-l', 'app=a b'] }), {})).toBe(
      "kubectl get pods -l 'app=a b'",
    );
  });
});
