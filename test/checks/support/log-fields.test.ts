import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { DEFAULT_FIELDS, LogScorer, find, findField, lookup, matchField, unwrapLine, unwrapOtlp, validValue } from '../../../src/checks/support/log-fields.js';
import { fixturesDir } from '../../support/fixtures.js';

const FIX = path.join(fixturesDir, 'structured-logs');
/** the lines of a structured-logs fixture, as captured (the trailing newline dropped) */
const fixtureLines = (name: string) => readFileSync(path.join(FIX, name), 'utf8').replace(/\n$/, '').split('\n');

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

  it('key lookup: the exact spelling first, else the first spelling in the record; names with dots split at every point', () => {
    expect(find({ LEVEL: 'b', level: 'a' }, 'level')).toEqual({ key: 'level', value: 'a' });
    expect(find({ Level: 'a', LEVEL: 'b' }, 'level')).toEqual({ key: 'Level', value: 'a' });
    expect(find({ 'a.b': { c: 1 } }, 'a.b.c')).toEqual({ key: 'a.b.c', value: 1 });
    expect(find({ a: { 'b.c': 2 } }, 'a.b.c')).toEqual({ key: 'a.b.c', value: 2 });
    expect(find({ a: { b: { c: 3 } } }, 'a.b.c')).toEqual({ key: 'a.b.c', value: 3 });
    // a nested object without the rest of the path, a key literally named "undefined", a non-object: not found
    expect(find({ log: { logger: 'app' } }, 'log.level')).toBeUndefined();
    expect(find({ undefined: { level: 'info' } }, 'log.level')).toBeUndefined();
    expect(find({ log: 'info' }, 'log.level')).toBeUndefined();
    expect(find({ level: 'info' }, 'lvl')).toBeUndefined();
  });

  it('empty values (undefined, null, "") carry nothing; other present values are present even when malformed', () => {
    const trace = DEFAULT_FIELDS.trace_id!;
    expect(matchField({ trace_id: null }, 'trace_id', trace)).toBeUndefined();
    expect(matchField({ trace_id: undefined }, 'trace_id', trace)).toBeUndefined();
    expect(matchField({ trace_id: 0 }, 'trace_id', trace)).toEqual({ key: 'trace_id', valid: false, value: 0 });
    expect(validValue('timestamp', 'ts', '')).toBe(false);
    expect(validValue('timestamp', 'ts', null)).toBe(false);
    expect(validValue('service', 'app', '')).toBe(false);
  });

  it('trace ids: numbers are read as decimal; a leading or trailing zero is fine; anything else is malformed', () => {
    const ok = (v: unknown) => validValue('trace_id', 'dd.trace_id', v);
    expect(ok(4567890123)).toBe(true);
    expect(ok(0)).toBe(false);
    expect(ok('0af7651916cd43dd8448eb211c80319c')).toBe(true); // the W3C trace-context example, leading zero
    expect(ok('35155a4b79bd19f0')).toBe(true);
    expect(ok('0000000000000000')).toBe(false);
    expect(ok('12345678901234567890')).toBe(true); // 20 digits: the largest unsigned 64-bit decimal has 20
    expect(ok('123456789012345678901')).toBe(false);
    expect(ok('1234567890x')).toBe(false);
    expect(ok('35155a4b79bd19f6 ')).toBe(false);
    expect(ok(['35155a4b79bd19f6'])).toBe(false);
    expect(ok({ id: '35155a4b79bd19f6' })).toBe(false);
    expect(ok(true)).toBe(false);
  });

  it('levels: a name, a number ≥ 0 (severityNumber 1–24 by its key), an object with a Name/name string', () => {
    const lvl = (key: string, v: unknown) => validValue('level', key, v);
    expect(lvl('level', 'info')).toBe(true);
    expect(lvl('level', 0)).toBe(true);
    expect(lvl('level', -1)).toBe(false);
    expect(lvl('severityNumber', 1)).toBe(true);
    expect(lvl('severityNumber', 24)).toBe(true);
    expect(lvl('SEVERITYNUMBER', 0)).toBe(false);
    expect(lvl('attributes.severityNumber', 25)).toBe(false);
    expect(lvl('severityNumberOld', 30)).toBe(true); // only a key ending in severityNumber is OTel's 1–24
    expect(lvl('Level', { Name: 'DEBUG', No: 10 })).toBe(true);
    expect(lvl('level', { name: 'info' })).toBe(true);
    expect(lvl('Level', { No: 10 })).toBe(false);
    expect(lvl('Level', { Name: 10 })).toBe(false);
    expect(lvl('level', { name: 20 })).toBe(false);
    expect(lvl('level', true)).toBe(false);
    expect(lvl('level', ['info'])).toBe(false);
  });

  it('timestamps: a string, a number or an object; other fields: a string or a number', () => {
    expect(validValue('timestamp', 'ts', '2024-11-12T14:13:36.574+0900')).toBe(true);
    expect(validValue('timestamp', 'time', 1731391316698)).toBe(true);
    expect(validValue('timestamp', 'instant', { epochSecond: 1731391316, nanoOfSecond: 698000000 })).toBe(true);
    expect(validValue('timestamp', 'ts', true)).toBe(false);
    expect(validValue('timestamp', 'ts', ['2024-11-12'])).toBe(false);
    expect(validValue('service', 'app', 'payment')).toBe(true);
    expect(validValue('service', 'app', 7)).toBe(true);
    expect(validValue('service', 'app', -7)).toBe(true);
    expect(validValue('service', 'app', { name: 'payment' })).toBe(false);
    expect(validValue('service', 'app', false)).toBe(false);
  });

  it('CLEF: an absent @l counts as Information only for the level, with @t and @m or @mt, and no malformed level', () => {
    const clef = JSON.parse(fixtureLines('humanlog-serilog-clef.jsonl')[0]!) as Record<string, unknown>;
    const { '@l': _l, ...noLevel } = clef;
    const level = DEFAULT_FIELDS.level!;
    expect(matchField(clef, 'level', level)).toEqual({ key: '@l', valid: true });
    expect(matchField(noLevel, 'level', level)).toEqual({ key: '@l (absent = Information)', valid: true });
    const { '@mt': _mt, ...onlyM } = noLevel;
    expect(matchField(onlyM, 'level', level)).toEqual({ key: '@l (absent = Information)', valid: true });
    const { '@m': _m, ...onlyMt } = noLevel;
    expect(matchField(onlyMt, 'level', level)).toEqual({ key: '@l (absent = Information)', valid: true });
    const { '@t': _t, ...noTime } = noLevel;
    expect(matchField(noTime, 'level', level)).toBeUndefined();
    expect(matchField({ '@t': clef['@t'] }, 'level', level)).toBeUndefined();
    expect(matchField(noLevel, 'trace_id', DEFAULT_FIELDS.trace_id!)).toBeUndefined();
    expect(matchField({ ...noLevel, '@l': { No: 3 } }, 'level', level)).toEqual({ key: '@l', valid: false, value: { No: 3 } });
  });

  it('OTLP: resource and record attributes are merged under the record, each anyValue kind unwrapped (real example)', () => {
    const doc = JSON.parse(readFileSync(path.join(FIX, 'otel-proto-examples-logs.json'), 'utf8')) as Record<string, unknown>;
    const [rec, ...more] = unwrapOtlp(doc)!;
    expect(more).toEqual([]);
    expect(rec).toMatchObject({
      'service.name': 'my.service',
      'string.attribute': 'some string',
      'boolean.attribute': true,
      'int.attribute': 10,
      'double.attribute': 637.704,
      // kinds with no scalar inside are kept as they are
      'array.attribute': { arrayValue: { values: [{ stringValue: 'many' }, { stringValue: 'values' }] } },
      'map.attribute': { kvlistValue: { values: [{ key: 'some.map.key', value: { stringValue: 'some value' } }] } },
      traceId: '5B8EFFF798038103D269B633813FC60C',
      severityText: 'Information',
    });
    expect(unwrapOtlp({ level: 'info' })).toBeUndefined();
  });

  it('OTLP: entries that are not objects are skipped; a record field wins over an attribute of the same name', () => {
    const attr = (key: unknown, value: unknown) => ({ key, value });
    const doc = {
      resourceLogs: [
        null,
        { scopeLogs: 'none' },
        {
          resource: { attributes: [null, 'x', attr(5, { stringValue: 'five' }), attr('service.name', { stringValue: 'pay' }), attr('raw', 'plain')] },
          scopeLogs: [7, null, { logRecords: 'none' }, { logRecords: [null, { attributes: [attr('service.name', { stringValue: 'inner' })], severityText: 'WARN' }, { body: { stringValue: 'b' } }] }],
        },
      ],
    };
    expect(unwrapOtlp(doc)).toEqual([
      { 'service.name': 'inner', raw: 'plain', attributes: [attr('service.name', { stringValue: 'inner' })], severityText: 'WARN' },
      { 'service.name': 'pay', raw: 'plain', body: { stringValue: 'b' } },
    ]);
  });

  it('lines: leading blanks are trimmed, records only on structured lines, OTLP in CRI and Docker wrappers, Docker only with ≤ 4 keys', () => {
    expect(unwrapLine('   {"level":"info"}')).toEqual({ kind: 'json', records: [{ level: 'info' }] });
    expect(unwrapLine('time=1 level=INFO msg=hi')).toEqual({ kind: 'text', records: [] });
    expect(unwrapLine(fixtureLines('lnav-logfile_json_invalid.json')[4]!)).toEqual({ kind: 'invalid-json', records: [] });
    expect(unwrapLine('[{"level":"info"}]')).toEqual({ kind: 'non-object', records: [] });
    const otlpLine = fixtureLines('lnav-logfile_otel_collector.jsonl')[4]!;
    const otlp = unwrapLine(otlpLine);
    expect(otlp.kind).toBe('otlp');
    expect(otlp.records).toHaveLength(1);
    expect(unwrapLine(`2026-11-27T10:00:00.1Z stdout P ${otlpLine}`)).toEqual({ ...otlp, kind: 'wrapped' });
    expect(unwrapLine(JSON.stringify({ log: `${otlpLine}\n`, stream: 'stderr', time: 'x' }))).toEqual({ ...otlp, kind: 'wrapped' });
    expect(unwrapLine(JSON.stringify({ log: 'plain text\n', stream: 'stdout', time: 'x' }))).toEqual({ kind: 'text', records: [] });
    expect(unwrapLine('2026-11-27T10:00:00.1Z stderr F {"a": 1')).toEqual({ kind: 'invalid-json', records: [] });
    // the json-file driver's 3 keys, plus "attrs" (--log-opt labels): still a wrapper; one more key: a record of its own
    const zap = fixtureLines('humanlog-zap.jsonl')[0]!;
    const docker = { log: `${zap}\n`, stream: 'stdout', time: '2026-11-27T10:00:00.1Z', attrs: { app: 'x' } };
    expect(unwrapLine(JSON.stringify(docker))).toEqual({ kind: 'wrapped', records: [JSON.parse(zap)] });
    expect(unwrapLine(JSON.stringify({ ...docker, level: 'info' })).kind).toBe('json');
    // "log" and "stream" both strings, or it is no wrapper
    expect(unwrapLine(JSON.stringify({ log: zap, level: 'info' }))).toEqual({ kind: 'json', records: [{ log: zap, level: 'info' }] });
    expect(unwrapLine(JSON.stringify({ log: { level: 'info' }, stream: 'stdout' }))).toEqual({ kind: 'json', records: [{ log: { level: 'info' }, stream: 'stdout' }] });
  });
});

