/**
 * Orders in PostgreSQL. With an idempotency key, one key of one customer is one row (another
 * customer's same key is another order): (customer, key) has a unique constraint, the order is written in one transaction, and a concurrent request with the same
 * key waits on that constraint until the first commits, then replays it. The row is never
 * updated after it is written (apart from the outbox marker and the worker's confirmation, which
 * the order's answer leaves out), so the replayed response, built from the row, is the first response.
 */
import { createHash } from 'node:crypto';
import { ProblemError, type Database, type Queryable } from '../../platform/index.ts';
import type { OrderCreatedEvent } from '../../contracts/order-stream.ts';

export type OrderItem = { productId: number; quantity: number; priceCents: number };

export type Order = {
  id: string;
  customerId: string;
  items: OrderItem[];
  totalCents: number;
  status: string;
  createdAt: string;
};

export type OrderRequest = { customerId: string; items: { productId: number; quantity: number }[] };

type OrderRow = {
  id: string;
  customer_id: string;
  items: OrderItem[];
  total_cents: number;
  status: string;
  created_at: Date;
  request_hash: string | null;
};

const ORDER_COLUMNS = 'id, customer_id, items, total_cents, status, created_at, request_hash';

function orderOf(row: OrderRow): Order {
  return {
    id: row.id,
    customerId: row.customer_id,
    // jsonb reorders keys; answer them in the order the API documents.
    items: row.items.map((item) => ({ productId: item.productId, quantity: item.quantity, priceCents: item.priceCents })),
    totalCents: row.total_cents,
    status: row.status,
    createdAt: row.created_at.toISOString(),
  };
}

export function orderCreatedEventOf(order: Order): OrderCreatedEvent {
  return { type: 'order.created', orderId: order.id, customerId: order.customerId, items: order.items, totalCents: order.totalCents, createdAt: order.createdAt };
}

/** A fingerprint of what was asked, to tell a replay from a reused key. */
export function requestHashOf(request: OrderRequest): string {
  return createHash('sha256').update(JSON.stringify({ customerId: request.customerId, items: request.items })).digest('hex');
}

/**
 * Writes the order, or with an idempotency key replays the order already written for it.
 * Throws ProblemError: 422 for an unknown product, 409 for a key reused with another request.
 */
export async function placeOrder(db: Database, request: OrderRequest, idempotencyKey: string | undefined): Promise<{ order: Order; replayed: boolean }> {
  const requestHash = idempotencyKey ? requestHashOf(request) : null;
  return await db.transaction(async (tx) => {
    if (idempotencyKey) {
      const earlier = await findByKey(tx, request.customerId, idempotencyKey);
      if (earlier) return replay(earlier, requestHash, idempotencyKey);
    }
    const items = await pricedItems(tx, request.items);
    const total = items.reduce((sum, item) => sum + item.priceCents * item.quantity, 0);
    const inserted = await tx.query<OrderRow>(
      `INSERT INTO orders (idempotency_key, request_hash, customer_id, items, total_cents)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (customer_id, idempotency_key) DO NOTHING
       RETURNING ${ORDER_COLUMNS}`,
      [idempotencyKey ?? null, requestHash, request.customerId, JSON.stringify(items), total],
      { operation: 'INSERT', collection: 'orders' },
    );
    const row = inserted.rows[0];
    if (row) return { order: orderOf(row), replayed: false };
    // A concurrent request with the same key committed first: the insert waited for it.
    const winner = await findByKey(tx, request.customerId, idempotencyKey!);
    if (!winner) throw new ProblemError('idempotency-key-in-flight', 'retry the request');
    return replay(winner, requestHash, idempotencyKey!);
  });
}

function replay(row: OrderRow, requestHash: string | null, key: string): { order: Order; replayed: boolean } {
  if (row.request_hash !== requestHash) {
    throw new ProblemError('idempotency-key-reused', `Idempotency-Key ${key} was first used with a different request; use a new key for a new order`);
  }
  return { order: orderOf(row), replayed: true };
}

async function findByKey(db: Queryable, customerId: string, key: string): Promise<OrderRow | undefined> {
  const result = await db.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE customer_id = $1 AND idempotency_key = $2`, [customerId, key], {
    operation: 'SELECT',
    collection: 'orders',
  });
  return result.rows[0];
}

async function pricedItems(db: Queryable, items: OrderRequest['items']): Promise<OrderItem[]> {
  const ids = [...new Set(items.map((item) => item.productId))];
  const result = await db.query<{ id: number; price_cents: number }>('SELECT id, price_cents FROM products WHERE id = ANY($1::int[])', [ids], {
    operation: 'SELECT',
    collection: 'products',
  });
  const prices = new Map(result.rows.map((row) => [row.id, row.price_cents]));
  const unknown = ids.filter((id) => !prices.has(id));
  if (unknown.length > 0) {
    throw new ProblemError('invalid-body', `no such product: ${unknown.join(', ')}`, { extensions: { errors: unknown.map((id) => ({ path: 'items.productId', message: `no product ${id}` })) } });
  }
  return items.map((item) => ({ productId: item.productId, quantity: item.quantity, priceCents: prices.get(item.productId)! }));
}

export async function findOrder(db: Queryable, id: string): Promise<Order | undefined> {
  const result = await db.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1`, [id], { operation: 'SELECT', collection: 'orders' });
  const row = result.rows[0];
  return row ? orderOf(row) : undefined;
}

/** When the worker confirmed the order (orders.confirmed_at), if it did. */
export async function confirmationOf(db: Queryable, id: string): Promise<string | undefined> {
  const result = await db.query<{ confirmed_at: Date | null }>('SELECT confirmed_at FROM orders WHERE id = $1', [id], { operation: 'SELECT', collection: 'orders' });
  return result.rows[0]?.confirmed_at?.toISOString();
}

/** Orders whose event is not yet in the stream and older than graceMs (the request path is still publishing younger ones). */
export async function unpublishedOrders(db: Queryable, graceMs: number, limit: number): Promise<Order[]> {
  const result = await db.query<OrderRow>(
    `SELECT ${ORDER_COLUMNS} FROM orders
      WHERE event_published_at IS NULL AND created_at < now() - make_interval(secs => $1::float8 / 1000)
      ORDER BY created_at LIMIT $2`,
    [graceMs, limit],
    { operation: 'SELECT', collection: 'orders' },
  );
  return result.rows.map(orderOf);
}

/**
 * Orders the worker has not confirmed whose event is due: never published and older than graceMs,
 * or published more than deadlineMs ago (the broker may have lost it). `republish` tells the two apart.
 */
export async function undeliveredOrders(db: Queryable, graceMs: number, deadlineMs: number, limit: number): Promise<(Order & { republish: boolean })[]> {
  const result = await db.query<OrderRow & { republish: boolean }>(
    `SELECT ${ORDER_COLUMNS}, event_published_at IS NOT NULL AS republish FROM orders
      WHERE confirmed_at IS NULL
        AND (event_published_at IS NULL AND created_at < now() - make_interval(secs => $1::float8 / 1000)
          OR event_published_at < now() - make_interval(secs => $2::float8 / 1000))
      ORDER BY created_at LIMIT $3`,
    [graceMs, deadlineMs, limit],
    { operation: 'SELECT', collection: 'orders' },
  );
  return result.rows.map((row) => ({ ...orderOf(row), republish: row.republish }));
}

export async function markPublished(db: Queryable, ids: string[]): Promise<void> {
  await db.query('UPDATE orders SET event_published_at = now() WHERE id = ANY($1::uuid[])', [ids], { operation: 'UPDATE', collection: 'orders' });
}
