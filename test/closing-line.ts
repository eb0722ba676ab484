/**
 * The last line of `make test`, which CI reads: `N passed, N failed`, then `, N skipped` when any
 * test was skipped, and, when the compose tests were skipped because no Docker engine can be had
 * here, `(compose: no Docker engine: <how to get one>)`: a skipped part of the product is said.
 */

/** The fields of vitest's JSON report this line is made from. */
export interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: { name: string; status: string; assertionResults: { status: string }[] }[];
}

export interface Tally {
  passed: number;
  failed: number;
  skipped: number;
  /** Skipped tests of the compose test files (lab/test/compose-*.test.ts). */
  composeSkipped: number;
}

const COMPOSE_TEST_FILE = /\/compose-[^/]+\.test\.ts$/;

export function tallyOf(report: VitestReport): Tally {
  // a file that failed with no failed test of its own (an import error; a failing beforeAll,
  // which leaves its tests skipped) counts once
  const brokenFiles = report.testResults.filter((file) => file.status === 'failed' && !file.assertionResults.some((test) => test.status === 'failed')).length;
  const composeSkipped = report.testResults
    .filter((file) => COMPOSE_TEST_FILE.test(file.name))
    .flatMap((file) => file.assertionResults)
    .filter((test) => test.status !== 'passed' && test.status !== 'failed').length;
  return { passed: report.numPassedTests, failed: report.numFailedTests + brokenFiles, skipped: report.numPendingTests + report.numTodoTests, composeSkipped };
}

/** composeSkipReason: why no engine can be had here, when the compose tests were skipped for it. */
export function closingLine(tally: Tally, composeSkipReason: string | null): string {
  let line = `${tally.passed} passed, ${tally.failed} failed`;
  if (tally.skipped > 0) line += `, ${tally.skipped} skipped`;
  if (tally.composeSkipped > 0 && composeSkipReason !== null) line += ` (compose: ${composeSkipReason})`;
  return line;
}
