import { describe, expect, it } from 'vitest';
import { envVarName, findMalformedVarRefs, findVarRefs, interpolate, MissingVariableError, simpleVarRefNames } from '../../src/checklist/interpolate.js';

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

  it('simpleVarRefNames: when it answers, the same names as findVarRefs and nothing malformed (20,000 random texts)', () => {
    const parts = ['${vars.a}', '${vars.b_2}', '$${vars.a}', '${vars.}', '${vars.a-b}', '${vars.a', '${HOME}', '$', '{', '}', 'vars.', 'x', ' ', '$$', '${'];
    let s = 7;
    const r = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    let answered = 0;
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      for (let n = Math.floor(r() * 6); n > 0; n--) text += parts[Math.floor(r() * parts.length)];
      const names: string[] = [];
      if (!simpleVarRefNames(text, names)) continue;
      answered++;
      expect(findMalformedVarRefs(text), text).toEqual([]);
      expect(findVarRefs(text).map((x) => x.name), text).toEqual(names);
    }
    expect(answered).toBeGreaterThan(2000);
    expect(simpleVarRefNames('run ${vars.dir}/x ${vars.token}', [])).toBe(true);
    expect(simpleVarRefNames('escaped $${vars.dir}', [])).toBe(false);
    expect(simpleVarRefNames('shell ${HOME}', [])).toBe(false);
  });
});
