/**
 * A k6 load that cannot keep its arrival rate, for the dashboards proof: one VU, and iterations
 * that last longer than the gap between two of them, so some due iterations find no idle VU and
 * are dropped (dropped_iterations), as k6 drops them. It reads one product per iteration.
 */
import http from 'k6/http';
import { check } from 'k6';

/** Iterations due per second, and how long each holds its VU, ms (longer than 1000 / RATE). */
const RATE = 10;
const HOLD_MS = 250;

export const options = {
  scenarios: {
    overrun: {
      executor: 'constant-arrival-rate',
      rate: RATE,
      timeUnit: '1s',
      duration: `${Number(__ENV.FAULTLINE_DURATION ?? 10)}s`,
      preAllocatedVUs: 1,
      maxVUs: 1,
    },
  },
};

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export default async function (): Promise<void> {
  const res = await http.asyncRequest('GET', `${__ENV.FAULTLINE_BASE_URL ?? 'http://127.0.0.1:8080'}/products/1`, null, { tags: { name: 'GET /products/:id' } });
  check(res, { 'product read': (r) => r.status === 200 });
  await pause(HOLD_MS);
}
