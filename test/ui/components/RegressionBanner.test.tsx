/**
 * The regression watch on screen: the REGRESSION banner (from the journal events of a watch run, as a watcher reads
 * them), W for the driver only, and the schedule in the item and the block table — on the real store and App.
 */
import '../../support/no-ci.js';
import React from 'react';
import { describe, expect, it } from 'vitest';
import { App } from '../../../src/ui/app.js';
import { regressionText } from '../../../src/ui/components/RegressionBanner.js';
import { createUiStore } from '../../../src/ui/ui-store.js';
import type { Theme } from '../../../src/ui/theme.js';
import { fmtTimeOfDay } from '../../../src/ui/format.js';
import { renderTui } from '../../support/render.js';
import { newLive, recordingActions, type EventFeed, type RecordingActions, unmountAfterEach } from '../../support/ui-fixture.js';

const MONO: Theme = { color: false, ascii: false, animation: true, screenReader: false };

const keep = unmountAfterEach();

/** 0.1 passed, then a watch run of it failed: what the driver journals and a watcher replays */
function regressed(feed: EventFeed): void {
  feed.start();
  feed.result('0.1', 'pass');
  feed.apply({ type: 'item.start', data: { item: '0.1', attempt: 2, describe: 'kubectl get nodes', trigger: 'watch' } } as never);
  feed.apply({ type: 'item.result', data: { item: '0.1', attempt: 2, verdict: 'fail', summary: '2/3 nodes Ready (min 3)', durationMs: 900, evidence: [{ path: 'evidence/0.1/2.log', sha256: 'sha-2', bytes: 10 }] } } as never);
}

function mount(actions: RecordingActions, setup: (f: EventFeed) => void) {
  const { live, feed } = newLive();
  setup(feed);
  const ui = createUiStore({ cols: 120, rows: 30 });
  const r = renderTui(<App live={live} ui={ui} actions={actions} theme={MONO} />, { cols: 120, rows: 30 });
  keep(r, live);
  return { r, live, feed };
}

describe('regression watch on screen', () => {
  it('a watch run that no longer passes puts the REGRESSION banner above every screen, for a watcher too', async () => {
    const watcher = { ...recordingActions(), readonly: true };
    const { r, live } = mount(watcher, regressed);
    const st = live.store.getState();
    const at = fmtTimeOfDay(Date.parse(st.items['0.1']!.regression!.ts));
    expect(regressionText(st, '→')).toBe(`REGRESSION 0.1 PASS → FAIL at ${at} (watch re-check): 2/3 nodes Ready (min 3) · decision NO-GO`);
    const s = await r.waitFor('REGRESSION 0.1 PASS → FAIL');
    expect(s.split('\n').findIndex((l) => l.includes('REGRESSION'))).toBeLessThan(s.split('\n').findIndex((l) => l.includes('Block 0')));
    await r.press('enter', 'enter');
    const item = await r.waitFor('0.1 Nodes ready');
    expect(item).toContain('REGRESSION 0.1 PASS → FAIL'); // the banner stays on the item screen
    expect(item).toMatch(/REGRESSION: passed before; the watch re-check at \d\d:\d\d says FAIL: 2\/3 nodes Ready/);
    // a watcher has no W
    await r.press('W');
    expect(watcher.calls.filter((c) => c.name === 'toggleWatch')).toEqual([]);
    await r.press('?');
    expect(await r.waitFor('help')).not.toContain('regression watch on/off');
  });

  it('the banner goes once the item passes again', async () => {
    const { r, feed } = mount(recordingActions(), regressed);
    await r.waitFor('REGRESSION');
    feed.result('0.1', 'pass');
    await r.waitFor((s) => !s.includes('REGRESSION'));
  });

  it('W turns the session-wide watch on (the driver); the item and the block table show when it is re-checked next', async () => {
    const a = recordingActions();
    const { r, live } = mount(a, (f) => {
      f.start();
      f.result('0.1', 'pass');
    });
    await r.waitFor('Shop cutover readiness');
    await r.press('?');
    expect(await r.waitFor('regression watch on/off')).toMatch(/W\s+regression watch on\/off/);
    await r.press('escape');
    const checked = Date.parse(live.store.getState().items['0.1']!.checkedAt!);
    a.watching = new Map([['0.1', { everyMs: 600_000, nextAt: checked + 600_000 }]]);
    await r.press('W');
    await r.waitFor('regression watch on');
    expect(a.calls.filter((c) => c.name === 'toggleWatch')).toHaveLength(1);
    await r.press('enter');
    const block = await r.waitFor('Age');
    const next = fmtTimeOfDay(checked + 600_000);
    expect(block.split('\n').find((l) => l.includes(' 0.1 '))).toMatch(new RegExp(`next ${next}`));
    await r.press('enter');
    expect(await r.waitFor('watch:')).toContain(`watch: every 10m · next run at ${next}`);
  });
});
