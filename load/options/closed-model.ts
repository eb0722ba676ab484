/**
 * k6's closed-model executors (a set of VUs looping iterations) and the top-level shortcuts that
 * stand for them, read as k6 reads them [lib/executor/execution_config_shortcuts.go, the executors'
 * configs in lib/executor/]: defaults, required keys and the conflicts k6 refuses.
 */
import type { CommonScenarioConfig } from './options.ts';
import { parseDurationMs } from './duration.ts';
import { bad, count } from './values.ts';

export interface VuStage {
  durationMs: number;
  target: number;
}

export interface ClosedModelConfig extends CommonScenarioConfig {
  executor: 'constant-vus' | 'ramping-vus' | 'per-vu-iterations' | 'shared-iterations';
  /** constant-vus, per-vu-iterations, shared-iterations: the VUs; ramping-vus: the most the stages reach. */
  vus: number;
  /** per-vu-iterations: each VU's; shared-iterations: all VUs' together. */
  iterations: number;
  /** constant-vus: duration; *-iterations: maxDuration; ramping-vus: the stages' sum. */
  durationMs: number;
  startVUs: number;
  stages: VuStage[];
  gracefulRampDownMs: number;
}

export const COMMON_KEYS = ['executor', 'startTime', 'gracefulStop', 'exec', 'env', 'tags'];
export const CLOSED_MODEL_KEYS: Record<string, Set<string>> = {
  'constant-vus': new Set([...COMMON_KEYS, 'vus', 'duration']),
  'ramping-vus': new Set([...COMMON_KEYS, 'startVUs', 'stages', 'gracefulRampDown']),
  'per-vu-iterations': new Set([...COMMON_KEYS, 'vus', 'iterations', 'maxDuration']),
  'shared-iterations': new Set([...COMMON_KEYS, 'vus', 'iterations', 'maxDuration']),
};
export const SHORTCUTS = ['vus', 'duration', 'iterations', 'stages'];
/** k6's default maxDuration of the iteration executors. */
const MAX_DURATION_MS = 600_000;

function stagesOf(raw: unknown, where: string): VuStage[] {
  if (!Array.isArray(raw) || raw.length === 0) throw bad(`${where} must list at least one {duration, target}`);
  return raw.map((stage: { duration?: unknown; target?: unknown }, i) => ({
    durationMs: parseDurationMs(stage?.duration, `${where}[${i}].duration`),
    target: count(stage?.target ?? 0, `${where}[${i}].target`, 0),
  }));
}

export function parseClosedModel(common: CommonScenarioConfig, executor: ClosedModelConfig['executor'], raw: Record<string, unknown>, where: string): ClosedModelConfig {
  const vus = raw.vus === undefined ? 1 : count(raw.vus, `${where}.vus`, 1);
  const iterations = raw.iterations === undefined ? 1 : count(raw.iterations, `${where}.iterations`, 1);
  const config: ClosedModelConfig = { ...common, executor, vus, iterations, durationMs: 0, startVUs: 0, stages: [], gracefulRampDownMs: 30_000 };
  if (executor === 'constant-vus') {
    if (raw.duration === undefined) throw bad(`${where}.duration is required, e.g. "30s"`);
    config.durationMs = parseDurationMs(raw.duration, `${where}.duration`);
    if (config.durationMs <= 0) throw bad(`${where}.duration must be above 0`);
  } else if (executor === 'ramping-vus') {
    config.startVUs = raw.startVUs === undefined ? 1 : count(raw.startVUs, `${where}.startVUs`, 0);
    config.stages = stagesOf(raw.stages, `${where}.stages`);
    config.durationMs = config.stages.reduce((sum, stage) => sum + stage.durationMs, 0);
    config.vus = Math.max(config.startVUs, ...config.stages.map((stage) => stage.target));
    if (raw.gracefulRampDown !== undefined) config.gracefulRampDownMs = parseDurationMs(raw.gracefulRampDown, `${where}.gracefulRampDown`);
  } else {
    config.durationMs = raw.maxDuration === undefined ? MAX_DURATION_MS : parseDurationMs(raw.maxDuration, `${where}.maxDuration`);
    if (executor === 'shared-iterations' && iterations < vus) throw bad(`${where}: the number of iterations (${iterations}) can't be less than the number of VUs (${vus})`);
  }
  return config;
}

/**
 * options.scenarios, or the one scenario "default" the shortcuts stand for: `iterations` →
 * shared-iterations (maxDuration = duration), else `duration` → constant-vus, else `stages` →
 * ramping-vus (startVUs = vus), else 1 VU running 1 iteration. Two of them at once, or one with
 * scenarios, is k6's error too.
 */
export function scenariosWithShortcuts(options: Record<string, unknown>): Record<string, Record<string, unknown>> {
  const { vus, duration, iterations, stages, scenarios } = options as Record<string, unknown>;
  const hasStages = Array.isArray(stages) && stages.length > 0;
  const used = [iterations !== undefined && 'iterations', duration !== undefined && 'duration', hasStages && 'stages'].filter((k): k is string => k !== false);
  if (used.length > 0 && scenarios !== undefined) throw bad(`using an execution configuration shortcut (\`${used[0]}\`) and \`scenarios\` simultaneously is not allowed`);
  if (hasStages && used.length > 1) throw bad(`using multiple execution config shortcuts (\`${used[0]}\` and \`stages\`) simultaneously is not allowed`);
  const common = vus === undefined ? {} : { vus };
  if (iterations !== undefined) return { default: { executor: 'shared-iterations', ...common, iterations, ...(duration === undefined ? {} : { maxDuration: duration }) } };
  if (duration !== undefined) return { default: { executor: 'constant-vus', ...common, duration } };
  if (hasStages) return { default: { executor: 'ramping-vus', ...(vus === undefined ? {} : { startVUs: vus }), stages } };
  if (scenarios !== undefined && Object.keys(scenarios as object).length > 0) return scenarios as Record<string, Record<string, unknown>>;
  return { default: { executor: 'per-vu-iterations' } };
}
