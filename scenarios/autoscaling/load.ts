/**
 * autoscaling load: product reads whose arrival rate rests, ramps past one catalog instance's
 * capacity, holds the peak, ramps back down and rests again (ramping-arrival-rate: an open model,
 * so a saturated instance cannot slow the readers and hide its own overload).
 */
import http from 'k6/http';
import { check } from 'k6';
import { lab, numberVar, openModel, rampingArrival } from '../k6/lab.ts';

/** Reads per second at rest and at the peak. */
const BASE = numberVar('BASE', 15);
const PEAK = numberVar('PEAK', 90);
/** The shape, as shares of the profile's duration: rest, ramp up, hold, ramp down; the rest of the run rests. */
const REST = numberVar('REST', 0.1);
const UP = numberVar('UP', 0.2);
const HOLD = numberVar('HOLD', 0.3);
const DOWN = numberVar('DOWN', 0.06);
/**
 * Products read, at random: no read is served from a cache here, so any id costs the same, and a
 * few of them keep the engine's series (one per URL, as k6 tags them) few.
 */
const PRODUCTS = numberVar('PRODUCTS', 20);

const seconds = (share: number) => Math.round(share * lab.duration);
const tail = lab.duration - seconds(REST) - seconds(UP) - seconds(HOLD) - seconds(DOWN);

// An overloaded single instance holds reads for up to the gateway's 1 s deadline: at the peak that is
// about PEAK reads in flight, so twice that many VUs stand ready.
export const options = openModel(
  rampingArrival(
    BASE,
    [
      [seconds(REST), BASE],
      [seconds(UP), PEAK],
      [seconds(HOLD), PEAK],
      [seconds(DOWN), BASE],
      [tail, BASE],
    ],
    { preAllocatedVUs: 2 * PEAK, maxVUs: 4 * PEAK },
  ),
);

export default async function (): Promise<void> {
  const id = 1 + Math.floor(Math.random() * PRODUCTS);
  const res = await http.asyncRequest('GET', `${lab.baseUrl}/products/${id}`, null, { tags: { name: 'GET /products/:id' } });
  check(res, { 'product read': (r) => r.status === 200 });
}
