/** What one load generator's round at one point yields, and the window it is measured in. */

export interface Point {
  /** Planned requests per second. */
  rate: number;
  /** The server's added latency per request. */
  latencyMs: number;
  url: string;
  /** Length of the round's schedule. */
  seconds: number;
}

export interface RoundResult {
  /** Requests sent over the whole round. */
  requests: number;
  /** requests / (rate · seconds): 1 is the plan held exactly. */
  rateHeld: number;
  /** CPU of the generator's process inside the window, per request completed in it (NaN: none completed). */
  cpuUsPerRequest: number;
  /** Median of the time from the actual send to the response, inside the window (NaN: none completed). */
  p50Ms: number;
  /** Responses that were not 200 (network errors included). */
  failed: number;
  /** Iterations the generator skipped because it had nothing free to send them with. */
  dropped: number;
}

/** Seconds left out at the start of a round: the generator's start-up and warm-up are not what is compared. */
const SKIP_SECONDS = 2;

/**
 * The steady part of a round: whole epoch seconds [fromS, toS) from SKIP_SECONDS after the
 * schedule's first send to its last full second. Both generators count a request in the second
 * its response ended, so the two windows hold the same kind of requests.
 */
export function steadyWindow(startMs: number, seconds: number): { fromS: number; toS: number } {
  const fromS = Math.ceil(startMs / 1000) + SKIP_SECONDS;
  const toS = Math.floor(startMs / 1000 + seconds);
  if (toS - fromS < 3) throw new Error(`a ${seconds} s round leaves under 3 s to measure: give at least ${SKIP_SECONDS + 5} s rounds`);
  return { fromS, toS };
}
