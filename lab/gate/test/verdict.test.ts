import { describe, expect, it } from 'vitest';
import { pairedRatio, seededRandom, unpairedRatio } from '../statistics.ts';
import { decideGate, judgeRatio } from '../verdict.ts';
import { NOISE, runs } from './fixture-runs.ts';

describe('gate verdict', () => {
  it('the seeded bootstrap gives the same interval every time and another with another seed', () => {
    const a = [10, 11, 9, 10.5, 9.5];
    const b = [11, 12, 10, 11.5, 10.5];
    expect(pairedRatio(a, b, { resamples: 2_000, seed: 1 })).toEqual(pairedRatio(a, b, { resamples: 2_000, seed: 1 }));
    expect(unpairedRatio(a, b, { resamples: 2_000, seed: 3 })).toEqual(unpairedRatio(a, b, { resamples: 2_000, seed: 3 }));
    expect(Array.from({ length: 5 }, seededRandom(1))).not.toEqual(Array.from({ length: 5 }, seededRandom(2)));
    const random = seededRandom(7);
    const draws = Array.from({ length: 10_000 }, random);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
  });

  it('unchanged code with a little noise passes every gating figure', () => {
    const decision = decideGate(runs('A', NOISE), runs('B', [...NOISE].reverse()), { floor: 0.05, paired: true });
    expect(decision.verdict).toBe('pass');
    expect(decision.exitCode).toBe(0);
  });

  it('every latency 10% slower in every round is a regression, exit 1', () => {
    const decision = decideGate(runs('A', NOISE), runs('B', NOISE.map((f) => f * 1.1)), { floor: 0.05, paired: true });
    expect(decision.exitCode).toBe(1);
    expect(decision.figures.find((f) => f.figure === 'p95')!.verdict).toBe('regression');
    expect(decision.figures.find((f) => f.figure === 'p95')!.estimate!.ratio).toBeCloseTo(1.1, 5);
  });

  it('a slowdown below the floor is not a regression even when it is certain', () => {
    const decision = decideGate(runs('A', NOISE), runs('B', NOISE.map((f) => f * 1.03)), { floor: 0.05, paired: true });
    expect(decision.figures.find((f) => f.figure === 'p95')!.verdict).toBe('pass');
  });

  it('runs too noisy to rule out twice the floor are inconclusive, exit 3', () => {
    const wild = [1, 1.4, 0.7, 1.3, 0.8];
    const decision = decideGate(runs('A', wild), runs('B', [0.75, 1.35, 1, 0.8, 1.3]), { floor: 0.05, paired: true });
    expect(decision.exitCode).toBe(3);
  });

  it('a tail too noisy to rule out twice the floor does not hold the gate at inconclusive when the median decides', () => {
    const withTail = (build: 'A' | 'B', tail: number[]) => runs(build, NOISE.slice(0, 5)).map((r, k) => ({ ...r, figures: { ...r.figures, p95: 10 * tail[k]!, hotP95: 10 * tail[k]! } }));
    const decision = decideGate(withTail('A', [1, 1.4, 0.7, 1.3, 0.8]), withTail('B', [0.75, 1.35, 1, 0.8, 1.3]), { floor: 0.05, paired: true });
    expect(decision.figures.find((f) => f.figure === 'p95')!.verdict).toBe('inconclusive');
    expect(decision.figures.find((f) => f.figure === 'p50')!.verdict).toBe('pass');
    expect(decision.exitCode).toBe(0);
  });

  it('a tail that regresses clearly fails the gate though the median did not move', () => {
    const slowTail = runs('B', NOISE).map((r) => ({ ...r, figures: { ...r.figures, p95: r.figures.p95! * 1.3 } }));
    const decision = decideGate(runs('A', NOISE), slowTail, { floor: 0.05, paired: true });
    expect(decision.figures.find((f) => f.figure === 'p50')!.verdict).toBe('pass');
    expect(decision.figures.find((f) => f.figure === 'p95')!.verdict).toBe('regression');
    expect(decision.exitCode).toBe(1);
  });

  it('a tail whose rounds all came out slower fails the gate only when its interval clears the floor', () => {
    // unchanged code's hot-path p95 in five real rounds (results/gate-pool-40, rounds 2, 4, 7, 11, 15)
    const hot = [1.06, 1.2, 1.45, 1.5, 1.19];
    const noisyTail = (scale: number) => runs('B', NOISE.slice(0, 5)).map((r, k) => ({ ...r, figures: { ...r.figures, hotP95: r.figures.hotP95! * (1 + (hot[k]! - 1) * scale) } }));
    const unchanged = decideGate(runs('A', NOISE.slice(0, 5)), noisyTail(1), { floor: 0.1, paired: true, bootstrap: { resamples: 2_000, seed: 1 } });
    const hotP95 = unchanged.figures.find((f) => f.figure === 'hotP95')!;
    expect(hotP95.estimate!.low).toBeGreaterThan(1);
    expect(hotP95.estimate!.low).toBeLessThan(1.1);
    expect(hotP95.verdict).toBe('pass');
    expect(unchanged.verdict).toBe('pass');
    // the same rounds three times as far from 1: the whole interval clears 1.1
    const slower = decideGate(runs('A', NOISE.slice(0, 5)), noisyTail(3), { floor: 0.1, paired: true, bootstrap: { resamples: 2_000, seed: 1 } });
    expect(slower.figures.find((f) => f.figure === 'hotP95')!.verdict).toBe('regression');
    expect(slower.exitCode).toBe(1);
  });

  it('p50 sums up rounds by their geometric mean: unchanged code with ±10% round noise passes where the median could not tell', () => {
    const ratios = [0.9, 1.09, 0.96, 1.12, 1.0];
    const a = [1, 1, 1, 1, 1];
    const options = { resamples: 4_000, seed: 14 };
    // the median of 5 rounds: its interval reaches the highest ratios and holds 1 + 2·floor
    expect(pairedRatio(a, ratios, options, 'median').high).toBeGreaterThanOrEqual(1.1);
    const byMean = pairedRatio(a, ratios, options, 'geometric-mean');
    expect(byMean.ratio).toBeCloseTo(Math.exp(ratios.map(Math.log).reduce((x, y) => x + y) / ratios.length), 9);
    expect(byMean.high).toBeLessThan(1.1);
    const withP50 = (build: 'A' | 'B', factors: number[]) => runs(build, [1, 1, 1, 1, 1]).map((r, k) => ({ ...r, figures: { ...r.figures, p50: 10 * factors[k]! } }));
    const decision = decideGate(withP50('A', a), withP50('B', ratios), { floor: 0.05, paired: true });
    expect(decision.figures.find((f) => f.figure === 'p50')!.verdict).toBe('pass');
    expect(decision.exitCode).toBe(0);
  });

  it('one run against one is inconclusive whatever its ratio: its interval is a single point', () => {
    for (const paired of [true, false]) {
      const decision = decideGate(runs('A', [1]), runs('B', [1.2]), { floor: 0.05, paired });
      const p95 = decision.figures.find((f) => f.figure === 'p95')!;
      expect(p95.estimate!.ratio).toBeCloseTo(1.2, 9);
      expect([p95.estimate!.low, p95.estimate!.high]).toEqual([p95.estimate!.ratio, p95.estimate!.ratio]);
      expect(p95.verdict).toBe('inconclusive');
      expect(decision.exitCode).toBe(3);
    }
    const againstOne = decideGate(runs('A', NOISE), runs('B', [1.2]), { floor: 0.05, paired: false });
    expect(againstOne.figures.find((f) => f.figure === 'p95')!.verdict).toBe('inconclusive');
  });

  it('less throughput is a regression (the ratio is turned over), more is not', () => {
    expect(judgeRatio({ ratio: 0.8, low: 0.78, high: 0.82 }, 0.05, true)).toBe('regression');
    expect(judgeRatio({ ratio: 1.2, low: 1.18, high: 1.22 }, 0.05, true)).toBe('pass');
  });

  it('an error rate half a point above the baseline is a regression though the baseline had none', () => {
    const decision = decideGate(runs('A', NOISE), runs('B', NOISE, { errorRate: 0.02 }), { floor: 0.05, paired: true });
    expect(decision.figures.find((f) => f.figure === 'errorRate')!.verdict).toBe('regression');
    expect(decision.exitCode).toBe(1);
  });

  it('against a stored baseline the medians compare unpaired, with more runs on one side', () => {
    const decision = decideGate(runs('A', NOISE), runs('B', NOISE.slice(0, 5).map((f) => f * 1.12)), { floor: 0.05, paired: false });
    expect(decision.figures.find((f) => f.figure === 'p50')!.verdict).toBe('regression');
  });
});
