import { spawn } from 'node:child_process';
import { fstatSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openFifos, type FifoChannel } from '../../src/engine/fifo.js';

/** everything a FIFO reader delivers, copied out of its reused buffer, and how many distinct buffers it used */
function collect(ch: FifoChannel): Promise<{ text: string; memories: number }> {
  return new Promise((resolve, reject) => {
    let text = '';
    const memories = new Set<ArrayBufferLike>();
    const sock = ch.reader((chunk) => {
      memories.add(chunk.buffer);
      text += chunk.toString();
    });
    sock.on('end', () => resolve({ text, memories: memories.size }));
    sock.on('error', reject);
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
    const [o, e] = await Promise.all([collect(out!), collect(err!)]);
    await new Promise((r) => child.once('exit', r));
    expect(o.text.startsWith('to-out\n')).toBe(true);
    expect(o.text.length).toBe('to-out\n'.length + 300000);
    expect(e.text).toBe('to-err\n');
    // 300 KB arrived in several reads, all into the same memory: a flood allocates nothing per read
    expect(o.memories).toBe(1);
  });

  it('write ends are close-on-exec: a process started meanwhile does not hold them', async () => {
    const ch = await openFifos(1);
    const [c] = ch!;
    // a long-running process started while our write end is open (no stdio passed to it)
    const bystander = spawn('sleep', ['47.31'], { stdio: 'ignore' });
    c!.closeWriteEnd();
    // no writer left anywhere: the reader ends although the bystander still runs
    await collect(c!);
    expect(bystander.exitCode).toBeNull();
    bystander.kill('SIGKILL');
  });
});
