import { describe, expect, it } from 'vitest';
import { envVarName, findMalformedVarRefs, findVarRefs, interpolate, MissingVariableError } from '../../src/checklist/interpolate.js';

describe('interpolate', () => {
  const vars = { scriptsDir: './scripts', image: 'detektor:latest', token: 's3cr3t' };

  it('replaces ${vars.name} in every string, recursively, leaving keys and non-strings alone', () => {
    const out = interpolate(
      { run: '${vars.scriptsDir}/dr.sh --image=${vars.image}', env: { TOKEN: '${vars.token}' }, argv: ['a', '${vars.image}'], n: 3, b: true, nil: null },
      vars,
    );
    expect(out).toEqual({ run: './scripts/dr.sh --image=detektor:latest', env: { TOKEN: 's3cr3t' }, argv: ['a', 'detektor:latest'], n: 3, b: true, nil: null });
  });

  it('keeps shell ${HOME} and the escape $${vars.x} → literal ${vars.x}', () => {
    expect(interpolate('echo ${HOME} $${vars.image} ${vars.image}', vars)).toBe('echo ${HOME} ${vars.image} detektor:latest');
  });

  it('does not mutate its input', () => {
    const input = { run: '${vars.image}' };
    interpolate(input, vars);
    expect(input.run).toBe('${vars.image}');
  });

  it('throws MissingVariableError naming the variable and how to set it', () => {
    try {
      interpolate({ env: { T: '${vars.grafanaToken}' } }, vars);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(MissingVariableError);
      expect((err as MissingVariableError).variable).toBe('grafanaToken');
      expect((err as Error).message).toContain('READINESS_VAR_GRAFANATOKEN');
    }
  });

  it('finds references with their index, and malformed ones', () => {
    expect(findVarRefs('a ${vars.x} b $${vars.y} ${vars.z_1}')).toEqual([
      { name: 'x', index: 2, length: 9 },
      { name: 'z_1', index: 25, length: 11 },
    ]);
    expect(findMalformedVarRefs('x ${vars.kube-context} ${vars.} ${vars.ok} ${vars.open')).toEqual([
      { text: '${vars.kube-context}', index: 2 },
      { text: '${vars.}', index: 23 },
      { text: '${vars.open', index: 43 },
    ]);
  });

  it('maps variable names to READINESS_VAR_ env names', () => {
    expect(envVarName('kubeContext')).toBe('READINESS_VAR_KUBECONTEXT');
    expect(envVarName('slo_dashboard')).toBe('READINESS_VAR_SLO_DASHBOARD');
  });
});
