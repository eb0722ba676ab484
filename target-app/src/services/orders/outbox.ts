/**
 * Puts `order.created` events on the Redis stream. The request path publishes right after the
 * order commits, without making the client wait; a relay loop publishes any order whose event
 * did not get out (Redis faulted, process died): the orders table is the outbox. Delivery is
 * at least once, so the worker's processing is idempotent per order.
 *
 * When is an event delivered? Two answers, the switch `eventDelivery`:
 * - `confirmed-outbox`: only once the worker confirmed the order durably (orders.confirmed_at).
 *   An event published deadlineMs ago whose order is still unconfirmed is published again: a
 *   broker that lost it (a crash without persistence, a host gone with its disk) delays the
 *   order, it cannot lose it. The stream is never trimmed here; the worker trims what every
 *   consumer group acknowledged.
 * - `published-at-xadd`: as soon as XADD returns, and the stream is capped at
 *   ORDER_STREAM_MAX_LENGTH: what the broker then loses, or the cap trims unread, is gone.
 */
import type { Redis } from 'ioredis';
import type { Database, Logger, ServiceMetrics } from '../../platform/index.ts';
import { runWithoutDeadline } from '../../platform/resilience/deadline.ts';
import { encodeOrderEvent, ORDER_STREAM, ORDER_STREAM_MAX_LENGTH } from '../../contracts/order-stream.ts';
import { markPublished, orderCreatedEventOf, undeliveredOrders, unpublishedOrders, type Order } from './store.ts';

export const EVENT_DELIVERY = ['confirmed-outbox', 'published-at-xadd'] as const;
export type EventDelivery = (typeof EVENT_DELIVERY)[number];

type PublishPath = 'request' | 'relay' | 'republish';

export type OutboxOptions = {
  /** How often the relay looks for unpublished orders, ms. */
  relayIntervalMs: number;
  /** An order younger than this is left to the request path, ms. */
  graceMs: number;
  /** Most orders the relay publishes per round. */
  batchSize: number;
  /** confirmed-outbox: an event published this long ago whose order is unconfirmed is published again, ms. */
  confirmDeadlineMs: number;
};

export class OrderEventOutbox {
  readonly #db: Database;
  readonly #redis: Redis;
  readonly #logger: Logger;
  readonly #options: OutboxOptions;
  readonly #delivery: () => EventDelivery;
  readonly #published;
  readonly #failures;
  readonly #pending = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #relaying: Promise<void> | undefined;
  #stopped = false;

  constructor(db: Database, redis: Redis, metrics: ServiceMetrics, logger: Logger, options: OutboxOptions, delivery: () => EventDelivery) {
    this.#db = db;
    this.#delivery = delivery;
    this.#redis = redis;
    this.#logger = logger;
    this.#options = options;
    this.#published = metrics.counter({ name: 'order_events_published_total', help: 'order.created events put on the stream, by path: request, relay (never got out), republish (out, unconfirmed past the deadline).', labelNames: ['path'] });
    this.#failures = metrics.counter({ name: 'order_event_publish_failures_total', help: 'Attempts to put an order.created event on the stream that failed (the relay retries).' });
    for (const path of ['request', 'relay', 'republish']) this.#published.inc({ path }, 0);
  }

  /** Publishes in the background, outside the request's deadline (it outlives the answer); a failure is left to the relay. */
  publishSoon(order: Order): void {
    const attempt = runWithoutDeadline(() => this.#publish([order], 'request')).catch((error: unknown) => {
      this.#failures.inc();
      this.#logger.warn({ err: error, orderId: order.id }, 'order event not published; the relay will retry');
    });
    this.#pending.add(attempt);
    void attempt.finally(() => this.#pending.delete(attempt));
  }

  start(): void {
    const tick = () => {
      this.#relaying = this.#relay().finally(() => {
        this.#relaying = undefined;
        if (!this.#stopped) this.#timer = setTimeout(tick, this.#options.relayIntervalMs);
      });
    };
    this.#timer = setTimeout(tick, this.#options.relayIntervalMs);
  }

  /** Stops the relay and waits for publications in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await Promise.allSettled([...this.#pending, this.#relaying]);
  }

  async #relay(): Promise<void> {
    const { graceMs, confirmDeadlineMs, batchSize } = this.#options;
    try {
      if (this.#delivery() === 'published-at-xadd') {
        const orders = await unpublishedOrders(this.#db, graceMs, batchSize);
        if (orders.length > 0) await this.#publish(orders, 'relay');
        return;
      }
      const due = await undeliveredOrders(this.#db, graceMs, confirmDeadlineMs, batchSize);
      const republish = due.filter((order) => order.republish);
      if (republish.length > 0) this.#logger.warn({ orders: republish.length, deadlineMs: confirmDeadlineMs }, 'orders unconfirmed past the deadline: publishing their events again');
      for (const [orders, path] of [[due.filter((order) => !order.republish), 'relay'], [republish, 'republish']] as const) {
        if (orders.length > 0) await this.#publish(orders, path);
      }
    } catch (error) {
      this.#failures.inc();
      this.#logger.warn({ err: error }, 'outbox relay round failed');
    }
  }

  async #publish(orders: Order[], path: PublishPath): Promise<void> {
    const capped = this.#delivery() === 'published-at-xadd';
    const pipeline = this.#redis.pipeline();
    for (const order of orders) {
      const fields = encodeOrderEvent(orderCreatedEventOf(order));
      if (capped) pipeline.xadd(ORDER_STREAM, 'MAXLEN', '~', ORDER_STREAM_MAX_LENGTH, '*', ...fields);
      else pipeline.xadd(ORDER_STREAM, '*', ...fields);
    }
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error);
    if (failed || results.length !== orders.length) throw failed?.[0] ?? new Error('Redis did not answer every XADD');
    await markPublished(this.#db, orders.map((order) => order.id));
    this.#published.inc({ path }, orders.length);
  }
}
