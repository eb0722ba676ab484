/**
 * The gate's rule. Every figure is compared within each round (candidate over baseline, or minus
 * it for the error rate), the rounds are combined with a 95% t-interval (statistics.ts), and then:
 *   regression   the interval lies wholly above no change (1, or 0 for a difference) and the
 *                estimate is at least the floor (big enough to matter);
 *   inconclusive the interval still holds both no change and twice the floor: the runs can neither
 *                show a change nor rule out one of twice the floor, the size the gate promises to
 *                catch;
 *   pass         otherwise.
 * Against a stored baseline the runs of the two sides were measured at different times, and this
 * shared machine's speed moves between them by more than the interval can know (unchanged code's
 * CPU per request moved 4.6-7.3 ms over 25 minutes of one pool), so there the interval must clear
 * 1 + floor, not 1, to show a regression, and "no change" reaches up to 1 + floor for the
 * inconclusive rule: below that it cannot tell a slower build from a slower machine. Interleaved
 * rounds have no such limit: a slower machine slows both runs of a round.
 * Gating figures fail the gate on a regression; those that also decide hold it at inconclusive
 * when undecided. Only p50 and the error rate decide. The tails (p95, the hot path's p95 and its
 * tail mean, the mean of its slowest 5%) are judged from the steady window's exact histograms
 * (warm-up out), compared within each round, by the same rule: a regression of any fails the
 * gate, but their round noise is too large for them to hold it at inconclusive in a gate of a CI
 * job's size. The tail mean is there because a percentile stays put however slow the requests past
 * it become: a few reads made 100 ms slower move the hot path's p95 about as much as its round
 * noise, and its tail mean severalfold (README, "The performance gate", for both measured).
 * Server CPU per request gates but does not decide: measured beside p50 over the same rounds, its
 * round noise is the larger (README).
 * A guard is not a performance figure but a condition of the measurement: under a constant arrival
 * rate the generator sets the throughput, so a slower build cannot show in it; it must achieve the
 * arrivals it planned in every run, or the gate is inconclusive whatever the figures say.
 * One run on a side (one round, or a baseline of one run) leaves no spread to judge by: every
 * figure is inconclusive.
 */
import { median } from 'simple-statistics';
import type { BenchmarkRun, FigureName } from './figures.ts';
import { pairedDifference, pairedRatio, unpairedDifference, unpairedRatio, type Estimate } from './statistics.ts';

export type FigureVerdict = 'pass' | 'regression' | 'inconclusive' | 'no-data';

interface FigureRule {
  label: string;
  unit: string;
  /** ratio: candidate / baseline (latency, CPU); difference: candidate - baseline (the error rate). */
  compare: 'ratio' | 'difference' | 'guard';
  /** A regression of it fails the gate; the others are informative. */
  gating: boolean;
  /** An undecided (inconclusive) verdict of it makes the gate inconclusive too. */
  decides: boolean;
}

export const FIGURE_RULES: Record<FigureName, FigureRule> = {
  p50: { label: 'latency p50', unit: 'ms', compare: 'ratio', gating: true, decides: true },
  p95: { label: 'latency p95', unit: 'ms', compare: 'ratio', gating: true, decides: false },
  p99: { label: 'latency p99', unit: 'ms', compare: 'ratio', gating: false, decides: false },
  hotP95: { label: 'hot path p95 (route hot, steady window)', unit: 'ms', compare: 'ratio', gating: true, decides: false },
  hotTailMean: { label: 'hot path tail mean (its slowest 5%, steady window)', unit: 'ms', compare: 'ratio', gating: true, decides: false },
  errorRate: { label: 'error rate', unit: '', compare: 'difference', gating: true, decides: true },
  cpuPerRequest: { label: 'server CPU per request', unit: 'ms', compare: 'ratio', gating: true, decides: false },
  achieved: { label: 'arrivals achieved / planned (guard)', unit: '', compare: 'guard', gating: false, decides: false },
};

/**
 * The default floor: a change of at least 10% counts, and the gate promises to tell one of 20%
 * (2·floor) from none. Quieter machines or more rounds can take FLOOR=0.05.
 */
export const DEFAULT_FLOOR = 0.1;

/** Error-rate increase (absolute) that counts as a regression: half a percentage point. */
export const ERROR_RATE_STEP = 0.005;

/** The guard: every run achieved at least this share of its planned arrivals in the steady window. */
export const ACHIEVED_MIN = 0.99;

export interface FigureResult {
  figure: FigureName;
  /** Median over the runs of each side. */
  baseline: number | null;
  candidate: number | null;
  estimate: Estimate | null;
  verdict: FigureVerdict;
  gating: boolean;
  decides: boolean;
}

