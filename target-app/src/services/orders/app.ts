/**
 * orders: POST /orders with an optional Idempotency-Key (one row per key, replayed response),
 * GET /orders/:id; every new order's `order.created` event goes to the Redis stream (outbox.ts).
 */
import { z } from 'zod';
import { createDatabase, createRedis, createService, parseBody, parseParams, ProblemError, type Service } from '../../platform/index.ts';
import { idempotencyKey } from '../../platform/idempotency-key.ts';
import { productIdValue } from '../../platform/product-id.ts';
import type { OrdersConfig } from './config.ts';
import { EVENT_DELIVERY, OrderEventOutbox } from './outbox.ts';
import { confirmationOf, findOrder, placeOrder } from './store.ts';
import { sheddingOptionsOf, sheddingSwitches } from '../../platform/resilience/shedding.ts';

export const ordersSwitches = z.object({
  /** on: an Idempotency-Key (scoped to the customer) makes a retried POST replay the first order; off: every POST writes a new order. */
  idempotency: z.boolean().default(true),
  /** confirmed-outbox: an event counts as delivered once the worker confirmed its order durably, and is published again past the deadline until then; published-at-xadd: once XADD returns (the stream capped at 100k). */
  eventDelivery: z.enum(EVENT_DELIVERY).default('confirmed-outbox'),
  /** Load shedding before the body is parsed (off by default): shedding, shedConcurrency, shedQueueTimeoutMs, shedMaxQueue. */
  ...sheddingSwitches,
});

/** Header the gateway sets from the bearer token's subject. */
export const CUSTOMER_HEADER = 'x-customer-id';
const CUSTOMER_ID = /^[\x21-\x7e]{1,200}$/;

const orderBody = z.strictObject({
  items: z.array(z.strictObject({ productId: productIdValue, quantity: z.number().int().min(1).max(100) })).min(1).max(50),
});

const orderParams = z.object({ id: z.uuid('must be an order id (a UUID)') });

export type OrdersService = Service<typeof ordersSwitches>;

export function createApp(config: OrdersConfig): OrdersService {
  const service = createService({ config: config.service, switches: ordersSwitches, shedding: sheddingOptionsOf });
  const db = createDatabase(config.databaseUrl, service.metrics, { max: config.dbPoolSize, maxWaiting: config.dbPoolMaxWaiting, applicationName: config.service.instance });
  // Fail fast without Redis: the outbox relay publishes what could not go out.
  const redis = createRedis(config.redisUrl, { commandTimeout: config.redisCommandTimeoutMs, enableOfflineQueue: false });
  const outbox = new OrderEventOutbox(db, redis, service.metrics, service.logger, config.outbox, () => service.switches.current.eventDelivery);
  const replays = service.metrics.counter({ name: 'idempotent_replays_total', help: 'POST /orders answered with the order an earlier request with the same Idempotency-Key created.' });
  replays.inc(0);

  service.routes.post('/orders', async (req, res) => {
    const key = req.get('idempotency-key');
    if (key !== undefined && !idempotencyKey.safeParse(key).success) {
      throw new ProblemError('malformed-request', 'Idempotency-Key must be 1 to 200 visible ASCII characters');
    }
    const customerId = req.get(CUSTOMER_HEADER) ?? 'anonymous';
    if (!CUSTOMER_ID.test(customerId)) throw new ProblemError('malformed-request', `${CUSTOMER_HEADER} must be 1 to 200 visible ASCII characters`);
    const body = parseBody(orderBody, req);
    const useKey = service.switches.current.idempotency ? key : undefined;
    const { order, replayed } = await placeOrder(db, { customerId, items: body.items }, useKey);
    if (replayed) {
      replays.inc();
      res.setHeader('Idempotent-Replayed', 'true');
    } else {
      outbox.publishSoon(order);
    }
    res.status(201).location(`/orders/${order.id}`).json(order);
  });

  service.routes.get('/orders/:id', async (req, res) => {
    const { id } = parseParams(orderParams, req);
    const customerId = req.get(CUSTOMER_HEADER);
    // An order is served only to its customer: a caller that names none (a direct call past the gateway) gets none.
    if (customerId === undefined) throw new ProblemError('malformed-request', `${CUSTOMER_HEADER} is required: an order is served only to its customer`);
    const order = await findOrder(db, id);
    // Someone else's order is answered as missing, so order ids cannot be probed.
    if (!order || customerId !== order.customerId) throw new ProblemError('not-found', `order ${id} does not exist`);
    // The worker's confirmation is kept beside the order, so it outlives anything Redis loses.
    const confirmedAt = await confirmationOf(db, id);
    res.json(confirmedAt ? { ...order, status: 'confirmed', confirmedAt } : order);
  });

  outbox.start();
  // Redis is not a readiness check: orders are still taken without it (their events wait in the outbox).
  service.readiness('postgres', () => db.ping());
  service.onClose(async () => {
    await outbox.stop();
    await redis.quit().catch(() => redis.disconnect());
    await db.close();
  });
  return service;
}
