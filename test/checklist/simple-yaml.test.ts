/**
 * The simple YAML reader must give exactly what js-yaml (core schema + merge keys, as the validator used it) gives,
 * or give up — never a different value, never accept a text js-yaml refuses. Checked on every YAML file of the repo,
 * on seeded random edits of them, on documents js-yaml writes in many styles, and on hand-written edge cases.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import jsYaml from 'js-yaml';
import { isMap, isSeq, parseDocument, type YAMLMap, type YAMLSeq } from 'yaml';
import { describe, expect, it } from 'vitest';
import { readSimpleYaml } from '../../src/checklist/simple-yaml.js';
import { rng } from '../support/rng.js';

const repo = path.resolve(import.meta.dirname, '../..');
const SCHEMA = jsYaml.CORE_SCHEMA.extend({ implicit: [(jsYaml as unknown as { types: { merge: jsYaml.Type } }).types.merge] });

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    if (f === 'node_modules' || f.startsWith('.')) return [];
    if (statSync(p).isDirectory()) return yamlFiles(p);
    return /\.ya?ml$/.test(f) ? [p] : [];
  });
}

/** 'same' when the reader gives js-yaml's value, 'gave up' when it returns undefined; throws on any disagreement */
function compare(text: string, label: string): 'same' | 'gave up' {
  const got = readSimpleYaml(text);
  if (got === undefined) return 'gave up';
  let want: unknown;
  try {
    want = jsYaml.load(text, { schema: SCHEMA });
  } catch (err) {
    throw new Error(`${label}: the reader accepted a text js-yaml refuses (${(err as Error).message.split('\n')[0]})\n---\n${text}`);
  }
  if (!isDeepStrictEqual(got.data, want)) {
    throw new Error(`${label}: the reader and js-yaml disagree\n${JSON.stringify(got.data)}\n${JSON.stringify(want)}\n---\n${text}`);
  }
  return 'same';
}

const files = yamlFiles(repo);
const texts = files.map((f) => readFileSync(f, 'utf8'));