export interface GateDecision {
  figures: FigureResult[];
  /** Runs that failed the guard, one line each (the gate is inconclusive when there are any). */
  guardFailures: string[];
  /** 0 pass, 1 regression, 3 inconclusive. */
  exitCode: 0 | 1 | 3;
  verdict: 'pass' | 'regression' | 'inconclusive';
}

/**
 * `noChange` is 1 for a ratio, 0 for a difference; `floor` is on the same scale as the distance
 * from it. `stored`: the baseline's runs were measured at another time, so the interval must clear
 * the floor itself, not only no change, to show a regression; below that it cannot tell a slower
 * build from a slower machine (see the module's opening comment).
 */
function judge(e: Estimate, noChange: number, floor: number, stored: boolean): FigureVerdict {
  if (!Number.isFinite(e.low) || !Number.isFinite(e.high)) return 'inconclusive';
  const clear = noChange + (stored ? floor : 0);
  if (e.low > clear && e.value >= noChange + floor) return 'regression';
  if (e.low <= clear && e.high >= noChange + 2 * floor) return 'inconclusive';
  return 'pass';
}

export const judgeRatio = (e: Estimate, floor: number, stored = false): FigureVerdict => judge(e, 1, floor, stored);
export const judgeDifference = (e: Estimate, step: number, stored = false): FigureVerdict => judge(e, 0, step, stored);

/** The values of both sides: per round when paired (rounds missing either side left out), else each side's runs. */
function sides(baseline: BenchmarkRun[], candidate: BenchmarkRun[], figure: FigureName, paired: boolean): [number[], number[]] {
  const value = (r: BenchmarkRun | undefined) => r?.figures[figure] ?? null;
  if (paired) {
    const pairs = baseline.map((a, k) => [value(a), value(candidate[k])] as const).filter((p): p is readonly [number, number] => p[0] !== null && p[1] !== null);
    return [pairs.map((p) => p[0]), pairs.map((p) => p[1])];
  }
  const present = (runs: BenchmarkRun[]) => runs.map(value).filter((v): v is number => v !== null);
  return [present(baseline), present(candidate)];
}

function guardFailures(baseline: BenchmarkRun[], candidate: BenchmarkRun[]): string[] {
  return [...baseline, ...candidate]
    .filter((r) => r.figures.achieved === null || r.figures.achieved < ACHIEVED_MIN)
    .map((r) => `round ${r.round}, build ${r.build}: ${r.figures.achieved === null ? 'no arrivals planned in the steady window' : `${(100 * r.figures.achieved).toFixed(1)}% of the planned arrivals started`} (the guard asks ${100 * ACHIEVED_MIN}%): the load generator, not the build, set the load`);
}

/** Per figure and overall; `paired` when baseline and candidate ran interleaved round by round. */
export function decideGate(baseline: BenchmarkRun[], candidate: BenchmarkRun[], o: { floor: number; paired: boolean }): GateDecision {
  const figures: FigureResult[] = [];
  for (const [figure, rule] of Object.entries(FIGURE_RULES) as [FigureName, FigureRule][]) {
    const [a, b] = sides(baseline, candidate, figure, o.paired);
    const result: FigureResult = { figure, baseline: a.length ? median(a) : null, candidate: b.length ? median(b) : null, estimate: null, verdict: 'no-data', gating: rule.gating, decides: rule.decides };
    figures.push(result);
    if (rule.compare === 'guard' || a.length === 0 || b.length === 0) continue;
    if (rule.compare === 'difference') {
      result.estimate = o.paired ? pairedDifference(a, b) : unpairedDifference(a, b);
      result.verdict = judgeDifference(result.estimate, ERROR_RATE_STEP, !o.paired);
    } else if (a.every((v) => v > 0) && b.every((v) => v > 0)) {
      result.estimate = o.paired ? pairedRatio(a, b) : unpairedRatio(a, b);
      result.verdict = judgeRatio(result.estimate, o.floor, !o.paired);
    }
  }
  const guard = guardFailures(baseline, candidate);
  const achieved = figures.find((f) => f.figure === 'achieved')!;
  achieved.verdict = guard.length > 0 ? 'inconclusive' : 'pass';
  if (guard.length > 0) return { figures, guardFailures: guard, exitCode: 3, verdict: 'inconclusive' };
  if (figures.some((f) => f.gating && f.verdict === 'regression')) return { figures, guardFailures: guard, exitCode: 1, verdict: 'regression' };
  if (figures.some((f) => f.decides && (f.verdict === 'inconclusive' || f.verdict === 'no-data'))) return { figures, guardFailures: guard, exitCode: 3, verdict: 'inconclusive' };
  return { figures, guardFailures: guard, exitCode: 0, verdict: 'pass' };
}
