#!/usr/bin/env node
/**
 * `make gate` and `make gate-baseline`: the performance regression gate's command line.
 *   gate [--against <ref>|.]   compare this checkout with bench/baseline.json, or with another git
 *                              ref (or `.`, this checkout itself) run interleaved in the same job
 *   gate --write-baseline      take the baseline runs and write bench/baseline.json
 * Exit: 0 pass, 1 regression, 2 broken run or bad input, 3 inconclusive (too noisy at the floor).
 */
import { mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { isLabError, LabError } from '../../errors/lab-error.ts';
import { PROJECT_ROOT, resultsRoot } from '../paths.ts';
import { baselineMismatches, baselineRuns, benchmarkIdentity, machineShape, readBaseline, writeBaseline } from './baseline.ts';
import { currentBuild, refBuild, type Build } from './build.ts';
import { writeGateOutputs } from './output.ts';
import { runRounds, type Side } from './rounds.ts';
import { decideGate, DEFAULT_FLOOR, FIGURE_RULES } from './verdict.ts';


interface GateOptions {
  /** The benchmark scenario's folder name under scenarios/. */
  benchmark: string;
  against?: string;
  writeBaseline: boolean;
  baseline: string;
  rounds: number;
  floor: number;
  profile: string;
  variant: string;
  baselineVariant: string;
}

const wholeNumber = (min: number, max: number) => (raw: string) => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`takes a whole number from ${min} to ${max}`);
  return n;
};
const share = (raw: string) => {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n >= 1) throw new InvalidArgumentError('takes a share between 0 and 1, e.g. 0.05 for 5%');
  return n;
};

async function gate(o: GateOptions): Promise<number> {
  const started = Date.now();
  const env = process.env;
  const note = (line: string) => process.stdout.write(`gate: ${line}\n`);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').replace(/\..*/, '');
  const outDir = join(resultsRoot(env), 'gate', stamp);
  const benchmark = benchmarkIdentity(join(PROJECT_ROOT, 'scenarios', o.benchmark), o.benchmark, o.profile, o.baselineVariant);
  const baselinePath = resolve(PROJECT_ROOT, o.baseline);
  const warnings: string[] = [];
  const here = currentBuild();
  let baselineSide: Side | undefined;
  let stored: ReturnType<typeof readBaseline> | undefined;
  if (o.writeBaseline) {
    if (o.against) throw new LabError('GATE_ERR_BAD_ARGS', '--write-baseline measures this checkout only: drop --against');
  } else if (o.against) {
    const build: Build = o.against === '.' ? here : refBuild(o.against, env, note);
    baselineSide = { build, variant: o.baselineVariant };
  } else {
    stored = readBaseline(baselinePath);
    warnings.push(...baselineMismatches(stored, benchmark, machineShape()));
  }
  for (const w of warnings) note(`warning: ${w}`);
  mkdirSync(outDir, { recursive: true });
  const candidateVariant = o.writeBaseline ? o.baselineVariant : o.variant;
  note(`${o.rounds} rounds of ${o.benchmark} (${o.profile})${baselineSide ? `, interleaved with ${baselineSide.build.label}` : ''}; results in ${relative(PROJECT_ROOT, outDir)}`);
  const runs = await runRounds({ benchmark: o.benchmark, profile: o.profile, rounds: o.rounds, ...(baselineSide ? { baseline: baselineSide } : {}), candidate: { build: here, variant: candidateVariant }, outDir, env, note });

  if (o.writeBaseline) {
    writeBaseline(baselinePath, { gitCommit: here.commit, benchmark, runs: runs.candidate });
    note(`baseline of ${runs.candidate.length} runs written to ${relative(PROJECT_ROOT, baselinePath)} (${Math.round((Date.now() - started) / 1000)} s)`);
    return 0;
  }
  const baseline = stored ? baselineRuns(stored) : runs.baseline;
  const behind = [...baseline, ...runs.candidate].filter((r) => r.exitCode === 3).length;
  // the figures still count (both builds met the same trouble), but a reader must know
  if (behind > 0) warnings.push(`${behind} of ${baseline.length + runs.candidate.length} benchmark runs were inconclusive on their own (the load generator fell behind its schedule or the app saturated): the machine is busier than the benchmark assumes`);
  const paired = stored === undefined;
  const decision = decideGate(baseline, runs.candidate, { floor: o.floor, paired });
  for (const f of decision.figures.filter((x) => x.decides && x.verdict === 'no-data')) {
    const missing = [...baseline, ...runs.candidate].filter((r) => r.figures[f.figure] === null).length;
    warnings.push(`${FIGURE_RULES[f.figure].label}: no value in ${missing} of ${baseline.length + runs.candidate.length} runs, so the gate cannot decide: a build or baseline older than the figure (the hot path's p95 needs an engine that keeps per-route histograms) cannot be judged on it`);
  }
  const candidateLabel = `${here.label}${here.commit ? ` ${here.commit.slice(0, 8)}` : ''}${candidateVariant !== 'baseline' ? ` (variant ${candidateVariant})` : ''}`;
  const baselineLabel = stored
    ? `${relative(PROJECT_ROOT, baselinePath)} (${stored.gitCommit?.slice(0, 8) ?? 'unknown commit'}, ${stored.createdAt})`
    : `${baselineSide!.build.label}${baselineSide!.build.commit ? ` ${baselineSide!.build.commit.slice(0, 8)}` : ''}${o.baselineVariant !== 'baseline' ? ` (variant ${o.baselineVariant})` : ''}`;
  const table = writeGateOutputs(outDir, { title: 'performance gate', baselineLabel, candidateLabel, floor: o.floor, paired, rounds: o.rounds, warnings, decision, baseline, candidate: runs.candidate, wallSeconds: (Date.now() - started) / 1000 }, env);
  process.stdout.write(`\n${table}\n`);
  note(`${decision.verdict} (exit ${decision.exitCode}); ${relative(PROJECT_ROOT, outDir)}/summary.md, junit.xml, gate.json`);
  return decision.exitCode;
}

const program = new Command()
  .name('gate')
  .description('the performance regression gate: exit 0 pass, 1 regression, 2 broken run, 3 inconclusive')
  .requiredOption('--benchmark <scenario>', 'the benchmark scenario the gate repeats (make gate names it)')
  .option('--against <ref>', 'compare with this git ref run interleaved in the same job (. = this checkout)')
  .option('--write-baseline', 'take the baseline runs and write the baseline file', false)
  .option('--baseline <file>', 'the stored baseline', 'bench/baseline.json')
  .addOption(new Option('--rounds <n>', 'rounds of runs (one per build each); 1 tries the whole gate but can only be inconclusive').argParser(wholeNumber(1, 50)).default(5))
  .addOption(new Option('--floor <share>', 'smallest relative change that counts as a regression').argParser(share).default(DEFAULT_FLOOR))
  .addOption(new Option('--profile <profile>', "the benchmark's profile").choices(['smoke', 'full']).default('smoke'))
  .option('--variant <variant>', 'the variant the candidate runs (slowed injects a lab slowdown)', 'baseline')
  .option('--baseline-variant <variant>', 'the variant the baseline runs', 'baseline')
  .showHelpAfterError('(run with --help for the options)')
  .exitOverride()
  .action(async (o: GateOptions) => process.exit(await gate(o)));

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // commander has already printed its one line (or the help, exit 0); bad options are bad input: exit 2
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  process.stderr.write(`gate: ${isLabError(error) ? error.message : error instanceof Error ? error.message : String(error)}\n`);
  process.exit(isLabError(error) ? error.exitCode : 2);
}
