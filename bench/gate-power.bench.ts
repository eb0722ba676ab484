/**
 * The gate's false alarms and power, measured on real runs of the perf-gate benchmark.
 * A gate of R rounds takes 2R benchmark runs, so 20 + 20 real gates do not fit a working session
 * on a shared 2-core machine. This bench takes a pool of rounds interleaved on this checkout
 * (each round: baseline, baseline again, and each slowed variant, in a rotating order), then
 * draws gates of R rounds from the pool (seeded, without replacement within a gate) and judges
 * each with the gate's own rule: baseline against baseline again counts false alarms, baseline
 * against slowed-<n>ms counts catches. Draws from a small pool overlap, so the figures are
 * estimates; the pool size is printed beside them. Beside them, the pool is also cut into gates of
 * R consecutive rounds that share none (in the order collected: what gates run back to back would
 * have seen), which are independent but fewer.
 *
 *   node_modules/.bin/node bench/gate-power.bench.ts collect --rounds 4 [--pool results/gate-pool]
 *   node_modules/.bin/node bench/gate-power.bench.ts judge [--pool results/gate-pool] [--gates 20] [--gate-rounds 5] [--floor 0.1]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isLabError } from '../errors/lab-error.ts';
import { PROJECT_ROOT } from '../lab/paths.ts';
import type { BenchmarkRun } from '../lab/gate/figures.ts';
import { currentBuild } from '../lab/gate/build.ts';
import { runBenchmark } from '../lab/gate/rounds.ts';
import { seededRandom } from '../lab/gate/statistics.ts';
import { decideGate, DEFAULT_FLOOR } from '../lab/gate/verdict.ts';

/** Every round runs these; `baseline` twice, the second as the unchanged "candidate". */
const ROUND = (process.env.GATE_POWER_VARIANTS ?? 'baseline,baseline-again,slowed,slowed-3ms').split(',');
const SLOWED_MS: Record<string, number> = { slowed: 1, 'slowed-2ms': 2, 'slowed-3ms': 3, 'slowed-500us': 0.5, 'slowed-750us': 0.75 };

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const pool = resolve(PROJECT_ROOT, arg('pool', 'results/gate-pool'));
const poolFile = join(pool, 'pool.json');
type Round = Record<string, BenchmarkRun>;
const readPool = (): Round[] => (existsSync(poolFile) ? (JSON.parse(readFileSync(poolFile, 'utf8')) as Round[]) : []);

async function collect(rounds: number): Promise<void> {
  mkdirSync(pool, { recursive: true });
  const stored = readPool();
  const build = currentBuild();
  const total = stored.length + rounds;
  for (let k = 0; k < rounds; k++) {
    const index = stored.length + 1;
    // rotate the order each round so no variant always runs first or last
    const order = ROUND.map((_, i) => ROUND[(i + index) % ROUND.length]!);
    const round: Round = {};
    const started = Date.now();
    try {
      for (const name of order) {
        const variant = name === 'baseline-again' ? 'baseline' : name;
        const plan = { benchmark: 'perf-gate', profile: 'smoke', rounds: total, outDir: join(pool, name), env: process.env, note: (l: string) => process.stdout.write(`${l}\n`) };
        round[name] = await runBenchmark(plan, { build, variant }, name === 'baseline' ? 'A' : 'B', index);
      }
    } catch (error) {
      // interrupted (Ctrl-C, SIGTERM): the running benchmark stopped its stack; stop collecting
      if (isLabError(error) && error.exitCode === 130) throw error;
      // a broken run loses its round only; the count of broken rounds is part of the result
      process.stdout.write(`pool round ${index} broken, left out: ${(error as Error).message}\n`);
      continue;
    }
    stored.push(round);
    writeFileSync(poolFile, `${JSON.stringify(stored, null, 2)}\n`);
    process.stdout.write(`pool round ${index} done in ${Math.round((Date.now() - started) / 1000)} s\n`);
  }
}

function judge(gates: number, gateRounds: number, floor: number): void {
  const rounds = readPool();
  if (rounds.length < gateRounds) {
    process.stderr.write(`the pool at ${pool} has ${rounds.length} rounds, a gate needs ${gateRounds}: collect more (collect --rounds n) or pass --gate-rounds ${Math.max(2, rounds.length)}\n`);
    process.exit(2);
  }
  const random = seededRandom(2026);
  const draw = () => {
    const order = rounds.map((_, i) => i).sort(() => random() - 0.5);
    return order.slice(0, gateRounds).map((i) => rounds[i]!);
  };
  const draws = Array.from({ length: gates }, draw);
  // the pool cut into consecutive gates that share no round
  const disjoint = Array.from({ length: Math.floor(rounds.length / gateRounds) }, (_, g) => rounds.slice(g * gateRounds, (g + 1) * gateRounds));
  const tally = (candidate: string, judged: Round[][]) => {
    const counts = { pass: 0, regression: 0, inconclusive: 0 };
    for (const [g, picked] of judged.entries()) {
      const d = decideGate(picked.map((r) => r.baseline!), picked.map((r) => r[candidate]!), { floor, paired: true, bootstrap: { resamples: 2_000, seed: g } });
      counts[d.verdict] += 1;
    }
    return counts;
  };
  const p95 = (name: string) => rounds.map((r) => r[name]?.figures.hotP95 ?? Number.NaN).sort((a, b) => a - b)[Math.floor(rounds.length / 2)]!;
  process.stdout.write(`pool: ${rounds.length} rounds of ${ROUND.join(', ')} (${pool}); ${gates} gates of ${gateRounds} rounds drawn from it, floor ${floor}\n`);
  process.stdout.write(`hot path p95 (median over rounds), baseline: ${p95('baseline').toFixed(2)} ms\n\n`);
  process.stdout.write('| candidate | slowdown / hot p95 | gates | pass | regression | inconclusive |\n|---|---|---|---|---|---|\n');
  for (const name of ROUND.slice(1)) {
    const share = SLOWED_MS[name] ? `${((100 * SLOWED_MS[name]) / p95('baseline')).toFixed(0)} %` : 'unchanged';
    for (const [kind, picked] of [[`${gates} drawn`, draws], [`${disjoint.length} disjoint`, disjoint]] as const) {
      const c = tally(name, picked);
      process.stdout.write(`| ${name} | ${share} | ${kind} | ${c.pass} | ${c.regression} | ${c.inconclusive} |\n`);
    }
  }
}

try {
  if (process.argv[2] === 'collect') await collect(Number(arg('rounds', '4')));
  else judge(Number(arg('gates', '20')), Number(arg('gate-rounds', '5')), Number(arg('floor', String(DEFAULT_FLOOR))));
} catch (error) {
  process.stderr.write(`gate-power: ${(error as Error).message}\n`);
  process.exit(isLabError(error) ? error.exitCode : 1);
}
