import { spawn } from 'node:child_process';
import { fstatSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openFifos } from '../../src/engine/fifo.js';

function collect(r: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = '';
    r.on('data', (d: Buffer) => (s += d.toString()));
    r.on('end', () => resolve(s));
    r.on('error', reject);
  });
}

describe('openFifos', () => {
  it('gives a child named pipes as stdout and stderr; the readers end when the child is done', async () => {
    const ch = await openFifos(2);
    expect(ch).toHaveLength(2);
    const [out, err] = ch!;
    // the write end is a FIFO (not a socket pair) and its name is already gone
    expect(fstatSync(out!.writeFd).isFIFO()).toBe(true);
    expect(fstatSync(out!.writeFd).nlink).toBe(0);
    const child = spawn('/bin/sh', ['-c', 'echo to-out; echo to-err >&2; head -c 300000 /dev/zero | tr "\\0" x'], {
      stdio: ['ignore', out!.writeFd, err!.writeFd],
    });
    out!.closeWriteEnd();
    err!.closeWriteEnd();
    const [o, e] = await Promise.all([collect(out!.reader), collect(err!.reader)]);
    await new Promise((r) => child.once('exit', r));
    expect(o.startsWith('to-out\n')).toBe(true);
    expect(o.length).toBe('to-out\n'.length + 300000);
    expect(e).toBe('to-err\n');
  });

  it('write ends are close-on-exec: a process started meanwhile does not hold them', async () => {
    const ch = await openFifos(1);
    const [c] = ch!;
    // a long-running process started while our write end is open (no stdio passed to it)
    const bystander = spawn('sleep', ['47.31'], { stdio: 'ignore' });
    c!.closeWriteEnd();
    // no writer left anywhere: the reader ends although the bystander still runs
    await collect(c!.reader);
    expect(bystander.exitCode).toBeNull();
    bystander.kill('SIGKILL');
  });
});
