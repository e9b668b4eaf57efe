import { describe, expect, it } from 'vitest';
import { loadCredentialMasker } from '../../src/engine/credential-mask.js';

// canaries: made-up credentials of real shapes (the AWS docs' example id AKIAIOSFODNN7EXAMPLE is allow-listed by
// secretlint itself, so the AWS canary is another id of the same shape)
export const CANARIES = {
  aws: 'AKIAQYLPMN5HFIQR7XYZ',
  github: `ghp_${'aB3'.repeat(12)}`,
  jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  password: 'hunter2-canary',
  pemBody: 'MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM2z3q6Sv2ZfGJyYxqF0cT1bH7yVq\nXkQ9cW4oLr2S1mXb8gNnY7hP0aEu3JvTzKsFdRiOw6lCyHpVg5Bt2MxZqUe4nWaj\nK7rYs0dLf1GhJ9cPvQ2mN8bT3xWzE6uAiOk4SyRgV5pDl7HnF0eCq1MtXjUb2Ia=',
};
const PEM = `-----BEGIN RSA PRIVATE KEY-----\n${CANARIES.pemBody}\n-----END RSA PRIVATE KEY-----`;

describe('credential masking (secretlint preset rules + jwt/password)', () => {
  it('masks each shape with a visible marker naming the rule', async () => {
    const m = await loadCredentialMasker();
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

  it('leaves ordinary text and AWS account ids alone', async () => {
    const m = await loadCredentialMasker();
    for (const s of ['plain line', 'pods ready 3/3', 'account_id = 1234-5678-9012', '']) expect(m.mask(s)).toBe(s);
  });
});
