/**
 * The status line: which message it shows. A warning (the driver role taken over) must not be pushed off the line by
 * the info messages that arrive right after it; every message still goes away by itself.
 */
import '../../support/no-ci.js';
import React from 'react';
import { describe, expect, it } from 'vitest';
import { App } from '../../../src/ui/app.js';
import { MESSAGE_MS, pickMessage } from '../../../src/ui/components/Footer.js';
import { createUiStore } from '../../../src/ui/ui-store.js';
import type { Theme } from '../../../src/ui/theme.js';
import type { LiveState } from '../../../src/engine/store.js';
import { renderTui } from '../../support/render.js';
import { newLive, recordingActions, unmountAfterEach } from '../../support/ui-fixture.js';

type Message = LiveState['messages'][number];
const T0 = Date.parse('2030-01-01T10:00:00Z');
const at = (ms: number, level: Message['level'], text: string): Message => ({ ts: new Date(T0 + ms).toISOString(), level, text });

describe('pickMessage', () => {
  it('nothing to show: no message, or every one older than MESSAGE_MS', () => {
    expect(pickMessage([], T0)).toBeUndefined();
    expect(pickMessage([at(0, 'error', 'old')], T0 + MESSAGE_MS)).toBeUndefined();
  });

  it('the newest of the most serious level among the fresh ones', () => {
    const warn = at(0, 'warn', 'taken over by bob');
    const joined = at(10, 'info', 'bob joined');
    const note = at(20, 'info', 'note from another session');
    expect(pickMessage([warn, joined, note], T0 + 30)).toBe(warn);
    const later = at(40, 'warn', 'second warning');
    expect(pickMessage([warn, joined, note, later], T0 + 50)).toBe(later);
    const err = at(5, 'error', 'could not write');
    expect(pickMessage([warn, err, joined, later], T0 + 50)).toBe(err);
  });

  it('an expired warning gives the line back to the newer info messages', () => {
    const warn = at(0, 'warn', 'taken over by bob');
    const joined = at(1000, 'info', 'bob joined');
    expect(pickMessage([warn, joined], T0 + MESSAGE_MS - 1)).toBe(warn);
    expect(pickMessage([warn, joined], T0 + MESSAGE_MS)).toBe(joined);
    expect(pickMessage([warn, joined], T0 + MESSAGE_MS + 1000)).toBeUndefined();
  });

  it('the newest info when all are infos', () => {
    const a = at(0, 'info', 'a');
    const b = at(1, 'info', 'b');
    expect(pickMessage([a, b], T0 + 2)).toBe(b);
  });
});

describe('the status line on the real store and App', () => {
  const keep = unmountAfterEach();

  it('a takeover warning stays on screen when "joined" and a note from another session follow it', async () => {
    const { live, feed } = newLive();
    feed.start();
    const ui = createUiStore({ cols: 120, rows: 30 });
    const r = renderTui(<App live={live} ui={ui} actions={recordingActions()} theme={{ color: false, ascii: false, animation: false, screenReader: false }} />, { cols: 120, rows: 30 });
    keep(r, live);
    await r.waitFor('Shop cutover readiness');
    live.message('warn', 'the driver role was taken over by bob@example.com: you are watching now');
    live.message('info', 'bob@example.com (driver) joined');
    live.message('info', 'note on 0.1 by bob@example.com (from another session)');
    const s = await r.waitFor('taken over by bob@example.com');
    expect(s).not.toContain('(driver) joined');
  });
});
