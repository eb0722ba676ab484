/**
 * The script's exported `options`, checked against the engine's subset of k6 and parsed once into
 * typed scenarios. Anything k6 knows but the engine does not run is an error (exit 104), never ignored.
 */
import type { RateStage } from '../executors/schedule.ts';
import type { Tags } from '../metrics/sample.ts';
import { parseDurationMs } from './duration.ts';
import { bad, count, positive, stringMap } from './values.ts';
import { CLOSED_MODEL_KEYS, COMMON_KEYS, parseClosedModel, scenariosWithShortcuts, SHORTCUTS, type ClosedModelConfig } from './closed-model.ts';
import { ExecutionTuple, parseSegment, parseSequence } from './execution-segment.ts';

/** What every executor has [k6 lib/executor/base_config.go]. */
export interface CommonScenarioConfig {
  name: string;
  startTimeMs: number;
  gracefulStopMs: number;
  exec: string;
  env: Record<string, string>;
  tags: Tags;
}

export type ScenarioConfig = ArrivalRateConfig | ClosedModelConfig;

export interface ArrivalRateConfig extends CommonScenarioConfig {
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
}

export interface TestOptions {
  scenarios: ScenarioConfig[];
  thresholds: Record<string, unknown> | undefined;
  summaryTrendStats: string[] | undefined;
  discardResponseBodies: boolean;
  tags: Tags;
  setupTimeoutMs: number;
  teardownTimeoutMs: number;
  /** The execution segment this engine runs, in its sequence (the whole test when none is given). */
  segment: ExecutionTuple;
}

/** --execution-segment and --execution-segment-sequence as given on the command line (they win over the script's options, as in k6). */
export interface SegmentFlags {
  segment?: string | undefined;
  sequence?: string | undefined;
}

const TOP_LEVEL = new Set(['scenarios', 'thresholds', 'summaryTrendStats', 'discardResponseBodies', 'tags', 'setupTimeout', 'teardownTimeout', 'noUsageReport', 'executionSegment', 'executionSegmentSequence', ...SHORTCUTS]);
const KEYS: Record<string, Set<string>> = {
  'constant-arrival-rate': new Set([...COMMON_KEYS, 'rate', 'timeUnit', 'duration', 'preAllocatedVUs', 'maxVUs']),
  'ramping-arrival-rate': new Set([...COMMON_KEYS, 'startRate', 'timeUnit', 'stages', 'preAllocatedVUs', 'maxVUs']),
  ...CLOSED_MODEL_KEYS,
};
const SCENARIO_NAME = /^[0-9a-zA-Z_-]+$/;

/** The keys every executor has, read the same way for each. */
export function commonScenario(name: string, raw: Record<string, unknown>, where: string): CommonScenarioConfig {
  return {
    name,
    startTimeMs: raw.startTime === undefined ? 0 : parseDurationMs(raw.startTime, `${where}.startTime`),
    gracefulStopMs: raw.gracefulStop === undefined ? 30_000 : parseDurationMs(raw.gracefulStop, `${where}.gracefulStop`),
    exec: raw.exec === undefined ? 'default' : String(raw.exec),
    env: stringMap(raw.env, `${where}.env`),
    tags: stringMap(raw.tags, `${where}.tags`),
  };
}

function parseScenario(name: string, raw: Record<string, unknown>): ScenarioConfig {
  const where = `options.scenarios.${name}`;
  if (!SCENARIO_NAME.test(name)) throw bad(`${where}: scenario names may hold letters, digits, "_" and "-" only`);
  const executor = String(raw.executor);
  const allowed = KEYS[executor];
  if (allowed === undefined) throw bad(`${where}.executor "${executor}" is not run by the engine; use constant-arrival-rate, ramping-arrival-rate, constant-vus, ramping-vus, per-vu-iterations or shared-iterations`);
  for (const key of Object.keys(raw)) if (!allowed.has(key)) throw bad(`${where}.${key} is not an option of ${executor}; allowed: ${[...allowed].join(', ')}`);
  if (executor in CLOSED_MODEL_KEYS) return parseClosedModel(commonScenario(name, raw, where), executor as ClosedModelConfig['executor'], raw, where);
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
    ...commonScenario(name, raw, where),
    executor: executor as ArrivalRateConfig['executor'], rate, timeUnitMs, durationMs,
    startRate: raw.startRate === undefined ? 0 : positive(raw.startRate, `${where}.startRate`),
    stages, preAllocatedVUs, maxVUs,
  };
}

/** The segment and sequence from the flags, else from options.executionSegment / executionSegmentSequence. */
function segmentOf(options: Record<string, unknown>, flags: SegmentFlags): ExecutionTuple {
  const pick = (flag: string | undefined, key: string, name: string): [string, string] => {
    if (flag !== undefined) return [flag, name];
    const value = options[key];
    if (value !== undefined && typeof value !== 'string') throw bad(`options.${key} must be a string such as "1/2:1" (got ${JSON.stringify(value)})`);
    return [value ?? '', `options.${key}`];
  };
  const [segment, segmentWhere] = pick(flags.segment, 'executionSegment', '--execution-segment');
  const [sequence, sequenceWhere] = pick(flags.sequence, 'executionSegmentSequence', '--execution-segment-sequence');
  return ExecutionTuple.of(segment.trim() === '' ? undefined : parseSegment(segment, segmentWhere), parseSequence(sequence, sequenceWhere));
}

export function parseOptions(raw: unknown, flags: SegmentFlags = {}): TestOptions {
  const options = (raw ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(options)) {
    if (!TOP_LEVEL.has(key)) throw bad(`options.${key} is outside the embedded engine's k6 subset; describe the load in options.scenarios (allowed: ${[...TOP_LEVEL].join(', ')})`);
  }
  const scenarios = scenariosWithShortcuts(options);
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
    segment: segmentOf(options, flags),
  };
}
