/** The price of a product: a pure function of its id, so every instance and every test agrees. */
export interface Price {
  productId: number;
  /** Minor units (cents). */
  amount: number;
  currency: 'EUR';
}

/** 9.99 .. 999.99 EUR, spread over ids by a multiplicative hash. */
export function priceOf(productId: number): Price {
  const spread = Math.imul(productId, 2654435761) >>> 0;
  return { productId, amount: 999 + (spread % 99_001), currency: 'EUR' };
}
