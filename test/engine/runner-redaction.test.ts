/**
 * The runner is what keeps a secret out of every record, whatever a check kind hands it: this drives the real runner
 * (its own CheckContext, evidence writer, journal, store and events) with a kind that writes a secret variable's
 * value through emit, write (split across chunks, base64 and URL-encoded too), attach, its result, its summary and
 * its error — and then reads back every file of the session and every event. The kind tests' contexts record what a
 * kind hands over unmasked (test/support/check-context-basic.ts), so they judge the kind; this judges the runner.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KINDS } from '../../src/checks/index.js';
import { CheckError, type CheckKind } from '../../src/checks/contract.js';
import type { EngineEvent, ItemResultData, JournalRecord } from '../../src/engine/events.js';
import { createRunner } from '../../src/engine/runner.js';
import type { Session } from '../../src/engine/session-api.js';
import { openSession } from '../../src/engine/session.js';
import { makeChecklist } from './helpers/checklist.js';
import { CANARIES } from '../support/canaries.js';

// "/", "+" and "=" make the URL-encoded form differ from the value; long enough for the base64 forms to be masked
const TOKEN = 'tok/3n+s3cr3t=Qx7';
const FORMS = [TOKEN, encodeURIComponent(TOKEN), Buffer.from(TOKEN).toString('base64').replace(/=+$/, '')];
const MASK = '[REDACTED:token]';

const leaky: CheckKind<{ fail: boolean }> = {
  kind: 'test.leaky',
  title: 'a check kind that hands its secret to the runner every way it can',
  description: 'test only',
  outcomes: { error: 'when asked to fail', fail: 'never', inconclusive: 'never' },
  params: z.object({ fail: z.boolean() }),
  resultDoc: {},
  example: '',
  // a failed verdict: the runner keeps the offending objects of a fail only (a pass lists none)
  defaultExpect: 'false',
  describe: (_p, vars) => `leak ${vars.token}`,
  async run(p, ctx) {
    const t = ctx.vars.token!;
    ctx.emit(`emit: token=${t}`);
    ctx.emit(`emit on stderr: ${t}`, 'stderr');
    // a secret split across two chunks of one stream
    ctx.write(`write: Authorization: Bearer ${t.slice(0, 5)}`, 'stdout');
    ctx.write(Buffer.from(`${t.slice(5)} end\nbase64 ${Buffer.from(t).toString('base64')}\n`), 'stdout');
    ctx.write(`url ${encodeURIComponent(t)}\n`, 'stderr');
    await ctx.attach('dump.json', JSON.stringify({ token: t }));
    await ctx.attach('raw.bin', Buffer.from(`raw ${t}\n`));
    if (p.fail) throw new CheckError(`the server refused ${t}`, `rotate ${t} and run again`);
    return { result: { token: t, [t]: 1 }, summary: `summary ${t}`, measured: t, threshold: `< ${t}`, offending: [{ token: t }] };
  },
};

const registry = KINDS as Map<string, CheckKind<{ fail: boolean }>>;
beforeAll(() => {
  registry.set(leaky.kind, leaky);
});
afterAll(() => {
  registry.delete(leaky.kind);
});

let dir: string;
let session: Session | undefined;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rt-redact-'));
});
afterEach(async () => {
  await session?.close();
  session = undefined;
  await rm(dir, { recursive: true, force: true });
});

function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.join(d.parentPath, d.name));
}

async function runLeaky(fail: boolean): Promise<{ s: Session; events: EngineEvent[]; result: ItemResultData }> {
  const checklist = makeChecklist(dir, [{ id: 'x', check: { kind: leaky.kind, params: { fail } } }], { secretVars: ['token'] });
  const vars = { token: TOKEN };
  session = await openSession({ checklist, stateDir: path.join(dir, 'state'), mode: 'ci', vars, secretVars: ['token'], operator: 'op', owner: true });
  const events: EngineEvent[] = [];
  const runner = createRunner({ session, vars, secretVars: ['token'], onEvent: (e) => events.push(e) });
  await runner.run(['x']);
  const records = readFileSync(path.join(session.dir, 'journal.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JournalRecord);
  const result = records.find((r) => r.type === 'item.result')!.data as ItemResultData;
  return { s: session, events, result };
}

function expectNowhere(s: Session, events: EngineEvent[]): void {
  const files = filesUnder(s.dir);
  expect(files.map((f) => path.relative(s.dir, f)).sort()).toEqual(
    expect.arrayContaining(['journal.jsonl', 'evidence/x/1.log', 'evidence/x/1-dump.json', 'evidence/x/1-raw.bin']),
  );
  for (const f of files) {
    const bytes = readFileSync(f, 'utf8');
    for (const form of FORMS) expect(bytes, `${path.relative(s.dir, f)} holds ${form}`).not.toContain(form);
  }
  const shown = JSON.stringify(events) + s.store.output('x').tail(100).join('\n') + JSON.stringify(s.store.store.getState());
  for (const form of FORMS) expect(shown).not.toContain(form);
}

describe('runner redaction of whatever a kind hands over', () => {
  it('emit, write (split and encoded), attach, result, summary: masked in evidence, journal, store and events', async () => {
    const { s, events, result } = await runLeaky(false);
    expectNowhere(s, events);
    // the kind's words arrived, with the secret masked: the assertions above are about real content
    const ev = readFileSync(path.join(s.dir, 'evidence/x/1.log'), 'utf8');
    expect(ev).toContain(`emit: token=${MASK}`);
    expect(ev).toContain(`emit on stderr: ${MASK}`);
    expect(ev).toContain(`write: Authorization: Bearer ${MASK} end`);
    expect(ev).toContain(`base64 ${MASK}`);
    expect(ev).toContain(`url ${MASK}`);
    expect(readFileSync(path.join(s.dir, 'evidence/x/1-dump.json'), 'utf8')).toBe(JSON.stringify({ token: MASK }));
    expect(readFileSync(path.join(s.dir, 'evidence/x/1-raw.bin'), 'utf8')).toBe(`raw ${MASK}\n`);
    expect(s.store.output('x').tail(100)).toEqual(
      expect.arrayContaining([`emit: token=${MASK}`, `write: Authorization: Bearer ${MASK} end`, `url ${MASK}`]),
    );
    expect(result).toMatchObject({
      verdict: 'fail',
      summary: `summary ${MASK}`,
      measured: MASK,
      threshold: `< ${MASK}`,
      offending: [{ token: MASK }],
      result: { token: MASK, [MASK]: 1 },
    });
    const start = events.find((e) => e.type === 'item.start') as { data: { describe: string } } | undefined;
    expect(start?.data.describe).toBe(`leak ${MASK}`);
  });

  it('a thrown error and its hint are masked too', async () => {
    const { s, events, result } = await runLeaky(true);
    expectNowhere(s, events);
    expect(result).toMatchObject({
      verdict: 'error',
      summary: `the server refused ${MASK}`,
      error: { message: `the server refused ${MASK}`, hint: `rotate ${MASK} and run again` },
    });
  });
});

// credential-shaped, not declared as a secret: the suite's canary AWS key id (secretlint lets AWS's own documented
// example key through), and a password= assignment
const AWS_KEY = CANARIES.aws;
const chatty: CheckKind<Record<string, never>> = {
  kind: 'test.chatty',
  title: 'a check kind that quotes credential-shaped text in its record',
  description: 'test only',
  outcomes: { error: 'never', fail: 'always', inconclusive: 'never' },
  params: z.object({}),
  resultDoc: {},
  example: '',
  defaultExpect: 'false',
  describe: () => 'quote the config',
  async run() {
    return {
      result: { line: `aws_access_key_id = ${AWS_KEY}`, env: [`password=${CANARIES.password}`] },
      summary: `found ${AWS_KEY} in the config`,
      offending: [{ key: AWS_KEY }],
    };
  },
};

describe('credential-shaped text in what a kind hands back', () => {
  beforeAll(() => registry.set(chatty.kind, chatty as unknown as CheckKind<{ fail: boolean }>));
  afterAll(() => registry.delete(chatty.kind));

  async function runChatty(maskCredentials?: false): Promise<ItemResultData> {
    const checklist = makeChecklist(dir, [{ id: 'c', check: { kind: chatty.kind, params: {} }, ...(maskCredentials === false ? { maskCredentials } : {}) }]);
    session = await openSession({ checklist, stateDir: path.join(dir, 'state'), mode: 'ci', vars: {}, secretVars: [], operator: 'op', owner: true });
    await createRunner({ session, vars: {}, secretVars: [] }).run(['c']);
    const records = readFileSync(path.join(session.dir, 'journal.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as JournalRecord);
    return records.find((r) => r.type === 'item.result')!.data as ItemResultData;
  }

  it('is masked in the journaled record (summary, result, offending), like on screen', async () => {
    const r = await runChatty();
    expect(r).toMatchObject({
      verdict: 'fail',
      summary: 'found [MASKED:aws] in the config',
      offending: [{ key: '[MASKED:aws]' }],
      result: { line: 'aws_access_key_id = [MASKED:aws]', env: ['password=[MASKED:password]'] },
    });
    expect(JSON.stringify(r)).not.toContain(AWS_KEY);
    expect(JSON.stringify(r)).not.toContain(CANARIES.password);
  });

  it('is kept verbatim where the item says maskCredentials: false', async () => {
    const r = await runChatty(false);
    expect(r.summary).toBe(`found ${AWS_KEY} in the config`);
    expect(r.result).toEqual({ line: `aws_access_key_id = ${AWS_KEY}`, env: [`password=${CANARIES.password}`] });
  });
});
