/**
 * The ratio of a figure, candidate over baseline, with a seeded 95% bootstrap interval.
 * simple-statistics (ISC) gives the median, quantiles and resampling with a pluggable random
 * source; it has no seeded generator, so the few lines of mulberry32 below make every gate's
 * interval repeatable from its seed (a kept PRNG package would be a dependency for six lines).
 *
 * Paired (rounds interleaved A B A B, `--against`): the statistic is the per-round ratios B_k / A_k
 * summed up by their geometric mean or their median, resampled by round, so drift that hits both
 * runs of a round cancels. The geometric mean (the mean of the log ratios) uses every round's
 * value and narrows the interval where the noise is well behaved (p50 of unchanged code, gates of
 * 5 rounds drawn from the gate-power pools: 0.15-0.18 wide against the median's 0.24-0.30, whose
 * interval spans nearly the lowest to the highest ratio); the median ignores a round whose tail
 * went wild, so the tails use it.
 * Unpaired (a stored baseline): the ratio of the two medians, each side resampled on its own.
 */
import { geometricMean, median, quantile, sampleWithReplacement } from 'simple-statistics';

export interface RatioEstimate {
  /** Candidate / baseline: the point estimate. */
  ratio: number;
  /** The 95% bootstrap interval of the ratio. */
  low: number;
  high: number;
}

export interface BootstrapOptions {
  resamples: number;
  seed: number;
}

export const DEFAULT_BOOTSTRAP: BootstrapOptions = { resamples: 4_000, seed: 14 };

/** mulberry32: a small, well-mixed 32-bit generator; returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function interval(point: number, draws: number[]): RatioEstimate {
  const finite = draws.filter(Number.isFinite);
  if (finite.length === 0) return { ratio: point, low: Number.NaN, high: Number.NaN };
  return { ratio: point, low: quantile(finite, 0.025), high: quantile(finite, 0.975) };
}

/** How the per-round ratios are summed up. */
export type RoundsCenter = 'geometric-mean' | 'median';

/** The geometric mean or median of B_k / A_k over the rounds k, with its bootstrap interval over rounds. */
export function pairedRatio(baseline: readonly number[], candidate: readonly number[], o: BootstrapOptions = DEFAULT_BOOTSTRAP, center: RoundsCenter = 'median'): RatioEstimate {
  if (baseline.length !== candidate.length || baseline.length === 0) throw new Error('paired ratios need the same number of rounds on both sides, at least one');
  const ratios = baseline.map((a, k) => candidate[k]! / a);
  const summed = center === 'geometric-mean' ? geometricMean : median;
  const random = seededRandom(o.seed);
  const draws = Array.from({ length: o.resamples }, () => summed(sampleWithReplacement(ratios, ratios.length, random)));
  return interval(summed(ratios), draws);
}

/** median(candidate) / median(baseline), each side resampled on its own. */
export function unpairedRatio(baseline: readonly number[], candidate: readonly number[], o: BootstrapOptions = DEFAULT_BOOTSTRAP): RatioEstimate {
  if (baseline.length === 0 || candidate.length === 0) throw new Error('a ratio of medians needs at least one run on each side');
  const random = seededRandom(o.seed);
  const draws = Array.from({ length: o.resamples }, () => median(sampleWithReplacement([...candidate], candidate.length, random)) / median(sampleWithReplacement([...baseline], baseline.length, random)));
  return interval(median([...candidate]) / median([...baseline]), draws);
}
