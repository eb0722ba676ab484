/**
 * The stack's capacity for the mix, measured right before the soak on the same machine in the
 * same conditions: a step-up of the arrival rate, each step a short constant-rate run judged on
 * its steady part (its first seconds left out), until a step breaks. A step breaks when over 1%
 * of its requests fail, over 1% of its planned iterations are dropped (the engine ran out of
 * VUs: responses slower than the schedule), or its p95 passes the latency limit: five times the
 * lightest step's p95, and at least 100 ms (a queue has formed); a step that breaks is run once
 * more, and breaks only when it breaks again (another job's burst on a shared machine can fall on
 * one step). The capacity is the highest step that held: a lower bound, as fine as the steps.
 */
import { readLoadSeconds } from '../../lab/load-seconds/read.ts';
import { mergedWindow, percentileMs, windowCounts } from '../../lab/load-seconds/window.ts';
import { startMix, type MixRun } from './mix-load.ts';

export const PROBE_RATES = [50, 100, 150, 200, 300, 400, 600, 800];
const STEP_SECONDS = 20;
/** Left out of each step's figures: the engine's and the services' first seconds at a new rate. */
const STEP_SETTLE_SECONDS = 5;
const WARMUP_RATE = 50;
const WARMUP_SECONDS = 10;
const MAX_FAILED_SHARE = 0.01;
const MAX_DROPPED_SHARE = 0.01;
const P95_FACTOR = 5;
const P95_FLOOR_MS = 100;

export interface Step {
  rate: number;
  /** Requests completed per second in the steady part. */
  achieved: number;
  p95Ms: number;
  p99Ms: number;
  failedShare: number;
  droppedShare: number;
  /** Why the step broke, or null when it held. */
  broke: string | null;
}

export interface Capacity {
  /** The highest rate that held, requests/s. */
  rate: number;
  steps: Step[];
  p95LimitMs: number;
}

async function step(run: MixRun, name: string, rate: number, seconds: number): Promise<Omit<Step, 'broke'>> {
  const { load, secondsFile } = startMix(run, name, rate, seconds);
  await load.done;
  const file = readLoadSeconds(secondsFile);
  const window = { start: file.startedAt + STEP_SETTLE_SECONDS * 1000, end: file.startedAt + seconds * 1000 };
  const counts = windowCounts(file, window);
  const latency = mergedWindow(file, window);
  return {
    rate,
    // the window's last second may be cut by the run's end: the planned count says how much of it ran
    achieved: counts.planned > 0 ? (rate * counts.requests) / counts.planned : 0,
    p95Ms: percentileMs(latency, 95) ?? Infinity,
    p99Ms: percentileMs(latency, 99) ?? Infinity,
    failedShare: counts.requests > 0 ? counts.failed / counts.requests : 1,
    droppedShare: counts.planned > 0 ? counts.dropped / counts.planned : 1,
  };
}

function why(s: Omit<Step, 'broke'>, p95LimitMs: number): string | null {
  if (s.failedShare > MAX_FAILED_SHARE) return `${(s.failedShare * 100).toFixed(1)}% failed`;
  if (s.droppedShare > MAX_DROPPED_SHARE) return `${(s.droppedShare * 100).toFixed(1)}% dropped`;
  if (s.p95Ms > p95LimitMs) return `p95 ${s.p95Ms.toFixed(0)} ms > ${p95LimitMs.toFixed(0)} ms`;
  return null;
}

/** Steps up until one breaks (or the steps run out); onStep reports each as it ends. */
export async function probeCapacity(run: MixRun, onStep: (s: Step) => void): Promise<Capacity> {
  await step(run, 'probe-warmup', WARMUP_RATE, WARMUP_SECONDS);
  const steps: Step[] = [];
  let p95LimitMs = Infinity;
  for (const rate of PROBE_RATES) {
    let measured = await step(run, `probe-${rate}`, rate, STEP_SECONDS);
    if (steps.length === 0) p95LimitMs = Math.max(P95_FLOOR_MS, P95_FACTOR * measured.p95Ms);
    let broke = why(measured, p95LimitMs);
    if (broke) {
      // on a shared machine one step can fall on another job's burst: a step breaks only when it breaks twice
      const again = await step(run, `probe-${rate}-again`, rate, STEP_SECONDS);
      const brokeAgain = why(again, p95LimitMs);
      if (brokeAgain === null) measured = again;
      broke = brokeAgain === null ? null : `${broke}, again ${brokeAgain}`;
    }
    const s: Step = { ...measured, broke };
    steps.push(s);
    onStep(s);
    if (s.broke) break;
  }
  const held = steps.filter((s) => s.broke === null);
  return { rate: held.at(-1)?.rate ?? 0, steps, p95LimitMs };
}
