/**
 * Runs and rounds: one benchmark run is `faultline run <benchmark> --variant v --profile p`
 * executed by the CLI of the build it measures (its own node_modules/.bin/node), always on this
 * checkout's benchmark files (FAULTLINE_SCENARIOS_DIR), so both builds meet the same load. Rounds
 * alternate their order, A B then B A, so a drift that runs through a round cancels too.
 * Both builds use the same ports one after the other, never at once: each run stops its stack.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join, relative } from 'node:path';
import { LabError } from '../../errors/lab-error.ts';
import { PROJECT_ROOT } from '../paths.ts';
import type { Build } from './build.ts';
import { readRunFigures, type BenchmarkRun } from './figures.ts';

/** Exit codes of a run whose figures still count: passed, a hypothesis failed (its errors are a figure), inconclusive. */
const USABLE_EXITS = new Set([0, 1, 3]);
/** A run that takes longer than this is stopped and the gate is broken. */
const RUN_TIMEOUT_MS = 8 * 60_000;
/**
 * A run whose stack found one of its ports taken is tried again this many times: on a shared CI
 * machine the lab's ports can sit in the ephemeral range, where another job's client socket may
 * hold one for a moment (seen here with LAB_PORT_OFFSET=36000); the run never started its load.
 */
const PORT_TAKEN_RETRIES = 6;

export interface Side {
  build: Build;
  variant: string;
}

export interface RoundsPlan {
  benchmark: string;
  profile: string;
  rounds: number;
  /** Absent when the baseline is a stored file: only the candidate runs. */
  baseline?: Side;
  candidate: Side;
  outDir: string;
  env: NodeJS.ProcessEnv;
  note: (line: string) => void;
}

export async function runRounds(plan: RoundsPlan): Promise<{ baseline: BenchmarkRun[]; candidate: BenchmarkRun[] }> {
  const baseline: BenchmarkRun[] = [];
  const candidate: BenchmarkRun[] = [];
  for (let round = 1; round <= plan.rounds; round++) {
    const order: ('A' | 'B')[] = plan.baseline ? (round % 2 === 1 ? ['A', 'B'] : ['B', 'A']) : ['B'];
    for (const build of order) {
      const side = build === 'A' ? plan.baseline! : plan.candidate;
      const run = await runBenchmark(plan, side, build, round);
      (build === 'A' ? baseline : candidate).push(run);
    }
  }
  return { baseline, candidate };
}

/** One benchmark run of one side, retried when a port was taken for a moment; its figures. */
export async function runBenchmark(plan: Omit<RoundsPlan, 'baseline' | 'candidate'>, side: Side, build: 'A' | 'B', round: number): Promise<BenchmarkRun> {
  const dir = join(plan.outDir, 'runs', `${String(round).padStart(2, '0')}-${build}`);
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  const who = `${build === 'A' ? 'baseline' : 'candidate'} ${side.build.label}${side.build.commit ? ` ${side.build.commit.slice(0, 8)}` : ''}, variant ${side.variant}`;
  plan.note(`round ${round} of ${plan.rounds}: ${who} ...`);
  const log = join(dir, 'run.log');
  const args = ['run', plan.benchmark, '--variant', side.variant, '--profile', plan.profile];
  const env = { ...plan.env, FAULTLINE_RESULTS_DIR: dir, FAULTLINE_SCENARIOS_DIR: join(PROJECT_ROOT, 'scenarios') };
  let exitCode = await runCli(side.build, args, env, log);
  for (let retry = 1; retry <= PORT_TAKEN_RETRIES && exitCode === 2 && /is already in use|is taken/.test(readFileSync(log, 'utf8')); retry++) {
    plan.note(`round ${round} of ${plan.rounds}: a port was taken for a moment (${readFileSync(log, 'utf8').match(/port \d+/)?.[0]}), trying again`);
    await sleep(15_000);
    exitCode = await runCli(side.build, args, env, log);
  }
  const shown = relative(PROJECT_ROOT, log);
  if (exitCode === 130) throw new LabError('GATE_ERR_INTERRUPTED', `interrupted in round ${round}: the running benchmark stopped its stack; no verdict`, 130);
  if (!USABLE_EXITS.has(exitCode)) throw new LabError('GATE_ERR_RUN_BROKEN', `round ${round}, ${who}: the benchmark run broke (exit ${exitCode}): read ${shown}`);
  const resultDir = join(dir, plan.benchmark);
  const stamp = existsSync(resultDir) ? readdirSync(resultDir).sort().at(-1) : undefined;
  if (!stamp) throw new LabError('GATE_ERR_RUN_BROKEN', `round ${round}, ${who}: the run wrote no results: read ${shown}`);
  const figures = readRunFigures(join(resultDir, stamp));
  const seconds = Math.round((Date.now() - started) / 1000);
  plan.note(`round ${round} of ${plan.rounds}: ${who}: p50 ${figures.p50?.toFixed(2)} ms, p95 ${figures.p95?.toFixed(2)} ms, exit ${exitCode} (${seconds} s)`);
  return { build, round, variant: side.variant, dir: relative(PROJECT_ROOT, join(resultDir, stamp)), exitCode, figures };
}

/** The build's own CLI with its output to a log; a gate stopped by a signal stops the run first. */
function runCli(build: Build, args: string[], env: NodeJS.ProcessEnv, logPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(logPath);
    const child = spawn(join(build.root, 'node_modules', '.bin', 'node'), [join(build.root, 'lab', 'cli.ts'), ...args], { cwd: build.root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    let signalled = false;
    const forward = (signal: NodeJS.Signals) => {
      signalled = true;
      child.kill(signal);
    };
    const timer = setTimeout(() => child.kill('SIGINT'), RUN_TIMEOUT_MS);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('error', (error) => reject(new LabError('GATE_ERR_RUN_BROKEN', `could not start ${build.label}'s lab/cli.ts: ${error.message}`)));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      out.end();
      resolve(signalled ? 130 : (code ?? (signal ? 130 : 2)));
    });
  });
}
