/** Cache: hit ratio, coalesced and stale-served reads, database queries, key expiries. */
import { defineDashboard } from './frame.ts';
import { graph } from './panels.ts';
import { cache } from './queries.ts';

export default defineDashboard({
  uid: 'faultline-cache',
  title: 'Faultline / Cache',
  description: "The catalog's product cache and the database behind it: what a stampede looks like, and what single flight with stale-while-revalidate does to it.",
  main: [cache.hitRatio, cache.dbQueries, cache.coalescedAndStale],
  rows: [
    {
      title: 'Cache',
      panels: [
        graph({ title: 'Hit ratio (hit or stale)', healthy: 'near 100 % on the hot set, with a shallow dip when keys expire.', broken: 'falls to the floor at each expiry: every reader misses at once.', queries: [cache.hitRatio] }),
        graph({ title: 'Lookups by outcome', healthy: 'hits dominate; misses are few and brief.', broken: 'misses spike with every expiry (naive cache-aside).', queries: [cache.lookupsByResult] }),
        graph({ title: 'Coalesced and stale-served reads', healthy: 'with the protected cache: short bursts at each expiry, as readers wait for one load or get the stale value.', broken: 'flat at zero during expiries: nothing absorbs the misses, they all reach the database.', queries: [cache.coalescedAndStale] }),
        graph({ title: 'Cache loads by why (expired key, early refresh, stale)', healthy: 'about one load per hot key per expiry.', broken: 'loads per expiry far above the number of hot keys.', queries: [cache.refreshesByReason] }),
      ],
    },
    {
      title: 'Database',
      panels: [
        graph({ title: 'Database queries per second by table', healthy: 'low and flat; a step of about one query per hot key at each expiry.', broken: 'spikes to hundreds per second at each expiry: the stampede.', queries: [cache.dbQueries] }),
        graph({ title: 'p99 database latency by table', healthy: 'the query cost, flat.', broken: 'climbs during a stampede as queries queue for connections.', queries: [cache.dbP99] }),
        graph({ title: 'Failed cache commands', healthy: 'zero.', broken: 'Redis is faulted: every lookup falls through to the database.', queries: [cache.cacheErrors], width: 24 }),
      ],
    },
  ],
});
