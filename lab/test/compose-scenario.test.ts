/**
 * cache-stampede in the smoke profile on the compose stack: it must give the verdict the native
 * stack gives, a pass with every fault visible and a fraction of the queries (the native run is
 * scenarios/cache-stampede/cache-stampede.test.ts, held to the same). It needs the embedded load
 * engine (load/), and a Docker engine as compose-real.test.ts does; without either it is skipped,
 * saying which (a missing plugin or image fails it instead).
 * A run that is inconclusive only because the load generator fell behind its schedule
 * (the load-schedule check), or because other work on the machine took the services' cores
 * (machine-load), is run once more, saying so: on this 2-core machine the containers
 * cost more CPU than the native processes, and under the stampede's load a process at normal or
 * nice priority sees stalls of 20-90 ms every few seconds (a probe timer measured them during a
 * compose run, not during a native one). The runner makes the engine a real-time task where it
 * may, which keeps its start lag near native (5 ms at p99 against 30-108 ms at nice -5); the one
 * rerun covers a machine where it may not. Such a run judged nothing; a failed hypothesis, an
 * invisible fault or a second lagging run still fails the test.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../paths.ts';
import { keepVariantTraces, writeReport } from '../report/index.ts';
import { runScenario } from '../runner/run.ts';
import { stopStack } from '../stack/index.ts';
import { composeSkipReason, testEnv } from './lab-env.ts';

const loadEngine = existsSync(join(PROJECT_ROOT, 'load'));
const skipReason = await composeSkipReason();
if (!loadEngine) console.warn('compose-scenario: skipped: the embedded load engine (load/) is not in this tree');
else if (skipReason !== null) console.warn(`compose-scenario: skipped: ${skipReason}`);

const out = createWriteStream('/dev/null') as unknown as NodeJS.WriteStream;
/** Checks that say the run was disturbed rather than wrong: the load generator fell behind, or other work took the cores. */
const RERUN_CHECKS = ['load-schedule', 'machine-load'];

describe.runIf(loadEngine && skipReason === null)('cache-stampede on compose', () => {
  const composed = testEnv('stampede-compose', { LAB_RUNTIME: 'compose', FAULTLINE_RESULTS_DIR: join(PROJECT_ROOT, '.lab', 'tests', 'results-compose') });

  afterAll(async () => {
    await stopStack(composed);
  }, 120_000);

  it('passes on compose as natively: every fault visible, protected queries a fraction of unprotected', async () => {
    const ratio = (summary: Awaited<ReturnType<typeof runScenario>>) => {
      const queries = (variant: string) => summary.hypotheses.find((h) => h.variant === variant && /queries per hot key/.test(h.name))!.observed!;
      return queries('protected') / queries('unprotected');
    };
    const run = () => runScenario({ name: 'cache-stampede', profile: 'smoke', keep: false, env: composed, out, writeReport, keepTraces: keepVariantTraces });
    let onCompose = await run();
    const failedChecks = onCompose.checks.filter((c) => !c.ok);
    if (onCompose.verdict === 'inconclusive' && failedChecks.length > 0 && failedChecks.every((c) => RERUN_CHECKS.includes(c.check))) {
      console.warn(`compose-scenario: the compose run was not the app's alone (${onCompose.reasons.join('; ')}): running it once more`);
      onCompose = await run();
    }
    // the reasons say why, when it did not pass (in the message: the closing FAILED line shows it whole)
    expect(onCompose.verdict, `compose: ${onCompose.reasons.join('; ')}`).toBe('passed');
    expect(onCompose.variants.flatMap((v) => v.faults.map((f) => f.visibility?.visible))).toEqual([true, true, true, true]);
    expect(ratio(onCompose)).toBeLessThanOrEqual(1 / 3);
  }, 1_800_000);
});
