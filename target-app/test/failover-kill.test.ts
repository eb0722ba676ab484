import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labDir } from '../../lab/paths.ts';
import { startStack, type StackHandle } from '../../lab/stack/index.ts';

/**
 * Failover against real processes: the whole app on the native stack, two catalog instances,
 * and one of them killed with SIGKILL while readers keep coming through the gateway.
 */
describe('gateway failover when a catalog process is killed', () => {
  const env = { ...process.env, LAB_DIR: join(labDir(process.env), 'tests', 'failover-kill') };
  let stack: StackHandle;
  let gateway: string;

  beforeAll(async () => {
    stack = await startStack({
      env,
      withApp: true,
      catalogReplicas: 2,
      seed: { products: 100 },
      appConfig: { gateway: { failover: 'on', healthCheckIntervalMs: 100 } },
    });
    gateway = `http://127.0.0.1:${stack.ports.gateway}`;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** `total` product reads through the gateway, `concurrency` at a time; `during(i)` runs before read i. */
  async function readProducts(total: number, concurrency: number, during: (i: number) => void): Promise<number[]> {
    const statuses: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) {
          const i = next++;
          during(i);
          const res = await fetch(`${gateway}/products/${(i % 50) + 1}`);
          await res.arrayBuffer();
          statuses.push(res.status);
        }
      }),
    );
    return statuses;
  }

  it('a catalog instance killed under load costs no failed request with failover on', async () => {
    const victim = stack.pidOf('catalog-1');
    expect(victim).toBeTypeOf('number');
    let killed = false;
    const statuses = await readProducts(400, 8, (i) => {
      if (i === 100) killed = stack.signal('catalog-1', 'SIGKILL');
    });
    expect(killed).toBe(true);
    expect(statuses).toHaveLength(400);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(stack.pidOf('catalog-1')).toBeUndefined();
  });
});
