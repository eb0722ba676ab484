/**
 * `make gate-baseline` then `make gate`, for real: one run each of the perf-gate benchmark (smoke
 * profile), with a scratch baseline file and results dir so the tree's bench/baseline.json stays as
 * it is. One run against one is inconclusive by the rule, so the gate must say exactly that (exit 3,
 * which make reports as its own exit 2 with "Error 3") and still leave its three outputs, with
 * nothing of the lab left running.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../paths.ts';
import { runCommand } from '../../runner/test/fixtures.ts';
import { leftovers } from '../../runner/test/leftovers.ts';
import { stopStack } from '../../stack/index.ts';
import { BASELINE_SCHEMA, benchmarkIdentity, machineShape, readBaseline } from '../baseline.ts';
import { FIGURES } from '../figures.ts';
import type { GateReport } from '../output.ts';
import { parseJunit } from './junit.ts';

const scratch = mkdtempSync(join(tmpdir(), 'faultline-gate-e2e-'));
const baselineFile = join(scratch, 'baseline.json');
const gateResults = join(scratch, 'results', 'gate');
const env = { ...process.env, FAULTLINE_RESULTS_DIR: join(scratch, 'results') };
const treeBaseline = join(PROJECT_ROOT, 'bench', 'baseline.json');
const treeBaselineBefore = existsSync(treeBaseline) ? readFileSync(treeBaseline, 'utf8') : null;
/** One benchmark run takes about 40 s on a quiet machine and up to two minutes on a busy one. */
const STEP_MS = 270_000;

function make(target: string) {
  return runCommand('make', ['--no-print-directory', target, 'ROUNDS=1', `BASELINE=${baselineFile}`], env, STEP_MS - 10_000);
}

afterAll(async () => {
  // only when a step failed or was killed; a gate that ran through has stopped its stack itself
  await stopStack(process.env);
  rmSync(scratch, { recursive: true, force: true });
});

describe('the gate end to end, one run a side', () => {
  it('make gate-baseline ROUNDS=1 writes a baseline of the schema, the benchmark and this machine', { timeout: STEP_MS }, async () => {
    const r = await make('gate-baseline');
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/baseline of 1 runs written to /);
    const baseline = readBaseline(baselineFile);
    expect(baseline.schema).toBe(BASELINE_SCHEMA);
    expect(baseline.benchmark).toEqual(benchmarkIdentity(join(PROJECT_ROOT, 'scenarios', 'perf-gate'), 'perf-gate', 'smoke', 'baseline'));
    expect(baseline.machine).toEqual(machineShape());
    expect(baseline.runs).toHaveLength(1);
    expect(baseline.runs[0]!.figures.p95).toBeGreaterThan(0);
    expect(baseline.runs[0]!.figures.throughput).toBeGreaterThan(0);
    expect(await leftovers(process.env)).toEqual([]);
  });

  it('make gate ROUNDS=1 against it is inconclusive (exit 3) and writes summary.md, junit.xml and gate.json', { timeout: STEP_MS }, async () => {
    const r = await make('gate');
    // make ends every failed recipe with its own exit 2 and names the recipe's code in its last line
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(2);
    expect(r.stderr).toMatch(/\[Makefile:\d+: gate\] Error 3$/m);
    expect(r.stdout).toMatch(/gate: inconclusive \(exit 3\)/);
    // the baseline's own run left a stamp dir of runs; the gate's is the one with a verdict
    const stamps = readdirSync(gateResults).filter((stamp) => existsSync(join(gateResults, stamp, 'gate.json')));
    expect(stamps).toHaveLength(1);
    const dir = join(gateResults, stamps[0]!);

    const summary = readFileSync(join(dir, 'summary.md'), 'utf8');
    expect(summary.split('\n')[0]).toBe('### performance gate: INCONCLUSIVE');
    expect(summary).toContain('| figure | baseline | candidate | ratio [95% CI] | verdict |');

    const suite = parseJunit(readFileSync(join(dir, 'junit.xml'), 'utf8'));
    expect(suite.testcase).toHaveLength(FIGURES.length);
    expect(suite.testcase.filter((c) => c.failure)).toEqual([]);

    const gate = JSON.parse(readFileSync(join(dir, 'gate.json'), 'utf8')) as GateReport & { schema: string };
    expect(gate.schema).toBe('faultline.gate/v1');
    expect([gate.decision.verdict, gate.decision.exitCode]).toEqual(['inconclusive', 3]);
    expect([gate.baseline.length, gate.candidate.length]).toEqual([1, 1]);
    expect(gate.decision.figures.find((f) => f.figure === 'p95')!.verdict).toBe('inconclusive');

    expect(await leftovers(process.env)).toEqual([]);
    expect(existsSync(treeBaseline) ? readFileSync(treeBaseline, 'utf8') : null).toBe(treeBaselineBefore);
  });
});
