/**
 * k6 thresholds: `metric{tag:value}: ['p(95) < 500', {threshold, abortOnFail, delayAbortEval}]`,
 * each fed by its own (sub)metric sink and judged with the aggregations k6 allows per metric type.
 */
import { EngineError } from '../run/errors.ts';
import { parseDurationMs } from '../options/duration.ts';
import { metricDefinition } from './definitions.ts';
import { MetricSink } from './metric-sink.ts';
import { parseThresholdExpression, type ThresholdExpression } from './threshold-expression.ts';
import { forEachRequestSample, REQUEST_METRICS, type MetricType, type RequestSample, type Sample, type SampleSink, type Tags } from './sample.ts';

const ALLOWED: Record<MetricType, RegExp> = {
  counter: /^(count|rate)$/,
  gauge: /^value$/,
  rate: /^rate$/,
  trend: /^(avg|min|max|med|p\(\d+(\.\d+)?\))$/,
};

interface Expression extends ThresholdExpression {
  source: string;
  abortOnFail: boolean;
  delayAbortEvalMs: number;
  failed: boolean;
}

interface Threshold {
  key: string;
  metric: string;
  filter: [string, string][];
  sink: MetricSink;
  expressions: Expression[];
}

export interface ThresholdResult {
  /** key → expression → true when FAILED (the export's convention). */
  byMetric: Map<string, Record<string, boolean>>;
  anyFailed: boolean;
  /** Keys with a crossed expression, sorted (k6 names them in its messages). */
  crossed: string[];
  /** Set when a crossed expression has abortOnFail and is past its delayAbortEval. */
  abort: boolean;
  /** k6's "Threshold error" lines: an expression with nothing to judge (a Rate without samples at the end). */
  errors: string[];
}

/** Whether `value` satisfies `operator bound` (the lab judges merged summaries with it too). */
export function compare(value: number, operator: string, bound: number): boolean {
  switch (operator) {
    case '<': return value < bound;
    case '<=': return value <= bound;
    case '>': return value > bound;
    case '>=': return value >= bound;
    case '!=': return value !== bound;
    default: return value === bound;
  }
}

