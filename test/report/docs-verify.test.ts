/** The standard-tool commands in docs/verify.md are run, verbatim, against a real signed bundle. */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSignedBundle, type Fixture } from './helpers/bundle.js';
import { withoutTool } from '../support/tools.js';

const DOC = path.resolve(import.meta.dirname, '../../docs/verify.md');
const noJq = withoutTool('jq', spawnSync('jq', ['--version']).status === 0, 'apt-get install -y jq');

let root: string;
let fx: Fixture;
let script: string;

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'rt-docs-'));
  fx = await makeSignedBundle(root);
  const doc = readFileSync(DOC, 'utf8');
  const section = doc.slice(doc.indexOf('## With standard tools'));
  script = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
}, 120_000);
afterAll(async () => {
  await fx?.session.close();
  rmSync(root, { recursive: true, force: true });
});

function run(bundle: string) {
  const body = script
    .replace('cd reports/readiness/<bundle>', `cd ${JSON.stringify(bundle)}`)
    .replace('AS=/path/to/trusted/allowed_signers', `AS=${JSON.stringify(fx.allowed)}`);
  return spawnSync('bash', ['-c', body], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
}

describe.skipIf(noJq)('docs/verify.md standard-tool commands (need jq)', () => {
  it('accept a good bundle', () => {
    const r = run(fx.result.dir);
    const out = r.stdout + r.stderr;
    expect(r.status, out).toBe(0);
    expect(out).toContain('Good "report@readiness-tui" signature for captain@example.com');
    expect(out.match(/Good "signoff@readiness-tui" signature for bob@example.com/g)).toHaveLength(2);
    expect(out).not.toMatch(/FAILED|chain broken|incorrect/);
  });

  it('catch an edited journal line', () => {
    const d = path.join(root, 'tampered');
    cpSync(fx.result.dir, d, { recursive: true });
    const j = path.join(d, 'journal.jsonl');
    writeFileSync(j, readFileSync(j, 'utf8').replace('"verdict":"fail"', '"verdict":"pass"'));
    const out = (({ stdout, stderr }) => stdout + stderr)(run(d));
    expect(out).toMatch(/journal\.jsonl: FAILED/);
    expect(out).toMatch(/journal\.jsonl:\d+: chain broken/);
  });
});
