/**
 * Arrival schedules: the due time (ms after the scenario's start) of every iteration, as k6's
 * arrival-rate executors compute them. Written out because the due times ARE the contract:
 * constant rate puts iteration k at k·timeUnit/rate; a ramp starts iteration i (from 1) when the
 * area under the piecewise-linear rate curve reaches i [k6 lib/executor/ramping_arrival_rate.go].
 */

/** Yields due times in ascending order, then undefined. */
export interface Schedule {
  next(): number | undefined;
}

export function constantSchedule(rate: number, timeUnitMs: number, durationMs: number): Schedule {
  const spacing = timeUnitMs / rate;
  let k = 0;
  return {
    next() {
      const due = k * spacing;
      if (due >= durationMs - 1e-9) return undefined;
      k += 1;
      return due;
    },
  };
}

export interface RateStage {
  durationMs: number;
  /** Iterations per timeUnit at the stage's end. */
  target: number;
}

export function rampingSchedule(startRate: number, timeUnitMs: number, stages: RateStage[]): Schedule {
  let stageIndex = 0;
  let stageStartMs = 0;
  let fromRate = startRate / timeUnitMs; // per ms
  let areaBefore = 0; // iterations accumulated before the current stage
  let i = 1;
  return {
    next() {
      for (;;) {
        const stage = stages[stageIndex];
        if (stage === undefined) return undefined;
        const toRate = stage.target / timeUnitMs;
        const duration = stage.durationMs;
        const stageArea = ((fromRate + toRate) / 2) * duration;
        const need = i - areaBefore;
        if (need <= stageArea + 1e-9 && duration > 0) {
          const x = offsetForArea(fromRate, toRate, duration, need);
          i += 1;
          return stageStartMs + Math.min(x, duration);
        }
        areaBefore += stageArea;
        stageStartMs += duration;
        fromRate = toRate;
        stageIndex += 1;
      }
    },
  };
}

/** x in [0, D] with a·x + (b−a)·x²/(2D) = need, in its cancellation-free form. */
function offsetForArea(a: number, b: number, duration: number, need: number): number {
  const c = (b - a) / (2 * duration);
  if (Math.abs(c) < 1e-18) return need / a;
  const discriminant = Math.max(0, a * a + 4 * c * need);
  return (2 * need) / (a + Math.sqrt(discriminant));
}

/** Every due time of a schedule (tests and the planned-per-second count). */
export function allDue(schedule: Schedule): number[] {
  const out: number[] = [];
  for (let due = schedule.next(); due !== undefined; due = schedule.next()) out.push(due);
  return out;
}

/** The iterations of `schedule` whose index (from 0) `owns` accepts, at their own due times: one segment's part of it. */
export function ownedPart(schedule: Schedule, owns: (index: number) => boolean): Schedule {
  let index = 0;
  return {
    next() {
      for (let due = schedule.next(); due !== undefined; due = schedule.next()) {
        index += 1;
        if (owns(index - 1)) return due;
      }
      return undefined;
    },
  };
}
