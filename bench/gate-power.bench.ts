/**
 * The gate's false alarms and power, measured on real runs of the perf-gate benchmark.
 * A gate of R rounds takes 2R benchmark runs, so 20 + 20 real gates do not fit a working session
 * on a shared 2-core machine. This bench takes a pool of rounds interleaved on this checkout
 * (each round: baseline, baseline again, and each slowed variant, in a rotating order), then
 * draws gates of R rounds from the pool (seeded, without replacement within a gate) and judges
 * each with the gate's own rule: baseline against baseline again counts false alarms, baseline
 * against a slowed variant counts catches. Draws from a small pool overlap, so the figures are
 * estimates; the pool size is printed beside them. Beside them, the pool is also cut into gates of
 * R consecutive rounds that share none (in the order collected: what gates run back to back would
 * have seen), which are independent but fewer: the figures that count.
 * `judge` also prints each figure's round-to-round noise (the spread of the per-round log ratio of
 * unchanged code, the figure the gate's interval is built from) and each variant's effect (the
 * median per-round ratio), which is how the tail switch was sized and how CPU per request's part was chosen;
 * and how much of the latency figures' noise is sampling (each run split into its even and odd
 * seconds), the rest being run to run: longer runs shrink the first only.
 * One `collect --rounds 1` per call lets other work on the machine run between rounds.
 * `calibrate` sizes the tail switch before a pool is spent on it: from one baseline run's steady
 * histograms (hot and cold product reads, which the switch slows, and the other routes) it
 * predicts, for a grid of shares and delays, the hot path's p95 and the overall p50 as ratios to
 * the run's own, taking a slowed read as its unslowed latency plus the delay (no queueing): a
 * first guess, which the pool's measured effect then confirms or not.
 *
 *   node_modules/.bin/node bench/gate-power.bench.ts collect --rounds 1 [--pool results/gate-pool]
 *   node_modules/.bin/node bench/gate-power.bench.ts judge [--pool results/gate-pool] [--gates 20] [--gate-rounds 5] [--floor 0.1]
 *   node_modules/.bin/node bench/gate-power.bench.ts calibrate --run <a baseline run's directory>
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isLabError } from '../errors/lab-error.ts';
import { PROJECT_ROOT } from '../lab/paths.ts';
import { HOT_ROUTE, readRunFigures, readSteadyRun, TAIL_FROM, type BenchmarkRun, type FigureName } from '../lab/gate/figures.ts';
import { mergedRoute, mergedWindow, percentileMs, secondsInWindow, tailMeanMs } from '../lab/load-seconds/window.ts';
import { currentBuild } from '../lab/gate/build.ts';
import { runBenchmark } from '../lab/gate/rounds.ts';
import { decideGate, DEFAULT_FLOOR } from '../lab/gate/verdict.ts';

/** Every round runs these; `baseline` twice, the second as the unchanged "candidate". */
const ROUND = (process.env.GATE_POWER_VARIANTS ?? 'baseline,baseline-again,slowed-tail').split(',');
/** The figures whose noise and effect are printed. */
const SHOWN: FigureName[] = ['p50', 'p95', 'hotP95', 'hotTailMean', 'cpuPerRequest'];

