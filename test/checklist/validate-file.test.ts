/**
 * validateFile(): the fast path settles a valid checklist with exactly the result of the full path (model, positions,
 * no problems); anything else — a warning, an error, YAML beyond the simple subset, a kind or expectation the fast
 * path does not know — goes to the full path, so validateFile() always equals validateSource().
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateFast } from '../../src/checklist/validate-file.js';
import { validateFile, validateSource, type ValidationResult } from '../../src/checklist/validate.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'rt-validate-file-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** a checklist in the style of the 2,000-item bench: vars, command / manual / file checks, dependencies */
function generated(blocks: number, perBlock: number): string {
  const out = ['apiVersion: readiness/v1', 'name: gen', 'title: Generated', 'vars:', '  dir:', '    default: ./scripts', '  limit:', '    default: "900"', '  token:', '    secret: true', 'blocks:'];
  for (let b = 0; b < blocks; b++) {
    out.push(`  - id: "b${b}"`, `    title: Block ${b}`, '    successMetrics: [all pass]', '    items:');
    for (let i = 0; i < perBlock; i++) {
      const id = `${b}.${i}`;
      out.push(`      - id: "${id}"`, `        title: Item ${id}`, '        estimate: 30m', '        timeout: 10m', `        blocking: ${i % 3 === 0}`);
      if (i > 0) out.push(`        dependsOn: ["${b}.${i - 1}"]`);
      if (i % 5 === 4) out.push('        check:', '          kind: manual', '        signoff: required', '        signoffRoles: [sre]');
      else if (i % 5 === 3) out.push('        check: {kind: file, path: "${vars.dir}/report.json", parse: json}');
      else {
        out.push(
          '        check:',
          '          kind: command',
          `          run: \${vars.dir}/check_${b}_${i}.sh --fast`,
          '          env: { TOKEN: "${vars.token}" }',
          '          capture:',
          "            seconds: 'took (\\d+)s'",
          '          expect: exitCode = 0 and captures.seconds < ${vars.limit}',
        );
      }
      out.push('        reference: |', '          run_check', '          # and look');
    }
  }
  return out.join('\n') + '\n';
}

function write(name: string, text: string): string {
  const f = path.join(tmp, name);
  writeFileSync(f, text);
  return f;
}

/** a result as plain data (getters read, bytes left out) */
const plain = (r: ValidationResult | undefined) => JSON.parse(JSON.stringify(r, (k, v) => (k === 'bytes' ? undefined : v)));

describe('validateFile', () => {
  it('the fast path settles a valid checklist exactly as the full path does, positions included', async () => {
    const text = generated(4, 10);
    const f = write('valid.yaml', text);
    const fast = validateFast(Buffer.from(text), f);
    expect(fast?.checklist).toBeDefined();
    expect(fast!.problems).toEqual([]);
    expect(plain(fast)).toEqual(plain(validateSource(Buffer.from(text), f)));
    expect(plain(await validateFile(f))).toEqual(plain(fast));
    const lines = text.split('\n');
    for (const b of fast!.checklist!.blocks) {
      expect(lines[b.pos.line - 1]!.slice(b.pos.col - 1)).toBe(`id: "${b.id}"`);
      for (const it of b.items) expect(lines[it.pos.line - 1]!.slice(it.pos.col - 1)).toBe(`id: "${it.id}"`);
    }
  });

  it('hands everything else to the full path, which gives the same result as validateSource', async () => {
    const valid = generated(1, 5);
    const cases: [string, string][] = [
      ['unused variable (a warning)', valid.replace('vars:\n', 'vars:\n  unused:\n    default: x\n')],
      ['unknown kind (an error)', valid.replace('kind: manual', 'kind: manul')],
      ['YAML anchors', valid.replace('successMetrics: [all pass]', 'successMetrics: &m [all pass]')],
      // zod refuses `min: "${vars.limit}"`, but a parameter written as a variable is judged at run time: valid
      ['a parameter written as ${vars.x} where a number is expected', valid.replace('kind: manual', 'kind: kubernetes.nodes-ready\n          min: ${vars.limit}')],
      ['an expectation the recognizer does not know', valid.replace('exitCode = 0 and', 'exitCode in [0] and')],
      ['an invalid expectation', valid.replace('exitCode = 0 and', 'exitCode = = 0 and')],
      ['ids written as numbers', valid.replace('id: "0.1"', 'id: 0.1')],
      ['a structure error', valid.replace('estimate: 30m', 'estimate: 30 minutes')],
    ];
    for (const [what, text] of cases) {
      const f = write('case.yaml', text);
      expect(validateFast(Buffer.from(text), f), what).toBeUndefined();
      let fullPath = 0;
      expect(plain(await validateFile(f, { beforeFullPath: () => fullPath++ })), what).toEqual(plain(validateSource(Buffer.from(text), f)));
      expect(fullPath, what).toBe(1);
    }
  });

  it('calls beforeFullPath only when the full path is needed', async () => {
    const f = write('valid-small.yaml', generated(1, 3));
    let fullPath = 0;
    expect((await validateFile(f, { beforeFullPath: () => fullPath++ })).checklist).toBeDefined();
    expect(fullPath).toBe(0);
  });
});
