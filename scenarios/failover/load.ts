/**
 * failover load: product reads through the gateway at a constant arrival rate (open model: a
 * catalog instance that holds its requests cannot slow the readers down), spread over enough
 * products that every catalog instance serves its round-robin share.
 */
import http from 'k6/http';
import { check } from 'k6';
import { constantArrival, lab, numberVar, openModel } from '../k6/lab.ts';

/** Reads started per second. */
const RATE = numberVar('RATE', 100);
/** Products 1..PRODUCTS are read. */
const PRODUCTS = numberVar('PRODUCTS', 1000);

// A blackholed instance holds a third of the reads for the catalog timeout: VUs stand ready for them.
export const options = openModel(constantArrival({ rate: RATE, preAllocatedVUs: 200, maxVUs: 600 }));

export default async function (): Promise<void> {
  const id = 1 + Math.floor(Math.random() * PRODUCTS);
  const res = await http.asyncRequest('GET', `${lab.baseUrl}/products/${id}`, null, { tags: { name: 'GET /products/:id' } });
  check(res, { 'product read': (r) => r.status === 200 });
}
