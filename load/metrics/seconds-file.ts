/**
 * The per-second NDJSON (format in load/README.md): counts and three HDR histograms (µs) per wall-clock
 * second, bucketed by the second each sample was taken, so any window's percentiles are exact;
 * beside them one latency histogram per value of the `route` tag (seconds-format.ts), so a route's
 * tail over a steady window is exact as well, not the whole run's with its warm-up.
 * Seconds are written once they are safely in the past, and the rest at the end.
 */
import { openSync, writeSync, closeSync } from 'node:fs';
import * as hdr from 'hdr-histogram-js';
import type { RequestSample, Sample, SampleSink, Tags } from './sample.ts';
import { LOAD_SECONDS_SCHEMA, LOAD_SECONDS_UNIT, MAX_ROUTES, ROUTE_TAG } from './seconds-format.ts';

type Histogram = ReturnType<typeof hdr.build>;

interface Second {
  planned: number; started: number; dropped: number; completed: number; interrupted: number;
  requests: number; failed: number; statuses: Record<string, number>;
  checksPassed: number; checksFailed: number; vus: number | undefined; vusMax: number | undefined;
  latency: Histogram; latencyFromDue: Histogram; startLag: Histogram;
  routes: Map<string, Histogram>; routesDropped: number;
}

const newHistogram = (): Histogram => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
const microseconds = (ms: number): number => Math.max(0, Math.round(ms * 1000));
/** Late samples (a worker's batch, a slow response's end) still land in their own second. */
const SETTLE_SECONDS = 3;

export class SecondsFile implements SampleSink {
  private readonly fd: number;
  private readonly seconds = new Map<number, Second>();
  private nextToWrite: number;
  private lastVus = 0;
  private lastVusMax = 0;
  /** Route values seen over the run, at most MAX_ROUTES. */
  private readonly routeNames = new Set<string>();

  constructor(path: string, startedAtMs: number, tags: Tags) {
    this.fd = openSync(path, 'w');
    this.nextToWrite = Math.floor(startedAtMs / 1000);
    writeSync(this.fd, `${JSON.stringify({ schema: LOAD_SECONDS_SCHEMA, unit: LOAD_SECONDS_UNIT, startedAt: startedAtMs, tags })}\n`);
  }

  private second(timeMs: number): Second {
    const t = Math.max(Math.floor(timeMs / 1000), this.nextToWrite);
    let second = this.seconds.get(t);
    if (second === undefined) {
      second = {
        planned: 0, started: 0, dropped: 0, completed: 0, interrupted: 0, requests: 0, failed: 0, statuses: {},
        checksPassed: 0, checksFailed: 0, vus: undefined, vusMax: undefined,
        latency: newHistogram(), latencyFromDue: newHistogram(), startLag: newHistogram(),
        routes: new Map(), routesDropped: 0,
      };
      this.seconds.set(t, second);
    }
    return second;
  }

  add(sample: Sample): void {
    switch (sample.metric) {
      case 'iterations_planned': this.second(sample.time).planned += sample.value; break;
      case 'iteration_start_lag': {
        const second = this.second(sample.time);
        second.started += 1;
        second.startLag.recordValue(microseconds(sample.value));
        break;
      }
      case 'dropped_iterations': this.second(sample.time).dropped += sample.value; break;
      case 'iterations': this.second(sample.time).completed += sample.value; break;
      case 'iterations_interrupted': this.second(sample.time).interrupted += sample.value; break;
      case 'checks': {
        const second = this.second(sample.time);
        if (sample.value !== 0) second.checksPassed += 1;
        else second.checksFailed += 1;
        break;
      }
      case 'vus': this.second(sample.time).vus = sample.value; break;
      case 'vus_max': this.second(sample.time).vusMax = sample.value; break;
      default: break;
    }
  }

  addRequest(request: RequestSample): void {
    const second = this.second(request.time);
    second.requests += 1;
    const status = request.tags.status ?? '0';
    second.statuses[status] = (second.statuses[status] ?? 0) + 1;
    if (request.failed === true) second.failed += 1;
    second.latency.recordValue(microseconds(request.timings.duration));
    const route = request.tags[ROUTE_TAG];
    if (route !== undefined) this.routeHistogram(second, route)?.recordValue(microseconds(request.timings.duration));
    if (request.fromDueMs !== undefined) second.latencyFromDue.recordValue(microseconds(request.fromDueMs));
  }

  /** The second's histogram of this route; undefined (and counted) past MAX_ROUTES distinct values. */
  private routeHistogram(second: Second, route: string): Histogram | undefined {
    if (!this.routeNames.has(route)) {
      if (this.routeNames.size >= MAX_ROUTES) {
        second.routesDropped += 1;
        return undefined;
      }
      this.routeNames.add(route);
    }
    let histogram = second.routes.get(route);
    if (histogram === undefined) {
      histogram = newHistogram();
      second.routes.set(route, histogram);
    }
    return histogram;
  }

  /** Write every second that ended at least SETTLE_SECONDS before `nowMs` (all of them when `final`). */
  flush(nowMs: number, final = false): void {
    const last = final ? Math.max(this.nextToWrite - 1, ...this.seconds.keys()) : Math.floor(nowMs / 1000) - SETTLE_SECONDS;
    for (; this.nextToWrite <= last; this.nextToWrite += 1) {
      const t = this.nextToWrite;
      const second = this.seconds.get(t) ?? this.second(t * 1000);
      this.seconds.delete(t);
      this.lastVus = second.vus ?? this.lastVus;
      this.lastVusMax = second.vusMax ?? this.lastVusMax;
      const { latency, latencyFromDue, startLag, routes, routesDropped, vus: _vus, vusMax: _vusMax, ...counts } = second;
      writeSync(this.fd, `${JSON.stringify({
        t, ...counts, vus: this.lastVus, vusMax: this.lastVusMax,
        latency: hdr.encodeIntoCompressedBase64(latency),
        latencyFromDue: hdr.encodeIntoCompressedBase64(latencyFromDue),
        startLag: hdr.encodeIntoCompressedBase64(startLag),
        // only when a request carried the route tag: other scripts' lines stay as they were
        ...(routes.size > 0 ? { routes: Object.fromEntries([...routes].map(([name, h]) => [name, hdr.encodeIntoCompressedBase64(h)])) } : {}),
        ...(routesDropped > 0 ? { routesDropped } : {}),
      })}\n`);
    }
    if (final) closeSync(this.fd);
  }
}