/** mulberry32: a small, well-mixed 32-bit generator (floats in [0, 1)), so every draw of gates repeats from its seed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

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
  // rounds of another set of variants (a pool collected with other GATE_POWER_VARIANTS) are left out
  // figures read again from each run's directory, so a pool collected before a change of the
  // extraction is judged by today's (the directories are kept; a run whose directory is gone keeps its stored figures)
  const rounds = readPool()
    .filter((r) => ROUND.every((name) => r[name]))
    .map((r) => Object.fromEntries(Object.entries(r).map(([name, run]) => [name, existsSync(resolve(PROJECT_ROOT, run.dir)) ? { ...run, figures: readRunFigures(resolve(PROJECT_ROOT, run.dir)) } : run])) as Round);
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
    /** Which gating figures raised the regressions, and which deciding ones held gates undecided. */
    const why: Record<string, number> = {};
    for (const picked of judged) {
      const d = decideGate(picked.map((r) => r.baseline!), picked.map((r) => r[candidate]!), { floor, paired: true });
      counts[d.verdict] += 1;
      const blamed = d.verdict === 'regression' ? d.figures.filter((f) => f.gating && f.verdict === 'regression') : d.verdict === 'inconclusive' ? d.figures.filter((f) => f.decides && f.verdict !== 'pass') : [];
      for (const f of blamed) why[f.figure] = (why[f.figure] ?? 0) + 1;
      if (d.guardFailures.length > 0) why.guard = (why.guard ?? 0) + 1;
    }
    return { ...counts, why: Object.entries(why).map(([f, n]) => `${f} ${n}`).join(', ') || '–' };
  };
  /** Per-round ratios candidate / baseline of one figure. */
  const ratios = (name: string, figure: FigureName) => rounds.map((r) => (r[name]?.figures[figure] ?? Number.NaN) / (r.baseline?.figures[figure] ?? Number.NaN)).filter(Number.isFinite);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  const sdLog = (xs: number[]) => {
    const logs = xs.map(Math.log);
    const m = logs.reduce((a, b) => a + b, 0) / logs.length;
    return Math.sqrt(logs.reduce((a, x) => a + (x - m) ** 2, 0) / (logs.length - 1));
  };
  const baselineMedian = (figure: FigureName) => median(rounds.map((r) => r.baseline?.figures[figure] ?? Number.NaN).filter(Number.isFinite));
  process.stdout.write(`pool: ${rounds.length} rounds of ${ROUND.join(', ')} (${pool}); ${gates} gates of ${gateRounds} rounds drawn from it, and ${disjoint.length} disjoint; floor ${floor}\n\n`);
  process.stdout.write(`| per-round ratio to baseline | ${SHOWN.join(' | ')} |\n|---|${SHOWN.map(() => '---|').join('')}\n`);
  process.stdout.write(`| baseline (median of runs) | ${SHOWN.map((f) => `${(baselineMedian(f) * (f === 'cpuPerRequest' ? 1000 : 1)).toFixed(2)} ms`).join(' | ')} |\n`);
  for (const name of ROUND.slice(1)) {
    process.stdout.write(`| ${name}: median ratio (min-max) | ${SHOWN.map((f) => { const r = ratios(name, f); return `${median(r).toFixed(3)} (${Math.min(...r).toFixed(2)}-${Math.max(...r).toFixed(2)})`; }).join(' | ')} |\n`);
    process.stdout.write(`| ${name}: noise, sd of log ratio | ${SHOWN.map((f) => sdLog(ratios(name, f)).toFixed(3)).join(' | ')} |\n`);
  }
  // where the noise comes from: each unchanged run's latency figures from its even seconds against its
  // odd ones (the same machine, stack and moment, half the samples each); that spread is twice a
  // whole run's sampling error, so a round's ratio of two runs carries split-half sd / √2 of it, and
  // the rest of the round noise is the runs themselves (machine state, stack, JIT and GC luck)
  const unchanged = rounds.flatMap((r) => [r.baseline!, r['baseline-again']].filter((run): run is BenchmarkRun => run !== undefined && existsSync(resolve(PROJECT_ROOT, run.dir))));
  const latencyShown = SHOWN.filter((f): f is HalfFigure => HALF_FIGURES.includes(f as HalfFigure));
  if (unchanged.length > 1) {
    const sampling = latencyShown.map((f) => sdLog(unchanged.map((run) => halfFigure(run.dir, f, 0) / halfFigure(run.dir, f, 1)).filter(Number.isFinite)) / Math.SQRT2);
    const noise = latencyShown.map((f) => sdLog(ratios('baseline-again', f)));
    process.stdout.write(`\n| unchanged code, sd of a round's log ratio | ${latencyShown.join(' | ')} |\n|---|${latencyShown.map(() => '---|').join('')}\n`);
    process.stdout.write(`| all of it (round to round) | ${noise.map((x) => x.toFixed(3)).join(' | ')} |\n`);
    process.stdout.write(`| sampling (split-half, ${unchanged.length} runs) | ${sampling.map((x) => x.toFixed(3)).join(' | ')} |\n`);
    process.stdout.write(`| the runs themselves (the rest) | ${noise.map((x, i) => Math.sqrt(Math.max(0, x ** 2 - sampling[i]! ** 2)).toFixed(3)).join(' | ')} |\n`);
  }
  process.stdout.write('\n| candidate | gates | pass | regression | inconclusive | figures that decided it |\n|---|---|---|---|---|---|\n');
  for (const name of ROUND.slice(1)) {
    for (const [kind, picked] of [[`${gates} drawn`, draws], [`${disjoint.length} disjoint`, disjoint]] as const) {
      const c = tally(name, picked);
      process.stdout.write(`| ${name} | ${kind} | ${c.pass} | ${c.regression} | ${c.inconclusive} | ${c.why} |\n`);
    }
  }
}

