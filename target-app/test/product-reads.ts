/** Concurrent product reads through a gateway, for the failover tests. */

/** `total` reads of products 1..50 at `gatewayUrl`, `concurrency` at a time; `during(i)` runs before read i. The statuses. */
export async function readProducts(
  gatewayUrl: string,
  total: number,
  concurrency = 8,
  during?: (i: number) => Promise<void> | void,
): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        if (during) await during(i);
        const res = await fetch(`${gatewayUrl}/products/${(i % 50) + 1}`);
        await res.arrayBuffer();
        statuses.push(res.status);
      }
    }),
  );
  return statuses;
}
