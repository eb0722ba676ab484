/**
 * The tail mean of a window's histogram against the same mean taken from the raw values: the
 * slowest share exactly (the boundary bucket in part), within the histogram's 3 significant digits.
 */
import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { percentileMs, tailMeanMs } from '../window.ts';

const histogramOf = (valuesUs: number[]) => {
  const h = hdr.build({ autoResize: true, numberOfSignificantValueDigits: 3, useWebAssembly: false });
  for (const v of valuesUs) h.recordValue(v);
  return h;
};

/** The mean of the slowest (100 − p)% of the values, in ms, a fractional last value counting in part. */
function rawTailMeanMs(valuesUs: number[], p: number): number {
  const sorted = [...valuesUs].sort((a, b) => b - a);
  const share = ((100 - p) / 100) * sorted.length;
  let left = share;
  let sum = 0;
  for (const v of sorted) {
    if (left <= 0) break;
    sum += Math.min(1, left) * v;
    left -= 1;
  }
  return sum / share / 1000;
}

describe('tail mean of a histogram', () => {
  it('is the mean of the slowest 5% of the values, the boundary value counting in part', () => {
    // 997 values, so 5% is 49.85 of them: the 50th slowest counts 0.85
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const values = Array.from({ length: 997 }, () => Math.round(2000 + 8000 * random() ** 4));
    const h = histogramOf(values);
    const exact = rawTailMeanMs(values, 95);
    expect(tailMeanMs(h, 95)! / exact).toBeCloseTo(1, 3);
    expect(tailMeanMs(h, 0)! / (values.reduce((s, v) => s + v, 0) / values.length / 1000)).toBeCloseTo(1, 3);
  });

  it('moves with requests slowed past the percentile, where p95 stays put', () => {
    // 1,000 reads of 5-9 ms; then 2% of them 100 ms slower: p95 barely moves, the tail mean more than doubles
    const base = Array.from({ length: 1000 }, (_, k) => 5000 + (k % 100) * 40);
    const slowed = base.map((v, k) => (k % 50 === 0 ? v + 100_000 : v));
    const [before, after] = [histogramOf(base), histogramOf(slowed)];
    expect(percentileMs(after, 95)! / percentileMs(before, 95)!).toBeLessThan(1.02);
    expect(tailMeanMs(after, 95)! / tailMeanMs(before, 95)!).toBeGreaterThan(2);
    expect(tailMeanMs(after, 95)).toBeCloseTo(rawTailMeanMs(slowed, 95), 1);
  });

  it('is null for an empty histogram', () => {
    expect(tailMeanMs(histogramOf([]), 95)).toBeNull();
  });
});
