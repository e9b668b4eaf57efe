/**
 * Import FIRST in UI tests. Ink reads `CI` once when it is loaded (is-in-ci) and then renders nothing live; the
 * vitest config sets CI to '' (which still counts as "in CI"), so remove it before Ink is evaluated.
 */
delete process.env.CI;
delete process.env.CONTINUOUS_INTEGRATION;
export {};
