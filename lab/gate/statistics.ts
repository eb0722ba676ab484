/**
 * The comparison of a figure between two builds, with a 95% t-interval.
 *
 * Paired (rounds interleaved A B, B A, `--against`): each round gives one ratio B_k / A_k, so drift
 * that hits both runs of a round cancels; the ratios are summed up by their geometric mean, with
 * the t-interval of the mean log ratio (n - 1 degrees of freedom). Run-to-run noise on a ratio is
 * multiplicative and close to lognormal, and for lognormal ratios that interval covers 95% at any
 * number of rounds (lab/gate/test/statistics.test.ts simulates 3, 5 and 8), where the percentile
 * bootstrap this replaced covered about 75% at 3 rounds and 82% at 5: resampling 5 values cannot
 * reach past the lowest and highest of them.
 * Unpaired (a stored baseline): the ratio of geometric means, with Welch's t-interval on the
 * difference of mean logs.
 * Differences (the error rate, whose baseline is often 0 and has no ratio): the mean of B_k - A_k
 * with its t-interval, paired or Welch's.
 * The t quantiles come from jstat (MIT).
 */
import jStat from 'jstat';
import { mean, sampleVariance } from 'simple-statistics';

export interface Estimate {
  /** The point estimate: candidate / baseline for a ratio, candidate - baseline for a difference. */
  value: number;
  /** The 95% interval; NaN with one value on a side (no spread to judge by). */
  low: number;
  high: number;
}

const CONFIDENCE = 0.95;
const tQuantile = (dof: number) => jStat.studentt.inv(1 - (1 - CONFIDENCE) / 2, dof);

/** The mean and its t-interval: `center` ± t(dof) · `se`; a zero spread is a point, too few values no interval. */
function tInterval(center: number, se: number, dof: number): Estimate {
  if (!(dof > 0) || !Number.isFinite(se)) return { value: center, low: Number.NaN, high: Number.NaN };
  if (se === 0) return { value: center, low: center, high: center };
  const half = tQuantile(dof) * se;
  return { value: center, low: center - half, high: center + half };
}

/** The mean of paired differences d_k = b_k - a_k. */
function pairedMean(d: readonly number[]): Estimate {
  if (d.length === 0) throw new Error('a paired comparison needs at least one round');
  return tInterval(mean([...d]), d.length > 1 ? Math.sqrt(sampleVariance([...d]) / d.length) : Number.NaN, d.length - 1);
}

/** mean(b) - mean(a) with Welch's interval (Welch–Satterthwaite degrees of freedom). */
function welchMean(a: readonly number[], b: readonly number[]): Estimate {
  if (a.length === 0 || b.length === 0) throw new Error('an unpaired comparison needs at least one run on each side');
  const center = mean([...b]) - mean([...a]);
  if (a.length < 2 || b.length < 2) return { value: center, low: Number.NaN, high: Number.NaN };
  const va = sampleVariance([...a]) / a.length;
  const vb = sampleVariance([...b]) / b.length;
  const dof = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  return va + vb === 0 ? { value: center, low: center, high: center } : tInterval(center, Math.sqrt(va + vb), dof);
}

const exp = (e: Estimate): Estimate => ({ value: Math.exp(e.value), low: Math.exp(e.low), high: Math.exp(e.high) });

/** The geometric mean of B_k / A_k over the rounds k, with the t-interval of the mean log ratio. */
export function pairedRatio(baseline: readonly number[], candidate: readonly number[]): Estimate {
  if (baseline.length !== candidate.length) throw new Error('paired ratios need the same number of rounds on both sides');
  return exp(pairedMean(baseline.map((a, k) => Math.log(candidate[k]! / a))));
}

/** Geometric mean of the candidate runs over that of the baseline runs, Welch's interval on the logs. */
export function unpairedRatio(baseline: readonly number[], candidate: readonly number[]): Estimate {
  return exp(welchMean(baseline.map(Math.log), candidate.map(Math.log)));
}

/** The mean of B_k - A_k over the rounds k, with its t-interval. */
export function pairedDifference(baseline: readonly number[], candidate: readonly number[]): Estimate {
  if (baseline.length !== candidate.length) throw new Error('paired differences need the same number of rounds on both sides');
  return pairedMean(baseline.map((a, k) => candidate[k]! - a));
}

/** mean(candidate) - mean(baseline), Welch's interval. */
export function unpairedDifference(baseline: readonly number[], candidate: readonly number[]): Estimate {
  return welchMean(baseline, candidate);
}
