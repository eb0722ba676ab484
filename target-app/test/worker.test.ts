import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testServiceConfig } from '../src/platform/index.ts';
import { createApp as createOrders, type OrdersService } from '../src/services/orders/app.ts';
import { encodeOrderEvent, ORDER_DEAD_LETTER_STREAM, ORDER_STREAM, type OrderCreatedEvent } from '../src/contracts/order-stream.ts';
import { createApp, type WorkerService } from '../src/services/worker/app.ts';
import { startDataLab, type DataLab } from './db-stack.ts';
import { scrapeSum } from './metrics-scrape.ts';
import { adminHeaders } from './admin-calls.ts';
import { fieldMap } from '../src/platform/stream-fields.ts';

const GROUP = 'worker';

describe('worker', () => {
  let lab: DataLab;
  let redis: Redis;
  let db: pg.Client;
  let worker: WorkerService;
  let base: string;

  beforeAll(async () => {
    lab = await startDataLab();
    redis = new Redis(lab.redisUrl);
    await redis.del(ORDER_STREAM, ORDER_DEAD_LETTER_STREAM);
    db = new pg.Client({ connectionString: lab.databaseUrl });
    await db.connect();
    worker = createApp({
      service: testServiceConfig('worker', { instance: 'worker-1', switches: { maxDeliveries: 3, claimIdleMs: 200 } }),
      redisUrl: lab.edges.worker.redisUrl,
      databaseUrl: lab.edges.worker.databaseUrl,
      dbPoolSize: 2,
      consumerGroup: GROUP,
      blockMs: 200,
      claimIntervalMs: 100,
      redisCommandTimeoutMs: 1_000,
    });
    base = `http://127.0.0.1:${(await worker.listen()).port}`;
  });

  afterAll(async () => {
    await worker?.shutdown();
    await db?.end();
    redis?.disconnect();
    await lab?.stop();
  });

  function eventOf(orderId: string, items: OrderCreatedEvent['items']): OrderCreatedEvent {
    return { type: 'order.created', orderId, customerId: 'alice', items, totalCents: items.reduce((s, i) => s + i.priceCents * i.quantity, 0), createdAt: new Date().toISOString() };
  }

  /** An order stored as orders stores it (already marked published, so no relay touches it), and its event. */
  async function orderEvent(items: OrderCreatedEvent['items']): Promise<OrderCreatedEvent> {
    const event = eventOf(randomUUID(), items);
    await db.query(`INSERT INTO orders (id, customer_id, items, total_cents, event_published_at) VALUES ($1, 'alice', $2, $3, now())`, [event.orderId, JSON.stringify(items), event.totalCents]);
    return event;
  }

  const unitsSold = async (productId: number) => Number((await db.query<{ units: string }>('SELECT units FROM product_sales WHERE product_id = $1', [productId])).rows[0]?.units ?? 0);
  const confirmedBy = async (orderId: string) => (await db.query<{ confirmed_by: string | null }>('SELECT confirmed_by FROM orders WHERE id = $1', [orderId])).rows[0]?.confirmed_by;

  const pendingCount = async () => Number(((await redis.xpending(ORDER_STREAM, GROUP)) as [number])[0]);

  it('acknowledges the events it processed and confirms each order once', async () => {
    const keysBefore = new Set(await redis.keys('*'));
    const sold = { 5001: await unitsSold(5001), 5002: await unitsSold(5002) };
    const events = [await orderEvent([{ productId: 5001, quantity: 2, priceCents: 100 }]), await orderEvent([{ productId: 5001, quantity: 1, priceCents: 100 }, { productId: 5002, quantity: 3, priceCents: 50 }])];
    for (const event of events) await redis.xadd(ORDER_STREAM, '*', ...encodeOrderEvent(event));
    // The same event again, as the outbox may publish it twice: it changes nothing.
    await redis.xadd(ORDER_STREAM, '*', ...encodeOrderEvent(events[0]!));
    await expect.poll(() => scrapeSum(base, 'stream_messages_handled_total', { outcome: 'duplicate' }), { timeout: 5_000 }).toBe(1);
    await expect.poll(pendingCount, { timeout: 5_000 }).toBe(0);
    for (const event of events) expect(await confirmedBy(event.orderId)).toBe('worker-1');
    // nothing kept in Redis per order: the confirmation lives in PostgreSQL only, so steady orders do not grow Redis
    expect((await redis.keys('*')).filter((key) => !keysBefore.has(key) && key !== ORDER_STREAM && key !== ORDER_DEAD_LETTER_STREAM)).toEqual([]);
    expect({ 5001: await unitsSold(5001), 5002: await unitsSold(5002) }).toEqual({ 5001: sold[5001] + 3, 5002: sold[5002] + 3 });
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
    // A well-formed event whose processing fails every time: the worker's PostgreSQL edge is down.
    const event = await orderEvent([{ productId: 5004, quantity: 1, priceCents: 10 }]);
    await lab.toxiproxy.setEnabled('worker-postgres', false);
    try {
      await redis.xadd(ORDER_STREAM, '*', ...encodeOrderEvent(event));
      await expect.poll(async () => (await redis.xrange(ORDER_DEAD_LETTER_STREAM, '-', '+')).length, { timeout: 10_000 }).toBe(1);
      const [deadEntry] = await redis.xrange(ORDER_DEAD_LETTER_STREAM, '-', '+');
      const fields = deadEntry![1];
      expect(fields[fields.indexOf('deliveries') + 1]).toBe('3');
    } finally {
      await lab.toxiproxy.setEnabled('worker-postgres', true);
    }
    expect(await confirmedBy(event.orderId)).toBeNull();
  });

  it('claims and processes an event that a dead consumer left pending', async () => {
    const event = await orderEvent([{ productId: 5003, quantity: 1, priceCents: 10 }]);
    const before = await scrapeSum(base, 'stream_redeliveries_total', { stream: ORDER_STREAM });
    const ghost = new Redis(lab.redisUrl);
    try {
      // Another consumer of the group takes the event (added and read in one MULTI, so the worker never sees it new) and dies.
      await ghost.multi().xadd(ORDER_STREAM, '*', ...encodeOrderEvent(event)).xreadgroup('GROUP', GROUP, 'ghost', 'COUNT', 100, 'STREAMS', ORDER_STREAM, '>').exec();
    } finally {
      ghost.disconnect();
    }
    await expect.poll(() => confirmedBy(event.orderId), { timeout: 5_000 }).toBe('worker-1');
    expect(await scrapeSum(base, 'stream_redeliveries_total', { stream: ORDER_STREAM })).toBe(before + 1);
    await expect.poll(pendingCount, { timeout: 5_000 }).toBe(0);
  });

  it('is unready while its Redis edge is down and processes what was published meanwhile once it is back', async () => {
    await lab.toxiproxy.setEnabled('worker-redis', false);
    const event = await orderEvent([{ productId: 5005, quantity: 1, priceCents: 10 }]);
    try {
      await redis.xadd(ORDER_STREAM, '*', ...encodeOrderEvent(event));
      await expect.poll(async () => (await fetch(`${base}/readyz`)).status, { timeout: 5_000 }).toBe(503);
      expect(await confirmedBy(event.orderId)).toBeNull();
    } finally {
      await lab.toxiproxy.setEnabled('worker-redis', true);
    }
    await expect.poll(() => confirmedBy(event.orderId), { timeout: 10_000 }).toBe('worker-1');
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });

  it('creates its group again (MKSTREAM) when the stream was deleted under it, without counting a failure', async () => {
    const errors = await scrapeSum(base, 'stream_consumer_errors_total', { stream: ORDER_STREAM });
    await redis.del(ORDER_STREAM);
    // No entry yet: the worker's next read meets NOGROUP and must create the stream and the group itself.
    await expect.poll(async () => (await redis.exists(ORDER_STREAM)) === 1 && ((await redis.xinfo('GROUPS', ORDER_STREAM)) as unknown[]).length > 0, { timeout: 5_000 }).toBe(true);
    const event = await orderEvent([{ productId: 5006, quantity: 1, priceCents: 10 }]);
    await redis.xadd(ORDER_STREAM, '*', ...encodeOrderEvent(event));
    await expect.poll(() => confirmedBy(event.orderId), { timeout: 10_000 }).toBe('worker-1');
    expect(await scrapeSum(base, 'stream_consumer_errors_total', { stream: ORDER_STREAM })).toBe(errors);
  });

  it('a redelivery after Redis lost everything changes no counter', async () => {
    const event = await orderEvent([{ productId: 5007, quantity: 4, priceCents: 10 }]);
    await redis.xadd(ORDER_STREAM, '*', ...encodeOrderEvent(event));
    await expect.poll(() => confirmedBy(event.orderId), { timeout: 5_000 }).toBe('worker-1');
    const sold = await unitsSold(5007);
    const duplicates = await scrapeSum(base, 'stream_messages_handled_total', { outcome: 'duplicate' });
    // The broker comes back empty, and the outbox publishes the event again.
    await redis.del(ORDER_STREAM);
    await redis.xadd(ORDER_STREAM, '*', ...encodeOrderEvent(event));
    await expect.poll(() => scrapeSum(base, 'stream_messages_handled_total', { outcome: 'duplicate' }), { timeout: 10_000 }).toBe(duplicates + 1);
    expect(await unitsSold(5007)).toBe(sold);
    expect(await confirmedBy(event.orderId)).toBe('worker-1');
  });

  it('dead-letters at once an event whose order is not stored', async () => {
    await redis.del(ORDER_DEAD_LETTER_STREAM);
    const event = eventOf(randomUUID(), [{ productId: 5008, quantity: 1, priceCents: 10 }]);
    await redis.xadd(ORDER_STREAM, '*', ...encodeOrderEvent(event));
    await expect.poll(async () => (await redis.xrange(ORDER_DEAD_LETTER_STREAM, '-', '+')).length, { timeout: 5_000 }).toBe(1);
    const [deadEntry] = await redis.xrange(ORDER_DEAD_LETTER_STREAM, '-', '+');
    const dead = Object.fromEntries(fieldMap(deadEntry![1]));
    expect(dead).toMatchObject({ deliveries: '1' });
    expect(dead.error).toMatch(/not stored/);
  });

  it('trims only what every consumer group acknowledged (XTRIM MINID)', async () => {
    await redis.del(ORDER_STREAM);
    await expect.poll(async () => (await redis.exists(ORDER_STREAM)) === 1, { timeout: 5_000 }).toBe(true);
    // A second group that has read nothing yet: the worker's group must not trim what it still owes.
    await redis.xgroup('CREATE', ORDER_STREAM, 'audit', '$');
    try {
      const events: OrderCreatedEvent[] = [];
      for (let i = 0; i < 5; i++) events.push(await orderEvent([{ productId: 5009, quantity: 1, priceCents: 10 }]));
      for (const event of events) await redis.xadd(ORDER_STREAM, '*', ...encodeOrderEvent(event));
      await expect.poll(async () => Promise.all(events.map((e) => confirmedBy(e.orderId))), { timeout: 5_000 }).toEqual(events.map(() => 'worker-1'));
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(await redis.xlen(ORDER_STREAM)).toBe(5);
      // The audit group reads and acknowledges all but the last: everything before the last goes.
      const read = (await redis.xreadgroup('GROUP', 'audit', 'auditor', 'COUNT', 100, 'STREAMS', ORDER_STREAM, '>')) as [string, [string, string[]][]][];
      const ids = read[0]![1].map(([id]) => id);
      await redis.xack(ORDER_STREAM, 'audit', ...ids.slice(0, -1));
      await expect.poll(() => redis.xlen(ORDER_STREAM), { timeout: 5_000 }).toBe(1);
      expect((await redis.xrange(ORDER_STREAM, '-', '+'))[0]![0]).toBe(ids.at(-1));
      expect(await scrapeSum(base, 'stream_trimmed_entries_total', { stream: ORDER_STREAM })).toBeGreaterThanOrEqual(4);
    } finally {
      await redis.xgroup('DESTROY', ORDER_STREAM, 'audit');
    }
  });

  it('confirms an order placed through orders end to end', async () => {
    const orders: OrdersService = createOrders({
      service: testServiceConfig('orders', { instance: 'orders' }),
      databaseUrl: lab.edges.orders.databaseUrl,
      redisUrl: lab.edges.orders.redisUrl,
      dbPoolSize: 4,
      redisCommandTimeoutMs: 1_000,
      outbox: { relayIntervalMs: 200, graceMs: 1_000, batchSize: 100, confirmDeadlineMs: 60_000 },
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
