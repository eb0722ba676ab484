/**
 * The start lag the schedule guard judges: an iteration's actual start minus its due time, merged
 * exactly from the embedded engine's per-second HDR histograms over the window the hypotheses are
 * judged in (after the profile's warmup), so the engine's own start-up (module loading, the JIT)
 * is left out as the app's warmup is.
 */
import { join } from 'node:path';
import { readLoadSeconds } from '../load-seconds/read.ts';
import { maxMs, mergedWindow, percentileMs } from '../load-seconds/window.ts';
import type { EngineResult } from './load-result.ts';

/** The engine's start lag over [from, to] (epoch ms); the result's own whole-run figures when there is no seconds file. */
export function judgedStartLag(result: EngineResult, resultsDir: string, window: { start: number; end: number }): EngineResult['startLag'] {
  if (!result.startLag || !result.secondsFile) return result.startLag;
  const lag = mergedWindow(readLoadSeconds(join(resultsDir, result.secondsFile)), window, (s) => s.startLag);
  if (lag.totalCount === 0) return result.startLag;
  return { ...result.startLag, p50Ms: percentileMs(lag, 50), p99Ms: percentileMs(lag, 99), maxMs: maxMs(lag) };
}
