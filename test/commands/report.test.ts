import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ensureBuilt } from '../support/cli-run.js';
import { checklistYaml } from '../support/session-fixtures.js';
import { readJournal } from '../../src/engine/journal.js';
import type { Session } from '../../src/engine/session-api.js';
import type { ReportModel } from '../../src/report/model.js';
import { isolatedEnv } from '../report/helpers/bundle.js';
import { CAPTAIN, decide, runShopSession } from '../report/helpers/session.js';
import { genKey, sshVerify, allowedLine } from '../report/helpers/ssh.js';

let root: string;
let session: Session;

beforeAll(async () => {
  ensureBuilt();
  root = mkdtempSync(path.join(os.tmpdir(), 'rt-cmd-report-'));
  session = await runShopSession(path.join(root, 'work'), 'secret-value-123', { only: ['1.1', '1.2'] });
}, 120_000);
afterAll(async () => {
  await session?.close();
  rmSync(root, { recursive: true, force: true });
});

const lastLine = (s: string) => s.trimEnd().split('\n').pop()!;

describe('readiness-tui report', () => {
  it('writes an INTERIM bundle before the decision and prints its path on the last line', async () => {
    const r = await cli(['report', '--session', session.dir, '--out', path.join(root, 'reports'), '--no-sign'], { cwd: root, env: isolatedEnv(root) });
    expect(r.code, r.stderr).toBe(0);
    const dir = lastLine(r.stdout);
    expect(dir).toMatch(new RegExp(`${path.join(root, 'reports', 'readiness').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/\\d{8}T\\d{6}Z-shop-`));
    expect(r.stderr).toMatch(/warning: the bundle is UNSIGNED: written unsigned on request \(--no-sign\)/);
    const m = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as ReportModel;
    expect(m.bundle.interim).toBe(true);
    expect(m.decision.decision).toBe('INCOMPLETE');
    expect(readFileSync(path.join(dir, 'report.html'), 'utf8')).toContain('INTERIM report');
    expect(existsSync(path.join(root, 'reports', 'production-readiness.html'))).toBe(true);
    const j = await readJournal(path.join(session.dir, 'journal.jsonl'));
    expect(j.records.at(-1)).toMatchObject({ type: 'report.generated', data: { path: dir, signed: false, interim: true } });
  });

  it('signs the final bundle with --sign-key/--signer so plain ssh-keygen verifies it', async () => {
    await decide(session, true);
    const key = genKey(root, 'captain');
    const r = await cli(['report', '--session', session.dir, '--out', path.join(root, 'final'), '--sign-key', key.priv, '--signer', CAPTAIN], { cwd: root, env: isolatedEnv(root) });
    expect(r.code, r.stderr).toBe(0);
    const dir = lastLine(r.stdout);
    expect(r.stdout).toMatch(/signed by captain@example.com with SHA256:/);
    const m = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as ReportModel;
    expect(m.bundle.interim).toBe(false);
    const as = path.join(root, 'as');
    writeFileSync(as, allowedLine(CAPTAIN, key) + '\n');
    expect(sshVerify(as, CAPTAIN, 'report@readiness-tui', path.join(dir, 'SHA256SUMS.sig'), path.join(dir, 'SHA256SUMS')).status).toBe(0);
  });

  it('says clearly when a key cannot be used, and still writes the bundle', async () => {
    const r = await cli(['report', '--session', session.dir, '--out', path.join(root, 'nokey'), '--sign-key', path.join(root, 'missing-key'), '--signer', CAPTAIN], { cwd: root, env: isolatedEnv(root) });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`warning: the bundle is UNSIGNED: signing key ${path.join(root, 'missing-key')} not found`);
    expect(existsSync(path.join(lastLine(r.stdout), 'SHA256SUMS'))).toBe(true);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('exits 2 with a clear message when there is no session', async () => {
    const r = await cli(['report', '--session', path.join(root, 'nowhere')], { cwd: root, env: isolatedEnv(root) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no session at .*nowhere: journal.jsonl not found/);
    const r2 = await cli(['report', '--state-dir', path.join(root, 'empty-state')], { cwd: root, env: isolatedEnv(root) });
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/no session found in .*empty-state.*pass --session DIR/);
  });

  it('without --session: names the session it reports on, and refuses to guess between unfinished ones', async () => {
    const cwd = path.join(root, 'pick');
    mkdirSync(cwd);
    const env = isolatedEnv(root);
    const out = path.join(root, 'pick-out');
    const sessions = () => readdirSync(path.join(cwd, '.readiness', 'sessions')).filter((n) => !n.endsWith('.lock')).sort();
    const runOf = async (name: string, only?: string) => {
      writeFileSync(path.join(cwd, `${name}.yaml`), checklistYaml(name, [{ id: '1' }, { id: '2' }]));
      const before = existsSync(path.join(cwd, '.readiness', 'sessions')) ? sessions() : [];
      const r = await cli(['run', `${name}.yaml`, '--ci', '--new', '--as', 'runner@example.com', ...(only ? ['--only', only] : [])], { cwd, env });
      expect(r.code, r.stderr).toBe(only ? 3 : 0); // INCOMPLETE while an item has not run, GO when all passed
      // the new one, by set difference: two ids made in the same second sort by their random suffix
      const added = sessions().filter((n) => !before.includes(n));
      expect(added).toHaveLength(1);
      return added[0]!;
    };
    const done = await runOf('alpha'); // finished: GO
    const one = await cli(['report', '--no-sign', '--out', out], { cwd, env });
    expect(one.code, one.stderr).toBe(0);
    expect(one.stderr).toContain(`report of the latest session ${done} (checklist alpha, no driver now, started `);
    expect(lastLine(one.stdout)).toContain(done);
    const a = await runOf('beta', '1'); // unfinished: 2 not run
    const open1 = await cli(['report', '--no-sign', '--out', out], { cwd, env });
    expect(open1.code, open1.stderr).toBe(0);
    expect(open1.stderr).toContain(`report of the unfinished session ${a} (checklist beta`);
    const b = await runOf('gamma', '1');
    const two = await cli(['report', '--no-sign', '--out', out], { cwd, env });
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(new RegExp(`2 unfinished sessions in .* — say which one with --session DIR:\\n  ${a} \\(checklist beta.*\\n  ${b} \\(checklist gamma`));
  });
});
