/**
 * A real session for report tests: the checklist in test/report/fixtures/shop.yaml is loaded by the real loader,
 * opened with the engine's openSession, run by the real runner (command checks = real child processes), signed off
 * with real SSH keys through signSignoff, and closed with a final decision — the same path the CLI takes.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadChecklist } from '../../../src/checklist/load.js';
import { KINDS } from '../../../src/checks/index.js';
import type { Decision } from '../../../src/engine/status.js';
import { createRunner } from '../../../src/engine/runner.js';
import type { Session } from '../../../src/engine/session-api.js';
import { openSession } from '../../../src/engine/session.js';
import { signSignoff } from '../../../src/engine/signoff-sign.js';
import type { TestKey } from './ssh.js';

export const SHOP = path.resolve(import.meta.dirname, '../fixtures/shop.yaml');
export const CAPTAIN = 'captain@example.com';

/**
 * Runs the items (all, or `only`), then, like `run --ci` without --only, checks the deliverables: docs/runbook.md is
 * there (pass), dashboards/slo.json is broken JSON (fail), reports/final.html has no check (not checked).
 */
export async function runShopSession(
  root: string,
  secret: string,
  o: { only?: string[]; sandbox?: boolean; deliverables?: boolean; editChecklist?: (yaml: string) => string; operatorKey?: string } = {},
): Promise<Session> {
  mkdirSync(path.join(root, 'docs'), { recursive: true });
  mkdirSync(path.join(root, 'dashboards'), { recursive: true });
  writeFileSync(path.join(root, 'docs', 'runbook.md'), '# Shop runbook\n');
  writeFileSync(path.join(root, 'dashboards', 'slo.json'), '{"panels": [\n');
  const file = path.join(root, 'shop.yaml');
  const yaml = readFileSync(SHOP, 'utf8');
  writeFileSync(file, o.editChecklist ? o.editChecklist(yaml) : yaml);
  const checklist = await loadChecklist(file, KINDS);
  const vars = { greeting: 'hello', apiToken: secret };
  const session = await openSession({
    checklist,
    stateDir: path.join(root, '.readiness'),
    mode: 'ci',
    vars,
    secretVars: ['apiToken'],
    operator: CAPTAIN,
    operatorKey: o.operatorKey,
    owner: true,
    fresh: true,
    sandbox: o.sandbox,
  });
  const runner = createRunner({ session, vars, secretVars: ['apiToken'], env: { ...process.env, LC_ALL: 'C' } });
  await runner.run(o.only ?? checklist.blocks.flatMap((b) => b.items.map((i) => i.id)));
  if (o.deliverables ?? !o.only) await runner.checkDeliverables();
  return session;
}

export async function signoffAs(
  session: Session,
  item: string,
  principal: string,
  key: TestKey,
  o: { decision?: 'approve' | 'reject'; comment?: string; role?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<void> {
  const st = session.store.store.getState().items[item]!;
  const evidence = (st.result?.evidence ?? []).map((e) => e.sha256);
  const decision = o.decision ?? 'approve';
  const comment = o.comment ?? `looked at ${item}`;
  const statement = await signSignoff({ session, item, decision, comment, role: o.role, principal, evidence, signKey: key.priv, env: o.env });
  await session.record({ type: 'signoff', actor: principal, data: { item, decision, comment, role: o.role, by: principal, evidence, statement } });
}

export async function decide(session: Session, final = true): Promise<Decision> {
  const s = session.store.store.getState();
  await session.record({ type: 'decision', data: { decision: s.decision, deciding: s.deciding, final } });
  return s.decision;
}
