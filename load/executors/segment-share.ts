/**
 * What this engine runs of one scenario when it runs one execution segment of the test, as each
 * k6 executor takes its part [lib/executor/*.go, GetExecutionRequirements, Init, Run]:
 *
 * - arrival rate: preAllocatedVUs and maxVUs scaled (ScaleInt64); the iterations striped by the
 *   sequence rebuilt from maxVUs, so the segment starts exactly the global iterations it owns, each
 *   at its global due time; no VUs, no work (its share goes to the segments that have VUs);
 * - constant-vus, per-vu-iterations: VUs scaled; per-vu-iterations keeps each VU's iteration
 *   count (scaling both would scale the load twice);
 * - shared-iterations: VUs scaled; iterations scaled by the sequence rebuilt from the VUs;
 * - ramping-vus: at every moment, this segment's share of the VUs the whole test has then.
 *
 * `exec.scenario.iterationInTest` is the iteration's global number (k6's unscaled SegmentedIndex),
 * `iterationInInstance` its number within this engine; `exec.vu.idInTest` the VU's global number
 * striped over the test's sequence, `__VU` and `exec.vu.idInInstance` its number within this engine.
 */
import type { ExecutionTuple } from '../options/execution-segment.ts';
import type { ScenarioConfig } from '../options/options.ts';

export interface SegmentShare {
  /** k6's HasWork: false when this segment gets nothing of the scenario, which then does not run. */
  readonly hasWork: boolean;
  /** VUs at the start: preAllocatedVUs (arrival rate), the VUs (closed model), the most VUs (ramping-vus). */
  readonly vus: number;
  /** Arrival rate: the VU cap; closed model: = vus. */
  readonly maxVUs: number;
  /** shared-iterations: this segment's iterations; per-vu-iterations: each VU's. */
  readonly iterations: number;
  /** ramping-vus: this segment's looping VUs while the whole test has `vus`. */
  vusAt(vus: number): number;
  /** Arrival rate: whether the schedule's k-th iteration (from 0) is this segment's. */
  ownsIteration(k: number): boolean;
  /** The global number (from 0) of this segment's j-th iteration (from 0). */
  iterationInTest(j: number): number;
  /** The global number (from 1) of this engine's VU `local` (from 1). */
  vuIdInTest(local: number): number;
}

export function segmentShare(config: ScenarioConfig, tuple: ExecutionTuple): SegmentShare {
  const vuIdInTest = (local: number): number => tuple.globalIndex(local - 1) + 1;
  const vusAt = (vus: number): number => tuple.scale(vus);
  if ('preAllocatedVUs' in config) {
    const iterations = tuple.forValue(config.maxVUs);
    const maxVUs = tuple.scale(config.maxVUs);
    return {
      hasWork: maxVUs > 0 && iterations !== undefined,
      vus: tuple.scale(config.preAllocatedVUs),
      maxVUs,
      iterations: 0,
      vusAt,
      ownsIteration: (k) => iterations?.owns(k) ?? false,
      iterationInTest: (j) => iterations?.globalIndex(j) ?? j,
      vuIdInTest,
    };
  }
  const vus = tuple.scale(config.vus);
  const shared = config.executor === 'shared-iterations' ? tuple.forValue(config.vus) : undefined;
  const iterations = config.executor === 'shared-iterations' ? (shared?.scale(config.iterations) ?? 0) : config.iterations;
  const striping = config.executor === 'shared-iterations' ? shared : tuple;
  return {
    hasWork: vus > 0 && iterations > 0,
    vus,
    maxVUs: vus,
    iterations,
    vusAt,
    ownsIteration: () => true,
    iterationInTest: (j) => striping?.globalIndex(j) ?? j,
    vuIdInTest,
  };
}
