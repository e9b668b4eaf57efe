/**
 * The status line: which message it shows. A warning (the driver role taken over) must not be pushed off the line by
 * the info messages that arrive right after it; every message still goes away by itself.
 */
import '../../support/no-ci.js';
import React from 'react';
import { describe, expect, it } from 'vitest';
import { App } from '../../../src/ui/app.js';
import { HOLD_MS, MESSAGE_MS, pickMessage } from '../../../src/ui/components/Footer.js';
import { createUiStore } from '../../../src/ui/ui-store.js';
import type { Theme } from '../../../src/ui/theme.js';
import type { LiveState } from '../../../src/engine/store.js';
import { renderTui } from '../../support/render.js';
import { newLive, recordingActions, unmountAfterEach } from '../../support/ui-fixture.js';

type Message = LiveState['messages'][number];
const T0 = Date.parse('2030-01-01T10:00:00Z');
const at = (ms: number, level: Message['level'], text: string): Message => ({ ts: new Date(T0 + ms).toISOString(), level, text });

describe('pickMessage', () => {
  const pick = (ms: readonly Message[], now: number) => pickMessage(ms, T0 + now);

  it('nothing to show: no message, or the newest older than MESSAGE_MS', () => {
    expect(pick([], 0)).toBeUndefined();
    expect(pick([at(0, 'error', 'old')], MESSAGE_MS)).toBeUndefined();
  });

  it('the newest message, until MESSAGE_MS after it', () => {
    const a = at(0, 'info', 'a');
    const b = at(1, 'info', 'b');
    expect(pick([a, b], 2)).toEqual({ message: b, until: T0 + 1 + MESSAGE_MS });
    const w = at(2, 'warn', 'w');
    expect(pick([a, b, w], 3)).toEqual({ message: w, until: T0 + 2 + MESSAGE_MS });
  });

  it('a fresh warning holds the line against the info messages that follow it, for HOLD_MS', () => {
    expect(HOLD_MS).toBeGreaterThan(0);
    expect(HOLD_MS).toBeLessThanOrEqual(MESSAGE_MS);
    const warn = at(0, 'warn', 'taken over by bob');
    const joined = at(10, 'info', 'bob joined');
    const note = at(20, 'info', 'note from another session');
    expect(pick([warn, joined, note], 30)).toEqual({ message: warn, until: T0 + HOLD_MS });
    expect(pick([warn, joined, note], HOLD_MS - 1)!.message).toBe(warn);
    // then the newest message has the line again (the operator's own "you handed the driver role over")
    expect(pick([warn, joined, note], HOLD_MS)).toEqual({ message: note, until: T0 + 20 + MESSAGE_MS });
  });

  it('the most serious of the held ones; as serious and newer wins', () => {
    const warn = at(0, 'warn', 'taken over by bob');
    const err = at(5, 'error', 'could not write');
    const info = at(6, 'info', 'bob joined');
    expect(pick([warn, err, info], 10)!.message).toBe(err);
    const later = at(40, 'warn', 'second warning');
    expect(pick([warn, info, later], 50)!.message).toBe(later);
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
