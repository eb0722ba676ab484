/**
 * The per-second file's route histograms: each value of the `route` tag gets its own latency
 * histogram per second, so a route's tail over any window is exact (the gate's hot path over the
 * steady window), and a script that floods the tag with values cannot grow the file without bound.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readLoadSeconds } from '../../lab/load-seconds/read.ts';
import { mergedRoute, mergedWindow, percentileMs } from '../../lab/load-seconds/window.ts';
import { MAX_ROUTES, ROUTE_TAG } from '../metrics/seconds-format.ts';
import { SecondsFile } from '../metrics/seconds-file.ts';
import type { RequestSample } from '../metrics/sample.ts';

const scratch = mkdtempSync(join(tmpdir(), 'faultline-seconds-routes-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const T0 = 1_700_000_000_000;
const request = (time: number, durationMs: number, tags: Record<string, string>): RequestSample => ({
  tags: { status: '200', ...tags },
  time,
  timings: { blocked: 0, connecting: 0, tls_handshaking: 0, sending: 0, waiting: durationMs, receiving: 0, duration: durationMs },
  failed: false,
  bytesSent: 0,
  bytesReceived: 0,
  fromDueMs: durationMs,
});

describe('per-route histograms in the per-second file', () => {
  it('a route has its own exact latency per second and over any window, apart from the others', () => {
    const path = join(scratch, 'routes.ndjson');
    const file = new SecondsFile(path, T0, {});
    // second 0 is the warm-up: slow hot reads; seconds 1-2 the steady window
    for (let i = 0; i < 100; i++) file.addRequest(request(T0 + i * 5, 50, { [ROUTE_TAG]: 'hot' }));
    for (let s = 1; s <= 2; s++) {
      for (let i = 0; i < 100; i++) file.addRequest(request(T0 + s * 1000 + i * 5, i < 90 ? 2 : 10, { [ROUTE_TAG]: 'hot' }));
      for (let i = 0; i < 20; i++) file.addRequest(request(T0 + s * 1000 + i * 5, 40, { [ROUTE_TAG]: 'cold' }));
      file.addRequest(request(T0 + s * 1000 + 7, 500, {}));
    }
    file.flush(T0 + 10_000, true);

    const load = readLoadSeconds(path);
    expect(load.seconds.map((s) => Object.keys(s.routes).sort())).toEqual([['hot'], ['cold', 'hot'], ['cold', 'hot']]);
    expect(load.seconds[1]!.routes.hot!.totalCount).toBe(100);
    const steady = { start: T0 + 1000, end: T0 + 3000 };
    const hot = mergedRoute(load, steady, 'hot');
    expect(hot.totalCount).toBe(200);
    // the route's own p95 (10 ms) over the steady window: neither the warm-up's 50 ms nor the other routes
    expect(percentileMs(hot, 95)).toBeCloseTo(10, 1);
    expect(percentileMs(hot, 50)).toBeCloseTo(2, 1);
    expect(percentileMs(mergedWindow(load, steady), 95)).toBeCloseTo(40, 0);
    expect(mergedRoute(load, steady, 'list').totalCount).toBe(0);
    expect(load.seconds.every((s) => s.routesDropped === 0)).toBe(true);
  });

  it(`past ${MAX_ROUTES} distinct route values, requests count in latency only and routesDropped says how many`, () => {
    const path = join(scratch, 'many.ndjson');
    const file = new SecondsFile(path, T0, {});
    for (let i = 0; i < MAX_ROUTES + 10; i++) file.addRequest(request(T0 + i, 3, { [ROUTE_TAG]: `r${i}` }));
    file.flush(T0 + 10_000, true);
    const [second] = readLoadSeconds(path).seconds;
    expect(Object.keys(second!.routes)).toHaveLength(MAX_ROUTES);
    expect(second!.routesDropped).toBe(10);
    expect(second!.latency.totalCount).toBe(MAX_ROUTES + 10);
  });

  it('a file without route histograms (an older engine) reads as before, every route empty', () => {
    const path = join(scratch, 'plain.ndjson');
    const file = new SecondsFile(path, T0, {});
    file.addRequest(request(T0 + 10, 3, {}));
    file.flush(T0 + 10_000, true);
    const load = readLoadSeconds(path);
    expect(load.seconds[0]!.routes).toEqual({});
    expect(mergedRoute(load, { start: T0, end: T0 + 1000 }, 'hot').totalCount).toBe(0);
  });
});
