/**
 * Import FIRST in UI tests. Ink reads `CI` once when it is loaded (is-in-ci) and then renders nothing live; the
 * vitest config sets CI to '' (which still counts as "in CI"), so remove it before Ink is evaluated.
 */
delete process.env.CI;
delete process.env.CONTINUOUS_INTEGRATION;
// chalk decides its colour level when loaded, from the (non-TTY) test stdout: give it colour so the tests can tell
// that only our theme layer turns colour off
if (process.env.FORCE_COLOR === undefined) process.env.FORCE_COLOR = '1';
export {};
