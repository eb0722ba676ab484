import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { migrate, seed } from '../src/db/index.ts';
import { startDataLab, type DataLab } from './db-stack.ts';

describe('database schema and seed', () => {
  let stores: DataLab;
  beforeAll(async () => {
    stores = await startDataLab();
  });
  afterAll(async () => {
    await stores?.stop();
  });

  it('migrates once and is a no-op when run again, also concurrently', async () => {
    await migrate(stores.databaseUrl);
    const again = await Promise.all([migrate(stores.databaseUrl), migrate(stores.databaseUrl)]);
    expect(again.map((result) => result.applied)).toEqual([[], []]);
  });

  it('seeds at least 10,000 deterministic products and seeding again writes nothing', async () => {
    await seed(stores.databaseUrl, { products: 10_000 });
    const second = await seed(stores.databaseUrl, { products: 10_000 });
    expect(second).toEqual({ products: 0, reviews: 0 });
    const client = new pg.Client({ connectionString: stores.databaseUrl });
    await client.connect();
    try {
      const count = await client.query<{ n: string }>('SELECT count(*) AS n FROM products');
      expect(Number(count.rows[0]?.n)).toBeGreaterThanOrEqual(10_000);
      const product = await client.query('SELECT id, sku, price_cents FROM products WHERE id = 42');
      expect(product.rows[0]).toEqual({ id: 42, sku: 'SKU-0000042', price_cents: 199 + ((42 * 7919) % 49800) });
      const reviews = await client.query<{ n: string }>('SELECT count(*) AS n FROM reviews WHERE product_id = 42');
      expect(Number(reviews.rows[0]?.n)).toBe(20);
    } finally {
      await client.end();
    }
  });

  it('rejects a seed size out of range with a message naming the fix', async () => {
    await expect(seed(stores.databaseUrl, { products: 0 })).rejects.toThrow(/products=0 is out of range/);
  });
});