describe('LogScorer', () => {
  it('a real zap sample: per-field presence, keys and malformed values; the first offenders with their reasons', () => {
    const lines = fixtureLines('humanlog-zap.jsonl');
    const s = new LogScorer();
    lines.forEach((l, i) => s.addLine(l, 'zap.log', i + 1));
    const cut = (l: string) => (l.length > 300 ? `${l.slice(0, 300)}…` : l);
    // zap writes no service key; trace_id on lines 2, 3, 7, 11 and 12, on line 3 with 15 hex digits
    expect(s.result()).toEqual({
      lines: 12,
      structuredLines: 12,
      structuredPercent: 100,
      records: 12,
      fields: {
        timestamp: { present: 12, percent: 100, keys: { timestamp: 12 }, malformed: 0 },
        level: { present: 12, percent: 100, keys: { level: 12 }, malformed: 0 },
        service: { present: 0, percent: 0, keys: {}, malformed: 0 },
        trace_id: { present: 5, percent: 41.67, keys: { trace_id: 5 }, malformed: 1 },
      },
      commonFields: ['timestamp', 'level'],
      malformedFields: ['trace_id'],
      malformedValues: { trace_id: [{ source: 'zap.log', line: 3, key: 'trace_id', value: 'f8ef5906c42d990' }] },
      kinds: { json: 12 },
      offenders: [
        { source: 'zap.log', line: 1, reason: 'missing service, trace_id', text: lines[0] },
        { source: 'zap.log', line: 2, reason: 'missing service', text: cut(lines[1]!) },
        { source: 'zap.log', line: 3, reason: 'missing service; malformed trace_id trace_id=f8ef5906c42d990', text: cut(lines[2]!) },
        { source: 'zap.log', line: 4, reason: 'missing service, trace_id', text: lines[3] },
        { source: 'zap.log', line: 5, reason: 'missing service, trace_id', text: lines[4] },
      ],
    });
    expect(cut(lines[1]!)).toHaveLength(301); // line 2 is longer than 300 characters: it is cut
  });

  it('line kinds: blank lines are skipped; text, invalid JSON and non-objects are offenders; wrapped and OTLP lines count', () => {
    const mixed = fixtureLines('humanlog-mixed-logfmt-and-zapjson.log');
    const invalid = fixtureLines('lnav-logfile_json_invalid.json')[4]!;
    const otlp = fixtureLines('lnav-logfile_otel_collector.jsonl')[0]!;
    const s = new LogScorer({ maxOffenders: 10 });
    const input = ['', ...mixed, '   ', invalid, '[1,2]', `2026-11-27T10:00:00.1Z stdout F ${mixed[3]}`, otlp];
    input.forEach((l, i) => s.addLine(l, 'mixed', i + 1));
    const r = s.result();
    // 3 text + 1 zap JSON + invalid + non-object + CRI-wrapped zap + one OTLP line of 3 records
    expect(r.kinds).toEqual({ text: 3, json: 1, 'invalid-json': 1, 'non-object': 1, wrapped: 1, otlp: 1 });
    expect([r.lines, r.structuredLines, r.structuredPercent, r.records]).toEqual([8, 3, 37.5, 5]);
    expect(r.fields.service).toEqual({ present: 5, percent: 100, keys: { service: 2, 'service.name': 3 }, malformed: 0 });
    expect(r.fields.level!.keys).toEqual({ level: 2, severityText: 3 }); // severityText comes before severityNumber in the synonyms
    expect(r.offenders.map((o) => [o.line, o.reason])).toEqual([
      [2, 'not JSON'],
      [3, 'not JSON'],
      [4, 'not JSON'],
      [5, 'missing trace_id'],
      [7, 'invalid JSON'],
      [8, 'JSON but not an object'],
      [9, 'missing trace_id'],
    ]);
    expect(r.offenders[0]!.text).toBe(mixed[0]);
    expect(r.offenders[6]!.text).toBe(`2026-11-27T10:00:00.1Z stdout F ${mixed[3]}`);
  });

  it('whole documents: an OTLP export counts its records, an array its objects, an object itself; nothing else counts', () => {
    const text = readFileSync(path.join(FIX, 'otel-proto-examples-logs.json'), 'utf8');
    const zap = fixtureLines('humanlog-zap.jsonl').map((l) => JSON.parse(l) as Record<string, unknown>);
    const s = new LogScorer();
    s.addDocument(JSON.parse(text), 'otel.json');
    s.addDocument([zap[1], 5, null, zap[6]], 'array.json');
    s.addDocument(zap[0], 'object.json');
    s.addDocument(5, 'number.json');
    const r = s.result();
    expect(r.kinds).toEqual({ 'otlp-document': 1, 'json-document': 3 });
    expect([r.lines, r.structuredLines, r.structuredPercent, r.records]).toEqual([4, 4, 100, 4]);
    expect(r.fields.trace_id).toEqual({ present: 3, percent: 75, keys: { traceId: 1, trace_id: 2 }, malformed: 0 });
    expect(r.offenders).toEqual([
      { source: 'array.json', line: 1, reason: 'missing service', text: `${JSON.stringify([zap[1], 5, null, zap[6]]).slice(0, 300)}…` },
      { source: 'array.json', line: 1, reason: 'missing service', text: `${JSON.stringify([zap[1], 5, null, zap[6]]).slice(0, 300)}…` },
      { source: 'object.json', line: 1, reason: 'missing service, trace_id', text: JSON.stringify(zap[0]) },
    ]);
  });

  it('limits: at most maxOffenders offenders and malformed values; offending lines cut after 300 characters, values after 80', () => {
    const s = new LogScorer({ fields: { trace_id: DEFAULT_FIELDS.trace_id! }, maxOffenders: 2 });
    const z80 = 'z'.repeat(80);
    s.addLine(JSON.stringify({ trace_id: z80 }), 'a', 1);
    s.addLine(JSON.stringify({ trace_id: `${z80}y` }), 'a', 2);
    s.addLine(JSON.stringify({ trace_id: 'q' }), 'a', 3);
    const r = s.result();
    expect(r.fields.trace_id).toEqual({ present: 3, percent: 100, keys: { trace_id: 3 }, malformed: 3 });
    expect(r.commonFields).toEqual(['trace_id']);
    expect(r.malformedValues).toEqual({
      trace_id: [
        { source: 'a', line: 1, key: 'trace_id', value: z80 },
        { source: 'a', line: 2, key: 'trace_id', value: `${z80}y` },
      ],
    });
    expect(r.offenders.map((o) => o.reason)).toEqual([`malformed trace_id trace_id=${z80}`, `malformed trace_id trace_id=${z80}…`]);

    const t = new LogScorer({ maxOffenders: 2 });
    t.addLine('x'.repeat(300), 'b', 1);
    t.addLine('x'.repeat(301), 'b', 2);
    t.addLine('x', 'b', 3);
    expect(t.result().offenders).toEqual([
      { source: 'b', line: 1, reason: 'not JSON', text: 'x'.repeat(300) },
      { source: 'b', line: 2, reason: 'not JSON', text: `${'x'.repeat(300)}…` },
    ]);
  });

  it('a malformed non-string value is shown as JSON; a field is common at exactly the threshold share', () => {
    const s = new LogScorer({ commonThreshold: 0.5 });
    const loguru = JSON.parse(fixtureLines('humanlog-loguru-json.jsonl')[0]!) as Record<string, unknown>;
    s.addLine(JSON.stringify({ ...loguru, Level: { No: 10 }, trace_id: 'f8ef5906c42d990' }), 'loguru', 1);
    s.addLine(fixtureLines('lnav-logfile_pino.0')[0]!, 'pino', 1);
    const r = s.result();
    expect(r.offenders[0]!.reason).toBe('missing service; malformed level Level={"No":10}, trace_id trace_id=f8ef5906c42d990');
    expect(r.malformedValues).toEqual({
      level: [{ source: 'loguru', line: 1, key: 'Level', value: '{"No":10}' }],
      trace_id: [{ source: 'loguru', line: 1, key: 'trace_id', value: 'f8ef5906c42d990' }],
    });
    expect(r.commonFields).toEqual(['timestamp', 'level', 'service', 'trace_id']);
    expect(new LogScorer({ commonThreshold: 0.51 }).result().commonFields).toEqual([]);
  });

  it('nothing read: every count and share is 0, no field is common', () => {
    expect(new LogScorer({ commonThreshold: 0 }).result()).toEqual({
      lines: 0,
      structuredLines: 0,
      structuredPercent: 0,
      records: 0,
      fields: Object.fromEntries(Object.keys(DEFAULT_FIELDS).map((f) => [f, { present: 0, percent: 0, keys: {}, malformed: 0 }])),
      commonFields: [],
      malformedFields: [],
      malformedValues: {},
      kinds: {},
      offenders: [],
    });
  });
});
