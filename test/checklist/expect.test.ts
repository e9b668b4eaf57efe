import { describe, expect, it } from 'vitest';
import { checkExpectSyntax, describeMeasured, evaluateExpect, fieldsRead, truthy } from '../../src/checklist/expect.js';

describe('evaluateExpect', () => {
  const result = { exitCode: 0, captures: { recoverySeconds: 612, passLines: 12 }, json: { cascading_failures: 0, circuit_breaker_trips: 3 } };

  it('passes when the expression is truthy, fails when falsy', async () => {
    expect(await evaluateExpect('captures.recoverySeconds < 900', result)).toEqual({ ok: true, value: true });
    expect(await evaluateExpect('captures.recoverySeconds < 600', result)).toEqual({ ok: false, value: false });
    const r = await evaluateExpect('json.cascading_failures = 0 and json.circuit_breaker_trips > 0', result);
    expect(r.ok).toBe(true);
  });

  it('a missing field is falsy, not an error', async () => {
    const r = await evaluateExpect('captures.nope > 1', result);
    expect(r.ok).toBe(false);
    expect(r.error).toBeUndefined();
  });

  it('the item-level aggregate of seed 4.1: all scenarios pass and mean time to remediate < 60 s', async () => {
    const expr = '$count(checks.*[status = "pass"]) = 3 and $average(checks.*.durationMs) < 60000';
    const checks = (d: number[], s = 'pass') => ({
      checks: { high_memory: { status: s, durationMs: d[0], result: {} }, slow_queries: { status: 'pass', durationMs: d[1], result: {} }, queue_backup: { status: 'pass', durationMs: d[2], result: {} } },
    });
    expect((await evaluateExpect(expr, checks([20_000, 40_000, 70_000]))).ok).toBe(true);
    expect((await evaluateExpect(expr, checks([50_000, 70_000, 80_000]))).ok).toBe(false);
    expect((await evaluateExpect(expr, checks([1, 1, 1], 'fail'))).ok).toBe(false);
  });

  it('bindings are $-variables', async () => {
    expect((await evaluateExpect('captures.passLines >= $min', result, { min: 12 })).ok).toBe(true);
    expect((await evaluateExpect('captures.passLines >= $min', result, { min: 13 })).ok).toBe(false);
  });

  it('syntax and evaluation errors come back as `error`, never thrown', async () => {
    const s = await evaluateExpect('exitCode = (', result);
    expect(s.ok).toBe(false);
    expect(s).toEqual({ ok: false, value: undefined, error: 'expect syntax error at character 13: Expected ")" before end of expression' });
    const e = await evaluateExpect('$number("abc") > 1', result);
    expect(e).toEqual({ ok: false, value: undefined, error: 'expect could not be evaluated: Unable to cast value to a number: "abc"' });
    // an empty expression is refused with the validator's words, not JSONata's
    expect((await evaluateExpect('', result)).error).toBe('expect syntax error at character 1: empty expression');
    // a syntax error JSONata gives no position for: no "at character" rather than a made-up one
    expect((await evaluateExpect('%', result)).error).toBe(
      "expect syntax error: The object representing the 'parent' cannot be derived from this expression",
    );
  });
});

describe('checkExpectSyntax', () => {
  it('accepts valid expressions', () => {
    expect(checkExpectSyntax('exitCode = 0 and $count(json.items) > 0')).toBeUndefined();
  });
  it('points at the offending token', () => {
    expect(checkExpectSyntax('exitCode >>= 0')).toEqual({ message: 'The symbol ">=" cannot be used as a unary operator', position: 10 });
  });
  it('points just after the last character on an unexpected end', () => {
    expect(checkExpectSyntax('a and (b   \n')?.position).toBe(8);
  });
  it('gives no position when JSONata has none, and never one before the start', () => {
    expect(checkExpectSyntax('%')).toEqual({ message: "The object representing the 'parent' cannot be derived from this expression" });
    // the token is longer than the position JSONata reports: the start of the expression
    expect(checkExpectSyntax('1e999999')).toEqual({ message: 'Number out of range: "1e999999"', position: 0 });
  });
  it('refuses an empty expression', () => {
    expect(checkExpectSyntax('  ')?.message).toBe('empty expression');
  });
});

