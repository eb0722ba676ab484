/**
 * The gate's rule, per figure, on the ratio candidate/baseline and its 95% interval (lower is
 * better for latency, errors and CPU; for throughput the ratio is turned over first):
 *   regression   the interval lies wholly above 1 (the change is real) and the ratio is at least
 *                1 + floor (and big enough to matter); for a figure that does not decide (the
 *                tails, below) the interval must lie wholly above 1 + floor: the change is shown
 *                to be at least the floor;
 *   inconclusive the interval still holds both 1 and 1 + 2·floor: the runs can neither show a
 *                change nor rule out one of twice the floor, the size the gate promises to catch;
 *   pass         otherwise.
 * Which figures decide: the median (p50), the error rate and the throughput carry the gate's
 * promise both ways: a regression fails it (exit 1) and an undecided one makes it inconclusive
 * (exit 3). The tails (p95, the hot path's p95) fail the gate on a regression only: on a shared
 * 2-core machine their run-to-run noise (about ±15% here, against ±10% for the median) keeps
 * their interval wider than 2·floor for any number of rounds that fits a CI job, so letting them
 * hold the verdict at "inconclusive" would fail every unchanged change; their intervals are
 * reported beside the verdict all the same. For the same noise a tail fails it only when its whole
 * interval clears 1 + floor: with 5 rounds a bootstrap interval of a median cannot reach below the
 * lowest round, so five rounds that all happen to come out slower (1 in 32 for each noisy figure
 * of unchanged code) would otherwise be a regression; measured, that rule alone raised 2 false
 * alarms in 20 gates of unchanged code (bench/gate-power.bench.ts, 17 rounds), both on the tails.
 * p99 and CPU per request are informative only.
 * Paired rounds' ratios are summed up per figure (statistics.ts): p50 and throughput by their
 * geometric mean, the tails and CPU by their median.
 * One run on either side (one round, or a baseline of one run) is inconclusive whatever its ratio:
 * its bootstrap interval is a single point, which looks certain and rules nothing out.
 * The error rate is judged on its difference in points, since a baseline of 0 has no ratio.
 * Only gating figures set the exit code; the others are reported to read beside them.
 */
import { median } from 'simple-statistics';
import type { BenchmarkRun, FigureName } from './figures.ts';
import { pairedRatio, unpairedRatio, type BootstrapOptions, type RatioEstimate, type RoundsCenter } from './statistics.ts';

export type FigureVerdict = 'pass' | 'regression' | 'inconclusive' | 'no-data';

interface FigureRule {
  label: string;
  unit: string;
  /** Set when a higher value is better (throughput). */
  higherIsBetter?: boolean;
  /** A regression of it fails the gate; the others are informative. */
  gating: boolean;
  /** An undecided (inconclusive) verdict of it makes the gate inconclusive too. */
  decides: boolean;
  /** How paired rounds' ratios are summed up. */
  center: RoundsCenter;
}

export const FIGURE_RULES: Record<FigureName, FigureRule> = {
  p50: { label: 'latency p50', unit: 'ms', gating: true, decides: true, center: 'geometric-mean' },
  p95: { label: 'latency p95', unit: 'ms', gating: true, decides: false, center: 'median' },
  p99: { label: 'latency p99', unit: 'ms', gating: false, decides: false, center: 'median' },
  hotP95: { label: 'hot path p95 (cached GET /products/:id, whole run incl. warmup)', unit: 'ms', gating: true, decides: false, center: 'median' },
  errorRate: { label: 'error rate', unit: '', gating: true, decides: true, center: 'median' },
  throughput: { label: 'throughput', unit: 'req/s', higherIsBetter: true, gating: true, decides: true, center: 'geometric-mean' },
  cpuPerRequest: { label: 'server CPU per request', unit: 'ms', gating: false, decides: false, center: 'median' },
};

/**
 * The default floor: a change of at least 10% counts, and the gate promises to tell one of 20%
 * (2·floor) from none. Set from the benchmark's measured noise: on this shared 2-core machine one
 * round's p50 ratio of unchanged code spreads about ±10% (0.90-1.24 over 8 rounds), so at 5 rounds
 * (the 10-minute budget) a 5% floor left unchanged code inconclusive in 14 gates of 20, and a 10%
 * floor passes it while a hot path 1 ms slower (p50 +25%) is still caught every time
 * (bench/gate-power.bench.ts). Quieter machines or more rounds can take FLOOR=0.05.
 */
