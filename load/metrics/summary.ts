/**
 * The end-of-test summary: one sink per metric plus the checks tree, rendered as k6's
 * --summary-export JSON (the legacy {root_group, metrics} shape) and as handleSummary's data.
 */
import { createHash } from 'node:crypto';
import { allMetricDefinitions, metricDefinition } from './definitions.ts';
import { MetricSink } from './metric-sink.ts';
import { forEachRequestSample, type RequestSample, type Sample, type SampleSink } from './sample.ts';
import type { ThresholdResult, Thresholds } from './thresholds.ts';

const EXPECTED_DURATION = 'http_req_duration{expected_response:true}';

export const DEFAULT_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'];

interface CheckCount { name: string; path: string; passes: number; fails: number }
interface GroupNode { name: string; path: string; groups: Map<string, GroupNode>; checks: Map<string, CheckCount> }

const id = (path: string): string => createHash('md5').update(path).digest('hex');

export class Summary implements SampleSink {
  private readonly sinks = new Map<string, MetricSink>();
  private readonly skipped = new Set<string>();
  private readonly root: GroupNode = { name: '', path: '', groups: new Map(), checks: new Map() };

  add(sample: Sample): void {
    this.sinkFor(sample.metric)?.add(sample.value);
    if (sample.metric === 'checks') this.countCheck(sample);
  }

  addRequest(request: RequestSample): void {
    forEachRequestSample(request, this.addValue);
    // k6 always keeps this submetric, so it shows in every summary with a successful request [internal/metrics/engine/engine.go]
    if (request.tags.expected_response === 'true') this.expectedDuration.add(request.timings.duration);
  }

  private readonly expectedDuration = new MetricSink('trend');

  private readonly addValue = (metric: string, value: number): void => {
    this.sinkFor(metric)?.add(value);
  };

  /** The metric's sink, made on its first sample; none for hidden or unknown metrics. */
  private sinkFor(metric: string): MetricSink | undefined {
    const sink = this.sinks.get(metric);
    if (sink !== undefined || this.skipped.has(metric)) return sink;
    const definition = metricDefinition(metric);
    if (definition === undefined || definition.hidden) {
      this.skipped.add(metric);
      return undefined;
    }
    const created = new MetricSink(definition.type);
    this.sinks.set(metric, created);
    return created;
  }

  /** Groups and checks seen, in order of first appearance (k6 keeps the script's order). */
  private countCheck(sample: Sample): void {
    const groupPath = sample.tags.group ?? '';
    let node = this.root;
    for (const name of groupPath.split('::').slice(1)) {
      let child = node.groups.get(name);
      if (child === undefined) {
        child = { name, path: `${node.path}::${name}`, groups: new Map(), checks: new Map() };
        node.groups.set(name, child);
      }
      node = child;
    }
    const name = sample.tags.check ?? '';
    let check = node.checks.get(name);
    if (check === undefined) {
      check = { name, path: `${node.path}::${name}`, passes: 0, fails: 0 };
      node.checks.set(name, check);
    }
    if (sample.value !== 0) check.passes += 1;
    else check.fails += 1;
  }

  sink(metric: string): MetricSink | undefined {
    return this.sinks.get(metric);
  }

  /** `--summary-export`: counter {count, rate}; gauge {value, min, max}; rate {passes, fails, value}; trend one key per stat. */
  exportJson(trendStats: string[], elapsedMs: number, thresholds: Thresholds, judged: ThresholdResult): object {
    const metrics: Record<string, Record<string, unknown>> = {};
    const render = (sink: MetricSink): Record<string, unknown> => {
      const seconds = elapsedMs / 1000;
      switch (sink.type) {
        case 'counter': return { count: sink.sum, rate: sink.aggregate('rate', seconds) };
        case 'gauge': return { value: sink.last, min: sink.aggregate('min', seconds), max: sink.aggregate('max', seconds) };
        case 'rate': return { passes: sink.passes, fails: sink.count - sink.passes, value: sink.aggregate('rate', seconds) };
        default: return Object.fromEntries(trendStats.map((stat) => [stat, sink.aggregate(stat, seconds) ?? 0]));
      }
    };
    for (const [name, sink] of this.sinks) metrics[name] = render(sink);
    if (this.expectedDuration.count > 0) metrics[EXPECTED_DURATION] = render(this.expectedDuration);
    for (const { key, sink } of thresholds.submetrics()) metrics[key] = render(sink);
    for (const [key, results] of judged.byMetric) {
      const definition = allMetricDefinitions().find((d) => d.name === key.replace(/\{.*$/, ''));
      metrics[key] ??= render(new MetricSink(definition?.type ?? 'counter'));
      metrics[key].thresholds = results;
    }
    return { root_group: legacyGroup(this.root), metrics };
  }

  /** handleSummary's argument, as k6 builds it ({metrics: {type, contains, values, thresholds}, root_group, state, options}). */
  handleSummaryData(trendStats: string[], elapsedMs: number, thresholds: Thresholds, judged: ThresholdResult): object {
    const legacy = this.exportJson(trendStats, elapsedMs, thresholds, judged) as { metrics: Record<string, Record<string, unknown>> };
    const metrics: Record<string, unknown> = {};
    for (const [key, flat] of Object.entries(legacy.metrics)) {
      const definition = allMetricDefinitions().find((d) => d.name === key.replace(/\{.*$/, ''));
      const { thresholds: judgedHere, ...values } = flat as Record<string, unknown> & { thresholds?: Record<string, boolean> };
      metrics[key] = {
        type: definition?.type ?? 'counter',
        contains: definition?.isTime ? 'time' : definition?.name.startsWith('data_') ? 'data' : 'default',
        values: definition?.type === 'rate' ? { rate: values.value, passes: values.passes, fails: values.fails } : values,
        ...(judgedHere ? { thresholds: Object.fromEntries(Object.entries(judgedHere).map(([k, failed]) => [k, { ok: !failed }])) } : {}),
      };
    }
    return {
      root_group: modernGroup(this.root),
      metrics,
      options: { summaryTrendStats: trendStats, summaryTimeUnit: '', noColor: true },
      state: { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: elapsedMs },
    };
  }
}

function legacyGroup(node: GroupNode): object {
  return {
    name: node.name, path: node.path, id: id(node.path),
    groups: Object.fromEntries([...node.groups.values()].map((g) => [g.name, legacyGroup(g)])),
    checks: Object.fromEntries([...node.checks.values()].map((c) => [c.name, { ...c, id: id(c.path) }])),
  };
}

function modernGroup(node: GroupNode): object {
  return {
    name: node.name, path: node.path, id: id(node.path),
    groups: [...node.groups.values()].map(modernGroup),
    checks: [...node.checks.values()].map((c) => ({ ...c, id: id(c.path) })),
  };
}
