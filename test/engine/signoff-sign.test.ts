import canonicalize from 'canonicalize';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashLine, readJournal } from '../../src/engine/journal.js';
import type { Session } from '../../src/engine/session-api.js';
import { SignError } from '../../src/signing/sign.js';
import { signSignoff } from '../../src/engine/signoff-sign.js';
import { sha256File } from '../../src/signing/digest.js';
import { isolatedEnv } from '../report/helpers/bundle.js';
import { runShopSession } from '../report/helpers/session.js';
import { allowedLine, genKey, sshVerify, type TestKey } from '../report/helpers/ssh.js';

let root: string;
let session: Session;
let carol: TestKey;

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'rt-signoff-'));
  carol = genKey(root, 'carol');
  session = await runShopSession(path.join(root, 'work'), 'sekret-value', { only: ['1.2'] });
}, 120_000);
afterAll(async () => {
  await session?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('signSignoff', () => {
  it("writes a canonical statement pinning the journal head, signed with the signer's key", async () => {
    const ev = session.store.store.getState().items['1.2']!.result!.evidence.map((e) => e.sha256);
    const j = await readJournal(path.join(session.dir, 'journal.jsonl'));
    const st = await signSignoff({
      session, item: '1.2', decision: 'approve', comment: 'checked "quotes" | pipes', role: 'security',
      principal: 'carol@example.com', evidence: ev, signKey: carol.priv, env: isolatedEnv(root),
    });
    const last = j.records.at(-1)!;
    expect(st.path).toBe(`signoffs/${last.seq}-carol@example.com.json`);
    expect(st.sigPath).toBe(`${st.path}.sig`);
    const file = path.join(session.dir, st.path);
    const text = readFileSync(file, 'utf8');
    const s = JSON.parse(text);
    expect(text).toBe(canonicalize(s) + '\n');
    expect(s).toMatchObject({
      _type: 'readiness-tui/signoff/v1',
      session: session.id,
      journal: { seq: last.seq, head: hashLine(j.lines.at(-1)!) },
      checklistSha256: session.checklist.source.sha256,
      item: '1.2', decision: 'approve', comment: 'checked "quotes" | pipes', role: 'security',
      principal: 'carol@example.com', evidence: ev,
    });
    expect(Date.parse(s.ts)).toBeGreaterThan(Date.now() - 60_000);
    expect(st.sha256).toBe(await sha256File(file));
    expect(st.sigSha256).toBe(await sha256File(path.join(session.dir, st.sigPath)));
    const as = path.join(root, 'as');
    writeFileSync(as, allowedLine('carol@example.com', carol, 'signoff@readiness-tui') + '\n');
    const v = sshVerify(as, 'carol@example.com', 'signoff@readiness-tui', path.join(session.dir, st.sigPath), file);
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout + v.stderr).toContain(st.keyFingerprint);

    // a second statement by the same signer at the same head does not overwrite the first
    const st2 = await signSignoff({ session, item: '1.2', decision: 'reject', comment: 'second thoughts', principal: 'carol@example.com', evidence: ev, signKey: carol.priv, env: isolatedEnv(root) });
    expect(st2.path).toBe(`signoffs/${last.seq}-carol@example.com-2.json`);
    expect(existsSync(file)).toBe(true);
  });

  it('leaves nothing behind and explains when there is no key', async () => {
    const before = readdirSync(path.join(session.dir, 'signoffs'));
    const err = await signSignoff({ session, item: '1.2', decision: 'approve', comment: '', principal: 'dave@example.com', evidence: [], env: isolatedEnv(root) }).catch((e) => e);
    expect(err).toBeInstanceOf(SignError);
    expect(err.message).toMatch(/no SSH key to sign with/);
    expect(readdirSync(path.join(session.dir, 'signoffs'))).toEqual(before);
  });

  it('keeps principals with odd characters inside the safe file-name charset', async () => {
    const st = await signSignoff({ session, item: '1.2', decision: 'approve', comment: '', principal: 'Eve O\'Neil <eve@x>', evidence: [], signKey: carol.priv, env: isolatedEnv(root) });
    expect(st.path).toMatch(/^signoffs\/\d+-Eve_O_Neil__eve@x_\.json$/);
  });
});
