import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testServiceConfig } from '../src/platform/index.ts';
import { createApp, type CatalogService } from '../src/services/catalog/app.ts';
import type { CatalogSwitches } from '../src/services/catalog/switches.ts';
import { startDataLab, type DataLab } from './db-stack.ts';
import { scrapeSum } from './metrics-scrape.ts';
import { adminHeaders } from './admin-calls.ts';

type Reply = { status: number; cache: string | null; body: Record<string, unknown> };

describe('catalog', () => {
  let lab: DataLab;
  let redis: Redis;
  const instances: CatalogService[] = [];

  async function startCatalog(instance: string, switches: Partial<CatalogSwitches> = {}): Promise<{ base: string; admin: string; service: CatalogService }> {
    const service = createApp({
      service: testServiceConfig('catalog', { instance, switches }),
      databaseUrl: lab.edges.catalog.databaseUrl,
      redisUrl: lab.edges.catalog.redisUrl,
      dbPoolSize: 10,
      redisCommandTimeoutMs: 1_000,
    });
    instances.push(service);
    const { port, adminPort } = await service.listen();
    return { base: `http://127.0.0.1:${port}`, admin: `http://127.0.0.1:${adminPort}`, service };
  }

  let catalog: { base: string; admin: string };

  beforeAll(async () => {
    lab = await startDataLab();
    redis = new Redis(lab.redisUrl);
    await redis.flushall();
    catalog = await startCatalog('catalog-1');
  });

  afterAll(async () => {
    for (const service of instances) await service.shutdown();
    redis?.disconnect();
    await lab?.stop();
  });

  async function setSwitches(admin: string, switches: Partial<CatalogSwitches>): Promise<void> {
    const response = await fetch(`${admin}/admin/config`, { method: 'PATCH', headers: adminHeaders, body: JSON.stringify(switches) });
    expect(response.status).toBe(200);
  }

  const productQueries = (base: string) => scrapeSum(base, 'db_client_operation_duration_seconds_count', { db_collection_name: 'products' });

  /** The query count once background refreshes of earlier tests have finished (two reads 200 ms apart agree). */
  async function settledQueries(base: string): Promise<number> {
    for (let previous = await productQueries(base); ; ) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const now = await productQueries(base);
      if (now === previous) return now;
      previous = now;
    }
  }

  async function get(base: string, path: string): Promise<Reply> {
    const response = await fetch(`${base}${path}`);
    return { status: response.status, cache: response.headers.get('x-cache'), body: (await response.json()) as Record<string, unknown> };
  }

  const burst = (base: string, path: string, n: number) => Promise.all(Array.from({ length: n }, () => get(base, path)));

  it('with protected, 200 concurrent cold reads for one key cause one database query', async () => {
    await setSwitches(catalog.admin, { cacheStrategy: 'protected', dbQueryCostMs: 200, cacheEarlyRefreshBeta: 0 });
    await redis.del('product:101');
    const before = await settledQueries(catalog.base);
    const replies = await burst(catalog.base, '/products/101', 200);
    expect(await productQueries(catalog.base)).toBe(before + 1);
    expect(replies.every((r) => r.status === 200 && r.body.id === 101)).toBe(true);
    expect(replies.filter((r) => r.cache === 'miss')).toHaveLength(1);
    expect(replies.filter((r) => r.cache === 'coalesced').length).toBeGreaterThan(0);
    expect(await scrapeSum(catalog.base, 'cache_requests_total', { cache: 'products', result: 'coalesced' })).toBeGreaterThan(0);
  });

  it('with naive, 200 concurrent cold reads cause many database queries', async () => {
    await setSwitches(catalog.admin, { cacheStrategy: 'naive', dbQueryCostMs: 20 });
    await redis.del('product:102');
    const before = await productQueries(catalog.base);
    const replies = await burst(catalog.base, '/products/102', 200);
    expect((await productQueries(catalog.base)) - before).toBeGreaterThanOrEqual(50);
    expect(replies.every((r) => r.status === 200 && r.body.id === 102)).toBe(true);
  });

  it('with protected, two instances coalesce their cold reads through the Redis lock', async () => {
    const second = await startCatalog('catalog-2', { cacheStrategy: 'protected', dbQueryCostMs: 200, cacheEarlyRefreshBeta: 0 });
    await setSwitches(catalog.admin, { cacheStrategy: 'protected', dbQueryCostMs: 200, cacheEarlyRefreshBeta: 0 });
    await redis.del('product:103');
    const before = (await settledQueries(catalog.base)) + (await settledQueries(second.base));
    const replies = (await Promise.all([burst(catalog.base, '/products/103', 100), burst(second.base, '/products/103', 100)])).flat();
    const after = (await productQueries(catalog.base)) + (await productQueries(second.base));
    expect(after - before).toBe(1);
    expect(replies.every((r) => r.status === 200 && r.body.id === 103)).toBe(true);
  });

  it('stale-while-revalidate serves the stale value while one refresh runs, then the new one', async () => {
    await setSwitches(catalog.admin, { cacheStrategy: 'protected', cacheTtlMs: 300, cacheJitter: 0, cacheStaleWindowMs: 60_000, cacheEarlyRefreshBeta: 0, dbQueryCostMs: 500 });
    const id = 104;
    await redis.del(`product:${id}`);
    const first = await get(catalog.base, `/products/${id}`);
    expect(first.cache).toBe('miss');
    const db = new pg.Client({ connectionString: lab.databaseUrl });
    await db.connect();
    try {
      await db.query('UPDATE products SET price_cents = price_cents + 1 WHERE id = $1', [id]);
      await new Promise((resolve) => setTimeout(resolve, 400));
      const refreshesBefore = await scrapeSum(catalog.base, 'cache_refreshes_total', { cache: 'products', reason: 'stale' });
      const queriesBefore = await settledQueries(catalog.base);
      // All of these arrive while the one refresh (500 ms in the database) is running.
      const during = await burst(catalog.base, `/products/${id}`, 20);
      expect(during.every((r) => r.cache === 'stale' && r.body.priceCents === first.body.priceCents)).toBe(true);
      await expect.poll(async () => (await get(catalog.base, `/products/${id}`)).body.priceCents, { timeout: 5_000 }).toBe((first.body.priceCents as number) + 1);
      expect(await scrapeSum(catalog.base, 'cache_refreshes_total', { cache: 'products', reason: 'stale' })).toBe(refreshesBefore + 1);
      expect(await productQueries(catalog.base)).toBe(queriesBefore + 1);
    } finally {
      await db.query('UPDATE products SET price_cents = price_cents - 1 WHERE id = $1', [id]);
      await db.end();
    }
  });

  it('with protected, a cold reader that joins a refresh which lost its lock gets the product, never a 404', async () => {
    await setSwitches(catalog.admin, { cacheStrategy: 'protected', cacheTtlMs: 200, cacheJitter: 0, cacheStaleWindowMs: 60_000, cacheEarlyRefreshBeta: 0, cacheLockWaitMs: 300, dbQueryCostMs: 0 });
    const id = 150;
    await redis.del(`product:${id}`, `lock:product:${id}`);
    expect((await get(catalog.base, `/products/${id}`)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Another instance holds the refresh lock (and never stores), and every Redis answer takes 200 ms.
    await redis.set(`lock:product:${id}`, 'another-instance', 'PX', 10_000);
    await lab.toxiproxy.addToxic('catalog-redis', { name: 'slow-redis', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 200 } });
    try {
      const stale = await get(catalog.base, `/products/${id}`);
      expect(stale.cache).toBe('stale');
      // The key is evicted while that reader's background refresh waits on Redis: the next reader is cold and joins it.
      await redis.del(`product:${id}`);
      const cold = await get(catalog.base, `/products/${id}`);
      expect(cold.cache).toBe('coalesced');
      expect(cold.status).toBe(200);
      expect(cold.body.id).toBe(id);
    } finally {
      await lab.toxiproxy.removeToxic('catalog-redis', 'slow-redis');
      await redis.del(`lock:product:${id}`);
    }
  });

  it('stores products as an envelope under product:<id> whose deletion makes the next read a miss', async () => {
    await setSwitches(catalog.admin, { cacheStrategy: 'protected', cacheTtlMs: 30_000, cacheJitter: 0.1, cacheStaleWindowMs: 10_000, dbQueryCostMs: 0 });
    await redis.del('product:105');
    await get(catalog.base, '/products/105');
    const envelope = JSON.parse((await redis.get('product:105')) ?? '{}') as { value: { id: number }; storedAt: number; freshUntil: number; computeMs: number };
    expect(envelope.value.id).toBe(105);
    const fresh = envelope.freshUntil - envelope.storedAt;
    expect(fresh).toBeGreaterThanOrEqual(27_000);
    expect(fresh).toBeLessThanOrEqual(33_000);
    const ttl = await redis.pttl('product:105');
    expect(ttl).toBeGreaterThan(fresh);
    expect((await get(catalog.base, '/products/105')).cache).toBe('hit');
    await redis.del('product:105');
    expect((await get(catalog.base, '/products/105')).cache).toBe('miss');
  });

  it('refreshes early (XFetch) when beta makes expiry look near, and still answers from the cache', async () => {
    await setSwitches(catalog.admin, { cacheStrategy: 'protected', cacheTtlMs: 2_000, cacheJitter: 0, cacheEarlyRefreshBeta: 100, dbQueryCostMs: 50 });
    await redis.del('product:106');
    await get(catalog.base, '/products/106');
    const before = await scrapeSum(catalog.base, 'cache_refreshes_total', { cache: 'products', reason: 'early' });
    // XFetch is random: each hit refreshes with a high probability here, so a few hits make one all but certain.
    for (let i = 0; i < 10; i += 1) expect((await get(catalog.base, '/products/106')).cache).toBe('hit');
    await expect.poll(() => scrapeSum(catalog.base, 'cache_refreshes_total', { cache: 'products', reason: 'early' }), { timeout: 3_000 }).toBeGreaterThan(before);
  });

  it('with none, every read is a database query', async () => {
    await setSwitches(catalog.admin, { cacheStrategy: 'none', dbQueryCostMs: 0 });
    const before = await settledQueries(catalog.base);
    const replies = await burst(catalog.base, '/products/107', 5);
    expect(replies.every((r) => r.cache === 'bypass')).toBe(true);
    expect(await productQueries(catalog.base)).toBe(before + 5);
  });

  // the perf gate's two lab slowdowns of the hot path: a wait (whole ms) and CPU work (µs)
  it.each([
    { name: 'hotPathDelayMs' as const, value: 400, atLeastMs: 400, id: 108 },
    { name: 'hotPathSpinUs' as const, value: 100_000, atLeastMs: 100, id: 109 },
  ])('the $name lab switch holds every product read, even a cache hit, at least that long', async ({ name, value, atLeastMs, id }) => {
    await setSwitches(catalog.admin, { cacheStrategy: 'protected', cacheTtlMs: 30_000, dbQueryCostMs: 0 });
    expect((await get(catalog.base, `/products/${id}`)).status).toBe(200);
    await setSwitches(catalog.admin, { [name]: value });
    try {
      const started = performance.now();
      const reply = await get(catalog.base, `/products/${id}`);
      expect(reply.cache).toBe('hit');
      expect(performance.now() - started).toBeGreaterThanOrEqual(atLeastMs);
    } finally {
      await setSwitches(catalog.admin, { [name]: 0 });
    }
  });

  it('the hotPathTailShare lab switch slows exactly that share of product reads, the others not at all', async () => {
    await setSwitches(catalog.admin, { cacheStrategy: 'protected', cacheTtlMs: 30_000, dbQueryCostMs: 0 });
    expect((await get(catalog.base, '/products/110')).status).toBe(200);
    await setSwitches(catalog.admin, { hotPathTailShare: 0.25, hotPathTailDelayMs: 1_000 });
    try {
      const took: number[] = [];
      for (let i = 0; i < 12; i += 1) {
        const started = performance.now();
        expect((await get(catalog.base, '/products/110')).status).toBe(200);
        took.push(performance.now() - started);
      }
      // one read in four, evenly: 3 of 12 held at least the delay, the rest well under it (a wide
      // margin: on a loaded 2-core machine an ordinary read can take a few hundred ms)
      expect(took.filter((ms) => ms >= 1_000)).toHaveLength(3);
      expect(took.filter((ms) => ms < 500)).toHaveLength(9);
    } finally {
      await setSwitches(catalog.admin, { hotPathTailShare: 0, hotPathTailDelayMs: 0 });
    }
  });

  it('lists products by page, size and sort, cached like single products', async () => {
    await setSwitches(catalog.admin, { cacheStrategy: 'protected', cacheTtlMs: 30_000, dbQueryCostMs: 0 });
    await redis.del('product-page:-price:2:5');
    const first = await get(catalog.base, '/products?page=2&size=5&sort=-price');
    expect(first.status).toBe(200);
    expect(first.cache).toBe('miss');
    const items = first.body.items as { priceCents: number }[];
    expect(items).toHaveLength(5);
    expect(items.map((p) => p.priceCents)).toEqual([...items.map((p) => p.priceCents)].sort((a, b) => b - a));
    expect(first.body.total).toBeGreaterThanOrEqual(10_000);
    expect((await get(catalog.base, '/products?page=2&size=5&sort=-price')).cache).toBe('hit');
  });

  it('answers bad input with the right status and a problem+json body', async () => {
    await setSwitches(catalog.admin, { cacheStrategy: 'protected', dbQueryCostMs: 0 });
    const cases: [string, number][] = [
      ['/products/abc', 400],
      ['/products/0', 400],
      ['/products/1.5', 400],
      ['/products/99999999999', 400],
      ['/products/9999999', 404],
      ['/products?size=1000', 400],
      ['/products?page=0', 400],
      ['/products?sort=rating', 400],
      ['/nowhere', 404],
    ];
    for (const [path, status] of cases) {
      const response = await fetch(`${catalog.base}${path}`);
      expect({ path, status: response.status }).toEqual({ path, status });
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const body = (await response.json()) as { type: string; status: number };
      expect(body.status).toBe(status);
    }
    const bad = await fetch(`${catalog.admin}/admin/config`, { method: 'PATCH', headers: adminHeaders, body: '{"cacheStrategy":"sometimes"}' });
    expect(bad.status).toBe(422);
    expect(((await (await fetch(`${catalog.admin}/admin/config`, { headers: adminHeaders })).json()) as { switches: CatalogSwitches }).switches.cacheStrategy).toBe('protected');
  });

  it('is ready when PostgreSQL answers', async () => {
    const response = await fetch(`${catalog.base}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ checks: { postgres: 'ok' } });
  });

  it('without Redis (its proxy down) still answers from the database, fast, and stays ready', async () => {
    await setSwitches(catalog.admin, { cacheStrategy: 'protected', dbQueryCostMs: 0 });
    await lab.toxiproxy.setEnabled('catalog-redis', false);
    try {
      const errorsBefore = await scrapeSum(catalog.base, 'cache_errors_total', { cache: 'products' });
      const started = performance.now();
      const replies = await Promise.all([1, 2, 3].map(() => get(catalog.base, '/products/108')));
      expect(replies.map((r) => r.status)).toEqual([200, 200, 200]);
      // Fail fast, not after the command timeout: the cache has no offline queue.
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(await scrapeSum(catalog.base, 'cache_errors_total', { cache: 'products' })).toBeGreaterThan(errorsBefore);
      expect((await fetch(`${catalog.base}/readyz`)).status).toBe(200);
    } finally {
      await lab.toxiproxy.setEnabled('catalog-redis', true);
    }
    await expect.poll(async () => (await get(catalog.base, '/products/108')).cache, { timeout: 10_000 }).toBe('hit');
  });
});
