/**
 * The repository carries everything its tests, scripts and build read: no file under src/, test/ or scripts/ names a
 * place outside it (a relative path up to the `shared` folder beside the checkout, or an absolute path of the machine it was written on). A fresh
 * clone anywhere must pass on its own.
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/fixtures.js';

function filesUnder(dir: string): string[] {
  return readdirSync(path.join(repoRoot, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(repoRoot, path.join(e.parentPath, e.name)));
}

/** what must not be named: the folder beside the repository, and this checkout's own absolute location */
function forbidden(): { what: string; re: RegExp }[] {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const out = [
    { what: 'the shared folder beside the repository (a path up and into shared/)', re: /(?:^|[^\w.])\.\.\/(?:\.\.\/)*shared\// },
    { what: 'an absolute /work/ path', re: /(?<![\w.])\/work\/[\w.-]/ },
    { what: 'this checkout’s absolute path', re: new RegExp(esc(repoRoot)) },
  ];
  const home = os.homedir();
  if (home.length > 1) out.push({ what: 'the home directory of the machine', re: new RegExp(`${esc(home)}/`) });
  return out;
}

describe('the repository is self-contained', () => {
  it('no file under src/, test/ or scripts/ names the shared folder beside the repository or an absolute path of this machine', () => {
    const rules = forbidden();
    const found: string[] = [];
    const files = ['src', 'test', 'scripts'].flatMap(filesUnder);
    expect(files.length).toBeGreaterThan(100);
    for (const f of files) {
      const text = readFileSync(path.join(repoRoot, f), 'utf8');
      text.split('\n').forEach((line, i) => {
        for (const r of rules) if (r.re.test(line)) found.push(`${f}:${i + 1}: ${r.what}: ${line.trim().slice(0, 120)}`);
      });
    }
    expect(found).toEqual([]);
  });

  it('the guard finds what it is there to find', () => {
    const [shared, work] = forbidden();
    // the samples are put together here so that this file does not name them itself
    const up = '..' + '/';
    expect(shared!.re.test(`path.resolve(repo, '${up}shared/seed/x.txt')`)).toBe(true);
    expect(shared!.re.test(`'${up.repeat(4)}shared/fixtures/a.json'`)).toBe(true);
    expect(shared!.re.test('a shared/ folder of our own')).toBe(false);
    expect(work!.re.test(`const f = '${'/wo' + 'rk/'}main/x'`)).toBe(true);
    expect(work!.re.test('homework/x')).toBe(false);
  });

  it('every fixture folder says where its data came from', () => {
    const dirs = readdirSync(path.join(repoRoot, 'test/fixtures'), { withFileTypes: true }).filter((d) => d.isDirectory());
    expect(dirs.length).toBeGreaterThanOrEqual(10);
    for (const d of dirs) expect(readFileSync(path.join(repoRoot, 'test/fixtures', d.name, 'PROVENANCE.txt'), 'utf8').length, d.name).toBeGreaterThan(40);
  });
});
