import { describe, expect, it } from 'vitest';
import type { BenchmarkRun, FigureName } from '../figures.ts';
import { decideGate, judgeRatio } from '../verdict.ts';
import { NOISE, runs } from './fixture-runs.ts';

const verdictOf = (figure: FigureName, a: BenchmarkRun[], b: BenchmarkRun[], floor = 0.05) => decideGate(a, b, { floor, paired: true }).figures.find((f) => f.figure === figure)!;

/** Runs of flat figures (10) with one figure set per round. */
function withFigure(build: 'A' | 'B', figure: FigureName, values: number[]): BenchmarkRun[] {
  return runs(build, values.map(() => 1)).map((r, k) => ({ ...r, figures: { ...r.figures, [figure]: values[k]! } }));
}

describe('gate verdict', () => {
  it('unchanged code with a little noise passes every gating figure', () => {
    const decision = decideGate(runs('A', NOISE), runs('B', [...NOISE].reverse()), { floor: 0.05, paired: true });
    expect(decision.verdict).toBe('pass');
    expect(decision.exitCode).toBe(0);
  });

  it('every latency 10% slower in every round is a regression, exit 1', () => {
    const decision = decideGate(runs('A', NOISE), runs('B', NOISE.map((f) => f * 1.1)), { floor: 0.05, paired: true });
    expect(decision.exitCode).toBe(1);
    expect(decision.figures.find((f) => f.figure === 'p95')!.verdict).toBe('regression');
    expect(decision.figures.find((f) => f.figure === 'p95')!.estimate!.value).toBeCloseTo(1.1, 5);
  });

  it('a slowdown below the floor is not a regression even when it is certain', () => {
    expect(verdictOf('p95', runs('A', NOISE), runs('B', NOISE.map((f) => f * 1.03))).verdict).toBe('pass');
  });

  it('a tail whose rounds came out ×[1.35, 1.30, 1.05, 1.40, 1.32] is a regression: one quiet round does not pass it', () => {
    // the percentile bootstrap of the median printed `pass` with 1.32 [1.05, 1.40] here
    for (const figure of ['p95', 'hotP95'] as const) {
      const f = verdictOf(figure, withFigure('A', figure, [10, 10, 10, 10, 10]), withFigure('B', figure, [13.5, 13, 10.5, 14, 13.2]), 0.1);
      expect(f.estimate!.low).toBeGreaterThan(1);
      expect(f.verdict).toBe('regression');
    }
    const decision = decideGate(withFigure('A', 'hotP95', [10, 10, 10, 10, 10]), withFigure('B', 'hotP95', [13.5, 13, 10.5, 14, 13.2]), { floor: 0.1, paired: true });
    expect([decision.verdict, decision.exitCode]).toEqual(['regression', 1]);
  });

  it('rounds too noisy to rule out twice the floor are inconclusive, exit 3', () => {
    const decision = decideGate(runs('A', [1, 1.4, 0.7, 1.3, 0.8]), runs('B', [0.75, 1.35, 1, 0.8, 1.3]), { floor: 0.05, paired: true });
    expect(decision.exitCode).toBe(3);
  });

  it('a tail too noisy to rule out twice the floor is reported inconclusive but does not hold the gate when p50 decides', () => {
    const tail = (build: 'A' | 'B', factors: number[]) => runs(build, NOISE.slice(0, 5)).map((r, k) => ({ ...r, figures: { ...r.figures, hotP95: 10 * factors[k]! } }));
    const decision = decideGate(tail('A', [1, 1.4, 0.7, 1.3, 0.8]), tail('B', [0.75, 1.35, 1, 0.8, 1.3]), { floor: 0.05, paired: true });
    expect(decision.figures.find((f) => f.figure === 'p50')!.verdict).toBe('pass');
    expect(decision.figures.find((f) => f.figure === 'hotP95')!.verdict).toBe('inconclusive');
    expect(decision.exitCode).toBe(0);
  });

  it('a tail that regresses clearly fails the gate though the median did not move', () => {
    const slowTail = runs('B', NOISE).map((r) => ({ ...r, figures: { ...r.figures, hotP95: r.figures.hotP95! * 1.2 } }));
    const decision = decideGate(runs('A', NOISE), slowTail, { floor: 0.1, paired: true });
    expect(decision.figures.find((f) => f.figure === 'p50')!.verdict).toBe('pass');
    expect(decision.figures.find((f) => f.figure === 'hotP95')!.verdict).toBe('regression');
    expect(decision.exitCode).toBe(1);
  });

  it('a few requests made much slower fail the gate through the hot path\'s tail mean, the percentiles short of the floor', () => {
    // the slowed-tail variant's shape (README): p50 as it was, hot p95 +3..+17%, the mean of the slowest 5% ×2-3
    const a = withFigure('A', 'hotTailMean', [20, 22, 19, 24, 21]).map((r) => ({ ...r, figures: { ...r.figures, hotP95: 9 } }));
    const b = withFigure('B', 'hotTailMean', [55, 48, 61, 44, 58]).map((r, k) => ({ ...r, figures: { ...r.figures, hotP95: 9 * [1.03, 1.17, 1.09, 0.97, 1.12][k]! } }));
    const decision = decideGate(a, b, { floor: 0.1, paired: true });
    expect(decision.figures.find((f) => f.figure === 'hotP95')!.verdict).not.toBe('regression');
    expect(decision.figures.find((f) => f.figure === 'hotTailMean')!.verdict).toBe('regression');
    expect([decision.verdict, decision.exitCode]).toEqual(['regression', 1]);
  });

  it('server CPU per request too noisy to decide does not hold the gate at inconclusive: its round noise measured above p50\'s', () => {
    // README: sd of the per-round log ratio of unchanged code, 50 rounds: CPU per request above p50
    const cpu = [1, 1.25, 0.8, 1.2, 0.85];
    const b = runs('B', NOISE.slice(0, 5)).map((r, k) => ({ ...r, figures: { ...r.figures, cpuPerRequest: r.figures.cpuPerRequest! * cpu[k]! } }));
    const decision = decideGate(runs('A', NOISE.slice(0, 5)), b, { floor: 0.1, paired: true });
    expect(decision.figures.find((f) => f.figure === 'cpuPerRequest')!.verdict).toBe('inconclusive');
    expect([decision.verdict, decision.exitCode]).toEqual(['pass', 0]);
  });

  it('server CPU per request gates: 15% more in every round fails the gate with latency unchanged', () => {
    const decision = decideGate(runs('A', NOISE), runs('B', NOISE).map((r) => ({ ...r, figures: { ...r.figures, cpuPerRequest: r.figures.cpuPerRequest! * 1.15 } })), { floor: 0.1, paired: true });
    expect(decision.figures.find((f) => f.figure === 'cpuPerRequest')!.verdict).toBe('regression');
    expect([decision.verdict, decision.exitCode]).toEqual(['regression', 1]);
  });

  it('one run against one is inconclusive whatever its ratio: it has no spread to judge by', () => {
    for (const paired of [true, false]) {
      const decision = decideGate(runs('A', [1]), runs('B', [1.5]), { floor: 0.05, paired });
      const p95 = decision.figures.find((f) => f.figure === 'p95')!;
      expect(p95.estimate!.value).toBeCloseTo(1.5, 9);
      expect(p95.verdict).toBe('inconclusive');
      expect(decision.exitCode).toBe(3);
    }
    expect(decideGate(runs('A', NOISE), runs('B', [1.2]), { floor: 0.05, paired: false }).figures.find((f) => f.figure === 'p95')!.verdict).toBe('inconclusive');
  });

  it('the error rate has an interval over rounds: 2 points more in every round is a regression, one bad round is inconclusive, none passes', () => {
    const errors = (build: 'A' | 'B', rates: number[]) => runs(build, NOISE.slice(0, rates.length)).map((r, k) => ({ ...r, figures: { ...r.figures, errorRate: rates[k]! } }));
    const steady = decideGate(errors('A', [0, 0.001, 0, 0, 0.001]), errors('B', [0.02, 0.021, 0.019, 0.02, 0.022]), { floor: 0.05, paired: true });
    expect(steady.figures.find((f) => f.figure === 'errorRate')!.verdict).toBe('regression');
    expect(steady.exitCode).toBe(1);
    // one round with 3% failed: once the rule was "the medians differ by half a point", which passed it unseen
    const once = decideGate(errors('A', [0, 0, 0, 0, 0]), errors('B', [0.03, 0, 0, 0, 0]), { floor: 0.05, paired: true });
    expect(once.figures.find((f) => f.figure === 'errorRate')!.verdict).toBe('inconclusive');
    expect(once.exitCode).toBe(3);
    const none = decideGate(errors('A', [0, 0, 0, 0, 0]), errors('B', [0, 0, 0, 0, 0]), { floor: 0.05, paired: true });
    expect(none.figures.find((f) => f.figure === 'errorRate')!.verdict).toBe('pass');
  });

  it('throughput is a guard, not a figure: a run that fell short of its planned arrivals makes the gate inconclusive', () => {
    expect(decideGate(runs('A', NOISE), runs('B', NOISE), { floor: 0.05, paired: true }).figures.map((f) => f.figure)).not.toContain('throughput');
    const short = runs('B', NOISE.map((f) => f * 1.5)).map((r, k) => (k === 2 ? { ...r, figures: { ...r.figures, achieved: 0.9 } } : r));
    const decision = decideGate(runs('A', NOISE), short, { floor: 0.05, paired: true });
    expect([decision.verdict, decision.exitCode]).toEqual(['inconclusive', 3]);
    expect(decision.guardFailures).toEqual([expect.stringMatching(/^round 3, build B: 90\.0% of the planned arrivals started/)]);
    expect(decision.figures.find((f) => f.figure === 'achieved')!.verdict).toBe('inconclusive');
  });

  it('a ratio below 1 by any amount is never a regression (lower latency is better)', () => {
    expect(judgeRatio({ value: 0.8, low: 0.78, high: 0.82 }, 0.05)).toBe('pass');
    expect(judgeRatio({ value: 1.2, low: 1.18, high: 1.22 }, 0.05)).toBe('regression');
  });

  it('against a stored baseline a shift the machine can make on its own is not a regression: the interval must clear the floor', () => {
    // a fresh-clone CI run: 3 candidate runs against 3 stored ones of the same code, minutes apart,
    // CPU per request 1.18 [1.05, 1.34]: the old rule (interval above 1) called it a regression
    const stored = withFigure('A', 'cpuPerRequest', [5.4, 5.7, 5.9]);
    const later = withFigure('B', 'cpuPerRequest', [6.3, 6.9, 7.1]);
    const f = decideGate(stored, later, { floor: 0.1, paired: false }).figures.find((x) => x.figure === 'cpuPerRequest')!;
    expect(f.estimate!.low).toBeGreaterThan(1);
    expect(f.estimate!.low).toBeLessThan(1.1);
    expect(f.verdict).toBe('inconclusive');
    // the same ratios measured within rounds are a regression: there, a slower machine slows both sides
    expect(verdictOf('cpuPerRequest', stored, later, 0.1).verdict).toBe('regression');
    // and a stored baseline still shows a shift that clears the floor
    const clearly = withFigure('B', 'cpuPerRequest', [7.3, 7.5, 7.6]);
    expect(decideGate(stored, clearly, { floor: 0.1, paired: false }).figures.find((x) => x.figure === 'cpuPerRequest')!.verdict).toBe('regression');
  });

  it('against a stored baseline the runs compare unpaired, with more runs on one side', () => {
    const decision = decideGate(runs('A', NOISE), runs('B', NOISE.slice(0, 5).map((f) => f * 1.12)), { floor: 0.05, paired: false });
    expect(decision.figures.find((f) => f.figure === 'p50')!.verdict).toBe('regression');
  });
});
