/**
 * The catalog's queries. A product read aggregates its reviews and then holds its database
 * backend for `costMs` (pg_sleep inside the same statement): a cache miss costs a pool
 * connection and a server backend for as long as a scenario dials, without burning the CPU
 * that the load generator shares on a 2-core machine.
 */
import type { Queryable } from '../../platform/index.ts';

export type Product = {
  id: number;
  sku: string;
  name: string;
  description: string;
  category: string;
  priceCents: number;
  reviewCount: number;
  averageRating: number | null;
};

export const productSorts = {
  id: 'p.id ASC',
  '-id': 'p.id DESC',
  name: 'p.name ASC, p.id ASC',
  '-name': 'p.name DESC, p.id DESC',
  price: 'p.price_cents ASC, p.id ASC',
  '-price': 'p.price_cents DESC, p.id DESC',
} as const;

export type ProductSort = keyof typeof productSorts;

export type ProductPage = { items: Product[]; page: number; size: number; sort: ProductSort; total: number };

type ProductRow = {
  id: number;
  sku: string;
  name: string;
  description: string;
  category: string;
  price_cents: number;
  review_count: number;
  average_rating: number | null;
};

const PRODUCT_COLUMNS = `p.id, p.sku, p.name, p.description, p.category, p.price_cents, r.review_count, r.average_rating`;
const REVIEW_AGGREGATE = `CROSS JOIN LATERAL (
    SELECT count(*)::int AS review_count, round(avg(rv.rating), 2)::float8 AS average_rating
      FROM reviews rv WHERE rv.product_id = p.id) r`;

function productOf(row: ProductRow): Product {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    description: row.description,
    category: row.category,
    priceCents: row.price_cents,
    reviewCount: row.review_count,
    averageRating: row.average_rating,
  };
}

/** One product with its review aggregate, or null; the statement costs at least costMs on the server. */
export async function findProduct(db: Queryable, id: number, costMs: number): Promise<Product | null> {
  const result = await db.query<ProductRow>(
    `SELECT ${PRODUCT_COLUMNS}
       FROM products p ${REVIEW_AGGREGATE}
       CROSS JOIN pg_sleep($2::float8 / 1000)
      WHERE p.id = $1`,
    [id, costMs],
    { operation: 'SELECT', collection: 'products' },
  );
  const row = result.rows[0];
  return row ? productOf(row) : null;
}

/** A page of products in the given order, each with its review aggregate, and the catalog's size. */
export async function listProducts(db: Queryable, page: number, size: number, sort: ProductSort): Promise<ProductPage> {
  const [items, count] = await Promise.all([
    db.query<ProductRow>(
      `SELECT ${PRODUCT_COLUMNS}
         FROM (SELECT * FROM products p ORDER BY ${productSorts[sort]} LIMIT $1 OFFSET $2) p ${REVIEW_AGGREGATE}
        ORDER BY ${productSorts[sort]}`,
      [size, (page - 1) * size],
      { operation: 'SELECT', collection: 'products' },
    ),
    db.query<{ total: number }>('SELECT count(*)::int AS total FROM products', [], { operation: 'SELECT', collection: 'products' }),
  ]);
  return { items: items.rows.map(productOf), page, size, sort, total: count.rows[0]?.total ?? 0 };
}
