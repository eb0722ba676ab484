/**
 * What processing an order.created event does: it records the order's confirmation and adds
 * its quantities to per-product sales counters, all in Redis (the worker's only edge), in one
 * script so that a redelivered event changes nothing the second time.
 *
 *   order-confirmation:<orderId>  hash  confirmedAt, consumer, totalCents (see contracts/order-stream.ts)
 *   product-sales                 hash  <productId> -> units sold
 */
import type { Redis } from 'ioredis';
import { orderConfirmationKey, type OrderCreatedEvent } from '../../contracts/order-stream.ts';

export const PRODUCT_SALES_KEY = 'product-sales';

const CONFIRM = `
if redis.call('HSETNX', KEYS[1], 'confirmedAt', ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'consumer', ARGV[2], 'totalCents', ARGV[3])
for i = 4, #ARGV, 2 do redis.call('HINCRBY', KEYS[2], ARGV[i], ARGV[i + 1]) end
return 1`;

/** Confirms the order once: 'confirmed' the first time, 'duplicate' for a redelivery of a processed event. */
export async function confirmOrder(redis: Redis, event: OrderCreatedEvent, consumer: string): Promise<'confirmed' | 'duplicate'> {
  const quantities = event.items.flatMap((item) => [String(item.productId), String(item.quantity)]);
  const result = await redis.eval(CONFIRM, 2, orderConfirmationKey(event.orderId), PRODUCT_SALES_KEY, new Date().toISOString(), consumer, String(event.totalCents), ...quantities);
  return result === 1 ? 'confirmed' : 'duplicate';
}
