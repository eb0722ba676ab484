/**
 * What processing an order.created event does, once per order however often it is delivered: in
 * one PostgreSQL transaction the order is marked confirmed (only if it was not yet) and, only
 * then, its quantities are added to the per-product sales counters. A redelivery finds the order
 * confirmed and changes nothing; a broker that lost its data cannot take a confirmation with it.
 * The confirmation is then mirrored into Redis for readers of the stream side:
 *
 *   orders.confirmed_at, confirmed_by   the confirmation (orders' GET /orders/:id reads it)
 *   product_sales (product_id, units)   units sold per product
 *   order-confirmation:<orderId>        Redis hash confirmedAt, consumer, totalCents (contracts/order-stream.ts)
 */
import type { Redis } from 'ioredis';
import type { Database } from '../../platform/index.ts';
import { orderConfirmationKey, PoisonMessageError, type OrderCreatedEvent } from '../../contracts/order-stream.ts';

type Confirmation = { confirmed_at: Date; confirmed_by: string };

/** Confirms the order once: 'confirmed' the first time, 'duplicate' for a redelivery of a processed event. */
export async function confirmOrder(db: Database, redis: Redis, event: OrderCreatedEvent, consumer: string): Promise<'confirmed' | 'duplicate'> {
  const { outcome, confirmation } = await db.transaction(async (tx) => {
    const marked = await tx.query<Confirmation>(
      'UPDATE orders SET confirmed_at = now(), confirmed_by = $2 WHERE id = $1 AND confirmed_at IS NULL RETURNING confirmed_at, confirmed_by',
      [event.orderId, consumer],
      { operation: 'UPDATE', collection: 'orders' },
    );
    const first = marked.rows[0];
    if (!first) {
      const known = await tx.query<Confirmation>('SELECT confirmed_at, confirmed_by FROM orders WHERE id = $1', [event.orderId], { operation: 'SELECT', collection: 'orders' });
      // An event for an order that is not stored can never be processed: dead-letter it at once.
      if (!known.rows[0]) throw new PoisonMessageError(`order ${event.orderId} is not stored`);
      return { outcome: 'duplicate' as const, confirmation: known.rows[0] };
    }
    // The stored row's items, not the event's: the counters follow what was sold. Locked in product order (no deadlock between consumers).
    await tx.query(
      `INSERT INTO product_sales (product_id, units)
       SELECT (item->>'productId')::int, sum((item->>'quantity')::bigint)
         FROM orders, jsonb_array_elements(items) AS item WHERE id = $1
        GROUP BY 1 ORDER BY 1
       ON CONFLICT (product_id) DO UPDATE SET units = product_sales.units + EXCLUDED.units`,
      [event.orderId],
      { operation: 'INSERT', collection: 'product_sales' },
    );
    return { outcome: 'confirmed' as const, confirmation: first };
  });
  // Also after a duplicate: a Redis that came back empty gets the mirror again.
  await redis.hset(orderConfirmationKey(event.orderId), 'confirmedAt', confirmation.confirmed_at.toISOString(), 'consumer', confirmation.confirmed_by, 'totalCents', String(event.totalCents));
  return outcome;
}
