/**
 * The script's exported `options`, checked against the engine's subset of k6 and parsed once into
 * typed scenarios. Anything k6 knows but the engine does not run is an error (exit 104), never ignored.
 */
import { EngineError } from '../run/errors.ts';
import type { RateStage } from '../executors/schedule.ts';
import type { Tags } from '../metrics/sample.ts';
import { parseDurationMs } from './duration.ts';

export interface ScenarioConfig {
  name: string;
  executor: 'constant-arrival-rate' | 'ramping-arrival-rate';
  /** constant: iterations per timeUnit. */
  rate: number;
  timeUnitMs: number;
  /** constant: length of the schedule. */
  durationMs: number;
  /** ramping: rate at t = 0 and the stages. */
  startRate: number;
  stages: RateStage[];
  preAllocatedVUs: number;
  maxVUs: number;
  startTimeMs: number;
  gracefulStopMs: number;
  exec: string;
  env: Record<string, string>;
  tags: Tags;
}

export interface TestOptions {
  scenarios: ScenarioConfig[];
  thresholds: Record<string, unknown> | undefined;
  summaryTrendStats: string[] | undefined;
  discardResponseBodies: boolean;
  tags: Tags;
  setupTimeoutMs: number;
  teardownTimeoutMs: number;
}

const TOP_LEVEL = new Set(['scenarios', 'thresholds', 'summaryTrendStats', 'discardResponseBodies', 'tags', 'setupTimeout', 'teardownTimeout', 'noUsageReport']);
const COMMON = ['executor', 'startTime', 'gracefulStop', 'exec', 'env', 'tags'];
const KEYS: Record<string, Set<string>> = {
  'constant-arrival-rate': new Set([...COMMON, 'rate', 'timeUnit', 'duration', 'preAllocatedVUs', 'maxVUs']),
  'ramping-arrival-rate': new Set([...COMMON, 'startRate', 'timeUnit', 'stages', 'preAllocatedVUs', 'maxVUs']),
};
const CLOSED = new Set(['shared-iterations', 'per-vu-iterations', 'constant-vus', 'ramping-vus', 'externally-controlled']);
const SCENARIO_NAME = /^[0-9a-zA-Z_-]+$/;

function bad(message: string): EngineError {
  return new EngineError('options', message);
}

function count(value: unknown, what: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw bad(`${what} must be an integer ≥ ${min} (got ${JSON.stringify(value)})`);
  return value;
}

function positive(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw bad(`${what} must be a number ≥ 0 (got ${JSON.stringify(value)})`);
  return value;
}

function stringMap(value: unknown, what: string): Record<string, string> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad(`${what} must be an object of strings`);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}

function parseScenario(name: string, raw: Record<string, unknown>): ScenarioConfig {
  const where = `options.scenarios.${name}`;
  if (!SCENARIO_NAME.test(name)) throw bad(`${where}: scenario names may hold letters, digits, "_" and "-" only`);
  const executor = String(raw.executor);
  if (CLOSED.has(executor)) throw bad(`${where}.executor "${executor}" is a closed-model executor the engine does not run; use "constant-arrival-rate" or "ramping-arrival-rate" (open model)`);
  const allowed = KEYS[executor];
  if (allowed === undefined) throw bad(`${where}.executor "${executor}" is unknown; use "constant-arrival-rate" or "ramping-arrival-rate"`);
  for (const key of Object.keys(raw)) if (!allowed.has(key)) throw bad(`${where}.${key} is not an option of ${executor}; allowed: ${[...allowed].join(', ')}`);
  const preAllocatedVUs = count(raw.preAllocatedVUs, `${where}.preAllocatedVUs`, 1);
  const maxVUs = raw.maxVUs === undefined ? preAllocatedVUs : count(raw.maxVUs, `${where}.maxVUs`, 1);
  if (maxVUs < preAllocatedVUs) throw bad(`${where}.maxVUs (${maxVUs}) is below preAllocatedVUs (${preAllocatedVUs}); raise maxVUs`);
  const timeUnitMs = raw.timeUnit === undefined ? 1000 : parseDurationMs(raw.timeUnit, `${where}.timeUnit`);
  if (timeUnitMs <= 0) throw bad(`${where}.timeUnit must be above 0`);
  const stagesRaw = raw.stages;
  let stages: RateStage[] = [];
  let rate = 0;
  let durationMs = 0;
  if (executor === 'constant-arrival-rate') {
    rate = positive(raw.rate, `${where}.rate`);
    if (rate === 0) throw bad(`${where}.rate must be above 0`);
    if (raw.duration === undefined) throw bad(`${where}.duration is required, e.g. "30s"`);
    durationMs = parseDurationMs(raw.duration, `${where}.duration`);
  } else {
    if (!Array.isArray(stagesRaw) || stagesRaw.length === 0) throw bad(`${where}.stages must list at least one {duration, target}`);
    stages = stagesRaw.map((stage: { duration?: unknown; target?: unknown }, i) => ({
      durationMs: parseDurationMs(stage?.duration, `${where}.stages[${i}].duration`),
      target: positive(stage?.target, `${where}.stages[${i}].target`),
    }));
    durationMs = stages.reduce((sum, stage) => sum + stage.durationMs, 0);
  }
  return {
    name, executor: executor as ScenarioConfig['executor'], rate, timeUnitMs, durationMs,
    startRate: raw.startRate === undefined ? 0 : positive(raw.startRate, `${where}.startRate`),
    stages, preAllocatedVUs, maxVUs,
    startTimeMs: raw.startTime === undefined ? 0 : parseDurationMs(raw.startTime, `${where}.startTime`),
    gracefulStopMs: raw.gracefulStop === undefined ? 30_000 : parseDurationMs(raw.gracefulStop, `${where}.gracefulStop`),
    exec: raw.exec === undefined ? 'default' : String(raw.exec),
    env: stringMap(raw.env, `${where}.env`),
    tags: stringMap(raw.tags, `${where}.tags`),
  };
}

export function parseOptions(raw: unknown): TestOptions {
  const options = (raw ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(options)) {
    if (!TOP_LEVEL.has(key)) throw bad(`options.${key} is outside the embedded engine's k6 subset; describe the load in options.scenarios with an arrival-rate executor (allowed: ${[...TOP_LEVEL].join(', ')})`);
  }
  const scenarios = options.scenarios as Record<string, Record<string, unknown>> | undefined;
  if (scenarios === undefined || Object.keys(scenarios).length === 0) throw bad('options.scenarios is missing; the engine runs scenarios with a "constant-arrival-rate" or "ramping-arrival-rate" executor');
  const stats = options.summaryTrendStats;
  if (stats !== undefined && (!Array.isArray(stats) || stats.some((s) => typeof s !== 'string'))) throw bad('options.summaryTrendStats must be a list such as ["avg", "p(95)"]');
  return {
    scenarios: Object.entries(scenarios).map(([name, scenario]) => parseScenario(name, scenario ?? {})),
    thresholds: options.thresholds as Record<string, unknown> | undefined,
    summaryTrendStats: stats as string[] | undefined,
    discardResponseBodies: options.discardResponseBodies === true,
    tags: stringMap(options.tags, 'options.tags'),
    setupTimeoutMs: options.setupTimeout === undefined ? 60_000 : parseDurationMs(options.setupTimeout, 'options.setupTimeout'),
    teardownTimeoutMs: options.teardownTimeout === undefined ? 60_000 : parseDurationMs(options.teardownTimeout, 'options.teardownTimeout'),
  };
}
