/**
 * ramping-vus: when the VUs ramped down lose their running iteration. k6 lets a VU taken out by a
 * ramp-down finish its iteration for gracefulRampDown, counted from the step that took that VU
 * out, unless the count climbs back within that time; at each "hard stop" step below, VUs above
 * its count are interrupted. Past the scenario's end (stages + gracefulStop) everything stops, so
 * no step goes beyond it, and the last one is 0 VUs then
 * [k6 lib/executor/ramping_vus.go reserveVUsForGracefulRampDowns, GetExecutionRequirements].
 */
import type { VuStep } from './vu-steps.ts';

/** `raw`: the VU count along the stages (vuSteps); `endMs`: the stages' length plus gracefulStop. */
export function hardStopSteps(raw: VuStep[], gracefulRampDownMs: number, endMs: number): VuStep[] {
  const steps: VuStep[] = [];
  if (gracefulRampDownMs <= 0) steps.push(...raw);
  else {
    let allowed = 0;
    for (let i = 0; i < raw.length; i += 1) {
      const step = raw[i]!;
      if (i === 0 || step.vus > allowed) {
        steps.push(step);
        allowed = step.vus;
        continue;
      }
      if (step.vus === allowed) continue;
      // a ramp-down: its VUs keep their iterations until cutAt, unless the count gets back to
      // `allowed` before then, in which case the ramp-down never happened as far as they are concerned
      const cutAt = step.atMs + gracefulRampDownMs;
      const back = raw.findIndex((later, j) => j > i && later.atMs <= cutAt && later.vus >= allowed);
      if (back !== -1) {
        i = back - 1;
        continue;
      }
      if (cutAt >= endMs) break;
      steps.push({ atMs: cutAt, vus: step.vus });
      allowed = step.vus;
    }
  }
  if (steps[steps.length - 1]!.vus !== 0) steps.push({ atMs: endMs, vus: 0 });
  return steps;
}
