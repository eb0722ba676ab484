import pg from 'pg';

/**
 * The schema, as an ordered list of migrations. A migration is never edited once
 * committed: a change is a new entry, so every lab database converges on the same schema.
 */
const migrations: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'products and reviews',
    sql: `
      CREATE TABLE products (
        id          integer PRIMARY KEY,
        sku         text NOT NULL UNIQUE,
        name        text NOT NULL,
        description text NOT NULL,
        category    text NOT NULL,
        price_cents integer NOT NULL CHECK (price_cents >= 0),
        created_at  timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX products_name_idx ON products (name, id);
      CREATE INDEX products_price_idx ON products (price_cents, id);
      CREATE TABLE reviews (
        id         bigint PRIMARY KEY,
        product_id integer NOT NULL REFERENCES products (id),
        rating     smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
        body       text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX reviews_product_id_idx ON reviews (product_id);
    `,
  },
  {
    version: 2,
    name: 'orders with idempotency keys and an outbox marker',
    sql: `
      CREATE TABLE orders (
        id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        idempotency_key    text UNIQUE,
        request_hash       text,
        customer_id        text NOT NULL,
        items              jsonb NOT NULL,
        total_cents        integer NOT NULL CHECK (total_cents >= 0),
        status             text NOT NULL DEFAULT 'created',
        created_at         timestamptz NOT NULL DEFAULT now(),
        event_published_at timestamptz
      );
      CREATE INDEX orders_unpublished_idx ON orders (created_at) WHERE event_published_at IS NULL;
    `,
  },
  {
    version: 3,
    name: 'idempotency keys scoped per customer',
    sql: `
      ALTER TABLE orders DROP CONSTRAINT orders_idempotency_key_key;
      ALTER TABLE orders ADD CONSTRAINT orders_customer_idempotency_key UNIQUE (customer_id, idempotency_key);
    `,
  },
  {
    version: 4,
    name: "the worker's confirmations and sales counters, durable beside the orders",
    sql: `
      ALTER TABLE orders ADD COLUMN confirmed_at timestamptz, ADD COLUMN confirmed_by text;
      -- Orders from before confirmations were kept counted as delivered once published: keep them so, or the relay would send them all again.
      UPDATE orders SET confirmed_at = event_published_at, confirmed_by = 'before-confirmations' WHERE event_published_at IS NOT NULL;
      CREATE INDEX orders_unconfirmed_idx ON orders (created_at) WHERE confirmed_at IS NULL;
      CREATE TABLE product_sales (
        product_id integer PRIMARY KEY,
        units      bigint NOT NULL CHECK (units >= 0)
      );
    `,
  },
];

/** Any fixed number: it names the lock that serialises concurrent migrate() calls. */
const MIGRATION_LOCK_ID = 4_711_004;

/** Brings the database at databaseUrl up to the latest schema; safe to call again and concurrently. */
export async function migrate(databaseUrl: string): Promise<{ applied: number[] }> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'faultline-migrate' });
  await client.connect();
  const applied: number[] = [];
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_ID]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const doneVersions = new Set(done.rows.map((row) => row.version));
    for (const migration of migrations) {
      if (doneVersions.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      applied.push(migration.version);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
  return { applied };
}
