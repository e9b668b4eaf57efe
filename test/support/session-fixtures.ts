/**
 * Helpers for the journal/session tests (engineer C): a small Checklist object built in-test (with the YAML text it
 * came from as its source bytes), temp state dirs, and a bundled child-process script so tests can drive the real
 * journal/session code from other processes (see bundle-script.ts).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Checklist, Item } from '../../src/checklist/model.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ItemSpec {
  id: string;
  blocking?: boolean;
  manual?: boolean;
  signoff?: Item['signoff'];
  signoffRoles?: string[];
  noSelfApproval?: boolean;
  approvals?: number;
  /** approvals by someone else a waiver of the item needs (checklist `waiverApprovals`) */
  waiverApprovals?: number;
  dependsOn?: string[];
}

/** YAML text of a checklist in the readiness/v1 format (used both as source bytes and as a real file). */
export function checklistYaml(name: string, items: ItemSpec[], extra = ''): string {
  const lines = [
    'apiVersion: readiness/v1',
    `name: ${name}`,
    `title: ${name} test checklist`,
    'blocks:',
    '  - id: "0"',
    '    title: Block zero',
    '    items:',
  ];
  for (const it of items) {
    lines.push(`      - id: "${it.id}"`, `        title: Item ${it.id}`, `        blocking: ${it.blocking ?? true}`);
    if (it.manual) lines.push('        check:', '          kind: manual');
    else lines.push('        check:', '          kind: command', '          run: "true"');
    if (it.signoff) lines.push(`        signoff: ${it.signoff}`);
    if (it.signoffRoles) lines.push(`        signoffRoles: [${it.signoffRoles.join(', ')}]`);
    if (it.noSelfApproval) lines.push('        noSelfApproval: true');
    if (it.approvals) lines.push(`        approvals: ${it.approvals}`);
    if (it.waiverApprovals !== undefined) lines.push(`        waiverApprovals: ${it.waiverApprovals}`);
    if (it.dependsOn) lines.push(`        dependsOn: [${it.dependsOn.map((d) => `"${d}"`).join(', ')}]`);
  }
  return lines.join('\n') + '\n' + extra;
}

/** A Checklist object equivalent to checklistYaml(name, items) (so tests do not depend on the loader). */
export function makeChecklist(name: string, items: ItemSpec[], o: { file?: string; extra?: string } = {}): Checklist {
  const text = checklistYaml(name, items, o.extra);
  const bytes = Buffer.from(text, 'utf8');
  const file = o.file ?? `/virtual/${name}.yaml`;
  return {
    apiVersion: 'readiness/v1',
    name,
    title: `${name} test checklist`,
    vars: [],
    blocks: [
      {
        id: '0',
        title: 'Block zero',
        successMetrics: [],
        pos: { file, line: 5, col: 5 },
        items: items.map((it, i) => ({
          id: it.id,
          blockId: '0',
          title: `Item ${it.id}`,
          blocking: it.blocking ?? true,
          check: it.manual
            ? { kind: 'manual', params: {}, mutating: false }
            : { kind: 'command', params: { run: 'true' }, mutating: false },
          signoff: it.signoff ?? (it.manual ? 'required' : 'none'),
          signoffRoles: it.signoffRoles ?? [],
          approvals: it.approvals ?? 1,
          noSelfApproval: it.noSelfApproval ?? false,
          waiverApprovals: it.waiverApprovals ?? 0,
          dependsOn: it.dependsOn ?? [],
          retries: 0,
          pos: { file, line: 8 + i * 5, col: 9 },
        })),
      },
    ],
    successMetrics: [],
    deliverables: [],
    risks: [],
    source: { path: file, sha256: createHash('sha256').update(bytes).digest('hex'), bytes },
  };
}

export async function tempDir(prefix = 'rt-session-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}


/**
 * The `statement` of a signed act, for tests of the reducer and the screens (which do not open statement files):
 * only a signed approval counts, and the key fingerprint stands for the signer's own key.
 */
export function signedBy(by: string): { statement: { path: string; sha256: string; sigPath: string; sigSha256: string; keyFingerprint: string } } {
  const name = by.replace(/[^A-Za-z0-9@._-]/g, '_');
  return { statement: { path: `signoffs/${name}.json`, sha256: 'sha256:0', sigPath: `signoffs/${name}.json.sig`, sigSha256: 'sha256:0', keyFingerprint: `SHA256:test-key-of-${name}` } };
}
