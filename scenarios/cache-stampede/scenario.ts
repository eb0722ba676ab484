/**
 * cache-stampede: a hot set of products is cached; the timeline makes their TTL run out at once,
 * three times, while readers keep arriving. Naive cache-aside lets every concurrent miss query the
 * database; the protected cache serves the stale value and refreshes each key once.
 */
import { defineScenario } from '../../lab/runner/schema.ts';

/** The hot set: products 1..HOT_KEYS (load.ts reads only these). */
const HOT_KEYS = 20;
/** The hot set's TTL runs out this many times, EVERY seconds apart, while the fault is on. */
const EXPIRIES = 3;
const EVERY = 3;
/** What one product query costs the database, ms: a miss is expensive, as it is in production. */
const QUERY_COST_MS = 125;

/** Product reads that reached the database over the window. */
const dbQueries = 'sum(increase(db_client_operation_duration_seconds_count{job="catalog",db_collection_name="products"}[$window])) or vector(0)';
/** Client-side p99 as the load engine measured it (native histogram from remote write, k6's name). */
const p99 = 'histogram_quantile(0.99, sum(rate(k6_http_req_duration_seconds{variant="$variant"}[$window])))';

export default defineScenario({
  title: 'a hot set expires under load: naive cache-aside stampedes the database, the protected cache refreshes once',
  teaches:
    'When many readers share a few hot keys, the moment their TTL runs out every concurrent reader misses and queries the database at once. ' +
    'Single flight with stale-while-revalidate serves the old value for a moment and refreshes each key once, so the database sees a constant per key.',
  topology: {
    catalogReplicas: 1,
    config: {
      // only the fault expires the hot set: its own TTL outlives the run
      catalog: { cacheTtlMs: 600_000, cacheStaleWindowMs: 30_000, dbQueryCostMs: QUERY_COST_MS },
      // this scenario is about the cache: the gateway waits for the catalog rather than failing over
      gateway: { catalogTimeoutMs: 10_000, failover: 'off', retries: 'none' },
    },
    products: 10_000,
  },
  variants: {
    unprotected: { description: 'naive cache-aside: every concurrent miss queries the database', switches: { catalog: { cacheStrategy: 'naive' } } },
    protected: { description: 'single flight, lock, stale-while-revalidate, TTL jitter, early refresh', switches: { catalog: { cacheStrategy: 'protected' } } },
  },
  profiles: {
    smoke: { duration: 20, warmup: 3, settle: 2, vars: { RATE: 400, HOT_KEYS } },
    full: { duration: 60, warmup: 5, settle: 3, vars: { RATE: 400, HOT_KEYS } },
  },
  timeline: [
    {
      at: '35%',
      duration: EVERY * (EXPIRIES - 1) + 2,
      fault: 'cache_expire',
      target: 'catalog',
      attributes: { keys: Array.from({ length: HOT_KEYS }, (_, i) => `product:${i + 1}`), every: EVERY, mode: 'ttl' },
    },
  ],
  hypotheses: [
    {
      name: 'protected: at most 1.5 database queries per hot key per expiry',
      measure: { promql: dbQueries },
      phase: 'fault',
      variants: ['protected'],
      expect: { op: '<=', value: 1.5 * HOT_KEYS * EXPIRIES },
    },
    {
      name: 'unprotected: the expiries fan out to at least 3 queries per hot key per expiry',
      measure: { promql: dbQueries },
      phase: 'fault',
      variants: ['unprotected'],
      expect: { op: '>=', value: 3 * HOT_KEYS * EXPIRIES },
    },
    {
      name: 'protected sends at most a third of the database queries unprotected sends',
      measure: { promql: dbQueries },
      phase: 'fault',
      variants: ['protected'],
      expect: { op: '<=', factor: 1 / 3, of: { variant: 'unprotected' } },
    },
    {
      // the first expiry costs the protected cache a short blip (its refreshes run beside the reads
      // on a 2-core machine): a few times steady state, against unprotected's tenfold and more
      name: 'protected: p99 during the expiries within 6x of steady state (+30 ms)',
      measure: { promql: p99 },
      phase: 'fault',
      variants: ['protected'],
      expect: { op: '<=', factor: 6, of: { phase: 'steady' }, plus: 0.03 },
    },
    {
      name: 'protected: p99 during the expiries at most half of unprotected',
      measure: { promql: p99 },
      phase: 'fault',
      variants: ['protected'],
      expect: { op: '<=', factor: 0.5, of: { variant: 'unprotected' } },
    },
    {
      name: 'after the expiries the hot set is served from the cache again (at most 5 queries)',
      measure: { promql: dbQueries },
      phase: 'recovery',
      expect: { op: '<=', value: 5 },
    },
    {
      name: 'no failed requests',
      measure: { k6: 'http_req_failed', stat: 'value' },
      expect: { op: '==', value: 0 },
    },
  ],
});
