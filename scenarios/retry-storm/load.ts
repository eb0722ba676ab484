/**
 * retry-storm load: customers place orders at a constant arrival rate (open model), each order
 * with its own Idempotency-Key, and retry a failed one with the same key, as a client that cannot
 * tell whether its write happened must. The retry policy is the variant's (CLIENT_RETRY_<variant>):
 * `immediate` (again at once) or `backoff` (exponential with full jitter), both bounded in attempts
 * (CLIENT_ATTEMPTS_<variant>) and time. Every order asks for items no other order of the variant asks for, so a row in the
 * database says which order it is: two rows with the same items are one order written twice.
 * The load keeps its own account in counters: orders acknowledged (201) and orders given up.
 */
import http from 'k6/http';
import { Counter } from 'k6/metrics';
import { constantArrival, lab, numberVar, openModel } from '../k6/lab.ts';

/** Orders started per second. */
const RATE = numberVar('RATE', 30);
/** Products seeded (topology.products): an order's items are drawn from 1..PRODUCTS. */
const PRODUCTS = numberVar('PRODUCTS', 10_000);
/** The variant's client: its retry policy and attempts per order, the first included. */
const POLICY = __ENV[`CLIENT_RETRY_${lab.variant}`] ?? 'backoff';
if (POLICY !== 'immediate' && POLICY !== 'backoff') throw new Error(`CLIENT_RETRY_${lab.variant}=${POLICY}: use immediate or backoff`);
const ATTEMPTS = numberVar(`CLIENT_ATTEMPTS_${lab.variant}`, 8);
/** How long one order may keep trying, ms. */
const GIVE_UP_AFTER_MS = numberVar('GIVE_UP_AFTER_MS', 12_000);
/** Backoff ceilings (backoff policy): base × 2^(retry−1), capped, ms. */
const BACKOFF_BASE_MS = numberVar('BACKOFF_BASE_MS', 100);
const BACKOFF_CAP_MS = numberVar('BACKOFF_CAP_MS', 2_000);
/** One attempt's client-side timeout, ms: the gateway's own deadline (5 s), so the client never abandons an attempt the gateway still works on. */
const ATTEMPT_TIMEOUT_MS = numberVar('ATTEMPT_TIMEOUT_MS', 5_500);

// No thresholds: a storm's failures are the finding, judged by the scenario's hypotheses.
export const options = openModel(constantArrival({ rate: RATE, preAllocatedVUs: 400, maxVUs: 1200 }));

const acked = new Counter('orders_acked');
const givenUp = new Counter('orders_given_up');
const attempts = new Counter('order_attempts');

/** Keys of this run differ from every earlier run's: a key replayed from an earlier run would hide a lost order. */
const RUN_TAG = `${lab.variant}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;

/** Items that name the order: order n asks for quantity q of product p (and one of a second product), unique within the variant. */
function itemsOf(n: number): { productId: number; quantity: number }[] {
  return [
    { productId: 1 + (n % PRODUCTS), quantity: 1 + (Math.floor(n / PRODUCTS) % 100) },
    { productId: 1 + (Math.floor(n / (PRODUCTS * 100)) % PRODUCTS), quantity: 1 },
  ];
}

/** Worth another attempt: no answer, a 5xx or 429. A 4xx other than 429 is final. */
const retryable = (status: number) => status === 0 || status === 429 || status >= 500;

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export default async function (): Promise<void> {
  const n = (__VU - 1) * 100_000 + __ITER;
  const body = JSON.stringify({ items: itemsOf(n) });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${lab.token}`, 'idempotency-key': `${RUN_TAG}-${n}` };
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    attempts.add(1);
    const res = await http.asyncRequest('POST', `${lab.baseUrl}/orders`, body, { headers, timeout: ATTEMPT_TIMEOUT_MS, tags: { name: 'POST /orders' } });
    if (res.status === 201) {
      acked.add(1);
      givenUp.add(0);
      return;
    }
    const delay = POLICY === 'backoff' ? Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1)) : 0;
    if (!retryable(res.status) || attempt >= ATTEMPTS || Date.now() + delay - started > GIVE_UP_AFTER_MS) {
      givenUp.add(1);
      acked.add(0);
      return;
    }
    if (delay > 0) await pause(delay);
  }
}
