import { describe, expect, it } from 'vitest';
import { RULES } from '../../src/checks/rules.js';

describe('RULES (named refinements of the kinds\' params)', () => {
  it('isRegex: a valid JavaScript regular expression, the same answer every time', () => {
    for (let i = 0; i < 2; i++) {
      expect(RULES.isRegex('^PASS (\\d+)$')).toBe(true);
      expect(RULES.isRegex('(unclosed')).toBe(false);
    }
  });

  it('isDuration: a duration with a unit', () => {
    expect(RULES.isDuration('1h30m')).toBe(true);
    expect(RULES.isDuration('90')).toBe(false);
  });

  it('runXorArgv: exactly one of run and argv', () => {
    expect(RULES.runXorArgv({ run: 'true' })).toBe(true);
    expect(RULES.runXorArgv({ argv: ['true'] })).toBe(true);
    expect(RULES.runXorArgv({ run: 'true', argv: ['true'] })).toBe(false);
    expect(RULES.runXorArgv({})).toBe(false);
  });
});
