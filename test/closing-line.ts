/**
 * The last line of `make test`, which CI reads: `N passed, N failed`, then `, N skipped` when any
 * test was skipped, and, when the compose tests were skipped because no Docker engine can be had
 * here, `(compose: no Docker engine: <how to get one>)`; when the tests against the local
 * Kubernetes control plane were skipped because it is not built, `(kubernetes: <what> not built:
 * run make setup LAB_RUNTIME=kubernetes)`: a skipped part of the product is said. Above it, one
 * line per failure (failureLines): where a log is cut to its last lines, what failed is still there.
 */

/** The fields of vitest's JSON report this line is made from. */
export interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: { name: string; status: string; message?: string; assertionResults: { status: string; fullName?: string; failureMessages?: string[] }[] }[];
}

export interface Tally {
  passed: number;
  failed: number;
  skipped: number;
  /** Skipped tests of the compose test files (lab/test/compose-*.test.ts). */
  composeSkipped: number;
  /** Skipped tests of the control-plane test files (kube-*.test.ts). */
  kubernetesSkipped?: number;
}

const COMPOSE_TEST_FILE = /\/compose-[^/]+\.test\.ts$/;
const KUBERNETES_TEST_FILE = /\/kube-[^/]+\.test\.ts$/;

export function tallyOf(report: VitestReport): Tally {
  // a file that failed with no failed test of its own (an import error; a failing beforeAll,
  // which leaves its tests skipped) counts once
  const brokenFiles = report.testResults.filter((file) => file.status === 'failed' && !file.assertionResults.some((test) => test.status === 'failed')).length;
  const skippedIn = (files: RegExp) =>
    report.testResults
      .filter((file) => files.test(file.name))
      .flatMap((file) => file.assertionResults)
      .filter((test) => test.status !== 'passed' && test.status !== 'failed').length;
  return {
    passed: report.numPassedTests,
    failed: report.numFailedTests + brokenFiles,
    skipped: report.numPendingTests + report.numTodoTests,
    composeSkipped: skippedIn(COMPOSE_TEST_FILE),
    kubernetesSkipped: skippedIn(KUBERNETES_TEST_FILE),
  };
}

/**
 * composeSkipReason: why no engine can be had here, when the compose tests were skipped for it;
 * kubernetesSkipReason: why the control-plane tests could not run (it is not built).
 */
export function closingLine(tally: Tally, composeSkipReason: string | null, kubernetesSkipReason: string | null = null): string {
  let line = `${tally.passed} passed, ${tally.failed} failed`;
  if (tally.skipped > 0) line += `, ${tally.skipped} skipped`;
  if (tally.composeSkipped > 0 && composeSkipReason !== null) line += ` (compose: ${composeSkipReason})`;
  if ((tally.kubernetesSkipped ?? 0) > 0 && kubernetesSkipReason !== null) line += ` (kubernetes: ${kubernetesSkipReason})`;
  return line;
}

/** The first line of an error message, cut to `max` characters. */
const firstLine = (message: string | undefined, max = 240): string => {
  const line = (message ?? '').split('\n').find((l) => l.trim() !== '')?.trim() ?? 'no message';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

/**
 * `FAILED <file> > <test>: <error>` for each failed test, and `FAILED <file> (the file itself):
 * <error>` for a file that failed outside its tests (an import error, a failing beforeAll); paths
 * relative to `root`.
 */
export function failureLines(report: VitestReport, root: string): string[] {
  const lines: string[] = [];
  for (const file of report.testResults) {
    const name = file.name.startsWith(`${root}/`) ? file.name.slice(root.length + 1) : file.name;
    const failedTests = file.assertionResults.filter((test) => test.status === 'failed');
    for (const test of failedTests) lines.push(`FAILED ${name} > ${test.fullName ?? '?'}: ${firstLine(test.failureMessages?.[0])}`);
    if (file.status === 'failed' && failedTests.length === 0) lines.push(`FAILED ${name} (the file itself): ${firstLine(file.message)}`);
  }
  return lines;
}
