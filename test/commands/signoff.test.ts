import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadChecklist } from '../../src/checklist/load.js';
import { KINDS } from '../../src/checks/index.js';
import type { ItemResultData, JournalRecord } from '../../src/engine/events.js';
import { readJournal } from '../../src/engine/journal.js';
import { openSession } from '../../src/engine/session.js';
import { BIN, cli, ensureBuilt } from '../support/cli-run.js';
import { cliSession } from '../support/cli-session.js';
import { allowedLine, genKey, sshVerify, startAgent, type TestAgent } from '../report/helpers/ssh.js';
import { checklistYaml, tempDir, type ItemSpec } from '../support/session-fixtures.js';

const ITEMS: ItemSpec[] = [
  { id: '1' },
  { id: '2', signoff: 'required', signoffRoles: ['security', 'sre'], noSelfApproval: true },
  { id: '3', signoff: 'optional', signoffRoles: ['sre'] },
];

let tmp: { dir: string; cleanup: () => Promise<void> };
let home: string;
let env: NodeJS.ProcessEnv;
let n = 0;

beforeAll(async () => {
  ensureBuilt();
  tmp = await tempDir('rt-signoff-');
  home = path.join(tmp.dir, 'home');
  mkdirSync(home);
  // no agent, no ~/.ssh key, no git identity: the CLI must say so and still record
  env = { PATH: process.env.PATH, HOME: home, USER: 'zed', GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', LANG: 'C.UTF-8' };
});
afterAll(async () => tmp.cleanup());

/** `--sign-key` with a real SSH key of this person (made once): only a signed approval counts */
const made: Record<string, string> = {};
const keyOf = (who: string): string[] => ['--sign-key', (made[who] ??= genKey(home, `${who}-own`).priv)];

const result = (item: string, sha: string): ItemResultData => ({
  item,
  attempt: 1,
  verdict: 'pass',
  summary: 'exit 0',
  durationMs: 5,
  evidence: [{ path: `evidence/${item}/1.log`, sha256: sha, bytes: 4 }],
});

/** A session of a real checklist file, whose items 1–3 were run by runner@example.com. */
async function session(): Promise<{ cwd: string; stateDir: string; dir: string }> {
  const cwd = path.join(tmp.dir, `w${n++}`);
  mkdirSync(cwd);
  const file = path.join(cwd, 'c.yaml');
  writeFileSync(file, checklistYaml('demo', ITEMS));
  const checklist = await loadChecklist(file, KINDS);
  const stateDir = path.join(cwd, '.readiness');
  const s = await openSession({ checklist, stateDir, mode: 'ci', vars: {}, secretVars: [], operator: 'runner@example.com', owner: false });
  for (const id of ['1', '2', '3']) await s.record({ type: 'item.result', data: result(id, `${id}${'a'.repeat(63)}`) });
  await s.close();
  return { cwd, stateDir, dir: s.dir };
}

const records = async (dir: string): Promise<JournalRecord[]> => {
  const j = await readJournal(path.join(dir, 'journal.jsonl'));
  expect(j.problems).toEqual([]);
  return j.records;
};

describe('signoff', () => {
  it('records an approval with the evidence digests of the latest result and prints one line', async () => {
    const s = await session();
    const r = await cli(['signoff', '2', '--decision', 'approve', '--comment', 'ran it twice', '--role', 'sre', '--as', 'bob@example.com', '--no-sign'], { cwd: s.cwd, env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // recorded, never lost, and counting for nothing: an unsigned approval does not pass the item
    expect(r.stdout).toBe('recorded sign-off #4 on 2: APPROVE by bob@example.com (role sre), unsigned — item is now needs-signoff\n');
    const recs = await records(s.dir);
    expect(recs[4]).toMatchObject({
      seq: 4,
      type: 'signoff',
      actor: 'bob@example.com',
      data: { item: '2', decision: 'approve', comment: 'ran it twice', role: 'sre', by: 'bob@example.com', evidence: [`2${'a'.repeat(63)}`] },
    });
    expect((recs[4]!.data as { statement?: unknown }).statement).toBeUndefined();
    // bob's signed approval counts (his unsigned one does not stand in its way)
    const signed = await cli(['signoff', '2', '--decision', 'approve', '--role', 'sre', '--as', 'bob@example.com', ...keyOf('bob')], { cwd: s.cwd, env });
    expect(signed.stderr).toBe('');
    expect(signed.stdout).toMatch(/^recorded sign-off #5 on 2: APPROVE by bob@example.com \(role sre\), signed with SHA256:\S+ \(signoffs\/4-bob@example.com.json\) — item is now pass\n$/);
  });

  it('unknown item: exit 2 listing the items; nothing recorded', async () => {
    const s = await session();
    const r = await cli(['signoff', '9.9', '--decision', 'approve', '--as', 'bob', '--no-sign'], { cwd: s.cwd, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: unknown item "9.9" in checklist demo. Items: 1, 2, 3\n');
    expect(await records(s.dir)).toHaveLength(4);
  });

  it('reject without a comment: exit 2', async () => {
    const s = await session();
    const r = await cli(['signoff', '3', '--decision', 'reject', '--as', 'bob', '--no-sign'], { cwd: s.cwd, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/a rejection needs a reason: --comment/);
    expect(await records(s.dir)).toHaveLength(4);
  });

  it('a role the item does not accept: exit 2 naming the allowed roles', async () => {
    const s = await session();
    const r = await cli(['signoff', '2', '--decision', 'approve', '--role', 'dev', '--as', 'bob', '--no-sign'], { cwd: s.cwd, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: role "dev" may not sign off item 2; allowed roles: security, sre\n');
    const r2 = await cli(['signoff', '2', '--decision', 'approve', '--as', 'bob', '--no-sign'], { cwd: s.cwd, env });
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/one of the roles security, sre: pass --role/);
    // a single allowed role is taken by default
    const r3 = await cli(['signoff', '3', '--decision', 'reject', '--comment', 'not yet', '--as', 'bob', '--no-sign'], { cwd: s.cwd, env });
    expect(r3.code).toBe(0);
    expect(r3.stdout).toMatch(/REJECT by bob \(role sre\).*item is now fail/);
  });

  it('noSelfApproval: the person who ran the item cannot approve it', async () => {
    const s = await session();
    const r = await cli(['signoff', '2', '--decision', 'approve', '--role', 'sre', '--as', 'Runner@Example.com', '--no-sign'], { cwd: s.cwd, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/four-eyes approval \(noSelfApproval\) and Runner@Example.com ran it \(journal #2\)/);
    // rejecting is allowed
    const rj = await cli(['signoff', '2', '--decision', 'reject', '--comment', 'found a bug', '--role', 'sre', '--as', 'runner@example.com', '--no-sign'], { cwd: s.cwd, env });
    expect(rj.code).toBe(0);
  });

  it('the same person cannot approve twice', async () => {
    const s = await session();
    const args = ['signoff', '3', '--decision', 'approve', '--as', 'bob', ...keyOf('bob')];
    expect((await cli(args, { cwd: s.cwd, env })).code).toBe(0);
    const again = await cli(args, { cwd: s.cwd, env });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/bob already approved item 3 \(journal #4\)/);
  });

  it('without a key or agent the sign-off is recorded UNSIGNED with a warning (never lost); identity falls back to $USER@host', async () => {
    const s = await session();
    const r = await cli(['signoff', '3', '--decision', 'approve', '--comment', 'ok'], { cwd: s.cwd, env: { ...env, SSH_AUTH_SOCK: '' } });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^warning: the sign-off was recorded UNSIGNED \(no SSH signature\): .+/);
    const host = (await import('node:os')).hostname();
    expect(r.stdout).toMatch(new RegExp(`^recorded sign-off #4 on 3: APPROVE by zed@${host} .*unsigned`));
    const recs = await records(s.dir);
    expect(recs[4]!.actor).toBe(`zed@${host}`);
  });

  it('--sign-key that cannot sign: exit 2 and nothing recorded', async () => {
    const s = await session();
    const r = await cli(['signoff', '3', '--decision', 'approve', '--as', 'bob', '--sign-key', path.join(home, 'missing')], { cwd: s.cwd, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/could not sign with .*missing: .* — nothing was recorded/);
    expect(await records(s.dir)).toHaveLength(4);
    expect(existsSync(path.join(s.dir, 'signoffs')) ? execFileSync('ls', [path.join(s.dir, 'signoffs')]).toString() : '').toBe('');
  });

  it('--sign-key with a real SSH key: signed statement whose signature ssh-keygen accepts', async () => {
    const s = await session();
    const key = path.join(home, 'dave');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'dave@example.com', '-f', key]);
    const r = await cli(['signoff', '2', '--decision', 'approve', '--comment', 'lgtm', '--role', 'security', '--as', 'dave@example.com', '--sign-key', key], { cwd: s.cwd, env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/APPROVE by dave@example.com \(role security\), signed with SHA256:\S+ \(signoffs\/3-dave@example.com.json\)/);
    const rec = (await records(s.dir))[4]!;
    const st = (rec.data as { statement: { path: string; sigPath: string } }).statement;
    const file = path.join(s.dir, st.path);
    const pub = readFileSync(key + '.pub', 'utf8').split(' ').slice(0, 2).join(' ');
    writeFileSync(path.join(home, 'allowed'), `dave@example.com ${pub}\n`);
    const out = execFileSync('ssh-keygen', ['-Y', 'verify', '-f', path.join(home, 'allowed'), '-I', 'dave@example.com', '-n', 'signoff@readiness-tui', '-s', path.join(s.dir, st.sigPath)], { input: readFileSync(file) }).toString();
    expect(out).toMatch(/Good "signoff@readiness-tui" signature for dave@example.com/);
  });

  it.skipIf(!hasStrace())('the statement and its signature are fsynced (file and directory) before the journal line naming them', async () => {
    const s = await session();
    const key = path.join(home, 'erin');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'erin@example.com', '-f', key]);
    const trace = path.join(tmp.dir, 'signoff.strace');
    // the built CLI under strace: -y names each descriptor's file, -f follows threads (libuv's pool does the fsyncs)
    execFileSync(
      'strace',
      ['-f', '-qq', '-y', '-s', '4096', '-o', trace, '-e', 'trace=fsync,fdatasync,write,pwrite64,writev,pwritev', process.execPath, BIN,
        'signoff', '2', '--decision', 'approve', '--comment', 'synced', '--role', 'security', '--as', 'erin@example.com', '--sign-key', key],
      { cwd: s.cwd, env },
    );
    const lines = readFileSync(trace, 'utf8').split('\n');
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    const journalWrite = at(/(write|pwrite64|writev|pwritev)\(\d+<[^>]*journal\.jsonl>, .*signoffs\/3-erin@example\.com\.json/);
    expect(journalWrite, lines.filter((l) => /journal|signoffs|sync/.test(l)).join('\n')).toBeGreaterThan(0);
    for (const synced of [/signoffs\/3-erin@example\.com\.json>\)/, /signoffs\/3-erin@example\.com\.json\.sig>\)/, /\/signoffs>\)/, new RegExp(`${s.dir.replace(/[.]/g, '\\.')}>\\)`)]) {
      const i = at(new RegExp(`^\\d+ +f(data)?sync\\(\\d+<.*${synced.source}`));
      expect(i, `fsync of ${synced.source}`).toBeGreaterThanOrEqual(0);
      expect(i).toBeLessThan(journalWrite);
    }
  });

  it('session not found: clear exit 2 for --session and for an empty --state-dir', async () => {
    const r = await cli(['signoff', '1', '--decision', 'approve', '--session', path.join(tmp.dir, 'nope'), '--no-sign'], { cwd: tmp.dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: no session at .*nope \(no journal\.jsonl there\)/);
    const r2 = await cli(['signoff', '1', '--decision', 'approve', '--state-dir', path.join(tmp.dir, 'empty'), '--no-sign'], { cwd: tmp.dir, env });
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/^error: no unfinished session in .*empty\/sessions/);
    expect(r2.stderr).not.toMatch(/\n\s+at /);
  });

  it('a tampered journal is refused, naming the line', async () => {
    const s = await session();
    const jp = path.join(s.dir, 'journal.jsonl');
    writeFileSync(jp, readFileSync(jp, 'utf8').replace('"summary":"exit 0"', '"summary":"exit 1"'));
    const r = await cli(['signoff', '3', '--decision', 'approve', '--as', 'bob', '--no-sign', '--session', s.dir], { cwd: s.cwd, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/failed its integrity check \(tampering or corruption\):\n\s+journal\.jsonl:3: prev does not match the sha256 of line 2/);
  });

  it('a replaced checklist.yaml (e.g. roles loosened) is refused', async () => {
    const s = await session();
    const cp = path.join(s.dir, 'checklist.yaml');
    writeFileSync(cp, readFileSync(cp, 'utf8').replace('noSelfApproval: true', 'noSelfApproval: false'));
    const r = await cli(['signoff', '2', '--decision', 'approve', '--role', 'sre', '--as', 'runner@example.com', '--no-sign'], { cwd: s.cwd, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/checklist\.yaml \(sha256 [0-9a-f]{64}\) is not the checklist this session ran/);
    expect(await records(s.dir)).toHaveLength(4);
  });

  it("a second operator's sign-off from another shell shows up live in the owner's store", async () => {
    const cwd = path.join(tmp.dir, `w${n++}`);
    mkdirSync(cwd);
    writeFileSync(path.join(cwd, 'c.yaml'), checklistYaml('demo', ITEMS));
    const checklist = await loadChecklist(path.join(cwd, 'c.yaml'), KINDS);
    const owner = await openSession({ checklist, stateDir: path.join(cwd, '.readiness'), mode: 'tui', vars: {}, secretVars: [], operator: 'alice@example.com', owner: true });
    try {
      await owner.record({ type: 'item.result', data: result('2', 'b'.repeat(64)) });
      const arrived = new Promise<JournalRecord>((resolve) => owner.follow((rec) => resolve(rec)));
      const r = await cli(['signoff', '2', '--decision', 'approve', '--comment', 'four eyes', '--role', 'security', '--as', 'bob@example.com', ...keyOf('bob')], { cwd, env });
      expect(r.code).toBe(0);
      const rec = await arrived;
      expect(rec).toMatchObject({ type: 'signoff', actor: 'bob@example.com' });
      const st = owner.store.store.getState();
      expect(st.items['2']!.signoffs).toMatchObject([{ by: 'bob@example.com', decision: 'approve', stale: false }]);
      expect(st.items['2']!.status).toBe('pass');
      expect(st.messages.at(-1)!.text).toMatch(/sign-off #\d+ on 2: approve by bob@example.com \(signed/);
    } finally {
      await owner.close();
    }
  });

  describe('only what can be approved is approved', () => {
    const GATE: ItemSpec[] = [
      { id: 'f', signoff: 'required' },
      { id: 'e', signoff: 'required' },
      { id: 't', signoff: 'required' },
      { id: 'i', signoff: 'required' },
      { id: 'm', manual: true, dependsOn: ['f', 'e'] },
      { id: 'ok', manual: true, dependsOn: ['p'] },
      { id: 'p', signoff: 'optional' },
    ];
    const outcome = (item: string, verdict: ItemResultData['verdict'], summary: string, hint?: string): ItemResultData => ({
      ...result(item, `${item}${'c'.repeat(63)}`),
      verdict,
      summary,
      ...(verdict === 'error' ? { error: { message: summary, ...(hint ? { hint } : {}) } } : {}),
    });

    /** f failed, e could not run, t timed out, i had nothing to judge, p passed; m (manual) depends on f and e */
    async function gated(): Promise<{ cwd: string; dir: string }> {
      const cwd = path.join(tmp.dir, `w${n++}`);
      mkdirSync(cwd);
      writeFileSync(path.join(cwd, 'c.yaml'), checklistYaml('gate', GATE));
      const checklist = await loadChecklist(path.join(cwd, 'c.yaml'), KINDS);
      const s = await openSession({ checklist, stateDir: path.join(cwd, '.readiness'), mode: 'ci', vars: {}, secretVars: [], operator: 'runner@example.com', owner: false });
      await s.record({ type: 'item.result', data: outcome('f', 'fail', '3 CRITICAL CVEs') });
      await s.record({ type: 'item.result', data: outcome('e', 'error', 'scanner unreachable', 'start the trivy server') });
      await s.record({ type: 'item.result', data: outcome('t', 'timeout', 'timed out after 30s') });
      await s.record({ type: 'item.result', data: outcome('i', 'inconclusive', 'no images scanned') });
      await s.record({ type: 'item.result', data: outcome('p', 'pass', 'exit 0') });
      await s.close();
      return { cwd, dir: s.dir };
    }

    it('approving a fail / error / timeout / inconclusive item: exit 2 saying what to do instead; nothing recorded', async () => {
      const s = await gated();
      const cases: [string, RegExp][] = [
        ['f', /^error: item f cannot be approved: its latest result \(attempt 1\) is FAIL — the check found a problem: 3 CRITICAL CVEs\. Fix it and run the item again \(r in the TUI, or `readiness-tui run FILE --only f`\), or accept the risk with a waiver \(w in the TUI, or `readiness-tui waive f --reason … --expires …`\)\. A rejection is always allowed\.\n$/],
        ['e', /is ERROR — the check could not run: scanner unreachable \(start the trivy server\)\. Fix it/],
        ['t', /is TIMEOUT — the check could not run: timed out after 30s\./],
        ['i', /is INCONCL — the check had nothing to judge: no images scanned\./],
      ];
      for (const [id, msg] of cases) {
        const r = await cli(['signoff', id, '--decision', 'approve', '--as', 'bob@example.com', '--no-sign'], { cwd: s.cwd, env });
        expect(r.code, id).toBe(2);
        expect(r.stderr, id).toMatch(msg);
        expect(r.stdout).toBe('');
      }
      expect(await records(s.dir)).toHaveLength(6);
    });

    it('a rejection of a failed item is always allowed', async () => {
      const s = await gated();
      const r = await cli(['signoff', 'f', '--decision', 'reject', '--comment', 'CVE-2024-1 is exploitable here', '--as', 'bob@example.com', '--no-sign'], { cwd: s.cwd, env });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/REJECT by bob@example.com, unsigned — item is now fail/);
    });

    it('a manual item whose prerequisites did not pass is blocked: approval refused, rejection allowed', async () => {
      const s = await gated();
      const r = await cli(['signoff', 'm', '--decision', 'approve', '--as', 'bob@example.com', '--no-sign'], { cwd: s.cwd, env });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        'error: item m is BLOCKED (depends on f (fail), e (error), which did not pass): it cannot be approved until its ' +
          'prerequisites pass or are waived. Fix and re-run them first. A rejection is always allowed.\n',
      );
      const rj = await cli(['signoff', 'm', '--decision', 'reject', '--comment', 'not before the CVEs are fixed', '--as', 'bob@example.com', '--no-sign'], { cwd: s.cwd, env });
      expect(rj.code).toBe(0);
      expect(rj.stdout).toMatch(/item is now fail$/m);
      // once the prerequisite passes, its dependant can be approved
      const ok = await cli(['signoff', 'ok', '--decision', 'approve', '--as', 'bob@example.com', ...keyOf('bob')], { cwd: s.cwd, env });
      expect(ok.stderr).toBe('');
      expect(ok.stdout).toMatch(/APPROVE by bob@example.com, signed with SHA256:\S+ .* — item is now pass/);
    });

    it('a waived prerequisite unblocks its manual dependant', async () => {
      const s = await gated();
      for (const id of ['f', 'e']) {
        const w = await cli(['waive', id, '--reason', 'compensated by WAF rule 7', '--expires', '7d', '--as', 'carol@example.com'], { cwd: s.cwd, env });
        expect(w.code, w.stderr).toBe(0);
      }
      const r = await cli(['signoff', 'm', '--decision', 'approve', '--as', 'bob@example.com', ...keyOf('bob')], { cwd: s.cwd, env });
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/item is now pass/);
    });
  });

  describe('concurrent approvals (the rules are checked inside the journal lock)', () => {
    const PAIRS = 50;
    const AT_ONCE = 5;

    /** one session with PAIRS items that each need 2 approvals; every item gets one pair of signoff processes */
    async function race(signers: [string, string]): Promise<{ dir: string; results: { item: string; runs: Awaited<ReturnType<typeof cli>>[] }[] }> {
      const items: ItemSpec[] = Array.from({ length: PAIRS }, (_, i) => ({ id: `p${i}`, signoff: 'required', approvals: 2 }));
      const s = await cliSession(path.join(tmp.dir, `race${n++}`), items, { name: 'race' });
      const keys = Object.fromEntries(signers.map((who) => [who, genKey(home, `${who.split('@')[0]}-${n++}`).priv]));
      const results: { item: string; runs: Awaited<ReturnType<typeof cli>>[] }[] = [];
      for (let i = 0; i < PAIRS; i += AT_ONCE) {
        const batch = items.slice(i, i + AT_ONCE).map(async ({ id }) => ({
          item: id,
          runs: await Promise.all(
            signers.map((who) => cli(['signoff', id, '--decision', 'approve', '--as', who, '--sign-key', keys[who]!, '--session', s.dir], { cwd: s.cwd, env, timeoutMs: 60_000 })),
          ),
        }));
        results.push(...(await Promise.all(batch)));
      }
      return { dir: s.dir, results };
    }

    it(`${PAIRS} pairs of same-person approvals at the same instant: one recorded, the other refused clearly; no statement left behind`, async () => {
      const { dir, results } = await race(['alice@example.com', 'alice@example.com']);
      for (const { item, runs } of results) {
        const ok = runs.filter((r) => r.code === 0);
        const refused = runs.filter((r) => r.code === 2);
        expect(ok, `${item}: ${runs.map((r) => r.stderr).join(' | ')}`).toHaveLength(1);
        expect(refused).toHaveLength(1);
        // refused before signing (the other was already in the journal) or inside the journal lock (both signed at once)
        expect(refused[0]!.stderr).toMatch(
          new RegExp(`^error: alice@example\\.com already approved item ${item} \\(journal #\\d+\\); its 2 approvals must come from different people( — nothing was recorded)?\\n$`),
        );
        expect(ok[0]!.stdout).toMatch(new RegExp(`APPROVE by alice@example.com, signed with SHA256:\\S+ .* — item is now needs-signoff`));
      }
      const recs = (await records(dir)).filter((r) => r.type === 'signoff');
      expect(recs).toHaveLength(PAIRS);
      expect(new Set(recs.map((r) => (r.data as { item: string }).item)).size).toBe(PAIRS);
      // exactly the recorded statements (and their signatures) remain, each under its own name
      const files = execFileSync('ls', [path.join(dir, 'signoffs')]).toString().trim().split('\n').sort();
      const named = recs.flatMap((r) => {
        const st = (r.data as { statement: { path: string; sigPath: string } }).statement;
        return [st.path, st.sigPath].map((p) => p.replace(/^signoffs\//, ''));
      });
      expect(files).toEqual(named.sort());
    }, 180_000);

    it(`${PAIRS} pairs by two different people at the same instant: all recorded, every item passes`, async () => {
      const { dir, results } = await race(['alice@example.com', 'bob@example.com']);
      for (const { item, runs } of results) for (const r of runs) expect(r.code, `${item}: ${r.stderr}`).toBe(0);
      const recs = (await records(dir)).filter((r) => r.type === 'signoff');
      expect(recs).toHaveLength(2 * PAIRS);
      const paths = recs.map((r) => (r.data as { statement: { path: string } }).statement.path);
      expect(new Set(paths).size).toBe(2 * PAIRS);
      const st = await (await import('../../src/engine/session.js')).replaySession(dir);
      for (let i = 0; i < PAIRS; i++) expect(st.state.items[`p${i}`]!.status).toBe('pass');
    }, 180_000);
  });

  describe('identity = key', () => {
    const agents: TestAgent[] = [];
    afterAll(async () => {
      for (const a of agents) await a.stop();
    });
    const TEAM: ItemSpec[] = [{ id: 'x', signoff: 'optional' }, { id: 'y', signoff: 'optional' }, { id: 'two', signoff: 'required', approvals: 2 }];

    /** a session, an agent holding alice's key only, and keys for alice, bob and a second key of alice */
    async function setupKeys() {
      const s = await cliSession(path.join(tmp.dir, `id${n++}`), TEAM, { name: 'team' });
      const kdir = path.join(s.cwd, 'keys');
      mkdirSync(kdir);
      const alice = genKey(kdir, 'alice');
      const bob = genKey(kdir, 'bob');
      const alice2 = genKey(kdir, 'alice-laptop');
      const agent = await startAgent(kdir);
      agents.push(agent);
      agent.add(alice);
      const aenv = { ...env, SSH_AUTH_SOCK: agent.sock };
      const fp = (k: { pub: string }) => execFileSync('ssh-keygen', ['-lf', k.pub]).toString().split(' ')[1]!;
      return { s, alice, bob, alice2, aenv, fp };
    }
    const signoff = (s: { cwd: string; dir: string }, item: string, as: string, e: NodeJS.ProcessEnv, extra: string[] = []) =>
      cli(['signoff', item, '--decision', 'approve', '--as', as, '--session', s.dir, ...extra], { cwd: s.cwd, env: e });
    const leftovers = (dir: string) => (existsSync(path.join(dir, 'signoffs')) ? execFileSync('ls', [path.join(dir, 'signoffs')]).toString().trim().split('\n').filter(Boolean) : []);

    it("with a team file: signoff --as bob with alice's key is refused before it is recorded; alice's own is recorded", async () => {
      const { s, alice, bob, aenv, fp } = await setupKeys();
      // the default team file: allowed_signers in the state directory
      writeFileSync(path.join(s.stateDir, 'allowed_signers'), [allowedLine('alice@example.com', alice), allowedLine('bob@example.com', bob)].join('\n') + '\n');
      const r = await signoff(s, 'x', 'bob@example.com', aenv);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        new RegExp(`^error: key ${fp(alice).replace(/[+/]/g, '\\$&')} is not allowed for principal bob@example\\.com \\(team file .*allowed_signers: .*\\) — nothing was recorded\\n$`),
      );
      expect((await records(s.dir)).filter((x) => x.type === 'signoff')).toEqual([]);
      expect(leftovers(s.dir)).toEqual([]);
      const ok = await signoff(s, 'x', 'alice@example.com', aenv);
      expect(ok.stderr).toBe('');
      expect(ok.stdout).toMatch(new RegExp(`APPROVE by alice@example.com, signed with ${fp(alice).replace(/[+/]/g, '\\$&')}`));
      // an explicit --allowed-signers that does not exist is a usage error
      const missing = await signoff(s, 'y', 'alice@example.com', aenv, ['--allowed-signers', path.join(s.cwd, 'nope')]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/--allowed-signers .*nope: no such file/);
    });

    describe('the team file the checklist names (allowedSigners, relative to the checklist file)', () => {
      /** a session of a checklist naming `named`; alice's key in the agent */
      async function namedSetup(named: string) {
        const extra = `allowedSigners: ${named}\n`;
        const s = await cliSession(path.join(tmp.dir, `named${n++}`), TEAM, { name: 'team', extra });
        const kdir = path.join(s.cwd, 'keys');
        mkdirSync(kdir);
        const alice = genKey(kdir, 'alice');
        const bob = genKey(kdir, 'bob');
        const agent = await startAgent(kdir);
        agents.push(agent);
        agent.add(alice);
        const fp = execFileSync('ssh-keygen', ['-lf', alice.pub]).toString().split(' ')[1]!;
        // where the key sits: the last line of the checklist file
        const line = checklistYaml('team', TEAM, extra).split('\n').length - 1;
        return { s, alice, bob, aenv: { ...env, SSH_AUTH_SOCK: agent.sock }, fp, line };
      }

      it("refuses signoff --as bob with alice's key (no state-dir team file: without the checklist's it would be trust on first use)", async () => {
        const { s, alice, bob, aenv, fp } = await namedSetup('team/allowed_signers');
        mkdirSync(path.join(s.cwd, 'team'));
        const team = path.join(s.cwd, 'team', 'allowed_signers');
        writeFileSync(team, [allowedLine('alice@example.com', alice), allowedLine('bob@example.com', bob)].join('\n') + '\n');
        const r = await signoff(s, 'x', 'bob@example.com', aenv);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain(`error: key ${fp} is not allowed for principal bob@example.com (team file ${team}`);
        expect((await records(s.dir)).filter((x) => x.type === 'signoff')).toEqual([]);
        expect(leftovers(s.dir)).toEqual([]);
        const ok = await signoff(s, 'x', 'alice@example.com', aenv);
        expect(ok.code, ok.stderr).toBe(0);
        // --allowed-signers overrides the checklist: this file lets alice's key sign as bob
        const other = path.join(s.cwd, 'other');
        writeFileSync(other, allowedLine('bob@example.com', alice) + '\n');
        const asBob = await signoff(s, 'y', 'bob@example.com', aenv, ['--allowed-signers', other]);
        expect(asBob.code, asBob.stderr).toBe(0);
        expect(asBob.stdout).toContain(`APPROVE by bob@example.com, signed with ${fp}`);
      });

      it('a named file that does not exist: exit 2 naming the key (file:line:col) and the resolved path; nothing recorded', async () => {
        const { s, aenv, line } = await namedSetup('team/missing');
        const file = path.join(s.cwd, 'team.yaml');
        const want = `error: ${file}:${line}:1: allowedSigners team/missing: no such file ${path.join(s.cwd, 'team', 'missing')}`;
        const r = await signoff(s, 'x', 'alice@example.com', aenv);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain(want);
        expect((await records(s.dir)).filter((x) => x.type === 'signoff')).toEqual([]);
        expect(leftovers(s.dir)).toEqual([]);
        // run opens nothing with it
        const before = (await records(s.dir)).length;
        const run = await cli(['run', 'team.yaml', '--ci', '--as', 'alice@example.com', '--state-dir', s.stateDir], { cwd: s.cwd, env: aenv });
        expect(run.code).toBe(2);
        expect(run.stderr).toContain(want);
        expect(await records(s.dir)).toHaveLength(before);
        expect(readdirSync(path.join(s.stateDir, 'sessions'))).toHaveLength(1);
      });
    });

    it('without a team file (trust on first use): the same key as another person, or the same person with another key, is refused', async () => {
      const { s, alice, alice2, aenv, fp } = await setupKeys();
      const first = await signoff(s, 'x', 'alice@example.com', aenv);
      expect(first.code, first.stderr).toBe(0);
      const asBob = await signoff(s, 'y', 'bob@example.com', aenv);
      expect(asBob.code).toBe(2);
      expect(asBob.stderr).toMatch(
        new RegExp(`^error: key ${fp(alice).replace(/[+/]/g, '\\$&')} acted as alice@example.com earlier in this session \\(journal #4\\), so it cannot sign as bob@example.com: one key is one person`),
      );
      const otherKey = await signoff(s, 'y', 'alice@example.com', aenv, ['--sign-key', alice2.priv]);
      expect(otherKey.code).toBe(2);
      expect(otherKey.stderr).toMatch(/alice@example\.com used key SHA256:\S+ earlier in this session \(journal #4\); this key is SHA256:\S+: one person signs with one key/);
      expect((await records(s.dir)).filter((x) => x.type === 'signoff')).toHaveLength(1);
      expect(leftovers(s.dir)).toHaveLength(2);
    });

    it('run --ci records the driver and their key (session.start, every item.start, the signed decision); that key cannot approve the item it ran, under any name', async () => {
      const cwd = path.join(tmp.dir, `run${n++}`);
      mkdirSync(cwd);
      writeFileSync(path.join(cwd, 'c.yaml'), checklistYaml('runs', [{ id: 'r', signoff: 'required', noSelfApproval: true }]));
      const kdir = path.join(cwd, 'keys');
      mkdirSync(kdir);
      const alice = genKey(kdir, 'alice');
      const carol = genKey(kdir, 'carol');
      const agent = await startAgent(kdir);
      agents.push(agent);
      agent.add(alice);
      const aenv = { ...env, SSH_AUTH_SOCK: agent.sock };
      const fp = execFileSync('ssh-keygen', ['-lf', alice.pub]).toString().split(' ')[1]!;
      // one key allowed for two principals: the name does not make it another person
      const team = path.join(cwd, 'team');
      writeFileSync(team, [allowedLine('alice@example.com,ally@example.com', alice), allowedLine('carol@example.com', carol)].join('\n') + '\n');
      const run = await cli(['run', 'c.yaml', '--ci', '--as', 'alice@example.com', '--allowed-signers', team], { cwd, env: aenv });
      expect(run.code, run.stdout + run.stderr).toBe(3); // r waits for its sign-off
      const dir = path.join(cwd, '.readiness', 'sessions', readdirSync(path.join(cwd, '.readiness', 'sessions'))[0]!);
      const recs = await records(dir);
      expect(recs[0]!.data).toMatchObject({ operator: { principal: 'alice@example.com', keyFingerprint: fp } });
      expect(recs.find((x) => x.type === 'item.start')!.data).toMatchObject({ item: 'r', keyFingerprint: fp });
      const dec = recs.find((x) => x.type === 'decision')!;
      expect(dec.data).toMatchObject({ decision: 'INCOMPLETE', by: 'alice@example.com', statement: { keyFingerprint: fp } });
      const v = sshVerify(team, 'alice@example.com', 'signoff@readiness-tui', path.join(dir, (dec.data as { statement: { sigPath: string } }).statement.sigPath), path.join(dir, (dec.data as { statement: { path: string } }).statement.path));
      expect(v.status, v.stderr).toBe(0);
      // alice's key under the other name it is allowed: still the key that ran r
      const self = await signoff({ cwd, dir }, 'r', 'ally@example.com', aenv, ['--allowed-signers', team]);
      expect(self.code).toBe(2);
      expect(self.stderr).toContain(`item r requires four-eyes approval (noSelfApproval) and key ${fp} ran it (journal line 3, as alice@example.com)`);
      expect(leftovers(dir).filter((f) => !f.includes('decision'))).toEqual([]);
      const other = await signoff({ cwd, dir }, 'r', 'carol@example.com', aenv, ['--allowed-signers', team, '--sign-key', carol.priv]);
      expect(other.code, other.stderr).toBe(0);
      expect(other.stdout).toMatch(/item is now pass$/m);
      // with a team file, driving as someone the key is not allowed for opens nothing (exit 2, the journal unchanged)
      const before = (await records(dir)).length;
      const asCarol = await cli(['run', 'c.yaml', '--ci', '--as', 'carol@example.com', '--allowed-signers', team], { cwd, env: aenv });
      expect(asCarol.code).toBe(2);
      expect(asCarol.stderr).toContain(`error: key ${fp} is not allowed for principal carol@example.com (team file ${team}`);
      expect(await records(dir)).toHaveLength(before);
    });

    it('approvals count distinct keys: one key allowed for two principals approves once (the second is refused)', async () => {
      const { s, alice, aenv, fp } = await setupKeys();
      const shared = allowedLine('alice@example.com,bob@example.com', alice);
      writeFileSync(path.join(s.cwd, 'team'), shared + '\n');
      const a = await signoff(s, 'two', 'alice@example.com', aenv, ['--allowed-signers', path.join(s.cwd, 'team')]);
      expect(a.code, a.stderr).toBe(0);
      const b = await signoff(s, 'two', 'bob@example.com', aenv, ['--allowed-signers', path.join(s.cwd, 'team')]);
      expect(b.code).toBe(2);
      expect(b.stderr).toMatch(
        new RegExp(`^error: key ${fp(alice).replace(/[+/]/g, '\\$&')} \\(alice@example.com\\) already approved item two \\(journal #4\\); its 2 approvals must come from different people — nothing was recorded\n$`),
      );
      expect((await records(s.dir)).filter((x) => x.type === 'signoff')).toHaveLength(1);
    });
  });
});

function hasStrace(): boolean {
  try {
    execFileSync('strace', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
