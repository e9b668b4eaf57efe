import '../support/no-ci.js';
import React from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/ui/app.js';
import { createUiStore, type UiStore } from '../../src/ui/ui-store.js';
import type { Theme } from '../../src/ui/theme.js';
import { colourEscapes, renderTui, type Rendered } from '../support/render.js';
import { newLive, recordingActions, type EventFeed, type RecordingActions } from '../support/ui-fixture.js';
import type { SessionStore } from '../../src/engine/store.js';
import { signedBy } from '../support/session-fixtures.js';

const COLOUR: Theme = { color: true, ascii: false, animation: true, screenReader: false };
const MONO: Theme = { color: false, ascii: false, animation: true, screenReader: false };

interface Harness {
  r: Rendered;
  ui: UiStore;
  live: SessionStore;
  feed: EventFeed;
  actions: RecordingActions;
}

let open: Harness[] = [];
afterEach(() => {
  for (const h of open) {
    h.r.unmount();
    h.live.dispose();
  }
  open = [];
});

/** A session with a bit of everything: a pass with measurements, a failure with offending objects, output. */
function scenario(feed: EventFeed): void {
  feed.start();
  feed.result('0.1', 'pass', { measured: '3 nodes', threshold: '>= 3' });
  feed.result('0.2', 'fail', {
    measured: '2 critical',
    threshold: '0 critical',
    offending: [
      { id: 'CVE-2026-0001', pkg: 'openssl' },
      { id: 'CVE-2026-0002', pkg: 'zlib' },
    ],
  });
}

async function mount(theme: Theme, cols: number, rows: number, setup: (f: EventFeed) => void = scenario, screenReader = false): Promise<Harness> {
  const { live, feed } = newLive();
  setup(feed);
  const ui = createUiStore({ cols, rows });
  const actions = recordingActions();
  const r = renderTui(<App live={live} ui={ui} actions={actions} theme={theme} />, { cols, rows, screenReader });
  const h = { r, ui, live, feed, actions };
  open.push(h);
  await r.waitFor('Shop cutover readiness');
  return h;
}

/** The frame never reaches the last row (Ink 6 would wipe the scrollback every frame). */
function assertFitsRowsMinusOne(h: Harness, rows: number): void {
  expect(h.r.lines()[rows - 1]).toBe('');
  expect(h.r.raw()).not.toContain('\x1b[3J');
}

const SIZES: [number, number][] = [
  [80, 24],
  [120, 40],
];

