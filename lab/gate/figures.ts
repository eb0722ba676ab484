/**
 * The figures of one benchmark run, read from its results directory, all over the steady window
 * (warm-up out) of the engine's per-second HDR histograms, merged exactly: p50/p95/p99 latency of
 * every request, the hot route's p95 and tail mean (the mean of its slowest 5%; the benchmark tags
 * its hot path `route: hot`, and the engine keeps a histogram per route), the error rate, the share of planned arrivals the generator
 * achieved (a guard: under a constant arrival rate throughput is the generator's, not the app's),
 * and the app's CPU seconds per request from the services' process metrics (summary.json `cost`).
 */
import { join } from 'node:path';
import { LabError } from '../../errors/lab-error.ts';
import { readLoadSeconds } from '../load-seconds/read.ts';
import { mergedRoute, mergedWindow, percentileMs, tailMeanMs, windowCounts } from '../load-seconds/window.ts';
import { readSummaryIn } from '../run-summary/summary.ts';

export const FIGURES = ['p50', 'p95', 'p99', 'hotP95', 'hotTailMean', 'errorRate', 'cpuPerRequest', 'achieved'] as const;
/** The value of the route tag the benchmark gives its hot path. */
export const HOT_ROUTE = 'hot';
/** The hot path's tail mean is the mean of its requests above this percentile. */
export const TAIL_FROM = 95;
export type FigureName = (typeof FIGURES)[number];
export type RunFigures = Record<FigureName, number | null>;

export interface BenchmarkRun {
  /** Which build (A baseline, B candidate) and round. */
  build: 'A' | 'B';
  round: number;
  variant: string;
  dir: string;
  exitCode: number;
  figures: RunFigures;
}

/** A benchmark run's one variant, its per-second histograms and its steady window (warm-up out). */
export function readSteadyRun(dir: string) {
  // v2 first recorded the per-second histograms and the services' CPU the figures come from
  const summary = readSummaryIn(dir, { reader: 'the gate', oldest: 2 });
  const variant = summary.variants[0];
  const engine = variant?.engine;
  if (!variant || !engine?.secondsFile) throw new LabError('GATE_ERR_NO_SECONDS', `${dir}: the run has no per-second histograms (summary.json engine.secondsFile): run it with the embedded engine`);
  const steady = variant.phases.steady ?? variant.load;
  const window = { start: Date.parse(steady.start), end: Date.parse(steady.end) };
  return { variant, window, load: readLoadSeconds(join(dir, engine.secondsFile)) };
}

/** The figures of the one variant a gate run measures; a run without them is a broken run (exit 2). */
export function readRunFigures(dir: string): RunFigures {
  const { variant, window, load } = readSteadyRun(dir);
  const counts = windowCounts(load, window);
  const all = mergedWindow(load, window);
  const hot = mergedRoute(load, window, HOT_ROUTE);
  return {
    p50: percentileMs(all, 50),
    p95: percentileMs(all, 95),
    p99: percentileMs(all, 99),
    hotP95: percentileMs(hot, 95),
    hotTailMean: tailMeanMs(hot, TAIL_FROM),
    errorRate: counts.requests > 0 ? counts.failed / counts.requests : null,
    cpuPerRequest: variant.cost.cpuSecondsPerSuccess,
    achieved: counts.planned > 0 ? counts.started / counts.planned : null,
  };
}
