/**
 * Print one closing line for the whole `npm test` run (unit + end-to-end), from the JSON reports the two vitest
 * runs write: `tests: N passed, N failed, N skipped`.
 */
import { readFileSync } from 'node:fs';

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
}

const totals = { passed: 0, failed: 0, skipped: 0 };
for (const file of ['.cache/test-results/unit.json', '.cache/test-results/e2e.json']) {
  const report = JSON.parse(readFileSync(file, 'utf8')) as VitestJson;
  totals.passed += report.numPassedTests;
  totals.failed += report.numFailedTests;
  totals.skipped += report.numPendingTests + report.numTodoTests;
}
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 || totals.passed === 0 ? 1 : 0);
