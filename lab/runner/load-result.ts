/**
 * What a load engine's summary export says about a run, in the terms the verdict needs: did it
 * keep its schedule (dropped iterations, VU pool, start lag), what did its thresholds say, and
 * what did it cost. The same reading serves the embedded engine and a real k6; the start lag is
 * only the embedded engine's (k6 does not export it), and then it is reported as not measured.
 */
import { parseThresholdExpression } from '../../load/metrics/threshold-expression.ts';
import type { CpuReport } from './cpu.ts';
import type { MachineLoadReport } from './machine-load.ts';
import type { K6SummaryMetrics } from './hypotheses.ts';
import type { EngineResultSummary } from '../run-summary/summary.ts';

export type EngineResult = EngineResultSummary;

/** Dropped iterations above this share of the planned ones make the run inconclusive. */
export const MAX_DROPPED_RATIO = 0.01;

/**
 * The start lag's p99 (an iteration's actual start minus its due time, after the profile's warmup)
 * above which the engine is judged behind its schedule. Measured on the project's 2-core machine
 * at 400/s (bench/start-lag.bench.ts): about 3 ms idle, 12 ms with a CPU hog on both cores beside
 * it; with the whole lab stack under a scenario's 400/s, up to about 30 ms; a script that
 * busy-loops past the rate's budget reaches hundreds of ms within seconds (lab/runner/test/guards.test.ts).
 * 50 ms lets a busy but working machine pass and still catches an engine that lost its schedule.
 */
export const MAX_START_LAG_P99_MS = 50;

export interface EngineRunFacts {
  exitCode: number | null;
  cpu: CpuReport;
  machine: MachineLoadReport | null;
  log: string;
  /** Seconds of load the profile planned. */
  duration: number;
  files: { summaryFile: string; secondsFile: string | null; dashboard: string | null; log: string };
}

/** The summary's numbers only (its per-metric `thresholds` maps are read apart). */
export function numericMetrics(raw: Record<string, Record<string, unknown>>): K6SummaryMetrics {
  const out: K6SummaryMetrics = {};
  for (const [metric, stats] of Object.entries(raw)) {
    out[metric] = Object.fromEntries(Object.entries(stats).filter((e): e is [string, number] => typeof e[1] === 'number'));
  }
  return out;
}

/** The aggregate a threshold expression names, read from the metric's summary stats (a Rate's `rate` is its `value`). */
function thresholdFigures(expression: string, stats: Record<string, unknown>): { observed: number | null; bound: number | null } {
  const parsed = parseThresholdExpression(expression);
  if (!parsed) return { observed: null, bound: null };
  const read = (key: string) => (typeof stats[key] === 'number' ? (stats[key] as number) : undefined);
  const observed = parsed.aggregation === 'rate' ? (read('rate') ?? read('value')) : read(parsed.aggregation);
  return { observed: observed ?? null, bound: parsed.bound };
}

/** Every threshold of the export: `{metric: {thresholds: {"rate<0.01": <true when it FAILED>}}}`. */
export function thresholdResults(raw: Record<string, Record<string, unknown>>): { metric: string; expression: string; ok: boolean; observed: number | null; bound: number | null }[] {
  const out: { metric: string; expression: string; ok: boolean; observed: number | null; bound: number | null }[] = [];
  for (const [metric, stats] of Object.entries(raw)) {
    const thresholds = stats.thresholds;
    if (!thresholds || typeof thresholds !== 'object') continue;
    for (const [expression, failed] of Object.entries(thresholds as Record<string, unknown>)) out.push({ metric, expression, ok: failed !== true, ...thresholdFigures(expression, stats) });
  }
  return out;
}

export function engineResult(engine: string, raw: Record<string, Record<string, unknown>>, facts: EngineRunFacts): EngineResult & { summary: K6SummaryMetrics } {
  const m = numericMetrics(raw);
  const achieved = m.iterations?.count ?? 0;
  const dropped = m.dropped_iterations?.count ?? 0;
  // the embedded engine counts due iterations itself; with k6 every due one was started or dropped
  const planned = m.iterations_planned?.count ?? achieved + dropped;
  const lag = m.iteration_start_lag;
  return {
    engine,
    exitCode: facts.exitCode,
    metrics: m,
    arrival: {
      plannedIterations: planned,
      achievedIterations: achieved,
      droppedIterations: dropped,
      droppedRatio: planned > 0 ? dropped / planned : 0,
      plannedRate: planned / facts.duration,
      // over the planned duration, as plannedRate is (the engine's own rate also counts the graceful stop)
      achievedRate: achieved / facts.duration,
    },
    startLag: lag ? { p50Ms: lag.med ?? null, p99Ms: lag['p(99)'] ?? null, maxMs: lag.max ?? null, boundMs: MAX_START_LAG_P99_MS } : null,
    vus: { peak: m.vus?.max ?? 0, allocated: m.vus_max?.max ?? m.vus_max?.value ?? 0, exhausted: /Insufficient VUs/.test(facts.log) },
    thresholds: thresholdResults(raw),
    cpu: facts.cpu,
    machine: facts.machine,
    ...facts.files,
    summary: m,
  };
}
