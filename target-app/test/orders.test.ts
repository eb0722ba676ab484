import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testServiceConfig } from '../src/platform/index.ts';
import { createApp, type OrdersService } from '../src/services/orders/app.ts';
import { createApp as createWorker } from '../src/services/worker/app.ts';
import { decodeOrderEvent, ORDER_STREAM } from '../src/contracts/order-stream.ts';
import { startDataLab, type DataLab } from './db-stack.ts';
import { scrapeSum } from './metrics-scrape.ts';
import { adminHeaders } from './admin-calls.ts';

type Reply = { status: number; headers: Headers; body: Record<string, unknown> };

describe('orders', () => {
  let lab: DataLab;
  let redis: Redis;
  let db: pg.Client;
  let orders: OrdersService;
  let base: string;
  let admin: string;

  beforeAll(async () => {
    lab = await startDataLab();
    redis = new Redis(lab.redisUrl);
    await redis.del(ORDER_STREAM);
    db = new pg.Client({ connectionString: lab.databaseUrl });
    await db.connect();
    orders = createApp({
      service: testServiceConfig('orders', { instance: 'orders' }),
      databaseUrl: lab.edges.orders.databaseUrl,
      redisUrl: lab.edges.orders.redisUrl,
      dbPoolSize: 10,
      redisCommandTimeoutMs: 1_000,
      outbox: { relayIntervalMs: 100, graceMs: 500, batchSize: 100, confirmDeadlineMs: 60_000 },
    });
    const ports = await orders.listen();
    base = `http://127.0.0.1:${ports.port}`;
    admin = `http://127.0.0.1:${ports.adminPort}`;
  });

  afterAll(async () => {
    await orders?.shutdown();
    await db?.end();
    redis?.disconnect();
    await lab?.stop();
  });

  async function post(body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const response = await fetch(`${base}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
  }

  const rowsWithKey = async (key: string) => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM orders WHERE idempotency_key = $1', [key])).rows[0]?.n);
  const allRows = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM orders')).rows[0]?.n);
  const order = { items: [{ productId: 7, quantity: 2 }, { productId: 8, quantity: 1 }] };
  /** The customer an order posted without x-customer-id belongs to. */
  const asAnonymous = { 'x-customer-id': 'anonymous' };

  it('an order retried ten times with one Idempotency-Key is one row, same response', async () => {
    const key = randomUUID();
    const replies: Reply[] = [];
    for (let i = 0; i < 10; i += 1) replies.push(await post(order, { 'idempotency-key': key }));
    expect(await rowsWithKey(key)).toBe(1);
    expect(replies.map((r) => r.status)).toEqual(Array(10).fill(201));
    for (const reply of replies) expect(reply.body).toEqual(replies[0]!.body);
    expect(replies[0]!.headers.get('idempotent-replayed')).toBeNull();
    expect(replies.slice(1).every((r) => r.headers.get('idempotent-replayed') === 'true')).toBe(true);
    expect(await scrapeSum(base, 'idempotent_replays_total')).toBeGreaterThanOrEqual(9);
  });

  it('ten concurrent requests with one Idempotency-Key write one row and all get the same response', async () => {
    const key = randomUUID();
    const replies = await Promise.all(Array.from({ length: 10 }, () => post(order, { 'idempotency-key': key })));
    expect(await rowsWithKey(key)).toBe(1);
    expect(replies.map((r) => r.status)).toEqual(Array(10).fill(201));
    for (const reply of replies) expect(reply.body).toEqual(replies[0]!.body);
  });

  it('a reused key with another body is rejected with 409 problem+json and nothing is written', async () => {
    const key = randomUUID();
    const first = await post(order, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    const before = await allRows();
    const reused = await post({ items: [{ productId: 9, quantity: 1 }] }, { 'idempotency-key': key });
    expect(reused.status).toBe(409);
    expect(reused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(reused.body.type).toBe('urn:faultline:problem:idempotency-key-reused');
    expect(await allRows()).toBe(before);
  });

  it('idempotency keys are scoped per customer: another customer with the same key gets an order of their own', async () => {
    const key = randomUUID();
    const alice = await post(order, { 'idempotency-key': key, 'x-customer-id': 'alice' });
    const bob = await post({ items: [{ productId: 9, quantity: 1 }] }, { 'idempotency-key': key, 'x-customer-id': 'bob' });
    expect([alice.status, bob.status]).toEqual([201, 201]);
    expect(bob.body.id).not.toBe(alice.body.id);
    expect(bob.body.customerId).toBe('bob');
    expect(bob.headers.get('idempotent-replayed')).toBeNull();
    expect(await rowsWithKey(key)).toBe(2);
    const aliceAgain = await post(order, { 'idempotency-key': key, 'x-customer-id': 'alice' });
    expect(aliceAgain.body.id).toBe(alice.body.id);
    expect(aliceAgain.headers.get('idempotent-replayed')).toBe('true');
  });

  it('sheds before the body is parsed: over capacity, even a malformed body gets 503 with Retry-After', async () => {
    const patch = (switches: Record<string, unknown>) => fetch(`${admin}/admin/config`, { method: 'PATCH', headers: adminHeaders, body: JSON.stringify(switches) });
    expect((await patch({ shedding: 'on', shedConcurrency: 1, shedMaxQueue: 0 })).status).toBe(200);
    await lab.toxiproxy.addToxic('orders-postgres', { name: 'slow', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 300 } });
    try {
      const busy = post(order);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const refused = await post('{"items": [');
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(refused.body.type).toBe('urn:faultline:problem:overloaded');
      expect((await busy).status).toBe(201);
      expect(await scrapeSum(base, 'shed_requests_total', { reason: 'queue_full' })).toBe(1);
    } finally {
      await lab.toxiproxy.removeToxic('orders-postgres', 'slow');
      await patch({ shedding: 'off' });
    }
  });

  it('a write whose deadline passes answers 504 and counts where it ran out', async () => {
    await lab.toxiproxy.addToxic('orders-postgres', { name: 'slow', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 1_000 } });
    try {
      const late = await post(order, { 'x-request-timeout-ms': '300', 'idempotency-key': randomUUID() });
      expect(late.status).toBe(504);
      expect(await scrapeSum(base, 'request_deadline_exceeded_total')).toBeGreaterThanOrEqual(1);
    } finally {
      await lab.toxiproxy.removeToxic('orders-postgres', 'slow');
    }
  });

  it('with idempotency switched off, every retry writes a new order', async () => {
    const patch = await fetch(`${admin}/admin/config`, { method: 'PATCH', headers: adminHeaders, body: '{"idempotency":false}' });
    expect(patch.status).toBe(200);
    try {
      const key = randomUUID();
      const before = await allRows();
      const replies = await Promise.all([1, 2, 3].map(() => post(order, { 'idempotency-key': key })));
      expect(new Set(replies.map((r) => r.body.id)).size).toBe(3);
      expect(await allRows()).toBe(before + 3);
    } finally {
      await fetch(`${admin}/admin/config`, { method: 'PATCH', headers: adminHeaders, body: '{"idempotency":true}' });
    }
  });

  it('publishes order.created to the stream once per new order, priced from the catalog', async () => {
    const key = randomUUID();
    const first = await post(order, { 'idempotency-key': key, 'x-customer-id': 'alice' });
    await post(order, { 'idempotency-key': key, 'x-customer-id': 'alice' });
    const prices = await db.query<{ id: number; price_cents: number }>('SELECT id, price_cents FROM products WHERE id IN (7, 8) ORDER BY id');
    const [p7, p8] = prices.rows.map((row) => row.price_cents);
    expect(first.body.totalCents).toBe(p7! * 2 + p8!);
    const eventsFor = async () => {
      const entries = await redis.xrange(ORDER_STREAM, '-', '+');
      return entries.map(([, fields]) => decodeOrderEvent(fields)).filter((event) => event.orderId === first.body.id);
    };
    await expect.poll(async () => (await eventsFor()).length, { timeout: 5_000 }).toBe(1);
    const [event] = await eventsFor();
    expect(event).toMatchObject({ type: 'order.created', customerId: 'alice', totalCents: first.body.totalCents });
    // Replays publish nothing, and the relay does not republish what the request path published.
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(await eventsFor()).toHaveLength(1);
  });

  it('the outbox relay publishes an order whose event never got out', async () => {
    const inserted = await db.query<{ id: string }>(
      `INSERT INTO orders (customer_id, items, total_cents, created_at)
       VALUES ('bob', '[{"productId":1,"quantity":1,"priceCents":100}]', 100, now() - interval '10 seconds') RETURNING id`,
    );
    const id = inserted.rows[0]!.id;
    await expect
      .poll(async () => (await redis.xrange(ORDER_STREAM, '-', '+')).some(([, fields]) => decodeOrderEvent(fields).orderId === id), { timeout: 5_000 })
      .toBe(true);
    // the relay adds the event, then marks the row: wait for the mark too, not only for the event
    await expect.poll(async () => (await db.query('SELECT 1 FROM orders WHERE id = $1 AND event_published_at IS NOT NULL', [id])).rowCount, { timeout: 5_000 }).toBe(1);
  });

  it('confirmed-outbox publishes again an event still unconfirmed past the deadline; published-at-xadd trusts the XADD', async () => {
    // Orders whose event went out long ago and that no worker confirmed: the broker lost them.
    const lostEvent = async () =>
      (
        await db.query<{ id: string }>(
          `INSERT INTO orders (customer_id, items, total_cents, created_at, event_published_at)
           VALUES ('carol', '[{"productId":2,"quantity":1,"priceCents":100}]', 100, now() - interval '2 minutes', now() - interval '2 minutes') RETURNING id`,
        )
      ).rows[0]!.id;
    const inStream = async (id: string) => (await redis.xrange(ORDER_STREAM, '-', '+')).some(([, fields]) => decodeOrderEvent(fields).orderId === id);
    const republished = await lostEvent();
    await expect.poll(() => inStream(republished), { timeout: 5_000 }).toBe(true);
    // Published again now: the next attempt waits another deadline.
    await expect.poll(async () => (await db.query('SELECT 1 FROM orders WHERE id = $1 AND event_published_at > now() - interval \'1 minute\'', [republished])).rowCount, { timeout: 5_000 }).toBe(1);
    expect(await scrapeSum(base, 'order_events_published_total', { path: 'republish' })).toBeGreaterThanOrEqual(1);

    const patch = await fetch(`${admin}/admin/config`, { method: 'PATCH', headers: adminHeaders, body: JSON.stringify({ eventDelivery: 'published-at-xadd' }) });
    expect(patch.status).toBe(200);
    try {
      const trusted = await lostEvent();
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(await inStream(trusted)).toBe(false);
    } finally {
      await fetch(`${admin}/admin/config`, { method: 'PATCH', headers: adminHeaders, body: JSON.stringify({ eventDelivery: 'confirmed-outbox' }) });
    }
    await db.query("UPDATE orders SET confirmed_at = now() WHERE customer_id = 'carol'");
  });

  it('GET /orders/:id answers the order, confirmed once a real worker consumed its event', async () => {
    const created = await post(order);
    const id = created.body.id as string;
    const location = created.headers.get('location');
    expect(location).toBe(`/orders/${id}`);
    const fetched = await fetch(`${base}${location}`, { headers: asAnonymous });
    expect(fetched.status).toBe(200);
    expect(await fetched.json()).toEqual(created.body);
    expect(created.body.status).not.toBe('confirmed');
    expect((await fetch(`${base}/orders/${id}`, { headers: { 'x-customer-id': 'mallory' } })).status).toBe(404);
    // a direct caller that names no customer gets no order
    const direct = await fetch(`${base}/orders/${id}`);
    expect(direct.status).toBe(400);
    expect(await direct.text()).not.toContain('total');

    // the worker reads the stream orders published to, through its own proxy, as in the lab
    const worker = createWorker({
      service: testServiceConfig('worker', { instance: 'worker-orders-test' }),
      redisUrl: lab.edges.worker.redisUrl,
      databaseUrl: lab.edges.worker.databaseUrl,
      dbPoolSize: 2,
      consumerGroup: `orders-test-${process.pid}`,
      blockMs: 200,
      claimIntervalMs: 100,
      redisCommandTimeoutMs: 1_000,
    });
    await worker.listen();
    try {
      await expect.poll(async () => ((await (await fetch(`${base}/orders/${id}`, { headers: asAnonymous })).json()) as { status: string }).status, { timeout: 10_000 }).toBe('confirmed');
      expect((await db.query('SELECT confirmed_by FROM orders WHERE id = $1', [id])).rows[0]?.confirmed_by).toBe('worker-orders-test');
    } finally {
      await worker.shutdown();
    }
  });

  it('answers bad input with the right status and problem+json, and writes nothing', async () => {
    const before = await allRows();
    const cases: [string, () => Promise<Response>, number][] = [
      ['no body', () => fetch(`${base}/orders`, { method: 'POST' }), 400],
      ['malformed JSON', () => fetch(`${base}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"items": [' }), 400],
      ['no items', () => fetch(`${base}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"items": []}' }), 422],
      ['bad quantity', () => fetch(`${base}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"items": [{"productId": 1, "quantity": 0}]}' }), 422],
      ['unknown field', () => fetch(`${base}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"items": [{"productId": 1, "quantity": 1}], "total": 0}' }), 422],
      ['unknown product', () => fetch(`${base}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"items": [{"productId": 99999999, "quantity": 1}]}' }), 422],
      ['oversized body', () => fetch(`${base}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items: [{ productId: 1, quantity: 1 }], pad: 'x'.repeat(100_000) }) }), 413],
      ['bad Idempotency-Key', () => fetch(`${base}/orders`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': 'k'.repeat(300) }, body: JSON.stringify(order) }), 400],
      ['malformed order id', () => fetch(`${base}/orders/42`), 400],
      ['unknown order id', () => fetch(`${base}/orders/${randomUUID()}`, { headers: asAnonymous }), 404],
    ];
    for (const [what, call, status] of cases) {
      const response = await call();
      expect({ what, status: response.status }).toEqual({ what, status });
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect(await allRows()).toBe(before);
  });
});
