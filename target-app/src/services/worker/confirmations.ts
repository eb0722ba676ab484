/**
 * What processing an order.created event does, once per order however often it is delivered: in
 * one PostgreSQL transaction the order is marked confirmed (only if it was not yet) and, only
 * then, its quantities are added to the per-product sales counters. A redelivery finds the order
 * confirmed and changes nothing; a broker that lost its data cannot take a confirmation with it.
 * Nothing of it is kept in Redis: a key per order there (a mirror of the confirmation, as there
 * once was) grows without end under steady orders, and under `maxmemory` with evictions of
 * expiring keys only it would end up crowding out the order stream itself.
 *
 *   orders.confirmed_at, confirmed_by   the confirmation (orders' GET /orders/:id reads it)
 *   product_sales (product_id, units)   units sold per product
 */
import type { Database } from '../../platform/index.ts';
import { PoisonMessageError, type OrderCreatedEvent } from '../../contracts/order-stream.ts';

/** Confirms the order once: 'confirmed' the first time, 'duplicate' for a redelivery of a processed event. */
export async function confirmOrder(db: Database, event: OrderCreatedEvent, consumer: string): Promise<'confirmed' | 'duplicate'> {
  return db.transaction(async (tx) => {
    const marked = await tx.query<{ id: string }>(
      'UPDATE orders SET confirmed_at = now(), confirmed_by = $2 WHERE id = $1 AND confirmed_at IS NULL RETURNING id',
      [event.orderId, consumer],
      { operation: 'UPDATE', collection: 'orders' },
    );
    if (!marked.rows[0]) {
      const known = await tx.query<{ id: string }>('SELECT id FROM orders WHERE id = $1', [event.orderId], { operation: 'SELECT', collection: 'orders' });
      // An event for an order that is not stored can never be processed: dead-letter it at once.
      if (!known.rows[0]) throw new PoisonMessageError(`order ${event.orderId} is not stored`);
      return 'duplicate' as const;
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
    return 'confirmed' as const;
  });
}
