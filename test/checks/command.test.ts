import { describe, expect, it } from 'vitest';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { command } from '../../src/checks/command.js';
import { CheckError } from '../../src/checks/contract.js';
import { sanitizeLine } from '../../src/process/sanitize.js';
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

describe('command kind: values, tails, summaries and errors, exactly', () => {
  it('captures: numbers only when the whole (trimmed) text is numeric; a regex without a group captures the match; a last line without a newline counts', async () => {
    const ctx = await basicContext();
    try {
      const out = await runKind(
        command,
        {
          run: "echo 'a= 12 '; echo 'b=-3.5'; echo 'c=1.'; echo 'd=12x'; echo 'e=x12'; echo 'f=-'; printf 'ERROR tail'",
          capture: { a: 'a=(.*)', b: 'b=(.*)', c: 'c=(.*)', d: 'd=(.*)', e: 'e=(.*)', f: 'f=(.*)', whole: 'ERR\\w+', tail: 'ERROR (\\w+)' },
          count: { errors: '^ERROR' },
        },
        ctx,
      );
      expect(out.result.captures).toEqual({ a: 12, b: -3.5, c: '1.', d: '12x', e: 'x12', f: '-', whole: 'ERROR', tail: 'tail', errors: 1 });
      expect(out.measured).toBe('a=12, b=-3.5, c=1., d=12x, e=x12, f=-, whole=ERROR, tail=tail, errors=1');
      expect(out.summary).toBe('exit 0; a=12, b=-3.5, c=1., d=12x, e=x12, f=-, whole=ERROR, tail=tail, errors=1');
      const none = await runKind(command, { run: 'echo nothing', capture: { v: 'v=(\\d+)' } }, ctx);
      expect(none.measured).toBe('v=—');
      expect(none.result.captures).toEqual({ v: null });
      const kept = await runKind(command, { run: "echo 'v= x '" , capture: { v: 'v=(.*)' } }, ctx);
      expect(kept.result.captures).toEqual({ v: ' x ' });
    } finally {
      await ctx.dispose();
    }
  });

  it('decimals, JSON from stdout only, a bare number is no JSON, stderr without a final newline, a failure that merely says "No such file"', async () => {
    const ctx = await basicContext();
    try {
      const dec = await runKind(command, { run: "echo 'g=1.25'", capture: { g: 'g=(.*)' } }, ctx);
      expect(dec.result.captures).toEqual({ g: 1.25 });
      // the JSON is stdout's alone, whatever the command says on stderr
      const both = await runKind(command, { run: `echo '{"ok": true}'; echo 'a warning' >&2` }, ctx);
      expect(both.result.json).toEqual({ ok: true });
      const bare = await runKind(command, { run: 'echo 42' }, ctx);
      expect(bare.result.json).toBeNull();
      const noNewline = await runKind(command, { run: "printf 'a\\nb' >&2" }, ctx);
      expect(noNewline.result).toMatchObject({ lines: 2, stderrTail: 'a\nb' });
      // only exit 126/127 from the shell is "not found / not executable": exit 1 with such words is a result
      const own = await runKind(command, { run: "echo 'cat: x: No such file or directory' >&2; exit 1" }, ctx);
      expect(own.result.exitCode).toBe(1);
      expect(own.summary).toBe('exit 1; last line: cat: x: No such file or directory');
      // nothing left the process group: no line says so
      expect(ctx.lines.filter((l) => l.line.includes('still running'))).toEqual([]);
    } finally {
      await ctx.dispose();
    }
  });

  it('tails keep the last 50 lines of a long output (one big chunk, then many small ones), CRLF and long lines handled', async () => {
    const ctx = await basicContext();
    try {
      const js = [
        "process.stdout.write('x'.repeat(20000) + '\\n');",
        "for (let i = 1; i <= 700; i++) process.stdout.write('line ' + i + '\\r\\n');",
        "process.stderr.write('e'.repeat(600) + '\\n');",
      ].join(' ');
      const out = await runKind(command, { argv: [process.execPath, '-e', js] }, ctx);
      expect(out.result.stdoutTail).toBe(Array.from({ length: 50 }, (_, i) => `line ${651 + i}`).join('\n'));
      expect(out.result.stderrTail).toBe(sanitizeLine('e'.repeat(600), 500));
      expect((out.result.stderrTail as string).length).toBeLessThan(600);
      expect(out.result.lines).toBe(702);
      const big = await runKind(command, { argv: [process.execPath, '-e', "process.stdout.write('a\\n' + 'y'.repeat(40000))"] }, ctx);
      expect(big.result.stdoutTail).toBe(sanitizeLine('y'.repeat(16384), 500));
      expect(big.result.lines).toBe(2);
      expect(big.result.json).toBeNull();
    } finally {
      await ctx.dispose();
    }
  });

  it('json: arrays and objects up to 1 MiB; text that is not JSON, or more than 1 MiB, is null', async () => {
    const ctx = await basicContext();
    try {
      const arr = await runKind(command, { run: "echo '  [1, 2]'" }, ctx);
      expect(arr.result.json).toEqual([1, 2]);
      const broken = await runKind(command, { run: "echo '{\"a\": '" }, ctx);
      expect(broken.result.json).toBeNull();
      const empty = await runKind(command, { run: 'true' }, ctx);
      expect(empty.result).toMatchObject({ json: null, lines: 0, stdoutTail: '', stderrTail: '' });
      const huge = await runKind(command, { argv: [process.execPath, '-e', "process.stdout.write(JSON.stringify({ pad: 'z'.repeat(1024 * 1024) }))"] }, ctx);
      expect(huge.result.json).toBeNull();
      const near = await runKind(command, { argv: [process.execPath, '-e', "process.stdout.write(JSON.stringify({ pad: 'z'.repeat(1024 * 1024 - 11) }))"] }, ctx);
      expect((near.result.json as { pad: string }).pad).toHaveLength(1024 * 1024 - 11);
    } finally {
      await ctx.dispose();
    }
  });

  it('the summary: the last stderr line (else stdout) of a failed command, cut at 160; none when it passed; a signal', async () => {
    const ctx = await basicContext();
    try {
      const failed = await runKind(command, { run: `echo out; echo '${'w'.repeat(200)}' >&2; echo >&2; exit 4` }, ctx);
      expect(failed.summary).toBe(`exit 4; last line: ${'w'.repeat(160)}`);
      expect(failed.measured).toBe('exit 4');
      const onlyOut = await runKind(command, { run: 'echo first; echo second; exit 1' }, ctx);
      expect(onlyOut.summary).toBe('exit 1; last line: second');
      const passed = await runKind(command, { run: 'echo fine; echo warn >&2' }, ctx);
      expect(passed.summary).toBe('exit 0');
      const silent = await runKind(command, { run: 'exit 2' }, ctx);
      expect(silent.summary).toBe('exit 2');
      const killed = await runKind(command, { run: 'echo bye; kill -TERM $$' }, ctx);
      expect(killed.result).toMatchObject({ exitCode: null, signal: 'SIGTERM' });
      expect(killed.summary).toBe('killed by SIGTERM; last line: bye');
      expect(killed.measured).toBe('killed by SIGTERM');
    } finally {
      await ctx.dispose();
    }
  });

  it('shell exit 127/126 with the shell\'s message is an error naming the command; the same codes without it are results', async () => {
    const ctx = await basicContext();
    try {
      await writeFile(path.join(ctx.cwd, 'plain.sh'), 'echo hi\n');
      const e126 = await runKind(command, { run: './plain.sh' }, ctx).catch((e) => e);
      expect(e126).toBeInstanceOf(CheckError);
      expect(e126.message).toBe('command not executable: ./plain.sh');
      expect(e126.hint).toBe('make the script executable (chmod +x) or run it with its interpreter');
      const e127 = await runKind(command, { run: './missing.sh' }, ctx).catch((e) => e);
      expect(e127.message).toBe('command not found: ./missing.sh');
      expect(e127.hint).toBe('install the tool, fix PATH, or fix the path in the checklist');
      const bash = await runKind(command, { run: "echo 'bash: line 3: rt-tool: command not found' >&2; exit 127" }, ctx).catch((e) => e);
      expect(bash.message).toBe('command not found: rt-tool');
      const odd = await runKind(command, { run: "echo 'something: not found here' >&2; exit 127" }, ctx).catch((e) => e);
      expect(odd.message).toBe('command not found: something: not found here');
      const own = await runKind(command, { run: "echo 'tests failed' >&2; exit 127" }, ctx);
      expect(own.result.exitCode).toBe(127);
      const own126 = await runKind(command, { run: 'exit 126' }, ctx);
      expect(own126.result.exitCode).toBe(126);
      const argv = await runKind(command, { argv: ['sh', '-c', "echo 'x: not found' >&2; exit 127"] }, ctx);
      expect(argv.result.exitCode).toBe(127);
      const cantExec = await runKind(command, { run: "echo 'sh: 1: ./y: cannot execute binary file' >&2; exit 126" }, ctx).catch((e) => e);
      expect(cantExec.message).toBe('command not executable: ./y');
    } finally {
      await ctx.dispose();
    }
  });

  it('argv: a program path that is not executable, or missing, is an error with its own hint', async () => {
    const ctx = await basicContext();
    try {
      const f = path.join(ctx.cwd, 'tool');
      await writeFile(f, '#!/bin/sh\n');
      await chmod(f, 0o644);
      const eacces = await runKind(command, { argv: [f] }, ctx).catch((e) => e);
      expect(eacces.message).toBe(`not executable: ${f}`);
      expect(eacces.hint).toBe(`chmod +x ${f}`);
      const missing = await runKind(command, { argv: [path.join(ctx.cwd, 'nope')] }, ctx).catch((e) => e);
      expect(missing.message).toBe(`command not found: ${path.join(ctx.cwd, 'nope')}`);
      expect(missing.hint).toBe('check the path in the checklist (or the variable that sets it)');
      const onPath = await runKind(command, { argv: ['rt-no-such-tool'] }, ctx).catch((e) => e);
      expect(onPath.hint).toBe('install it or add its directory to PATH');
      const through = await runKind(command, { argv: [path.join(f, 'x')] }, ctx).catch((e) => e);
      expect(through).toBeInstanceOf(CheckError);
      expect(through.message.startsWith(`could not start ${path.join(f, 'x')}: `)).toBe(true);
      expect(through.message).toContain('ENOTDIR');
      const cwdFile = await runKind(command, { run: 'true', cwd: 'tool' }, ctx).catch((e) => e);
      expect(cwdFile.message).toBe(`working directory not found: ${f}`);
      expect(cwdFile.hint).toBe('fix `cwd` in the check or create the directory');
    } finally {
      await ctx.dispose();
    }
  });

  it('processes that leave the group are named in the summary (one and several)', async () => {
    const ctx = await basicContext();
    // each escapee leads its own session (setsid) and touches a flag once it is out of the group; the shell waits for it
    const escape = (flag: string) => `setsid sh -c "touch ${flag}; exec sleep 30" >/dev/null 2>&1 </dev/null & while [ ! -e ${flag} ]; do sleep 0.05; done`;
    const pids = (s: string) => s.replace(/^.*pids? /, '').split(', ').map(Number);
    try {
      const one = await runKind(command, { run: escape('f1') }, ctx);
      expect(one.summary).toMatch(/^exit 0; 1 process left its process group: pid \d+$/);
      for (const p of pids(one.summary)) process.kill(-p, 'SIGKILL');
      const two = await runKind(command, { run: `${escape('f2')}; ${escape('f3')}` }, ctx);
      expect(two.summary).toMatch(/^exit 0; 2 processes left their process group: pids \d+, \d+$/);
      expect(ctx.lines.map((l) => l.line)).toContain(`${two.summary.slice('exit 0; '.length)} (still running, not stopped with the check)`);
      for (const p of pids(two.summary)) process.kill(-p, 'SIGKILL');
    } finally {
      await ctx.dispose();
    }
  });
});
