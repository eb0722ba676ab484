import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { dropDatabase, ensureServicesDatabase } from '../../lab/stack/components/postgres-roles.ts';
import { migrate, seed } from '../src/db/index.ts';
import { createDatabase } from '../src/platform/index.ts';
import { BACKGROUND_STATEMENT_TIMEOUT_MS } from '../src/platform/datastores.ts';
import { startDataLab, type DataLab } from './db-stack.ts';

/**
 * Migration and seed on databases of their own, created empty for each test: the data lab's own
 * database is already migrated and seeded, where a migration lock is never contested and a
 * seed writes nothing.
 */
describe('database schema and seed', () => {
  let stores: DataLab;
  const created: string[] = [];
  beforeAll(async () => {
    stores = await startDataLab();
  });
  afterAll(async () => {
    if (stores) for (const name of created) await dropDatabase(stores.postgres, name);
    await stores?.stop();
  });

  async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return await use(client);
    } finally {
      await client.end();
    }
  }

  /** A new, empty database on the lab's PostgreSQL, set up as the lab sets up its own for the services' role; its URL. */
  async function emptyDatabase(): Promise<string> {
    const name = `faultline_test_${process.pid}_${created.length + 1}`;
    await ensureServicesDatabase(stores.postgres, name);
    created.push(name);
    const url = new URL(stores.databaseUrl);
    url.pathname = `/${name}`;
    return url.toString();
  }

  it('six concurrent migrations of an empty database apply each migration exactly once, and again are a no-op', async () => {
    const url = await emptyDatabase();
    const results = await Promise.all(Array.from({ length: 6 }, () => migrate(url)));
    const applying = results.filter((r) => r.applied.length > 0);
    expect(applying).toHaveLength(1);
    const recorded = await withClient(url, (client) => client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version'));
    expect(applying[0]!.applied).toEqual(recorded.rows.map((r) => r.version));
    expect(await migrate(url)).toEqual({ applied: [] });
  });

  it('seeds at least 10,000 products, the same rows in every database, and seeding again writes nothing', async () => {
    const [first, second] = [await emptyDatabase(), await emptyDatabase()];
    const written = [];
    for (const url of [first, second]) {
      await migrate(url);
      written.push(await seed(url, { products: 10_000 }));
    }
    expect(written[0]!.products).toBeGreaterThanOrEqual(10_000);
    expect(written[1]).toEqual(written[0]);
    expect(await seed(first, { products: 10_000 })).toEqual({ products: 0, reviews: 0 });

    // every column but the insert time, of every row: equal digests mean equal data
    const digest = (url: string) =>
      withClient(url, async (client) => {
        const products = await client.query<{ d: string; n: string }>(`SELECT md5(string_agg(concat_ws('|', id, sku, name, description, category, price_cents), ',' ORDER BY id)) AS d, count(*) AS n FROM products`);
        const reviews = await client.query<{ d: string }>(`SELECT md5(string_agg(concat_ws('|', id, product_id, rating, body), ',' ORDER BY id)) AS d FROM reviews`);
        return { products: products.rows[0]!.d, count: Number(products.rows[0]!.n), reviews: reviews.rows[0]!.d };
      });
    const [a, b] = [await digest(first), await digest(second)];
    expect(a.count).toBeGreaterThanOrEqual(10_000);
    expect(b).toEqual(a);
  });

  it('rejects a seed size out of range with a message naming the fix', async () => {
    await expect(seed(stores.databaseUrl, { products: 0 })).rejects.toThrow(/products=0 is out of range/);
  });

  it('a connection reset while a transaction holds it fails that transaction, not the process', async () => {
    const db = createDatabase(stores.edges.orders.databaseUrl, undefined, { max: 2 });
    try {
      const held = db.transaction(async (tx) => {
        await tx.query('SELECT 1');
        // reset every connection of the edge at once, between two statements of the transaction
        await stores.toxiproxy.addToxic('orders-postgres', { name: 'reset', type: 'reset_peer', stream: 'downstream', toxicity: 1, attributes: { timeout: 0 } });
        await new Promise((resolve) => setTimeout(resolve, 200));
        return await tx.query('SELECT 2');
      });
      await expect(held).rejects.toThrow();
    } finally {
      await stores.toxiproxy.removeToxic('orders-postgres', 'reset').catch(() => {});
    }
    expect((await db.query<{ n: number }>('SELECT 3 AS n')).rows[0]!.n).toBe(3);
    await db.close();
  });

  it('work outside a request is bounded: a statement_timeout by default, and a client-side bound when the connection goes silent', async () => {
    const db = createDatabase(stores.edges.orders.databaseUrl, undefined, { max: 1 });
    try {
      expect((await db.query<{ statement_timeout: string }>('SHOW statement_timeout')).rows[0]!.statement_timeout).toBe(`${BACKGROUND_STATEMENT_TIMEOUT_MS / 1000}s`);
    } finally {
      await db.close();
    }
    const short = createDatabase(stores.edges.orders.databaseUrl, undefined, { max: 1, statementTimeoutMs: 300 });
    try {
      await expect(short.query('SELECT pg_sleep(5)')).rejects.toThrow(/statement timeout/);
      // a connection that answers nothing (its answers swallowed): no cancel can arrive, the client gives up by itself
      await stores.toxiproxy.addToxic('orders-postgres', { name: 'silent', type: 'timeout', stream: 'downstream', toxicity: 1, attributes: { timeout: 0 } });
      const started = Date.now();
      await expect(short.query('SELECT 1')).rejects.toThrow(/read timeout/);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await stores.toxiproxy.removeToxic('orders-postgres', 'silent').catch(() => {});
      await short.close().catch(() => {});
    }
  });
});
