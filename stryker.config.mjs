// Mutation testing of the core (`npm run mutate`, not part of `npm test`): the journal, the reducer and the
// decision, report verification and checksums, and the code that turns a check's result into a verdict.
// Scores per file are in README.md (Development); how each was taken and every surviving mutant, in
// docs/mutation-testing.md.
import { readFileSync } from 'node:fs';

// The verdict code of each check kind, by function (or method) name: the code that computes the fields the kind's
// `expect` reads, its `inconclusive` answers and its errors. Schemas, help texts and `describe` are left out, so the
// score measures the verdict, not the wording of the docs. Lines are found by name (below), so an edit of the file
// does not shift them; a name that is no longer there stops the run.
// Support files (src/checks/support/) whose functions decide a kind's verdict (episodes, panel walk, log fields, the
// Prometheus API errors) are listed the same way; private methods are found by name too.
const VERDICT_CODE = {
  'src/checks/command.ts': ['toValue', 'push', 'text', 'tailLines', 'run'],
  'src/checks/file.ts': ['run'],
  'src/checks/grafana-dashboard.ts': ['regexes', 'fetchDashboard', 'readDashboardFile', 'run'],
  'src/checks/http-health.ts': ['percentile', 'statusOk', 'probe', 'targetsFromServices', 'run'],
  'src/checks/kubernetes-network-policy.ts': ['isEmptySelector', 'policyTypes', 'whyNotDeny', 'analyseNamespace', 'run', 'probeTarget', 'runProbe'],
  'src/checks/kubernetes-nodes-ready.ts': ['*'],
  'src/checks/kubernetes-query.ts': ['sanitizeObject', 'run'],
  'src/checks/kubernetes-secrets-managed.ts': ['matches', 'meta', 'run', 'readExternalSecrets', 'learnTypes'],
  'src/checks/kubernetes-virtualservice-policy.ts': ['tallyReasons', 'analyseVirtualService', 'run'],
  'src/checks/logs-structured.ts': ['expandFiles', 'parses', 'lastLines', 'sampleFiles', 'sampleCommand', 'samplePods', 'run'],
  'src/checks/prometheus-alert-history.ts': ['readJsonFile', 'evaluationIntervalS', 'rangeChunks', 'readRunbooks', 'readAcknowledgements', 'classify', 'perAlert', 'run'],
  'src/checks/prometheus-query.ts': ['sampleValue', 'run'],
  'src/checks/secrets-scan.ts': ['maskMessage', 'scanRoot', 'listFiles', 'readIgnoreFile', 'run'],
  'src/checks/support/alert-episodes.ts': ['*'],
  'src/checks/support/dashboard-walk.ts': ['*'],
  'src/checks/support/log-fields.ts': ['keyOf', 'find', 'empty', 'validValue', 'matchField', 'unwrapOtlp', 'anyValue', 'attrs', 'unwrapLine', 'addLine', 'addDocument', 'addRecords', 'offend', 'result'],
  'src/checks/support/prometheus-api.ts': ['prometheusApi'],
  'src/checks/trivy-image.ts': ['parseTrivyReport', 'summarize', 'resolveIgnoreFile', 'runTrivy'],
  'src/checks/vault-health.ts': ['run'],
  'src/checks/vault-rotation.ts': ['listRecursive', 'hintFor', 'judge', 'run'],
};

/** The line range `file:start-end` of a top-level function or const, or of a method of the kind's object. */
function linesOf(file, lines, name) {
  const top = new RegExp(`^()(export )?(async )?(function |const )${name}\\b\\s*[(=:<]`);
  const method = new RegExp(`^(\\s+)((private|protected|public) )?(async )?${name}\\s*[(<]`);
  const start = lines.findIndex((l) => top.test(l) || method.test(l));
  if (start < 0) throw new Error(`stryker.config.mjs: no function ${name} in ${file}`);
  const indent = (top.exec(lines[start]) ?? method.exec(lines[start]))[1];
  // a block (or a signature over several lines) ends at the first `}` at its own indentation; an arrow or a
  // value without a block, at the first line that ends with `;`
  const block = /[{(]\s*$/.test(lines[start]);
  const end = lines.findIndex((l, i) => (block ? i > start && l.startsWith(`${indent}}`) : i >= start && /;\s*$/.test(l)));
  if (end < 0) throw new Error(`stryker.config.mjs: no end of ${name} in ${file}`);
  return `${file}:${start + 1}-${end + 1}`;
}

const verdictCode = Object.entries(VERDICT_CODE).flatMap(([file, names]) => {
  if (names.includes('*')) return [file];
  const lines = readFileSync(file, 'utf8').split('\n');
  return names.map((n) => linesOf(file, lines, n));
});

const MUTATE = [
  'src/engine/journal.ts',
  'src/engine/session-state.ts',
  'src/engine/decide.ts',
  'src/report/verify.ts',
  'src/report/sums.ts',
  'src/signing/digest.ts',
  'src/checklist/expect.ts',
  'src/checks/rules.ts',
  ...verdictCode,
];
// MUTATE_ONLY=src/checks/trivy-image.ts keeps the entries of one file (with its line ranges); narrow its tests with
// MUTATE_TESTS (vitest.mutate.config.ts)
const only = process.env.MUTATE_ONLY;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts', related: false },
  mutate: only ? MUTATE.filter((m) => m === only || m.startsWith(`${only}:`)) : MUTATE,
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
