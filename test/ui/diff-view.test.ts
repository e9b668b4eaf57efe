/**
 * The diff screen's rows (diff-view.ts) and its keys, on two real stores fed with journal events: a rehearsal where
 * everything passed and a run where the scan failed. The layout fits any width it is given, points at each
 * difference (ASCII too); D loads the newest rehearsal through the actions, ] / [ jump between the items that differ,
 * ←/→ pick another rehearsal, and a session without rehearsals says how to make one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionStore } from '../../src/engine/store.js';
import type { DiffInput } from '../../src/report/diff.js';
import type { RehearsalRef } from '../../src/report/rehearsal.js';
import { currentDiff, diffLayout, diffListRows } from '../../src/ui/diff-view.js';
import { handleKey } from '../../src/ui/keys.js';
import { createUiStore, currentScreen, type UiStore } from '../../src/ui/ui-store.js';
import { newLive, recordingActions, testChecklist } from '../support/ui-fixture.js';

let lives: SessionStore[] = [];
afterEach(() => {
  for (const l of lives) l.dispose();
  lives = [];
});

function sessions(): { rehearsal: SessionStore; real: SessionStore } {
  const c = testChecklist();
  const a = newLive(c);
  const b = newLive(c);
  lives.push(a.live, b.live);
  a.feed.start({ context: 'staging', cluster: 'stage-1', server: 'https://10.0.0.2' });
  b.feed.start();
  a.feed.result('0.1', 'pass', { measured: '3 nodes', threshold: '>= 3' });
  b.feed.result('0.1', 'pass', { measured: '3 nodes', threshold: '>= 3' });
  a.feed.result('0.2', 'pass', { measured: '0 critical', threshold: '0 critical' });
  b.feed.result('0.2', 'fail', { measured: '2 critical', threshold: '0 critical' });
  a.feed.result('1.2', 'pass');
  b.feed.result('1.2', 'fail');
  return { rehearsal: a.live, real: b.live };
}

const input = (l: SessionStore): DiffInput => ({ checklist: l.checklist, state: l.store.getState() });
const settle = () => new Promise((r) => setImmediate(r));

describe('diff screen layout', () => {
  it.each([79, 59, 119])('at %i columns: fits, A and B side by side, every difference pointed at', (width) => {
    const { rehearsal, real } = sessions();
    const d = currentDiff({ phase: 'ready', candidates: [], pick: 0, top: 0, rehearsal: { dir: '/st/sessions/r', replay: input(rehearsal) } }, input(real))!;
    const { head, rows } = diffLayout(d, width, false, { n: 1, of: 2 });
    for (const r of [...head, ...rows]) expect(r.text.length, r.text).toBeLessThanOrEqual(width);
    // (the fixture's sessions are not marked as rehearsals; the other one is picked like one)
    expect(head[0]!.text).toMatch(width > 60 ? /^A real run 20261127-100000-shop INCOMPLETE {2}\(1 of 2: ←\/→ another\)/ : /^A real run 20261127-100000-shop INCOMPLETE/);
    expect(head[1]!.text).toMatch(width > 60 ? /^B this run 20261127-100000-shop NO-GO started \d{4}-\d\d-\d\d \d\d:\d\d$/ : /^B this run 20261127-100000-shop NO-GO/);
    expect(head[2]).toMatchObject({ tone: 'warn' });
    expect(head[2]!.text).toMatch(/^2 of 5 items differ: 0\.2 NEEDS-SIGNOFF→FAIL, 1\.2 PASS→FAIL$/);
    // the kube target differs: marked
    expect(rows.some((r) => /^ {2}kube context +◀ staging +shop-prod-eu/.test(r.text))).toBe(true);
    const scan = rows.findIndex((r) => r.changedItem === '0.2');
    expect(rows[scan]).toMatchObject({ tone: 'bad' });
    expect(rows[scan]!.text).toMatch(/^≠ 0\.2 Image scan +◀ NEEDS-SIGNOFF +FAIL$/);
    if (width > 60) expect(rows[scan + 1]!.text).toMatch(/^ {4}measured \/ threshold +◀ 0 critical \/ 0 critical +2 critical \/ 0 critical$/);
    else expect(rows[scan + 1]!.text).toMatch(/^ {4}measured \/ th… ◀ 0 critical \/ 0 c… +2 critical/);
    // the same on both sides: not marked, no jump target
    const nodes = rows.findIndex((r) => /^ {2}0\.1 Nodes ready/.test(r.text));
    expect(rows[nodes]!.changedItem).toBeUndefined();
    expect(rows[nodes]!.text).not.toContain('◀');
    expect(diffListRows(18, { head, rows })).toBe(14);
  });

  it('ASCII: * and < instead of ≠ and ◀', () => {
    const { rehearsal, real } = sessions();
    const d = currentDiff({ phase: 'ready', candidates: [], pick: 0, top: 0, rehearsal: { dir: 'r', replay: input(rehearsal) } }, input(real))!;
    const text = diffLayout(d, 79, true).rows.map((r) => r.text).join('\n');
    expect(text).toMatch(/^\* 0\.2 Image scan +< NEEDS-SIGNOFF +FAIL$/m);
    expect(text).not.toMatch(/[≠◀]/);
  });
});

describe('diff screen keys', () => {
  function harness(refs: RehearsalRef[], replays: Record<string, SessionStore>): { ui: UiStore; ctx: Parameters<typeof handleKey>[1] } {
    const { real } = sessions();
    const actions = recordingActions();
    actions.rehearsals = async () => refs;
    actions.replay = async (dir) => input(replays[dir]!);
    const ui = createUiStore({ cols: 80, rows: 24 });
    // a body of 10 rows: 4 for the head, 6 scrolled
    return { ui, ctx: { ui, live: real, actions, bodyRows: () => 10 } };
  }

  it('D opens the newest rehearsal; ] / [ jump between the items that differ; ←/→ pick another; Esc goes back', async () => {
    const a = sessions().rehearsal;
    const b = sessions().rehearsal;
    const refs = [
      { id: 'newest', dir: '/st/sessions/newest' },
      { id: 'older', dir: '/st/sessions/older' },
    ];
    const { ui, ctx } = harness(refs, { '/st/sessions/newest': a, '/st/sessions/older': b });
    handleKey('D', ctx);
    expect(currentScreen(ui.getState()).name).toBe('diff');
    expect(ui.getState().diff!.phase).toBe('loading');
    await settle();
    await settle();
    expect(ui.getState().diff).toMatchObject({ phase: 'ready', pick: 0, top: 0, rehearsal: { dir: '/st/sessions/newest' } });

    const rows = diffLayout(currentDiff(ui.getState().diff, input(ctx.live))!, 79, false).rows;
    const changed = rows.flatMap((r, i) => (r.changedItem ? [i] : []));
    const max = rows.length - 6;
    expect(changed.length).toBe(2);
    expect(changed[1]).toBeGreaterThan(max);
    handleKey(']', ctx);
    expect(ui.getState().diff!.top).toBe(changed[0]);
    // the second one is on the last page: scrolled to its end
    handleKey(']', ctx);
    expect(ui.getState().diff!.top).toBe(max);
    handleKey(']', ctx);
    expect(ui.getState().flash?.text).toBe('the items below that differ are all on screen');
    handleKey('[', ctx);
    expect(ui.getState().diff!.top).toBe(changed[0]);
    handleKey('G', ctx);
    expect(ui.getState().diff!.top).toBe(max);
    handleKey('pageup', ctx);
    expect(ui.getState().diff!.top).toBe(max - 5);
    handleKey('g', ctx);
    expect(ui.getState().diff!.top).toBe(0);
    handleKey('k', ctx);
    expect(ui.getState().diff!.top).toBe(0);

    handleKey('right', ctx);
    await settle();
    await settle();
    expect(ui.getState().diff).toMatchObject({ phase: 'ready', pick: 1, rehearsal: { dir: '/st/sessions/older' } });
    handleKey('right', ctx);
    expect(ui.getState().flash?.text).toBe('this is the oldest rehearsal');
    handleKey('escape', ctx);
    expect(currentScreen(ui.getState()).name).toBe('overview');
    // D again: where it was left
    handleKey('D', ctx);
    expect(ui.getState().diff).toMatchObject({ phase: 'ready', pick: 1 });
  });

  it('no rehearsal: the screen says so (and how to make one)', async () => {
    const { ui, ctx } = harness([], {});
    handleKey('D', ctx);
    await settle();
    expect(ui.getState().diff!.phase).toBe('none');
  });
});
