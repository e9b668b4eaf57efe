/** Small in-test checklists for engine tests: items with command checks, written next to a temp working dir. */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { CheckSpec, Checklist, Item } from '../../../src/checklist/model.js';

export type ItemInput = Partial<Omit<Item, 'check' | 'checks'>> & {
  id: string;
  check?: Partial<CheckSpec> & { kind: string };
  checks?: Record<string, Partial<CheckSpec> & { kind: string }>;
};

function spec(s: Partial<CheckSpec> & { kind: string }): CheckSpec {
  return { kind: s.kind, expect: s.expect, params: s.params ?? {}, mutating: s.mutating ?? false, context: s.context };
}

export function makeChecklist(dir: string, items: ItemInput[], o: { secretVars?: string[]; name?: string } = {}): Checklist {
  const file = path.join(dir, 'test-checklist.yaml');
  const bytes = Buffer.from(`# in-test checklist ${items.map((i) => i.id).join(',')}\n`);
  const pos = { file, line: 1, col: 1 };
  return {
    apiVersion: 'readiness/v1',
    name: o.name ?? 'engine-test',
    title: 'Engine test',
    vars: (o.secretVars ?? []).map((n) => ({ name: n, secret: true })),
    blocks: [
      {
        id: 'b',
        title: 'Block',
        successMetrics: [],
        pos,
        items: items.map(
          (i): Item => ({
            blockId: 'b',
            title: `item ${i.id}`,
            blocking: true,
            signoff: 'none',
            signoffRoles: [],
            approvals: 0,
            noSelfApproval: false,
            waiverApprovals: 0,
            dependsOn: [],
            retries: 0,
            pos,
            ...i,
            check: i.check ? spec(i.check) : undefined,
            checks: i.checks ? Object.fromEntries(Object.entries(i.checks).map(([k, v]) => [k, spec(v)])) : undefined,
          }),
        ),
      },
    ],
    successMetrics: [],
    deliverables: [],
    risks: [],
    source: { path: file, sha256: createHash('sha256').update(bytes).digest('hex'), bytes },
  };
}

export const cmd = (run: string, extra: Record<string, unknown> = {}, expect?: string) => ({
  kind: 'command',
  params: { run, ...extra },
  expect,
});
