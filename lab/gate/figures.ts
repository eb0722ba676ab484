/**
 * The figures of one benchmark run, read from its results directory: p50/p95/p99 latency merged
 * exactly from the engine's per-second HDR histograms over the steady window, the error rate and
 * throughput over the same seconds, the hot route's p95 from the engine's summary export (its whole
 * run, warmup included: the export has no windows), and the
 * app's CPU seconds per request from the services' process metrics (summary.json `cost`).
 */
import { join } from 'node:path';
import { LabError } from '../../errors/lab-error.ts';
import { readLoadSeconds } from '../report/load-seconds.ts';
import { mergedLatency } from '../report/load-series.ts';
import { readSummaryIn } from '../results/summary.ts';

export const FIGURES = ['p50', 'p95', 'p99', 'hotP95', 'errorRate', 'throughput', 'cpuPerRequest'] as const;
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

/** The figures of the one variant a gate run measures; a run without them is a broken run (exit 2). */
export function readRunFigures(dir: string): RunFigures {
  // v2 first recorded the per-second histograms and the services' CPU the figures come from
  const summary = readSummaryIn(dir, { reader: 'the gate', oldest: 2 });
  const variant = summary.variants[0];
  const engine = variant?.engine;
  if (!variant || !engine?.secondsFile) throw new LabError('GATE_ERR_NO_SECONDS', `${dir}: the run has no per-second histograms (summary.json engine.secondsFile): run it with the embedded engine`);
  const steady = variant.phases.steady ?? variant.load;
  const window = { start: Date.parse(steady.start), end: Date.parse(steady.end) };
  const load = readLoadSeconds(join(dir, engine.secondsFile));
  const inWindow = load.seconds.filter((s) => s.t * 1000 >= window.start && s.t * 1000 < window.end);
  const requests = inWindow.reduce((n, s) => n + s.requests, 0);
  const failed = inWindow.reduce((n, s) => n + s.failed, 0);
  const merged = mergedLatency(load, window);
  const ms = (q: number) => (merged.totalCount > 0 ? merged.getValueAtPercentile(q) / 1000 : null);
  const hot = engine.metrics['http_req_duration{route:hot}'];
  return {
    p50: ms(50),
    p95: ms(95),
    p99: ms(99),
    hotP95: hot?.['p(95)'] ?? null,
    errorRate: requests > 0 ? failed / requests : null,
    throughput: inWindow.length > 0 ? requests / inWindow.length : null,
    cpuPerRequest: variant.cost.cpuSecondsPerSuccess,
  };
}
