/**
 * Expires cached keys in Redis at once (and again every `every` seconds while the fault is on):
 * the moment a hot set's TTL runs out under load, which is what a cache stampede needs.
 *
 * mode `ttl` (default) is the TTL running out now, done the way the catalog publishes it
 * (target-app/src/contracts/catalog-cache.ts): a value keeps only what is left of its stale
 * window. mode `evict` deletes every key: a cold miss for any cache.
 */
import { Redis } from 'ioredis';
import { z } from 'zod';
import { LabError } from '../../errors/lab-error.ts';
import { endFreshLife } from '../../target-app/src/contracts/catalog-cache.ts';
import { CACHE_REQUESTS } from '../../target-app/src/contracts/telemetry.ts';
import { defineFault } from '../fault.ts';
import { grew } from '../counter-growth.ts';

const attributes = z
  .strictObject({
    /** Exact keys to expire, e.g. product:1 .. product:20. */
    keys: z.array(z.string().min(1)).min(1).optional(),
    /** Or a glob of keys to expire (Redis SCAN MATCH), e.g. product:*. */
    match: z.string().min(1).optional(),
    /** Expire again every this many seconds while the fault is on (default: once, at the start). */
    every: z.number().positive().optional(),
    /** ttl: the fresh life ends now, a stale window is kept (default); evict: the keys are deleted. */
    mode: z.enum(['ttl', 'evict']).default('ttl'),
  })
  .refine((a) => (a.keys === undefined) !== (a.match === undefined), { message: 'give exactly one of keys or match' });

export const cacheExpire = defineFault({
  type: 'cache_expire',
  summary: 'expire cached keys in Redis (keys or match), once or every N s while on',
  target: 'cache',
  attributes,
  async apply(ctx, target, a) {
    if (!ctx.redis) throw new LabError('CHAOS_ERR_NO_REDIS', `cache_expire on ${target}: the run has no Redis address`);
    const redis = new Redis({ ...ctx.redis, lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    await redis.connect().catch((error: Error) => {
      throw new LabError('CHAOS_ERR_REDIS', `cache_expire on ${target}: cannot reach Redis at ${ctx.redis!.host}:${ctx.redis!.port} (${error.message})`);
    });
    const detail = { expired: 0, rounds: 0, errors: 0 };
    const expireOnce = async () => {
      const keys = a.keys ?? (await scanKeys(redis, a.match!));
      detail.rounds += 1;
      if (keys.length > 0) detail.expired += a.mode === 'evict' ? await redis.unlink(...keys) : await endFreshLife(redis, keys);
    };
    await expireOnce();
    let timer: NodeJS.Timeout | undefined;
    if (a.every !== undefined) {
      timer = setInterval(() => {
        expireOnce().catch(() => {
          detail.errors += 1;
        });
      }, a.every * 1000);
    }
    return {
      detail,
      noEffect: () => (detail.expired === 0 ? `no key matched ${a.keys ? a.keys.slice(0, 3).join(', ') : a.match}: nothing was cached to expire` : undefined),
      revert: async () => {
        clearInterval(timer);
        redis.disconnect();
      },
    };
  },
  visibility: (target) => ({
    description: `${target} stops finding fresh values in its cache`,
    promql: grew(`${CACHE_REQUESTS}{job="${target}",result!="hit"}`),
    op: '>',
    value: 0,
  }),
});

async function scanKeys(redis: Redis, match: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  // Bounded: SCAN visits each key a bounded number of times and ends at cursor 0.
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}
