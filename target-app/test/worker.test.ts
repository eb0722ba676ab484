import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testServiceConfig } from '../src/platform/index.ts';
import { createApp as createOrders, type OrdersService } from '../src/services/orders/app.ts';
import { encodeOrderEvent, ORDER_DEAD_LETTER_STREAM, ORDER_STREAM, orderConfirmationKey, type OrderCreatedEvent } from '../src/contracts/order-stream.ts';
import { createApp, type WorkerService } from '../src/services/worker/app.ts';
import { PRODUCT_SALES_KEY } from '../src/services/worker/confirmations.ts';
import { startDataLab, type DataLab } from './db-stack.ts';
import { scrapeSum } from './metrics-scrape.ts';
import { adminHeaders } from './admin-calls.ts';
import { fieldMap } from '../src/platform/stream-fields.ts';

const GROUP = 'worker';

describe('worker', () => {
  let lab: DataLab;
  let redis: Redis;
  let worker: WorkerService;
  let base: string;

  beforeAll(async () => {
    lab = await startDataLab();
    redis = new Redis(lab.redisUrl);
    await redis.del(ORDER_STREAM, ORDER_DEAD_LETTER_STREAM, PRODUCT_SALES_KEY);
    worker = createApp({
      service: testServiceConfig('worker', { instance: 'worker-1', switches: { maxDeliveries: 3, claimIdleMs: 200 } }),
      redisUrl: lab.edges.worker.redisUrl,
      consumerGroup: GROUP,
      blockMs: 200,
      claimIntervalMs: 100,
      redisCommandTimeoutMs: 1_000,
    });
    base = `http://127.0.0.1:${(await worker.listen()).port}`;
  });

  afterAll(async () => {
    await worker?.shutdown();
    redis?.disconnect();
    await lab?.stop();
  });

  function orderEvent(items: OrderCreatedEvent['items']): OrderCreatedEvent {
    return { type: 'order.created', orderId: randomUUID(), customerId: 'alice', items, totalCents: items.reduce((s, i) => s + i.priceCents * i.quantity, 0), createdAt: new Date().toISOString() };
  }

  const pendingCount = async () => Number(((await redis.xpending(ORDER_STREAM, GROUP)) as [number])[0]);

  it('acknowledges the events it processed and confirms each order once', async () => {
    const events = [orderEvent([{ productId: 5001, quantity: 2, priceCents: 100 }]), orderEvent([{ productId: 5001, quantity: 1, priceCents: 100 }, { productId: 5002, quantity: 3, priceCents: 50 }])];
    for (const event of events) await redis.xadd(ORDER_STREAM, '*', ...encodeOrderEvent(event));
    // The same event again, as the outbox may publish it twice: it changes nothing.
    await redis.xadd(ORDER_STREAM, '*', ...encodeOrderEvent(events[0]!));
    await expect.poll(() => scrapeSum(base, 'stream_messages_handled_total', { outcome: 'duplicate' }), { timeout: 5_000 }).toBe(1);
    await expect.poll(pendingCount, { timeout: 5_000 }).toBe(0);
    for (const event of events) expect(await redis.hget(orderConfirmationKey(event.orderId), 'confirmedAt')).toMatch(/^\d{4}-/);
    expect(await redis.hgetall(PRODUCT_SALES_KEY)).toEqual({ '5001': '3', '5002': '3' });
    expect(await scrapeSum(base, 'stream_messages_handled_total', { outcome: 'confirmed' })).toBe(2);
    await expect.poll(() => scrapeSum(base, 'stream_lag_messages', { stream: ORDER_STREAM, group: GROUP }), { timeout: 5_000 }).toBe(0);
  });

  it('dead-letters a poison message at its first delivery, with its fields and the reason, never retrying it', async () => {
    const redeliveriesBefore = await scrapeSum(base, 'stream_redeliveries_total', { stream: ORDER_STREAM });
    const poisonId = (await redis.xadd(ORDER_STREAM, '*', 'type', 'order.created', 'data', '{not json'))!;
    await expect.poll(async () => (await redis.xrange(ORDER_DEAD_LETTER_STREAM, '-', '+')).length, { timeout: 10_000 }).toBe(1);
    const [deadEntry] = await redis.xrange(ORDER_DEAD_LETTER_STREAM, '-', '+');
    const dead = Object.fromEntries(fieldMap(deadEntry![1]));
    expect(dead).toMatchObject({ sourceStream: ORDER_STREAM, sourceId: poisonId, deliveries: '1', data: '{not json' });
    expect(dead.error).toMatch(/not JSON/);
    expect(await scrapeSum(base, 'dead_letters_total', { stream: ORDER_STREAM })).toBe(1);
    expect(await scrapeSum(base, 'stream_messages_handled_total', { outcome: 'failed' })).toBe(1);
    expect(await scrapeSum(base, 'stream_redeliveries_total', { stream: ORDER_STREAM })).toBe(redeliveriesBefore);
    expect(await pendingCount()).toBe(0);
  });

  it('retries an entry that failed for a transient reason up to the cap before dead-lettering it', async () => {
    await redis.del(ORDER_DEAD_LETTER_STREAM);
    // A well-formed event whose processing fails every time: its confirmation key holds a string, so HSETNX errors.
    const event = orderEvent([{ productId: 5004, quantity: 1, priceCents: 10 }]);
    await redis.set(orderConfirmationKey(event.orderId), 'not a hash');
    try {
      await redis.xadd(ORDER_STREAM, '*', ...encodeOrderEvent(event));
      await expect.poll(async () => (await redis.xrange(ORDER_DEAD_LETTER_STREAM, '-', '+')).length, { timeout: 10_000 }).toBe(1);
      const [deadEntry] = await redis.xrange(ORDER_DEAD_LETTER_STREAM, '-', '+');
      const fields = deadEntry![1];
      expect(fields[fields.indexOf('deliveries') + 1]).toBe('3');
    } finally {
      await redis.del(orderConfirmationKey(event.orderId));
    }
  });

  it('claims and processes an event that a dead consumer left pending', async () => {
    const event = orderEvent([{ productId: 5003, quantity: 1, priceCents: 10 }]);
    const before = await scrapeSum(base, 'stream_redeliveries_total', { stream: ORDER_STREAM });
    const ghost = new Redis(lab.redisUrl);
    try {
      // Another consumer of the group takes the event (added and read in one MULTI, so the worker never sees it new) and dies.
      await ghost.multi().xadd(ORDER_STREAM, '*', ...encodeOrderEvent(event)).xreadgroup('GROUP', GROUP, 'ghost', 'COUNT', 100, 'STREAMS', ORDER_STREAM, '>').exec();
    } finally {
      ghost.disconnect();
    }
    await expect.poll(() => redis.hget(orderConfirmationKey(event.orderId), 'consumer'), { timeout: 5_000 }).toBe('worker-1');
    expect(await scrapeSum(base, 'stream_redeliveries_total', { stream: ORDER_STREAM })).toBe(before + 1);
    await expect.poll(pendingCount, { timeout: 5_000 }).toBe(0);
  });

  it('is unready while its Redis edge is down and processes what was published meanwhile once it is back', async () => {
    await lab.toxiproxy.setEnabled('worker-redis', false);
    const event = orderEvent([{ productId: 5005, quantity: 1, priceCents: 10 }]);
    try {
      await redis.xadd(ORDER_STREAM, '*', ...encodeOrderEvent(event));
      await expect.poll(async () => (await fetch(`${base}/readyz`)).status, { timeout: 5_000 }).toBe(503);
      expect(await redis.exists(orderConfirmationKey(event.orderId))).toBe(0);
    } finally {
      await lab.toxiproxy.setEnabled('worker-redis', true);
    }
    await expect.poll(() => redis.hget(orderConfirmationKey(event.orderId), 'consumer'), { timeout: 10_000 }).toBe('worker-1');
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });

  it('creates its group again when the stream was deleted under it', async () => {
    await redis.del(ORDER_STREAM);
    const event = orderEvent([{ productId: 5006, quantity: 1, priceCents: 10 }]);
    await redis.xadd(ORDER_STREAM, '*', ...encodeOrderEvent(event));
    await expect.poll(() => redis.hget(orderConfirmationKey(event.orderId), 'consumer'), { timeout: 10_000 }).toBe('worker-1');
  });

  it('confirms an order placed through orders end to end', async () => {
    const orders: OrdersService = createOrders({
      service: testServiceConfig('orders', { instance: 'orders' }),
      databaseUrl: lab.edges.orders.databaseUrl,
      redisUrl: lab.edges.orders.redisUrl,
      dbPoolSize: 4,
      redisCommandTimeoutMs: 1_000,
      outbox: { relayIntervalMs: 200, graceMs: 1_000, batchSize: 100 },
    });
    const ordersBase = `http://127.0.0.1:${(await orders.listen()).port}`;
    try {
      const created = await fetch(`${ordersBase}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items: [{ productId: 12, quantity: 1 }] }) });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      await expect.poll(async () => ((await (await fetch(`${ordersBase}/orders/${id}`, { headers: { 'x-customer-id': 'anonymous' } })).json()) as { status: string }).status, { timeout: 5_000 }).toBe('confirmed');
    } finally {
      await orders.shutdown();
    }
  });

  it('is ready while Redis answers and exposes its admin switches', async () => {
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const admin = `http://127.0.0.1:${worker.adminPort}`;
    const bad = await fetch(`${admin}/admin/config`, { method: 'PATCH', headers: adminHeaders, body: '{"maxDeliveries":0}' });
    expect(bad.status).toBe(422);
    const config = (await (await fetch(`${admin}/admin/config`, { headers: adminHeaders })).json()) as { switches: { maxDeliveries: number } };
    expect(config.switches.maxDeliveries).toBe(3);
  });
});
