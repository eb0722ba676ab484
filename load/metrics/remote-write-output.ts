/**
 * The built-in and custom metrics pushed to Prometheus under k6's remote-write names (counters
 * k6_<name>_total, gauges k6_<name>, rates k6_<name>_rate, trends as native histograms
 * k6_<name>_seconds), one series per tag set, every K6_PROMETHEUS_RW_PUSH_INTERVAL, with stale
 * markers at the end when K6_PROMETHEUS_RW_STALE_MARKERS is on, as k6's output does.
 */
import { NativeHistogramBuilder, RemoteWriter, STALE_NAN, type Series } from '../output/remote-write.ts';
import { parseDurationMs } from '../options/duration.ts';
import { EngineError } from '../run/errors.ts';
import { metricDefinition } from './definitions.ts';
import { forEachRequestSample, type MetricDefinition, type RequestSample, type Sample, type SampleSink, type Tags } from './sample.ts';

interface SeriesState {
  name: string;
  labels: Tags;
  definition: MetricDefinition;
  sum: number;
  count: number;
  passes: number;
  last: number;
  histogram: NativeHistogramBuilder | undefined;
}

function promName(definition: MetricDefinition): string {
  switch (definition.type) {
    case 'counter': return `k6_${definition.name}_total`;
    case 'gauge': return `k6_${definition.name}`;
    case 'rate': return `k6_${definition.name}_rate`;
    default: return definition.isTime ? `k6_${definition.name}_seconds` : `k6_${definition.name}`;
  }
}

const truthy = (value: string | undefined): boolean => value !== undefined && /^(1|true|yes)$/i.test(value.trim());

export class RemoteWriteOutput implements SampleSink {
  private readonly writer: RemoteWriter;
  private readonly series = new Map<string, SeriesState>();
  private readonly keys = new WeakMap<Tags, string>();
  /** Hidden or unknown metrics: never a series. */
  private readonly skipped = new Set<string>();
  private readonly timer: NodeJS.Timeout;
  private pushing: Promise<void> | undefined;
  private readonly staleMarkers: boolean;
  private readonly report: (line: string) => void;
  private failures = 0;

  constructor(url: string, intervalMs: number, staleMarkers: boolean, report: (line: string) => void) {
    this.writer = new RemoteWriter(url);
    this.staleMarkers = staleMarkers;
    this.report = report;
    this.timer = setInterval(() => void this.push(), intervalMs);
  }

  add(sample: Sample): void {
    this.observe(sample.metric, sample.tags, this.tagKey(sample.tags), sample.value);
  }

  addRequest(request: RequestSample): void {
    const key = this.tagKey(request.tags);
    forEachRequestSample(request, (metric, value) => this.observe(metric, request.tags, key, value));
  }

  private tagKey(tags: Tags): string {
    let key = this.keys.get(tags);
    if (key === undefined) {
      key = JSON.stringify(tags);
      this.keys.set(tags, key);
    }
    return key;
  }

  private observe(metric: string, tags: Tags, tagKey: string, value: number): void {
    if (this.skipped.has(metric)) return;
    const seriesKey = `${metric}\u0000${tagKey}`;
    let state = this.series.get(seriesKey);
    if (state === undefined) {
      const definition = metricDefinition(metric);
      if (definition === undefined || definition.hidden) {
        this.skipped.add(metric);
        return;
      }
      state = {
        name: promName(definition), labels: tags, definition, sum: 0, count: 0, passes: 0, last: 0,
        histogram: definition.type === 'trend' ? new NativeHistogramBuilder() : undefined,
      };
      this.series.set(seriesKey, state);
    }
    state.count += 1;
    state.sum += value;
    state.last = value;
    if (value !== 0) state.passes += 1;
    state.histogram?.observe(Math.max(0, state.definition.isTime ? value / 1000 : value));
  }

  private snapshot(timestampMs: number): Series[] {
    return [...this.series.values()].map((state): Series => {
      const base = { name: state.name, labels: state.labels, timestampMs };
      switch (state.definition.type) {
        case 'counter': return { ...base, value: state.sum };
        case 'gauge': return { ...base, value: state.last };
        case 'rate': return { ...base, value: state.count === 0 ? 0 : state.passes / state.count };
        default: return { ...base, histogram: state.histogram!.snapshot() };
      }
    });
  }

  private push(): Promise<void> {
    if (this.pushing !== undefined) return this.pushing;
    this.pushing = this.writer.write(this.snapshot(Date.now())).catch((error: Error) => {
      this.failures += 1;
      if (this.failures === 1 || this.failures % 30 === 0) this.report(`WARN ${error.message} (${this.failures} failed pushes)`);
    }).finally(() => { this.pushing = undefined; });
    return this.pushing;
  }

  /** Final push, then stale markers so the series end with the test. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.pushing;
    await this.push();
    if (!this.staleMarkers) return;
    const at = Date.now() + 1;
    // a histogram series ends with a stale histogram (its sum the stale NaN), a float series with the stale NaN itself
    await this.writer.write([...this.series.values()].map((state): Series => {
      const base = { name: state.name, labels: state.labels, timestampMs: at };
      if (state.histogram === undefined) return { ...base, value: STALE_NAN };
      return { ...base, histogram: { ...state.histogram.snapshot(), count: 0, zeroCount: 0, sum: STALE_NAN, positiveSpans: [], positiveDeltas: [] } };
    }))
      .catch((error: Error) => this.report(`WARN stale markers not written: ${error.message}`));
  }
}

/** The output as `--out experimental-prometheus-rw` configures it from k6's environment variables. */
export function startRemoteWrite(env: NodeJS.ProcessEnv, report: (line: string) => void): RemoteWriteOutput {
  const url = env.K6_PROMETHEUS_RW_SERVER_URL ?? 'http://localhost:9090/api/v1/write';
  const native = truthy(env.K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM) || (env.K6_FEATURES ?? '').split(',').includes('native-histograms');
  if (!native) throw new EngineError('options', 'the engine writes trends as native histograms only; set K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM=true (and run Prometheus with native histograms on)');
  const intervalMs = parseDurationMs(env.K6_PROMETHEUS_RW_PUSH_INTERVAL ?? '5s', 'K6_PROMETHEUS_RW_PUSH_INTERVAL');
  if (intervalMs < 100) throw new EngineError('options', `K6_PROMETHEUS_RW_PUSH_INTERVAL ${intervalMs} ms is too short; use 1s or more`);
  try {
    return new RemoteWriteOutput(url, intervalMs, truthy(env.K6_PROMETHEUS_RW_STALE_MARKERS), report);
  } catch (error) {
    throw new EngineError('options', (error as Error).message);
  }
}
