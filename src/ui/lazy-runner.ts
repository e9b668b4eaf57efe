/**
 * The runner, loaded after the TUI's first frame. Importing the engine's runner pulls in every check kind and its
 * schemas (~85 ms here), which the first frame does not need. Until it is loaded, keys are held and then applied
 * in the order they were typed (the key gate), so nothing a key does ever meets a half-ready engine: a fast typist
 * (or a test) loses no key and sees no difference except a few milliseconds of delay.
 */
import type { Runner } from '../engine/runner-api.js';

export interface KeyGate {
  /** true once keys may be dispatched directly */
  isOpen(): boolean;
  /** run `fn` when the gate opens (in arrival order) */
  hold(fn: () => void): void;
}

export interface LazyRunner {
  runner: Runner;
  gate: KeyGate;
  /** start loading (idempotent); resolves with the real runner */
  load(): Promise<Runner>;
}

export function createLazyRunner(make: () => Promise<Runner>, onError: (err: unknown) => void): LazyRunner {
  let real: Runner | undefined;
  let loading: Promise<Runner> | undefined;
  let failed = false;
  const held: (() => void)[] = [];
  const load = () =>
    (loading ??= make().then(
      (r) => {
        real = r;
        for (const fn of held.splice(0)) fn();
        return r;
      },
      (err: unknown) => {
        // the keys go through anyway (q must still quit); running a check then reports the same error
        failed = true;
        onError(err);
        for (const fn of held.splice(0)) fn();
        throw err;
      },
    ));
  const runner: Runner = {
    run: async (ids, ro) => (await load()).run(ids, ro),
    busy: (id) => real?.busy(id) ?? false,
    checkDeliverables: async () => (await load()).checkDeliverables(),
    cancel: (id, reason) => real?.cancel(id, reason), // before it is loaded nothing runs
    running: () => real?.running() ?? [],
    // screens that ask these are reached through keys, which wait for the gate; the fallbacks only keep a render
    // that comes earlier from failing (cautious: an unknown check counts as one that changes the environment)
    isMutating: (id) => real?.isMutating(id) ?? true,
    describe: (id) => real?.describe(id) ?? [],
  };
  return {
    runner,
    load,
    gate: {
      isOpen: () => real !== undefined || failed,
      hold: (fn) => {
        held.push(fn);
        void load().catch(() => undefined);
      },
    },
  };
}
