/**
 * Print one closing line for the whole `npm test` run (unit + end-to-end), from the JSON reports the two vitest
 * runs write: `tests: N passed, N failed, N skipped`; above it, every skipped test by name (a test that skips itself
 * says why in its title, e.g. the Electron smoke test where no Electron binary is installed).
 */
import { readFileSync } from 'node:fs';

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: { assertionResults: { fullName: string; status: string }[] }[];
}

const totals = { passed: 0, failed: 0, skipped: 0 };
for (const file of ['.cache/test-results/unit.json', '.cache/test-results/e2e.json']) {
  const report = JSON.parse(readFileSync(file, 'utf8')) as VitestJson;
  totals.passed += report.numPassedTests;
  totals.failed += report.numFailedTests;
  totals.skipped += report.numPendingTests + report.numTodoTests;
  for (const file of report.testResults) {
    for (const test of file.assertionResults) {
      if (test.status === 'skipped' || test.status === 'pending' || test.status === 'todo') console.log(`skipped: ${test.fullName}`);
    }
  }
}
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 || totals.passed === 0 ? 1 : 0);
