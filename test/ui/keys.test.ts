import { afterEach, describe, expect, it } from 'vitest';
import { applicableCommands, footerHints, handleKey, helpRows, KEYMAP, toKeys } from '../../src/ui/keys.js';
import { fitHints } from '../../src/ui/components/Footer.js';
import { createUiStore, currentScreen, type UiStore } from '../../src/ui/ui-store.js';
import type { SessionStore } from '../../src/engine/store.js';
import { DecisionRefused } from '../../src/engine/signed-act.js';
import { newLive, recordingActions, testChecklist, type RecordingActions } from '../support/ui-fixture.js';
import { signedBy } from '../support/session-fixtures.js';

describe('toKeys (the root dispatcher input splitter)', () => {
  it('splits coalesced plain keys, mapping CR to Enter', () => {
    expect(toKeys('jj', {})).toEqual(['j', 'j']);
    expect(toKeys('j\r', {})).toEqual(['j', 'enter']);
    expect(toKeys('ab\x7f', {})).toEqual(['a', 'b', 'backspace']);
    expect(toKeys('\x03', {})).toEqual(['ctrl-c']);
  });

  it('names special keys from Ink flags', () => {
    expect(toKeys('', { upArrow: true })).toEqual(['up']);
    expect(toKeys('', { return: true })).toEqual(['enter']);
    expect(toKeys('', { tab: true, shift: true })).toEqual(['shift-tab']);
    expect(toKeys('', { escape: true })).toEqual(['escape']);
    expect(toKeys('', { delete: true })).toEqual(['backspace']);
    expect(toKeys('c', { ctrl: true })).toEqual(['ctrl-c']);
    expect(toKeys('', { pageDown: true })).toEqual(['pagedown']);
  });

  it('drops unparsed escape sequences instead of typing them', () => {
    expect(toKeys('\x1b[99~', {})).toEqual([]);
  });

  it('keeps multi-byte characters whole', () => {
    expect(toKeys('żó', {})).toEqual(['ż', 'ó']);
  });
});

describe('keymap', () => {
  it('every issue-3 key is bound', () => {
    const keys = new Set(KEYMAP.flatMap((b) => b.keys));
    for (const k of ['up', 'down', 'j', 'k', 'g', 'G', 'enter', 'escape', 'backspace', 'tab', 'r', 'R', 'A', 'c', 's', 'w', 'n', '/', '?', 'q', 'ctrl-c', 'pageup', 'pagedown', 'o', 'f'])
      expect(keys.has(k), k).toBe(true);
  });

  it('help and footer are generated from it, per screen', () => {
    const item = helpRows('item', false).map((r) => r.keys);
    expect(item).toContain('o');
    expect(helpRows('overview', false).map((r) => r.keys)).not.toContain('o');
    expect(footerHints('decision', false)[0]).toEqual({ keys: 'g', label: 'report' });
    expect(footerHints('overview', false).map((h) => h.label)).not.toContain('report');
  });

  it('the footer always keeps help and quit, dropping whole hints', () => {
    const s = fitHints(['↑↓ j/k move', '⏎ open', 'r run', 'R run block', '? help', 'q quit'], 30);
    expect(s.endsWith('? help  q quit')).toBe(true);
    expect(s.length).toBeLessThanOrEqual(30);
    expect(s).not.toMatch(/…/);
  });
});

