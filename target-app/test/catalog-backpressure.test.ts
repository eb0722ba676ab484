import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testServiceConfig } from '../src/platform/index.ts';
import { createApp, type CatalogService } from '../src/services/catalog/app.ts';
import type { CatalogSwitches } from '../src/services/catalog/switches.ts';
import { startDataLab, type DataLab } from './db-stack.ts';
import { scrapeSum } from './metrics-scrape.ts';

/** The catalog below its edge: the caller's deadline reaches the SQL statement and the Redis call; the pool's queue is bounded. */
describe('catalog backpressure', () => {
  let lab: DataLab;
  let db: pg.Client;
  const instances: CatalogService[] = [];

  async function startCatalog(instance: string, switches: Partial<CatalogSwitches>, pool: { size: number; maxWaiting?: number } = { size: 10 }): Promise<string> {
    const service = createApp({
      service: testServiceConfig('catalog', { instance, switches }),
      databaseUrl: lab.edges.catalog.databaseUrl,
      redisUrl: lab.edges.catalog.redisUrl,
      dbPoolSize: pool.size,
      dbPoolMaxWaiting: pool.maxWaiting,
      redisCommandTimeoutMs: 1_000,
    });
    instances.push(service);
    return `http://127.0.0.1:${(await service.listen()).port}`;
  }

  beforeAll(async () => {
    lab = await startDataLab();
    db = new pg.Client({ connectionString: lab.databaseUrl });
    await db.connect();
  });
  afterEach(async () => {
    await lab.toxiproxy.reset();
  });
  afterAll(async () => {
    for (const service of instances) await service.shutdown();
    await db?.end();
    await lab?.stop();
  });

  const deadlineExceeded = (base: string, stage: string) => scrapeSum(base, 'request_deadline_exceeded_total', { stage });
  const runningSleeps = async (instance: string) =>
    Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1 AND state = 'active' AND query LIKE '%pg_sleep%'`, [instance])).rows[0]?.n);

  it('a read whose deadline passes mid-query answers 504 and PostgreSQL cancels the statement', async () => {
    const base = await startCatalog('catalog-deadline', { cacheStrategy: 'none', dbQueryCostMs: 10_000 });
    const res = await fetch(`${base}/products/11`, { headers: { 'x-request-timeout-ms': '300' } });
    expect(res.status).toBe(504);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    // Cancelled by the server's statement_timeout, not left sleeping for the 10 s the query asked.
    await expect.poll(() => runningSleeps('catalog-deadline'), { timeout: 1_000 }).toBe(0);
    expect(await deadlineExceeded(base, 'db_statement')).toBe(1);
    // The connection that ran the cancelled statement serves the next request.
    const next = await fetch(`${base}/products/11`, { headers: { 'x-request-timeout-ms': '300' } });
    expect(next.status).toBe(504);
  });

  it('a Redis call ends at the deadline instead of the command timeout, and the request is not sent on to PostgreSQL', async () => {
    const base = await startCatalog('catalog-redis-deadline', { cacheStrategy: 'protected', dbQueryCostMs: 0 });
    // Once answered through Redis, the cache's connection is up (it has no offline queue to wait in).
    await expect.poll(async () => (await fetch(`${base}/products/13`)).headers.get('x-cache'), { timeout: 5_000 }).toBe('hit');
    await lab.toxiproxy.addToxic('catalog-redis', { name: 'slow', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 2_000 } });
    const queriesBefore = await scrapeSum(base, 'db_client_operation_duration_seconds_count', { db_collection_name: 'products' });
    const res = await fetch(`${base}/products/12`, { headers: { 'x-request-timeout-ms': '300' } });
    expect(res.status).toBe(504);
    expect(await deadlineExceeded(base, 'redis')).toBe(1);
    expect(await scrapeSum(base, 'db_client_operation_duration_seconds_count', { db_collection_name: 'products' })).toBe(queriesBefore);
  });

  it('a full pool wait queue refuses at once with 503 and Retry-After, and every checkout wait is measured', async () => {
    const base = await startCatalog('catalog-pool', { cacheStrategy: 'none', dbQueryCostMs: 1_000 }, { size: 2, maxWaiting: 2 });
    const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => fetch(`${base}/products/${20 + i}`)));
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 503, 503, 503, 503, 503, 503]);
    for (const refused of replies.filter((r) => r.status === 503)) expect(refused.headers.get('retry-after')).toBe('1');
    expect(await scrapeSum(base, 'db_client_connection_rejections_total', { reason: 'queue_full' })).toBe(6);
    expect(await scrapeSum(base, 'db_client_connection_wait_time_seconds_count')).toBe(4);
  });

  it('sheds before the body is parsed: over capacity, even a malformed request gets 503', async () => {
    const base = await startCatalog('catalog-shed', { cacheStrategy: 'none', dbQueryCostMs: 500, shedding: 'on', shedConcurrency: 1, shedMaxQueue: 0 });
    const busy = fetch(`${base}/products/31`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const refused = await fetch(`${base}/products/31`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"not json' });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect((await busy).status).toBe(200);
    expect(await scrapeSum(base, 'shed_requests_total', { reason: 'queue_full' })).toBe(1);
  });
});
