/**
 * The catalog's run-time switches (GET/PATCH /admin/config on each instance's admin port).
 * Every field has its default beside it; SWITCHES in the env sets the initial values.
 */
import { z } from 'zod';
import { sheddingSwitches } from '../../platform/resilience/shedding.ts';
import type { CacheSettings } from './cache.ts';

export const catalogSwitches = z.object({
  /** none | naive (cache-aside, fixed TTL) | protected (single flight, lock, SWR, jitter, XFetch). */
  cacheStrategy: z.enum(['none', 'naive', 'protected']).default('protected'),
  /** Fresh life of a cached product, ms. */
  cacheTtlMs: z.number().int().min(1).max(86_400_000).default(30_000),
  /** protected: each TTL spread uniformly by ± this fraction. */
  cacheJitter: z.number().min(0).max(0.9).default(0.1),
  /** protected: XFetch beta for early refresh; 0 turns it off. */
  cacheEarlyRefreshBeta: z.number().min(0).max(100).default(1),
  /** protected: how long past its fresh life a value is still served while one refresh runs, ms; 0 turns SWR off. */
  cacheStaleWindowMs: z.number().int().min(0).max(86_400_000).default(10_000),
  /** protected: life of the cross-instance load lock, ms. */
  cacheLockTtlMs: z.number().int().min(10).max(60_000).default(3_000),
  /** protected: how long an instance without the lock waits for the holder's value before loading itself, ms. */
  cacheLockWaitMs: z.number().int().min(0).max(60_000).default(2_000),
  /** What one product query costs the database beyond its real work (pg_sleep inside the query), ms. */
  dbQueryCostMs: z.number().int().min(0).max(10_000).default(50),
  /** A lab switch, not a feature: a wait added to every GET /products/:id, ms, so the perf gate can prove it catches a slower hot path. */
  hotPathDelayMs: z.number().int().min(0).max(1_000).default(0),
  /** The same lab switch as CPU work: every GET /products/:id busy for this long, µs, so smaller slowdowns than a whole-ms wait can be tried. */
  hotPathSpinUs: z.number().int().min(0).max(100_000).default(0),
  /**
   * A lab switch for the tail: this share of GET /products/:id reads waits hotPathTailDelayMs, so
   * the perf gate can prove it catches a slower p95 that leaves the median where it was. Exactly
   * every 1/share-th read is slowed (a running credit, not a coin), so two runs slow the same share.
   */
  hotPathTailShare: z.number().min(0).max(1).default(0),
  /** The wait of a read hotPathTailShare picks, ms. */
  hotPathTailDelayMs: z.number().int().min(0).max(1_000).default(0),
  /** Load shedding before the body is parsed (off by default): shedding, shedConcurrency, shedQueueTimeoutMs, shedMaxQueue. */
  ...sheddingSwitches,
});

export type CatalogSwitches = z.infer<typeof catalogSwitches>;

export function cacheSettingsOf(switches: CatalogSwitches): CacheSettings {
  return {
    strategy: switches.cacheStrategy,
    ttlMs: switches.cacheTtlMs,
    jitter: switches.cacheJitter,
    earlyRefreshBeta: switches.cacheEarlyRefreshBeta,
    staleWindowMs: switches.cacheStaleWindowMs,
    lockTtlMs: switches.cacheLockTtlMs,
    lockWaitMs: switches.cacheLockWaitMs,
  };
}
