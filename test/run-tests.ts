/**
 * Runs vitest on the pinned Node and ends with the plain line CI reads (closing-line.ts):
 * `N passed, N failed[, N skipped][ (compose: no Docker engine: <how to get one>)]`, whatever the
 * reporter printed above it, and above that one line per failure. A run that includes the compose tests first makes ready what they
 * need (compose-prerequisites.ts); a step of that which broke counts as one failure more.
 * The tests make their scratch directories under os.tmpdir(): the run points TMPDIR at one
 * directory of its own and removes it at the end, so a run leaves nothing behind in /tmp.
 *
 *   test/run-tests.ts [vitest filters...]
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT, labDir } from '../lab/paths.ts';
import { closingLine, failureLines, tallyOf, type VitestReport } from './closing-line.ts';
import { prepareCompose, type ComposeReadiness } from './compose-prerequisites.ts';
import { prepareKubernetes } from './kubernetes-prerequisites.ts';

const filters = process.argv.slice(2);
const outDir = labDir();
mkdirSync(outDir, { recursive: true });
const outputFile = join(outDir, 'vitest-report.json');
rmSync(outputFile, { force: true });

// vitest filters are substrings of paths: a run without any, or one naming compose, has them
const withCompose = filters.filter((f) => !f.startsWith('-')).length === 0 || filters.some((f) => f.includes('compose'));
const compose: ComposeReadiness = withCompose ? await prepareCompose() : { state: 'ready' };
const withKubernetes = filters.filter((f) => !f.startsWith('-')).length === 0 || filters.some((f) => f.includes('kube'));
const kubernetesSkipReason = withKubernetes ? await prepareKubernetes() : null;

// mode 1777 as /tmp: tests put the lab's PostgreSQL cluster under it, which the `postgres` user must reach
const scratch = mkdtempSync(join(tmpdir(), 'faultline-tests-'));
chmodSync(scratch, 0o1777);

const child = spawn(
  process.execPath,
  [join(PROJECT_ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${outputFile}`, ...filters],
  { stdio: 'inherit', cwd: PROJECT_ROOT, env: { ...process.env, TMPDIR: scratch } },
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));

child.on('exit', (code) => {
  const report = existsSync(outputFile) ? (JSON.parse(readFileSync(outputFile, 'utf8')) as VitestReport) : null;
  const tally = report ? tallyOf(report) : { passed: 0, failed: 1, skipped: 0, composeSkipped: 0 };
  if (compose.state === 'broken') tally.failed += 1;
  const failures = report ? failureLines(report, PROJECT_ROOT) : ['FAILED vitest wrote no report (it did not finish)'];
  if (compose.state === 'broken') failures.push(`FAILED making the compose tests ready: ${compose.error}`);
  try {
    rmSync(scratch, { recursive: true, force: true });
  } catch (error) {
    process.stdout.write(`note: the tests' scratch ${scratch} was not removed (${error instanceof Error ? error.message : String(error)}): remove it by hand\n`);
  }
  for (const line of failures) process.stdout.write(`${line}\n`);
  process.stdout.write(`${closingLine(tally, compose.state === 'skipped' ? compose.reason : null, kubernetesSkipReason)}\n`);
  process.exit(code === 0 && tally.failed === 0 ? 0 : 1);
});
