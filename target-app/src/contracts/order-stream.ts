/**
 * The order event contract between orders (producer) and worker (consumer), the one module both
 * import: the Redis stream names and the `order.created` event. A stream entry has two fields: `type` and `data` (JSON).
 */
import { z } from 'zod';
import { fieldMap } from '../platform/stream-fields.ts';
import { productIdValue } from '../platform/product-id.ts';

/** The stream orders publishes to and worker's consumer group reads. */
export const ORDER_STREAM = 'orders:events';
/** Where worker moves an entry it could not process within its delivery cap. */
export const ORDER_DEAD_LETTER_STREAM = 'orders:events:dead';
/** Keep the stream bounded (approximate trim on every XADD). */
export const ORDER_STREAM_MAX_LENGTH = 100_000;

export const orderCreatedEvent = z.strictObject({
  type: z.literal('order.created'),
  orderId: z.uuid(),
  customerId: z.string().min(1),
  items: z.array(z.strictObject({ productId: productIdValue, quantity: z.number().int().positive(), priceCents: z.number().int().min(0) })).min(1),
  totalCents: z.number().int().min(0),
  createdAt: z.iso.datetime(),
});

export type OrderCreatedEvent = z.infer<typeof orderCreatedEvent>;

/** Field/value pairs for XADD. */
export function encodeOrderEvent(event: OrderCreatedEvent): string[] {
  return ['type', event.type, 'data', JSON.stringify(event)];
}

export class PoisonMessageError extends Error {
  readonly code = 'ORDERS_ERR_POISON_MESSAGE';
}

/** The event in a stream entry's fields; PoisonMessageError when it cannot be parsed or validated. */
export function decodeOrderEvent(fields: string[]): OrderCreatedEvent {
  const map = fieldMap(fields);
  const data = map.get('data');
  if (data === undefined) throw new PoisonMessageError('the entry has no data field');
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    throw new PoisonMessageError('data is not JSON');
  }
  const result = orderCreatedEvent.safeParse(parsed);
  if (!result.success) throw new PoisonMessageError(`data is not an order.created event: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  if (map.get('type') !== result.data.type) throw new PoisonMessageError(`type field ${map.get('type')} does not match the data`);
  return result.data;
}

