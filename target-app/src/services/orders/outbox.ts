/**
 * Puts `order.created` events on the Redis stream. The request path publishes right after the
 * order commits, without making the client wait; a relay loop republishes any order whose event
 * did not get out (Redis faulted, process died): the orders table is the outbox. Delivery is
 * at least once, so the worker's processing is idempotent per order.
 */
import type { Redis } from 'ioredis';
import type { Database, Logger, ServiceMetrics } from '../../platform/index.ts';
import { runWithoutDeadline } from '../../platform/resilience/deadline.ts';
import { encodeOrderEvent, ORDER_STREAM, ORDER_STREAM_MAX_LENGTH } from '../../contracts/order-stream.ts';
import { markPublished, orderCreatedEventOf, unpublishedOrders, type Order } from './store.ts';

export type OutboxOptions = {
  /** How often the relay looks for unpublished orders, ms. */
  relayIntervalMs: number;
  /** An order younger than this is left to the request path, ms. */
  graceMs: number;
  /** Most orders the relay publishes per round. */
  batchSize: number;
};

export class OrderEventOutbox {
  readonly #db: Database;
  readonly #redis: Redis;
  readonly #logger: Logger;
  readonly #options: OutboxOptions;
  readonly #published;
  readonly #failures;
  readonly #pending = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #relaying: Promise<void> | undefined;
  #stopped = false;

  constructor(db: Database, redis: Redis, metrics: ServiceMetrics, logger: Logger, options: OutboxOptions) {
    this.#db = db;
    this.#redis = redis;
    this.#logger = logger;
    this.#options = options;
    this.#published = metrics.counter({ name: 'order_events_published_total', help: 'order.created events put on the stream, by path (request or relay).', labelNames: ['path'] });
    this.#failures = metrics.counter({ name: 'order_event_publish_failures_total', help: 'Attempts to put an order.created event on the stream that failed (the relay retries).' });
    for (const path of ['request', 'relay']) this.#published.inc({ path }, 0);
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
    try {
      const orders = await unpublishedOrders(this.#db, this.#options.graceMs, this.#options.batchSize);
      if (orders.length > 0) await this.#publish(orders, 'relay');
    } catch (error) {
      this.#failures.inc();
      this.#logger.warn({ err: error }, 'outbox relay round failed');
    }
  }

  async #publish(orders: Order[], path: 'request' | 'relay'): Promise<void> {
    const pipeline = this.#redis.pipeline();
    for (const order of orders) pipeline.xadd(ORDER_STREAM, 'MAXLEN', '~', ORDER_STREAM_MAX_LENGTH, '*', ...encodeOrderEvent(orderCreatedEventOf(order)));
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error);
    if (failed || results.length !== orders.length) throw failed?.[0] ?? new Error('Redis did not answer every XADD');
    await markPublished(this.#db, orders.map((order) => order.id));
    this.#published.inc({ path }, orders.length);
  }
}
