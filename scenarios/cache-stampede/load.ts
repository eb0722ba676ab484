/**
 * cache-stampede load: readers of a small hot set of products at a constant arrival rate
 * (open model: a slow catalog cannot slow the readers down, so a stampede shows in full).
 */
import http from 'k6/http';
import { check } from 'k6';
import { constantArrival, lab, numberVar, openModel } from '../k6/lab.ts';

/** Reads started per second. */
const RATE = numberVar('RATE', 300);
/** Products 1..HOT_KEYS are the hot set. */
const HOT_KEYS = numberVar('HOT_KEYS', 20);

// A due iteration with no idle VU is dropped (one more VU is readied for later ticks): the naive
// stampede holds reads for seconds, so a thousand VUs stand ready before it comes.
export const options = openModel(constantArrival({ rate: RATE, preAllocatedVUs: 1000, maxVUs: 2000 }), {
  http_req_failed: ['rate<0.01'],
});

/**
 * Each variant starts on a flushed cache. Reading every hot product once before the load begins
 * fills it, so neither variant opens with a cold-start stampede of its own: the stampedes measured
 * are the timeline's, and the load's first seconds are not queued behind a burst of misses.
 */
export async function setup(): Promise<void> {
  for (let id = 1; id <= HOT_KEYS; id++) {
    const res = await http.asyncRequest('GET', `${lab.baseUrl}/products/${id}`, null, { tags: { name: 'GET /products/:id' } });
    if (res.status !== 200) throw new Error(`setup: product ${id} answered ${res.status}; is the lab's catalog seeded?`);
  }
}

export default async function (): Promise<void> {
  const id = 1 + Math.floor(Math.random() * HOT_KEYS);
  const res = await http.asyncRequest('GET', `${lab.baseUrl}/products/${id}`, null, { tags: { name: 'GET /products/:id' } });
  check(res, { 'product read': (r) => r.status === 200 });
}
