/**
 * The load panels of the report, exact from the engine's per-second HDR histograms: planned vs
 * achieved arrivals, latency p50/p95/p99 per second, errors by status, start lag; and per phase
 * the merged histogram's percentile curve (any window's percentiles are exact after a merge).
 */
import type * as hdr from 'hdr-histogram-js';
import type { LoadSecond, LoadSeconds } from '../load-seconds/read.ts';
import { maxMs, percentileMs } from '../load-seconds/window.ts';

/** Values per x; null where a second had no sample. */
export interface Series {
  label: string;
  values: (number | null)[];
}

/** One chart's data: x in seconds from the variant's load start. */
export interface Panel {
  x: number[];
  series: Series[];
}

export interface LoadPanels {
  arrival: Panel;
  latency: Panel;
  errors: Panel;
  startLag: Panel;
}

/** A percentile curve: x = 1/(1-p) (so 10 is p90, 1000 is p99.9), y in ms. */
export interface PercentileCurve {
  label: string;
  count: number;
  x: number[];
  y: number[];
}

/** A status is an error when the request failed outright (0) or the server said 4xx/5xx. */
function isErrorStatus(status: string): boolean {
  return status === '0' || Number(status) >= 400;
}

export function loadPanels(load: LoadSeconds, loadStartMs: number): LoadPanels {
  const rows = load.seconds;
  const x = rows.map((s) => s.t - loadStartMs / 1000);
  const series = (label: string, pick: (s: LoadSecond) => number | null): Series => ({ label, values: rows.map(pick) });
  const errorStatuses = [...new Set(rows.flatMap((s) => Object.keys(s.statuses)).filter(isErrorStatus))].sort();
  const errors = errorStatuses.length
    ? errorStatuses.map((status) => series(status === '0' ? 'no response (status 0)' : `status ${status}`, (s) => s.statuses[status] ?? 0))
    : [series('failed requests', (s) => s.failed)];
  return {
    arrival: {
      x,
      series: [series('planned', (s) => s.planned), series('started', (s) => s.started), series('dropped', (s) => s.dropped), series('requests', (s) => s.requests)],
    },
    latency: {
      x,
      series: [
        series('p50', (s) => percentileMs(s.latency, 50)),
        series('p95', (s) => percentileMs(s.latency, 95)),
        series('p99', (s) => percentileMs(s.latency, 99)),
        series('p99 from due time', (s) => percentileMs(s.latencyFromDue, 99)),
      ],
    },
    errors: { x, series: errors },
    startLag: { x, series: [series('p50', (s) => percentileMs(s.startLag, 50)), series('p99', (s) => percentileMs(s.startLag, 99)), series('max', (s) => maxMs(s.startLag))] },
  };
}

/** Points of the percentile curve: ten per decade of 1/(1-p), up to the last the sample count supports, then the maximum. */
export function percentileCurve(label: string, h: hdr.Histogram): PercentileCurve {
  const curve: PercentileCurve = { label, count: h.totalCount, x: [], y: [] };
  if (h.totalCount === 0) return curve;
  for (let step = 0; ; step++) {
    const x = 10 ** (step / 10);
    if (x > h.totalCount) break;
    curve.x.push(x);
    curve.y.push(percentileMs(h, 100 * (1 - 1 / x))!);
  }
  curve.x.push(Math.max(h.totalCount, curve.x.at(-1)! * 1.01));
  curve.y.push(maxMs(h)!);
  return curve;
}

export interface PhasePercentiles {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export function phasePercentiles(h: hdr.Histogram): PhasePercentiles {
  return { count: h.totalCount, p50: percentileMs(h, 50), p95: percentileMs(h, 95), p99: percentileMs(h, 99), max: maxMs(h) };
}
