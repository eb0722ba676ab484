/** The one rule for an Idempotency-Key header: 1 to 200 visible ASCII characters. */
import { z } from 'zod';

export const idempotencyKey = z.string().regex(/^[\x21-\x7e]{1,200}$/, 'must be 1 to 200 visible ASCII characters');
