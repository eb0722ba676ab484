/**
 * Turns the fixture's recorded samples into what the load engine writes: the per-second NDJSON
 * (faultline.load-seconds/v1, HDR histograms in µs encoded by hdr-histogram-js, each sample in the
 * second it was taken) and the engine's figures of summary.json v2.
 */
import * as hdr from 'hdr-histogram-js';
import { LOAD_SECONDS_SCHEMA } from '../../load-seconds/read.ts';
import type { LoadRecord, Sample } from './fixture-load.ts';

const START_LAG_BOUND_MS = 50;
const MAX_VUS = 200;

const histogram = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
const second = (epochMs: number) => Math.floor(epochMs / 1000);
const isError = (status: number) => status === 0 || status >= 400;

export function loadSecondsNdjson(record: LoadRecord, tags: Record<string, string>): string {
  const lines = [JSON.stringify({ schema: LOAD_SECONDS_SCHEMA, unit: 'us', startedAt: record.t0, tags })];
  const ends = record.samples.filter((s): s is Sample & { start: number; end: number } => s.start !== null && s.end !== null);
  const last = Math.max(...ends.map((s) => second(s.end)), second(record.samples.at(-1)!.due));
  let vus = 0;
  for (let t = second(record.t0); t <= last; t++) {
    const due = record.samples.filter((s) => second(s.due) === t);
    const started = ends.filter((s) => second(s.start) === t);
    const ended = ends.filter((s) => second(s.end) === t);
    const latency = histogram();
    const fromDue = histogram();
    const startLag = histogram();
    const statuses: Record<string, number> = {};
    for (const s of ended) {
      latency.recordValue(Math.round((s.end - s.start) * 1000));
      fromDue.recordValue(Math.round((s.end - s.due) * 1000));
      statuses[String(s.status)] = (statuses[String(s.status)] ?? 0) + 1;
    }
    for (const s of started) startLag.recordValue(Math.max(0, Math.round((s.start - s.due) * 1000)));
    vus = record.inFlightAt.get(t) ?? vus;
    lines.push(
      JSON.stringify({
        t,
        planned: due.length,
        started: started.length,
        dropped: due.filter((s) => s.start === null).length,
        completed: ended.length,
        interrupted: 0,
        requests: ended.length,
        failed: ended.filter((s) => isError(s.status)).length,
        statuses,
        checksPassed: ended.filter((s) => s.status === 200).length,
        checksFailed: ended.filter((s) => s.status !== 200).length,
        vus,
        vusMax: MAX_VUS,
        latency: hdr.encodeIntoCompressedBase64(latency),
        latencyFromDue: hdr.encodeIntoCompressedBase64(fromDue),
        startLag: hdr.encodeIntoCompressedBase64(startLag),
      }),
    );
  }
  return `${lines.join('\n')}\n`;
}

export function engineFigures(record: LoadRecord, rate: number) {
  const done = record.samples.filter((s): s is Sample & { start: number; end: number } => s.start !== null && s.end !== null);
  const latency = histogram();
  const lag = histogram();
  for (const s of done) {
    latency.recordValue(Math.round((s.end - s.start) * 1000));
    lag.recordValue(Math.max(0, Math.round((s.start - s.due) * 1000)));
  }
  const ms = (h: hdr.Histogram, p: number) => h.getValueAtPercentile(p) / 1000;
  const seconds = record.phaseWindows.run!.end - record.phaseWindows.run!.start;
  const failed = done.filter((s) => isError(s.status)).length;
  const dropped = record.samples.length - done.length;
  const dbCalls = record.traces.reduce((n, t) => n + t.spans.filter((sp) => sp.service === 'postgres').length, 0);
  const startLag = { p50Ms: ms(lag, 50), p99Ms: ms(lag, 99), maxMs: lag.maxValue / 1000, boundMs: START_LAG_BOUND_MS };
  return {
    engine: {
      engine: 'embedded',
      exitCode: 0,
      metrics: {
        http_req_duration: { avg: latency.mean / 1000, min: latency.minNonZeroValue / 1000, med: ms(latency, 50), max: latency.maxValue / 1000, 'p(90)': ms(latency, 90), 'p(95)': ms(latency, 95), 'p(99)': ms(latency, 99) },
        http_reqs: { count: done.length, rate: done.length / seconds },
        http_req_failed: { value: failed / Math.max(1, done.length), passes: failed, fails: done.length - failed },
        iterations: { count: done.length, rate: done.length / seconds },
        iterations_planned: { count: record.samples.length },
        dropped_iterations: { count: dropped },
        iteration_start_lag: { 'p(99)': startLag.p99Ms, max: startLag.maxMs },
      },
      arrival: { plannedIterations: record.samples.length, achievedIterations: done.length, droppedIterations: dropped, droppedRatio: dropped / record.samples.length, plannedRate: rate, achievedRate: done.length / seconds },
      startLag,
      vus: { peak: Math.max(...record.inFlightAt.values()), allocated: MAX_VUS, exhausted: dropped > 0 },
      thresholds: [{ metric: 'http_req_duration', expression: 'p(99)<1000', ok: ms(latency, 99) < 1000 }],
      cpu: { seconds: record.generatorCpuSeconds, averageCores: record.generatorCpuSeconds / seconds, peakCores: record.generatorCpuSeconds / seconds, runQueueWaitRatio: 0, schedulingDelayMs: 0, starved: false },
      summaryFile: null,
      secondsFile: null as string | null,
      dashboard: null,
      log: null,
    },
    cost: { cpuSecondsPerSuccess: record.cpuSeconds / Math.max(1, done.length - failed), downstreamPerRequest: dbCalls / Math.max(1, record.traces.length), peakMemoryMiB: record.peakMemoryMiB },
  };
}
