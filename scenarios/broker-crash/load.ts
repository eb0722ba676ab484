/**
 * broker-crash load: customers place orders at a constant arrival rate (open model), one attempt
 * each, each with an Idempotency-Key of its own so that a row in the database names the order it
 * is. The load keeps its own account: orders acknowledged (201) and orders that failed.
 */
import http from 'k6/http';
import { Counter } from 'k6/metrics';
import { constantArrival, lab, numberVar, openModel } from '../k6/lab.ts';

/** Orders placed per second. */
const RATE = numberVar('RATE', 10);
/** Products seeded (topology.products): an order's items are drawn from 1..PRODUCTS. */
const PRODUCTS = numberVar('PRODUCTS', 10_000);

// No thresholds: what the crash does to the orders is judged by the scenario's hypotheses.
export const options = openModel(constantArrival({ rate: RATE, preAllocatedVUs: 50, maxVUs: 300 }));

const acked = new Counter('orders_acked');
const failed = new Counter('orders_failed');

/** Keys of this run differ from every earlier run's, so a row counts for this run only. */
const RUN_TAG = `${lab.variant}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;

export default async function (): Promise<void> {
  const n = (__VU - 1) * 100_000 + __ITER;
  const items = [{ productId: 1 + ((n * 7919) % PRODUCTS), quantity: 1 + (n % 3) }];
  const res = await http.asyncRequest('POST', `${lab.baseUrl}/orders`, JSON.stringify({ items }), {
    headers: { 'content-type': 'application/json', authorization: `Bearer ${lab.token}`, 'idempotency-key': `${RUN_TAG}-${n}` },
    tags: { name: 'POST /orders' },
  });
  const ok = res.status === 201;
  acked.add(ok ? 1 : 0);
  failed.add(ok ? 0 : 1);
}
