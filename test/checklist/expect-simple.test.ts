/**
 * The plain-JSONata recognizer may only say "parses" for expressions jsonata parses: checked on the expressions the
 * kinds and checklists use and on 100,000 seeded random token sequences; whatever it does not know goes to jsonata.
 */
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { KINDS } from '../../src/checks/index.js';
import { isSimpleExpect } from '../../src/checklist/expect-simple.js';
import { rng } from '../support/rng.js';

function parses(expr: string): boolean {
  try {
    jsonata(expr);
    return true;
  } catch {
    return false;
  }
}

describe('isSimpleExpect', () => {
  it('knows the plain expressions checklists and the kinds\' defaults use', () => {
    const plain = [
      'exitCode = 0',
      'exitCode = 0 and captures.seconds < $vvvvvvvvvvvvvvvvvv',
      'exitCode = 0 and captures.passLines > 0 and captures.failLines = 0',
      'healthy and token = "valid"',
      'total > 0 and rotatable = total',
      '$count(lacking) = 0 and (probe = null or probe.isolated = true)',
      'alertsPerDay < 5 and falsePositiveRate < 0.1 and actionablePercent > 0.9',
      "value != null and name & 'x' = 'ax'",
      '-(a + 1) * 2 / 3 % 4 >= -1',
      '$f() or $g(a, 1, "s")',
    ];
    for (const e of plain) {
      expect(isSimpleExpect(e), e).toBe(true);
      expect(parses(e), e).toBe(true);
    }
    for (const k of KINDS.values()) if (isSimpleExpect(k.defaultExpect)) expect(parses(k.defaultExpect), k.kind).toBe(true);
  });

  it('leaves everything else to jsonata', () => {
    const other = [
      '',
      'a = ',
      '$count(checks.*[status = "pass"]) = 3',
      'items[0].x',
      'a ~> $f()',
      '"esc\\"aped" = a',
      '/* comment */ a',
      'x in [1, 2]',
      '{"a": 1}',
      'a ? b : c',
      '`quoted name` = 1',
      '1e3 > a',
      '(a).b',
      '()',
      'and = 1',
      'a.1',
    ];
    for (const e of other) expect(isSimpleExpect(e), e).toBe(false);
  });

  it('100,000 random token sequences: whenever it says "parses", jsonata parses it', () => {
    const TOKENS = ['a', 'b.c', 'exitCode', 'captures.seconds', '$v', '$count(', '$f(', ')', '(', ',', '=', '!=', '<', '<=', '>', '>=', '+',
      '-', '*', '/', '%', '&', 'and', 'or', 'in', 'true', 'false', 'null', '0', '1', '12', '1.5', '007', '1e3', '"x"', "'y'", '"a\\"b"', '.',
      '..', '[', ']', '{', '}', '?', ':', ';', '|', '~>', '!', '~', '`n`', 'function', 'and1', 'a$b', '$', ' ', '\n', 'λ', '#', '@', '^', '**',
      '/*c*/', 'x.and', 'x.1', '.5', 'a.', '"'];
    const r = rng(3);
    let simple = 0;
    for (let i = 0; i < 100_000; i++) {
      let e = '';
      for (let n = 1 + Math.floor(r() * 8); n > 0; n--) e += TOKENS[Math.floor(r() * TOKENS.length)] + (r() < 0.6 ? ' ' : '');
      if (!isSimpleExpect(e)) continue;
      simple++;
      expect(parses(e), JSON.stringify(e)).toBe(true);
    }
    expect(simple).toBeGreaterThan(2000);
  });

  it('20,000 random expressions built from the plain grammar: all recognized, all parsed by jsonata', () => {
    const r = rng(9);
    const OPERANDS = ['a', 'b.c', '$v', '1', '0.5', '"s"', "'t'", 'true', 'null', '$count(a)', '$f()', '$g(a, 1)'];
    const OPS = [' = ', '!=', ' and ', ' or ', '+', ' < ', '>=', '&', '*', '/', '%', ' - '];
    const gen = (d: number): string => {
      const x = r();
      if (d > 3 || x < 0.4) return OPERANDS[Math.floor(r() * OPERANDS.length)]!;
      if (x < 0.5) return `(${gen(d + 1)})`;
      if (x < 0.55) return `-${gen(d + 1)}`;
      return gen(d + 1) + OPS[Math.floor(r() * OPS.length)] + gen(d + 1);
    };
    for (let i = 0; i < 20_000; i++) {
      const e = gen(0);
      expect(isSimpleExpect(e), e).toBe(true);
      expect(parses(e), e).toBe(true);
    }
  });
});
