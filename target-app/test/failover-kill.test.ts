import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labDir } from '../../lab/paths.ts';
import { startStack, type StackHandle } from '../../lab/stack/index.ts';
import { readProducts } from './product-reads.ts';

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

  it('a catalog instance killed under load costs no failed request with failover on', async () => {
    const victim = stack.pidOf('catalog-1');
    expect(victim).toBeTypeOf('number');
    let killed = false;
    const statuses = await readProducts(gateway, 400, 8, (i) => {
      if (i === 100) killed = stack.signal('catalog-1', 'SIGKILL');
    });
    expect(killed).toBe(true);
    expect(statuses).toHaveLength(400);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(stack.pidOf('catalog-1')).toBeUndefined();
  });

  it('the same kill with failover and retries off fails requests (the control: the kill is felt without them)', async () => {
    await stack.restart('catalog-1');
    const admin = `http://127.0.0.1:${stack.instances().find((i) => i.instance === 'gateway')!.adminPort}/admin/config`;
    const patched = await fetch(admin, { method: 'PATCH', headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.secrets.adminToken}` }, body: JSON.stringify({ failover: 'off', retries: 'none' }) });
    expect(patched.status).toBe(200);
    let killed = false;
    const statuses = await readProducts(gateway, 400, 8, (i) => {
      if (i === 100) killed = stack.signal('catalog-1', 'SIGKILL');
    });
    expect(killed).toBe(true);
    expect(statuses).toHaveLength(400);
    expect(statuses.filter((s) => s !== 200).length).toBeGreaterThan(0);
  });
});