describe.each(SIZES)('screens at %ix%i', (cols, rows) => {
  describe.each([
    ['colour', COLOUR],
    ['NO_COLOR', MONO],
  ] as const)('%s', (mode, theme) => {
    const noColour = (h: Harness) => {
      if (mode === 'NO_COLOR') expect(colourEscapes(h.r.raw())).toEqual([]);
      else expect(colourEscapes(h.r.raw()).length).toBeGreaterThan(0);
    };

    it('overview: header, blocks with counts and progress, footer hints', async () => {
      const h = await mount(theme, cols, rows);
      const s = h.r.screen();
      // line 1: title, cutover clock (elapsed / sum of estimates → projected finish), decision
      expect(s.split('\n')[0]).toMatch(/^Shop cutover readiness\s+\d{2}:\d{2}:\d{2} \/ est 4h55m\b.*\s+NO-GO\s*$/);
      // line 2: the kube context in full, production marked in words too, before anything else is cut
      expect(s.split('\n')[1]).toMatch(/^ctx shop-prod-eu.*\[PROD\] · op /);
      expect(s).toContain('Block 0: Foundations');
      expect(s).toMatch(/Block 0: Foundations\s+\S+\s+2\/3\s+✓1 ✗1 ✎1/);
      // per block: the time its checks ran / its estimate; under the header, what the projected finish rests on
      expect(s).toMatch(/Block 0: Foundations.*✎1\s+2m04s\/2h45m/);
      expect(s).toMatch(/Block 1: Resilience.*·2\s+0s\/2h10m/);
      expect(s).toMatch(/^finish \d\d:\d\d: 3 items left by estimate at the pace so far \(no rehearsal\)$/m);
      expect(s).toContain('Block 1: Resilience');
      expect(s).toMatch(/⏎ open/);
      expect(s).toMatch(/\? help/);
      assertFitsRowsMinusOne(h, rows);
      noColour(h);
    });

    it('block: table with status symbol and word, measured vs threshold, time vs estimate, sign-off', async () => {
      const h = await mount(theme, cols, rows);
      await h.r.press('enter');
      const s = await h.r.waitFor('Status');
      expect(s).toMatch(/│ ✓ PASS\s+│ 0\.1 │ Nodes ready\s+│ 3 nodes \/ >= 3/);
      expect(s).toMatch(/│ ✗ FAIL\s+│ 0\.2 │ Image scan/);
      expect(s).toMatch(/2 critical/);
      expect(s).toMatch(/1m02s\/30m/);
      expect(s).toMatch(/✎ SIGNOFF\s+│ 0\.3 │ Runbook reviewed .*needed/);
      expect(s).toContain('success: all nodes ready; no critical CVEs');
      // every table line has the same width (ink-table pads by .length; our cells re-pad by cells)
      const tableLines = h.r.lines().filter((l) => /^[│┌├└]/.test(l));
      expect(new Set(tableLines.map((l) => l.length)).size).toBe(1);
      expect(tableLines[0]!.length).toBeLessThanOrEqual(cols);
      assertFitsRowsMinusOne(h, rows);
      noColour(h);
    });

    it('item: metric, exact command, reference, live output tail, result with offending objects', async () => {
      const h = await mount(theme, cols, rows);
      await h.r.press('enter', 'j', 'enter');
      await h.r.waitFor('0.2 Image scan');
      h.feed.output('0.2', Array.from({ length: 200 }, (_, i) => `scan line ${i + 1}`));
      const s = await h.r.waitFor('scan line 200');
      expect(s).toContain('metric: 0 critical CVEs');
      expect(s).toContain("runs: sh -c 'check 0.2'");
      expect(s).toMatch(/result: FAIL · 2 critical vs 0 critical/);
      expect(s).toMatch(/offending: id=CVE-2026-0001 pkg=openssl/);
      expect(s).toContain('evidence: evidence/0.2/1.log (2.0 KB)');
      expect(s).toMatch(/lines \d+-200 of 200/);
      expect(s).not.toContain('scan line 1\n');
      assertFitsRowsMinusOne(h, rows);
      noColour(h);
    });

    it('decision: NO-GO with deciding items, rollback plan and risks', async () => {
      const h = await mount(theme, cols, rows);
      await h.r.press('d');
      const s = await h.r.waitFor('Rollback plan');
      expect(s).toMatch(/^ NO-GO\s*$/m);
      expect(s).toMatch(/✗ FAIL\s+0\.2 Image scan/);
      expect(s).toContain('Rollback plan (20 minutes):');
      expect(s).toContain('1. switch traffic back to blue');
      expect(s).toContain('Database migration stalls');
      expect(s).toContain('press g to generate the report bundle');
      assertFitsRowsMinusOne(h, rows);
      noColour(h);
    });

    it('help overlay is generated from the keymap', async () => {
      const h = await mount(theme, cols, rows);
      await h.r.press('?');
      const s = await h.r.waitFor('Keys on the overview screen');
      expect(s).toMatch(/R\s+run the block \(automated items\)/);
      expect(s).toMatch(/\^C\s+cancel checks; twice: quit/);
      await h.r.press('escape');
      await h.r.waitFor((x) => !x.includes('Keys on the'));
      noColour(h);
    });

    it('sign-off dialog: fields, saved only after the journal append resolves', async () => {
      const h = await mount(theme, cols, rows);
      await h.r.press('enter', 'j', 'j', 's');
      let s = await h.r.waitFor('Sign off 0.3 Runbook reviewed');
      expect(s).toMatch(/decision\s+‹ approve ›/);
      await h.r.press('tab', 'tab');
      for (const ch of 'looks good') await h.r.press(ch);
      await h.r.press('enter');
      s = await h.r.waitFor('saving to the journal');
      expect(s).not.toContain('saved:');
      expect(h.actions.calls.find((c) => c.name === 'signoff')?.args[0]).toEqual({
        item: '0.3',
        decision: 'approve',
        comment: 'looks good',
        role: undefined,
      });
      h.actions.resolveSave({ message: 'approved 0.3 UNSIGNED (no SSH key)' });
      s = await h.r.waitFor('saved: approved 0.3 UNSIGNED (no SSH key)');
      noColour(h);
    });
  });
});

