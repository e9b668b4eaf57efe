import '../support/no-ci.js';
import React from 'react';
import { describe, it } from 'vitest';
import { App } from '../../src/ui/app.js';
import { createUiStore } from '../../src/ui/ui-store.js';
import { DEFAULT_THEME } from '../../src/ui/theme.js';
import { renderTui } from '../support/render.js';
import { newLive, recordingActions } from '../support/ui-fixture.js';

describe('smoke', () => {
  it('renders', async () => {
    const { live, feed } = newLive();
    feed.start().result('0.1', 'pass', { measured: '3 nodes', threshold: '>= 3' });
    const ui = createUiStore({ cols: 80, rows: 24 });
    const r = renderTui(<App live={live} ui={ui} actions={recordingActions()} theme={DEFAULT_THEME} />, { cols: 80, rows: 24 });
    await r.settle(100);
    const n = r.raw().length; await r.press("enter"); console.log(JSON.stringify(r.raw().slice(n)).slice(0, 3000)); console.log(r.screen());
    r.unmount();
    live.dispose();
  });
});
