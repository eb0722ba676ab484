/**
 * The one rule for a product id: a positive whole number that fits PostgreSQL's integer
 * (int32), whether it arrives as a path segment or as a JSON number.
 */
import { z } from 'zod';

export const MAX_PRODUCT_ID = 2_147_483_647;

/** A product id as a JSON number. */
export const productIdValue = z.number().int().positive().max(MAX_PRODUCT_ID, `must be at most ${MAX_PRODUCT_ID}`);

/** `{ id }` route params: the id as a path segment, parsed to a number. */
export const productIdParams = z.object({
  id: z.string().regex(/^[1-9][0-9]{0,9}$/, 'must be a positive whole number').transform(Number).pipe(productIdValue),
});