describe('readSimpleYaml', () => {
  it('reads every YAML file of the repo as js-yaml does (or gives up), and reads the shipped checklist itself', () => {
    expect(files.length).toBeGreaterThan(40);
    const results = files.map((f, i) => compare(texts[i]!, f));
    expect(results[files.indexOf(path.join(repo, 'checklist/detektor.yaml'))]).toBe('same');
    expect(results.filter((r) => r === 'same').length).toBeGreaterThan(30);
  });

  it('3000 seeded random edits of those files: the same value as js-yaml, or it gives up', () => {
    const JUNK = ['{', '}', '[', ']', ':', '- ', '"', "'", '&a', '*a', '${vars.', '!!int ', '|', '>', '|-', '>-', '#', ' #', '  ', '\n',
      '---\n', '1.1', '-0.0', '07', '0x1F', '1e3', '.inf', 'true', 'Null', '~', '<<: ', '__proto__: 1', 'toString: 1', '\\', '\\u0041',
      "''", ': ', ',', '? ', '"a": 1', '{a: 1}', '[a, b]', '[a,]', '{a:1}', '@', '`', '%', '\t', '\r'];
    const r = rng(20261127);
    let same = 0;
    for (let k = 0; k < 3000; k++) {
      const lines = texts[Math.floor(r() * texts.length)]!.split('\n');
      for (let m = 1 + Math.floor(r() * 3); m > 0; m--) {
        const i = Math.floor(r() * lines.length);
        const line = lines[i] ?? '';
        const at = Math.floor(r() * (line.length + 1));
        const op = Math.floor(r() * 6);
        if (op === 0) lines.splice(i, 1);
        else if (op === 1) lines.splice(i, 0, line);
        else if (op === 2) lines[i] = ' '.repeat(Math.floor(r() * 8)) + line.trimStart();
        else if (op === 3) lines[i] = line.slice(0, at) + JUNK[Math.floor(r() * JUNK.length)] + line.slice(at);
        else if (op === 4) lines[i] = line.replace(/: .*/, ': ' + JUNK[Math.floor(r() * JUNK.length)]);
        else lines[i] = line.slice(0, at) + line.slice(at + 1 + Math.floor(r() * 3));
      }
      if (compare(lines.join('\n'), `edit #${k}`) === 'same') same++;
    }
    // the edits leave plenty of texts the reader does read
    expect(same).toBeGreaterThan(500);
  });

  it('2000 documents js-yaml writes in varied styles: the same value back, or it gives up', () => {
    const r = rng(7);
    const WORDS = ['a', 'id', 'x y', 'true', 'null', '~', '1', '1.5', '-2', '30m', 'a: b', 'a #b', '#c', '- x', '"q"', "'s'", 'multi\nline',
      'tail\n', 'two\n\nblank\n', ' lead', 'trail ', '', 'ünï', '${vars.x}', '[x]', '{y}', 'a,b', '*a', '&b', 'http://x:80/y', 'k:v', '0x1',
      '1e5', '.5', '<<', '<5', '  indented\n  more\n', 'x\ty', '\\back', "it's", '🙂'];
    const KEYS = ['id', 'title', 'run', 'env', 'API_TOKEN', 'a-b', 'a.b', 'x/y', 'True', 'null', '1x', 'with space', 'var'];
    const value = (d: number): unknown => {
      const k = r();
      if (d > 3 || k < 0.5) {
        const w = r();
        if (w < 0.7) return WORDS[Math.floor(r() * WORDS.length)];
        if (w < 0.8) return Math.floor(r() * 2000) - 1000;
        if (w < 0.85) return Math.round(r() * 10000) / 100;
        return w < 0.9 ? r() < 0.5 : w < 0.95 ? null : `${WORDS[Math.floor(r() * WORDS.length)]} ${WORDS[Math.floor(r() * WORDS.length)]}`;
      }
      if (k < 0.75) return Array.from({ length: Math.floor(r() * 4) }, () => value(d + 1));
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(r() * 5); i > 0; i--) o[KEYS[Math.floor(r() * KEYS.length)]!] = value(d + 1);
      return o;
    };
    let same = 0;
    for (let i = 0; i < 2000; i++) {
      const doc: Record<string, unknown> = {};
      for (let j = 1 + Math.floor(r() * 5); j > 0; j--) doc[`key${j}`] = value(0);
      const text = jsYaml.dump(doc, {
        flowLevel: r() < 0.3 ? Math.floor(r() * 4) : -1,
        lineWidth: r() < 0.5 ? -1 : 20 + Math.floor(r() * 60),
        quotingType: r() < 0.5 ? '"' : "'",
        indent: 1 + Math.floor(r() * 4),
        noArrayIndent: r() < 0.3,
        forceQuotes: r() < 0.1,
        condenseFlow: r() < 0.2,
      });
      if (compare(text, `document #${i}`) === 'same') same++;
    }
    expect(same).toBeGreaterThan(500);
  });

  it('reads block scalars, quoted and flow scalars, comments and numbers like js-yaml', () => {
    const cases = [
      'a: |\n  one\n\n  two\n    indented\n\n\nb: 1\n',
      'a: |-\n  one\n  two\n\n',
      'a: >\n  folded\n  line\n\n  para\nb: >-\n  x\n  y\n',
      'list:\n  - |\n    in a list\n  - plain\n  -\n    k: v\n  - {x: 1, "y": \'z\'}\n',
      'key:\n- indentless\n- list\nnext: [a, "b", \'c\', 1, 2.5, -3, true, null]\n',
      'q: "tab\\tnew\\nline \\"quoted\\" \\u00e9 \\x41 \\\\ \\/"\ns: \'it\'\'s\'\n',
      '# head\na: 1   # trailing\n  # indented comment\nb: text # comment\nc: te#xt\nd: ~\ne:\nf: 0\ng: -17\nh: 3.25\n',
      'env: { API_TOKEN: "${vars.apiToken}", PLAIN: x }\nrun: ${vars.dir}/x.sh --fast\n',
      'a: <5 alerts\nb: -foo\nc: http://x:8080/y\nd: 30m\ne: 1.2.3\nf: 2.50\n',
    ];
    for (const c of cases) expect(compare(c, JSON.stringify(c)), c).toBe('same');
  });

  it('gives up on YAML beyond the simple subset', () => {
    const cases = [
      'a: &x 1\nb: *x\n', // anchors and aliases
      'a: !!str 1\n', // tags
      'a: multi\n  line plain\n', // multi-line plain scalar
      'a: "multi\n  line"\n', // multi-line quoted scalar
      'a: [1,\n  2]\n', // multi-line flow
      'a: 1\na: 2\n', // duplicate key (js-yaml refuses it; the full path reports it)
      'a:\n\tb: 1\n', // tab
      'a: 1\r\nb: 2\r\n', // CRLF
      '---\na: 1\n', // document marker
      '<<: {a: 1}\n', // merge key
      '"quoted key": 1\n',
      '? complex\n: key\n',
      'a: |+\n  keep\n\n',
      'a: |2\n   explicit\n',
      'a: 1e3\n',
      'a: 0x1F\n',
      'a: 007\n',
      'a: .inf\n',
      '- top level list\n',
      '',
      'True: 1\n',
      'toString: 1\n',
      'a: b: c\n',
    ];
    for (const c of cases) expect(readSimpleYaml(c), JSON.stringify(c)).toBeUndefined();
  });

  it('knows where each list entry mapping starts, as the YAML Document does (item and block positions)', () => {
    const text = readFileSync(path.join(repo, 'checklist/detektor.yaml'), 'utf8');
    const got = readSimpleYaml(text)!;
    const doc = parseDocument(text);
    const data = got.data as { blocks: { items: object[] }[] };
    const blocks = doc.get('blocks') as YAMLSeq<YAMLMap>;
    let n = 0;
    data.blocks.forEach((b, bi) => {
      const bNode = blocks.items[bi]!;
      expect(got.entryOffsets.get(b)).toBe(bNode.range![0]);
      const items = bNode.get('items') as YAMLSeq<YAMLMap>;
      expect(isSeq(items)).toBe(true);
      b.items.forEach((it, ii) => {
        expect(isMap(items.items[ii])).toBe(true);
        expect(got.entryOffsets.get(it)).toBe(items.items[ii]!.range![0]);
        n++;
      });
    });
    expect(n).toBeGreaterThan(10);
  });

  it('lists every string value holding "${" and every mapping with a `var` key', () => {
    const got = readSimpleYaml('a: ${vars.x}\nb: [x, "${vars.y}"]\nc:\n  - k: {var: tok, env: T}\n  - "no ref"\nd: |\n  ${vars.z}\n');
    expect(got?.refStrings).toEqual(['${vars.x}', '${vars.y}', '${vars.z}\n']);
    expect(got?.varMappings).toEqual([{ var: 'tok', env: 'T' }]);
  });
});
