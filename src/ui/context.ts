/** The stores and actions every screen reads, provided once at the root. */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { LiveState, SessionStore } from '../engine/store.js';
import type { UiActions } from './actions.js';
import type { UiState, UiStore } from './ui-store.js';

export interface AppDeps {
  live: SessionStore;
  ui: UiStore;
  actions: UiActions;
}

export const AppContext = createContext<AppDeps | null>(null);

export function useDeps(): AppDeps {
  const d = useContext(AppContext);
  if (!d) throw new Error('AppContext missing');
  return d;
}

/** Select from the live session state (use useShallow for object results). */
export function useLive<T>(sel: (s: LiveState) => T): T {
  return useStore(useDeps().live.store, sel);
}

export function useUi<T>(sel: (s: UiState) => T): T {
  return useStore(useDeps().ui, sel);
}

/** The session state without the output counter and messages (which change many times a second). */
export function useSession(): Omit<LiveState, 'outputVersion' | 'messages'> {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  return useLive(useShallow(({ outputVersion: _o, messages: _m, ...rest }) => rest));
}

/** The whole UI state (changes only on keys and resizes). */
export function useUiState(): UiState {
  return useUi((s) => s);
}
