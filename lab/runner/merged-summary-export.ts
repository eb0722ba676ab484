/**
 * One k6 summary export ({root_group, metrics}) from the exports of engines that each ran an
 * execution segment of one test, in the shape one engine writes:
 *
 * - counters: counts and rates add; Rates: passes and fails add, the value is recomputed;
 * - `vus` / `vus_max`: the engines' VUs add (their peaks from the merged per-second file, where the
 *   same seconds add up; else the sum of the peaks, an upper bound); other gauges keep the extremes
 *   and the largest last value (gauges of separate processes have no common order);
 * - trends: min and max exact, avg weighted by each engine's count (the parts run with the `count`
 *   trend stat, dropped again here); percentiles of `http_req_duration` and `iteration_start_lag`
 *   recomputed from the merged per-second HDR histograms (exact to their 3 significant digits)
 *   when those hold every sample of the trend; otherwise (setup() made requests, another trend)
 *   the largest engine's percentile, an upper bound (the merged p(N) lies between the engines'
 *   smallest and largest p(N));
 * - checks and groups: passes and fails add by path.
 *
 * Thresholds are judged again on the merged figures, because a k6 user's threshold speaks of the
 * whole test ("p(95) of all requests < 500 ms", "count > 1000"), as k6 Cloud judges a distributed
 * run; judged per engine, a count bound would fail on every part and a percentile would be judged
 * on a fraction of the samples. Where the merged figure is missing (a percentile the trend stats
 * do not hold, a Rate without samples) the threshold failed if any engine's did.
 */
import * as hdr from 'hdr-histogram-js';
import { compare } from '../../load/metrics/thresholds.ts';
import { parseThresholdExpression } from '../../load/metrics/threshold-expression.ts';
import type { LoadSeconds } from '../load-seconds/read.ts';

type Stats = Record<string, unknown>;
export interface SummaryExport { root_group: Group; metrics: Record<string, Stats> }
interface Group { name: string; path: string; id: string; groups: Record<string, Group>; checks: Record<string, { passes: number; fails: number } & Record<string, unknown>> }

/** Trends whose merged percentiles come from a per-second histogram (µs), by field of the seconds file. */
const HISTOGRAM_OF: Record<string, 'latency' | 'startLag'> = { http_req_duration: 'latency', iteration_start_lag: 'startLag' };
const GAUGES_THAT_ADD: Record<string, 'vus' | 'vusMax'> = { vus: 'vus', vus_max: 'vusMax' };

const num = (stats: Stats | undefined, key: string): number | undefined => (typeof stats?.[key] === 'number' ? (stats[key] as number) : undefined);
const sum = (values: (number | undefined)[]): number => values.reduce<number>((n, v) => n + (v ?? 0), 0);
const defined = (values: (number | undefined)[]): number[] => values.filter((v): v is number => v !== undefined);

function mergeGroups(groups: Group[]): Group {
  const first = groups[0]!;
  const names = (pick: (g: Group) => Record<string, unknown>) => [...new Set(groups.flatMap((g) => Object.keys(pick(g))))];
  return {
    ...first,
    groups: Object.fromEntries(names((g) => g.groups).map((name) => [name, mergeGroups(groups.map((g) => g.groups[name]).filter((g): g is Group => g !== undefined))])),
    checks: Object.fromEntries(names((g) => g.checks).map((name) => {
      const parts = groups.map((g) => g.checks[name]).filter((c) => c !== undefined);
      return [name, { ...parts[0]!, passes: sum(parts.map((c) => c.passes)), fails: sum(parts.map((c) => c.fails)) }];
    })),
  };
}

/** The peak over the merged seconds of one per-second field (the engines' values already added). */
function peakOf(seconds: LoadSeconds | undefined, field: 'vus' | 'vusMax'): number | undefined {
  if (seconds === undefined || seconds.seconds.length === 0) return undefined;
  return Math.max(...seconds.seconds.map((s) => s[field]));
}

function mergedHistogram(seconds: LoadSeconds | undefined, field: 'latency' | 'startLag'): hdr.Histogram | undefined {
  if (seconds === undefined) return undefined;
  const merged = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
  for (const second of seconds.seconds) merged.add(second[field]);
  return merged.totalCount > 0 ? merged : undefined;
}

/**
 * k6's percentile (linear between the sorted samples around index p·(n−1)), read off an HDR
 * histogram of µs: its k-th smallest value is the one at percentile 100·k/n. In ms.
 */
function k6Percentile(histogram: hdr.Histogram, p: number): number {
  const n = histogram.totalCount;
  const index = (p / 100) * (n - 1);
  const below = Math.floor(index);
  const valueAt = (rank: number): number => histogram.getValueAtPercentile((100 * (rank + 1)) / n);
  const low = valueAt(below);
  const high = below + 1 < n ? valueAt(below + 1) : low;
  return (low + (high - low) * (index - below)) / 1000;
}

