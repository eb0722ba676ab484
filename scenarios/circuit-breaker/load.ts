/**
 * circuit-breaker load: price reads of a small set of products at a constant arrival rate (open
 * model: a slow pricing cannot slow the readers down, so requests pile up in the gateway in full).
 * The set is small so every product has a last known price before the fault.
 */
import http from 'k6/http';
import { check } from 'k6';
import { constantArrival, lab, numberVar, openModel } from '../k6/lab.ts';

/** Price reads started per second. */
const RATE = numberVar('RATE', 100);
/** Products 1..PRODUCTS are read. */
const PRODUCTS = numberVar('PRODUCTS', 50);

// Unprotected, each read waits out the pricing timeout while the edge is slow: VUs stand ready for that pile-up.
export const options = openModel(constantArrival({ rate: RATE, preAllocatedVUs: 200, maxVUs: 600 }));

export default async function (): Promise<void> {
  const id = 1 + Math.floor(Math.random() * PRODUCTS);
  const res = await http.asyncRequest('GET', `${lab.baseUrl}/products/${id}/price`, null, { tags: { name: 'GET /products/:id/price' } });
  check(res, { 'price read': (r) => r.status === 200 });
}
