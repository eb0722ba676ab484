/**
 * catalog: products from PostgreSQL behind a Redis read-through cache whose strategy is a
 * run-time switch. GET /products/:id and GET /products?page=&size=&sort=.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { createDatabase, createRedis, createService, parseParams, parseQuery, ProblemError, type Service } from '../../platform/index.ts';
import { productIdParams } from '../../platform/product-id.ts';
import { ReadThroughCache, type CacheEvents, type CacheResult } from './cache.ts';
import type { CatalogConfig } from './config.ts';

export type { CatalogConfig };
import { findProduct, listProducts, productSorts, type Product, type ProductPage, type ProductSort } from './products.ts';
import { sheddingOptionsOf } from '../../platform/resilience/shedding.ts';
import { cacheSettingsOf, catalogSwitches } from './switches.ts';

import { PAGE_CACHE, PRODUCT_CACHE } from '../../contracts/catalog-cache.ts';
import { CACHE_REQUESTS } from '../../contracts/telemetry.ts';

const listQuery = z.object({
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  size: z.coerce.number().int().min(1).max(100).default(20),
  sort: z.enum(Object.keys(productSorts) as [ProductSort, ...ProductSort[]]).default('id'),
});

export type CatalogService = Service<typeof catalogSwitches>;

export function createApp(config: CatalogConfig): CatalogService {
  const service = createService({ config: config.service, switches: catalogSwitches, shedding: sheddingOptionsOf });
  const db = createDatabase(config.databaseUrl, service.metrics, { max: config.dbPoolSize, maxWaiting: config.dbPoolMaxWaiting, applicationName: config.service.instance });
  // A cache must fail fast: without the offline queue a command on a lost connection fails at once.
  const redis = createRedis(config.redisUrl, { commandTimeout: config.redisCommandTimeoutMs, enableOfflineQueue: false });
  const events = cacheEvents(service);
  const settings = () => cacheSettingsOf(service.switches.current);
  const products = new ReadThroughCache<Product>({ name: PRODUCT_CACHE.keyPrefix, label: PRODUCT_CACHE.label, redis, settings, events });
  const pages = new ReadThroughCache<ProductPage>({ name: PAGE_CACHE.keyPrefix, label: PAGE_CACHE.label, redis, settings, events });

  // hotPathTailShare's running credit: a read that brings it to 1 or more is slowed and spends 1
  let tailCredit = 0;
  service.routes.get('/products/:id', async (req, res) => {
    const { id } = parseParams(productIdParams, req);
    const delayMs = service.switches.current.hotPathDelayMs;
    if (delayMs > 0) await sleep(delayMs);
    const { hotPathTailShare, hotPathTailDelayMs } = service.switches.current;
    tailCredit = hotPathTailShare > 0 ? tailCredit + hotPathTailShare : 0;
    if (tailCredit >= 1) {
      tailCredit -= 1;
      await sleep(hotPathTailDelayMs);
    }
    const spinUntil = performance.now() + service.switches.current.hotPathSpinUs / 1000;
    while (performance.now() < spinUntil) {
      // hotPathSpinUs: the lab's slower code, CPU held on purpose
    }
    const { value, result } = await products.get(id, () => findProduct(db, id, service.switches.current.dbQueryCostMs));
    res.setHeader('X-Cache', result);
    if (value === null) throw new ProblemError('not-found', `product ${id} does not exist`);
    res.json(value);
  });

  service.routes.get('/products', async (req, res) => {
    const { page, size, sort } = parseQuery(listQuery, req);
    const { value, result } = await pages.get(`${sort}:${page}:${size}`, () => listProducts(db, page, size, sort));
    res.setHeader('X-Cache', result);
    res.json(value);
  });

  // Redis is not a readiness check: without it catalog still serves, from the database.
  service.readiness('postgres', () => db.ping());
  service.onClose(async () => {
    await redis.quit().catch(() => redis.disconnect());
    await db.close();
  });
  return service;
}

/** cache_requests_total, cache_refreshes_total and cache_errors_total, every series present from the start. */
function cacheEvents(service: CatalogService): CacheEvents {
  const requests = service.metrics.counter({
    name: CACHE_REQUESTS,
    help: 'Cache lookups by outcome: hit, miss (this request loads), coalesced (waited for another load), stale (served past its fresh life).',
    labelNames: ['cache', 'result'],
  });
  const refreshes = service.metrics.counter({
    name: 'cache_refreshes_total',
    help: 'Loads from the database written to the cache, by why: expired (miss), early (XFetch), stale (stale-while-revalidate).',
    labelNames: ['cache', 'reason'],
  });
  const errors = service.metrics.counter({
    name: 'cache_errors_total',
    help: 'Redis commands of the cache that failed; the request fell through to the database.',
    labelNames: ['cache'],
  });
  const results: Exclude<CacheResult, 'bypass'>[] = ['hit', 'miss', 'coalesced', 'stale'];
  for (const cache of [PRODUCT_CACHE.label, PAGE_CACHE.label]) {
    for (const result of results) requests.inc({ cache, result }, 0);
    for (const reason of ['expired', 'early', 'stale']) refreshes.inc({ cache, reason }, 0);
    errors.inc({ cache }, 0);
  }
  let lastLogged = 0;
  // One line a second at most: a faulted dependency fails every request.
  const warn = (message: string, cache: string, error: unknown) => {
    if (Date.now() - lastLogged < 1_000) return;
    lastLogged = Date.now();
    service.logger.warn({ err: error, cache }, message);
  };
  return {
    request: (cache, result) => requests.inc({ cache, result }),
    refresh: (cache, reason) => refreshes.inc({ cache, reason }),
    redisError(cache, error) {
      errors.inc({ cache });
      warn('cache: Redis failed, falling through to the database', cache, error);
    },
    refreshFailed: (cache, error) => warn('cache: background refresh failed, still serving the cached value', cache, error),
  };
}
