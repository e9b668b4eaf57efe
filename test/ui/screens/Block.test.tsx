/**
 * The block table shows how old each result is and marks STALE what is older than its maxAge, from the real store fed
 * with journal events an hour old (the fixture's clock is relative to now, so this passes on any date).
 */
import '../../support/no-ci.js';
import React from 'react';
import { describe, expect, it } from 'vitest';
import { App } from '../../../src/ui/app.js';
import { ageText } from '../../../src/ui/screens/Block.js';
import { createUiStore } from '../../../src/ui/ui-store.js';
import type { Theme } from '../../../src/ui/theme.js';
import { renderTui } from '../../support/render.js';
import { newLive, recordingActions, testChecklist, unmountAfterEach } from '../../support/ui-fixture.js';

const MONO: Theme = { color: false, ascii: false, animation: true, screenReader: false };

const keep = unmountAfterEach();

describe('block screen: evidence age', () => {
  it('each result has its age; one older than its maxAge is STALE; the decision waits for a re-verify', async () => {
    const c = testChecklist();
    const [nodes, scan] = c.blocks[0]!.items;
    nodes!.maxAgeMs = 30 * 60_000; // the result is an hour old: stale
    scan!.maxAgeMs = 4 * 3_600_000; // fresh
    const { live, feed } = newLive(c);
    feed.start();
    feed.result('0.1', 'pass');
    feed.result('0.2', 'pass');
    live.tick();
    expect(live.store.getState().items['0.1']!.stale).toBe(true);
    expect(live.store.getState().deciding).toContainEqual({ item: '0.1', status: 'pass', stale: true });

    const ui = createUiStore({ cols: 120, rows: 30 });
    const r = renderTui(<App live={live} ui={ui} actions={recordingActions()} theme={MONO} />, { cols: 120, rows: 30 });
    keep(r, live);
    await r.waitFor('Shop cutover readiness');
    await r.press('enter');
    const s = await r.waitFor('Age');
    const row = (id: string) => s.split('\n').find((l) => l.includes(` ${id} `)) ?? '';
    expect(row('0.1')).toMatch(/(59m\d\ds|1h00m) STALE/);
    expect(row('0.2')).toMatch(/(59m\d\ds|1h00m)/);
    expect(row('0.2')).not.toContain('STALE');
    expect(row('0.3')).not.toMatch(/\d+m\d+s/); // manual, never ran: no age
    await r.press('d');
    const d = await r.waitFor('Deciding blocking items');
    expect(d).toContain('0.1 Nodes ready — STALE: older than its maxAge, re-verify');
  });

  it('ageText: empty before a result and while running, "STALE" once older than maxAge', () => {
    const c = testChecklist();
    const it0 = { ...c.blocks[0]!.items[0]!, maxAgeMs: 60_000 };
    const base = { id: '0.1', blockId: 'b0', status: 'pass' as const, running: false, attempt: 1, attempts: [], cancelled: [], signoffs: [], notes: [], stale: false };
    const t = Date.parse('2026-11-27T22:00:00Z');
    const result = { item: '0.1', attempt: 1, verdict: 'pass' as const, summary: 'ok', durationMs: 1, evidence: [] };
    expect(ageText(it0, base, t)).toBe('');
    const ran = { ...base, result, checkedAt: new Date(t).toISOString() };
    expect(ageText(it0, ran, t + 59_000)).toBe('59s');
    expect(ageText(it0, ran, t + 61_000)).toBe('1m01s STALE');
    expect(ageText(it0, { ...ran, running: true }, t + 61_000)).toBe('');
  });

  it('V re-verifies: the stale non-mutating items run at once, the stale mutating one only after its confirmation', async () => {
    const c = testChecklist();
    c.blocks[0]!.items[0]!.maxAgeMs = 30 * 60_000; // 0.1: an hour old, stale
    c.blocks[0]!.items[1]!.maxAgeMs = 4 * 3_600_000; // 0.2: fresh
    c.blocks[1]!.items[0]!.maxAgeMs = 30 * 60_000; // 1.1: the mutating DR drill, stale
    const { live, feed } = newLive(c);
    feed.start();
    feed.result('0.1', 'pass');
    feed.result('0.2', 'pass');
    feed.result('1.1', 'pass');
    const actions = recordingActions();
    const ui = createUiStore({ cols: 100, rows: 30 });
    const r = renderTui(<App live={live} ui={ui} actions={actions} theme={MONO} />, { cols: 100, rows: 30 });
    keep(r, live);
    await r.waitFor('Shop cutover readiness');
    await r.press('V');
    const s = await r.waitFor('This changes the environment');
    expect(s).toContain('$ ./dr.sh --really');
    expect(actions.calls.filter((x) => x.name === 'run').map((x) => x.args[0])).toEqual([['0.1']]);
    await r.press('y');
    expect(actions.calls.filter((x) => x.name === 'run').map((x) => x.args[0])).toEqual([['0.1'], ['1.1']]);
  });
});
