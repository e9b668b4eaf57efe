/**
 * The tests StrykerJS runs against each mutant (`npm run mutate`, stryker.config.mjs): the in-process tests of the
 * mutated files. CLI tests are left out: they run the bundle in dist/, which is built from the unmutated sources.
 * One project in forks (one process per test file): Stryker's Vitest runner asks for worker threads, which share
 * one file-descriptor table — tests here open, close and hand over descriptors by number, and child processes.
 */
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

export const MUTATION_TESTS = [
  'test/engine/journal.test.ts',
  'test/engine/session-state.test.ts',
  'test/engine/session.test.ts',
  'test/engine/decide.test.ts',
  'test/report/verify.test.ts',
  'test/report/verify-bundle.test.ts',
  'test/report/verify-policy.test.ts',
  'test/report/verify-journal.test.ts',
  'test/report/sums.test.ts',
  'test/signing/digest.test.ts',
  'test/report/model.test.ts',
  'test/checklist/expect.test.ts',
  'test/checks/rules.test.ts',
  'test/checks/command.test.ts',
  'test/checks/file.test.ts',
  'test/checks/grafana-dashboard.test.ts',
  'test/checks/http-health.test.ts',
  'test/checks/http-health-discovery.test.ts',
  'test/checks/kubernetes-network-policy.test.ts',
  'test/checks/kubernetes-nodes-ready.test.ts',
  'test/checks/kubernetes-query.test.ts',
  'test/checks/kubernetes-secrets-managed.test.ts',
  'test/checks/kubernetes-virtualservice-policy.test.ts',
  'test/checks/logs-structured.test.ts',
  'test/checks/prometheus-alert-history.test.ts',
  'test/checks/prometheus-alert-history-readers.test.ts',
  'test/checks/prometheus-query.test.ts',
  'test/checks/secrets-scan.test.ts',
  'test/checks/trivy-image.test.ts',
  'test/checks/vault-health.test.ts',
  'test/checks/vault-rotation.test.ts',
  // the support files in VERDICT_CODE (stryker.config.mjs) have tests of their own
  'test/checks/support/alert-episodes.test.ts',
  'test/checks/support/dashboard-walk.test.ts',
  'test/checks/support/log-fields.test.ts',
  'test/checks/support/prometheus-api.test.ts',
];

const config = mergeConfig(base, defineConfig({}));
// MUTATE_TESTS=a.test.ts,b.test.ts narrows the files for one run (`MUTATE_TESTS=… npx stryker run --mutate src/x.ts`)
const only = process.env.MUTATE_TESTS?.split(',').filter(Boolean);
// set, not merged (mergeConfig would append to the base lists): only these files, and no build of dist/
config.test!.include = only?.length ? only : MUTATION_TESTS;
config.test!.globalSetup = [];
config.plugins = [
  ...(config.plugins ?? []),
  {
    name: 'mutation-tests-in-forks',
    // runs once the options Stryker passes are applied (they ask for threads)
    configureVitest({ project }: { project: { config: { pool: string } } }) {
      project.config.pool = 'forks';
    },
  },
];
export default config;
