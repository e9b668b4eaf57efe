import { describe, expect, it } from 'vitest';
import { createRedactor } from '../../src/engine/redact.js';

describe('redact', () => {
  const r = createRedactor([
    { name: 'dbPassword', value: 's3cr3t-P@ss' },
    { name: 'token', value: 'tok_ABCDEF123456' },
  ]);

  it('masks secret values in text, with the variable name', () => {
    expect(r.redact('pw=s3cr3t-P@ss and tok_ABCDEF123456')).toBe('pw=[REDACTED:dbPassword] and [REDACTED:token]');
    expect(r.redact('nothing here')).toBe('nothing here');
  });

  it('masks URL-encoded and base64 forms too', () => {
    expect(r.redact('postgres://u:s3cr3t-P%40ss@db')).toBe('postgres://u:[REDACTED:dbPassword]@db');
    const b64 = Buffer.from('tok_ABCDEF123456').toString('base64');
    expect(r.redact(`Authorization: Basic ${b64}`)).toBe('Authorization: Basic [REDACTED:token]');
  });

  it('masks strings deep inside a result, leaving other values alone', () => {
    const v = r.redactValue({ a: ['x s3cr3t-P@ss'], b: { c: 3, d: null, e: 'tok_ABCDEF123456' } });
    expect(v).toEqual({ a: ['x [REDACTED:dbPassword]'], b: { c: 3, d: null, e: '[REDACTED:token]' } });
  });

  it('is a no-op without secrets (and ignores empty values)', () => {
    const none = createRedactor([{ name: 'empty', value: '' }]);
    expect(none.active).toBe(false);
    const buf = Buffer.from('abc');
    expect(none.stream().push(buf)).toBe(buf);
  });

  it('masks a secret split across stream chunks at every possible split point', () => {
    const text = 'before s3cr3t-P@ss middle tok_ABCDEF123456 after\n';
    const whole = Buffer.from(text);
    for (let cut = 1; cut < whole.length; cut++) {
      const s = r.stream();
      const out = Buffer.concat([s.push(whole.subarray(0, cut)), s.push(whole.subarray(cut)), s.end()]).toString();
      expect(out).toBe('before [REDACTED:dbPassword] middle [REDACTED:token] after\n');
    }
  });

  it('masks a secret delivered one byte at a time', () => {
    const s = r.stream();
    const parts: Buffer[] = [];
    for (const b of Buffer.from('xx tok_ABCDEF123456 yy')) parts.push(s.push(Buffer.from([b])));
    parts.push(s.end());
    expect(Buffer.concat(parts).toString()).toBe('xx [REDACTED:token] yy');
  });
});
