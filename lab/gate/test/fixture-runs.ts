/** Benchmark runs made up for a test: every figure a multiple of 10, the noise given per round. */
import { FIGURES, type BenchmarkRun, type RunFigures } from '../figures.ts';

/** A little round-to-round noise, about as much as the benchmark shows on a quiet machine. */
export const NOISE = [1.0, 1.02, 0.98, 1.01, 0.99, 1.03, 0.97];

/** Runs whose figures are all 10 times the given factors (the error rate stays at 0, every planned arrival achieved). */
export function runs(build: 'A' | 'B', factors: number[], over: Partial<RunFigures> = {}): BenchmarkRun[] {
  return factors.map((f, k) => {
    const figures = Object.fromEntries(FIGURES.map((name) => [name, 10 * f])) as RunFigures;
    return { build, round: k + 1, variant: 'baseline', dir: '', exitCode: 0, figures: { ...figures, errorRate: 0, achieved: 1, ...over } };
  });
}
