/**
 * Dropped iterations judged where they happen, from the engine's per-second file, not averaged over
 * the run: 1% of a run's iterations can all sit in the few seconds of one fault, and then the
 * fault was judged on load the script did not plan. Each phase is held to the run's limit
 * (MAX_DROPPED_RATIO), and so is each second while a fault is on (rounded up, so a low-rate second
 * may lose one iteration).
 */
import { secondOverlaps } from '../load-seconds/window.ts';
import type { Window } from './phases.ts';
import { MAX_DROPPED_RATIO } from './load-result.ts';
import type { PhaseName } from './schema.ts';
import type { Check } from '../run-summary/summary.ts';

/** One second of the engine's schedule: epoch second, iterations due, iterations dropped. */
export interface ScheduleSecond {
  t: number;
  planned: number;
  dropped: number;
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const JUDGED_PHASES: PhaseName[] = ['steady', 'fault', 'recovery'];

// a guard judges every second any of which lies in the window (windows here are in epoch seconds)
const overlaps = (s: ScheduleSecond, w: Window) => secondOverlaps(s.t, { start: w.start * 1000, end: w.end * 1000 });

export function droppedIterationChecks(variant: string, seconds: readonly ScheduleSecond[], phases: Partial<Record<PhaseName, Window>>, faultIntervals: readonly Window[]): Check[] {
  const checks: Check[] = [];
  for (const phase of JUDGED_PHASES) {
    const window = phases[phase];
    if (!window) continue;
    const rows = seconds.filter((s) => overlaps(s, window));
    const planned = rows.reduce((n, s) => n + s.planned, 0);
    const dropped = rows.reduce((n, s) => n + s.dropped, 0);
    const ratio = planned > 0 ? dropped / planned : 0;
    checks.push({
      check: 'arrival-rate-phase',
      variant,
      ok: ratio <= MAX_DROPPED_RATIO,
      detail: `${phase} phase: the load engine dropped ${dropped} of ${planned} planned iterations (${pct(ratio)}, limit ${pct(MAX_DROPPED_RATIO)})`,
    });
  }
  if (faultIntervals.length === 0) return checks;
  const faulted = seconds.filter((s) => faultIntervals.some((w) => overlaps(s, w)));
  const over = faulted.filter((s) => s.dropped > Math.ceil(MAX_DROPPED_RATIO * s.planned));
  const worst = [...over].sort((a, b) => b.dropped / Math.max(1, b.planned) - a.dropped / Math.max(1, a.planned))[0];
  checks.push({
    check: 'arrival-rate-fault-seconds',
    variant,
    ok: over.length === 0,
    detail:
      over.length === 0
        ? `no second with a fault on dropped more than ${pct(MAX_DROPPED_RATIO)} of its iterations (${faulted.length} seconds judged)`
        : `${over.length} of ${faulted.length} seconds with a fault on dropped more than ${pct(MAX_DROPPED_RATIO)} of their iterations (the worst ${worst!.dropped} of ${worst!.planned}): the fault was judged on load the script did not plan`,
  });
  return checks;
}
