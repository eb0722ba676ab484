/**
 * The arithmetic of a window of the per-second file: the exact merge of its seconds' HDR
 * histograms (any window's percentiles are exact after a merge) and the sums of its counters.
 * The start-lag guard, the report and the gate all judge windows with it.
 */
import * as hdr from 'hdr-histogram-js';
import type { LoadSecond, LoadSeconds } from './read.ts';

/** Epoch ms. */
export interface WindowMs {
  start: number;
  end: number;
}

const US_PER_MS = 1000;

/** The figures' rule: a second counts when it starts inside the window, so warm-up never leaks into a percentile. */
export function secondStartsIn(t: number, window: WindowMs): boolean {
  return t * 1000 >= window.start && t * 1000 < window.end;
}

/** The guards' rule: a second counts when any of it lies in the window, so a guard misses no second half inside it. */
export function secondOverlaps(t: number, window: WindowMs): boolean {
  return (t + 1) * 1000 > window.start && t * 1000 < window.end;
}

export function secondsInWindow(load: LoadSeconds, window: WindowMs): LoadSecond[] {
  return load.seconds.filter((s) => secondStartsIn(s.t, window));
}

/** The exact merge of a window's seconds; `pick` chooses the histogram (latency by default), undefined where a second has none. */
export function mergedWindow(load: LoadSeconds, window: WindowMs, pick: (s: LoadSecond) => hdr.Histogram | undefined = (s) => s.latency): hdr.Histogram {
  const merged = hdr.build({ autoResize: true, numberOfSignificantValueDigits: 3, useWebAssembly: false });
  for (const s of secondsInWindow(load, window)) {
    const histogram = pick(s);
    if (histogram) merged.add(histogram);
  }
  return merged;
}

/** A route's latency merged over the window (empty when the file has no histograms of that route). */
export function mergedRoute(load: LoadSeconds, window: WindowMs, route: string): hdr.Histogram {
  return mergedWindow(load, window, (s) => s.routes[route]);
}

/** A percentile in ms; null for an empty histogram. */
export function percentileMs(h: hdr.Histogram, p: number): number | null {
  return h.totalCount === 0 ? null : h.getValueAtPercentile(p) / US_PER_MS;
}

/**
 * The mean of the slowest (100 − p)% of a histogram's values in ms (the tail mean, or expected
 * shortfall, at p): null for an empty histogram. A percentile says where the tail begins and stays
 * put however slow the requests past it become; the tail mean moves with every one of them. The
 * boundary bucket counts in part, so the share is exact whatever the count. hdr-histogram-js
 * gives percentiles and the mean of all values, not the mean of a tail: this walks its recorded
 * buckets (each at its median equivalent value, as the library's own mean does).
 */
export function tailMeanMs(h: hdr.Histogram, p: number): number | null {
  if (h.totalCount === 0) return null;
  if (!(h instanceof hdr.JsHistogram)) throw new TypeError('tailMeanMs: a JS histogram is needed to walk its buckets');
  const buckets: [value: number, count: number][] = [];
  const it = h.recordedValuesIterator;
  it.reset();
  while (it.hasNext()) {
    const v = it.next();
    buckets.push([h.medianEquivalentValue(v.valueIteratedTo), v.countAtValueIteratedTo]);
  }
  const share = ((100 - p) / 100) * h.totalCount;
  let left = share;
  let sum = 0;
  for (let k = buckets.length - 1; k >= 0 && left > 0; k--) {
    const [value, count] = buckets[k]!;
    const taken = Math.min(count, left);
    sum += taken * value;
    left -= taken;
  }
  return sum / share / US_PER_MS;
}

export function maxMs(h: hdr.Histogram): number | null {
  return h.totalCount === 0 ? null : h.maxValue / US_PER_MS;
}

export interface WindowCounts {
  seconds: number;
  planned: number;
  started: number;
  dropped: number;
  requests: number;
  failed: number;
}

/** The counters summed over the window. */
export function windowCounts(load: LoadSeconds, window: WindowMs): WindowCounts {
  const counts: WindowCounts = { seconds: 0, planned: 0, started: 0, dropped: 0, requests: 0, failed: 0 };
  for (const s of secondsInWindow(load, window)) {
    counts.seconds += 1;
    counts.planned += s.planned;
    counts.started += s.started;
    counts.dropped += s.dropped;
    counts.requests += s.requests;
    counts.failed += s.failed;
  }
  return counts;
}
