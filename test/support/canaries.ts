/** Credential canaries for the masking tests: made-up values of real credential shapes. */
// canaries: made-up credentials of real shapes (the AWS docs' example id AKIAIOSFODNN7EXAMPLE is allow-listed by
// secretlint itself, so the AWS canary is another id of the same shape)
export const CANARIES = {
  aws: 'AKIAQYLPMN5HFIQR7XYZ',
  github: `ghp_${'aB3'.repeat(12)}`,
  jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  password: 'hunter2-canary',
  pemBody: 'MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM2z3q6Sv2ZfGJyYxqF0cT1bH7yVq\nXkQ9cW4oLr2S1mXb8gNnY7hP0aEu3JvTzKsFdRiOw6lCyHpVg5Bt2MxZqUe4nWaj\nK7rYs0dLf1GhJ9cPvQ2mN8bT3xWzE6uAiOk4SyRgV5pDl7HnF0eCq1MtXjUb2Ia=',
};
export const PEM = `-----BEGIN RSA PRIVATE KEY-----\n${CANARIES.pemBody}\n-----END RSA PRIVATE KEY-----`;

