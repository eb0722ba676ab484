/**
 * retry-storm: customers place orders and retry the failed ones while the answers of gateway→orders
 * are swallowed and orders' PostgreSQL connections are reset, so a client cannot know whether its
 * write happened. Unprotected (no idempotency, retries at once without a budget, in the gateway and
 * in the client) writes the same order again and again; protected (idempotency keys per customer,
 * backoff with full jitter, a retry budget) writes every order exactly once.
 *
 * After the run the runner reads PostgreSQL itself (read-only SQL measures). A variant's orders are
 * the rows of its customer (the runner mints each variant's token for customer `load-<variant>`)
 * created since its load began. Every order of the load asks for items no other order of the
 * variant asks for (load.ts), so rows with the same items are one order written more than once:
 * duplicated = rows − distinct items. The load counts what it was told: orders acknowledged (201)
 * and orders given up. An acknowledged order missing from the database is lost; since an order
 * given up may or may not have been written, acknowledged + given up − distinct items stored is an
 * upper bound of the lost orders, exact when none was given up (a hypothesis of its own).
 */
import { grew, orZeroWhile } from '../../lab/runner/promql.ts';
import { defineScenario } from '../../lab/runner/schema.ts';

/** Orders started per second. */
const RATE = 20;
/** The protected gateway's retry budget: retries may add this share of its requests, plus 5 a second (the gateway's floor). */
const BUDGET_RATIO = 0.1;
const BUDGET_FLOOR_PER_SECOND = 5;
/**
 * The clients (load.ts): each order tries for at most 12 s. Unprotected tries again at once, up to
 * 12 attempts (the storm). Protected backs off with full jitter and is bounded by the 12 s, not by
 * a count: capped at 12 attempts, its random waits (expected 7.6 s over 11 retries, sd 1.5 s) ran
 * out within the 6 s of resets for 1–2 orders a run (2 full runs of 2), so an order was given up
 * while the outage lasted, which is what backing off is for not to do.
 */
const CLIENTS = { CLIENT_RETRY_unprotected: 'immediate', CLIENT_ATTEMPTS_unprotected: 12, CLIENT_RETRY_protected: 'backoff', CLIENT_ATTEMPTS_protected: 24 };

/** The variant's orders: its customer's rows created since its load began. */
const variantOrders = "FROM orders WHERE customer_id = 'load-' || $variant AND created_at >= $from";
const duplicated = `SELECT count(*) - count(DISTINCT items) ${variantOrders}`;
const lostAtMost = `SELECT $k6.orders_acked.count + $k6.orders_given_up.count - count(DISTINCT items) ${variantOrders}`;
/** Calls the gateway sent to orders per order request it received (client retries are requests too). */
const amplification = `${grew('http_client_request_duration_seconds_count{job="gateway",server_address="orders"}')} / ${grew('http_server_request_duration_seconds_count{job="gateway",http_route="/orders",http_request_method="POST"}')}`;
/** orders answered 5xx: how a reset of its PostgreSQL connections shows (0 while it answered requests and none failed). */
const ordersFailed = orZeroWhile(grew('http_server_request_duration_seconds_count{job="orders",http_response_status_code=~"5.."}'), grew('http_server_request_duration_seconds_count{job="orders"}'));

export default defineScenario({
  title: 'orders retried through ambiguous failures: without idempotency a retry storm duplicates them, with it each is written once',
  teaches:
    'When an answer is lost after the write happened, the client cannot tell a failed order from a placed one, and retrying without an idempotency key writes it again, at once and many times over when nothing bounds the retries. ' +
    'An idempotency key scoped to the customer turns every retry into a replay of the first order, and backoff with full jitter under a retry budget keeps the retries from multiplying the load.',
  topology: {
    catalogReplicas: 1,
    config: {
      // an orders call that gets no answer is abandoned after a second (and retried, per the variant)
      gateway: { ordersTimeoutMs: 1_000, retryMaxAttempts: 3 },
    },
    products: 10_000,
  },
  variants: {
    unprotected: {
      description: 'no idempotency; gateway and client retry at once, the gateway with no budget (storm)',
      switches: { orders: { idempotency: false }, gateway: { retries: 'storm' } },
    },
    protected: {
      description: 'Idempotency-Key per customer; gateway and client back off with full jitter, the gateway within a retry budget',
      switches: { orders: { idempotency: true }, gateway: { retries: 'backoff', retryBaseDelayMs: 25, retryMaxDelayMs: 500, retryBudgetRatio: BUDGET_RATIO } },
    },
  },
  // the worker's confirmations of the first variant's orders are read after the second ran
  resetCacheBetweenVariants: false,
  profiles: {
    smoke: { duration: 30, warmup: 3, settle: 3, vars: { RATE, ...CLIENTS } },
    full: { duration: 60, warmup: 5, settle: 3, vars: { RATE, ...CLIENTS } },
  },
  timeline: [
    // orders gets the request and writes the order; its answer never comes back
    { at: '20%', duration: '10%', fault: 'timeout', target: 'gateway-orders', attributes: { stream: 'downstream', timeout: 0 } },
    // every connection of orders to PostgreSQL is reset 25 ms after it opens, in the middle of its transactions
    {
      at: '45%',
      duration: '10%',
      fault: 'reset_peer',
      target: 'orders-postgres',
      attributes: { timeout: 25 },
      visible: { description: 'orders answers 5xx while its database connections are reset', promql: ordersFailed, op: '>', value: 0 },
    },
  ],
  hypotheses: [
    {
      name: 'protected: no order written twice (rows − distinct orders)',
      measure: { sql: duplicated },
      variants: ['protected'],
      expect: { op: '==', value: 0 },
    },
    {
      name: 'unprotected: the storm writes orders twice or more (at least 10 extra rows)',
      measure: { sql: duplicated },
      variants: ['unprotected'],
      expect: { op: '>=', value: 10 },
    },
    {
      name: 'protected: no acknowledged order lost (acknowledged + given up − distinct orders stored)',
      measure: { sql: lostAtMost },
      variants: ['protected'],
      expect: { op: '==', value: 0 },
    },
    {
      name: 'protected: every order acknowledged in the end (none given up)',
      measure: { k6: 'orders_given_up', stat: 'count' },
      variants: ['protected'],
      expect: { op: '==', value: 0 },
    },
    {
      name: "every stored order's event confirmed by the worker or dead-lettered",
      measure: { sql: `SELECT id ${variantOrders}`, count: 'orders-without-event-outcome' },
      expect: { op: '==', value: 0 },
    },
    {
      name: `protected: orders calls per order request within the retry budget (1 + ${BUDGET_RATIO} + ${BUDGET_FLOOR_PER_SECOND}/${RATE})`,
      measure: { promql: amplification },
      variants: ['protected'],
      expect: { op: '<=', value: 1 + BUDGET_RATIO + BUDGET_FLOOR_PER_SECOND / RATE },
    },
    {
      // the storm retries every failed call twice at once (3 calls a request), the budget lets a share through
      name: 'protected: during the faults at most 3/4 of the orders calls per request unprotected sends (the storm)',
      measure: { promql: amplification },
      phase: 'fault',
      variants: ['protected'],
      expect: { op: '<=', factor: 0.75, of: { variant: 'unprotected' } },
    },
  ],
});