function parseKey(key: string): { metric: string; filter: [string, string][] } {
  const match = /^([^{}]+?)(?:\{(.*)\})?$/.exec(key.trim());
  if (!match) throw new EngineError('options', `threshold "${key}" is malformed; write metric or metric{tag:value}`);
  const filter: [string, string][] = [];
  for (const part of (match[2] ?? '').split(',').filter((p) => p.trim() !== '')) {
    const colon = part.indexOf(':');
    if (colon < 0) throw new EngineError('options', `threshold "${key}": tag filter "${part}" needs the form tag:value`);
    filter.push([part.slice(0, colon).trim(), part.slice(colon + 1).trim().replace(/^["']|["']$/g, '')]);
  }
  return { metric: match[1]!.trim(), filter };
}

export class Thresholds implements SampleSink {
  private readonly list: Threshold[] = [];
  private readonly byMetric = new Map<string, Threshold[]>();
  /** Whether any threshold is on a metric that request records stand for. */
  private readonly watchesRequests: boolean;

  constructor(config: Record<string, unknown> | undefined) {
    for (const [key, raw] of Object.entries(config ?? {})) {
      const { metric, filter } = parseKey(key);
      const definition = metricDefinition(metric);
      if (!definition) throw new EngineError('options', `threshold on "${key}": no metric named "${metric}"; use a built-in metric or one the script creates with k6/metrics`);
      const entries = Array.isArray(raw) ? raw : [raw];
      const expressions = entries.map((entry): Expression => {
        const spec = typeof entry === 'string' ? { threshold: entry } : (entry as { threshold?: unknown; abortOnFail?: unknown; delayAbortEval?: unknown });
        const source = String(spec.threshold);
        const parsed = parseThresholdExpression(source);
        if (!parsed || !ALLOWED[definition.type].test(parsed.aggregation)) {
          throw new EngineError('options', `threshold "${key}: ${source}" is invalid for a ${definition.type}; use ${ALLOWED[definition.type].source.replace(/[\^$\\]/g, '')} with <, <=, >, >=, ==, !=`);
        }
        return {
          source, ...parsed,
          abortOnFail: spec.abortOnFail === true,
          delayAbortEvalMs: spec.delayAbortEval === undefined ? 0 : parseDurationMs(spec.delayAbortEval, `thresholds.${key}.delayAbortEval`),
          failed: false,
        };
      });
      const threshold: Threshold = { key, metric, filter, sink: new MetricSink(definition.type), expressions };
      this.list.push(threshold);
      this.byMetric.set(metric, [...(this.byMetric.get(metric) ?? []), threshold]);
    }
    this.watchesRequests = [...this.byMetric.keys()].some((metric) => REQUEST_METRICS.has(metric));
  }

  get size(): number {
    return this.list.length;
  }

  add(sample: Sample): void {
    this.addValue(sample.metric, sample.tags, sample.value);
  }

  addRequest(request: RequestSample): void {
    if (!this.watchesRequests) return;
    forEachRequestSample(request, (metric, value) => this.addValue(metric, request.tags, value));
  }

  private addValue(metric: string, tags: Tags, value: number): void {
    const thresholds = this.byMetric.get(metric);
    if (thresholds === undefined) return;
    for (const threshold of thresholds) if (matches(threshold.filter, tags)) threshold.sink.add(value);
  }

  /**
   * Judge the thresholds as k6 does [internal/metrics/engine/engine.go, metrics/thresholds.go]:
   * while running, a metric without samples is skipped (its last results stand); at the end it is
   * judged with its empty sink's values (0), except a Rate, whose rate of nothing k6 cannot compute:
   * that is a "Threshold error", shown as failed in the export but not counted as crossed. A crossed
   * abortOnFail expression aborts once the test has run longer than its delayAbortEval. `final`
   * (the default) is the end-of-test judgement.
   */
  evaluate(elapsedMs: number, final = true): ThresholdResult {
    const byMetric = new Map<string, Record<string, boolean>>();
    const crossed: string[] = [];
    const errors: string[] = [];
    let abort = false;
    for (const threshold of this.list) {
      const empty = threshold.sink.count === 0;
      if (!empty || final) {
        for (const [index, expression] of threshold.expressions.entries()) {
          if (empty && threshold.sink.type === 'rate') {
            expression.failed = true;
            errors.push(`Threshold error: metric_name=${threshold.key}: threshold ${index} run error: unable to apply threshold ${expression.source} over metrics; reason: no metric supporting the rate aggregation method found`);
            break; // k6 stops at a metric's first threshold error
          }
          const value = threshold.sink.aggregate(expression.aggregation, elapsedMs / 1000) ?? NaN;
          expression.failed = !compare(value, expression.operator, expression.bound);
          if (expression.failed && expression.abortOnFail && elapsedMs > expression.delayAbortEvalMs) abort = true;
        }
        if (!(empty && threshold.sink.type === 'rate') && threshold.expressions.some((e) => e.failed)) crossed.push(threshold.key);
      }
      byMetric.set(threshold.key, Object.fromEntries(threshold.expressions.map((e) => [e.source, e.failed])));
    }
    crossed.sort();
    return { byMetric, anyFailed: crossed.length > 0, crossed, abort, errors };
  }

  /** Submetric sinks the summary export shows as `metric{tag:value}` entries. */
  submetrics(): { key: string; metric: string; sink: MetricSink }[] {
    return this.list.filter((t) => t.filter.length > 0).map((t) => ({ key: t.key, metric: t.metric, sink: t.sink }));
  }
}

function matches(filter: [string, string][], tags: Tags): boolean {
  for (const [key, value] of filter) if (tags[key] !== value) return false;
  return true;
}
