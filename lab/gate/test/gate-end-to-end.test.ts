/**
 * Real gates, end to end, on the perf-gate benchmark (smoke profile), with scratch results and
 * baseline files so the tree's bench/baseline.json stays as it is:
 *   - this checkout against itself with every hot read 3 ms slower, 3 rounds interleaved
 *     (A B, B A, A B): the gate must say regression (exit 1), from figures read out of each run;
 *   - unchanged code, 3 baseline runs stored by make gate-baseline, then make gate against them:
 *     it must not say regression.
 * Three rounds is the fewest with which the t-interval can rule anything out (at two, its quantile
 * is 12.7); the slowdown is the one the gate catches at three rounds on a busy machine (p50 about
 * +60%), since this test proves the machinery, while bench/gate-power.bench.ts measures the power.
 * Twelve benchmark runs of about 40 s each; nothing of the lab is left running.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../paths.ts';
import { runCommand } from '../../runner/test/fixtures.ts';
import { leftovers } from '../../runner/test/leftovers.ts';
import { stopStack } from '../../stack/index.ts';
import { BASELINE_SCHEMA, benchmarkIdentity, machineShape, readBaseline } from '../baseline.ts';
import { FIGURES, readRunFigures } from '../figures.ts';
import { GATE_SCHEMA, type GateReport } from '../output.ts';
import { FIGURE_RULES } from '../verdict.ts';
import { parseJunit } from './junit.ts';

const scratch = mkdtempSync(join(tmpdir(), 'faultline-gate-e2e-'));
const baselineFile = join(scratch, 'baseline.json');
const gateResults = join(scratch, 'results', 'gate');
const env = { ...process.env, FAULTLINE_RESULTS_DIR: join(scratch, 'results') };
const treeBaseline = join(PROJECT_ROOT, 'bench', 'baseline.json');
const treeBaselineBefore = existsSync(treeBaseline) ? readFileSync(treeBaseline, 'utf8') : null;
const ROUNDS = 3;
/** One benchmark run takes about 40 s on a quiet machine and up to two minutes on a busy one. */
const RUN_MS = 120_000;

function make(target: string, ...vars: string[]) {
  const runs = target === 'gate-baseline' || vars.every((v) => !v.startsWith('AGAINST=')) ? ROUNDS : 2 * ROUNDS;
  return runCommand('make', ['--no-print-directory', target, `ROUNDS=${ROUNDS}`, `BASELINE=${baselineFile}`, ...vars], env, runs * RUN_MS);
}

/** The gate's output dir made since `before` (the stamp dirs of a gate that wrote gate.json). */
function newGate(before: string[]): { dir: string; gate: GateReport & { schema: string } } {
  const made = readdirSync(gateResults).filter((stamp) => !before.includes(stamp) && existsSync(join(gateResults, stamp, 'gate.json')));
  expect(made).toHaveLength(1);
  const dir = join(gateResults, made[0]!);
  return { dir, gate: JSON.parse(readFileSync(join(dir, 'gate.json'), 'utf8')) as GateReport & { schema: string } };
}
const gatesSoFar = () => (existsSync(gateResults) ? readdirSync(gateResults) : []);

afterAll(async () => {
  // only when a step failed or was killed; a gate that ran through has stopped its stack itself
  await stopStack(process.env);
  rmSync(scratch, { recursive: true, force: true });
});

describe('the gate end to end, real rounds', () => {
  it(`a build whose hot path is 3 ms slower, ${ROUNDS} rounds interleaved A B / B A: regression, exit 1`, { timeout: 2 * ROUNDS * RUN_MS + 30_000 }, async () => {
    const before = gatesSoFar();
    const r = await make('gate', 'AGAINST=.', 'VARIANT=slowed-3ms');
    // make ends every failed recipe with its own exit 2 and names the recipe's code in its last line
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(2);
    expect(r.stderr).toMatch(/\[Makefile:\d+: gate\] Error 1$/m);
    expect(r.stdout).toMatch(/gate: regression \(exit 1\)/);
    const { dir, gate } = newGate(before);
    expect(gate.schema).toBe(GATE_SCHEMA);
    expect([gate.decision.verdict, gate.decision.exitCode]).toEqual(['regression', 1]);
    expect([gate.baseline.length, gate.candidate.length]).toEqual([ROUNDS, ROUNDS]);

    // the order alternates: A first in odd rounds, B first in even ones (run dirs are named by their start)
    const started = (run: { dir: string }) => basename(run.dir);
    for (let k = 0; k < ROUNDS; k++) {
      const [a, b] = [started(gate.baseline[k]!), started(gate.candidate[k]!)];
      expect(k % 2 === 0 ? a < b : b < a, `round ${k + 1}: A ${a}, B ${b}`).toBe(true);
    }
    // every figure read out of every run, the same as reading the run's directory again
    for (const run of [...gate.baseline, ...gate.candidate]) {
      expect(readRunFigures(join(PROJECT_ROOT, run.dir))).toEqual(run.figures);
      for (const figure of FIGURES) expect(run.figures[figure], `${run.dir}: ${figure}`).not.toBeNull();
      expect(run.figures.achieved).toBeGreaterThanOrEqual(0.99);
    }
    // what the slowdown must move: the median (the tail's +3 ms can drown in a busy machine's)
    for (const figure of ['p50'] as const) {
      const f = gate.decision.figures.find((x) => x.figure === figure)!;
      expect(f.verdict, `${figure}: ${JSON.stringify(f.estimate)}\n${r.stdout}`).toBe('regression');
    }
    const suite = parseJunit(readFileSync(join(dir, 'junit.xml'), 'utf8'));
    expect(suite.testcase).toHaveLength(FIGURES.length);
    expect(suite.testcase.filter((c) => c.failure).map((c) => c['@name'])).toContain(FIGURE_RULES.p50.label);
    expect(readFileSync(join(dir, 'summary.md'), 'utf8').split('\n')[0]).toBe('### performance gate: REGRESSION');
    expect(await leftovers(process.env)).toEqual([]);
  });

  it(`unchanged code against a stored baseline of ${ROUNDS} runs is not a regression`, { timeout: 2 * ROUNDS * RUN_MS + 30_000 }, async () => {
    const written = await make('gate-baseline');
    expect(written.code, `${written.stdout}\n${written.stderr}`).toBe(0);
    expect(written.stdout).toMatch(new RegExp(`baseline of ${ROUNDS} runs written to `));
    const baseline = readBaseline(baselineFile);
    expect(baseline.schema).toBe(BASELINE_SCHEMA);
    expect(baseline.benchmark).toEqual(benchmarkIdentity(join(PROJECT_ROOT, 'scenarios', 'perf-gate'), 'perf-gate', 'smoke', 'baseline'));
    expect(baseline.machine).toEqual(machineShape());
    expect(baseline.runs).toHaveLength(ROUNDS);

    const before = gatesSoFar();
    const r = await make('gate');
    const { gate } = newGate(before);
    expect(gate.paired).toBe(false);
    expect(gate.decision.verdict, `${r.stdout}\n${JSON.stringify(gate.decision.figures)}`).not.toBe('regression');
    // pass exits 0; a machine too noisy to decide exits 3, which make reports as its own 2
    expect(gate.decision.exitCode === 0 ? r.code : r.stderr).toEqual(gate.decision.exitCode === 0 ? 0 : expect.stringMatching(/\[Makefile:\d+: gate\] Error 3$/m));
    expect(await leftovers(process.env)).toEqual([]);
    expect(existsSync(treeBaseline) ? readFileSync(treeBaseline, 'utf8') : null).toBe(treeBaselineBefore);
  });
});
