/**
 * cache-stampede: a hot set of products is cached; the timeline makes their TTL run out at once,
 * three times, while readers keep arriving, and later evicts the hot set outright. Naive
 * cache-aside lets every concurrent miss query the database; the protected cache serves the stale
 * value and refreshes each key once (stale-while-revalidate), and when nothing stale is left (the
 * eviction, a cold miss) it lets one reader per key query while the others wait for its answer.
 */
import { grew, quantileOverJudged } from '../../lab/runner/promql.ts';
import { defineScenario } from '../../lab/runner/schema.ts';

/** The hot set: products 1..HOT_KEYS (load.ts reads only these). */
const HOT_KEYS = 20;
/** The hot set's TTL runs out this many times, EVERY seconds apart, while the fault is on. */
const EXPIRIES = 3;
const EVERY = 3;
/** Then the hot set is evicted this many times (deleted: no stale value to serve). */
const EVICTIONS = 1;
/** What one product query costs the database, ms: a miss is expensive, as it is in production. */
const QUERY_COST_MS = 125;

/**
 * The catalog's product lookups over the judged seconds: while it looked products up, a count of
 * queries, misses or coalesced reads with no series is 0; without lookups it is no data.
 */
const lookups = { witness: grew('cache_requests_total{job="catalog",cache="products"}') };
/** Product reads that reached the database over the judged seconds. */
const dbQueries = { promql: grew('db_client_operation_duration_seconds_count{job="catalog",db_collection_name="products"}'), absentMeansZero: lookups };
/** Reads that found nothing usable in the cache and queried the database themselves. */
const cacheMisses = { promql: grew('cache_requests_total{job="catalog",cache="products",result="miss"}'), absentMeansZero: lookups };
/** Reads that waited for another reader's query of the same key instead of querying. */
const coalesced = { promql: grew('cache_requests_total{job="catalog",cache="products",result="coalesced"}'), absentMeansZero: lookups };
/** Client-side p99 as the load engine measured it (native histogram from remote write, k6's name), over the seconds judged. */
const p99 = quantileOverJudged(0.99, 'k6_http_req_duration_seconds{variant="$variant"}');

export default defineScenario({
  title: 'a hot set expires, then is evicted, under load: naive cache-aside stampedes the database, the protected cache queries once per key',
  teaches:
    'When many readers share a few hot keys, the moment their TTL runs out every concurrent reader misses and queries the database at once. ' +
    'Single flight with stale-while-revalidate serves the old value for a moment and refreshes each key once, and on a cold miss lets one reader query while the rest wait for it, so the database sees a constant per key.',
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
    // each variant starts on a flushed cache that load.ts's setup() fills with the hot set before
    // the load begins; the warmup leaves out the engine's and the services' first seconds. The
    // settle margin lets the unprotected stampede's queue drain before recovery is judged: its
    // queries wait up to the pool's 2 s for a connection, and Prometheus's 1 s scrape blurs the
    // window's start: with a 2 s margin, 11 of them once counted as recovery queries (of 5 allowed)
    smoke: { duration: 30, warmup: 6, settle: 4, vars: { RATE: 400, HOT_KEYS } },
    full: { duration: 60, warmup: 8, settle: 4, vars: { RATE: 400, HOT_KEYS } },
  },
  timeline: [
    {
      at: '30%',
      duration: EVERY * (EXPIRIES - 1) + 2,
      fault: 'cache_expire',
      target: 'catalog',
      attributes: { keys: hotKeys(), every: EVERY, mode: 'ttl' },
    },
    {
      // the cold miss: the hot set is deleted, so there is no stale value for anybody to serve; on
      // for 3 s so that its visibility window holds a few scrapes of a catalog busy with the misses;
      // early enough that 3 s of recovery follow the settle margin in the smoke profile's 30 s
      at: '65%',
      duration: 3,
      fault: 'cache_expire',
      target: 'catalog',
      attributes: { keys: hotKeys(), mode: 'evict' },
    },
  ],
  hypotheses: [
    {
      name: 'protected: at most 1.5 database queries per hot key per expiry or eviction',
      measure: dbQueries,
      phase: 'fault',
      variants: ['protected'],
      expect: { op: '<=', value: 1.5 * HOT_KEYS * (EXPIRIES + EVICTIONS) },
    },
    {
      name: 'unprotected: the expiries and the eviction fan out to at least 3 queries per hot key each',
      measure: dbQueries,
      phase: 'fault',
      variants: ['unprotected'],
      expect: { op: '>=', value: 3 * HOT_KEYS * (EXPIRIES + EVICTIONS) },
    },
    {
      // expiries leave a stale value (served, refreshed in the background), so the misses of the
      // protected cache are the eviction's cold misses: one reader per key queries
      name: 'protected: a cold miss queries once per key (at most 1.5 cold misses per hot key per eviction)',
      measure: cacheMisses,
      phase: 'fault',
      variants: ['protected'],
      expect: { op: '<=', value: 1.5 * HOT_KEYS * EVICTIONS },
    },
    {
      name: 'protected: the other cold readers wait for that query (at least one coalesced read per hot key per eviction)',
      measure: coalesced,
      phase: 'fault',
      variants: ['protected'],
      expect: { op: '>=', value: HOT_KEYS * EVICTIONS },
    },
    {
      name: 'protected sends at most a third of the database queries unprotected sends',
      measure: dbQueries,
      phase: 'fault',
      variants: ['protected'],
      expect: { op: '<=', factor: 1 / 3, of: { variant: 'unprotected' } },
    },
    {
      // the first expiry costs the protected cache a short blip (its refreshes run beside the reads
      // on a 2-core machine), and the cold readers of the eviction wait one query: a few times
      // steady state plus one query, against unprotected's tenfold and more
      name: 'protected: p99 during the faults within 6x of steady state plus one query',
      measure: { promql: p99 },
      phase: 'fault',
      variants: ['protected'],
      expect: { op: '<=', factor: 6, of: { phase: 'steady' }, plus: QUERY_COST_MS / 1000 + 0.03 },
    },
    {
      name: 'protected: p99 during the faults at most half of unprotected',
      measure: { promql: p99 },
      phase: 'fault',
      variants: ['protected'],
      expect: { op: '<=', factor: 0.5, of: { variant: 'unprotected' } },
    },
    {
      name: 'after the faults the hot set is served from the cache again (at most 5 queries)',
      measure: dbQueries,
      phase: 'recovery',
      expect: { op: '<=', value: 5 },
    },
    {
      // unprotected reads queue for a database connection in the stampede, and the odd one waits
      // past the pool's 2 s limit and fails (2 of 12,020 on one compose run of about twenty): a
      // cost of the stampede, not a broken run; load.ts's threshold (under 1% failed) judges that
      name: 'protected: no failed requests',
      measure: { k6: 'http_req_failed', stat: 'value' },
      variants: ['protected'],
      expect: { op: '==', value: 0 },
    },
  ],
});

/** The hot set's cache keys, as the catalog names them. */
function hotKeys(): string[] {
  return Array.from({ length: HOT_KEYS }, (_, i) => `product:${i + 1}`);
}
