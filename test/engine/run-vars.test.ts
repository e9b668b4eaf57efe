import { describe, expect, it } from 'vitest';
import { describeVarChanges, runVars, varChangeLine, varChanges } from '../../src/engine/run-vars.js';

describe('run-vars', () => {
  it('records non-secret values and secrets only as set / unset', () => {
    const r = runVars({ image: 'app:1', token: 's3cr3t-value', empty: '', ns: 'prod' }, ['token', 'empty']);
    expect(r).toEqual({ vars: { image: 'app:1', ns: 'prod' }, secrets: { empty: 'unset', token: 'set' } });
    expect(JSON.stringify(r)).not.toContain('s3cr3t');
  });

  it('lists what changed: values, variables added or gone, a secret set or unset; nothing when equal', () => {
    const before = { vars: { cmd: 'true', gone: 'x' }, secrets: { token: 'unset' as const } };
    const after = { vars: { cmd: 'false', added: 'y' }, secrets: { token: 'set' as const } };
    const c = varChanges(before, after);
    expect(c).toEqual([
      { name: 'added', to: 'y' },
      { name: 'cmd', from: 'true', to: 'false' },
      { name: 'gone', from: 'x' },
      { name: 'token', secret: true, from: 'unset', to: 'set' },
    ]);
    expect(describeVarChanges(c)).toBe('added (none) → "y"; cmd "true" → "false"; gone "x" → (none); token (secret) unset → set');
    expect(varChangeLine(c.slice(1, 2))).toBe(`variables changed since this session's previous run (journaled): cmd "true" → "false"`);
    expect(varChanges(after, after)).toEqual([]);
  });

  it('does not compare a secret whose earlier state was not recorded', () => {
    expect(varChanges({ vars: {}, secrets: {} }, { vars: {}, secrets: { token: 'set' } })).toEqual([]);
  });
});