describe('behaviour', () => {
  it('item: a bounded record shows its first offending objects and "… and N more (see evidence/…)"', async () => {
    const h = await mount(COLOUR, 120, 40, (feed) => {
      feed.start();
      feed.result('0.1', 'pass');
      feed.result('0.2', 'fail', {
        offending: Array.from({ length: 20 }, (_, i) => ({ secret: `team-${i}/legacy-${i}` })),
        omitted: { file: 'evidence/0.2/1-record.json', offending: 4832 },
      });
    });
    await h.r.press('enter', 'j', 'enter');
    const s = await h.r.waitFor('more (see');
    expect(s).toMatch(/offending: secret=team-0\/legacy-0/);
    expect(s).toContain('… and 4,827 more (see evidence/0.2/1-record.json)');
  });

  it('a reject needs a comment; the dialog says so and saves nothing', async () => {
    const h = await mount(COLOUR, 80, 24);
    await h.r.press('enter', 'j', 'j', 's', 'x', 'tab', 'tab', 'enter');
    await h.r.waitFor('a comment is required to reject');
    expect(h.actions.calls.some((c) => c.name === 'signoff')).toBe(false);
  });

  it('sign-off on a failed item opens on "reject" and says why it cannot be approved and what to do', async () => {
    const h = await mount(COLOUR, 100, 30);
    await h.r.press('enter', 'j', 's');
    const s = await h.r.waitFor('Sign off 0.2 Image scan');
    expect(s.replace(/[│\s]+/g, ' ')).toMatch(/item 0\.2 cannot be approved: its latest result \(attempt 1\) is FAIL .* waiver .* A rejection is always allowed\./);
    expect(s).toMatch(/decision\s+‹ reject ›/);
  });

  it('waiver dialog requires a reason and a future expiry, then records it', async () => {
    const h = await mount(COLOUR, 80, 24);
    await h.r.press('enter', 'j', 'w');
    await h.r.waitFor('Waive 0.2 Image scan');
    await h.r.press('enter'); // Enter saves from any field
    await h.r.waitFor('a reason is required to waive');
    await h.r.press('x'); // any key back to editing
    await h.r.sendRaw('accepted until patch');
    await h.r.press('tab', 'ctrl-u');
    await h.r.sendRaw('2020-01-01');
    await h.r.press('enter');
    await h.r.waitFor('expiry is in the past');
    await h.r.press('x', 'ctrl-u');
    await h.r.sendRaw('2099-12-31');
    await h.r.press('tab');
    await h.r.sendRaw('WAF rule');
    await h.r.press('enter');
    await h.r.waitFor('saving to the journal');
    expect(h.actions.calls.find((c) => c.name === 'waive')?.args[0]).toEqual({
      item: '0.2',
      reason: 'accepted until patch',
      expires: '2099-12-31',
      compensatingControl: 'WAF rule',
    });
    h.actions.rejectSave(new Error('disk full'));
    await h.r.waitFor('not saved: disk full');
  });

  it('n adds a note to the session from the overview, to the item elsewhere', async () => {
    const h = await mount(COLOUR, 80, 24);
    await h.r.press('n');
    await h.r.waitFor('Note on the session');
    await h.r.sendRaw('quiet start, q and r typed');
    await h.r.press('enter');
    await h.r.waitFor('saving to the journal');
    expect(h.actions.calls.find((c) => c.name === 'note')?.args[0]).toEqual({ item: undefined, text: 'quiet start, q and r typed' });
    h.actions.resolveSave({ message: 'note added to the session' });
    await h.r.waitFor('saved: note added to the session');
    await h.r.press('x', 'enter', 'n');
    await h.r.waitFor('Note on 0.1');
  });

  it('a mutating check asks first and shows the exact command', async () => {
    const h = await mount(COLOUR, 80, 24);
    await h.r.press('j', 'enter', 'r');
    const s = await h.r.waitFor('This changes the environment');
    expect(s).toContain('$ ./dr.sh --really');
    expect(h.actions.calls.some((c) => c.name === 'run')).toBe(false);
    await h.r.press('y');
    expect(h.actions.calls.find((c) => c.name === 'run')?.args[0]).toEqual(['1.1']);
  });

  it('coalesced keys in one read are split: "jj" moves twice, "j\\r" opens the next row', async () => {
    const h = await mount(COLOUR, 80, 24);
    await h.r.press('enter');
    await h.r.waitFor('Status');
    await h.r.sendRaw('jj\r');
    await h.r.waitFor('0.3 Runbook reviewed');
    await h.r.press('escape');
    await h.r.sendRaw('kk\r');
    await h.r.waitFor('0.1 Nodes ready');
  });

  it('q asks before quitting while a check runs; Ctrl-C twice quits', async () => {
    const h = await mount(COLOUR, 80, 24);
    h.actions.runningIds = ['1.2'];
    await h.r.press('q');
    await h.r.waitFor('1 check(s) running: 1.2');
    await h.r.press('n');
    await h.r.waitFor((s) => !s.includes('check(s) running: 1.2'));
    expect(h.actions.calls.some((c) => c.name === 'quit')).toBe(false);
    await h.r.press('ctrl-c');
    await h.r.waitFor('cancelling 1 running check(s)');
    expect(h.actions.calls.find((c) => c.name === 'cancel')).toBeTruthy();
    await h.r.press('ctrl-c');
    expect(h.actions.calls.some((c) => c.name === 'quit')).toBe(true);
  });

  it('filter narrows the block table; Esc clears it', async () => {
    const h = await mount(COLOUR, 80, 24);
    await h.r.press('enter', '/');
    await h.r.sendRaw('scan');
    await h.r.press('enter');
    const s = await h.r.waitFor('filter “scan”: 1');
    expect(s).toContain('Image scan');
    expect(s).not.toContain('Nodes ready');
    await h.r.press('escape');
    await h.r.waitFor('Nodes ready');
  });

  it('output pane: PgUp pauses and scrolls back, f follows again', async () => {
    const h = await mount(COLOUR, 80, 24);
    await h.r.press('enter', 'enter');
    h.feed.output('0.1', Array.from({ length: 100 }, (_, i) => `out ${i + 1}`));
    await h.r.waitFor('out 100');
    await h.r.press('pageup');
    let s = await h.r.waitFor('paused');
    expect(s).not.toContain('out 100');
    h.feed.output('0.1', ['out 101']);
    await h.r.settle(200);
    s = h.r.screen();
    expect(s).not.toContain('out 101'); // paused: the view does not move
    await h.r.press('f');
    await h.r.waitFor('out 101');
    await h.r.press('o');
    expect(h.actions.calls.find((c) => c.name === 'openPager')?.args[0]).toBe('/tmp/session/evidence/0.1/1.log');
  });

  it('resize relayouts; below 60x15 a "terminal too small" screen', async () => {
    const h = await mount(COLOUR, 80, 24);
    await h.r.resize(50, 12);
    await h.r.waitFor('terminal too small');
    expect(h.r.screen()).toContain('50x12, need 60x15');
    await h.r.resize(120, 40);
    const s = await h.r.waitFor('Block 0: Foundations');
    expect(s).not.toContain('terminal too small');
    expect(h.ui.getState().cols).toBe(120);
  });

  it('ASCII mode draws no box-drawing or Unicode symbols', async () => {
    const h = await mount({ ...MONO, ascii: true }, 80, 24);
    await h.r.press('enter');
    const s = await h.r.waitFor('Status');
    expect(s).toMatch(/\| \+ PASS\s+\| 0\.1/);
    expect(s).not.toMatch(/[─│┌✓✗✎›]/);
  });

  it('screen-reader mode: linear text, statuses in words, no box drawing', async () => {
    const h = await mount({ color: false, ascii: true, animation: false, screenReader: true }, 80, 24, scenario, true);
    await h.r.press('enter');
    const s = await h.r.waitFor('Status');
    expect(s).toMatch(/\+ PASS/);
    expect(s).toMatch(/x FAIL/);
    expect(s).not.toMatch(/[─│┌✓✗]/);
    expect(colourEscapes(h.r.raw())).toEqual([]);
  });

  it('a sign-off arriving from another process shows up live', async () => {
    const h = await mount(COLOUR, 80, 24);
    await h.r.press('enter');
    await h.r.waitFor('Status');
    h.feed.apply({ type: 'signoff', data: { item: '0.3', decision: 'approve', comment: 'ok', by: 'bob@example.com', evidence: [], ...signedBy('bob@example.com') } } as never);
    await h.r.waitFor(/✓ PASS\s+│ 0\.3/);
    expect(h.r.screen()).toMatch(/ok bob/);
  });

  it('re-running after the final decision asks first, saying the decision must be taken again', async () => {
    const h = await mount(COLOUR, 100, 30);
    h.feed.apply({ type: 'decision', data: { decision: 'NO-GO', deciding: [], final: true } } as never);
    await h.r.press('enter', 'enter');
    await h.r.waitFor('0.1 Nodes ready');
    await h.r.press('r');
    const s = (await h.r.waitFor('Run 0.1?')).replace(/[│\s]+/g, ' ');
    expect(s).toContain('the final decision NO-GO is recorded: re-running 0.1 changes the journal; the decision must then be taken again');
    await h.r.press('n');
    await h.r.waitFor((x) => !x.includes('Run 0.1?'));
    expect(h.actions.calls.some((c) => c.name === 'run')).toBe(false);
  });
});
