// Mutation testing of the core (`npm run mutate`, not part of `npm test`): the journal, the reducer and the
// decision, report verification and checksums, and the code that turns a check's result into a verdict.
// Scores and the surviving mutants are in README.md (Development).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts', related: false },
  mutate: [
    'src/engine/journal.ts',
    'src/engine/session-state.ts',
    'src/engine/decide.ts',
    'src/report/verify.ts',
    'src/report/sums.ts',
    'src/checklist/expect.ts',
    'src/checks/rules.ts',
    'src/checks/kubernetes-nodes-ready.ts',
  ],
  coverageAnalysis: 'perTest',
  // a static mutant (module-level code) would re-run every test file: not worth it here
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 30_000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  // not copied into a sandbox: another run's sandbox, reports, the bundle
  ignorePatterns: ['.stryker-tmp*', 'reports', 'dist'],
  cleanTempDir: 'always',
  thresholds: { high: 90, low: 80, break: null },
};