describe('a: approve the waiver that awaits this operator (watcher and driver alike)', () => {
  /** 0.2 failed and alice waived it (signed); its checklist asks for 1 approval by someone else */
  function session(operator: string, readonly: boolean) {
    const checklist = testChecklist();
    checklist.blocks[0]!.items[1]!.waiverApprovals = 1;
    const { live, feed } = newLive(checklist);
    feed.start().result('0.2', 'fail');
    const waiver = { item: '0.2', reason: 'patched in 1.1', expires: '2999-12-31', by: 'alice@example.com', evidence: ['sha-0.2'], ...signedBy('alice@example.com') };
    feed.apply({ type: 'waiver', actor: 'alice@example.com', data: waiver } as never);
    const seq = feed.seq - 1;
    const ui = createUiStore({ cols: 100, rows: 30 });
    ui.setState({ stack: [{ name: 'overview' }, { name: 'item', itemId: '0.2' }] });
    const actions = recordingActions();
    actions.operator = operator;
    actions.readonly = readonly;
    lives.push(live);
    return { ctx: { ui, live, actions }, feed, seq, checklist };
  }
  const lives: SessionStore[] = [];
  afterEach(() => lives.splice(0).forEach((l) => l.dispose()));
  const shown = (ctx: { ui: UiStore; live: SessionStore; actions: { operator: string; readonly: boolean } }) => {
    const applies = applicableCommands(ctx.live.checklist, ctx.live.store.getState(), ctx.ui.getState(), ctx.actions.operator);
    const screen = currentScreen(ctx.ui.getState()).name;
    return {
      footer: footerHints(screen, false, ctx.actions.readonly, applies).map((h) => `${h.keys} ${h.label}`),
      help: helpRows(screen, false, ctx.actions.readonly, applies).map((r) => r.keys),
    };
  };

  it('is shown on the item screen only to someone who may approve, and opens the confirm dialog on that waiver', () => {
    for (const readonly of [true, false]) {
      const { ctx, seq } = session('bob@example.com', readonly);
      expect(shown(ctx).footer).toContain('a approve waiver');
      expect(shown(ctx).help).toContain('a');
      handleKey('a', ctx);
      expect(ctx.ui.getState().dialog).toEqual({ kind: 'approve-waiver', item: '0.2', waiver: seq, comment: '', field: 0, phase: 'edit' });
    }
  });

  it('is not shown to the waiver’s author, and pressed anyway says the engine’s four-eyes refusal', () => {
    const { ctx, seq } = session('alice@example.com', false);
    expect(shown(ctx).footer.join(' ')).not.toMatch(/approve waiver/);
    expect(shown(ctx).help).not.toContain('a');
    handleKey('a', ctx);
    expect(ctx.ui.getState().dialog).toBeUndefined();
    expect(ctx.ui.getState().flash).toEqual({ text: `alice@example.com wrote waiver #${seq} on 0.2: someone else must approve it (four-eyes)`, level: 'warn' });
  });

  it('is not shown once the waiver has its approvals, for one that approved, nor for an item without a waiver', () => {
    const { ctx, feed, seq } = session('bob@example.com', true);
    feed.apply({ type: 'waiver.approval', actor: 'carol@example.com', data: { item: '0.2', waiver: seq, comment: '', by: 'carol@example.com', evidence: ['sha-0.2'], ...signedBy('carol@example.com') } } as never);
    expect(ctx.live.store.getState().items['0.2']!.status).toBe('waived');
    expect(shown(ctx).footer.join(' ')).not.toMatch(/approve waiver/);
    handleKey('a', ctx);
    expect(ctx.ui.getState().flash?.text).toBe(`waiver #${seq} on 0.2 already has its 1 approval: nothing to do`);
    ctx.actions.operator = 'carol@example.com';
    handleKey('a', ctx);
    expect(ctx.ui.getState().flash?.text).toMatch(new RegExp(`^carol@example\\.com already approved waiver #${seq} on 0\\.2`));
    ctx.ui.setState({ stack: [{ name: 'overview' }, { name: 'item', itemId: '0.1' }], flash: undefined });
    handleKey('a', ctx);
    expect(ctx.ui.getState().flash?.text).toBe('item 0.1 has no waiver to approve');
  });

  it('on the decision screen it acts on the selected deciding item', () => {
    const { ctx, seq } = session('bob@example.com', true);
    ctx.ui.setState({ stack: [{ name: 'overview' }, { name: 'decision' }] });
    expect(ctx.live.store.getState().deciding.map((r) => r.item)).toContain('0.2');
    ctx.ui.setState({ sel: { decision: ctx.live.store.getState().deciding.findIndex((r) => r.item === '0.2') } });
    expect(shown(ctx).footer).toContain('a approve waiver');
    handleKey('a', ctx);
    expect(ctx.ui.getState().dialog).toMatchObject({ kind: 'approve-waiver', item: '0.2', waiver: seq });
  });

  it('in the dialog: n cancels; Tab to the comment, where y is typed; Enter approves with the comment', async () => {
    const { ctx, seq } = session('bob@example.com', true);
    handleKey('a', ctx);
    handleKey('n', ctx);
    expect(ctx.ui.getState().dialog).toBeUndefined();
    handleKey('a', ctx);
    for (const k of ['tab', 'y', 'e', 's']) handleKey(k, ctx);
    expect(ctx.ui.getState().dialog).toMatchObject({ field: 1, comment: 'yes', phase: 'edit' });
    handleKey('enter', ctx);
    expect(ctx.ui.getState().dialog).toMatchObject({ phase: 'saving' });
    expect(ctx.actions.calls.find((c) => c.name === 'approveWaiver')?.args[0]).toEqual({ item: '0.2', waiver: seq, comment: 'yes' });
    (ctx.actions as RecordingActions).rejectSave(new DecisionRefused('key SHA256:x signed waiver #3 on 0.2 itself — nothing was recorded'));
    await new Promise((r) => setImmediate(r));
    expect(ctx.ui.getState().dialog).toMatchObject({ phase: 'error', message: 'not saved: key SHA256:x signed waiver #3 on 0.2 itself — nothing was recorded' });
    // y on the question approves at once
    handleKey('x', ctx);
    handleKey('shift-tab', ctx);
    handleKey('y', ctx);
    expect(ctx.actions.calls.filter((c) => c.name === 'approveWaiver')).toHaveLength(2);
  });
});
