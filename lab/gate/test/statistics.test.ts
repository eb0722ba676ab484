/**
 * The gate's intervals cover what they claim: simulated gates whose true ratio is known, with
 * lognormal round-to-round noise (a run's figure is multiplied by its round's drift, shared by both
 * builds, and by its own noise), at the numbers of rounds a gate runs.
 */
import { describe, expect, it } from 'vitest';
import { pairedDifference, pairedRatio, unpairedRatio } from '../statistics.ts';

/** mulberry32, then Box–Muller: seeded standard normal draws, so the test repeats exactly. */
function normals(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4_294_967_296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

const TRUE_RATIO = 1.15;
const GATES = 4_000;

/** The share of simulated gates whose interval holds the true ratio. */
function coverage(rounds: number, interval: (a: number[], b: number[]) => { low: number; high: number }, seed: number): number {
  const z = normals(seed);
  let covered = 0;
  for (let g = 0; g < GATES; g++) {
    const drift = Array.from({ length: rounds }, () => 0.2 * z());
    const a = drift.map((d) => 10 * Math.exp(d + 0.1 * z()));
    const b = drift.map((d) => 10 * TRUE_RATIO * Math.exp(d + 0.1 * z()));
    const e = interval(a, b);
    if (e.low <= TRUE_RATIO && TRUE_RATIO <= e.high) covered += 1;
  }
  return covered / GATES;
}

describe('gate intervals', () => {
  it.each([3, 5, 8])('the paired interval of the ratio covers the true ratio in at least 93 of 100 simulated %i-round gates', (rounds) => {
    const share = coverage(rounds, pairedRatio, rounds);
    expect(share).toBeGreaterThanOrEqual(0.93);
    expect(share).toBeLessThanOrEqual(0.97);
  });

  it.each([3, 5, 8])('against a stored baseline of as many runs (unpaired, Welch), it covers at least 93 of 100 too at %i runs a side', (runs) => {
    expect(coverage(runs, unpairedRatio, 100 + runs)).toBeGreaterThanOrEqual(0.93);
  });

  it('the error rate: a paired difference whose interval covers the true one, and a point when nothing varied', () => {
    const z = normals(7);
    let covered = 0;
    for (let g = 0; g < GATES; g++) {
      const a = Array.from({ length: 5 }, () => 0.01 + 0.003 * z());
      const b = a.map((x) => x + 0.004 + 0.003 * z());
      const e = pairedDifference(a, b);
      if (e.low <= 0.004 && 0.004 <= e.high) covered += 1;
    }
    expect(covered / GATES).toBeGreaterThanOrEqual(0.93);
    expect(pairedDifference([0, 0, 0], [0, 0, 0])).toEqual({ value: 0, low: 0, high: 0 });
  });

  it('one round gives no interval, not a certain-looking point', () => {
    const e = pairedRatio([10], [12]);
    expect(e.value).toBeCloseTo(1.2, 9);
    expect([e.low, e.high]).toEqual([Number.NaN, Number.NaN]);
  });

  it('the interval is the t-interval of the mean log ratio (n - 1 degrees of freedom, quantile from jstat)', () => {
    const ratios = [1.35, 1.3, 1.05, 1.4, 1.32];
    const logs = ratios.map(Math.log);
    const m = logs.reduce((x, y) => x + y) / 5;
    const sd = Math.sqrt(logs.reduce((s, x) => s + (x - m) ** 2, 0) / 4);
    const half = 2.7764451 * (sd / Math.sqrt(5));
    const e = pairedRatio([1, 1, 1, 1, 1], ratios);
    expect(e.value).toBeCloseTo(Math.exp(m), 9);
    expect(e.low).toBeCloseTo(Math.exp(m - half), 6);
    expect(e.high).toBeCloseTo(Math.exp(m + half), 6);
  });
});
