/**
 * ramping-vus: when the number of looping VUs changes. Within a stage from a to b VUs over D, the
 * count becomes v at stageEnd − D·(b − v)/(b − a), one VU at a time; a stage of length 0 jumps
 * [k6 lib/executor/ramping_vus.go getRawExecutionSteps].
 */
import type { VuStage } from '../options/closed-model.ts';

export interface VuStep {
  /** ms after the scenario's start. */
  atMs: number;
  vus: number;
}

export function vuSteps(startVUs: number, stages: VuStage[]): VuStep[] {
  const steps: VuStep[] = [{ atMs: 0, vus: startVUs }];
  const add = (atMs: number, vus: number): void => {
    if (steps[steps.length - 1]!.vus !== vus) steps.push({ atMs, vus });
  };
  let from = startVUs;
  let endMs = 0;
  for (const stage of stages) {
    endMs += stage.durationMs;
    const to = stage.target;
    if (to !== from) {
      if (stage.durationMs === 0) add(endMs, to);
      else {
        const direction = to > from ? 1 : -1;
        for (let v = from + direction; v !== to + direction; v += direction) add(endMs - (stage.durationMs * (to - v)) / (to - from), v);
      }
    }
    from = to;
  }
  return steps;
}
