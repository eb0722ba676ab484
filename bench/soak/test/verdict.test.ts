/**
 * The soak's verdict on figures made up to sit on each side of its bounds: memory and p99 both
 * compare the first window after the warm-up with the last one (a process that grew during the
 * warm-up only passes; one low minute at the warm-up's end is no base), and any failed request
 * fails.
 */
import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import type { Minute } from '../minutes.ts';
import { judgeSoak } from '../verdict.ts';

/** A minute's latency: `count` requests at `ms` each (the histograms hold µs). */
function latency(ms: number, count = 100): hdr.Histogram {
  const h = hdr.build({ autoResize: true, numberOfSignificantValueDigits: 3, useWebAssembly: false });
  h.recordValueWithCount(ms * 1000, count);
  return h;
}

function minute(m: number, pssMiB: Record<string, number>, failed = 0): Minute {
  return { minute: m, planned: 100, requests: 100, failed, dropped: 0, rate: 100 / 60, p50Ms: 10, p99Ms: 10, routeP99Ms: {}, pssMiB, loadAverage: 1 };
}

const criterion = (v: ReturnType<typeof judgeSoak>, start: string) => v.criteria.find((c) => c.name.startsWith(start))!;

describe('the soak verdict', () => {
  // 6 minutes, warm-up 2, windows 3-4 and 5-6: the app doubles during the warm-up (ignored), then
  // grows 1.7% (206 -> 209.5); the cache grows 11.8% after it (51 -> 57)
  const rss = [
    { app: 100, cache: 50 },
    { app: 200, cache: 50 },
    { app: 205, cache: 50 },
    { app: 207, cache: 52 },
    { app: 209, cache: 56 },
    { app: 210, cache: 58 },
  ];

  it('judges memory growth per process from the first window after the warm-up to the last', () => {
    const v = judgeSoak(rss.map((r, i) => minute(i + 1, r)), rss.map(() => latency(10)), 2);
    expect(v.memory.find((m) => m.process === 'app')!.growth).toBeCloseTo(209.5 / 206 - 1, 3);
    expect(v.memory.find((m) => m.process === 'cache')!.growth).toBeCloseTo(57 / 51 - 1, 3);
    expect(criterion(v, 'resident memory').pass).toBe(false);
    expect(criterion(v, 'resident memory').measured).toContain('cache');
    expect(criterion(v, 'failed requests').pass).toBe(true);
    expect(criterion(v, 'p99 drift').pass).toBe(true);
    expect(v.pass).toBe(false);
  });

  it('takes no single low minute for the base: a flat process with a dip at the end of the warm-up passes', () => {
    // the gateway of a soak: 114 MiB in minute 5 (a collection), 127-132 around it
    const dipped = [130, 114, 130, 131, 131, 132].map((gateway) => ({ gateway }));
    const v = judgeSoak(dipped.map((r, i) => minute(i + 1, r)), dipped.map(() => latency(10)), 2);
    expect(v.memory[0]!.growth).toBeCloseTo(131.5 / 130.5 - 1, 3);
    expect(criterion(v, 'resident memory').pass).toBe(true);
  });

  it("judges the shop's services and stores; the lab's instruments are shown beside them, not judged", () => {
    // Prometheus's head grows until its block is cut: shown; PostgreSQL is the shop's store: judged
    const grown = [100, 100, 100, 100, 130, 130];
    const flat = [100, 100, 100, 100, 100, 100];
    const figures = (postgres: number[]) => grown.map((prometheus, i) => ({ gateway: flat[i]!, prometheus, postgres: postgres[i]! }));
    const instrumentOnly = judgeSoak(figures(flat).map((r, i) => minute(i + 1, r)), flat.map(() => latency(10)), 2);
    expect(instrumentOnly.memory.find((m) => m.process === 'prometheus')).toMatchObject({ judged: false, growth: expect.closeTo(0.3, 3) });
    expect(criterion(instrumentOnly, 'resident memory').pass).toBe(true);
    const store = judgeSoak(figures(grown).map((r, i) => minute(i + 1, r)), flat.map(() => latency(10)), 2);
    expect(store.memory.find((m) => m.process === 'postgres')).toMatchObject({ judged: true });
    expect(criterion(store, 'resident memory').pass).toBe(false);
    expect(criterion(store, 'resident memory').measured).toContain('postgres');
  });

  it('fails on one failed request, and on a p99 that drifts past 20% from the first window after the warm-up to the last', () => {
    const flat = rss.map((r) => ({ app: r.app > 150 ? 200 : 100 }));
    const minutes = flat.map((r, i) => minute(i + 1, r, i === 4 ? 1 : 0));
    // warm-up slow (ignored); minutes 3-4 at 10 ms, minutes 5-6 at 13 ms: +30%
    const v = judgeSoak(minutes, [50, 50, 10, 10, 13, 13].map((ms) => latency(ms)), 2);
    expect(v.drift.firstMinutes).toEqual([3, 4]);
    expect(v.drift.lastMinutes).toEqual([5, 6]);
    expect(v.drift.drift).toBeCloseTo(0.3, 2);
    expect(criterion(v, 'p99 drift').pass).toBe(false);
    expect(criterion(v, 'failed requests').pass).toBe(false);
    expect(criterion(v, 'resident memory').pass).toBe(true);
    const steady = judgeSoak(flat.map((r, i) => minute(i + 1, r)), [50, 50, 10, 10, 11, 11].map((ms) => latency(ms)), 2);
    expect(steady.pass).toBe(true);
  });
});
