/**
 * The metric catalogue: k6's built-in metrics, the engine's extras, and the script's own
 * k6/metrics objects (defined in the init context only, named as k6 allows).
 */
import { EngineError } from '../run/errors.ts';
import type { MetricDefinition, MetricType } from './sample.ts';

const builtIn: [string, MetricType, boolean, boolean?][] = [
  ['http_reqs', 'counter', false],
  ['http_req_duration', 'trend', true],
  ['http_req_blocked', 'trend', true],
  ['http_req_connecting', 'trend', true],
  ['http_req_tls_handshaking', 'trend', true],
  ['http_req_sending', 'trend', true],
  ['http_req_waiting', 'trend', true],
  ['http_req_receiving', 'trend', true],
  ['http_req_failed', 'rate', false],
  ['iterations', 'counter', false],
  ['iteration_duration', 'trend', true],
  ['dropped_iterations', 'counter', false],
  ['vus', 'gauge', false],
  ['vus_max', 'gauge', false],
  ['data_sent', 'counter', false],
  ['data_received', 'counter', false],
  ['checks', 'rate', false],
  ['group_duration', 'trend', true],
  // engine extras (load/README.md): the schedule made visible
  ['iterations_planned', 'counter', false],
  ['iteration_start_lag', 'trend', true],
  // bookkeeping for the per-second file only
  ['iterations_interrupted', 'counter', false, true],
  ['http_req_latency_from_due', 'trend', true, true],
];

const definitions = new Map<string, MetricDefinition>(builtIn.map(([name, type, isTime, hidden]) => [name, { name, type, isTime, hidden: hidden ?? false }]));

const NAME_RULE = /^[a-zA-Z_][a-zA-Z0-9_]{1,128}$/;
let initContext = true;

/** Called once the script's init code has run: from then on `new Trend(...)` is an error, as in k6. */
export function closeInitContext(): void {
  initContext = false;
}

export function defineCustomMetric(name: string, type: MetricType, isTime: boolean): MetricDefinition {
  if (!initContext) throw new EngineError('script', `new metric "${name}" created outside the init context; create k6/metrics objects at the top level of the script`);
  if (typeof name !== 'string' || !NAME_RULE.test(name)) throw new EngineError('script', `metric name "${String(name)}" is invalid; k6 names match ^[a-zA-Z_][a-zA-Z0-9_]{1,128}$`);
  const existing = definitions.get(name);
  if (existing !== undefined) {
    if (existing.type !== type || existing.isTime !== isTime) throw new EngineError('script', `metric "${name}" already exists as a ${existing.type}; pick another name`);
    return existing;
  }
  const definition: MetricDefinition = { name, type, isTime, hidden: false };
  definitions.set(name, definition);
  return definition;
}

export function metricDefinition(name: string): MetricDefinition | undefined {
  return definitions.get(name);
}

export function allMetricDefinitions(): MetricDefinition[] {
  return [...definitions.values()];
}
