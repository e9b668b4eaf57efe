/** A real session (real checklist file, real loader, real journal) whose items were "run" by runner@example.com. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadChecklist } from '../../src/checklist/load.js';
import { KINDS } from '../../src/checks/index.js';
import type { ItemResultData } from '../../src/engine/events.js';
import { openSession } from '../../src/engine/session.js';
import { checklistYaml, type ItemSpec } from './session-fixtures.js';

export const resultOf = (item: string, sha: string): ItemResultData => ({
  item,
  attempt: 1,
  verdict: 'pass',
  summary: 'exit 0',
  durationMs: 5,
  evidence: [{ path: `evidence/${item}/1.log`, sha256: sha, bytes: 4 }],
});

export async function cliSession(
  cwd: string,
  items: ItemSpec[],
  o: { name?: string; run?: string[]; close?: string; extra?: string } = {},
): Promise<{ cwd: string; stateDir: string; dir: string; id: string }> {
  mkdirSync(cwd, { recursive: true });
  const file = path.join(cwd, `${o.name ?? 'demo'}.yaml`);
  writeFileSync(file, checklistYaml(o.name ?? 'demo', items, o.extra));
  const checklist = await loadChecklist(file, KINDS);
  const stateDir = path.join(cwd, '.readiness');
  const s = await openSession({ checklist, stateDir, mode: 'ci', vars: {}, secretVars: [], operator: 'runner@example.com', owner: false, fresh: true });
  for (const id of o.run ?? items.map((i) => i.id)) await s.record({ type: 'item.result', data: resultOf(id, `${id}${'a'.repeat(63)}`.slice(0, 64)) });
  if (o.close) await s.record({ type: 'session.close', data: { decision: o.close as 'GO' } });
  await s.close();
  return { cwd, stateDir, dir: s.dir, id: s.id };
}
