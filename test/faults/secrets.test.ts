/**
 * Fault suite (`npm run faults`): secret canaries. A declared secret (given in the environment) that a check prints
 * as it is, base64- and URL-encoded, must appear nowhere: not in any file of the session, not in the report bundle,
 * not on a captured TUI screen (nor in the bytes sent to the terminal). Credential-shaped output that is not a
 * declared secret is not masked yet (issue 16 point 8, open).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt } from '../support/cli-run.js';
import { recordFaultRow } from '../support/faults.js';
import { launchTui } from '../support/pty.js';

const CANARY = 'CANARY-7f3a9e-s3cr3t/value+x';
const FORMS = [CANARY, Buffer.from(CANARY).toString('base64'), encodeURIComponent(CANARY)];

const CHECKLIST = `apiVersion: readiness/v1
name: canary
title: Canary
vars:
  apiToken: {secret: true}
blocks:
  - id: "1"
    title: B
    items:
      - id: "1.1"
        title: prints the secret
        check:
          kind: command
          run: 'echo "token=$T"; printf %s "$T" | base64; node -e "console.log(encodeURIComponent(process.env.T))"; echo "$T" >&2; exit 1'
          env: {T: "\${vars.apiToken}"}
`;

let root: string;
beforeAll(() => {
  ensureBuilt();
  root = mkdtempSync(path.join(os.tmpdir(), 'rt-canary-'));
  writeFileSync(path.join(root, 'c.yaml'), CHECKLIST);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** files under `dir` holding any form of the canary */
function leaks(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const f = path.join(d, e);
      if (statSync(f).isDirectory()) walk(f);
      else {
        const text = readFileSync(f, 'latin1');
        for (const form of FORMS) if (text.includes(form)) out.push(`${path.relative(root, f)} holds ${form}`);
      }
    }
  };
  walk(dir);
  return out;
}

describe('secret canaries', () => {
  it('a declared secret printed by a check is in no session file, bundle file or TUI screen', { timeout: 120_000 }, async () => {
    const env = { PATH: process.env.PATH, HOME: root, LANG: 'C.UTF-8', NO_COLOR: '1', USER: 'fault', READINESS_VAR_APITOKEN: CANARY };
    const r = spawnSync(process.execPath, [BIN, 'run', 'c.yaml', '--ci'], { cwd: root, env, encoding: 'utf8' });
    const found = [...leaks(path.join(root, '.readiness')), ...leaks(path.join(root, 'reports'))];
    for (const form of FORMS) if (r.stdout.includes(form) || r.stderr.includes(form)) found.push(`run --ci output holds ${form}`);
    expect(r.stdout).toMatch(/token=\[REDACTED:apiToken\]/);

    const t = await launchTui({ args: ['c.yaml', '--state-dir', path.join(root, 'tui-state'), '--as', 'tester@example.com'], cwd: root, env: { READINESS_VAR_APITOKEN: CANARY }, cols: 120, rows: 30 });
    try {
      await t.press('enter', 'enter');
      await t.waitForScreen('prints the secret');
      await t.press('r');
      await t.waitForScreen(/token=\[REDACTED:apiToken\]/);
      for (const form of FORMS) if (t.screen().includes(form) || t.raw().includes(form)) found.push(`TUI screen holds ${form}`);
    } finally {
      t.kill('SIGKILL');
    }
    found.push(...leaks(path.join(root, 'tui-state')));
    recordFaultRow({ experiment: 'secret canaries (declared secret, plain/base64/URL-encoded) in session, bundle, run --ci output, TUI screen', trials: 4, failures: found.length, goal: '0 occurrences' });
    expect(found).toEqual([]);
  });
});
