/**
 * The Kubernetes HorizontalPodAutoscaler's arithmetic (autoscaling/v2, as its documentation
 * states it), written out because no kept JavaScript library implements it:
 *
 * - desired = ceil(current × metric / target), where metric is the average over ready instances;
 * - no change while |metric / target − 1| ≤ tolerance (0.1 by default);
 * - instances without a sample, and not-ready ones, are set aside; then, conservatively, a
 *   missing one counts as 100 % of the target when scaling down and 0 % when scaling up, a
 *   not-ready one as 0 % when scaling up; if that reverses the direction or lands within the
 *   tolerance, nothing changes;
 * - stabilization: the desired count is the lowest recommendation of the scale-up window and the
 *   highest of the scale-down window (defaults 0 s and 300 s; the lab shortens them);
 * - clamped to [minReplicas, maxReplicas].
 */

export interface InstanceSample {
  /** The instance's own metric value (e.g. requests in flight); undefined when it has no sample. */
  value: number | undefined;
  /** False while the instance starts (not yet ready to serve). */
  ready: boolean;
}

export interface HpaSpec {
  minReplicas: number;
  maxReplicas: number;
  /** The target average value of the metric per instance. */
  target: number;
  /** Relative band around the target in which nothing changes (default 0.1). */
  tolerance?: number;
  /** Seconds of recommendations a scale-up is stabilized over: the lowest wins (default 0). */
  scaleUpStabilizationSeconds?: number;
  /** Seconds of recommendations a scale-down is stabilized over: the highest wins (default 300). */
  scaleDownStabilizationSeconds?: number;
}

const DEFAULT_TOLERANCE = 0.1;

/** The replica count the metric asks for, before stabilization and limits (Kubernetes' replica calculator). */
export function recommendReplicas(current: number, samples: readonly InstanceSample[], target: number, tolerance = DEFAULT_TOLERANCE): number {
  const measured = samples.filter((s) => s.ready && s.value !== undefined).map((s) => s.value!);
  const missing = samples.filter((s) => s.ready && s.value === undefined).length;
  const unready = samples.filter((s) => !s.ready).length;
  if (measured.length === 0) return current; // nothing to judge by
  const usageRatio = measured.reduce((a, b) => a + b, 0) / measured.length / target;
  const scaleUp = usageRatio > 1;
  if (missing === 0 && (unready === 0 || !scaleUp)) {
    if (Math.abs(usageRatio - 1) <= tolerance) return current;
    return Math.ceil(usageRatio * measured.length);
  }
  // conservative assumptions for the instances set aside, then judge again
  const assumedMissing = usageRatio < 1 ? target : 0;
  const values = [...measured, ...Array<number>(missing).fill(assumedMissing), ...(scaleUp ? Array<number>(unready).fill(0) : [])];
  const newRatio = values.reduce((a, b) => a + b, 0) / values.length / target;
  if (Math.abs(newRatio - 1) <= tolerance || (usageRatio > 1 && newRatio < 1) || (usageRatio < 1 && newRatio > 1)) return current;
  const replicas = Math.ceil(newRatio * values.length);
  // counting the set-aside instances must not turn the change around
  if ((newRatio < 1 && replicas > current) || (newRatio > 1 && replicas < current)) return current;
  return replicas;
}

/** Recommendations over time, stabilized the way the HPA controller stabilizes them. */
export class Stabilizer {
  private readonly history: { at: number; replicas: number }[] = [];
  private readonly spec: Required<HpaSpec>;

  constructor(spec: HpaSpec) {
    this.spec = { tolerance: DEFAULT_TOLERANCE, scaleUpStabilizationSeconds: 0, scaleDownStabilizationSeconds: 300, ...spec };
  }

  /** Records a recommendation made at `at` (seconds) and returns the replica count to run now. */
  desired(at: number, current: number, recommendation: number): number {
    this.history.push({ at, replicas: recommendation });
    const longest = Math.max(this.spec.scaleUpStabilizationSeconds, this.spec.scaleDownStabilizationSeconds);
    while (this.history.length > 0 && this.history[0]!.at < at - longest) this.history.shift();
    const within = (seconds: number) => this.history.filter((h) => h.at >= at - seconds).map((h) => h.replicas);
    // up: the lowest recommendation of the up window, if it is above current
    const upFloor = Math.min(...within(this.spec.scaleUpStabilizationSeconds));
    // down: the highest recommendation of the down window, if it is below current
    const downCeiling = Math.max(...within(this.spec.scaleDownStabilizationSeconds));
    let desired = current;
    if (upFloor > current) desired = upFloor;
    else if (downCeiling < current) desired = downCeiling;
    return Math.min(this.spec.maxReplicas, Math.max(this.spec.minReplicas, desired));
  }

  get tolerance(): number {
    return this.spec.tolerance;
  }
}
