/**
 * broker-crash: customers place orders at a constant rate while the worker that consumes their
 * events is frozen (a backlog builds on the stream), and Redis, the broker, is killed with
 * SIGKILL and comes back without its data: what a Redis without persistence does on every
 * restart, and what one whose disk went with its host does. With the lab's append-only file a
 * plain kill loses nothing acknowledged, so the scenario takes the data away to test the pattern,
 * not the disk.
 *
 * - `confirmed-outbox`: an order's event counts as delivered only once the worker confirmed the
 *   order in PostgreSQL; the outbox relay publishes again every event unconfirmed 10 s after it
 *   was published. The orders whose events the crash took are confirmed late, not lost.
 * - `published-at-xadd`: an event counts as delivered when XADD returns (the old behaviour). The
 *   backlog the crash took is never delivered: those orders stay unconfirmed for good.
 *
 * After the run the runner reads PostgreSQL (read-only SQL). A variant's orders are its
 * customer's rows (`load-<variant>`) created during its load; each has an Idempotency-Key of its
 * own. The worker confirms an order and adds its quantities to the sales counters in one
 * transaction, only if it was not confirmed yet: a redelivered event changes nothing.
 */
import { defineScenario } from '../../lab/runner/schema.ts';

/** Orders placed per second. */
const RATE = 10;
/** How long after its creation an order must be confirmed, s: the relay's 10 s deadline, the worker's freeze and the broker's restart, with room. */
const CONFIRM_BOUND_S = 30;

/**
 * How long after the load's planned end an order of it can still be created: an iteration due
 * before the end may start late (its start lag) and still runs to completion within the
 * executor's gracefulStop (k6's default, 30 s). Cutting at the planned end missed 2 acknowledged
 * orders in one full run whose start lag reached 4.8 s; the customer's rows belong to this
 * variant's load only, so the wider window takes in no other run's orders.
 */
const GRACEFUL_STOP_S = 30;
const variantOrders = `FROM orders WHERE customer_id = 'load-' || $variant AND created_at >= $from AND created_at <= $to::timestamptz + interval '${GRACEFUL_STOP_S} seconds'`;
const missing = `SELECT $k6.orders_acked.count - count(DISTINCT idempotency_key) ${variantOrders}`;
const duplicated = `SELECT count(*) - count(DISTINCT idempotency_key) ${variantOrders}`;
const lost = `SELECT count(*) ${variantOrders} AND (confirmed_at IS NULL OR confirmed_at > created_at + interval '${CONFIRM_BOUND_S} seconds')`;
/** Sales counters against every order the worker confirmed (the lab's whole database: counters are per product, not per variant). */
const countedTwice = `SELECT (SELECT coalesce(sum(units), 0) FROM product_sales)
  - (SELECT coalesce(sum((item->>'quantity')::bigint), 0) FROM orders, jsonb_array_elements(items) AS item WHERE confirmed_at IS NOT NULL AND confirmed_by <> 'before-confirmations')`;
/** The request path's XADD fails while Redis is down: how the crash shows in the data. */
const publishFailures = 'sum(increase(order_event_publish_failures_total{job="orders"}[$window]))';
const republished = 'sum(increase(order_events_published_total{job="orders",path="republish"}[$window]))';

export default defineScenario({
  title: 'the broker crashes with a backlog: an outbox that waits for the confirmation loses no order, one that trusts XADD does',
  teaches:
    'A broker that acknowledged an event has not delivered it: a crash before the consumer acts on it (without persistence, or with the disk gone) takes it away, and an order marked published at XADD is never confirmed. ' +
    'Counting an event delivered only when the consumer has durably confirmed it, and publishing again what stays unconfirmed past a deadline, turns the loss into a delay; an idempotent consumer keeps the redelivery from counting twice.',
  topology: { catalogReplicas: 1, products: 10_000 },
  variants: {
    'confirmed-outbox': {
      description: 'delivered once the worker confirmed the order in PostgreSQL; unconfirmed events published again after 10 s; the stream trimmed only past what every group acknowledged',
      switches: { orders: { eventDelivery: 'confirmed-outbox' } },
    },
    'published-at-xadd': {
      description: 'delivered when XADD returns; the stream capped at 100k entries (the old behaviour)',
      switches: { orders: { eventDelivery: 'published-at-xadd' } },
    },
  },
  profiles: {
    smoke: { duration: 30, warmup: 3, settle: 3, vars: { RATE } },
    full: { duration: 60, warmup: 5, settle: 3, vars: { RATE } },
  },
  timeline: [
    // the consumer falls behind: events pile up on the stream, published but not yet processed
    { at: '25%', duration: '30%', fault: 'process_stop', target: 'worker' },
    // the broker crashes with that backlog and comes back empty
    {
      at: '40%',
      duration: '5%',
      fault: 'component_kill',
      target: 'redis',
      attributes: { discardData: true },
      visible: { description: "orders' XADDs fail while Redis is down", promql: publishFailures, op: '>', value: 0 },
    },
  ],
  hypotheses: [
    {
      name: 'every acknowledged order is stored (acknowledged − distinct orders stored)',
      measure: { sql: missing },
      expect: { op: '==', value: 0 },
    },
    {
      name: 'no order is stored twice (rows − distinct orders)',
      measure: { sql: duplicated },
      expect: { op: '==', value: 0 },
    },
    {
      name: `confirmed-outbox: every stored order confirmed within ${CONFIRM_BOUND_S} s of its creation (lost = 0)`,
      measure: { sql: lost },
      variants: ['confirmed-outbox'],
      expect: { op: '==', value: 0 },
    },
    {
      name: `published-at-xadd: the crash loses orders for good (at least 10 not confirmed within ${CONFIRM_BOUND_S} s)`,
      measure: { sql: lost },
      variants: ['published-at-xadd'],
      expect: { op: '>=', value: 10 },
    },
    {
      name: 'sales counters equal the quantities of the confirmed orders (no event applied twice)',
      measure: { sql: countedTwice },
      expect: { op: '==', value: 0 },
    },
    {
      name: 'confirmed-outbox: the relay published the lost events again',
      measure: { promql: republished },
      variants: ['confirmed-outbox'],
      expect: { op: '>', value: 0 },
    },
  ],
});
