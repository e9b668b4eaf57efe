import { describe, expect, it } from 'vitest';
import { DEFAULT_FIELDS, find, findField, lookup, matchField, unwrapLine, validValue } from '../../../src/checks/support/log-fields.js';

describe('log field detection', () => {
  it('dotted synonyms are found flat ("service.name") and nested ({log: {level}})', () => {
    expect(lookup({ 'service.name': 'pay' }, 'service.name')).toBe('pay');
    expect(lookup({ log: { level: 'info' } }, 'log.level')).toBe('info');
    expect(lookup({ dd: { trace_id: '123' } }, 'dd.trace_id')).toBe('123');
    expect(lookup({ a: 1 }, 'a.b')).toBeUndefined();
  });

  it('names match in any case, and the key is reported as the record spells it', () => {
    expect(find({ Logger: 'org.example.A' }, 'logger')).toEqual({ key: 'Logger', value: 'org.example.A' });
    expect(find({ LOG: { Level: 'info' } }, 'log.level')).toEqual({ key: 'LOG.Level', value: 'info' });
    expect(find({ level: 'a', LEVEL: 'b' }, 'level')).toEqual({ key: 'level', value: 'a' }); // exact spelling first
  });

  it('a present value that is not well-formed is present but malformed; a valid synonym wins', () => {
    expect(matchField({ trace_id: 'f8ef5906c42d990' }, 'trace_id', DEFAULT_FIELDS.trace_id!)).toEqual({ key: 'trace_id', valid: false, value: 'f8ef5906c42d990' });
    expect(matchField({ trace_id: 'zz', traceId: '35155a4b79bd19f6' }, 'trace_id', DEFAULT_FIELDS.trace_id!)).toEqual({ key: 'traceId', valid: true });
    expect(matchField({ trace_id: '' }, 'trace_id', DEFAULT_FIELDS.trace_id!)).toBeUndefined();
  });

  it('levels: numeric pino/bunyan, OTel severityNumber 1–24, loguru objects; CLEF without @l means Information', () => {
    expect(findField({ level: 30 }, 'level', DEFAULT_FIELDS.level!)).toBe('level');
    expect(findField({ severityNumber: 9 }, 'level', DEFAULT_FIELDS.level!)).toBe('severityNumber');
    expect(validValue('level', 'severityNumber', 99)).toBe(false);
    expect(findField({ Level: { Name: 'DEBUG', No: 10 } }, 'level', DEFAULT_FIELDS.level!)).toBe('Level');
    expect(findField({ '@t': '2024-01-01T00:00:00Z', '@mt': 'hi' }, 'level', DEFAULT_FIELDS.level!)).toMatch(/absent = Information/);
    expect(findField({ msg: 'x' }, 'level', DEFAULT_FIELDS.level!)).toBeUndefined();
  });

  it('trace ids: 16/32 hex or decimal, never all zeros', () => {
    const ok = (v: unknown) => validValue('trace_id', 'trace_id', v);
    expect(ok('4bf92f3577b34da6a3ce929d0e0e4736')).toBe(true);
    expect(ok('5B8EFFF798038103D269B633813FC60C')).toBe(true);
    expect(ok('35155a4b79bd19f6')).toBe(true);
    expect(ok('1234567890123456789')).toBe(true); // Datadog decimal
    expect(ok('00000000000000000000000000000000')).toBe(false);
    expect(ok('f8ef5906c42d990')).toBe(false); // 15 hex digits
    expect(ok('')).toBe(false);
  });

  it('line classes: text, invalid JSON, non-object JSON, OTLP, Docker json-file and CRI wrappers', () => {
    expect(unwrapLine('time=1 level=INFO msg=hi').kind).toBe('text');
    expect(unwrapLine('{"a": 1').kind).toBe('invalid-json');
    expect(unwrapLine('[1,2]').kind).toBe('non-object');
    const otlp = unwrapLine(
      JSON.stringify({ resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 's' } }] }, scopeLogs: [{ logRecords: [{ timeUnixNano: '1' }, { timeUnixNano: '2' }] }] }] }),
    );
    expect(otlp.kind).toBe('otlp');
    expect(otlp.records).toHaveLength(2);
    expect(otlp.records[0]!['service.name']).toBe('s');
    const docker = unwrapLine(JSON.stringify({ log: '{"level":"info"}\n', stream: 'stdout', time: 'x' }));
    expect(docker).toEqual({ kind: 'wrapped', records: [{ level: 'info' }] });
    expect(unwrapLine('2026-11-27T10:00:00.1Z stderr F {"level":"warn"}')).toEqual({ kind: 'wrapped', records: [{ level: 'warn' }] });
    expect(unwrapLine('2026-11-27T10:00:00.1Z stdout F plain text').kind).toBe('text');
  });
});
