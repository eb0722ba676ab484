/**
 * Runs vitest on the pinned Node and ends with the plain line `N passed, N failed`
 * that CI reads, whatever the reporter printed above it.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT, labDir } from '../lab/paths.ts';

const outDir = labDir();
mkdirSync(outDir, { recursive: true });
const outputFile = join(outDir, 'vitest-report.json');

const child = spawn(
  process.execPath,
  [join(PROJECT_ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${outputFile}`, ...process.argv.slice(2)],
  { stdio: 'inherit', cwd: PROJECT_ROOT },
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));

child.on('exit', (code) => {
  let passed = 0;
  let failed = 0;
  if (existsSync(outputFile)) {
    const report = JSON.parse(readFileSync(outputFile, 'utf8')) as {
      numPassedTests: number;
      numFailedTests: number;
      testResults: { status: string; assertionResults: { status: string }[] }[];
    };
    // a file that failed with no failed test of its own (an import error; a failing beforeAll,
    // which leaves its tests skipped) counts once
    const brokenFiles = report.testResults.filter((file) => file.status === 'failed' && !file.assertionResults.some((test) => test.status === 'failed')).length;
    passed = report.numPassedTests;
    failed = report.numFailedTests + brokenFiles;
  } else {
    failed = 1;
  }
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  process.exit(code === 0 && failed === 0 ? 0 : 1);
});