export const DEFAULT_FLOOR = 0.1;

/** Error-rate increase (absolute) that counts as a regression: half a percentage point. */
export const ERROR_RATE_STEP = 0.005;

export interface FigureResult {
  figure: FigureName;
  baseline: number | null;
  candidate: number | null;
  estimate: RatioEstimate | null;
  verdict: FigureVerdict;
  gating: boolean;
  decides: boolean;
}

export interface GateDecision {
  figures: FigureResult[];
  /** 0 pass, 1 regression, 3 inconclusive. */
  exitCode: 0 | 1 | 3;
  verdict: 'pass' | 'regression' | 'inconclusive';
}

/** `proveFloor`: a regression's interval must clear 1 + floor, not only 1 (figures that do not decide). */
export function judgeRatio(e: RatioEstimate, floor: number, higherIsBetter = false, proveFloor = false): FigureVerdict {
  if (!Number.isFinite(e.low) || !Number.isFinite(e.high)) return 'no-data';
  // on "worse" terms: above 1 is slower (or, for throughput, less served)
  const [ratio, low, high] = higherIsBetter ? [1 / e.ratio, 1 / e.high, 1 / e.low] : [e.ratio, e.low, e.high];
  if (low > (proveFloor ? 1 + floor : 1) && ratio >= 1 + floor) return 'regression';
  if (low <= 1 && high >= 1 + 2 * floor) return 'inconclusive';
  return 'pass';
}

/** Per figure and overall; `paired` when baseline and candidate ran interleaved round by round. */
export function decideGate(baseline: BenchmarkRun[], candidate: BenchmarkRun[], o: { floor: number; paired: boolean; bootstrap?: BootstrapOptions }): GateDecision {
  const figures: FigureResult[] = [];
  for (const [figure, rule] of Object.entries(FIGURE_RULES) as [FigureName, FigureRule][]) {
    const pairs = o.paired ? baseline.map((a, k) => [a.figures[figure], candidate[k]?.figures[figure] ?? null] as const).filter((p): p is readonly [number, number] => p[0] !== null && p[1] !== null && p[0] > 0) : [];
    const a = o.paired ? pairs.map((p) => p[0]) : baseline.map((r) => r.figures[figure]).filter((v): v is number => v !== null);
    const b = o.paired ? pairs.map((p) => p[1]) : candidate.map((r) => r.figures[figure]).filter((v): v is number => v !== null);
    const result: FigureResult = { figure, baseline: a.length ? median(a) : null, candidate: b.length ? median(b) : null, estimate: null, verdict: 'no-data', gating: rule.gating, decides: rule.decides };
    if (figure === 'errorRate') {
      const ea = baseline.map((r) => r.figures.errorRate ?? 0);
      const eb = candidate.map((r) => r.figures.errorRate ?? 0);
      result.baseline = ea.length ? median(ea) : null;
      result.candidate = eb.length ? median(eb) : null;
      if (result.baseline !== null && result.candidate !== null) result.verdict = result.candidate - result.baseline > ERROR_RATE_STEP ? 'regression' : 'pass';
    } else if (a.length > 0 && b.length > 0 && median(a) > 0) {
      result.estimate = o.paired ? pairedRatio(a, b, o.bootstrap, rule.center) : unpairedRatio(a, b, o.bootstrap);
      result.verdict = a.length < 2 || b.length < 2 ? 'inconclusive' : judgeRatio(result.estimate, o.floor, rule.higherIsBetter, !rule.decides);
    }
    figures.push(result);
  }
  if (figures.some((f) => f.gating && f.verdict === 'regression')) return { figures, exitCode: 1, verdict: 'regression' };
  if (figures.some((f) => f.decides && (f.verdict === 'inconclusive' || f.verdict === 'no-data'))) return { figures, exitCode: 3, verdict: 'inconclusive' };
  return { figures, exitCode: 0, verdict: 'pass' };
}
