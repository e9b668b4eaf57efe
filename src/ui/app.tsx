/**
 * The root of the TUI: header, the current screen (or a dialog / the help overlay), footer. It owns the one
 * useInput, which hands every key to the dispatcher in keys.ts. The root is at most rows-1 tall and cols-1 wide: in Ink 6 a frame as
 * tall as the terminal clears the screen and the scrollback on every frame.
 */
import React, { useEffect, useMemo } from 'react';
import { Box, useInput, useStdin, useStdout } from 'ink';
import { useShallow } from 'zustand/react/shallow';
import type { SessionStore } from '../engine/store.js';
import type { UiActions } from './actions.js';
import { AppContext, useLive, useUi } from './context.js';
import { RegressionBanner } from './components/RegressionBanner.js';
import { DialogView } from './dialogs/Dialog.js';
import { Footer, FOOTER_ROWS } from './components/Footer.js';
import { Header, HEADER_ROWS } from './components/Header.js';
import { dispatchInput, type DispatchContext } from './keys.js';
import type { KeyGate } from './lazy-runner.js';
import { BlockScreen } from './screens/Block.js';
import { DecisionScreen } from './screens/Decision.js';
import { DiffScreen } from './screens/Diff.js';
import { Help } from './screens/Help.js';
import { ItemScreen } from './screens/Item.js';
import { Overview } from './screens/Overview.js';
import { TooSmall } from './screens/TooSmall.js';
import { ThemeContext, type Theme } from './theme.js';
import { currentScreen, tooSmall, type UiStore } from './ui-store.js';

export interface AppProps {
  live: SessionStore;
  ui: UiStore;
  actions: UiActions;
  theme: Theme;
  /** called once after the first frame is on screen and keys are being read (test readiness signal) */
  onReady?: () => void;
  /** called for every key read, before it is dispatched (the TUI asks Ink to draw the next frame at once) */
  onKey?: () => void;
  /** while closed, keys are held and dispatched in order when it opens (lazy-runner.ts) */
  keyGate?: KeyGate;
}

/** Body rows available between header and footer for a terminal of `rows` lines. */
export function bodyRows(rows: number): number {
  return Math.max(1, rows - 1 - HEADER_ROWS - FOOTER_ROWS);
}

/** Output pane rows on the item screen (used by the dispatcher for paging). */
export function paneRowsFor(rows: number): number {
  return Math.max(1, bodyRows(rows) - 10);
}

function Body({ width, height }: { width: number; height: number }): React.ReactElement {
  const { screen, help, dialog } = useUi(useShallow((s) => ({ screen: currentScreen(s), help: s.help, dialog: !!s.dialog })));
  if (help) return <Help width={width} height={height} />;
  if (dialog) return <DialogView width={width} height={height} />;
  switch (screen.name) {
    case 'overview':
      return <Overview width={width} height={height} />;
    case 'block':
      return <BlockScreen key={screen.blockId} blockId={screen.blockId} width={width} height={height} />;
    case 'item':
      return <ItemScreen key={screen.itemId} itemId={screen.itemId} width={width} height={height} />;
    case 'decision':
      return <DecisionScreen width={width} height={height} />;
    case 'diff':
      return <DiffScreen width={width} height={height} />;
  }
}

function Root({
  onReady,
  onKey,
  keyGate,
  dispatch,
}: {
  onReady?: () => void;
  onKey?: () => void;
  keyGate?: KeyGate;
  dispatch: DispatchContext;
}): React.ReactElement {
  const { stdout } = useStdout();
  const { isRawModeSupported } = useStdin();
  const { cols, rows } = useUi(useShallow((s) => ({ cols: s.cols, rows: s.rows })));
  // a regression found by the watch takes one row above the screen (driver and watchers alike)
  const regressed = useLive((s) => s.order.some((id) => s.items[id]?.regression));
  useInput(
    (input, key) => {
      const go = () => {
        onKey?.();
        dispatchInput(input, key, dispatch);
      };
      if (keyGate && !keyGate.isOpen()) keyGate.hold(go);
      else go();
    },
    { isActive: isRawModeSupported },
  );

  useEffect(() => {
    const onResize = () => {
      const c = stdout.columns;
      const r = stdout.rows;
      if (c && r) dispatch.ui.setState({ cols: c, rows: r });
    };
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, dispatch]);

  useEffect(() => {
    onReady?.();
    // once, after the first commit (and after useInput subscribed to stdin)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  if (tooSmall({ cols, rows })) return <TooSmall cols={cols} rows={rows} />;
  // one column short of the terminal: writing the last column then erasing to the end of the line (what the
  // incremental renderer does) erases that column again on terminals with autowrap off
  const width = cols - 1;
  const height = rows - 1;
  const body = Math.max(1, bodyRows(rows) - (regressed ? 1 : 0));
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <Header width={width} />
      {regressed ? <RegressionBanner width={width} /> : null}
      <Box height={body} overflow="hidden">
        <Body width={width} height={body} />
      </Box>
      <Footer width={width} />
    </Box>
  );
}

export function App({ live, ui, actions, theme, onReady, onKey, keyGate }: AppProps): React.ReactElement {
  const deps = useMemo(() => ({ live, ui, actions }), [live, ui, actions]);
  const dispatch = useMemo<DispatchContext>(
    () => ({
      live,
      ui,
      actions,
      paneRows: () => paneRowsFor(ui.getState().rows),
      bodyRows: () => bodyRows(ui.getState().rows),
      bodySize: () => ({ width: ui.getState().cols - 1, height: bodyRows(ui.getState().rows) }),
    }),
    [live, ui, actions],
  );
  return (
    <ThemeContext.Provider value={theme}>
      <AppContext.Provider value={deps}>
        <Root onReady={onReady} onKey={onKey} keyGate={keyGate} dispatch={dispatch} />
      </AppContext.Provider>
    </ThemeContext.Provider>
  );
}
