import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createPlainReporter } from '../../src/engine/plain-reporter.js';

function sink(isTTY = false) {
  const s = new PassThrough() as PassThrough & { isTTY?: boolean };
  s.isTTY = isTTY;
  let text = '';
  s.on('data', (d) => (text += d));
  return { s, text: () => text };
}

const ts = '2026-11-27T12:00:00.000Z';

describe('plain reporter', () => {
  it('shows control sequences in checklist text and check messages visibly, never raw (even on a TTY)', () => {
    const out = sink(true);
    const r = createPlainReporter({ out: out.s, env: {} });
    r.onEvent({ type: 'item.start', ts, actor: 'a', data: { item: '1.1', attempt: 1, describe: 'run \x1b]0;pwned\x07 it' } });
    r.onEvent({ type: 'item.skip', ts, actor: 'a', data: { item: '2.1', status: 'skipped', reason: 'by \x1b]52;c;ZXZpbA==\x07 hand' } });
    r.message('deliverable \x1b]52;c;ZXZpbA==\x07.md: not checked\nsecond \x9b2J line');
    const text = out.text();
    expect(text).toContain('run ␛]0;pwned␇ it');
    expect(text).toContain('by ␛]52;c;ZXZpbA==␇ hand');
    expect(text).toContain('deliverable ␛]52;c;ZXZpbA==␇.md: not checked\nsecond ␛[2J line');
    expect(text).not.toMatch(/\x1b\]|\x07|\x9b/);
  });

  it('prints one plain line per event, output prefixed with the item id, no ANSI without a TTY', () => {
    const out = sink(false);
    const r = createPlainReporter({ out: out.s, env: {} });
    r.onEvent({ type: 'item.start', ts, actor: 'a', data: { item: '1.1', attempt: 1, describe: 'kubectl get nodes' } });
    r.onEvent({ type: 'output', item: '1.1', lines: ['\x1b[32mReady\x1b[0m', 'x'], dropped: 0, stream: 'stdout' });
    r.onEvent({ type: 'output', item: '1.1', lines: ['oops'], dropped: 0, stream: 'stderr' });
    r.onEvent({
      type: 'item.result',
      ts,
      actor: 'a',
      data: {
        item: '1.1',
        attempt: 1,
        verdict: 'error',
        summary: 'kubectl not found',
        error: { message: 'kubectl not found', hint: 'install kubectl' },
        durationMs: 1500,
        evidence: [{ path: 'evidence/1.1/1.log', sha256: 'ab'.repeat(32), bytes: 12 }],
      },
    });
    r.onEvent({ type: 'item.skip', ts, actor: 'a', data: { item: '2.1', status: 'blocked', reason: 'depends on 1.1 (error)' } });
    r.onEvent({ type: 'decision', ts, actor: 'a', data: { decision: 'NO-GO', deciding: [{ item: '1.1', status: 'error' }], final: true } });
    const text = out.text();
    expect(text).not.toContain('\x1b');
    expect(text).toMatch(/^\d\d:\d\d:\d\d 1\.1 RUNNING attempt 1: kubectl get nodes$/m);
    expect(text).toMatch(/ 1\.1 \| Ready$/m);
    expect(text).toMatch(/ 1\.1 ! oops$/m);
    expect(text).toMatch(/1\.1 ERROR kubectl not found 1\.5s$/m);
    expect(text).toMatch(/1\.1 :   hint: install kubectl$/m);
    expect(text).toMatch(/2\.1 BLOCKED depends on 1\.1 \(error\)$/m);
    expect(text).toMatch(/DECISION NO-GO — 1\.1 error$/m);
  });

  it('prints deliverables as "deliverable <path>: <verdict> — <summary>", details under deliverables[<index>]', () => {
    const out = sink(false);
    const r = createPlainReporter({ out: out.s, env: {} });
    r.onEvent({ type: 'deliverable.start', ts, actor: 'a', data: { index: 2, path: 'dashboards/slo.json', attempt: 1, describe: 'test -e dashboards/slo.json && parse as json' } });
    r.onEvent({ type: 'output', item: 'deliverables[2]', lines: ['parse error: x'], dropped: 0, stream: 'stderr' });
    r.onEvent({
      type: 'deliverable.result',
      ts,
      actor: 'a',
      data: {
        index: 2,
        path: 'dashboards/slo.json',
        attempt: 1,
        verdict: 'fail',
        summary: 'found dashboards/slo.json, but x',
        measured: '1 match',
        expect: 'exists and parseError = null',
        durationMs: 4,
        evidence: [{ path: 'evidence/_deliverable-2/1.log', sha256: 'cd'.repeat(32), bytes: 40 }],
      },
    });
    r.onEvent({ type: 'deliverable.skip', ts, actor: 'a', data: { index: 3, path: 'docs/x.md', reason: 'cancelled by alice' } });
    const text = out.text();
    expect(text).toMatch(/^\d\d:\d\d:\d\d deliverable dashboards\/slo\.json: running — test -e dashboards\/slo\.json && parse as json$/m);
    expect(text).toMatch(/ deliverables\[2\] ! parse error: x$/m);
    expect(text).toMatch(/ deliverable dashboards\/slo\.json: fail — found dashboards\/slo\.json, but x \(measured 1 match\) 4ms$/m);
    expect(text).toMatch(/ deliverables\[2\] :   expected: exists and parseError = null$/m);
    expect(text).toMatch(/ deliverables\[2\] :   evidence: evidence\/_deliverable-2\/1\.log \(40 bytes, sha256 cdcdcdcdcdcd…\)$/m);
    expect(text).toMatch(/ deliverable docs\/x\.md: skipped — cancelled by alice$/m);
    const tty = sink(true);
    createPlainReporter({ out: tty.s, env: {} }).onEvent({ type: 'deliverable.skip', ts, actor: 'a', data: { index: 0, path: 'p', reason: 'r' } });
    expect(tty.text()).toContain('\x1b[90mskipped\x1b[0m');
  });

  it('colours status words only on a TTY without NO_COLOR', () => {
    const tty = sink(true);
    createPlainReporter({ out: tty.s, env: {} }).onEvent({ type: 'item.skip', ts, actor: 'a', data: { item: '1', status: 'skipped', reason: 'r' } });
    expect(tty.text()).toContain('\x1b[90mSKIPPED\x1b[0m');
    const nc = sink(true);
    createPlainReporter({ out: nc.s, env: { NO_COLOR: '1' } }).onEvent({ type: 'item.skip', ts, actor: 'a', data: { item: '1', status: 'skipped', reason: 'r' } });
    expect(nc.text()).not.toContain('\x1b');
  });

  it('shows the tail of a flood with a count, and NDJSON with --json', () => {
    const out = sink();
    const r = createPlainReporter({ out: out.s, env: {} });
    r.onEvent({ type: 'output', item: 'x', lines: Array.from({ length: 1000 }, (_, i) => `l${i}`), dropped: 50, stream: 'stdout' });
    const lines = out.text().trim().split('\n');
    expect(lines[0]).toContain('850 lines not shown');
    expect(lines.length).toBe(201);
    expect(lines[200]).toMatch(/x \| l999$/);
    const j = sink();
    const jr = createPlainReporter({ out: j.s, json: true, env: {} });
    jr.onEvent({ type: 'item.skip', ts, actor: 'a', data: { item: '1', status: 'skipped', reason: 'r' } });
    jr.message('hello', { session: 'd' });
    const objs = j.text().trim().split('\n').map((l) => JSON.parse(l));
    expect(objs[0]).toEqual({ type: 'item.skip', ts, actor: 'a', data: { item: '1', status: 'skipped', reason: 'r' } });
    expect(objs[1]).toMatchObject({ type: 'message', text: 'hello', session: 'd' });
  });
});