const HALF_FIGURES = ['p50', 'p95', 'hotP95', 'hotTailMean'] as const;
type HalfFigure = (typeof HALF_FIGURES)[number];

/** A latency figure of a run from the steady window's even (parity 0) or odd (1) seconds only. */
const steadyRuns = new Map<string, ReturnType<typeof readSteadyRun>>();
function halfFigure(runDir: string, figure: HalfFigure, parity: 0 | 1): number {
  const dir = resolve(PROJECT_ROOT, runDir);
  if (!steadyRuns.has(dir)) steadyRuns.set(dir, readSteadyRun(dir));
  const { window, load } = steadyRuns.get(dir)!;
  const half = { ...load, seconds: secondsInWindow(load, window).filter((_, i) => i % 2 === parity) };
  const h = figure === 'hotP95' || figure === 'hotTailMean' ? mergedRoute(half, window, HOT_ROUTE) : mergedWindow(half, window);
  return (figure === 'hotTailMean' ? tailMeanMs(h, TAIL_FROM) : percentileMs(h, figure === 'p50' ? 50 : 95)) ?? Number.NaN;
}

/** The switch slows this share of every GET /products/:id read: the benchmark's hot and cold routes. */
const SLOWED_ROUTES = [HOT_ROUTE, 'cold'];

function calibrate(runDir: string): void {
  const { window, load } = readSteadyRun(runDir);
  const routes = new Set(load.seconds.flatMap((s) => Object.keys(s.routes)));
  // each route as 1,000 equally weighted latencies (its 0.05th to 99.95th percentiles), weighted by its count
  const points = [...routes].map((route) => {
    const h = mergedRoute(load, window, route);
    return { route, count: h.totalCount, ms: Array.from({ length: 1000 }, (_, i) => h.getValueAtPercentile(0.05 + i / 10) / 1000) };
  });
  const quantile = (values: { ms: number; w: number }[], q: number) => {
    const sorted = [...values].sort((a, b) => a.ms - b.ms);
    const total = sorted.reduce((a, v) => a + v.w, 0);
    let seen = 0;
    for (const v of sorted) if ((seen += v.w) >= q * total) return v.ms;
    return sorted.at(-1)!.ms;
  };
  const mixture = (share: number, delayMs: number, only?: string) =>
    points.filter((p) => only === undefined || p.route === only).flatMap((p) => p.ms.flatMap((ms) => {
      const w = p.count / p.ms.length;
      return SLOWED_ROUTES.includes(p.route) && share > 0 ? [{ ms, w: w * (1 - share) }, { ms: ms + delayMs, w: w * share }] : [{ ms, w }];
    }));
  const hot0 = quantile(mixture(0, 0, HOT_ROUTE), 0.95);
  const p500 = quantile(mixture(0, 0), 0.5);
  process.stdout.write(`${runDir}: hot p95 ${hot0.toFixed(2)} ms, p50 ${p500.toFixed(2)} ms (${points.map((p) => `${p.route} ${p.count}`).join(', ')})\n\n| share | delay ms | hot p95 ratio | p50 ratio |\n|---|---|---|---|\n`);
  for (const share of [0.02, 0.04, 0.06, 0.08, 0.1]) {
    for (const delayMs of [1, 2, 3, 5, 10, 100]) {
      process.stdout.write(`| ${share} | ${delayMs} | ${(quantile(mixture(share, delayMs, HOT_ROUTE), 0.95) / hot0).toFixed(3)} | ${(quantile(mixture(share, delayMs), 0.5) / p500).toFixed(3)} |\n`);
    }
  }
}

try {
  if (process.argv[2] === 'calibrate') calibrate(resolve(arg('run', '')));
  else if (process.argv[2] === 'collect') await collect(Number(arg('rounds', '4')));
  else judge(Number(arg('gates', '20')), Number(arg('gate-rounds', '5')), Number(arg('floor', String(DEFAULT_FLOOR))));
} catch (error) {
  process.stderr.write(`gate-power: ${(error as Error).message}\n`);
  process.exit(isLabError(error) ? error.exitCode : 1);
}
