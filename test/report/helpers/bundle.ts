/** A signed bundle of a finished shop session, made the way the CLI makes it (real keys, real runner). */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { writeReportBundle } from '../../../src/report/bundle.js';
import { canonicalJson, hashLine } from '../../../src/engine/journal.js';
import type { JournalRecord } from '../../../src/engine/events.js';
import { findItem } from '../../../src/engine/decide.js';
import { recordSignedAct } from '../../../src/engine/signed-act.js';
import { recordWaiver } from '../../../src/engine/waiver.js';
import type { ReportResult } from '../../../src/report/bundle-api.js';
import type { Session } from '../../../src/engine/session-api.js';
import { allowedLine, genKey, type TestKey } from './ssh.js';
import { CAPTAIN, runShopSession, signoffAs } from './session.js';

export const CANARY = 'CANARY-s3cr3t-9f8e7d6c';

export interface Fixture {
  root: string;
  captain: TestKey;
  bob: TestKey;
  evil: TestKey;
  allowed: string;
  session: Session;
  result: ReportResult;
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
}

export function isolatedEnv(root: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, HOME: path.join(root, 'home'), GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', ...extra };
  if (!('SSH_AUTH_SOCK' in extra)) delete e.SSH_AUTH_SOCK;
  // the CLI skips main() under VITEST: children get a clean environment
  for (const k of Object.keys(e)) if (k.startsWith('VITEST') || k === 'NODE_OPTIONS') delete e[k];
  return e;
}

/**
 * A bundle's journal rewritten as a forger would: `edit` changes, adds or removes records, then every record gets its
 * seq and `prev` again, so the hash chain is whole.
 */
export function rewriteJournal<R extends Pick<JournalRecord, 'seq' | 'prev'> = JournalRecord>(dir: string, edit: (records: R[]) => void): void {
  const file = path.join(dir, 'journal.jsonl');
  const records = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as R);
  edit(records);
  let prev: string | null = null;
  const lines = records.map((r, seq) => {
    const line = canonicalJson({ ...r, seq, prev });
    prev = hashLine(line);
    return line;
  });
  writeFileSync(file, lines.join('\n') + '\n');
}

/**
 * A finished session: bob approves 1.2 and 2.1 (unless `skipSignoffOn` names one), 2.3 is waived, the decision is
 * final and signed; the bundle is signed by the captain.
 */
export async function makeSignedBundle(root: string, o: { skipSignoffOn?: string; waiverExpires?: string; outDir?: string } = {}): Promise<Fixture> {
  mkdirSync(path.join(root, 'home'), { recursive: true });
  const keys = path.join(root, 'keys');
  mkdirSync(keys, { recursive: true });
  const captain = genKey(keys, 'captain');
  const bob = genKey(keys, 'bob');
  const evil = genKey(keys, 'evil');
  const allowed = path.join(root, 'allowed_signers');
  writeFileSync(
    allowed,
    [
      allowedLine(CAPTAIN, captain, 'report@readiness-tui,signoff@readiness-tui'),
      allowedLine('bob@example.com', bob, 'signoff@readiness-tui'),
    ].join('\n') + '\n',
  );
  const env = (extra: NodeJS.ProcessEnv = {}) => isolatedEnv(root, extra);
  const session = await runShopSession(path.join(root, 'work'), CANARY);
  for (const item of ['1.2', '2.1'])
    if (item !== o.skipSignoffOn) await signoffAs(session, item, 'bob@example.com', bob, { env: env(), comment: 'ok | fine @team' });
  // the captain's waiver, signed with the captain's key and bound to 2.3's evidence
  const evidence = (session.store.store.getState().items['2.3']!.result?.evidence ?? []).map((e) => e.sha256);
  const waiver = { item: '2.3', reason: 'known issue, fix in next sprint', expires: o.waiverExpires ?? '2099-01-01', by: CAPTAIN, evidence };
  await recordWaiver(session, { data: waiver, item: findItem(session.checklist, '2.3') }, { sign: true, signKey: captain.priv, env: env() });
  // the final decision, signed by the captain — recorded as final whatever the state (with skipSignoffOn, the
  // journal of a final decision whose sign-off was dropped, which `decide` itself would not record)
  const s = session.store.store.getState();
  const decision = { decision: s.decision, deciding: s.deciding, final: true, by: CAPTAIN };
  await recordSignedAct(session, { type: 'decision', data: decision }, { sign: true, signKey: captain.priv, env: env() });
  const result = await writeReportBundle({
    sessionDir: session.dir,
    outDir: o.outDir ?? path.join(root, 'reports'),
    signKey: captain.priv,
    signer: CAPTAIN,
    sign: true,
    interim: false,
    env: env(),
    session,
    secrets: [{ name: 'apiToken', value: CANARY }],
  });
  return { root, captain, bob, evil, allowed, session, result, env };
}

/**
 * The good signed bundle a test file damages: made once before its tests (makeSignedBundle in a temporary `root`),
 * removed after them. `copy()` gives a fresh copy of it (or of another bundle) to damage.
 */
export function goodBundle(prefix: string): { readonly root: string; readonly fx: Fixture; copy(from?: string): string } {
  let root = '';
  let fx: Fixture | undefined;
  let n = 0;
  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), prefix));
    fx = await makeSignedBundle(path.join(root, 'good'));
  }, 120_000);
  afterAll(async () => {
    await fx?.session.close();
    rmSync(root, { recursive: true, force: true });
  });
  return {
    get root() {
      return root;
    },
    get fx() {
      return fx!;
    },
    copy(from = fx!.result.dir) {
      const dst = path.join(root, `copy-${++n}`);
      cpSync(from, dst, { recursive: true });
      return dst;
    },
  };
}