function mergeTrend(key: string, parts: Stats[], seconds: LoadSeconds | undefined): Stats {
  const counts = parts.map((p) => num(p, 'count') ?? 1);
  const total = sum(counts);
  const out: Stats = {};
  // only a histogram of the very samples the trend holds: setup() and teardown() requests, for one,
  // are in http_req_duration but before t = 0 and after the last second, so not in the file
  const candidate = HISTOGRAM_OF[key] !== undefined ? mergedHistogram(seconds, HISTOGRAM_OF[key]) : undefined;
  const histogram = candidate !== undefined && parts.every((p) => num(p, 'count') !== undefined) && candidate.totalCount === total ? candidate : undefined;
  for (const stat of Object.keys(parts[0]!)) {
    if (stat === 'thresholds' || stat === 'count') continue;
    const values = parts.map((p) => num(p, stat));
    const percentile = stat === 'med' ? 50 : Number(/^p\((.+)\)$/.exec(stat)?.[1] ?? NaN);
    if (stat === 'min') out[stat] = Math.min(...defined(values));
    else if (stat === 'max') out[stat] = Math.max(...defined(values));
    else if (stat === 'avg') out[stat] = total > 0 ? sum(values.map((v, i) => (v ?? 0) * counts[i]!)) / total : 0;
    else if (!Number.isNaN(percentile) && histogram !== undefined) out[stat] = k6Percentile(histogram, percentile);
    else out[stat] = Math.max(...defined(values));
  }
  return out;
}

function mergeMetric(key: string, parts: Stats[], seconds: LoadSeconds | undefined): Stats {
  const first = parts[0]!;
  if ('passes' in first) {
    const passes = sum(parts.map((p) => num(p, 'passes')));
    const fails = sum(parts.map((p) => num(p, 'fails')));
    return { passes, fails, value: passes + fails > 0 ? passes / (passes + fails) : 0 };
  }
  if ('count' in first && 'rate' in first) return { count: sum(parts.map((p) => num(p, 'count'))), rate: sum(parts.map((p) => num(p, 'rate'))) };
  if ('value' in first && 'min' in first && 'max' in first && !('avg' in first)) {
    const field = GAUGES_THAT_ADD[key.split('{')[0]!];
    if (field !== undefined) {
      const max = peakOf(seconds, field) ?? sum(parts.map((p) => num(p, 'max')));
      return { value: sum(parts.map((p) => num(p, 'value'))), min: sum(parts.map((p) => num(p, 'min'))), max: Math.max(max, sum(parts.map((p) => num(p, 'value')))) };
    }
    return { value: Math.max(...defined(parts.map((p) => num(p, 'value')))), min: Math.min(...defined(parts.map((p) => num(p, 'min')))), max: Math.max(...defined(parts.map((p) => num(p, 'max')))) };
  }
  return mergeTrend(key, parts, seconds);
}

/** The figure a threshold aggregation reads from a metric's merged stats (a Rate's `rate` is its value). */
function figure(stats: Stats, aggregation: string): number | undefined {
  if (aggregation === 'rate' && 'passes' in stats) return (num(stats, 'passes') ?? 0) + (num(stats, 'fails') ?? 0) > 0 ? num(stats, 'value') : undefined;
  return num(stats, aggregation);
}

function judge(merged: Stats, parts: Stats[]): Record<string, boolean> {
  const expressions = [...new Set(parts.flatMap((p) => Object.keys((p.thresholds as Record<string, boolean> | undefined) ?? {})))];
  return Object.fromEntries(expressions.map((expression) => {
    const parsed = parseThresholdExpression(expression);
    const value = parsed ? figure(merged, parsed.aggregation) : undefined;
    const anyFailed = parts.some((p) => (p.thresholds as Record<string, boolean> | undefined)?.[expression] === true);
    return [expression, parsed && value !== undefined ? !compare(value, parsed.operator, parsed.bound) : anyFailed];
  }));
}

/** The export one engine would have written for the whole test, from the engines' exports and their merged per-second file. */
export function mergeSummaryExports(exports: SummaryExport[], seconds?: LoadSeconds): SummaryExport & { thresholdsFailed: boolean } {
  const keys = [...new Set(exports.flatMap((e) => Object.keys(e.metrics)))];
  let thresholdsFailed = false;
  const metrics = Object.fromEntries(keys.map((key) => {
    const parts = exports.map((e) => e.metrics[key]).filter((s): s is Stats => s !== undefined);
    const merged = mergeMetric(key, parts, seconds);
    if (parts.some((p) => p.thresholds !== undefined)) {
      merged.thresholds = judge(merged, parts);
      thresholdsFailed ||= Object.values(merged.thresholds as Record<string, boolean>).some(Boolean);
    }
    return [key, merged];
  }));
  return { root_group: mergeGroups(exports.map((e) => e.root_group)), metrics, thresholdsFailed };
}
