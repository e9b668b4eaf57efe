import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveOperator, resolveOperatorAsync } from '../../src/engine/identity.js';
import { tempDir } from '../support/session-fixtures.js';

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir('rt-ident-');
});
afterAll(async () => tmp.cleanup());

describe('resolveOperator', () => {
  it('--as wins, then git user.email (real git), then $USER@hostname', () => {
    const gitconfig = path.join(tmp.dir, 'gitconfig');
    writeFileSync(gitconfig, '[user]\n\temail = dana@example.com\n');
    const base = { PATH: process.env.PATH, HOME: tmp.dir, GIT_CONFIG_NOSYSTEM: '1', USER: 'zed' };
    const withGit = { ...base, GIT_CONFIG_GLOBAL: gitconfig };
    const noGit = { ...base, GIT_CONFIG_GLOBAL: '/dev/null' };
    expect(resolveOperator({ as: ' erin@example.com ', env: withGit, cwd: tmp.dir })).toBe('erin@example.com');
    expect(resolveOperator({ env: withGit, cwd: tmp.dir })).toBe('dana@example.com');
    expect(resolveOperator({ env: noGit, cwd: tmp.dir })).toBe(`zed@${hostname()}`);
    expect(resolveOperator({ env: { ...noGit, PATH: '/nonexistent' }, cwd: tmp.dir })).toBe(`zed@${hostname()}`);
  });

  it('strips control characters so a name cannot paint the terminal', () => {
    expect(resolveOperator({ as: 'mallory\u001b[2J\u0007@x' })).toBe('mallory[2J@x');
  });
});

describe('resolveOperatorAsync', () => {
  it('gives what resolveOperator gives: --as, then git user.email (real git, not blocking), then $USER@hostname', async () => {
    const gitconfig = path.join(tmp.dir, 'gitconfig-async');
    writeFileSync(gitconfig, '[user]\n\temail = dana@example.com\n');
    const base = { PATH: process.env.PATH, HOME: tmp.dir, GIT_CONFIG_NOSYSTEM: '1', USER: 'zed' };
    const withGit = { ...base, GIT_CONFIG_GLOBAL: gitconfig };
    const noGit = { ...base, GIT_CONFIG_GLOBAL: '/dev/null' };
    const cases = [
      { as: ' erin@example.com ', env: withGit, cwd: tmp.dir },
      { as: '\u0007', env: withGit, cwd: tmp.dir },
      { env: withGit, cwd: tmp.dir },
      { env: noGit, cwd: tmp.dir },
      { env: { ...noGit, PATH: '/nonexistent' }, cwd: tmp.dir },
    ];
    const pending = resolveOperatorAsync(cases[2]);
    expect(pending).toBeInstanceOf(Promise);
    for (const c of cases) expect(await resolveOperatorAsync(c)).toBe(resolveOperator(c));
    expect(await pending).toBe('dana@example.com');
    expect(await resolveOperatorAsync(cases[1])).toBe('dana@example.com');
    expect(await resolveOperatorAsync(cases[3])).toBe(`zed@${hostname()}`);
  });
});
