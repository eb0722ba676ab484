/**
 * What the catalog keeps in Redis, published for whoever acts on its cache from outside (the
 * cache_expire fault): the key format, the JSON envelope around every value, and the one way to
 * end a value's fresh life as a TTL running out would. The catalog's own cache reads and writes
 * through these, so a change of format changes both sides at once.
 *
 *   key    `product:<id>` for one product, `product-page:<sort>:<page>:<size>` for a list page
 *   value  `{ "value": <T>, "storedAt": ms, "freshUntil": ms, "computeMs": n }`
 *   TTL    the hard TTL in Redis; past freshUntil and before it the value is stale
 */
import type { Redis } from 'ioredis';

/** Key prefixes: `product:<id>` and `product-page:<sort>:<page>:<size>`. */
export const PRODUCT_CACHE = { keyPrefix: 'product', label: 'products' } as const;
export const PAGE_CACHE = { keyPrefix: 'product-page', label: 'product_pages' } as const;

export type CacheEnvelope<T> = { value: T; storedAt: number; freshUntil: number; computeMs: number };

/** The envelope in a stored string, or undefined when it is not one. */
export function parseEnvelope<T>(raw: string): CacheEnvelope<T> | undefined {
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (parsed && typeof parsed === 'object' && typeof (parsed as { freshUntil?: unknown }).freshUntil === 'number') return parsed as CacheEnvelope<T>;
  } catch {
    // not an envelope
  }
  return undefined;
}

/** A stale window shorter than this is clock rounding between PTTL and freshUntil: no window. */
const MIN_STALE_MS = 100;

/**
 * Ends the fresh life of each key now: an envelope keeps only what is left of its stale window
 * (a cache without one loses the key); anything else is deleted. Returns how many keys existed.
 */
export async function endFreshLife(redis: Redis, keys: string[]): Promise<number> {
  const now = Date.now();
  const read = redis.pipeline();
  for (const key of keys) read.get(key).pttl(key);
  const replies = (await read.exec()) ?? [];
  const write = redis.pipeline();
  let found = 0;
  keys.forEach((key, i) => {
    const raw = replies[2 * i]?.[1] as string | null | undefined;
    const pttl = replies[2 * i + 1]?.[1] as number | undefined;
    if (raw === null || raw === undefined) return;
    found += 1;
    const envelope = parseEnvelope(raw);
    // what is left of the hard TTL beyond the fresh life is the stale window still to serve
    const staleLeft = envelope && pttl !== undefined && pttl > 0 ? pttl - (envelope.freshUntil - now) : 0;
    if (envelope && staleLeft > MIN_STALE_MS) write.set(key, JSON.stringify({ ...envelope, freshUntil: now }), 'PX', Math.round(staleLeft));
    else write.unlink(key);
  });
  await write.exec();
  return found;
}
