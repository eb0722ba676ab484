/**
 * The embedded engine's side of the load-engine bench: one GET per iteration at a constant
 * arrival rate, bodies discarded, as vegeta is asked to do. A k6 script: runs on real k6 too.
 */
import http from 'k6/http';
import type { Options } from 'k6/options';

const RATE = Number(__ENV.RATE);
/**
 * Enough VUs for every request in flight at the server's latency, with a quarter second of room
 * for stalls: a generator is judged on its schedule, not on a VU pool sized too small (vegeta's
 * workers grow without a cap).
 */
const VUS = Math.ceil(RATE * (Number(__ENV.LATENCY_MS) + 250) / 1000) + 20;
/** Up to a second's worth of requests in flight: vegeta's workers are not capped either. */
const MAX_VUS = Math.max(VUS * 2, RATE);

export const options: Options = {
  discardResponseBodies: true,
  scenarios: {
    bench: {
      executor: 'constant-arrival-rate',
      rate: RATE,
      timeUnit: '1s',
      duration: `${__ENV.SECONDS}s`,
      preAllocatedVUs: VUS,
      maxVUs: MAX_VUS,
      gracefulStop: '10s',
    },
  },
};

export default async function (): Promise<void> {
  await http.asyncRequest('GET', __ENV.TARGET_URL!);
}
