import pg from 'pg';

export type SeedOptions = {
  /** How many products (ids 1..products). Default 10,000. */
  products?: number;
  /** Reviews per product, what the product query aggregates over. Default 20. */
  reviewsPerProduct?: number;
};

/** Bounds that keep a seed a lab-sized job (the shop holds at least 10,000 products). */
const MAX_PRODUCTS = 1_000_000;
const MAX_REVIEWS_PER_PRODUCT = 200;

/**
 * Fills the catalog with deterministic products and reviews: product i is always the same row,
 * so a test or a scenario can name ids. Idempotent: rows that exist are left as they are.
 */
export async function seed(databaseUrl: string, options: SeedOptions = {}): Promise<{ products: number; reviews: number }> {
  const products = options.products ?? 10_000;
  const reviewsPerProduct = options.reviewsPerProduct ?? 20;
  if (!Number.isInteger(products) || products < 1 || products > MAX_PRODUCTS) {
    throw new RangeError(`seed: products=${products} is out of range: use a whole number from 1 to ${MAX_PRODUCTS}`);
  }
  if (!Number.isInteger(reviewsPerProduct) || reviewsPerProduct < 0 || reviewsPerProduct > MAX_REVIEWS_PER_PRODUCT) {
    throw new RangeError(`seed: reviewsPerProduct=${reviewsPerProduct} is out of range: use 0 to ${MAX_REVIEWS_PER_PRODUCT}`);
  }
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'faultline-seed' });
  await client.connect();
  try {
    await client.query('BEGIN');
    const insertedProducts = await client.query(
      `INSERT INTO products (id, sku, name, description, category, price_cents)
       SELECT g,
              'SKU-' || lpad(g::text, 7, '0'),
              (ARRAY['Sturdy','Compact','Quiet','Bright','Classic','Nimble','Rugged','Silken','Vivid','Modular','Foldable','Smart'])[1 + (g * 7) % 12]
                || ' ' ||
              (ARRAY['Lamp','Kettle','Chair','Backpack','Speaker','Desk','Blender','Tent','Clock','Mug','Shelf','Jacket','Drone','Easel','Grill','Scooter'])[1 + (g * 13) % 16]
                || ' ' || g,
              'Product ' || g || ': deterministic seed data for the Faultline lab.',
              (ARRAY['home','garden','kitchen','office','outdoor','toys','audio','travel'])[1 + g % 8],
              199 + (g * 7919) % 49800
         FROM generate_series(1, $1::int) AS g
       ON CONFLICT (id) DO NOTHING`,
      [products],
    );
    const insertedReviews = await client.query(
      `INSERT INTO reviews (id, product_id, rating, body)
       SELECT p::bigint * ${MAX_REVIEWS_PER_PRODUCT} + k,
              p,
              1 + (p * 31 + k * 17) % 5,
              'Review ' || k || ' of product ' || p
         FROM generate_series(1, $1::int) AS p, generate_series(1, $2::int) AS k
       ON CONFLICT (id) DO NOTHING`,
      [products, reviewsPerProduct],
    );
    await client.query('COMMIT');
    if ((insertedProducts.rowCount ?? 0) > 0 || (insertedReviews.rowCount ?? 0) > 0) {
      await client.query('ANALYZE products, reviews');
    }
    return { products: insertedProducts.rowCount ?? 0, reviews: insertedReviews.rowCount ?? 0 };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}
