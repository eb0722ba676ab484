/**
 * Phase windows of one variant's load: `steady` before the first fault (after a warmup),
 * `fault` from the first fault applied to the last reverted, `recovery` after the last revert
 * plus a settle margin, `run` the whole load. Inside `fault`, only the seconds a fault was on are
 * judged (faultIntervals): the calm gaps between two faults are not "during the faults". Times
 * are in seconds (from 0 when planning, epoch seconds when judging a real run).
 */
import type { PhaseName } from './schema.ts';

export interface Window {
  start: number;
  end: number;
}

export type PhaseWindows = Partial<Record<PhaseName, Window>>;

export function phaseWindows(run: Window, faults: readonly Window[], margins: { warmup: number; settle: number }): PhaseWindows {
  const windows: PhaseWindows = { run };
  if (faults.length === 0) {
    windows.steady = { start: run.start + margins.warmup, end: run.end };
    return windows;
  }
  const first = Math.min(...faults.map((f) => f.start));
  const last = Math.max(...faults.map((f) => f.end));
  windows.steady = { start: run.start + margins.warmup, end: first };
  windows.fault = { start: first, end: last };
  windows.recovery = { start: last + margins.settle, end: run.end };
  return windows;
}

/** The phase a moment falls in, for the progress line ('warmup' and 'settle' are the gaps, 'ending' after the load). */
export function phaseAt(windows: PhaseWindows, t: number): string {
  if (windows.run && t >= windows.run.end) return 'ending';
  for (const name of ['fault', 'recovery', 'steady'] as const) {
    const w = windows[name];
    if (w && t >= w.start && t < w.end) return name;
  }
  if (windows.steady && t < windows.steady.start) return 'warmup';
  if (windows.fault && t >= windows.fault.end) return 'settle';
  return 'run';
}

/** The seconds some fault was on: the faults' windows, overlapping ones merged, in order. */
export function faultIntervals(faults: readonly Window[]): Window[] {
  const merged: Window[] = [];
  for (const f of [...faults].sort((a, b) => a.start - b.start)) {
    const last = merged.at(-1);
    if (last && f.start <= last.end) last.end = Math.max(last.end, f.end);
    else merged.push({ ...f });
  }
  return merged;
}

export function length(window: Window): number {
  return window.end - window.start;
}