describe('truthy (JSONata $boolean)', () => {
  it.each([
    [true, true], [false, false], [1, true], [0, false], ['x', true], ['', false], [null, false], [undefined, false],
    [[], false], [[false], false], [[0, 1], true], [[1, 0], true], [[[0], ['x']], true], [{}, false], [{ a: 1 }, true],
    [Number.NaN, false], [-1, true],
  ])('%j → %s', (v, want) => {
    expect(truthy(v)).toBe(want);
  });
  it('a function is false, as in $boolean', () => {
    expect(truthy(() => true)).toBe(false);
    expect(truthy([() => true])).toBe(false);
  });
});

describe('fieldsRead / describeMeasured: what an expression read, for `measured`', () => {
  it('names the result fields as dotted paths of plain names, in order, once each', () => {
    expect(fieldsRead('alertsPerDay < 5 and falsePositiveRate < 0.1 and actionableFraction > 0.9')).toEqual(['alertsPerDay', 'falsePositiveRate', 'actionableFraction']);
    expect(fieldsRead('captures.recoverySeconds < 900 and $count(missingFields) = 0 and captures.recoverySeconds > 0')).toEqual(['captures.recoverySeconds', 'missingFields']);
    // a filter ends the path: what follows is relative to the filtered array; $variables are not result fields
    expect(fieldsRead('$count(byAlert[episodes > 3].alertname) = 0 and ready >= $number($vars.minNodes)')).toEqual(['byAlert', 'ready']);
    expect(fieldsRead('(')).toEqual([]);
  });

  it('a filter, focus or index binding on a later step ends the path before it; a function or $variable first step is not a field', () => {
    expect(fieldsRead('$count(nodes.pods[phase = "Running"].name) > 0')).toEqual(['nodes']);
    expect(fieldsRead('$count(nodes.pods@$p.name) > 0')).toEqual(['nodes']);
    expect(fieldsRead('$count(nodes.pods#$i.name) > 0')).toEqual(['nodes']);
    expect(fieldsRead('nodes.pods.name')).toEqual(['nodes.pods.name']);
    // a path that starts with a function call: the fields are the ones inside the call
    expect(fieldsRead('$keys(json).x = "a"')).toEqual(['json']);
    expect(fieldsRead('$vars.min < ready')).toEqual(['ready']);
    // literals (null among them) are walked past, not read as fields
    expect(fieldsRead('status = null and ready')).toEqual(['status', 'ready']);
  });

  it('shows each value: numbers and strings as JSON, arrays by their length, objects elided, missing as absent', () => {
    const result = { ready: 2, name: 'x', byAlert: [{}, {}], captures: { recoverySeconds: 812 }, json: { a: 1 } };
    expect(describeMeasured('ready >= 3 and name = "x" and $count(byAlert) = 0 and captures.recoverySeconds < 900 and json and nope', result)).toBe(
      'ready 2, name "x", byAlert (2 items), captures.recoverySeconds 812, json {…}, nope (absent)',
    );
  });

  it('one item, null, and a long value cut at 80 characters', () => {
    const long = 'x'.repeat(100);
    const result = { one: ['a'], none: null, long, exact: 'y'.repeat(78) };
    expect(describeMeasured('one and none and long and exact', result)).toBe(
      `one (1 item), none null, long "${'x'.repeat(79)}…, exact "${'y'.repeat(78)}"`,
    );
  });

  it('a dotted path walks objects only: past null, a number or an array it is absent', () => {
    expect(describeMeasured('a.b', { a: null })).toBe('a.b (absent)');
    expect(describeMeasured('a.b', { a: 5 })).toBe('a.b (absent)');
    expect(describeMeasured('a.length', { a: 'text' })).toBe('a.length (absent)'); // a string has no fields in JSONata
    expect(describeMeasured('a.b', { a: [{ b: 1 }] })).toBe('a.b (absent)');
    expect(describeMeasured('a.b', { a: { b: 1 } })).toBe('a.b 1');
  });
});
