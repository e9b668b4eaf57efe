import { describe, expect, it } from 'vitest';
import { credentialMasker as m } from '../../src/engine/credential-mask.js';
import { CANARIES, PEM } from '../support/canaries.js';


describe('credential masking (secretlint preset rules + jwt/password)', () => {
  it('masks each shape with a visible marker naming the rule', () => {
    expect(m.mask(`key ${CANARIES.aws} end`)).toBe('key [MASKED:aws] end');
    expect(m.mask(`token ${CANARIES.github}`)).toBe('token [MASKED:github]');
    expect(m.mask(`Authorization: Bearer ${CANARIES.jwt}`)).toBe('Authorization: Bearer [MASKED:jwt]');
    expect(m.mask(`db password=${CANARIES.password} ok`)).toBe('db password=[MASKED:password] ok');
    const pem = m.mask(`before\n${PEM}\nafter`);
    expect(pem).not.toContain(CANARIES.pemBody);
    expect(pem).toContain('[MASKED:privatekey]');
    expect(pem.startsWith('before\n')).toBe(true);
    expect(pem.endsWith('\nafter')).toBe(true);
  });

  it('leaves ordinary text and AWS account ids alone', () => {
    for (const s of ['plain line', 'pods ready 3/3', 'account_id = 1234-5678-9012', '']) expect(m.mask(s)).toBe(s);
  });
});
