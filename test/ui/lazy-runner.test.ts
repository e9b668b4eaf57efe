import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSession } from '../../src/engine/session.js';
import type { Runner } from '../../src/engine/runner-api.js';
import { createLazyRunner } from '../../src/ui/lazy-runner.js';
import { makeChecklist, tempDir } from '../support/session-fixtures.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function realRunnerLoader(): Promise<{ load: () => Promise<Runner>; loads: () => number }> {
  const { dir, cleanup } = await tempDir('rt-lazy-');
  cleanups.push(cleanup);
  const session = await openSession({
    checklist: makeChecklist('lazy', [{ id: 'a' }, { id: 'b' }]),
    stateDir: path.join(dir, 'state'),
    mode: 'tui',
    vars: {},
    secretVars: [],
    operator: 'alice@example.com',
    owner: true,
  });
  cleanups.push(() => session.close());
  let n = 0;
  return {
    loads: () => n,
    load: async () => {
      n++;
      const { createRunner } = await import('../../src/engine/runner.js');
      return createRunner({ session });
    },
  };
}

describe('createLazyRunner (the runner loads after the first frame; keys wait for it)', () => {
  it('holds keys until the runner is loaded, then applies them in the order typed', async () => {
    const { load, loads } = await realRunnerLoader();
    const lazy = createLazyRunner(load, () => undefined);
    expect(lazy.gate.isOpen()).toBe(false);
    expect(lazy.runner.running()).toEqual([]);
    const seen: string[] = [];
    lazy.gate.hold(() => seen.push('j'));
    lazy.gate.hold(() => seen.push('enter'));
    expect(seen).toEqual([]);
    const real = await lazy.load();
    expect(lazy.gate.isOpen()).toBe(true);
    expect(seen).toEqual(['j', 'enter']);
    // the wrapper now answers from the real runner; loading again gives the same one
    expect(await lazy.load()).toBe(real);
    expect(loads()).toBe(1);
    expect(lazy.runner.describe('a')).toEqual(real.describe('a'));
    expect(lazy.runner.describe('a')).toEqual(['true']);
    expect(lazy.runner.isMutating('a')).toBe(false);
  });

  it('a run asked for before the runner is loaded waits for it and runs', async () => {
    const { load } = await realRunnerLoader();
    const lazy = createLazyRunner(load, () => undefined);
    await lazy.runner.run(['a']);
    expect(lazy.gate.isOpen()).toBe(true);
    expect(lazy.runner.running()).toEqual([]);
  });

  it('when loading fails the keys still go through (q must quit) and the error is reported', async () => {
    const errors: string[] = [];
    const lazy = createLazyRunner(
      () => Promise.reject(new Error('cannot find module')),
      (e) => errors.push((e as Error).message),
    );
    const seen: string[] = [];
    lazy.gate.hold(() => seen.push('q'));
    await expect(lazy.load()).rejects.toThrow('cannot find module');
    expect(seen).toEqual(['q']);
    expect(lazy.gate.isOpen()).toBe(true);
    expect(errors).toEqual(['cannot find module']);
    await expect(lazy.runner.run(['a'])).rejects.toThrow('cannot find module');
  });
});
